/**
 * The Exchange writer (lib/exchange/writer/): writer.ts schedules and sends, window.ts holds
 * the queued keys in memory, plan.ts decides a key's next step, settle.ts keeps the id map
 * and the queue rows, health.ts the back-off, outages and the retry policy; ack-pacer.ts holds
 * the change source's acknowledgements while the queue is long.
 */
export { ExchangeWriter } from './writer';
export { AckPacer } from './ack-pacer';
export type { MailboxStats, PartHealth, WriteActionTaken, WriteOutcome, WriterOptions, WriterStats } from './api';
export { isOlder } from './plan';

/**
 * The health of the Exchange endpoint and of each mailbox: failures in a row, the time before
 * which nothing more is sent, an outage or a mailbox problem being reported, the last error.
 * The writer's retry policy lives here and only here (as exchangelib's FaultTolerance): every
 * failed item and every failed call asks it what happens next.
 */
import { ExchangeCode } from '../../error-codes';
import { toError, type SyncError } from '../../errors';
import type { SyncEvent } from '../../log/events';
import { normalise } from '../../state/id-map';
import { backoffDelay, hintedDelay, type BackoffPolicy, type Clock } from '../../net/retry';
import { ExchangeError } from '../errors';
import type { WaitHints } from '../wait-hints';
import type { PartHealth, WriterStats } from './api';

/** Conflicts in a row (ErrorIrresolvableConflict) answered by re-reading the ChangeKey at once. */
const MAX_CONFLICT_RETRIES = 3;

interface MailboxHealth {
  notBefore: number;
  failures: number;
  /** A mailbox-wide problem is being reported (impersonation, mailbox missing). */
  problem?: string;
  /** For monitoring: when a call last came back, since when calls fail, the last failure. */
  lastSuccessAt?: number;
  failingSince?: number;
  error?: { code: string; message: string };
}

/** What happens to a key whose item Exchange answered with an error. */
export type ItemVerdict =
  /** Wait (the key's own back-off) and try again. */
  | 'retry'
  /** Still conflicting after re-reading: wait, re-read the ChangeKey, then write again. */
  | 'refresh'
  /** Rejected for good. */
  | 'fail';

/** What happens to the keys of a call that failed as a whole (no item's fate is known). */
export type CallVerdict =
  /** All wait until `until` (the endpoint's or the mailbox's back-off), then try again. */
  | { retry: 'until'; until: number }
  /** Each waits its own back-off. */
  | { retry: 'each' }
  /** Rejected as a whole: send each item alone to find the one that spoils the batch. */
  | { retry: 'alone' }
  /** A single item, rejected for good. */
  | { retry: 'never' };

export interface HealthOptions {
  /** For events and logs: the transport's URL or host (read when an event is sent). */
  transport: { readonly endpoint: string };
  clock: Clock;
  random: () => number;
  backoff: BackoffPolicy;
  /**
   * Exchange's waits per mailbox and endpoint, shared with the way back's reader on the same
   * endpoint: every hint the writer meets is noted there, and the writer sends nothing to a
   * mailbox before the shared time either (lib/exchange/wait-hints.ts).
   */
  hints: WaitHints;
  onEvent?: (event: SyncEvent) => void;
}

export class Health {
  private readonly mailboxes = new Map<string, MailboxHealth>();
  private endpointState: 'unknown' | 'up' | 'down' = 'unknown';
  private endpointFailures = 0;
  private endpointWait = 0;
  /** When the last endpoint failure was counted (calls already in flight then do not count again). */
  private endpointFailedAt = -Infinity;
  private endpointLastSuccessAt?: number;
  private endpointFailingSince?: number;
  private endpointError?: { code: string; message: string };
  lastError?: WriterStats['lastError'];

  constructor(private readonly o: HealthOptions) {}

  /** Nothing is sent to the endpoint before this time: the writer's own back-off, or a wait Exchange asked of either lane. */
  get endpointNotBefore(): number {
    const hinted = this.o.hints.endpointWaitLeft();
    return hinted > 0 ? Math.max(this.endpointWait, this.o.clock.now() + hinted) : this.endpointWait;
  }

  /** Exchange as a whole is unreachable right now. */
  get outage(): boolean {
    return this.endpointState === 'down';
  }

  /** The endpoint and each mailbox called so far, for monitoring. */
  report(): Pick<WriterStats, 'endpoint' | 'mailboxes'> {
    const now = this.o.clock.now();
    const waiting = (until: number) => (until > now ? until : undefined);
    const endpoint: PartHealth = {
      failures: this.endpointFailures,
      lastSuccessAt: this.endpointLastSuccessAt,
      failingSince: this.endpointFailingSince,
      retryAt: waiting(this.endpointWait),
      error: this.endpointFailingSince !== undefined ? this.endpointError : undefined,
    };
    const mailboxes = [...this.mailboxes].map(([mailbox, m]) => ({
      mailbox, failures: m.failures, lastSuccessAt: m.lastSuccessAt, failingSince: m.failingSince, retryAt: waiting(m.notBefore), error: m.error,
    }));
    return { endpoint, mailboxes };
  }

  /** Nothing is sent to this mailbox (normalised) before this time: its own back-off, or a wait Exchange asked of either lane. */
  mailboxNotBefore(mailbox: string): number {
    const own = this.mailboxes.get(mailbox)?.notBefore ?? 0;
    const hinted = this.o.hints.waitLeft(mailbox);
    return hinted > 0 ? Math.max(own, this.o.clock.now() + hinted) : own;
  }

  /** The wait before try number `failures + 1`: the server's hint when it gave one, else back-off. */
  delay(err: ExchangeError, failures: number): number {
    return err.backOffMs !== undefined ? hintedDelay(err.backOffMs, this.o.random) : backoffDelay(failures, this.o.random, this.o.backoff);
  }

  noteError(err: Pick<SyncError, 'code' | 'message'>): void {
    this.lastError = { code: err.code, message: err.message, at: this.o.clock.now() };
  }

  /** Whether an update that met a conflict re-reads the ChangeKey and writes again at once. */
  rereadAfterConflict(conflictsSoFar: number): boolean {
    return conflictsSoFar < MAX_CONFLICT_RETRIES;
  }

  /** One item failed; the others in its batch are not affected. `err` names the record. */
  itemFailed(mailbox: string, err: ExchangeError): ItemVerdict {
    this.noteError(err);
    if (err.code === ExchangeCode.conflict) return 'refresh';
    if (!err.retryable) return 'fail';
    if (err.scope === 'mailbox') this.blockMailbox(mailbox, err);
    // Exchange's wait for one item holds the mailbox for the way back's reader too (as its own hints do).
    else if (err.backOffMs) this.o.hints.wait(mailbox, err.backOffMs);
    return 'retry';
  }

  /** The error a call that failed as a whole stands for (a transport may throw anything). */
  callError(thrown: unknown): ExchangeError {
    return thrown instanceof ExchangeError
      ? thrown
      : new ExchangeError(ExchangeCode.requestRejected, `Exchange request failed: ${toError(thrown).message}`, { cause: thrown, ambiguous: true });
  }

  /** A call for `items` keys of `mailbox`, sent at `started`, failed as a whole with `err`. */
  callFailed(mailbox: string, items: number, err: ExchangeError, started: number): CallVerdict {
    this.noteError(err);
    if (err.scope === 'endpoint') return { retry: 'until', until: this.endpointFailed(err, started) };
    if (err.scope === 'mailbox') return { retry: 'until', until: this.blockMailbox(mailbox, err) };
    if (!err.retryable) return items > 1 ? { retry: 'alone' } : { retry: 'never' };
    return { retry: 'each' };
  }

  /** A call for this mailbox came back: the endpoint is up, the mailbox's problem is over. */
  succeeded(mailbox: string): void {
    const key = normalise(mailbox);
    const mb = this.mailbox(key);
    const now = this.o.clock.now();
    mb.failures = 0;
    mb.lastSuccessAt = now;
    mb.failingSince = undefined;
    mb.error = undefined;
    this.endpointLastSuccessAt = now;
    this.endpointFailingSince = undefined;
    if (mb.problem) {
      mb.problem = undefined;
      this.event({ type: 'connection', system: 'exchange', ok: true, endpoint: this.o.transport.endpoint, mailbox: key, time: this.time() });
    }
    this.endpointFailures = 0;
    if (this.endpointState === 'down') {
      this.event({ type: 'outage', system: 'exchange', phase: 'end', endpoint: this.o.transport.endpoint, time: this.time() });
    }
    if (this.endpointState !== 'up') {
      this.event({ type: 'connection', system: 'exchange', ok: true, endpoint: this.o.transport.endpoint, time: this.time() });
    }
    this.endpointState = 'up';
  }

  private endpointFailed(err: ExchangeError, started: number): number {
    // Calls in flight together fail together: one try, one step of the back-off (8 refused
    // connections at once must not mean the 8th step, a wait of minutes).
    const now = this.o.clock.now();
    this.endpointFailingSince ??= now;
    this.endpointError = { code: err.code, message: err.message };
    this.o.hints.note('', err);
    if (started > this.endpointFailedAt) {
      this.endpointFailures++;
      this.endpointFailedAt = now;
      this.endpointWait = Math.max(this.endpointWait, now + this.delay(err, this.endpointFailures));
    }
    if (this.endpointState !== 'down') {
      if (this.endpointState === 'unknown') {
        this.event({ type: 'connection', system: 'exchange', ok: false, endpoint: this.o.transport.endpoint, reason: err.message, code: err.code, time: this.time() });
      }
      this.endpointState = 'down';
      this.event({ type: 'outage', system: 'exchange', phase: 'begin', endpoint: this.o.transport.endpoint, reason: err.message, code: err.code, time: this.time() });
    }
    return this.endpointWait;
  }

  private blockMailbox(mailbox: string, err: ExchangeError): number {
    const mb = this.mailbox(mailbox);
    mb.failures++;
    mb.failingSince ??= this.o.clock.now();
    mb.error = { code: err.code, message: err.message };
    mb.notBefore = Math.max(mb.notBefore, this.o.clock.now() + this.delay(err, mb.failures));
    if (err.backOffMs) this.o.hints.wait(mailbox, err.backOffMs);
    if (err.code !== ExchangeCode.serverBusy && mb.problem !== err.code) {
      mb.problem = err.code;
      this.event({ type: 'connection', system: 'exchange', ok: false, endpoint: this.o.transport.endpoint, mailbox, reason: err.message, code: err.code, time: this.time() });
    }
    return mb.notBefore;
  }

  private mailbox(mailbox: string): MailboxHealth {
    let m = this.mailboxes.get(mailbox);
    if (!m) {
      m = { notBefore: 0, failures: 0 };
      this.mailboxes.set(mailbox, m);
    }
    return m;
  }

  private event(e: SyncEvent): void {
    this.o.onEvent?.(e);
  }

  private time(): string {
    return new Date(this.o.clock.now()).toISOString();
  }
}

// Set-up for the writer's integration tests: the sandbox's EWS simulator over real HTTP(S),
// the real ews-javascript-api through the EWS transport, a real SQLite state file.
import assert from 'node:assert/strict';
import { ExchangeConnection, type ConnectionSettings } from '../../lib/exchange/connection/exchange-connection';
import { EwsTransport } from '../../lib/exchange/ews/transport';
import { ExchangeWriter, type WriteOutcome, type WriterOptions } from '../../lib/exchange/writer';
import type { WriterInput } from '../../lib/exchange/model';
import type { SyncEvent } from '../../lib/log/events';
import { openStateDb, type StateDb } from '../../lib/state/db';
import { startEwsSimulator, type EwsSimulator, type StoredItem } from '../../sandbox/ews';
import { tempStateFile } from './support';

export const ANNA = 'anna.meier@firma.de';
export const BERND = 'bernd.schulz@firma.de';
export const SERVICE = { user: 'svc-sync', domain: 'FIRMA', password: 'Exch-Passw0rd!', impersonation: true };
export const NO_RIGHTS = { user: 'helpdesk', domain: 'FIRMA', password: 'Helpdesk-Passw0rd!', impersonation: false };

export async function startSim(opts: Parameters<typeof startEwsSimulator>[0] = {}): Promise<EwsSimulator> {
  return startEwsSimulator({ mailboxes: [ANNA, BERND], accounts: [SERVICE, NO_RIGHTS], ...opts });
}

/** On-premises settings for the simulator: Basic over HTTPS with the sandbox CA by default. */
export function onPrem(sim: EwsSimulator, overrides: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return {
    deployment: 'onprem', host: sim.httpsUrl, auth: 'basic', user: `${SERVICE.domain}\\${SERVICE.user}`,
    password: SERVICE.password, caFile: sim.caFile, ...overrides,
  };
}

export interface Harness {
  writer: ExchangeWriter;
  db: StateDb;
  outcomes: WriteOutcome[];
  events: SyncEvent[];
  transport: EwsTransport;
  /** Queues a message (for one mailbox or several); the id of its first queue row. */
  send(message: WriterInput): number;
  /** Waits until `n` outcomes arrived in total. */
  outcomesReach(n: number, ms?: number): Promise<WriteOutcome[]>;
  close(): Promise<void>;
}

export function harness(settings: ConnectionSettings, options: Partial<WriterOptions> & { file?: string; contactsFolder?: string } = {}): Harness {
  const files = options.file ? undefined : tempStateFile();
  const db = openStateDb(options.file ?? files!.file);
  const outcomes: WriteOutcome[] = [];
  const events: SyncEvent[] = [];
  const transport = new EwsTransport(new ExchangeConnection(settings), { contactsFolder: options.contactsFolder });
  const writer = new ExchangeWriter({
    transport, db, owner: 'writer-test', backoff: { baseMs: 50, maxMs: 400 },
    onOutcome: (o) => outcomes.push(o), onEvent: (e) => events.push(e), ...options,
  });
  return {
    writer, db, outcomes, events, transport,
    send: (m) => writer.enqueue(m).ids[0],
    outcomesReach: (n, ms = 20_000) => until(() => outcomes.length >= n, `${n} outcomes (have ${outcomes.length}: ${describe(outcomes)})`, ms).then(() => outcomes),
    close: async () => {
      await writer.close(2000);
      db.close();
      files?.cleanup();
    },
  };
}

export function describe(outcomes: WriteOutcome[]): string {
  return outcomes.map((o) => (o.ok ? `${o.message.key}:${o.action}` : `${o.message.key}:${o.error.code}:${o.error.message}`)).join(', ');
}

export async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The stored item carrying this writer key. */
export function byKey(sim: EwsSimulator, mailbox: string, key: string): StoredItem[] {
  return sim.store.items(mailbox).filter((i) => i.extendedProperties.some((p) => p.name === 'BueroSyncKey' && p.value === key));
}

export function only(sim: EwsSimulator, mailbox: string, key: string): StoredItem {
  const found = byKey(sim, mailbox, key);
  assert.equal(found.length, 1, `exactly one item with key ${key} in ${mailbox}, found ${found.length}`);
  return found[0];
}

/** A text field as stored (a plain string, or the text of a structured element). */
export function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return (value as { _?: string })._;
}

/** The simulator's schema and routing checks must hold for everything a suite sent. */
export function assertCleanTraffic(sim: EwsSimulator): void {
  const s = sim.stats();
  assert.equal(s.schemaInvalid, 0, 'requests that failed the EWS schema');
  assert.equal(s.missingAnchorMailbox, 0, 'impersonated requests without X-AnchorMailbox');
}

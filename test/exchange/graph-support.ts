// Set-up for tests that run the writer over both transports: the sandbox's token server, the
// EWS simulator and the Graph simulator on ONE mailbox store (as Exchange Online serves one
// mailbox through both APIs), real ews-javascript-api, real msal-node, real SQLite.
import assert from 'node:assert/strict';
import { ExchangeConnection, type ConnectionSettings } from '../../lib/exchange/connection/exchange-connection';
import { EwsTransport } from '../../lib/exchange/ews/transport';
import { GraphTransport } from '../../lib/exchange/graph/transport';
import type { Transport } from '../../lib/exchange/transport';
import { ExchangeWriter, type WriteOutcome, type WriterOptions } from '../../lib/exchange/writer';
import type { WriterInput } from '../../lib/exchange/model';
import type { SyncEvent } from '../../lib/log/events';
import { openStateDb, type StateDb } from '../../lib/state/db';
import { startAadSimulator, type AadSimulator } from '../../sandbox/aad';
import { startEwsSimulator, type EwsSimulator, type StoredItem } from '../../sandbox/ews';
import { linkedResourcesOf, startGraphSimulator, type GraphSimulator } from '../../sandbox/graph';
import { ANNA, BERND, SERVICE, describe as describeOutcomes, until } from './ews-support';
import { tempStateFile } from './support';

export const TENANT_ID = '6f1d7c1e-3b6a-4d5e-9a51-2f1c0b7e4a10';
export const TENANT = 'firma.onmicrosoft.com';
export const APP = 'b4c1f2d3-1111-4a4a-8b8b-0123456789ab';
export const SECRET = 'kV8Q~sim.secret-value_123';
/** An app whose admin granted calendars and contacts but not Tasks.ReadWrite.All. */
export const NO_TASKS_APP = 'c0ffee00-2222-4b4b-9c9c-0123456789ab';
export const GRAPH_ROLES = ['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All'];

export type TransportName = 'ews' | 'graph';

export interface Exchange {
  aad: AadSimulator;
  ews: EwsSimulator;
  graph: GraphSimulator;
  settings(name: TransportName, overrides?: Partial<ConnectionSettings>): ConnectionSettings;
  close(): Promise<void>;
}

export async function startExchange(): Promise<Exchange> {
  const aad = await startAadSimulator({
    tenants: [{ id: TENANT_ID, domains: [TENANT] }],
    clients: [
      { tenant: TENANT_ID, clientId: APP, secret: SECRET, roles: { 'https://outlook.office365.com': ['full_access_as_app'], 'https://graph.microsoft.com': GRAPH_ROLES } },
      { tenant: TENANT_ID, clientId: NO_TASKS_APP, secret: SECRET, roles: { 'https://graph.microsoft.com': ['Calendars.ReadWrite', 'Contacts.ReadWrite'] } },
    ],
  });
  const ews = await startEwsSimulator({ mailboxes: [ANNA, BERND], accounts: [SERVICE], aadPublicKeyPem: aad.publicKeyPem });
  const graph = await startGraphSimulator({ store: ews.store, aadPublicKeyPem: aad.publicKeyPem });
  return {
    aad, ews, graph,
    settings: (name, overrides = {}) => (name === 'ews'
      ? { deployment: 'onprem', host: ews.httpsUrl, auth: 'basic', user: `${SERVICE.domain}\\${SERVICE.user}`, password: SERVICE.password, caFile: ews.caFile, ...overrides }
      : {
        deployment: 'online', api: 'graph', tenant: TENANT, clientId: APP, clientSecret: SECRET,
        authorityHost: aad.httpsUrl, graphUrl: graph.httpsUrl, caFile: graph.caFile, ...overrides,
      }),
    close: async () => {
      await Promise.all([ews.close(), graph.close(), aad.close()]);
      assert.deepEqual(graph.schemaViolations, [], 'requests that broke Graph\'s v1.0 metadata');
    },
  };
}

export function transportFor(name: TransportName, settings: ConnectionSettings, options: { contactsFolder?: string; taskList?: string } = {}): Transport {
  const connection = new ExchangeConnection(settings);
  return name === 'graph' ? new GraphTransport(connection, options) : new EwsTransport(connection, options);
}

export interface Rig {
  writer: ExchangeWriter;
  db: StateDb;
  transport: Transport;
  outcomes: WriteOutcome[];
  events: SyncEvent[];
  /** Queues a message (for one mailbox or several); the id of its first queue row. */
  send(message: WriterInput): number;
  outcomesReach(n: number, ms?: number): Promise<WriteOutcome[]>;
  close(): Promise<void>;
}

export function rig(transport: Transport, options: Partial<WriterOptions> & { file?: string } = {}): Rig {
  const files = options.file ? undefined : tempStateFile();
  const db = openStateDb(options.file ?? files!.file);
  const outcomes: WriteOutcome[] = [];
  const events: SyncEvent[] = [];
  const writer = new ExchangeWriter({
    transport, db, owner: 'writer-test', backoff: { baseMs: 50, maxMs: 400 },
    onOutcome: (o) => outcomes.push(o), onEvent: (e) => events.push(e), ...options,
  });
  return {
    writer, db, transport, outcomes, events,
    send: (m) => writer.enqueue(m).ids[0],
    outcomesReach: (n, ms = 20_000) => until(() => outcomes.length >= n, `${n} outcomes (have ${outcomes.length}: ${describeOutcomes(outcomes)})`, ms).then(() => outcomes),
    close: async () => {
      await writer.close(2000);
      db.close();
      files?.cleanup();
    },
  };
}

/**
 * Items carrying this writer key, whichever API wrote them: the extended property (events,
 * contacts, and tasks written through EWS) or the To Do linkedResource (tasks through Graph).
 */
export function itemsWithKey(store: EwsSimulator['store'], mailbox: string, key: string): StoredItem[] {
  return store.items(mailbox).filter((i) => i.extendedProperties.some((p) => p.name === 'BueroSyncKey' && p.value === key)
    || linkedResourcesOf(i).some((r) => r.externalId === key));
}

export function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return (value as { _?: string })._;
}

import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ExchangeCode, StateCode } from '../../lib/error-codes';
import { ack, ackAll } from '../../lib/ack-token';
import { SyncError } from '../../lib/errors';
import { AckPacer, ExchangeWriter, type WriteOutcome } from '../../lib/exchange/writer';
import { openTransport } from '../../lib/exchange/open-transport';
import { waitHintsOf } from '../../lib/exchange/wait-hints';
import { EVENT_TOPIC, type SyncEvent } from '../../lib/log/events';
import { acquireStateDb, releaseStateDb } from '../../lib/state/shared-db';
import type { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { upgradeConfig } from '../shared/config-version';
import { reportHealth, serveMonitoring } from '../shared/monitoring';
import { wholeNumberWithin } from '../shared/number-settings';
import { bueroConnectionsElsewhere, stateFilePath } from '../shared/state-file';
import { throttledStatus } from '../shared/status';

/** The buero-exchange-connection config node as this node uses it. */
interface ExchangeConnectionConfigNode extends Node {
  connection(): ExchangeConnection;
}

interface WriterConfig extends NodeDef {
  connection?: string;
  batchSize?: string | number;
  flushDelay?: string | number;
  maxConcurrent?: string | number;
  maxConcurrentPerMailbox?: string | number;
  contactsFolder?: string;
  /** Microsoft Graph only: the To Do list for tasks (empty: the default list). */
  taskList?: string;
  onItemNotFound?: 'recreate' | 'skip';
  stateFile?: string;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;

/** The status changes at most this often (thousands of items must not flood the editor). */
const STATUS_INTERVAL_MS = 500;
/** How long `close` lets requests in flight finish. */
const CLOSE_TIMEOUT_MS = 10_000;
/** Input messages held until their change is written (beyond: finished when queued; see help). */
const KEEP_MESSAGES = 2000;
/**
 * The change source's acknowledgements are held while more changes than this are queued: a
 * backlog then waits in büro+, not all of it in the queue at once (lib/exchange/writer/ack-pacer.ts).
 */
const ACK_WHILE_QUEUED_AT_MOST = 5000;

/** Short status words per error code (the catalogue's status.error.* keys). */
const SHORT: Record<string, string> = {
  [ExchangeCode.serverBusy]: 'busy',
  [ExchangeCode.unavailable]: 'unreachable',
  [ExchangeCode.dns]: 'dns',
  [ExchangeCode.tls]: 'tls',
  [ExchangeCode.auth]: 'auth',
  [ExchangeCode.impersonation]: 'impersonation',
  [ExchangeCode.mailbox]: 'mailbox',
  [ExchangeCode.folder]: 'folder',
  [ExchangeCode.config]: 'settings',
  [ExchangeCode.itemRejected]: 'rejected',
  [ExchangeCode.requestRejected]: 'rejected',
};

/** The status of a writer that could not start, when it is not its settings (status.* keys). */
const NOT_STARTED: Record<string, string> = {
  [StateCode.fileTooNew]: 'stateFileTooNew',
  [StateCode.fileUpgrade]: 'stateFile',
};

// Exchange writer: the Node-RED side of lib/exchange/writer (queue in, results and events out).
export = function (RED: NodeAPI) {
  serveMonitoring(RED);

  function BueroExchangeWriterNode(this: Node, config: WriterConfig) {
    RED.nodes.createNode(this, config);
    start(this, config);
  }

  function start(node: Node, saved: WriterConfig) {
    const startedAt = Date.now();
    let writer: ExchangeWriter | undefined;
    let setupError: Error | undefined;
    let stateFile: string | undefined;
    let connectionName = '';
    const status = throttledStatus(STATUS_INTERVAL_MS, () => writer && showStatus(writer));
    try {
      const config = upgradeConfig(saved);
      const connectionNode = config.connection ? (RED.nodes.getNode(config.connection) as ExchangeConnectionConfigNode | null) : null;
      if (!connectionNode) throw new Error(RED._('buero-exchange-writer.error.noConnection'));
      connectionName = connectionNode.name || connectionNode.id;
      const connection = connectionNode.connection();
      stateFile = stateFilePath(RED, config.stateFile);
      const db = acquireStateDb(stateFile);
      writer = new ExchangeWriter({
        // Exchange Online speaks Microsoft Graph unless the connection chose EWS.
        transport: openTransport(connection, { contactsFolder: config.contactsFolder ?? '', taskList: config.taskList ?? '' }),
        db,
        owner: node.id,
        batchSize: wholeNumberWithin(config.batchSize, 50, 1, 100),
        flushDelayMs: wholeNumberWithin(config.flushDelay, 200, 0, 60_000),
        maxConcurrent: wholeNumberWithin(config.maxConcurrent, 8, 1, 27),
        maxConcurrentPerMailbox: wholeNumberWithin(config.maxConcurrentPerMailbox, 8, 1, 27),
        onItemNotFound: config.onItemNotFound === 'skip' ? 'skip' : 'recreate',
        // Exchange's waits are shared with the way back's reader on the same endpoint.
        waitHints: waitHintsOf(connection),
        onOutcome: (o) => outcome(o),
        onEvent: (e) => event(e),
        onChange: () => status.update(),
      });
    } catch (err) {
      setupError = err as Error;
      const reason = setupError.message;
      node.error(connectionName ? RED._('buero-exchange-writer.error.setupConnection', { connection: connectionName, reason }) : RED._('buero-exchange-writer.error.setup', { reason }));
    }
    // A notice, not a refusal: two state files work (why it is said: nodes/shared/state-file.ts).
    if (writer && stateFile) {
      for (const other of bueroConnectionsElsewhere(RED, stateFile)) {
        node.warn(RED._('buero-exchange-writer.warn.stateFiles', { file: stateFile, connection: other.label, connectionFile: other.file }));
      }
    }

    /**
     * Messages in the queue that arrived in this run, by queue row (a message for several
     * mailboxes has a row each): results are sent with them, and done is called once all their
     * rows are written (with the first failure, if any; further ones go to Catch nodes as
     * errors of the same message). At most KEEP_MESSAGES rows are held (memory during a first
     * sync of a large backlog).
     */
    interface Arrival { msg: NodeMessageInFlow; send: Send; done: Done; rows: number; error?: Error }
    const waiting = new Map<number, Arrival>();

    function outcome(o: WriteOutcome) {
      const entry = waiting.get(o.changeId);
      waiting.delete(o.changeId);
      if (o.ok) {
        const m = o.message;
        const out: NodeMessage = {
          topic: `exchange/${o.action}`,
          payload: { action: o.action, kind: m.kind, mailbox: m.mailbox, key: m.key, version: m.version, itemId: o.itemId, durationMs: o.durationMs },
        };
        if (entry) {
          out._msgid = entry.msg._msgid;
          entry.send([out, null]);
        } else {
          node.send([out, null]);
        }
      } else if (!entry) {
        // Catch nodes get the error with the original message (from an earlier run: its payload).
        node.error(o.error, { payload: o.message } as NodeMessage);
      } else if (entry.error) {
        node.error(o.error, entry.msg);
      } else {
        entry.error = o.error;
      }
      if (entry && --entry.rows === 0) entry.done(entry.error);
    }

    function event(e: SyncEvent) {
      node.send([null, { topic: EVENT_TOPIC, payload: e } as NodeMessage]);
    }

    function showStatus(current: ExchangeWriter) {
      const s = current.stats();
      const short = s.lastError ? SHORT[s.lastError.code] : undefined;
      if (s.outage || (short && s.queued > 0)) {
        const why = RED._(`buero-exchange-writer.status.error.${short ?? 'other'}`);
        node.status({ fill: s.outage ? 'red' : 'yellow', shape: 'ring', text: RED._('buero-exchange-writer.status.waiting', { count: s.queued, why }) });
      } else if (s.queued > 0) {
        node.status({ fill: 'blue', shape: 'dot', text: RED._('buero-exchange-writer.status.queued', { count: s.queued }) });
      } else {
        node.status({ fill: 'green', shape: 'dot', text: RED._('buero-exchange-writer.status.idle') });
      }
    }

    // For monitoring: Exchange and each mailbox; not ready means nothing written since the start.
    reportHealth(node, () => {
      const base = { type: 'buero-exchange-writer' as const, id: node.id, name: node.name ?? '' };
      if (!writer) {
        const error = { code: (setupError as { code?: string } | undefined)?.code ?? ExchangeCode.config, message: setupError?.message ?? '' };
        return { ...base, state: 'not-ready', queued: 0, inFlight: 0, mailboxes: [], exchange: { failures: 0, failingSince: startedAt, error } };
      }
      const s = writer.stats();
      const state = s.outage ? 'outage' : s.queued > 0 ? 'writing' : 'idle';
      return { ...base, state, queued: s.queued, inFlight: s.inFlight, exchange: s.endpoint, mailboxes: s.mailboxes };
    });

    if (writer) {
      const waitingFromLastRun = writer.start();
      if (waitingFromLastRun > 0) node.log(RED._('buero-exchange-writer.log.resumed', { count: waitingFromLastRun }));
      status.update(true);
    } else {
      // A missing secret names its variable (the log line says which node and setting).
      const variable = (setupError as { variable?: string } | undefined)?.variable;
      const why = setupError instanceof SyncError ? NOT_STARTED[setupError.code] : undefined;
      node.status({
        fill: 'red', shape: 'ring',
        text: variable ? RED._('buero-exchange-writer.status.unset', { name: variable }) : RED._(`buero-exchange-writer.status.${why ?? 'error.settings'}`),
      });
    }

    // Messages that arrive together are taken in one SQLite transaction (one disk sync for all):
    // a source emitting a page of changes costs one sync per page, not one per change.
    const pacer = writer ? new AckPacer({ limit: ACK_WHILE_QUEUED_AT_MOST, queued: () => writer.writable, ack: ackAll }) : undefined;
    let arriving: { msg: NodeMessageInFlow; send: Send; done: Done }[] = [];
    const takeArriving = () => {
      const batch = arriving;
      arriving = [];
      if (batch.length === 0 || !writer) return;
      const results = writer.enqueueMany(batch.map((b) => b.msg.payload));
      const taken: unknown[] = [];
      results.forEach((result, i) => {
        const { msg, send, done } = batch[i];
        if (result instanceof SyncError) {
          done(result);
          // A message that breaks the contract can never be written: report it (Catch, log) and
          // let the change source move on. One the writer could not take (closing) is not
          // acknowledged: the change source sends it again after the restart.
          if (!result.retryable) ack((msg as { ack?: unknown }).ack);
          return;
        }
        // Committed to the queue now: the change source may commit its position (once the pacer
        // lets the acknowledgement go), in a transaction of its own after this one (lib/buero/feed/outbox.ts: why that is safe).
        if (waiting.size < KEEP_MESSAGES) {
          const arrival: Arrival = { msg, send, done, rows: result.ids.length };
          for (const id of result.ids) waiting.set(id, arrival);
        } else {
          done(); // a long backlog: the message is finished here; its outcome follows without it
        }
        taken.push((msg as { ack?: unknown }).ack);
      });
      pacer?.take(taken);
    };

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      if (!writer) {
        done(setupError ?? new Error(RED._('buero-exchange-writer.error.noConnection')));
        return;
      }
      arriving.push({ msg, send, done });
      if (arriving.length === 1) setImmediate(takeArriving);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      takeArriving();
      // Held acknowledgements: their changes are in the durable queue.
      pacer?.flush();
      status.stop();
      const finish = () => {
        if (stateFile) releaseStateDb(stateFile);
        done();
      };
      if (!writer) return finish();
      // Requests in flight may finish; what is queued stays for the next start.
      writer.close(CLOSE_TIMEOUT_MS).then(finish, finish);
    });
  }

  RED.nodes.registerType('buero-exchange-writer', BueroExchangeWriterNode);
};

import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ack } from '../../lib/ack-token';
import { BueroWriter } from '../../lib/buero/writer';
import { BueroCode, StateCode } from '../../lib/error-codes';
import { SyncError, toError } from '../../lib/errors';
import type { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { openTransport } from '../../lib/exchange/open-transport';
import { waitHintsOf } from '../../lib/exchange/wait-hints';
import { expandVariables, nodeRedLookup } from '../../lib/env';
import { EVENT_TOPIC } from '../../lib/log/events';
import type { PartHealth } from '../../lib/monitor/status';
import { acquireStateDb, releaseStateDb } from '../../lib/state/shared-db';
import { WayBackWriter, linkedInIdMap, wayBackSettingsFromEnv, type TakeResult } from '../../lib/way-back';
import type { BueroConnectionConfigNode } from '../buero-connection/api';
import { upgradeConfig } from '../shared/config-version';
import { nodeLabel } from '../shared/label';
import { reportHealth, serveMonitoring } from '../shared/monitoring';
import { throttledStatus } from '../shared/status';
import { typedInputReader } from '../shared/typed-input';

/** The node's configuration in today's layout (nodes/shared/config-version.ts). */
interface BueroWriterDef extends NodeDef {
  connection?: string;
  exchange?: string;
  timeZone?: string;
  twoWay?: string;
  twoWayType?: string;
  outlookNew?: string;
  outlookNewType?: string;
  category?: string;
  categoryType?: string;
  deletes?: string;
  deletesType?: string;
  conflict?: string;
  conflictType?: string;
}

interface ExchangeConnectionConfigNode extends Node {
  connection(): ExchangeConnection;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;

/** The status of a writer that could not start, when it is not its settings (status.* keys). */
const NOT_STARTED: Record<string, string> = {
  [StateCode.fileTooNew]: 'stateFileTooNew',
  [StateCode.fileUpgrade]: 'stateFile',
};

const STATUS_INTERVAL_MS = 500;

const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v));

/** What output 1 carries for one change (the help lists it). */
function resultPayload(r: TakeResult, change: { kind?: unknown; mailbox?: unknown; itemId?: unknown }) {
  const base = { outcome: r.outcome, kind: change.kind, mailbox: change.mailbox, itemId: change.itemId, record: r.record };
  switch (r.outcome) {
    case 'written':
      return { ...base, fields: r.fields, conflicts: r.conflicts };
    case 'skipped':
      return { ...base, reason: r.reason, conflicts: r.conflicts ?? [] };
    case 'refused':
      return { ...base, code: r.error.code, field: r.error.field, retryable: r.retryable };
    default:
      return base;
  }
}

/**
 * The way back's büro+ writer: a thin adapter over lib/way-back's WayBackWriter. One change at
 * a time: taken (written, created, deleted, skipped with a logged reason, or refused), its
 * events to the sync log, its result on output 1, and its acknowledgement back to the source.
 */
export = function (RED: NodeAPI) {
  serveMonitoring(RED);

  function BueroWriterNode(this: Node, saved: BueroWriterDef) {
    RED.nodes.createNode(this, saved);
    const node = this as Node;
    const startedAt = Date.now();
    const t = (key: string, opts?: Record<string, string | number>) => RED._(`buero-writer.${key}`, opts);
    let writer: WayBackWriter | undefined;
    let stateFile: string | undefined;
    let setupError: (Error & { code?: string; variable?: string }) | undefined;
    let off = false;

    try {
      const config = upgradeConfig(saved);
      const typed = typedInputReader(RED, node);
      const settings = wayBackSettingsFromEnv(
        {
          SYNC_TWO_WAY: text(typed(config.twoWay, config.twoWayType)),
          SYNC_OUTLOOK_NEW: text(typed(config.outlookNew, config.outlookNewType)),
          SYNC_OUTLOOK_CATEGORY: text(typed(config.category, config.categoryType)),
          SYNC_OUTLOOK_DELETES: text(typed(config.deletes, config.deletesType)),
          SYNC_CONFLICT: text(typed(config.conflict, config.conflictType)),
          // `${SYNC_TIMEZONE}` in the reference flow: Node-RED leaves it as it is when unset (the default then).
          SYNC_TIMEZONE: expandVariables(text(config.timeZone), nodeRedLookup((name) => RED.util.getSetting(node, name))),
        },
        (warning) => node.warn(warning),
      );
      if (!settings.twoWay) {
        off = true;
      } else {
        const bueroNode = config.connection ? (RED.nodes.getNode(config.connection) as BueroConnectionConfigNode | null) : null;
        const exchangeNode = config.exchange ? (RED.nodes.getNode(config.exchange) as ExchangeConnectionConfigNode | null) : null;
        if (!bueroNode || !exchangeNode) throw new SyncError(BueroCode.config, t('errors.noConnection'));
        const conn = bueroNode.connection;
        if (!conn) throw bueroNode.configError ?? new SyncError(BueroCode.config, t('errors.noConnection'));
        const exchange = exchangeNode.connection();
        stateFile = bueroNode.stateFile;
        const db = acquireStateDb(stateFile);
        writer = new WayBackWriter({
          // isLinked: a create lost in a crash is never recovered onto an entry another item owns.
          bueroWriter: new BueroWriter({ client: conn.client, db, fields: conn.fields, timeZone: settings.timeZone, isLinked: linkedInIdMap(db, conn.mandant) }),
          // Only to stamp the key of a new büro+ entry on the Outlook item it came from.
          transport: openTransport(exchange),
          // Exchange's waits are shared with lane 1's writer and the way back's reader.
          waitHints: waitHintsOf(exchange),
          db,
          fields: conn.fields,
          mandant: conn.mandant,
          settings,
          source: nodeLabel(node),
        });
      }
    } catch (err) {
      setupError = toError(err) as Error & { code?: string; variable?: string };
      node.error(t('errors.setup', { reason: setupError.message }));
    }

    // Counts and büro+'s health as this node saw the writes go.
    let written = 0;
    let refused = 0;
    let busy = 0;
    const buero: PartHealth = { failures: 0 };

    const status = throttledStatus(STATUS_INTERVAL_MS, () => {
      if (buero.failingSince !== undefined) node.status({ fill: 'red', shape: 'ring', text: t('status.unreachable') });
      else if (busy > 0) node.status({ fill: 'blue', shape: 'dot', text: t('status.busy', { count: busy }) });
      else if (refused > 0) node.status({ fill: 'yellow', shape: 'dot', text: t('status.failed', { count: written, failed: refused }) });
      else node.status({ fill: 'green', shape: 'dot', text: t('status.idle', { count: written }) });
    });

    if (off) node.status({ fill: 'grey', shape: 'ring', text: t('status.off') });
    else if (!writer) {
      const why = setupError?.variable ? t('status.unset', { name: setupError.variable }) : t(`status.${(setupError?.code && NOT_STARTED[setupError.code]) || 'config'}`);
      node.status({ fill: 'red', shape: 'ring', text: why });
    } else status.update(true);

    if (!off) {
      reportHealth(node, () => {
        const base = { type: 'buero-writer' as const, id: node.id, name: node.name ?? '' };
        if (!writer) {
          const error = { code: setupError?.code ?? BueroCode.config, message: setupError?.message ?? '' };
          return { ...base, state: 'not-ready', written, refused, buero: { failures: 0, failingSince: startedAt, error } };
        }
        const state = buero.failingSince !== undefined ? 'outage' : busy > 0 ? 'writing' : 'idle';
        return { ...base, state, written, refused, buero: { ...buero } };
      });
    }

    async function take(current: WayBackWriter, msg: NodeMessageInFlow & { ack?: unknown }, send: Send, done: Done) {
      busy++;
      status.update();
      try {
        const { result, events, ack: acknowledge } = await current.take(msg.payload as Parameters<WayBackWriter['take']>[0]);
        for (const e of events) send([null, { topic: EVENT_TOPIC, payload: e }]);
        if (result.outcome === 'refused' && result.retryable) {
          buero.failures++;
          buero.failingSince ??= Date.now();
          buero.error = { code: result.error.code, message: result.error.message };
        } else {
          buero.failures = 0;
          buero.failingSince = undefined;
          buero.error = undefined;
          buero.lastSuccessAt = Date.now();
        }
        if (result.outcome === 'refused') refused++;
        else if (result.outcome !== 'skipped') written++;
        // Acknowledged once in büro+ or refused for good: the source may move its position on.
        if (acknowledge) ack(msg.ack);
        send([{ _msgid: msg._msgid, topic: `buero/${result.outcome}`, payload: resultPayload(result, (msg.payload ?? {}) as Record<string, unknown>) }, null]);
        done(result.outcome === 'refused' ? result.error : undefined);
      } catch (err) {
        // Not acknowledged: the source reads the change again.
        refused++;
        done(toError(err));
      } finally {
        busy--;
        status.update();
      }
    }

    // Changes are taken one after the other, in the order they arrived.
    let queue: Promise<void> = Promise.resolve();
    node.on('input', (msg: NodeMessageInFlow & { ack?: unknown }, send: Send, done: Done) => {
      if (off) {
        // The way back is off: nothing is written; the change is handed on.
        ack(msg.ack);
        return done();
      }
      const current = writer;
      if (!current) return done(setupError ?? new Error(t('errors.noConnection')));
      queue = queue.then(() => take(current, msg, send, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.stop();
      queue.then(
        () => {
          writer?.flush();
          if (stateFile && writer) releaseStateDb(stateFile);
          done();
        },
        () => done(),
      );
    });
  }

  RED.nodes.registerType('buero-writer', BueroWriterNode);
};

import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { ack } from '../../lib/ack-token';
import type { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { createChangeReader, type ChangeKind } from '../../lib/exchange/changes';
import { waitHintsOf } from '../../lib/exchange/wait-hints';
import { ExchangeCode, StateCode } from '../../lib/error-codes';
import { SyncError, toError } from '../../lib/errors';
import { EVENT_TOPIC, type SyncEvent } from '../../lib/log/events';
import { CursorStore } from '../../lib/state/cursor';
import { acquireStateDb, releaseStateDb } from '../../lib/state/shared-db';
import { OutlookChangeSource, syncedMailboxes, wayBackSettingsFromEnv, type SourceStatus, type SyncedMailbox } from '../../lib/way-back';
import type { BueroConnectionConfigNode } from '../buero-connection/api';
import { upgradeConfig } from '../shared/config-version';
import { reportHealth, serveMonitoring } from '../shared/monitoring';
import { throttledStatus } from '../shared/status';
import { typedInputReader } from '../shared/typed-input';
import { mailboxHealth, type HealthClock } from './health';

/** The node's configuration in today's layout (nodes/shared/config-version.ts). */
interface OutlookChangesDef extends NodeDef {
  exchange?: string;
  connection?: string;
  appointments?: boolean;
  tasks?: boolean;
  twoWay?: string;
  twoWayType?: string;
  interval?: string | number;
  intervalType?: string;
}

interface ExchangeConnectionConfigNode extends Node {
  connection(): ExchangeConnection;
}

type SourceNode = Node & { wayBack?: OutlookChangeSource };

/** The status of a source that could not start, when it is not its settings (status.* keys). */
const NOT_STARTED: Record<string, string> = {
  [StateCode.fileTooNew]: 'stateFileTooNew',
  [StateCode.fileUpgrade]: 'stateFile',
};

/** The status changes at most this often. */
const STATUS_INTERVAL_MS = 500;

const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v));

/**
 * The way back's change source: a thin adapter over lib/way-back's OutlookChangeSource (reads
 * each synced mailbox's calendar and tasks, emits one message per change with an
 * acknowledgement token, holds a mailbox the deletion guard stopped until it is resumed).
 */
export = function (RED: NodeAPI) {
  serveMonitoring(RED);

  /**
   * The synced mailboxes as the büro+ change sources on the same büro+ connection last stored
   * them (each keeps them under its own id and the Mandant).
   */
  function mailboxesOf(connectionId: string, mandant: number | string, db: ReturnType<typeof acquireStateDb>): () => SyncedMailbox[] {
    return () => {
      const seen = new Map<string, SyncedMailbox>();
      RED.nodes.eachNode((def) => {
        const d = def as NodeDef & { connection?: string };
        if (d.type !== 'buero-changes' || d.connection !== connectionId) return;
        for (const m of syncedMailboxes(new CursorStore(db, `${d.id}:${mandant}`))) seen.set(m.mailbox, m);
      });
      return [...seen.values()];
    };
  }

  function BueroOutlookChangesNode(this: Node, saved: OutlookChangesDef) {
    RED.nodes.createNode(this, saved);
    const node = this as SourceNode;
    const startedAt = Date.now();
    const t = (key: string, opts?: Record<string, string | number>) => RED._(`buero-outlook-changes.${key}`, opts);
    let source: OutlookChangeSource | undefined;
    let stateFile: string | undefined;
    let setupError: (Error & { code?: string; variable?: string }) | undefined;
    let off = false;
    const clock: HealthClock = { failingSince: new Map() };

    try {
      const config = upgradeConfig(saved);
      const typed = typedInputReader(RED, node);
      const settings = wayBackSettingsFromEnv(
        { SYNC_TWO_WAY: text(typed(config.twoWay, config.twoWayType)), SYNC_EXCHANGE_POLL_SECONDS: text(typed(config.interval, config.intervalType)) },
        (warning) => node.warn(warning),
      );
      if (!settings.twoWay) {
        // Switched off: nothing is read, not even the connections' settings.
        off = true;
      } else {
        const exchangeNode = config.exchange ? (RED.nodes.getNode(config.exchange) as ExchangeConnectionConfigNode | null) : null;
        const bueroNode = config.connection ? (RED.nodes.getNode(config.connection) as BueroConnectionConfigNode | null) : null;
        if (!exchangeNode || !bueroNode) throw new SyncError(ExchangeCode.config, t('errors.noConnection'));
        if (!bueroNode.connection) throw bueroNode.configError ?? new SyncError(ExchangeCode.config, t('errors.noConnection'));
        const connection = exchangeNode.connection();
        const kinds: ChangeKind[] = [];
        if (config.appointments !== false) kinds.push('appointment');
        if (config.tasks !== false) kinds.push('task');
        stateFile = bueroNode.stateFile;
        const db = acquireStateDb(stateFile);
        source = new OutlookChangeSource({
          id: node.id,
          // The reader writes instants with the offset of this zone (the writer maps them to büro+'s).
          // Exchange's waits are shared with lane 1's writer on the same endpoint.
          reader: createChangeReader(connection, { timeZone: connection.timeZone ?? settings.timeZone, waitHints: waitHintsOf(connection) }),
          db,
          mailboxes: mailboxesOf(config.connection!, bueroNode.connection.mandant, db),
          kinds,
          settings,
          emit: (msg) => {
            node.send([msg as unknown as NodeMessage, null]);
            status.update();
          },
          event: (e) => sendEvent(e),
        });
      }
    } catch (err) {
      setupError = toError(err) as Error & { code?: string; variable?: string };
      node.error(setupError.message);
    }
    node.wayBack = source;

    function sendEvent(e: SyncEvent) {
      node.send([null, { topic: EVENT_TOPIC, payload: e } as NodeMessage]);
      status.update();
    }

    function statusOf(s: SourceStatus): NodeStatus {
      const mailboxes = new Set(s.folders.map((f) => f.mailbox)).size;
      const open = s.folders.reduce((n, f) => n + f.unacknowledged, 0);
      switch (s.state) {
        case 'off':
          return { fill: 'grey', shape: 'ring', text: t('status.off') };
        case 'paused':
          return { fill: 'yellow', shape: 'ring', text: t('status.paused', { count: new Set(s.folders.filter((f) => f.state === 'paused').map((f) => f.mailbox)).size }) };
        case 'error':
          return { fill: 'red', shape: 'ring', text: t('status.outage') };
        default:
          if (s.folders.some((f) => f.state === 'reading')) return { fill: 'blue', shape: 'dot', text: t('status.polling', { count: mailboxes }) };
          return { fill: 'green', shape: 'dot', text: open ? t('status.pending', { count: open }) : t('status.idle', { count: mailboxes }) };
      }
    }

    let shown = '';
    const status = throttledStatus(STATUS_INTERVAL_MS, () => {
      if (!source) return;
      const s = statusOf(source.status());
      const key = JSON.stringify(s);
      if (key !== shown) node.status(s);
      shown = key;
    });
    // Reads run on the source's own timer: the status follows them.
    const ticker = source ? setInterval(() => status.update(), 1000) : undefined;
    ticker?.unref?.();

    if (off) {
      node.status({ fill: 'grey', shape: 'ring', text: t('status.off') });
    } else if (!source) {
      const why = setupError?.variable ? t('status.unset', { name: setupError.variable }) : t(`status.${(setupError?.code && NOT_STARTED[setupError.code]) || 'config'}`);
      node.status({ fill: 'red', shape: 'ring', text: why });
    } else {
      node.status({ fill: 'grey', shape: 'ring', text: t('status.starting') });
      source.start();
    }

    // For monitoring: Exchange as the source reads it, and each mailbox folder.
    if (!off) {
      reportHealth(node, () => {
        const base = { type: 'buero-outlook-changes' as const, id: node.id, name: node.name ?? '' };
        if (!source) {
          const error = { code: setupError?.code ?? ExchangeCode.config, message: setupError?.message ?? '' };
          return { ...base, state: 'config-error', unacknowledged: 0, mailboxes: [], exchange: { failures: 0, failingSince: startedAt, error } };
        }
        const s = source.status();
        return { ...base, state: s.state, unacknowledged: s.folders.reduce((n, f) => n + f.unacknowledged, 0), ...mailboxHealth(s, clock, Date.now()) };
      });
    }

    node.on('input', (msg: NodeMessageInFlow & { command?: unknown; ack?: unknown }, _send, done) => {
      const command = String(msg.command ?? msg.topic ?? '');
      if (command === 'ack') {
        // A custom flow that drops a change on purpose hands it on this way.
        ack(msg.ack);
        return done();
      }
      if (!source) {
        // Off: nothing to resume or read. Not started: say why.
        return off ? done() : done(setupError ?? new Error(t('errors.noConnection')));
      }
      if (command === 'resume') {
        const mailbox = String((msg.payload as { mailbox?: unknown } | undefined)?.mailbox ?? msg.payload ?? '').trim();
        if (!source.resume(mailbox)) return done(new Error(t('errors.notPaused', { mailbox })));
        status.update(true);
        source.pollNow().then(() => done(), (err) => done(toError(err)));
        return;
      }
      if (command === 'sync-now') {
        source.pollNow().then(() => done(), (err) => done(toError(err)));
        return;
      }
      done(new Error(t('errors.unknownCommand', { command })));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (ticker) clearInterval(ticker);
      status.stop();
      const finish = () => {
        if (stateFile && source) releaseStateDb(stateFile);
        done();
      };
      if (!source) return finish();
      source.close().then(finish, finish);
    });
  }

  RED.nodes.registerType('buero-outlook-changes', BueroOutlookChangesNode);

  const sourceOf = (id: unknown) => (RED.nodes.getNode(String(id)) as SourceNode | null)?.wayBack;

  // The deletion guard's part of the edit dialog: the paused mailboxes, and resuming one.
  RED.httpAdmin.get('/buero-outlook-changes/:id/paused', RED.auth.needsPermission('buero-outlook-changes.read'), (req, res) => {
    const source = sourceOf(req.params.id);
    // A node not deployed (or switched off) has nothing paused: the dialog says so, without an HTTP error.
    if (!source) return void res.json({ deployed: false, paused: [] });
    const paused = source.status().folders.filter((f) => f.state === 'paused').map((f) => ({ mailbox: f.mailbox, kind: f.kind, reason: f.reason ?? '' }));
    res.json({ deployed: true, paused });
  });
  RED.httpAdmin.post('/buero-outlook-changes/:id/resume', RED.auth.needsPermission('buero-outlook-changes.write'), (req, res) => {
    const source = sourceOf(req.params.id);
    if (!source) return void res.status(404).json({ error: RED._('buero-outlook-changes.errors.notDeployed') });
    const mailbox = String(req.body?.mailbox ?? '').trim();
    if (!source.resume(mailbox)) return void res.status(409).json({ error: RED._('buero-outlook-changes.errors.notPaused', { mailbox }) });
    void source.pollNow().catch(() => undefined);
    res.json({ resumed: mailbox });
  });
};

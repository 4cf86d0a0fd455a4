import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { ack } from '../../lib/ack-token';
import { ChangeFeed } from '../../lib/buero/change-feed';
import { type LoopStatus, SyncLoop } from '../../lib/buero/sync-loop';
import { BueroCode, StateCode } from '../../lib/error-codes';
import { type SyncError, toError } from '../../lib/errors';
import { EVENT_TOPIC, type SyncEvent } from '../../lib/log/events';
import { CursorStore } from '../../lib/state/cursor';
import { acquireStateDb, releaseStateDb } from '../../lib/state/shared-db';
import type { BueroConnectionConfigNode } from '../buero-connection/api';
import { upgradeConfig } from '../shared/config-version';
import { reportHealth, serveMonitoring } from '../shared/monitoring';
import { positiveNumber } from '../shared/number-settings';

interface BueroChangesDef extends NodeDef {
  connection: string;
  appointments: boolean;
  tasks: boolean;
  contacts: boolean;
  /** Poll interval in seconds. */
  interval: number | string;
  autoSync: boolean;
  /** `users`: every synced user's mailbox; `listed`: the mailboxes in contactMailboxes. */
  contactTarget: 'users' | 'listed';
  contactMailboxes: string;
  deletionEvery: number | string;
  pageSize: number | string;
}

type Command = 'pause' | 'resume' | 'sync-now' | 'backfill' | 'ack';

/** The status of a source that cannot start, when it is not the settings (status.* keys). */
const NOT_STARTED: Record<string, string> = {
  [StateCode.fileTooNew]: 'stateFileTooNew',
  [StateCode.fileUpgrade]: 'stateFile',
};

export = function (RED: NodeAPI) {
  serveMonitoring(RED);

  function BueroChangesNode(this: Node, saved: BueroChangesDef) {
    RED.nodes.createNode(this, saved);
    const node = this as Node;
    const startedAt = Date.now();
    let config: BueroChangesDef;
    try {
      config = upgradeConfig(saved);
    } catch (err) {
      return refuse(err as SyncError);
    }
    const connNode = RED.nodes.getNode(config.connection) as BueroConnectionConfigNode | null;
    const conn = connNode?.connection;
    if (!connNode || !conn) return refuse(connNode?.configError ?? { message: RED._('buero-changes.errors.noConnection') });

    /**
     * Settings it cannot run with: said at deploy, and to every message that arrives. A variable
     * that is not set is named in the status as well (the text names the node and the setting).
     */
    function refuse(problem: { message: string; code?: string; variable?: string }): void {
      const { message: text, variable, code: problemCode } = problem;
      const key = variable ? 'unset' : (problemCode && NOT_STARTED[problemCode]) || 'config';
      node.status({ fill: 'red', shape: 'ring', text: RED._(`buero-changes.status.${key}`, variable ? { name: variable } : undefined) });
      node.error(text);
      node.on('input', (_msg: NodeMessageInFlow, _send, done) => done(new Error(text)));
      // For monitoring: büro+ has not been read since the start, for this reason.
      const code = problem.code ?? BueroCode.config;
      reportHealth(node, () => ({
        type: 'buero-changes', id: node.id, name: node.name ?? '', state: 'config-error', pending: 0,
        buero: { failures: 0, failingSince: startedAt, error: { code, message: text } },
      }));
    }

    const sendEvent = (e: SyncEvent, extra: Record<string, unknown> = {}) => node.send([null, { topic: EVENT_TOPIC, payload: e, ...extra }]);
    // The backfill's info event goes out with the counts (msg.backfill) once the backfill is done.
    let backfillEvent: SyncEvent | undefined;
    const db = acquireStateDb(connNode.stateFile);
    const listed = String(config.contactMailboxes ?? '')
      .split(/[\s,;]+/)
      .map((m) => m.trim())
      .filter(Boolean);
    const feed = new ChangeFeed({
      client: conn.client,
      // One position per node and Mandant: another Mandant starts with its own baseline.
      store: new CursorStore(db, `${node.id}:${conn.mandant}`),
      source: node.id,
      mandant: conn.mandant,
      fields: conn.fields,
      sync: { appointments: config.appointments !== false, tasks: config.tasks !== false, contacts: config.contacts !== false },
      contactMailboxes: config.contactTarget === 'listed' ? listed : undefined,
      pageSize: positiveNumber(config.pageSize, 500),
      // The writer's acknowledgements pace a backlog: once they come, the next page is read.
      readyForMore: () => loop.readyForMore(),
      emit: (msg) => node.send([msg as unknown as NodeMessage, null]),
      event: (e) => {
        if (e.type === 'info' && e.code.startsWith('backfill')) backfillEvent = e;
        else sendEvent(e);
      },
      // SyncError.toString() carries code, record and field to the Catch node.
      recordError: (err) => node.error(err, { topic: 'buero-sync/record-error', payload: { code: err.code, record: err.record, field: err.field, message: err.message } }),
    });

    const statusOf = (s: LoopStatus): NodeStatus => {
      const t = (key: string, opts?: Record<string, string | number>) => RED._(`buero-changes.status.${key}`, opts);
      switch (s.state) {
        case 'starting':
          return { fill: 'grey', shape: 'ring', text: t('starting') };
        case 'polling':
          return { fill: 'blue', shape: 'dot', text: t('polling') };
        case 'idle':
          return { fill: 'green', shape: 'dot', text: s.pending ? t('pending', { count: s.pending }) : t('idle', { users: s.users ?? 0 }) };
        case 'paused':
          return { fill: 'grey', shape: 'ring', text: t('paused') };
        case 'outage':
          return { fill: 'yellow', shape: 'ring', text: t('outage') };
        case 'reconnect':
          return { fill: 'red', shape: 'ring', text: t('reconnect') };
        case 'not-connected':
          return { fill: 'red', shape: 'ring', text: t('notConnected') };
        case 'refused':
          return { fill: 'red', shape: 'ring', text: t('refused') };
        case 'stopped':
          return { fill: 'red', shape: 'dot', text: t('mandant') };
        case 'backfill':
          return { fill: 'blue', shape: 'ring', text: t('backfill') };
        case 'waiting-acks':
          // Normal between the pages of a large backlog (the writer paces it); stuck only when it stays.
          return { fill: 'blue', shape: 'ring', text: t('waitingAcks') };
        default:
          return { fill: 'red', shape: 'dot', text: t('error') };
      }
    };

    const loop = new SyncLoop({
      feed,
      endpoint: conn.client.host,
      intervalMs: positiveNumber(config.interval, 15) * 1000,
      autoSync: config.autoSync !== false,
      deletionEvery: positiveNumber(config.deletionEvery, 4),
      onStatus: (s) => node.status(statusOf(s)),
      event: (e) => sendEvent(e),
      error: (err) => node.error(err, { topic: 'buero-sync/error', payload: { code: err.code, field: err.field, message: err.message } }),
    });
    // A finished "Connect to büro+" lets a waiting poll go at once.
    const offAuth = conn.onAuthChange((state) => {
      if (state === 'connected') loop.kick();
    });
    loop.start();
    reportHealth(node, () => {
      const { state, error } = loop.status;
      return {
        type: 'buero-changes', id: node.id, name: node.name ?? '', state, pending: feed.pending,
        buero: { ...loop.health, error: error && { code: error.code, message: error.message } },
      };
    });

    const runBackfill = async (dryRun: boolean) => {
      const result = await loop.backfill(dryRun);
      if (backfillEvent) sendEvent(backfillEvent, { backfill: result });
      backfillEvent = undefined;
      return result;
    };
    (node as Node & { backfill?: typeof runBackfill }).backfill = runBackfill;

    node.on('input', (msg: NodeMessageInFlow & { command?: unknown; dryRun?: unknown; ack?: unknown }, _send, done) => {
      const command = (msg.command ?? (msg.payload as { command?: unknown } | undefined)?.command) as Command | undefined;
      switch (command) {
        case 'pause':
          loop.pause();
          return done();
        case 'resume':
          loop.resume();
          return done();
        case 'sync-now':
          loop.syncNow().then(
            () => done(),
            (err) => done(toError(err)),
          );
          return;
        case 'backfill': {
          const dryRun = (msg.dryRun ?? (msg.payload as { dryRun?: unknown } | undefined)?.dryRun) === true;
          runBackfill(dryRun).then(
            () => done(),
            (err) => done(toError(err)),
          );
          return;
        }
        case 'ack':
          // A custom flow that drops a change on purpose hands it on this way.
          ack(msg.ack);
          return done();
        default:
          return done(new Error(RED._('buero-changes.errors.unknownCommand', { command: String(command) })));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      offAuth();
      loop
        .stop()
        .catch(() => undefined)
        .then(() => {
          feed.close();
          releaseStateDb(connNode.stateFile);
          done();
        });
    });
  }

  RED.nodes.registerType('buero-changes', BueroChangesNode);

  // The backfill buttons of the edit dialog.
  RED.httpAdmin.post('/buero-changes/:id/backfill', RED.auth.needsPermission('buero-changes.write'), async (req, res) => {
    const node = RED.nodes.getNode(String(req.params.id)) as (Node & { backfill?: (dryRun: boolean) => Promise<unknown> }) | null;
    if (!node?.backfill) return void res.status(404).json({ error: RED._('buero-changes.errors.notDeployed') });
    try {
      res.json(await node.backfill(req.body?.dryRun !== false));
    } catch (err) {
      res.status(502).json({ error: toError(err).message });
    }
  });
};

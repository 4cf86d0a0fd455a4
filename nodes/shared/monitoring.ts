import type { Request, Response } from 'express';
import type { Node, NodeAPI } from 'node-red';
import { prometheusText } from '../../lib/monitor/prometheus';
import { HealthRegistry, statusJson, unhealthyAfterSeconds, type SyncNodeHealth } from '../../lib/monitor/status';

/**
 * The status for monitoring systems under Node-RED's admin root, behind Node-RED's own admin
 * authentication when that is on (a user needs the permission `buero-sync.read`, which any
 * read permission grants):
 *
 *   GET <admin root>/buero-sync/status    JSON; 200 when healthy, 503 when a part has been
 *                                         failing for longer than the threshold
 *   GET <admin root>/buero-sync/metrics   the same as Prometheus text (always 200)
 *
 * The threshold: SYNC_UNHEALTHY_AFTER_SECONDS in the environment, else
 * `bueroSync: { unhealthyAfterSeconds }` in settings.js, else 300 seconds.
 */

/** One per Node-RED process: every change source and writer registers here. */
const registry = new HealthRegistry();
/** The admin apps the routes are on (each node module starts them; they go on once). */
const served = new WeakSet<object>();

function threshold(RED: NodeAPI): number {
  const settings = (RED.settings as unknown as { bueroSync?: { unhealthyAfterSeconds?: unknown } }).bueroSync;
  return unhealthyAfterSeconds(process.env.SYNC_UNHEALTHY_AFTER_SECONDS, settings?.unhealthyAfterSeconds) * 1000;
}

/** Adds the two routes to Node-RED's admin API (once per runtime). */
export function serveMonitoring(RED: NodeAPI): void {
  if (served.has(RED.httpAdmin)) return;
  served.add(RED.httpAdmin);
  const judge = () => registry.judge(Date.now(), threshold(RED));
  RED.httpAdmin.get('/buero-sync/status', RED.auth.needsPermission('buero-sync.read'), (_req: Request, res: Response) => {
    const judgement = judge();
    res.set('Cache-Control', 'no-store').status(judgement.healthy ? 200 : 503).json(statusJson(judgement));
  });
  RED.httpAdmin.get('/buero-sync/metrics', RED.auth.needsPermission('buero-sync.read'), (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').type('text/plain; version=0.0.4; charset=utf-8').send(prometheusText(judge()));
  });
}

/** A sync node reports its health until it closes. */
export function reportHealth(node: Node, read: () => SyncNodeHealth): void {
  const off = registry.register(node.id, read);
  node.on('close', () => off());
}

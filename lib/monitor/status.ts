/**
 * The sync's status for monitoring systems (Checkmk, PRTG, Zabbix, Prometheus). Each sync node
 * registers a function that reads how its parts are doing (the change source: büro+; the
 * writer: Exchange and each mailbox, from lib/buero/sync-loop.ts and lib/exchange/writer). A
 * part that has been failing for longer than the threshold makes the whole status unhealthy,
 * so a plain HTTP check (200 or 503) is enough; a short outage that the sync rides out with
 * its back-off is not an alarm. Rendered as JSON here and as Prometheus text in prometheus.ts.
 * Nothing here knows Node-RED. No secret: no URL or setting is reported, and error texts go
 * through the log's redaction (lib/log/redact.ts) as every log line does.
 */

import type { PartHealth } from '../exchange/writer';
import { redact } from '../log/redact';

export type { PartHealth };

/** What a sync node reports when asked. */
export type SyncNodeHealth =
  | { type: 'buero-changes'; id: string; name: string; state: string; buero: PartHealth; pending: number }
  | {
      type: 'buero-exchange-writer';
      id: string;
      name: string;
      state: string;
      exchange: PartHealth;
      queued: number;
      inFlight: number;
      mailboxes: (PartHealth & { mailbox: string })[];
    }
  /** The way back's change source: Exchange as it reads it, and each mailbox it reads. */
  | {
      type: 'buero-outlook-changes';
      id: string;
      name: string;
      state: string;
      exchange: PartHealth;
      unacknowledged: number;
      mailboxes: (PartHealth & { mailbox: string })[];
    }
  /** The way back's büro+ writer. */
  | { type: 'buero-writer'; id: string; name: string; state: string; buero: PartHealth; written: number; refused: number };

/** One part, judged: its figures and whether it has failed for longer than the threshold. */
export interface JudgedPart extends PartHealth {
  /** The name a problem line gives it: `büro+`, `Exchange`, `mailbox anna@firma.de`. */
  part: string;
  /** Undefined before the first call. */
  reachable?: boolean;
  healthy: boolean;
}

export interface JudgedNode {
  health: SyncNodeHealth;
  parts: JudgedPart[];
  healthy: boolean;
}

export interface Judgement {
  now: number;
  unhealthyAfterMs: number;
  healthy: boolean;
  nodes: JudgedNode[];
}

/** Five minutes: longer than the back-off's usual waits, short enough for an on-call person. */
export const DEFAULT_UNHEALTHY_AFTER_SECONDS = 300;

/**
 * The threshold from its settings, the first that is a number of seconds (0 or more) winning:
 * the environment variable, then Node-RED's settings.js. Anything else means the default.
 */
export function unhealthyAfterSeconds(...candidates: unknown[]): number {
  for (const c of candidates) {
    if (c === undefined || c === null || String(c).trim() === '') continue;
    const n = Number(c);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  return DEFAULT_UNHEALTHY_AFTER_SECONDS;
}

/** The sync nodes running now (one registry per Node-RED runtime). */
export class HealthRegistry {
  private readonly sources = new Map<string, () => SyncNodeHealth>();

  /** Adds a node; the function returned removes it (the node closes). */
  register(id: string, read: () => SyncNodeHealth): () => void {
    this.sources.set(id, read);
    return () => {
      if (this.sources.get(id) === read) this.sources.delete(id);
    };
  }

  judge(now: number, unhealthyAfterMs: number): Judgement {
    const nodes = [...this.sources.values()].map((read) => judgeNode(read(), now, unhealthyAfterMs));
    return { now, unhealthyAfterMs, healthy: nodes.every((n) => n.healthy), nodes };
  }
}

function judgePart(part: string, h: PartHealth, now: number, unhealthyAfterMs: number): JudgedPart {
  const reachable = h.failingSince !== undefined ? false : h.lastSuccessAt !== undefined ? true : undefined;
  const error = h.error && { code: h.error.code, message: redact(h.error.message) };
  return { ...h, error, part, reachable, healthy: h.failingSince === undefined || now - h.failingSince <= unhealthyAfterMs };
}

function judgeNode(health: SyncNodeHealth, now: number, unhealthyAfterMs: number): JudgedNode {
  const parts =
    health.type === 'buero-changes' || health.type === 'buero-writer'
      ? [judgePart('büro+', health.buero, now, unhealthyAfterMs)]
      : [
          judgePart('Exchange', health.exchange, now, unhealthyAfterMs),
          ...health.mailboxes.map((m) => judgePart(`mailbox ${m.mailbox}`, m, now, unhealthyAfterMs)),
        ];
  return { health, parts, healthy: parts.every((p) => p.healthy) };
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const seconds = (ms: number) => Math.round(ms / 1000);

/** A part as the JSON shows it; `lastSuccess` is named per part (last poll, last write). */
function partJson(p: JudgedPart, now: number, lastSuccess: string) {
  return {
    healthy: p.healthy,
    reachable: p.reachable ?? null,
    [lastSuccess]: iso(p.lastSuccessAt),
    failures: p.failures,
    failingSince: iso(p.failingSince),
    retryAt: iso(p.retryAt),
    retryInSeconds: p.retryAt !== undefined ? Math.max(0, seconds(p.retryAt - now)) : 0,
    error: p.error ?? null,
  };
}

/** The JSON of `GET <admin root>/buero-sync/status`: the verdict, the problems, and every node. */
export function statusJson(j: Judgement) {
  const problems = j.nodes.flatMap((n) =>
    n.parts
      .filter((p) => !p.healthy)
      .map((p) => ({
        node: n.health.id,
        type: n.health.type,
        name: n.health.name,
        part: p.part,
        failingSince: iso(p.failingSince),
        failingSeconds: seconds(j.now - (p.failingSince ?? j.now)),
        error: p.error?.message ?? null,
      })),
  );
  const nodes = j.nodes.map(({ health: h, parts, healthy }) => {
    const base = { id: h.id, type: h.type, name: h.name, state: h.state, healthy };
    if (h.type === 'buero-changes') return { ...base, buero: partJson(parts[0], j.now, 'lastSuccessfulPoll'), pendingChanges: h.pending };
    if (h.type === 'buero-writer') return { ...base, buero: partJson(parts[0], j.now, 'lastWrite'), written: h.written, refused: h.refused };
    if (h.type === 'buero-outlook-changes') {
      return {
        ...base,
        exchange: partJson(parts[0], j.now, 'lastSuccessfulPoll'),
        unacknowledgedChanges: h.unacknowledged,
        mailboxes: parts.slice(1).map((p, i) => ({ mailbox: h.mailboxes[i].mailbox, ...partJson(p, j.now, 'lastSuccessfulPoll') })),
      };
    }
    return {
      ...base,
      exchange: partJson(parts[0], j.now, 'lastSuccess'),
      queuedChanges: h.queued,
      inFlight: h.inFlight,
      mailboxes: parts.slice(1).map((p, i) => ({ mailbox: h.mailboxes[i].mailbox, ...partJson(p, j.now, 'lastWrite') })),
    };
  });
  return {
    status: j.healthy ? 'healthy' : 'unhealthy',
    healthy: j.healthy,
    time: new Date(j.now).toISOString(),
    unhealthyAfterSeconds: seconds(j.unhealthyAfterMs),
    problems,
    nodes,
  };
}

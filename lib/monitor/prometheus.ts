/**
 * The status as Prometheus text (exposition format 0.0.4): `GET <admin root>/buero-sync/metrics`.
 * One gauge per figure of status.ts, each with HELP and TYPE, labelled by node (id, type, name)
 * and, for mailboxes, by mailbox. A figure not known yet (no poll so far) has no sample.
 */
import type { JudgedPart, Judgement } from './status';

type Labels = Record<string, string>;

/** Label values escaped as the format wants them: backslash, double quote, line feed. */
const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

class Metrics {
  private readonly families = new Map<string, { help: string; samples: string[] }>();

  add(name: string, help: string, labels: Labels, value: number | boolean | undefined): void {
    let family = this.families.get(name);
    if (!family) {
      family = { help, samples: [] };
      this.families.set(name, family);
    }
    if (value === undefined) return;
    const text = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',');
    family.samples.push(`${name}${text ? `{${text}}` : ''} ${typeof value === 'boolean' ? Number(value) : value}`);
  }

  toString(): string {
    return [...this.families].map(([name, f]) => [`# HELP ${name} ${f.help}`, `# TYPE ${name} gauge`, ...f.samples].join('\n')).join('\n') + '\n';
  }
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** The figures every part has, under `buero_sync_<prefix>_…`. */
function part(m: Metrics, prefix: string, what: string, labels: Labels, p: JudgedPart, now: number, lastSuccess: [string, string]): void {
  m.add(`buero_sync_${prefix}_healthy`, `1 when ${what} works or has failed for no longer than the threshold.`, labels, p.healthy);
  m.add(`buero_sync_${prefix}_reachable`, `1 when the last call to ${what} succeeded, 0 when it failed (no sample before the first).`, labels, p.reachable);
  m.add(`buero_sync_${prefix}_${lastSuccess[0]}_timestamp_seconds`, lastSuccess[1], labels, seconds(p.lastSuccessAt));
  m.add(`buero_sync_${prefix}_failures`, `Calls to ${what} that failed in a row.`, labels, p.failures);
  m.add(`buero_sync_${prefix}_failing_seconds`, `How long ${what} has been failing (0 when it works).`, labels, p.failingSince === undefined ? 0 : (now - p.failingSince) / 1000);
  m.add(`buero_sync_${prefix}_retry_in_seconds`, `Back-off: seconds until the next try at ${what} (0 when nothing waits).`, labels, p.retryAt === undefined ? 0 : Math.max(0, (p.retryAt - now) / 1000));
}

export function prometheusText(j: Judgement): string {
  const m = new Metrics();
  m.add('buero_sync_healthy', '1 when every part works or has failed for no longer than the threshold (the status answers 200), else 0 (503).', {}, j.healthy);
  m.add('buero_sync_unhealthy_after_seconds', 'The threshold: how long a part may fail before the status is unhealthy.', {}, j.unhealthyAfterMs / 1000);
  for (const n of j.nodes) {
    const h = n.health;
    const labels = { node: h.id, type: h.type, name: h.name };
    m.add('buero_sync_node_healthy', '1 when every part of this sync node is healthy.', labels, n.healthy);
    m.add('buero_sync_node_state', "The sync node's state (the sample with the current state is 1).", { ...labels, state: h.state }, 1);
    if (h.type === 'buero-changes') {
      part(m, 'buero', 'büro+', labels, n.parts[0], j.now, ['last_successful_poll', 'When büro+ last answered a poll (Unix time).']);
      m.add('buero_sync_pending_changes', 'Changes handed on and not yet taken by the Exchange writer.', labels, h.pending);
    } else if (h.type === 'buero-writer') {
      part(m, 'buero_write', 'büro+ (the way back)', labels, n.parts[0], j.now, ['last_write', 'When büro+ last took a write of the way back (Unix time).']);
      m.add('buero_sync_way_back_written', 'Outlook changes written into büro+ since the start.', labels, h.written);
      m.add('buero_sync_way_back_refused', 'Outlook changes büro+ refused since the start.', labels, h.refused);
    } else if (h.type === 'buero-outlook-changes') {
      part(m, 'exchange_read', 'Exchange (the way back)', labels, n.parts[0], j.now, ['last_successful_poll', 'When the way back last read a mailbox (Unix time).']);
      m.add('buero_sync_way_back_unacknowledged_changes', 'Outlook changes handed on and not yet taken by the büro+ writer.', labels, h.unacknowledged);
      n.parts.slice(1).forEach((p, i) => {
        part(m, 'mailbox_read', 'the mailbox (the way back)', { ...labels, mailbox: h.mailboxes[i].mailbox }, p, j.now, ['last_successful_poll', 'When the way back last read the mailbox (Unix time).']);
      });
    } else {
      part(m, 'exchange', 'Exchange', labels, n.parts[0], j.now, ['last_success', 'When Exchange last answered (Unix time).']);
      m.add('buero_sync_queued_changes', "Changes in the writer's queue.", labels, h.queued);
      m.add('buero_sync_in_flight_changes', 'Changes being written right now.', labels, h.inFlight);
      n.parts.slice(1).forEach((p, i) => {
        part(m, 'mailbox', 'the mailbox', { ...labels, mailbox: h.mailboxes[i].mailbox }, p, j.now, ['last_write', 'When a write to the mailbox last succeeded (Unix time).']);
      });
    }
  }
  return m.toString();
}

/**
 * What the benchmark reads off the running system:
 * - timing: the commit time of a change is when the benchmark wrote it into büro+ (like a
 *   GraphQL mutation); its arrival is the `created`/`modified` time of the item in the
 *   simulators' mailbox store (one store, shared by the EWS and the Graph simulator);
 * - CPU and peak RSS of the Node-RED process (/proc/<pid>/stat utime+stime, /proc/<pid>/status VmHWM);
 * - the request counters of the simulator the flow writes through.
 */
import fs from 'node:fs';
import type { Sandbox } from '../sandbox/demo';
import type { StoredItem } from '../sandbox/store';
import type { Api } from './rig';

const CLK_TCK = 100; // getconf CLK_TCK on Linux

/** CPU seconds (user + system) the process used so far. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
}

export function peakRssMb(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
export const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

function keyOf(item: StoredItem): string | undefined {
  return item.extendedProperties.find((p) => p.name === 'BueroSyncKey')?.value;
}

/** Latest `modified` time per `table:id`, over all mailboxes, and how many items each has. */
export function arrivals(sandbox: Sandbox, table: string): Map<number, { at: number; items: number }> {
  const pattern = new RegExp(`:${table}:(\\d+):`);
  const out = new Map<number, { at: number; items: number }>();
  for (const mailbox of sandbox.mailboxes) {
    for (const item of sandbox.ews.store.items(mailbox)) {
      const id = pattern.exec(keyOf(item) ?? '')?.[1];
      if (!id) continue;
      const prev = out.get(Number(id));
      out.set(Number(id), { at: Math.max(prev?.at ?? 0, item.modified), items: (prev?.items ?? 0) + 1 });
    }
  }
  return out;
}

export interface ExchangeCounts {
  requests: number;
  /**
   * EWS: SOAP operations (CreateItem, UpdateItem, …), i.e. HTTP requests without NTLM handshakes.
   * Graph: every request the simulator ran, each step of a $batch counted (one item each).
   */
  operations: number;
  /** Graph: $batch HTTP requests (0 for EWS). */
  batches: number;
  /** Answered 429 (Graph) or ErrorServerBusy (EWS). */
  throttled: number;
  /** EWS: SOAP operation → count; Graph: method + route → count ($batch steps included). */
  byOperation: Record<string, number>;
}

/** The simulator's counters of the API the flow writes through. */
export function exchangeStats(sandbox: Sandbox, api: Api): ExchangeCounts {
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  if (api === 'ews') {
    const s = sandbox.ews.stats();
    return { requests: s.requests, operations: sum(s.byOperation), batches: 0, throttled: s.serverBusy, byOperation: s.byOperation };
  }
  const s = sandbox.graph.stats();
  return { requests: s.requests, operations: sum(s.byRoute), batches: s.batches, throttled: s.throttled, byOperation: s.byRoute };
}

/**
 * Items per write request in the order they came in: EWS items per CreateItem / UpdateItem /
 * DeleteItem, Graph steps per $batch (a single request counts 1). Shows whether batches go out
 * full (bench/README.md).
 */
export function writeCallSizes(sandbox: Sandbox, api: Api): { at: number; items: number }[] {
  if (api === 'ews') {
    return sandbox.ews.requestLog
      .filter((e) => /^(Create|Update|Delete)Item$/.test(e.operation) && e.status === 200)
      .map((e) => ({ at: e.receivedAt, items: e.items }));
  }
  return sandbox.graph.requestLog
    .filter((e) => e.method !== 'GET' && e.status < 300)
    .map((e) => ({ at: e.receivedAt, items: e.steps ?? 1 }));
}


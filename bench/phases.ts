/**
 * The benchmark's phases, each on a fresh rig: throughput (appointments, then contacts written
 * to every synced mailbox) through one API, the naive baseline (batch 1, concurrency 1), the
 * poll cost on a large büro+ (idle polls, then a deletion scan on every poll), and the id map's
 * memory in a process of its own (bench/id-map-memory.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { referenceFlow } from '../sandbox/cli';
import { generateBueroData } from '../sandbox/data/generator';
import { startSandbox } from '../sandbox/demo';
import { bueroReads, readsSince, type TableReads } from './catch-up';
import { exchangelibBulk, exchangelibMissing, type Comparison } from './exchangelib';
import { arrivals, cpuSeconds, exchangeStats, peakRssMb, quantile, writeCallSizes, type ExchangeCounts } from './measure';
import {
  API_ENV, API_NAME, changesNode, flowWith, setLatency, sleep, startRig, syncedUsers, throughputSandbox, waitFor, writerNode,
  type Api, type FlowNode, type Rig,
} from './rig';

/** How much each phase does (`--quick` is the size CI runs). */
export interface BenchSize {
  appointments: number;
  contacts: number;
  baseline: number;
  pollRows: number;
  idMap: number;
  idlePolls: number;
  /** Burst sizes of the change source's catch-up alone (bench/catch-up.ts). */
  catchUp: number[];
  /** Appointment changes the flow and exchangelib's bulk_create each write (bench/exchangelib.ts). */
  bulk: number[];
}

export interface IdMapResult {
  entries: number;
  peakRssMb: number;
  rssBeforeMb: number;
  fillMs: number;
  lookupMs: number;
}

export interface PhaseResult extends ExchangeCounts {
  api: Api;
  changes: number;
  items: number;
  seconds: number;
  perSecond: number;
  requestsPer1000: number;
  operationsPer1000: number;
  p50ms: number;
  p95ms: number;
  cpuPer1000: number;
  /** Node-RED's peak RSS (VmHWM) and current RSS after the phase. */
  peakRssMb: number;
  rssMb: number;
  /** What the change source read from büro+ during the phase (bench/catch-up.ts). */
  buero: TableReads;
  /**
   * changes / (last arrival − the poll that first read the phase's rows): the same rate with
   * the wait for the first poll (up to the poll interval) left out.
   */
  perSecondFromPoll: number;
  /** Items per write request (EWS) or steps per $batch (Graph): how full the batches went out. */
  callSizes: { min: number; median: number; max: number; calls: number };
}

/** Writes `changes` into büro+ at once and waits until every one is in Exchange. */
export async function phase(rig: Rig, api: Api, table: 'tblCalendar' | 'tblContactPeople', count: number, timeoutMs: number): Promise<PhaseResult> {
  const { sandbox } = rig;
  const pid = rig.nodeRed.process.pid!;
  const users = syncedUsers(sandbox).slice(0, 20);
  const addresses = sandbox.data.addresses.filter((a) => sandbox.data.postalAddresses.some((p) => p.fldAdrNr === a.fldAdrNr));
  const fanOut = table === 'tblCalendar' ? 1 : syncedUsers(sandbox).length;
  sandbox[api].resetStats();
  const reads0 = bueroReads(sandbox.buero);
  const cpu0 = cpuSeconds(pid);
  const commits = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    let row;
    if (table === 'tblCalendar') {
      const u = users[i % users.length];
      const day = String(1 + (i % 28)).padStart(2, '0');
      row = sandbox.buero.db.insert('tblCalendar', { fldArt: 'Termin', fldBzrNr: u.nr, fldKurzInfo: `Bench ${i}`, fldBeginn: `2027-04-${day}T10:00:00`, fldEnde: `2027-04-${day}T11:00:00` });
    } else {
      const a = addresses[i % addresses.length];
      row = sandbox.buero.db.insert('tblContactPeople', { fldAdrNr: a.fldAdrNr, fldVNa: 'Bench', fldNNa: `Kontakt ${i}` });
    }
    commits.set(row.fldID as number, Date.now());
  }
  const first = Math.min(...commits.values());
  let arrived = new Map<number, { at: number; items: number }>();
  const done = () => {
    const { exitCode, signalCode } = rig.nodeRed.process;
    if (exitCode !== null || signalCode !== null) throw new Error(`Node-RED exited (${signalCode ?? exitCode}) during the ${table} phase via ${API_NAME[api]}:\n${rig.nodeRed.output().slice(-2000)}`);
    arrived = arrivals(sandbox, table);
    let n = 0;
    for (const id of commits.keys()) if ((arrived.get(id)?.items ?? 0) >= fanOut) n++;
    return n === commits.size;
  };
  await waitFor(`${count} ${table} changes in Exchange`, done, timeoutMs, 1000);
  const cpu = cpuSeconds(pid) - cpu0;
  const buero = readsSince(sandbox.buero, reads0, table);
  const latencies = [...commits].map(([id, at]) => arrived.get(id)!.at - at).sort((a, b) => a - b);
  const last = Math.max(...[...commits.keys()].map((id) => arrived.get(id)!.at));
  const seconds = (last - first) / 1000;
  // The first büro+ answer after the commits that held rows of the table: the poll that found them.
  const found = sandbox.buero.requestLog.find((e) => e.time >= first && (e.rows?.[table] ?? 0) > 0)?.time ?? first;
  const { requests, operations, batches, throttled, byOperation } = exchangeStats(sandbox, api);
  const calls = writeCallSizes(sandbox, api);
  if (process.env.BENCH_TRACE_BATCHES) {
    console.log(`${api} ${table}: ${calls.map((c) => `${c.at - first}ms:${c.items}`).join(' ')}`);
    // büro+ requests of the phase: start since the first commit, rows of the table, the simulator's CPU ms.
    const reads = sandbox.buero.requestLog.filter((e) => e.time >= first && e.time <= last);
    console.log(`${api} ${table} büro+: ${reads.map((e) => `${e.time - first}ms:${e.rows?.[table] ?? 0}r:${Math.round(e.cpuMs ?? 0)}cpu`).join(' ')}`);
  }
  const sizes = calls.map((c) => c.items).sort((a, b) => a - b);
  return {
    api,
    changes: count,
    items: count * fanOut,
    seconds,
    perSecond: count / seconds,
    perSecondFromPoll: count / ((last - found) / 1000),
    requests,
    requestsPer1000: (requests / count) * 1000,
    operations,
    operationsPer1000: (operations / count) * 1000,
    batches,
    throttled,
    p50ms: quantile(latencies, 0.5),
    p95ms: quantile(latencies, 0.95),
    cpuPer1000: (cpu / count) * 1000,
    byOperation,
    peakRssMb: peakRssMb(pid),
    rssMb: peakRssMb(pid, 'VmRSS'),
    buero,
    callSizes: { min: sizes[0] ?? 0, median: quantile(sizes, 0.5), max: sizes[sizes.length - 1] ?? 0, calls: sizes.length },
  };
}

export interface Throughput {
  appt: PhaseResult;
  /** Flow against exchangelib's bulk_create on the same EWS endpoint (EWS only; size.bulk), or why it was skipped. */
  bulk?: Comparison[] | { skipped: string };
  contacts: PhaseResult;
  rssMb: number;
  startRssMb: number;
  mailboxes: number;
}

/** The reference flow writing through `api`: a fresh sandbox and Node-RED process, appointments, then contacts. */
export async function throughput(api: Api, size: BenchSize, seed: number): Promise<Throughput> {
  const sandbox = await throughputSandbox(seed);
  const rig = await startRig(sandbox, referenceFlow() as FlowNode[], API_ENV[api]);
  try {
    const startRssMb = peakRssMb(rig.nodeRed.process.pid!);
    setLatency(sandbox);
    const appt = await phase(rig, api, 'tblCalendar', size.appointments, 900_000);
    const contacts = await phase(rig, api, 'tblContactPeople', size.contacts, 1_800_000);
    const rssMb = peakRssMb(rig.nodeRed.process.pid!);
    const bulk = api === 'ews' ? await compareWithExchangelib(rig, size, appt) : undefined;
    return { appt, contacts, rssMb, startRssMb, mailboxes: syncedUsers(sandbox).length, bulk };
  } finally {
    await rig.close();
  }
}

/** For each size of `size.bulk`: the flow's appointment phase (the one above when the size is the same), then exchangelib's. */
async function compareWithExchangelib(rig: Rig, size: BenchSize, appt: PhaseResult): Promise<Comparison[] | { skipped: string }> {
  const missing = exchangelibMissing();
  if (missing) return { skipped: missing };
  const out: Comparison[] = [];
  for (const n of size.bulk) {
    const flow = n === appt.changes ? appt : await phase(rig, 'ews', 'tblCalendar', n, 900_000);
    const exchangelib = await exchangelibBulk(rig.sandbox, n);
    out.push({ changes: n, flow, flowPerSecondFromPoll: flow.perSecondFromPoll, exchangelib });
  }
  return out;
}

export async function baseline(size: BenchSize, seed: number): Promise<PhaseResult> {
  const sandbox = await throughputSandbox(seed);
  const flow = flowWith((nodes) => Object.assign(writerNode(nodes), { batchSize: 1, maxConcurrent: 1, maxConcurrentPerMailbox: 1 }));
  const rig = await startRig(sandbox, flow);
  try {
    setLatency(sandbox);
    return await phase(rig, 'ews', 'tblCalendar', size.baseline, 1_800_000);
  } finally {
    await rig.close();
  }
}

export interface PollResult {
  rows: { calendar: number; people: number };
  idle: { polls: number; requestsPerPoll: number; tablesPerPoll: number; cpuMsPerPoll: number[] };
  scan: { polls: number; wallMs: number[]; cpuMsPerPoll: number[]; ids: number };
}

/** Polls over `windowMs`: büro+ requests, polls (one users query each), CPU of Node-RED. */
async function pollWindow(rig: Rig, windowMs: number) {
  const { buero } = rig.sandbox;
  const pid = rig.nodeRed.process.pid!;
  const from = buero.requestLog.length;
  const cpu0 = cpuSeconds(pid);
  await sleep(windowMs);
  const cpu = cpuSeconds(pid) - cpu0;
  const log = buero.requestLog.slice(from);
  // Each poll starts with the users query; a poll's requests run until the next one.
  // (the first request of a poll reads the users and the changed rows of every table at once;
  // a deletion scan follows it with key-only reads, 5,000 ids a page)
  const starts = log.map((e, i) => (/tblUsers/.test(e.query) ? i : -1)).filter((i) => i >= 0);
  const polls = starts.slice(0, -1).map((s, k) => log.slice(s, starts[k + 1]));
  return { polls, cpuSeconds: cpu, requests: log.length };
}

export async function pollCost(size: BenchSize, seed: number): Promise<PollResult> {
  const people = size.pollRows;
  const data = generateBueroData({ seed, users: 28, appointments: size.pollRows, tasks: 0, followUps: 0, addresses: Math.round(people / 2.5), contactPeoplePerAddress: [2, 3] });
  const sandbox = await startSandbox({ data });
  // No deletion scan while measuring idle polls.
  const rig = await startRig(sandbox, flowWith((nodes) => Object.assign(changesNode(nodes), { deletionEvery: 1_000_000 })));
  try {
    await sleep(3000); // past the first polls after the baseline
    const idleCpu: number[] = [];
    let idleRequests = 0;
    let idlePolls = 0;
    let tables = 0;
    for (let k = 0; k < size.idlePolls; k++) {
      const w = await pollWindow(rig, 1000 * 3);
      if (!w.polls.length) continue;
      idleCpu.push((w.cpuSeconds * 1000) / w.polls.length);
      idleRequests += w.polls.reduce((n, p) => n + p.length, 0);
      idlePolls += w.polls.length;
      tables = Math.max(tables, ...w.polls.map((p) => new Set(p.flatMap((e) => [...e.query.matchAll(/\btbl(Calendar|Addresses|PostalAddresses|ContactPeople|Users)\b/g)].map((m) => m[0]))).size));
    }
    // Now every poll scans all ids for deletions.
    await rig.deploy(flowWith((nodes) => Object.assign(changesNode(nodes), { deletionEvery: 1 })));
    await sleep(5000);
    const scanCpu: number[] = [];
    const scanWall: number[] = [];
    let scanPolls = 0;
    for (let k = 0; k < Math.max(3, Math.round(size.idlePolls / 2)); k++) {
      const w = await pollWindow(rig, 5000);
      if (!w.polls.length) continue;
      scanCpu.push((w.cpuSeconds * 1000) / w.polls.length);
      for (const p of w.polls) scanWall.push(p[p.length - 1].time - p[0].time);
      scanPolls += w.polls.length;
    }
    return {
      rows: { calendar: data.calendar.length, people: data.contactPeople.length },
      idle: { polls: idlePolls, requestsPerPoll: idleRequests / Math.max(1, idlePolls), tablesPerPoll: tables, cpuMsPerPoll: idleCpu },
      scan: { polls: scanPolls, wallMs: scanWall, cpuMsPerPoll: scanCpu, ids: data.calendar.length + data.contactPeople.length + data.addresses.length + data.postalAddresses.length },
    };
  } finally {
    await rig.close();
  }
}

export function idMapMemory(entries: number): IdMapResult {
  // Built: dist/bench/id-map-memory.js; from the sources (tsx): the .ts file through tsx.
  const js = path.join(__dirname, 'id-map-memory.js');
  const args = fs.existsSync(js) ? [js] : ['-r', 'tsx/cjs', path.join(__dirname, 'id-map-memory.ts')];
  return JSON.parse(execFileSync(process.execPath, [...args, String(entries)], { encoding: 'utf8' }).trim().split('\n').pop()!);
}

/**
 * The benchmark's rig: a sandbox (büro+, EWS, Graph and Azure AD simulators on one mailbox
 * store) and a real Node-RED process running the reference flow against it, started fresh for
 * each group of phases and torn down after it; Exchange's latency, the same for both APIs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deployFlows, referenceFlow } from '../sandbox/cli';
import { startSandbox, type Sandbox } from '../sandbox/demo';
import { packageRoot, startNodeRed, type NodeRedProcess } from '../sandbox/node-red';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** The Exchange API the reference flow writes through. */
export type Api = 'ews' | 'graph';
/** Environment of the reference flow per API (README): EWS on-premises (NTLM) is the sandbox's default. */
export const API_ENV: Record<Api, Record<string, string>> = { ews: {}, graph: { EXCHANGE_DEPLOYMENT: 'online', EXCHANGE_API: 'graph' } };
export const API_NAME: Record<Api, string> = { ews: 'EWS', graph: 'Graph' };
/** Exchange's latency in every throughput phase, the same for both APIs (a Graph "item" is a $batch step). */
const LATENCY = { latencyMs: 20, perItemLatencyMs: 0.2 };

export function setLatency(sandbox: Sandbox): void {
  Object.assign(sandbox.ews.faults, LATENCY);
  Object.assign(sandbox.graph.faults, LATENCY);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, probe: () => boolean, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The sandbox for the throughput phases and the baseline. */
export function throughputSandbox(seed: number): Promise<Sandbox> {
  // 28 generated users give about 20 synced ones (the generator leaves some without mailbox or Mandant).
  return startSandbox({ seed, size: { users: 28, appointments: 50, tasks: 5, followUps: 0, addresses: 50 } });
}

/** The users the reference flow syncs: of the synced Mandant, with a mailbox. */
export function syncedUsers(sandbox: Sandbox): { nr: number; mailbox: string }[] {
  return sandbox.data.users
    .filter((u) => u.fldStartMandNr === sandbox.data.mandant && typeof u.fldExchPostfach === 'string' && u.fldExchPostfach.includes('@'))
    .map((u) => ({ nr: u.fldNr as number, mailbox: u.fldExchPostfach as string }));
}

export interface Rig {
  sandbox: Sandbox;
  nodeRed: NodeRedProcess;
  userDir: string;
  logText(): string;
  deploy(flow: FlowNode[]): Promise<void>;
  close(): Promise<void>;
}

/** The built nodes: others may rebuild dist/ while the benchmark runs; wait until it is complete. */
async function distReady(): Promise<void> {
  const nodes = ['buero-connection', 'buero-changes', 'buero-map', 'buero-exchange-connection', 'buero-exchange-writer', 'buero-sync-log'];
  await waitFor('a complete dist/', () => nodes.every((n) => fs.existsSync(path.join(packageRoot, 'dist', 'nodes', n, `${n}.js`))), 300_000, 500);
}

/** Node-RED on `sandbox`, `flow` deployed, back once every table has its baseline. */
export async function startRig(sandbox: Sandbox, flow: FlowNode[], env: Record<string, string> = {}, attempt = 1): Promise<Rig> {
  await distReady();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-bench-'));
  const logFile = path.join(userDir, 'ExchangeSync.log');
  // BENCH_NODE_OPTIONS: e.g. --max-old-space-size=128, to tell garbage not yet collected from memory held.
  const nodeOptions: Record<string, string> = process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {};
  // BENCH_NODE_EXECUTABLE: e.g. a wrapper script that runs node with --cpu-prof, to profile Node-RED.
  const nodeRed = await startNodeRed({ userDir, nodeExecutable: process.env.BENCH_NODE_EXECUTABLE, env: { ...sandbox.env, SYNC_POLL_SECONDS: '1', ...nodeOptions, ...env } }).catch((err: unknown) => {
    fs.rmSync(userDir, { recursive: true, force: true });
    throw err;
  });
  const rig: Rig = {
    sandbox,
    nodeRed,
    userDir,
    logText: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    deploy: (f) => deployFlows(nodeRed.url, f),
    close: async () => {
      await nodeRed.stop();
      await sandbox.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
  await rig.deploy(flow);
  let missingTypes = false;
  await waitFor('the baselines of all tables', () => {
    missingTypes = /Waiting for missing types/.test(nodeRed.output());
    return missingTypes || (/ tblContactPeople\b.*\(baseline\)/.test(rig.logText()) && / tblCalendar\b.*\(baseline\)/.test(rig.logText()));
  }, 600_000, 500);
  if (missingTypes) {
    // dist/ was being rebuilt when Node-RED loaded the nodes: start again.
    await nodeRed.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
    if (attempt >= 3) throw new Error(`Node-RED did not load the nodes:\n${nodeRed.output().slice(-2000)}`);
    return startRig(sandbox, flow, env, attempt + 1);
  }
  return rig;
}

/** The reference flow, changed by `change`. */
export function flowWith(change: (nodes: FlowNode[]) => void): FlowNode[] {
  const nodes = referenceFlow() as FlowNode[];
  change(nodes);
  return nodes;
}

export const writerNode = (nodes: FlowNode[]) => nodes.find((n) => n.type === 'buero-exchange-writer')!;
export const changesNode = (nodes: FlowNode[]) => nodes.find((n) => n.type === 'buero-changes')!;

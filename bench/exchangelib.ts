/**
 * The yardstick for the whole flow: exchangelib's `bulk_create` (bench/exchangelib-bulk.py,
 * appointments in chunks of 100) on the same EWS endpoint, in the same run, after the flow's
 * own phases there. Skipped, with the reason in the results, when /usr/bin/python3 cannot
 * import exchangelib (CI installs python3-exchangelib for the interop test).
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Sandbox } from '../sandbox/demo';
import { SANDBOX } from '../sandbox/demo';
import { packageRoot } from '../sandbox/node-red';
import type { PhaseResult } from './phases';
import { syncedUsers } from './rig';

const PYTHON = process.env.EXCHANGELIB_PYTHON ?? '/usr/bin/python3';
/** Requests at once: as many as the reference flow's writer (maxConcurrent 8). */
const THREADS = 8;

export interface BulkResult {
  items: number;
  seconds: number;
  perSecond: number;
  /** EWS CreateItem requests exchangelib sent. */
  createItems: number;
}

export interface Comparison {
  changes: number;
  flow: PhaseResult;
  /** Flow changes/s from the poll that found the first change (the poll interval left out). */
  flowPerSecondFromPoll: number;
  exchangelib: BulkResult;
}

/** Why exchangelib cannot run here, or undefined. */
export function exchangelibMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import exchangelib, requests_ntlm'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `${PYTHON} cannot import exchangelib and requests_ntlm (${(err as Error).message.split('\n')[0]})`;
  }
}

/**
 * exchangelib writes `count` appointments into the synced mailboxes (20, as the flow's phase).
 * A run that fails is run once more, and said so: the yardstick itself once lost a connection
 * ("Remote end closed connection without response", 1 of about 10 full runs), which must not
 * fail the benchmark of the flow.
 */
export async function exchangelibBulk(sandbox: Sandbox, count: number): Promise<BulkResult> {
  try {
    return await exchangelibOnce(sandbox, count);
  } catch (err) {
    console.warn(`  exchangelib failed, run once more: ${(err as Error).message.split('\n').filter(Boolean).pop()}`);
    return exchangelibOnce(sandbox, count);
  }
}

async function exchangelibOnce(sandbox: Sandbox, count: number): Promise<BulkResult> {
  const mailboxes = syncedUsers(sandbox).slice(0, 20).map((u) => u.mailbox);
  const before = sandbox.ews.stats().byOperation.CreateItem ?? 0;
  const script = path.join(packageRoot, 'bench', 'exchangelib-bulk.py');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(PYTHON, [script, sandbox.ews.httpsUrl, SANDBOX.exchangeUser, SANDBOX.exchangePassword, String(count), String(THREADS), ...mailboxes],
      { env: { ...process.env, REQUESTS_CA_BUNDLE: sandbox.ews.caFile }, timeout: 600_000, maxBuffer: 10_000_000 },
      (err, out, errOut) => (err ? reject(new Error(`exchangelib failed: ${errOut.slice(-2000)}`)) : resolve(out)));
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as Omit<BulkResult, 'createItems'>;
  return { ...result, createItems: (sandbox.ews.stats().byOperation.CreateItem ?? 0) - before };
}

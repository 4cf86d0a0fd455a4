// Shared set-up of the end-to-end tests: the sandbox, a real Node-RED process with the reference
// flow, and reading what arrived in the simulated Exchange mailboxes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseWriterKey } from '../../lib/exchange/key';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/demo';
import { deployFlows, referenceFlow } from '../../sandbox/cli';
import { startNodeRed, type NodeRedProcess } from '../../sandbox/node-red';
import type { StoredItem } from '../../sandbox/store';

export interface SyncRig {
  sandbox: Sandbox;
  nodeRed: NodeRedProcess;
  userDir: string;
  env: Record<string, string>;
  logText(): string;
  /** Starts Node-RED again on the same user directory (after stop or kill9); the deployed flow stays. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the sandbox and Node-RED with the reference flow, and waits for the first poll (the baseline). */
export async function startRig(options: { sandbox?: SandboxOptions; env?: Record<string, string> } = {}): Promise<SyncRig> {
  const sandbox = await startSandbox(options.sandbox);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-e2e-'));
  const env = { ...sandbox.env, SYNC_POLL_SECONDS: '1', SYNC_LOG_TRANSFERS: 'true', ...options.env };
  const logFile = path.join(userDir, 'ExchangeSync.log');
  const rig: SyncRig = {
    sandbox,
    nodeRed: await startNodeRed({ userDir, env }),
    userDir,
    env,
    logText: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    restart: async () => {
      rig.nodeRed = await startNodeRed({ userDir, env });
    },
    close: async () => {
      await rig.nodeRed.stop();
      await sandbox.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
  await deployFlows(rig.nodeRed.url, referenceFlow());
  await waitFor('the baseline of tblCalendar in the sync log', () => / tblCalendar\b.*\(baseline\)/.test(rig.logText()));
  return rig;
}

/** The writer key an item carries in its extended property (PS_PUBLIC_STRINGS, BueroSyncKey). */
export function keyOf(item: StoredItem): string | undefined {
  return item.extendedProperties.find((p) => p.name === 'BueroSyncKey')?.value;
}

/** A simple field of a stored item as text (`Subject`, `Surname`, …). */
export function text(item: StoredItem | undefined, field: string): string | undefined {
  const v = item?.fields[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return String((v as { _?: unknown })._ ?? '');
  return String(v);
}

/** The items of one büro+ record in a mailbox, found by the writer key's record part. */
export function itemsOf(sandbox: Sandbox, mailbox: string, kind: StoredItem['kind'], table: string, id: number): StoredItem[] {
  return sandbox.ews.store.items(mailbox, kind).filter((i) => {
    const parts = parseWriterKey(keyOf(i) ?? '');
    return parts?.table === table && parts.id === id;
  });
}

/** büro+ users who are synced (start Mandant = this Mandant and a mailbox). */
export function syncedUsers(sandbox: Sandbox): { nr: number; mailbox: string }[] {
  return sandbox.data.users
    .filter((u) => u.fldStartMandNr === sandbox.data.mandant && typeof u.fldExchPostfach === 'string' && u.fldExchPostfach.includes('@'))
    .map((u) => ({ nr: u.fldNr as number, mailbox: u.fldExchPostfach as string }));
}

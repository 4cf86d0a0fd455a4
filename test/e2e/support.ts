// Shared set-up of the end-to-end tests: the sandbox, a real Node-RED process with the reference
// flow, and reading what arrived in the simulated Exchange mailboxes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseWriterKey } from '../../lib/exchange/key';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/demo';
import { deployFlows, referenceFlow } from '../../sandbox/cli';
import { packageRoot, startNodeRed, type NodeRedProcess } from '../../sandbox/node-red';
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
export async function startRig(options: { sandbox?: SandboxOptions; env?: Record<string, string>; flow?: unknown[] } = {}): Promise<SyncRig> {
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
  await deployFlows(rig.nodeRed.url, options.flow ?? referenceFlow());
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

/**
 * `npm pack` of this package (the built dist/ must be there: `npm test` builds first), into
 * `dir`. Returns the tarball's path: what an administrator installs with `npm install <tarball>`.
 */
export function packPackage(dir: string): string {
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: packageRoot, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(out) as { filename: string }[];
  return path.join(dir, path.basename(filename));
}

/**
 * Installs a packed tarball into a Node-RED user directory as `npm install <tarball>` does,
 * without a registry (this build network has none): the tarball's contents become
 * node_modules/<package>, the package.json of the user directory lists it, and each of its
 * `dependencies` (only those, so a missing one fails here as it would on a server) is linked
 * from this repository's installed modules.
 */
export function installPacked(tarball: string, userDir: string): string {
  const target = path.join(userDir, 'node_modules', '@buero-sync', 'node-red-exchange');
  fs.mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  const manifest = JSON.parse(fs.readFileSync(path.join(target, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
  for (const dep of Object.keys(manifest.dependencies)) {
    const link = path.join(userDir, 'node_modules', dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(packageRoot, 'node_modules', dep)), link, 'dir');
  }
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [manifest.name]: `file:${tarball}` } }, null, 2));
  return target;
}

/**
 * The files under `dir` (symbolic links not followed: they point at installed modules) that
 * hold one of the secrets as text, URL-encoded or base64. Node-RED's encrypted credentials
 * file (`{"$": "…"}`) is the one file allowed to hold them, encrypted; it is checked to be so.
 */
export function filesWithSecrets(dir: string, secrets: string[]): string[] {
  const forms = secrets.flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]);
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile()) {
        const bytes = fs.readFileSync(file);
        if (/^flows.*_cred\.json$/.test(entry.name)) {
          const creds = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
          if (Object.keys(creds).length === 1 && typeof creds.$ === 'string') continue;
        }
        if (forms.some((f) => bytes.includes(f))) found.push(path.relative(dir, file));
      }
    }
  };
  walk(dir);
  return found;
}

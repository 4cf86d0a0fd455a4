// Shared set-up of the reliability suite: the sandbox, a real Node-RED process running the
// reference flow (optionally extended by a test), a ledger of what büro+ holds, and the final
// check that every büro+ record is in the right mailbox exactly once with the right content.
//
// Sizes: CI by default; RELIABILITY_FULL=1 for the full sizes. Seeds: RELIABILITY_SEED=n
// replays a run (every scenario prints the seed it used).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseWriterKey } from '../../lib/exchange/key';
import { deployFlows, referenceFlow } from '../../sandbox/cli';
import { Random } from '../../sandbox/data/random';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/demo';
import { packageRoot, startNodeRed, type NodeRedProcess } from '../../sandbox/node-red';
import type { StoredItem } from '../../sandbox/store';

export const FULL = process.env.RELIABILITY_FULL === '1';

/** The seed of a scenario: RELIABILITY_SEED when given (to replay), else the scenario's default. */
export function scenarioSeed(name: string, fallback: number): number {
  const seed = process.env.RELIABILITY_SEED ? Number(process.env.RELIABILITY_SEED) : fallback;
  console.log(`      [${name}] seed ${seed} (replay: RELIABILITY_SEED=${seed})`);
  return seed;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface RigOptions {
  seed: number;
  sandbox?: Omit<SandboxOptions, 'seed'>;
  env?: Record<string, string>;
  /** Changes the reference flow before it is deployed (extra nodes, other settings). */
  flow?: (nodes: FlowNode[], userDir: string) => FlowNode[];
  /** Runs before Node-RED starts (e.g. to shorten token lifetimes). */
  beforeStart?: (sandbox: Sandbox) => void;
}

export interface Rig {
  sandbox: Sandbox;
  nodeRed: NodeRedProcess;
  userDir: string;
  flow: FlowNode[];
  logText(): string;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The built nodes Node-RED loads: other work may rebuild dist/ meanwhile; wait until it is complete. */
export async function distReady(): Promise<void> {
  const nodes = ['buero-connection', 'buero-changes', 'buero-map', 'buero-exchange-connection', 'buero-exchange-writer', 'buero-sync-log'];
  await waitFor('a complete dist/ (npm run build)', () => nodes.every((n) => fs.existsSync(path.join(packageRoot, 'dist', 'nodes', n, `${n}.js`))), 120_000);
}

/** Sandbox + Node-RED with the (changed) reference flow, after the first poll recorded its baseline. */
export async function startRig(options: RigOptions): Promise<Rig> {
  // The seed also drives the simulators' fault rates, so a failing run replays the same faults.
  const faultRandom = new Random(options.seed + 1);
  const sandbox = await startSandbox({ seed: options.seed, random: () => faultRandom.next(), ...options.sandbox });
  options.beforeStart?.(sandbox);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-reliability-'));
  const env = { ...sandbox.env, SYNC_POLL_SECONDS: '1', SYNC_LOG_TRANSFERS: 'true', ...options.env };
  const logFile = path.join(userDir, 'ExchangeSync.log');
  const base = referenceFlow() as FlowNode[];
  const flow = options.flow ? options.flow(base, userDir) : base;
  await distReady();
  const rig: Rig = {
    sandbox,
    userDir,
    flow,
    nodeRed: await startNodeRed({ userDir, env }),
    logText: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    restart: async () => {
      await distReady();
      rig.nodeRed = await startNodeRed({ userDir, env });
    },
    close: async () => {
      await rig.nodeRed?.stop();
      await sandbox.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
  await deployFlows(rig.nodeRed.url, flow);
  await waitFor('the baseline of tblCalendar in the sync log', () => {
    if (/Waiting for missing types/.test(rig.nodeRed.output())) throw new Error('Node-RED could not load the nodes (dist/ incomplete: run npm run build)');
    return / tblCalendar\b.*\(baseline\)/.test(rig.logText());
  }, 90_000);
  return rig;
}

export const nodeOfType = (flow: FlowNode[], type: string): FlowNode => {
  const node = flow.find((n) => n.type === type);
  if (!node) throw new Error(`no ${type} node in the flow`);
  return node;
};

/** The writer key an item carries in its extended property (PS_PUBLIC_STRINGS, BueroSyncKey). */
export function keyOf(item: StoredItem): string | undefined {
  return item.extendedProperties.find((p) => p.name === 'BueroSyncKey')?.value;
}

export function subjectOf(item: StoredItem | undefined): string | undefined {
  const v = item?.fields.Subject;
  if (v === undefined || v === null) return undefined;
  return typeof v === 'object' ? String((v as { _?: unknown })._ ?? '') : String(v);
}

/** büro+ users who are synced (start Mandant = this Mandant and a mailbox). */
export function syncedUsers(sandbox: Sandbox): { nr: number; mailbox: string }[] {
  return sandbox.data.users
    .filter((u) => u.fldStartMandNr === sandbox.data.mandant && typeof u.fldExchPostfach === 'string' && u.fldExchPostfach.includes('@'))
    .map((u) => ({ nr: u.fldNr as number, mailbox: u.fldExchPostfach as string }));
}

/** What büro+ holds for the appointments a scenario made: the expected state of the mailboxes. */
export interface Expected {
  id: number;
  mailbox: string;
  /** undefined: deleted in büro+, so it must be gone from the mailbox. */
  subject: string | undefined;
}

/**
 * Creates, changes and deletes appointments in büro+ exactly like GraphQL mutations do, and
 * remembers the state each record must end in.
 */
export class Ledger {
  readonly records = new Map<number, Expected>();
  private n = 0;

  constructor(private readonly sandbox: Sandbox, private readonly random: Random, private readonly label = 'Termin') {}

  private users = () => syncedUsers(this.sandbox);

  create(): Expected {
    const u = this.random.pick(this.users());
    const i = this.n++;
    const subject = `${this.label} ${i} <&> "${this.random.int(0, 9999)}"`;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const hour = String(8 + (i % 9)).padStart(2, '0');
    const row = this.sandbox.buero.db.insert('tblCalendar', {
      fldArt: 'Termin', fldBzrNr: u.nr, fldKurzInfo: subject, fldBeginn: `2027-02-${day}T${hour}:00:00`, fldEnde: `2027-02-${day}T${hour}:45:00`,
    });
    const rec = { id: row.fldID as number, mailbox: u.mailbox, subject };
    this.records.set(rec.id, rec);
    return rec;
  }

  /** A mix of changes: mostly new appointments, some subject changes and a few deletions. */
  changes(count: number): void {
    for (let k = 0; k < count; k++) {
      const live = [...this.records.values()].filter((r) => r.subject !== undefined);
      const roll = this.random.next();
      if (live.length > 10 && roll < 0.15) {
        const r = this.random.pick(live);
        r.subject = `${r.subject!.replace(/ \(v\d+\)$/, '')} (v${this.random.int(2, 99)})`;
        this.sandbox.buero.db.modify('tblCalendar', r.id, { fldKurzInfo: r.subject });
      } else if (live.length > 10 && roll < 0.2) {
        const r = this.random.pick(live);
        r.subject = undefined;
        this.sandbox.buero.db.delete('tblCalendar', r.id);
      } else {
        this.create();
      }
    }
  }

  /** How many records are already in their final state in Exchange. */
  settled(): number {
    let n = 0;
    const index = indexByRecord(this.sandbox, 'tblCalendar');
    for (const r of this.records.values()) {
      const items = index.get(`${r.mailbox.toLowerCase()} ${r.id}`) ?? [];
      if (r.subject === undefined ? items.length === 0 : items.length === 1 && subjectOf(items[0]) === r.subject) n++;
    }
    return n;
  }

  async waitAllSettled(timeoutMs: number): Promise<void> {
    let last = 0;
    await waitFor(`all ${this.records.size} records in their final state`, () => (last = this.settled()) === this.records.size, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message} (${last} of ${this.records.size} settled)`);
    });
  }

  /** Every record in its owner's mailbox exactly once with the right subject (or gone), no key twice anywhere. */
  assertExact(): void {
    for (const r of this.records.values()) {
      const items = itemsOf(this.sandbox, r.mailbox, 'tblCalendar', r.id);
      if (r.subject === undefined) {
        assert.equal(items.length, 0, `tblCalendar ${r.id} was deleted in büro+ but is still in ${r.mailbox}`);
      } else {
        assert.equal(items.length, 1, `tblCalendar ${r.id} in ${r.mailbox}: ${items.length} items`);
        assert.equal(subjectOf(items[0]), r.subject, `subject of tblCalendar ${r.id}`);
        assert.equal(items[0].kind, 'appointment');
      }
    }
    assertNoDuplicateKeys(this.sandbox);
  }
}

/** The items of one büro+ record in a mailbox, found by the writer key's record part. */
export function itemsOf(sandbox: Sandbox, mailbox: string, table: string, id: number): StoredItem[] {
  return sandbox.ews.store.items(mailbox).filter((i) => {
    const parts = parseWriterKey(keyOf(i) ?? '');
    return parts?.table === table && parts.id === id;
  });
}

/** All items of a table's records, by `mailbox id` (one pass over the store). */
export function indexByRecord(sandbox: Sandbox, table: string): Map<string, StoredItem[]> {
  const index = new Map<string, StoredItem[]>();
  for (const mailbox of sandbox.mailboxes) {
    for (const item of sandbox.ews.store.items(mailbox)) {
      const parts = parseWriterKey(keyOf(item) ?? '');
      if (parts?.table !== table) continue;
      const k = `${mailbox.toLowerCase()} ${parts.id}`;
      const list = index.get(k);
      if (list) list.push(item);
      else index.set(k, [item]);
    }
  }
  return index;
}

export function assertNoDuplicateKeys(sandbox: Sandbox): void {
  for (const mailbox of sandbox.mailboxes) {
    const keys = sandbox.ews.store.items(mailbox).map(keyOf);
    assert.ok(keys.every(Boolean), `an item without a writer key in ${mailbox}`);
    assert.equal(new Set(keys).size, keys.length, `a duplicate writer key in ${mailbox}`);
  }
  const stats = sandbox.ews.stats();
  assert.equal(stats.schemaInvalid, 0, 'schema-invalid EWS requests');
  assert.deepEqual(sandbox.graph.schemaViolations, [], 'requests that broke Graph\'s v1.0 metadata');
}

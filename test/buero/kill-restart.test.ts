import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { type Sim, startSim, tempDir, until } from './support/harness';

// "Kill and restart at any point, nothing missing downstream": the change source runs in a
// child process that is killed with SIGKILL at random moments (mid-poll, mid-ack), while
// büro+ keeps changing. Downstream is what the parent acknowledged (as the writer does once
// a change is in its durable queue). At the end, downstream must hold the latest version of
// every record created since set-up, and a delete for every one deleted.

interface Change {
  seq: number;
  id: number;
  op: 'create' | 'update' | 'delete';
  lsn: string;
}

class Child {
  readonly proc: ChildProcess;
  readonly changes: Change[] = [];
  polls = 0;
  pending = 0;
  errors: string[] = [];
  private exited: Promise<void>;

  constructor(env: Record<string, string>) {
    this.proc = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(__dirname, 'support/feed-child.ts')], {
      cwd: path.join(__dirname, '../..'),
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((r) => this.proc.once('exit', () => r()));
    readline.createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      const m = JSON.parse(line);
      if (m.type === 'change') this.changes.push(m);
      else if (m.type === 'polled') {
        this.polls = m.polls;
        this.pending = m.pending;
      } else if (m.type === 'error') this.errors.push(m.message);
    });
  }

  ack(seq: number): void {
    this.proc.stdin!.write(`ack ${seq}\n`);
  }

  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('büro+ change source: kill -9 and restart at any point, nothing missing downstream', function () {
  this.timeout(120_000);
  let sim: Sim;
  let child: Child | undefined;

  afterEach(async function () {
    await child?.kill();
    await sim?.close();
  });

  it('random SIGKILLs over several rounds of changes and partial acks', async function () {
    sim = await startSim();
    const env = { SIM_URL: sim.url, SIM_TOKEN: sim.staticToken as string, STATE_FILE: path.join(tempDir(), 'buero-sync.sqlite') };
    const rnd = mulberry32(Number(process.env.BUERO_KILL_SEED ?? 20261025));
    const downstream = new Map<number, Change>();
    const handOn = (c: Change) => {
      const prev = downstream.get(c.id);
      if (!prev || prev.seq < c.seq) downstream.set(c.id, c);
    };
    const created = new Set<number>();
    const alive = () => [...created].filter((id) => sim.db.get('tblCalendar', id));
    const change = () => {
      const r = rnd();
      const ids = alive();
      if (r < 0.55 || ids.length === 0) {
        const row = sim.db.insert('tblCalendar', {
          fldArt: rnd() < 0.8 ? 'Termin' : 'Aufgabe',
          fldBzrNr: 1,
          fldKurzInfo: `Runde ${created.size}`,
          fldBeginn: '2026-03-29T02:30:00',
          fldEnde: '2026-03-29T03:30:00',
        });
        created.add(row.fldID as number);
      } else if (r < 0.85) {
        sim.db.modify('tblCalendar', ids[Math.floor(rnd() * ids.length)], { fldKurzInfo: `geändert ${rnd().toFixed(4)}` });
      } else {
        sim.db.delete('tblCalendar', ids[Math.floor(rnd() * ids.length)]);
      }
    };

    child = new Child(env);
    await until(() => child!.polls >= 1, 'the baseline', 30_000);
    for (let round = 0; round < 8; round++) {
      const n = 3 + Math.floor(rnd() * 8);
      for (let i = 0; i < n; i++) change();
      const seen = child.polls;
      await until(() => child!.polls >= seen + 2, 'two polls', 30_000);
      // Hand on a random part of what arrived (the writer queued it), then die at a random moment.
      for (const c of child.changes) {
        if (downstream.get(c.id)?.seq === c.seq) continue;
        if (rnd() < 0.6) {
          handOn(c);
          child.ack(c.seq);
        }
      }
      if (rnd() < 0.5) change();
      await sleep(Math.floor(rnd() * 80));
      await child.kill();
      // büro+ goes on while the source is down.
      for (let i = Math.floor(rnd() * 3); i > 0; i--) change();
      child = new Child(env);
      await until(() => child!.polls >= 1, 'the restart', 30_000);
    }

    // Last run: hand on everything until nothing is pending and two deletion checks passed.
    let quiet = 0;
    let lastCount = -1;
    while (quiet < 4) {
      for (const c of child.changes) {
        if (!downstream.has(c.id) || downstream.get(c.id)!.seq < c.seq) {
          handOn(c);
          child.ack(c.seq);
        }
      }
      const polls = child.polls;
      await until(() => child!.polls > polls, 'a poll', 30_000);
      quiet = child.changes.length === lastCount && child.pending === 0 ? quiet + 1 : 0;
      lastCount = child.changes.length;
    }

    assert.deepEqual(child.errors, []);
    const missing: string[] = [];
    for (const id of created) {
      const row = sim.db.get('tblCalendar', id);
      const got = downstream.get(id);
      if (row) {
        if (!got || got.op === 'delete' || got.lsn !== String(row.fldModifyLSN)) missing.push(`${id}: have ${got ? `${got.op}@${got.lsn}` : 'nothing'}, want @${row.fldModifyLSN}`);
      } else if (got && got.op !== 'delete') {
        missing.push(`${id}: deleted in büro+, downstream still ${got.op}@${got.lsn}`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(created.size >= 12, `enough records were made (${created.size})`);
  });
});

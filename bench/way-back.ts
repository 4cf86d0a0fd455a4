/**
 * `npm run bench:way-back`: the way back (Outlook → büro+) through a real Node-RED process
 * running the reference flow (both lanes) against the sandbox, EWS and Graph side by side, each
 * on a fresh sandbox with the same seed and Exchange latency (bench/rig.ts).
 *
 * 1. Set-up: 1,000 appointments made in büro+ across the synced mailboxes (about 20), written
 *    into Exchange by lane 1; the way back has read every mailbox (its baseline) and seen lane
 *    1's writes (echo, nothing taken back).
 * 2. Idle: no change anywhere for a few polls. Exchange requests per idle poll per mailbox
 *    (target: 1 per folder, two folders: calendar and tasks); writes in either direction
 *    (target: 0).
 * 3. 1,000 Outlook edits at once (a new subject on every appointment): time from the edit to
 *    the büro+ row carrying it (p50, p95), edits/s (1,000 ÷ the time until the last arrived).
 * 4. Steady state after the edits, two more polls: büro+ writes beyond the 1,000 (echo into
 *    büro+) and Exchange items written again after the edit (echo into Exchange); target 0.
 *
 * Prints a table and writes bench/results-way-back.md. `--quick`: 200 edits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Outlook } from '../sandbox/outlook';
import { packageRoot } from '../sandbox/node-red';
import type { StoredItem } from '../sandbox/store';
import { quantile } from './measure';
import { API_ENV, API_NAME, flowWith, setLatency, sleep, startRig, syncedUsers, throughputSandbox, waitFor, type Api } from './rig';

const QUICK = process.argv.includes('--quick');
const EDITS = Number(process.env.BENCH_EDITS ?? (QUICK ? 200 : 1000));
const SEED = Number(process.env.BENCH_SEED ?? 42);
/** The way back's poll interval in this run (its shortest). */
const POLL_SECONDS = 5;
const IDLE_POLLS = 3;

interface Result {
  api: Api;
  mailboxes: number;
  edits: number;
  p50Ms: number;
  p95Ms: number;
  editsPerSecond: number;
  /** Exchange HTTP requests per idle poll per mailbox (two folders). */
  requestsPerIdlePoll: number;
  idlePolls: number;
  idleWrites: { buero: number; exchange: number };
  echo: { buero: number; exchange: number };
}

const BUSY = /^(CreateItem|UpdateItem|DeleteItem)$/;

async function run(api: Api): Promise<Result> {
  const sandbox = await throughputSandbox(SEED);
  setLatency(sandbox);
  const flow = flowWith(() => undefined);
  const rig = await startRig(sandbox, flow, { ...API_ENV[api], SYNC_EXCHANGE_POLL_SECONDS: String(POLL_SECONDS) });
  try {
    const users = syncedUsers(sandbox);
    const db = sandbox.buero.db;
    // 1. Set-up: appointments in büro+, spread over the synced users, into Exchange by lane 1.
    const ids: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const u = users[i % users.length];
      const day = 1 + (i % 28);
      const row = db.insert('tblCalendar', {
        fldArt: 'Termin', fldBzrNr: u.nr, fldKurzInfo: `Bench ${i}`,
        fldBeginn: `2027-02-${String(day).padStart(2, '0')}T09:00:00`, fldEnde: `2027-02-${String(day).padStart(2, '0')}T10:00:00`,
      });
      ids.push(row.fldID as number);
    }
    const keyed = () => {
      const byId = new Map<number, StoredItem>();
      for (const u of users) {
        for (const item of sandbox.ews.store.items(u.mailbox, 'appointment')) {
          const id = /:tblCalendar:(\d+):/.exec(item.extendedProperties.find((p) => p.name === 'BueroSyncKey')?.value ?? '')?.[1];
          if (id) byId.set(Number(id), item);
        }
      }
      return byId;
    };
    await waitFor('the appointments in Exchange', () => ids.every((id) => keyed().has(id)), 600_000, 1000);
    // The way back reads every mailbox and sees lane 1's writes (two polls after the last).
    await sleep(3 * POLL_SECONDS * 1000);

    // 2. Idle.
    const idleLsn = db.currentLsn();
    const ewsStart = sandbox.ews.requestLog.length;
    const graphStart = sandbox.graph.requestLog.length;
    const keysBefore = new Map([...keyed()].map(([id, item]) => [id, item.changeKey]));
    await sleep(IDLE_POLLS * POLL_SECONDS * 1000 + 500);
    let requests: number;
    let polls: number;
    let exchangeWrites: number;
    if (api === 'ews') {
      const log = sandbox.ews.requestLog.slice(ewsStart);
      requests = log.length;
      polls = log.filter((r) => r.operation === 'SyncFolderItems').length / 2;
      exchangeWrites = log.filter((r) => BUSY.test(r.operation)).length;
    } else {
      const log = sandbox.graph.requestLog.slice(graphStart);
      requests = log.length;
      polls = log.filter((r) => /calendarView\/delta/.test(r.path)).length;
      exchangeWrites = [...keyed()].filter(([id, item]) => keysBefore.get(id) !== item.changeKey).length;
    }
    const mailboxes = users.length;
    const requestsPerIdlePoll = polls ? requests / polls : NaN;
    const idleWrites = { buero: Number(db.currentLsn() - idleLsn), exchange: exchangeWrites };

    // 3. The edits, all at once.
    const outlook = new Outlook(sandbox.ews.store);
    const items = keyed();
    const lsn0 = db.currentLsn();
    const editedAt = new Map<number, number>();
    for (const id of ids) {
      outlook.editAppointment(items.get(id)!, { subject: `Bench ${id} aus Outlook` });
      editedAt.set(id, Date.now());
    }
    const arrived = new Map<number, number>();
    const start = Date.now();
    while (arrived.size < ids.length) {
      if (Date.now() - start > 900_000) throw new Error(`${ids.length - arrived.size} edits did not arrive in büro+`);
      for (const id of ids) {
        if (!arrived.has(id) && db.get('tblCalendar', id)?.fldKurzInfo === `Bench ${id} aus Outlook`) arrived.set(id, Date.now());
      }
      await sleep(50);
    }
    const times = ids.map((id) => arrived.get(id)! - editedAt.get(id)!).sort((a, b) => a - b);
    const last = Math.max(...arrived.values());
    const first = Math.min(...editedAt.values());

    // 4. Steady state: two more polls of both lanes.
    const keysAfter = new Map([...keyed()].map(([id, item]) => [id, item.changeKey]));
    await sleep(2 * POLL_SECONDS * 1000 + 2000);
    const bueroWrites = Number(db.currentLsn() - lsn0);
    const rewritten = [...keyed()].filter(([id, item]) => keysAfter.get(id) !== item.changeKey).length;
    return {
      api, mailboxes, edits: ids.length,
      p50Ms: quantile(times, 0.5), p95Ms: quantile(times, 0.95), editsPerSecond: ids.length / ((last - first) / 1000),
      requestsPerIdlePoll, idlePolls: polls, idleWrites,
      echo: { buero: bueroWrites - ids.length, exchange: rewritten },
    };
  } finally {
    await rig.close();
  }
}

function table(results: Result[]): string {
  const row = (label: string, f: (r: Result) => string) => `| ${label} | ${results.map(f).join(' | ')} |`;
  return [
    `| way back (${EDITS} Outlook edits, poll every ${POLL_SECONDS} s) | ${results.map((r) => API_NAME[r.api]).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
    row('synced mailboxes', (r) => String(r.mailboxes)),
    row('time to arrival in büro+, p50', (r) => `${(r.p50Ms / 1000).toFixed(1)} s`),
    row('time to arrival in büro+, p95', (r) => `${(r.p95Ms / 1000).toFixed(1)} s`),
    row('edits/s (all edits at once, to the last arrival)', (r) => r.editsPerSecond.toFixed(1)),
    row('Exchange requests per idle poll per mailbox (2 folders; target 2)', (r) => `${r.requestsPerIdlePoll.toFixed(2)} (${r.idlePolls} polls)`),
    row('writes while idle: büro+ / Exchange (target 0 / 0)', (r) => `${r.idleWrites.buero} / ${r.idleWrites.exchange}`),
    row('echo after the edits: büro+ writes beyond the edits / Exchange items written again (target 0 / 0)', (r) => `${r.echo.buero} / ${r.echo.exchange}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`way back benchmark (${EDITS} edits, seed ${SEED}) …`);
  const results: Result[] = [];
  for (const api of ['ews', 'graph'] as Api[]) {
    results.push(await run(api));
    console.log(`  ${API_NAME[api]} done (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  const text = table(results);
  console.log(`\n${text}\n`);
  const out = path.join(packageRoot, 'bench', 'results-way-back.md');
  fs.writeFileSync(out, `# The way back: Outlook edits into büro+\n\nRun of ${new Date(started).toISOString()} (seed ${SEED}, ${EDITS} edits; \`npm run bench:way-back${QUICK ? ' -- --quick' : ''}\`). See bench/way-back.ts for what each row measures.\n\n${text}\n`);
  console.log(`written: ${path.relative(packageRoot, out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

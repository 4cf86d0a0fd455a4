import assert from 'node:assert/strict';
import path from 'node:path';
import type { BueroChangeMessage } from '../../lib/buero/change';
import { type PollingFeed, SyncLoop } from '../../lib/buero/sync-loop';
import { type FeedRun, type Sim, startFeed, startSim, tempDir, until } from './support/harness';

// A backlog of büro+ changes read in passes of several pages, on the simulator, which serves
// each request as its own snapshot: rows change between the pages of a pass.
describe('büro+ change feed: catching up with a backlog (simulator over HTTP)', function () {
  this.timeout(60_000);
  let sim: Sim;
  let run: FeedRun;

  const CAL = 'tblCalendar';
  const termin = (subject: string) => ({ fldArt: 'Termin', fldBzrNr: 1, fldKurzInfo: subject, fldBeginn: '2026-06-01T10:00:00', fldEnde: '2026-06-01T11:00:00' });
  const lsnOf = (row: Record<string, unknown>) => BigInt(String(row.fldModifyLSN));

  /** A small deterministic random source (mulberry32). */
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  beforeEach(async function () {
    sim = await startSim();
    run = startFeed(sim, path.join(tempDir(), 'buero-sync.sqlite'), { pageSize: 7, sync: { appointments: true, tasks: true, contacts: false } });
    await run.feed.poll({ deletions: true }); // the baseline
  });

  let loop: SyncLoop | undefined;

  afterEach(async function () {
    await loop?.stop();
    loop = undefined;
    sim.beforeQuery = undefined;
    run.close();
    await sim.close();
  });

  /** Polls like the sync loop while a pass leaves more to read, acknowledging at once; `check` after each poll. */
  async function catchUp(check: () => void = () => undefined, deletions = false): Promise<number> {
    let polls = 0;
    for (let more = true; more; polls++) {
      assert.ok(polls < 500, 'caught up within 500 polls');
      more = (await run.feed.poll({ deletions })).more;
      run.ackAll();
      check();
    }
    return polls;
  }

  const changedRows = () => sim.stats().changedRowsReturned[CAL] ?? 0;

  it('rows changed, inserted and deleted between the pages of a pass: all emitted, in order, and the cursor never passes an unread change', async function () {
    // Pages of 7 also while catching up: many pages, many chances to change rows between them.
    run.close();
    run = startFeed(sim, path.join(tempDir(), 'buero-sync.sqlite'), { pageSize: 7, catchUpPageSize: 7, sync: { appointments: true, tasks: true, contacts: false } });
    await run.feed.poll({ deletions: true });
    const next = random(16);
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
    const ours = new Set<number>();
    const insert = (subject: string) => ours.add(sim.db.insert(CAL, termin(subject)).fldID as number);
    const live = () => sim.db.rows(CAL).filter((r) => ours.has(r.fldID as number));
    for (let i = 0; i < 60; i++) insert(`B${i}`);
    // LSN order differs from id order: half of them changed again, in random order.
    for (let i = 0; i < 30; i++) sim.db.modify(CAL, pick([...ours]), { fldOrt: `R${i}` });

    // Before every later page of a change read (not the first request of a poll, which
    // reads the users too): the lowest id changes (its page was read), then random ones,
    // then the highest id (its page is still to come); new rows; every other time one goes.
    let races = 0;
    sim.beforeQuery = (query) => {
      if (races >= 40 || query.includes('tblUsers') || !query.includes(CAL) || !query.includes('fldModifyLSN')) return;
      races += 1;
      const rows = live().sort((a, b) => (a.fldID as number) - (b.fldID as number));
      const low = rows[0];
      const high = rows[rows.length - 1];
      sim.db.modify(CAL, low.fldID as number, { fldKurzInfo: `low ${races}` });
      for (let k = 0; k < 4; k++) sim.db.modify(CAL, pick(rows).fldID as number, { fldKurzInfo: `any ${races}.${k}` });
      sim.db.modify(CAL, high.fldID as number, { fldKurzInfo: `high ${races}` });
      for (let k = 0; k < 3; k++) insert(`new ${races}.${k}`);
      if (races % 2 === 0) sim.db.delete(CAL, pick(rows.slice(1, -1)).fldID as number);
    };

    const byId = new Map<number, BueroChangeMessage[]>();
    let seen = 0;
    // After every poll: each record's messages in version order (a delete only last), and
    // every row büro+ has at or below the cursor was emitted in that very version.
    const check = () => {
      for (const m of run.emitted.slice(seen)) {
        const list = byId.get(m.payload.id) ?? [];
        const prev = list.at(-1);
        if (prev) {
          assert.notEqual(prev.payload.op, 'delete', `${m.payload.id}: a message after its delete`);
          if (m.payload.op !== 'delete') assert.ok(BigInt(m.payload.lsn) > BigInt(prev.payload.lsn), `${m.payload.id}: version ${m.payload.lsn} emitted after ${prev.payload.lsn}`);
        }
        list.push(m);
        byId.set(m.payload.id, list);
      }
      seen = run.emitted.length;
      const cursor = run.store.cursor(CAL) as bigint;
      for (const row of live()) {
        const lsn = lsnOf(row);
        if (lsn > cursor) continue;
        const versions = (byId.get(row.fldID as number) ?? []).map((m) => m.payload.lsn);
        assert.ok(versions.includes(String(lsn)), `tblCalendar ${row.fldID} at LSN ${lsn} is under the cursor ${cursor} but was never emitted (emitted: ${versions.join(', ') || 'none'})`);
      }
    };

    await catchUp(check);
    assert.ok(races >= 10, `rows changed between pages ${races} times`);
    sim.beforeQuery = undefined;
    await catchUp(check, true); // the rest, and the deletion check

    // Every row as büro+ has it now was emitted last in that version; every deleted row
    // that had been emitted got its delete.
    for (const row of live()) {
      const last = byId.get(row.fldID as number)?.at(-1);
      assert.equal(last?.payload.op === 'delete' ? 'delete' : last?.payload.lsn, String(lsnOf(row)), `tblCalendar ${row.fldID}: its last message has its current version`);
      assert.equal(last?.payload.record?.fldKurzInfo, row.fldKurzInfo);
    }
    const gone = [...ours].filter((id) => !sim.db.get(CAL, id));
    assert.ok(gone.length >= 10);
    for (const id of gone) {
      const list = byId.get(id) ?? [];
      if (list.length > 0) assert.equal(list.at(-1)?.payload.op, 'delete', `tblCalendar ${id}: deleted in büro+, its delete was emitted`);
    }
    assert.equal(run.errors.length, 0);
  });

  it('the changes of a poll that left more to read say so (more), those of the last poll do not', async function () {
    for (let i = 0; i < 40; i++) sim.db.insert(CAL, termin(`M${i}`));
    const polls: { more: boolean; flags: (boolean | undefined)[] }[] = [];
    for (let more = true; more;) {
      const from = run.emitted.length;
      more = (await run.feed.poll({})).more;
      polls.push({ more, flags: run.emitted.slice(from).map((m) => m.payload.more) });
      run.ackAll();
      assert.ok(polls.length < 20);
    }
    assert.ok(polls.length >= 2, 'a backlog of 40 with pages of 7 takes more than one poll');
    for (const p of polls) assert.deepEqual(new Set(p.flags), new Set([p.more ? true : undefined]));
    assert.equal(polls.reduce((n, p) => n + p.flags.length, 0), 40);
  });

  for (const burst of ['inserts', 'updates in random id order', 'updates in id order'] as const) {
    it(`a burst of ${burst} is read once: at most 1.1 rows per change, the idle page size again afterwards`, async function () {
      const N = 300;
      const next = random(7);
      let ids: number[];
      if (burst === 'inserts') ids = [];
      else {
        ids = Array.from({ length: N }, (_, i) => sim.db.insert(CAL, termin(`U${i}`)).fldID as number);
        await catchUp();
        if (burst === 'updates in random id order') {
          for (let i = ids.length - 1; i > 0; i--) {
            const j = Math.floor(next() * (i + 1));
            [ids[i], ids[j]] = [ids[j], ids[i]];
          }
        }
      }
      const rowsBefore = changedRows();
      const requestsBefore = sim.stats().requests;
      const emittedBefore = run.emitted.length;
      if (burst === 'inserts') for (let i = 0; i < N; i++) sim.db.insert(CAL, termin(`I${i}`));
      else for (const id of ids) sim.db.modify(CAL, id, { fldOrt: 'Hamburg' });
      const polls = await catchUp();
      const rows = changedRows() - rowsBefore;
      const requests = sim.stats().requests - requestsBefore;
      assert.equal(run.emitted.length - emittedBefore, N, 'every change emitted once');
      assert.ok(rows / N <= 1.1, `${rows} rows read for ${N} changes`);
      // 7 rows on a first page, then catch-up pages of 28 (4 × the page size).
      assert.ok(requests <= 2 * Math.ceil(N / 28) + 2, `${requests} requests in ${polls} polls`);

      const idle = sim.requestLog.length;
      await run.feed.poll({});
      const log = sim.requestLog.slice(idle);
      assert.equal(log.length, 1, 'an idle poll is one request');
      assert.match(log[0].query, /tblCalendar: tblCalendar \{ conRead\(first: 7,/, 'with the idle page size');
    });
  }

  it('the sync loop reads a backlog in passes that follow at once, without a deletion check every few passes', async function () {
    run.close();
    run = startFeed(sim, path.join(tempDir(), 'buero-sync.sqlite'), { pageSize: 5, catchUpPageSize: 5 });
    const deletions: boolean[] = [];
    const failures: string[] = [];
    const feed: PollingFeed = {
      poll: (o) => {
        deletions.push(Boolean(o.deletions));
        return run.feed.poll(o);
      },
      backfill: (o) => run.feed.backfill(o),
      get pending() {
        return run.feed.pending;
      },
    };
    loop = new SyncLoop({
      feed, endpoint: sim.baseUrl, intervalMs: 60_000, autoSync: false, deletionEvery: 2,
      onStatus: () => undefined, event: () => undefined, error: (e) => failures.push(e.message),
    });
    loop.start();
    await loop.syncNow(); // the baseline
    for (let i = 0; i < 60; i++) sim.db.insert(CAL, termin(`K${i}`));
    loop.resume();
    await until(() => run.emitted.length === 60, 'the backlog');
    assert.ok(deletions.length >= 12, `read in ${deletions.length - 1} passes`);
    assert.deepEqual(deletions.slice(1).filter(Boolean), [], 'no deletion check within one interval');
    assert.deepEqual(failures, []);
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { BueroCode } from '../../lib/error-codes';
import { type LoopStatus, SyncLoop } from '../../lib/buero/sync-loop';
import type { SyncError } from '../../lib/errors';
import type { SyncEvent } from '../../lib/log/events';
import { type FeedRun, type Sim, startFeed, startSim, tempDir, until } from './support/harness';

describe('büro+ sync loop: polling, outages, pause and sync-now (simulator over HTTP)', function () {
  this.timeout(30_000);
  let sim: Sim;
  let run: FeedRun;
  let loop: SyncLoop;
  let statuses: LoopStatus[];
  let events: SyncEvent[];
  let errors: SyncError[];

  const termin = (subject: string) => ({ fldArt: 'Termin', fldBzrNr: 1, fldKurzInfo: subject, fldBeginn: '2026-10-25T02:30:00', fldEnde: '2026-10-25T03:30:00' });

  beforeEach(async function () {
    sim = await startSim();
    run = startFeed(sim, path.join(tempDir(), 'buero-sync.sqlite'));
    statuses = [];
    events = [];
    errors = [];
  });

  afterEach(async function () {
    await loop?.stop();
    run.close();
    await sim.close();
  });

  const startLoop = (autoSync = true) => {
    loop = new SyncLoop({
      feed: run.feed,
      endpoint: sim.baseUrl,
      intervalMs: 40,
      autoSync,
      deletionEvery: 2,
      backoff: { baseMs: 20, maxMs: 80 },
      onStatus: (s) => statuses.push(s),
      event: (e) => events.push(e),
      error: (e) => errors.push(e),
    });
    loop.start();
  };

  it('büro+ down for a while, then back: one outage line each way, everything caught up', async function () {
    startLoop();
    await until(() => statuses.some((s) => s.state === 'idle'), 'the first poll');
    assert.deepEqual(events.filter((e) => e.type === 'connection').map((e) => (e as { ok: boolean }).ok), [true]);
    await sim.stop();
    const during = ['A', 'B', 'C'].map((s) => sim.db.insert('tblCalendar', termin(s)).fldID);
    await until(() => statuses.filter((s) => s.state === 'outage').length >= 5, 'several failed polls');
    // For monitoring: since when büro+ fails, how often in a row, the next try; the last success stays.
    const failing = loop.health;
    assert.ok(failing.failures >= 4 && failing.failingSince! > failing.lastSuccessAt!, JSON.stringify(failing));
    assert.ok(failing.retryAt! >= failing.failingSince!);
    sim.db.delete('tblCalendar', during[2] as number);
    const later = sim.db.insert('tblCalendar', termin('D')).fldID;
    const outage = events.filter((e) => e.type === 'outage');
    assert.equal(outage.length, 1, 'one line when the outage begins, not one per poll');
    assert.equal((outage[0] as { phase: string }).phase, 'begin');
    assert.match((outage[0] as { reason: string }).reason, /cannot be reached/);
    assert.equal((outage[0] as { code?: string }).code, BueroCode.unreachable, 'the code the log takes its plain words from');
    assert.equal(errors.length, 0, 'an outage is not an error per poll');

    await sim.start();
    await until(() => events.some((e) => e.type === 'outage' && e.phase === 'end'), 'the end of the outage');
    await until(() => run.emitted.length >= 3, 'the changes made meanwhile');
    assert.deepEqual(run.emitted.map((m) => m.payload.id), [during[0], during[1], later]);
    assert.equal(events.filter((e) => e.type === 'outage').length, 2);
    assert.equal(events.filter((e) => e.type === 'connection' && e.ok).length, 2, 'connected, and connected again');
    const back = loop.health;
    assert.deepEqual([back.failures, back.failingSince, back.retryAt], [0, undefined, undefined]);
    assert.ok(back.lastSuccessAt! > failing.failingSince!);
  });

  it('pause stops polling, sync-now polls once, resume polls again; automatic sync off starts paused', async function () {
    startLoop(false);
    assert.equal(statuses.at(-1)?.state, 'paused');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(run.conn.client.requests, 0, 'automatic sync off: no poll');
    await loop.syncNow();
    const baselineRequests = run.conn.client.requests;
    sim.db.insert('tblCalendar', termin('A'));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(run.emitted.length, 0);
    await loop.syncNow();
    assert.equal(run.emitted.length, 1);
    assert.ok(run.conn.client.requests > baselineRequests);
    loop.resume();
    sim.db.insert('tblCalendar', termin('B'));
    await until(() => run.emitted.length === 2, 'the next automatic poll');
    loop.pause();
    await new Promise((r) => setTimeout(r, 60));
    const requests = run.conn.client.requests;
    sim.db.insert('tblCalendar', termin('C'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(run.conn.client.requests, requests, 'paused: no request');
    assert.equal(run.emitted.length, 2);
    assert.equal(statuses.at(-1)?.state, 'paused');
  });

  it('waiting for acknowledgements: the next poll goes as soon as they come, not an interval later', async function () {
    run.close();
    run = startFeed(sim, path.join(tempDir(), 'buero-sync.sqlite'), { maxPending: 2, readyForMore: () => loop.readyForMore() });
    loop = new SyncLoop({
      feed: run.feed, endpoint: sim.baseUrl, intervalMs: 60_000, autoSync: true,
      onStatus: (s) => statuses.push(s), event: (e) => events.push(e), error: (e) => errors.push(e),
    });
    loop.start();
    await until(() => statuses.some((s) => s.state === 'idle'), 'the first poll (baseline)');
    for (const s of ['A', 'B', 'C']) sim.db.insert('tblCalendar', termin(s));
    await loop.syncNow();
    assert.equal(run.emitted.length, 3);
    sim.db.insert('tblCalendar', termin('D'));
    await loop.syncNow();
    assert.equal(loop.status.state, 'waiting-acks');
    assert.equal(run.emitted.length, 3);
    run.ackAll();
    // The interval is a minute: only the acknowledgements can bring D this soon.
    await until(() => run.emitted.length === 4, 'D, read once the acknowledgements came');
    assert.equal(run.emitted[3].payload.record?.fldKurzInfo, 'D');
  });

  it('an error that polling cannot fix is reported once and shown, not repeated per poll', async function () {
    run.close();
    run = startFeed(sim, path.join(tempDir(), 'buero-sync.sqlite'), { fields: { users: { mailbox: 'fldPostfach' } } });
    startLoop();
    await until(() => statuses.filter((s) => s.state === 'error').length >= 3, 'repeated failures');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, BueroCode.unknownField);
    assert.match(errors[0].message, /fldPostfach on type User: change the setting büro\+ connection → field names → users\.mailbox/);
    assert.equal(events.filter((e) => e.type === 'connection' && !e.ok).length, 1);
  });

  it('a wrong Mandant stops the loop for good', async function () {
    run.close();
    run = startFeed(sim, path.join(tempDir(), 'buero-sync.sqlite'), { mandant: 7 });
    startLoop();
    await until(() => statuses.some((s) => s.state === 'stopped'), 'the stop');
    const requests = sim.stats().requests;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sim.stats().requests, requests, 'no further polls');
    assert.equal(errors[0].code, BueroCode.mandantMismatch);
  });
});

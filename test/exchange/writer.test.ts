import assert from 'node:assert/strict';
import { ExchangeWriter, type WriteOutcome, type WriterOptions } from '../../lib/exchange/writer';
import { ExchangeCode, WriterCode } from '../../lib/error-codes';
import { ExchangeError } from '../../lib/exchange/errors';
import type { SyncEvent } from '../../lib/log/events';
import { openStateDb } from '../../lib/state/db';
import { IdMap } from '../../lib/state/id-map';
import { WriteQueue } from '../../lib/state/write-queue';
import { FakeTransport, busy, conflict, notFound, rejected, unavailable } from './fake-transport';
import { appointment, contact, fakeClock, remove, task, tempStateFile, upsert } from './support';

// The writer engine with a fake transport, a fake clock and a real SQLite file: batching,
// concurrency, retries and the id map, with exact times.
describe('exchange writer engine (fake transport, injected clock)', function () {
  let files: ReturnType<typeof tempStateFile>;
  let clock: ReturnType<typeof fakeClock>;
  let transport: FakeTransport;
  let outcomes: WriteOutcome[];
  let events: SyncEvent[];
  const writers: ExchangeWriter[] = [];
  const dbs: ReturnType<typeof openStateDb>[] = [];

  function makeWriter(options: Partial<WriterOptions> = {}): ExchangeWriter {
    const db = openStateDb(files.file);
    dbs.push(db);
    const w = new ExchangeWriter({
      transport, db, owner: 'writer-1', clock, random: () => 0.5,
      onOutcome: (o) => outcomes.push(o), onEvent: (e) => events.push(e), ...options,
    });
    writers.push(w);
    return w;
  }

  const actions = () => outcomes.map((o) => (o.ok ? `${o.message.key}:${o.action}` : `${o.message.key}:error:${o.error.code}`));

  beforeEach(function () {
    files = tempStateFile();
    clock = fakeClock();
    transport = new FakeTransport(clock.now);
    outcomes = [];
    events = [];
  });

  afterEach(async function () {
    for (const w of writers.splice(0)) await w.close(0);
    for (const db of dbs.splice(0)) db.close();
    files.cleanup();
  });

  describe('batching', function () {
    it('sends 100 creates for one mailbox in 2 requests of 50, without waiting for the flush delay', async function () {
      const w = makeWriter();
      for (let i = 0; i < 100; i++) w.enqueue(upsert(`k${i}`, appointment({ subject: `Termin ${i}` })));
      await clock.tick(0);
      assert.deepEqual(transport.ops(), ['create:50', 'create:50']);
      assert.equal(outcomes.filter((o) => o.ok && o.action === 'created').length, 100);
    });

    it('holds a small batch for the flush delay (200 ms) so more changes can join it', async function () {
      const w = makeWriter();
      w.enqueue(upsert('a', appointment()));
      await clock.tick(100);
      w.enqueue(upsert('b', appointment()));
      await clock.tick(99);
      assert.deepEqual(transport.ops(), [], 'nothing is sent before the first change waited 200 ms');
      await clock.tick(1);
      assert.deepEqual(transport.ops(), ['create:2']);
    });

    it('a catch-up (changes saying more follows) fills its batches: 120 changes in two pages go out in 3 creates, not 4', async function () {
      const w = makeWriter();
      const page = (from: number, more: boolean) =>
        w.enqueueMany(Array.from({ length: 60 }, (_, i) => upsert(`c${from + i}`, appointment(), more ? { more: true } : {})));
      page(0, true);
      await clock.tick(0);
      assert.deepEqual(transport.ops(), ['create:50'], 'the full batch goes at once');
      await clock.tick(1000);
      assert.deepEqual(transport.ops(), ['create:50'], 'the 10 left wait for the next page, well past the flush delay');
      page(60, false);
      await clock.tick(0);
      assert.deepEqual(transport.ops(), ['create:50', 'create:50'], 'the 10 that waited fill the next batch');
      await clock.tick(200);
      assert.deepEqual(transport.ops(), ['create:50', 'create:50', 'create:20'], 'the last page says no more: the rest goes after the flush delay');
      assert.equal(outcomes.length, 120);
    });

    it('a catch-up whose next page does not come: the batch not yet full goes after the burst hold', async function () {
      const w = makeWriter({ burstHoldMs: 3000 });
      w.enqueueMany(Array.from({ length: 10 }, (_, i) => upsert(`h${i}`, appointment(), { more: true })));
      await clock.tick(2999);
      assert.deepEqual(transport.ops(), []);
      await clock.tick(1);
      assert.deepEqual(transport.ops(), ['create:10']);
    });

    it('groups per mailbox and kind, honours batch size and flush delay settings', async function () {
      const w = makeWriter({ batchSize: 3, flushDelayMs: 50 });
      for (let i = 0; i < 4; i++) w.enqueue(upsert(`a${i}`, appointment()));
      w.enqueue(upsert('t1', task()));
      w.enqueue(upsert('b1', appointment(), { mailbox: 'bernd@firma.de' }));
      await clock.tick(0);
      assert.deepEqual(transport.ops(), ['create:3'], 'only the full batch goes at once');
      await clock.tick(50);
      const calls = transport.calls.map((c) => `${c.mailbox}/${c.kind}/${c.keys.length}`).sort();
      assert.deepEqual(calls, ['anna.meier@firma.de/appointment/1', 'anna.meier@firma.de/appointment/3', 'anna.meier@firma.de/task/1', 'bernd@firma.de/appointment/1']);
    });

    it('caps concurrent requests overall and per mailbox', async function () {
      transport = new FakeTransport(clock.now, () => new Promise((r) => clock.setTimeout(r, 1000)));
      const w = makeWriter({ batchSize: 1, maxConcurrent: 3, maxConcurrentPerMailbox: 2 });
      for (let i = 0; i < 6; i++) w.enqueue(upsert(`a${i}`, appointment(), { mailbox: 'a@firma.de' }));
      for (let i = 0; i < 6; i++) w.enqueue(upsert(`b${i}`, appointment(), { mailbox: 'b@firma.de' }));
      await clock.tick(10_000);
      assert.equal(outcomes.length, 12);
      assert.equal(transport.maxInFlight, 3);
      assert.equal(transport.maxInFlightByMailbox, 2);
    });
  });

  describe('content hash and fields', function () {
    it('sends nothing for an upsert whose content did not change', async function () {
      const w = makeWriter();
      w.enqueue(upsert('k', appointment()));
      await clock.tick(200);
      w.enqueue(upsert('k', appointment(), { version: '2' }));
      await clock.tick(200);
      assert.deepEqual(transport.ops(), ['create:1']);
      assert.deepEqual(actions(), ['k:created', 'k:unchanged']);
    });

    it('updates only the fields that changed, never those in keep', async function () {
      const w = makeWriter();
      w.enqueue(upsert('k', appointment()));
      await clock.tick(200);
      w.enqueue(upsert('k', appointment({ subject: 'Neu', location: undefined, body: { format: 'text', content: 'anders' } }),
        { version: '2', keep: ['body'] }));
      await clock.tick(200);
      assert.deepEqual(transport.calls[1].fields, [['location', 'subject']]);
      // Only the kept field differs now: nothing to send.
      w.enqueue(upsert('k', appointment({ subject: 'Neu', location: undefined, body: { format: 'text', content: 'noch anders' } }),
        { version: '3', keep: ['body'] }));
      await clock.tick(200);
      assert.deepEqual(transport.ops(), ['create:1', 'update:1']);
      assert.deepEqual(actions(), ['k:created', 'k:updated', 'k:unchanged']);
    });

    it('skips a change older than the version already written', async function () {
      const w = makeWriter();
      w.enqueue(upsert('k', appointment(), { version: '900' }));
      await clock.tick(200);
      w.enqueue(upsert('k', appointment({ subject: 'alt' }), { version: '899' }));
      await clock.tick(200);
      assert.deepEqual(actions(), ['k:created', 'k:skipped']);
      assert.deepEqual(transport.ops(), ['create:1']);
    });

    it('writes the newest of several queued changes for one key once', async function () {
      const w = makeWriter();
      w.enqueue(upsert('k', appointment({ subject: 'v1' }), { version: '1' }));
      w.enqueue(upsert('k', appointment({ subject: 'v3' }), { version: '3' }));
      w.enqueue(upsert('k', appointment({ subject: 'v2' }), { version: '2' }));
      await clock.tick(200);
      assert.deepEqual(transport.ops(), ['create:1']);
      assert.equal((transport.items('anna.meier@firma.de').get('k')!.item as { subject: string }).subject, 'v3');
      assert.deepEqual(actions(), ['k:created', 'k:created', 'k:created']);
    });

    it('deletes a written item; a delete of a key never written needs no request', async function () {
      const w = makeWriter();
      w.enqueue(upsert('k', contact()));
      await clock.tick(200);
      w.enqueue(remove('k', 'contact'));
      w.enqueue(remove('never', 'contact'));
      await clock.tick(200);
      assert.deepEqual(transport.ops(), ['create:1', 'delete:1']);
      assert.deepEqual(actions().sort(), ['k:created', 'k:deleted', 'never:deleted']);
      assert.equal(new IdMap(dbs[0]).get('anna.meier@firma.de', 'k'), undefined);
    });
  });

  describe('faults', function () {
    it('ErrorServerBusy: no call to that mailbox before BackOffMilliseconds; other mailboxes go on', async function () {
      const w = makeWriter();
      transport.plan('create', { throw: busy(30_000) }, 'anna.meier@firma.de');
      w.enqueue(upsert('a', appointment()));
      w.enqueue(upsert('b', appointment(), { mailbox: 'bernd@firma.de' }));
      await clock.tick(200);
      const failedAt = clock.now();
      w.enqueue(upsert('a2', appointment()));
      await clock.tick(29_999);
      const annaCalls = transport.calls.filter((c) => c.mailbox === 'anna.meier@firma.de');
      assert.equal(annaCalls.length, 1, 'anna is not called again inside the back-off');
      assert.ok(outcomes.some((o) => o.message.key === 'b'), 'bernd was written meanwhile');
      await clock.tick(3001); // BackOffMilliseconds plus at most 10 % jitter
      const retry = transport.calls.filter((c) => c.mailbox === 'anna.meier@firma.de')[1];
      assert.ok(retry && retry.at - failedAt >= 30_000, `retried ${retry && retry.at - failedAt} ms after the fault`);
      assert.deepEqual(retry.keys.sort(), ['a', 'a2']);
      assert.deepEqual(actions().sort(), ['a2:created', 'a:created', 'b:created']);
    });

    it('an item-level ErrorServerBusy holds back only that item; its batch mates are written', async function () {
      const w = makeWriter();
      transport.plan('create', { itemErrors: { b: busy(5000) } });
      w.enqueue(upsert('a', appointment()));
      w.enqueue(upsert('b', appointment()));
      w.enqueue(upsert('c', appointment()));
      await clock.tick(200);
      assert.deepEqual(actions(), ['a:created', 'c:created']);
      await clock.tick(5600);
      assert.deepEqual(actions(), ['a:created', 'c:created', 'b:created']);
    });

    it('503 and broken connections: exponential backoff with jitter, one outage event per state change', async function () {
      const w = makeWriter({ backoff: { baseMs: 1000, maxMs: 60_000 } });
      for (let i = 0; i < 3; i++) transport.plan('create', { throw: unavailable() });
      w.enqueue(upsert('k', appointment()));
      await clock.tick(200);
      const t0 = clock.now();
      await clock.tick(60_000);
      const times = transport.calls.map((c) => c.at - t0);
      // random() = 0.5: waits of 0.75 s, 1.5 s, 3 s (half the step for sure, half random).
      assert.deepEqual(times, [0, 750, 2250, 5250]);
      assert.deepEqual(actions(), ['k:created']);
      const kinds = events.map((e) => `${e.type}:${'phase' in e ? e.phase : e.type === 'connection' ? e.ok : ''}`);
      assert.deepEqual(kinds, ['connection:false', 'outage:begin', 'outage:end', 'connection:true']);
      // The failing ones carry the code the log takes its plain words from.
      assert.deepEqual(events.slice(0, 2).map((e) => 'code' in e && e.code), [ExchangeCode.unavailable, ExchangeCode.unavailable]);
    });

    it('ErrorIrresolvableConflict: re-reads the ChangeKey and writes again', async function () {
      const w = makeWriter();
      w.enqueue(upsert('k', appointment()));
      await clock.tick(200);
      transport.plan('update', { itemErrors: { k: conflict() } });
      w.enqueue(upsert('k', appointment({ subject: 'neu' }), { version: '2' }));
      await clock.tick(1000);
      assert.deepEqual(transport.ops(), ['create:1', 'update:1', 'refresh:1', 'update:1']);
      assert.deepEqual(actions(), ['k:created', 'k:updated']);
    });

    it('ErrorItemNotFound on update re-creates the item (default)', async function () {
      const w = makeWriter();
      w.enqueue(upsert('k', appointment()));
      await clock.tick(200);
      transport.items('anna.meier@firma.de').delete('k'); // deleted in Outlook
      w.enqueue(upsert('k', appointment({ subject: 'neu' }), { version: '2' }));
      await clock.tick(1000);
      assert.deepEqual(transport.ops(), ['create:1', 'update:1', 'create:1']);
      assert.deepEqual(actions(), ['k:created', 'k:recreated']);
    });

    it('ErrorItemNotFound on update is skipped when so set; on delete it counts as done', async function () {
      const w = makeWriter({ onItemNotFound: 'skip' });
      w.enqueue(upsert('k', appointment()));
      w.enqueue(upsert('j', task()));
      await clock.tick(200);
      transport.items('anna.meier@firma.de').clear();
      w.enqueue(upsert('k', appointment({ subject: 'neu' }), { version: '2' }));
      w.enqueue(remove('j', 'task'));
      await clock.tick(1000);
      assert.deepEqual(actions().sort(), ['j:created', 'j:deleted', 'k:created', 'k:skipped']);
      assert.equal(transport.calls.filter((c) => c.op === 'create').length, 2, 'nothing re-created');
    });

    it('an item Exchange rejects fails alone, naming the key; the others in its batch are written', async function () {
      const w = makeWriter();
      transport.plan('create', { itemErrors: { b: rejected() } });
      for (const k of ['a', 'b', 'c']) w.enqueue(upsert(k, appointment()));
      await clock.tick(200);
      assert.deepEqual(actions(), ['a:created', `b:error:${ExchangeCode.itemRejected}`, 'c:created']);
      const failed = outcomes.find((o) => !o.ok)!;
      assert.ok(!failed.ok && failed.error.record === 'b');
      assert.equal(new WriteQueue(dbs[0]).count('writer-1'), 0, 'the rejected change left the queue');
    });

    it('a batch rejected as a whole is split, so one bad item does not hold back the rest', async function () {
      const w = makeWriter();
      const whole = new ExchangeError(ExchangeCode.requestRejected, 'schema', { retryable: false });
      transport.plan('create', { throw: whole });
      transport.plan('create', { throw: whole });
      for (const k of ['a', 'b', 'c']) w.enqueue(upsert(k, appointment()));
      await clock.tick(1000);
      assert.deepEqual(transport.ops(), ['create:3', 'create:1', 'create:1', 'create:1']);
      assert.deepEqual(actions().sort(), [`a:error:${ExchangeCode.requestRejected}`, 'b:created', 'c:created']);
    });
  });

  describe('durability', function () {
    it('a backlog longer than the memory window waits in SQLite and is written in order; memory stays within the window', async function () {
      const w = makeWriter({ memoryWindow: 20, batchSize: 5, maxConcurrent: 1 });
      let most = 0;
      const sample = () => { most = Math.max(most, w.stats().inMemory); };
      // 60 contacts, then a second version of each: the second ones arrive while the first wait.
      for (let i = 0; i < 60; i++) { w.enqueue(upsert(`k${i}`, contact({ surname: `Alt ${i}` }), { version: '1' })); sample(); }
      for (let i = 0; i < 60; i++) { w.enqueue(upsert(`k${i}`, contact({ surname: `Neu ${i}` }), { version: '2' })); sample(); }
      assert.equal(w.stats().queued, 120, 'every change is counted, in memory or not');
      assert.ok(w.stats().inMemory <= 20);
      for (let round = 0; round < 200 && outcomes.length < 120; round++) {
        await clock.tick(250);
        sample();
      }
      assert.equal(outcomes.length, 120, 'every change done');
      assert.ok(most <= 20, `at most 20 changes in memory (saw ${most})`);
      const items = transport.items('anna.meier@firma.de');
      assert.equal(items.size, 60);
      for (let i = 0; i < 60; i++) assert.equal((items.get(`k${i}`)!.item as { surname: string }).surname, `Neu ${i}`, `k${i} ends with its latest version`);
      assert.equal(new WriteQueue(dbs[0]).count('writer-1'), 0);
    });

    it('a catch-up wider than the window: batches go at their mailbox\'s share of the window, not after the burst hold', async function () {
      // 20 in memory across 4 mailboxes: 5 each, half a batch; the rest waits in SQLite.
      const w = makeWriter({ memoryWindow: 20, batchSize: 10 });
      const boxes = ['a@firma.de', 'b@firma.de', 'c@firma.de', 'd@firma.de'];
      w.enqueueMany(Array.from({ length: 80 }, (_, i) => upsert(`s${i}`, appointment(), { mailbox: boxes[i % 4], more: true })));
      for (let t = 0; t < 100; t++) await clock.tick(10);
      // The last 20 fit in memory: they wait for the next page (the burst hold), as in any catch-up.
      assert.equal(outcomes.length, 60, 'all that waited in SQLite written within a second, not after the burst hold of 10 s');
      const sizes = transport.calls.map((c) => c.keys.length);
      assert.ok(sizes.length <= 16, `about one request per share of 5 (${sizes.join(' ')})`);
      await clock.tick(10_000);
      assert.equal(outcomes.length, 80);
    });

    it('a mailbox that keeps failing does not hold back the backlog of the others', async function () {
      const w = makeWriter({ memoryWindow: 10, backoff: { baseMs: 60_000, maxMs: 600_000 } });
      const broken = 'bernd.schulz@firma.de';
      for (let n = 0; n < 20; n++) transport.plan('create', { throw: new ExchangeError(ExchangeCode.impersonation, 'no right for this mailbox', { scope: 'mailbox', retryable: true }) }, broken);
      for (let i = 0; i < 15; i++) w.enqueue(upsert(`b${i}`, appointment(), { mailbox: broken }));
      for (let i = 0; i < 15; i++) w.enqueue(upsert(`a${i}`, appointment()));
      for (let round = 0; round < 40 && outcomes.length < 15; round++) await clock.tick(250);
      assert.deepEqual(actions().sort(), Array.from({ length: 15 }, (_, i) => `a${i}:created`).sort(), 'the working mailbox is written');
      assert.equal(w.stats().queued, 15, 'the broken mailbox\'s changes wait');
      // What the acknowledgements are paced by: a mailbox that fails for hours must not stop
      // the change source for the others.
      assert.equal(w.writable, 0, 'changes waiting out their mailbox\'s back-off are not counted as writable');
    });

    it('a long backlog left by the last run is read in window by window after a restart', async function () {
      const w = makeWriter({ memoryWindow: 10 });
      transport.plan('create', { hang: true });
      for (let i = 0; i < 35; i++) w.enqueue(upsert(`r${i}`, appointment({ subject: `Termin ${i}` })));
      await clock.tick(250);
      assert.deepEqual(transport.ops(), ['create:10'], 'the first window went out (and hangs)');
      await w.close(0);
      outcomes = [];
      const again = makeWriter({ memoryWindow: 10 });
      assert.equal(again.start(), 35, 'all 35 were waiting');
      assert.ok(again.stats().inMemory <= 10);
      for (let round = 0; round < 100 && outcomes.length < 35; round++) await clock.tick(250);
      assert.deepEqual(actions().sort(), Array.from({ length: 35 }, (_, i) => `r${i}:created`).sort());
    });

    it('a queued change this version cannot read is reported and dropped when its turn comes; the others are written', async function () {
      const db = openStateDb(files.file);
      dbs.push(db);
      const queue = new WriteQueue(db);
      const good = (key: string) => JSON.stringify(upsert(key, appointment()));
      for (const [key, message] of [['u1', good('u1')], ['u2', '{"action":"upsert","kind":"appointment"'], ['u3', good('u3')]]) {
        queue.add({ owner: 'writer-1', mailbox: 'anna.meier@firma.de', key, kind: 'appointment', action: 'upsert', message, enqueuedAt: 0 });
      }
      const w = makeWriter({ memoryWindow: 10 });
      assert.equal(w.start(), 3);
      for (let round = 0; round < 20 && outcomes.length < 2; round++) await clock.tick(250);
      assert.deepEqual(actions().sort(), ['u1:created', 'u3:created']);
      assert.equal(w.stats().lastError?.code, WriterCode.queueUnreadable);
      assert.equal(queue.count('writer-1'), 0, 'the unreadable change is not retried forever');
    });

    it('a change for 22 mailboxes read back from SQLite: each mailbox gets the item, held once in memory', async function () {
      const boxes = Array.from({ length: 22 }, (_, i) => `user${i}@firma.de`);
      const w = makeWriter({ memoryWindow: 22 });
      transport.plan('create', { hang: true });
      w.enqueue(upsert('first', appointment()));
      await clock.tick(250);
      // The window is full with the hanging create's neighbours: the fan-out waits in SQLite.
      const { mailbox: _m, key: _k, ...rest } = upsert('x', contact({ surname: 'Geteilt' }));
      for (let n = 0; n < 2; n++) w.enqueue({ ...rest, targets: boxes.map((mailbox) => ({ mailbox, key: `c${n}:${mailbox}` })) });
      for (let round = 0; round < 40 && outcomes.filter((o) => o.message.kind === 'contact').length < 44; round++) await clock.tick(250);
      const written = boxes.map((b) => transport.items(b).get(`c1:${b}`)!.item as { surname: string });
      assert.ok(written.every((item) => item.surname === 'Geteilt'), 'every mailbox got the contact');
      assert.equal(new Set(written).size, 1, 'one item object for the 22 rows of one change');
    });

    it('an item changed by the flow after it was sent: what was sent is written, the next message with the same object is its own', async function () {
      const w = makeWriter();
      const item = appointment({ subject: 'Erst' });
      w.enqueue(upsert('m1', item));
      item.subject = 'Danach';
      w.enqueue(upsert('m2', item));
      await clock.tick(250);
      const stored = transport.items('anna.meier@firma.de');
      assert.equal((stored.get('m1')!.item as { subject: string }).subject, 'Erst');
      assert.equal((stored.get('m2')!.item as { subject: string }).subject, 'Danach');
    });

    it('keeps what is queued across a restart and writes it then', async function () {
      const w = makeWriter();
      transport.plan('create', { hang: true });
      w.enqueue(upsert('a', appointment()));
      w.enqueue(upsert('b', appointment()));
      await clock.tick(200);
      await w.close(0);
      assert.equal(new WriteQueue(dbs[0]).count('writer-1'), 2);
      outcomes = [];
      const again = makeWriter();
      assert.equal(again.start(), 2);
      await clock.tick(250);
      // They were being created when the writer stopped: searched first, then created once.
      assert.deepEqual(transport.ops(), ['create:2', 'find:2', 'create:2']);
      assert.deepEqual(actions().sort(), ['a:created', 'b:created']);
      assert.equal(new WriteQueue(dbs[1]).count('writer-1'), 0);
    });

    it('a create that reached Exchange before a crash is found by its key, not created again', async function () {
      const w = makeWriter();
      // Exchange creates the item, but the answer never arrives (the process dies).
      transport.plan('create', { hang: true });
      w.enqueue(upsert('k', appointment()));
      await clock.tick(200);
      transport.items('anna.meier@firma.de').set('k', { ref: { itemId: 'id-x', changeKey: 'ck' }, item: appointment() });
      await w.close(0);
      outcomes = [];
      makeWriter().start();
      await clock.tick(200);
      assert.deepEqual(transport.ops(), ['create:1', 'find:1']);
      assert.deepEqual(actions(), ['k:created']);
      assert.equal(new IdMap(dbs[1]).get('anna.meier@firma.de', 'k')?.itemId, 'id-x');
    });

    it('rejects a message that breaks the contract at once, naming key and field, queueing nothing', function () {
      const w = makeWriter();
      assert.throws(() => w.enqueue(upsert('k', appointment({ start: '2026-03-30 09:00' }))), (err: Error & { field?: string; record?: string }) => {
        assert.equal(err.field, 'item.start');
        assert.equal(err.record, 'k');
        return true;
      });
      assert.equal(new WriteQueue(dbs[0]).count('writer-1'), 0);
    });
  });

  it('stats show the queue and the last error', async function () {
    const w = makeWriter();
    transport.plan('create', { throw: unavailable() });
    w.enqueue(upsert('k', appointment()));
    assert.equal(w.stats().queued, 1);
    await clock.tick(200);
    assert.equal(w.stats().queued, 1);
    assert.equal(w.stats().outage, true);
    assert.equal(w.stats().lastError?.code, ExchangeCode.unavailable);
    await clock.tick(5000);
    assert.equal(w.stats().queued, 0);
    assert.equal(w.stats().outage, false);
  });

  it('stats for monitoring: Exchange and each mailbox with the last success, since when they fail, the back-off and the error', async function () {
    const w = makeWriter({ backoff: { baseMs: 60_000, maxMs: 600_000 } });
    const start = clock.now();
    const anna = 'anna.meier@firma.de';
    const broken = 'bernd.schulz@firma.de';
    w.enqueue(upsert('a1', appointment()));
    await clock.tick(250);
    let s = w.stats();
    assert.deepEqual(s.endpoint, { failures: 0, lastSuccessAt: start + 200, failingSince: undefined, retryAt: undefined, error: undefined });
    assert.deepEqual(s.mailboxes, [{ mailbox: anna, failures: 0, lastSuccessAt: start + 200, failingSince: undefined, retryAt: undefined, error: undefined }]);

    // One mailbox refuses (impersonation): it fails and waits; Exchange and the other mailbox are fine.
    transport.plan('create', { throw: new ExchangeError(ExchangeCode.impersonation, 'no right for bernd.schulz@firma.de', { scope: 'mailbox', retryable: true }) }, broken);
    w.enqueue(upsert('b1', appointment(), { mailbox: broken }));
    await clock.tick(250);
    s = w.stats();
    const bernd = s.mailboxes.find((m) => m.mailbox === broken)!;
    assert.equal(bernd.failures, 1);
    assert.equal(bernd.failingSince, start + 450);
    assert.equal(bernd.lastSuccessAt, undefined);
    assert.ok(bernd.retryAt! > clock.now(), 'a back-off is waiting');
    assert.deepEqual(bernd.error, { code: ExchangeCode.impersonation, message: 'no right for bernd.schulz@firma.de' });
    assert.equal(s.endpoint.failingSince, undefined);

    // Exchange down: the endpoint fails since the first failed call; a success clears it.
    transport.plan('create', { throw: unavailable() });
    w.enqueue(upsert('a2', appointment()));
    await clock.tick(250);
    s = w.stats();
    assert.equal(s.endpoint.failingSince, start + 700);
    assert.equal(s.endpoint.error?.code, ExchangeCode.unavailable);
    assert.ok(s.endpoint.retryAt! > clock.now());
    await clock.tick(s.endpoint.retryAt! - clock.now() + 250);
    s = w.stats();
    assert.deepEqual([s.endpoint.failures, s.endpoint.failingSince, s.endpoint.error], [0, undefined, undefined]);
    assert.ok(s.endpoint.lastSuccessAt! > start + 700);
  });

  it('a thrown not-found for a find is reported, not swallowed', async function () {
    const w = makeWriter();
    transport.plan('create', { hang: true });
    w.enqueue(upsert('k', appointment()));
    await clock.tick(200);
    await w.close(0);
    transport.plan('find', { throw: notFound('k') });
    outcomes = [];
    makeWriter().start();
    await clock.tick(200);
    assert.deepEqual(actions(), [`k:error:${ExchangeCode.itemNotFound}`]);
  });
});

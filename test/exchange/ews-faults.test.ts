import assert from 'node:assert/strict';
import { ExchangeCode } from '../../lib/error-codes';
import type { EwsSimulator } from '../../sandbox/ews';
import { ANNA, BERND, NO_RIGHTS, assertCleanTraffic, byKey, harness, onPrem, only, startSim, until, type Harness } from './ews-support';
import { appointment, remove, upsert } from './support';

// Every fault the issue names, injected in the EWS simulator, and the writer's recovery:
// throttling, 503, broken connections, outages, conflicts, items deleted in Outlook, and
// mailboxes the account may not (or cannot yet) write. Nothing lost, nothing twice.
describe('Exchange writer over EWS: faults and recovery', function () {
  this.timeout(60_000);
  let sim: EwsSimulator;
  let h: Harness | undefined;
  let onTrace: (direction: 'request' | 'response', body: string) => void = () => undefined;
  let script: number[] = [];

  before(async function () {
    sim = await startSim({
      trace: (d, b) => onTrace(d, b),
      // Fault chances draw from this; a test scripts the first draws, the rest never fault.
      random: () => script.shift() ?? 0.999,
    });
  });
  beforeEach(function () {
    onTrace = () => undefined;
    script = [];
    Object.assign(sim.faults, { serverBusyRate: 0, http503Rate: 0, dropConnectionRate: 0, unreachable: false, serverBusyAs: 'fault' });
  });
  afterEach(async function () {
    await h?.close();
    h = undefined;
  });
  after(async function () {
    assertCleanTraffic(sim);
    await sim.close();
  });

  const times = (mailbox: string, since: number) =>
    (sim.stats().requestsByMailbox[mailbox] ?? []).filter((r) => r.time >= since);
  const outages = (phase: 'begin' | 'end') => h!.events.filter((e) => e.type === 'outage' && e.phase === phase);

  for (const as of ['item', 'fault'] as const) {
    it(`ErrorServerBusy (${as === 'item' ? 'for the occurrence' : 'for the whole request'}) on deleting a series' occurrence: deleted again only after BackOffMilliseconds`, async function () {
      sim.faults.serverBusyBackOffMs = 1000;
      sim.faults.serverBusyAs = as;
      let busyOnce = true;
      onTrace = (direction, body) => {
        if (direction !== 'request') return;
        sim.faults.serverBusyRate = busyOnce && body.includes('<m:DeleteItem') ? 1 : 0;
        if (sim.faults.serverBusyRate) busyOnce = false;
      };
      const since = Date.now();
      h = harness(onPrem(sim), { flushDelayMs: 0 });
      h.send(upsert('busy-series', appointment({
        subject: 'Jour fixe', start: '2026-04-06T09:00:00+02:00', end: '2026-04-06T09:30:00+02:00',
        recurrence: { pattern: 'weekly', interval: 1, days: ['monday'], startDate: '2026-04-06', count: 4, deletedOccurrences: ['2026-04-13'] },
      })));
      await h.outcomesReach(1);
      assert.ok(h.outcomes[0].ok);
      const deletes = sim.requestLog.filter((e) => e.operation === 'DeleteItem' && e.receivedAt >= since);
      assert.deepEqual(deletes.map((d) => d.error === 'ErrorServerBusy'), [true, false]);
      const gap = deletes[1].receivedAt - deletes[0].time;
      assert.ok(gap >= 1000, `the occurrence was deleted again ${gap} ms after ErrorServerBusy with BackOffMilliseconds 1000`);
    });
  }

  it('ErrorServerBusy: that mailbox is not called before BackOffMilliseconds passed; others go on', async function () {
    sim.faults.serverBusyBackOffMs = 1500;
    let busyFor: string | undefined = ANNA;
    onTrace = (direction, body) => {
      if (direction === 'request') sim.faults.serverBusyRate = busyFor && body.includes(`<t:SmtpAddress>${busyFor}`) ? 1 : 0;
      else if (body.includes('ErrorServerBusy')) busyFor = undefined;
    };
    const since = Date.now();
    h = harness(onPrem(sim), { flushDelayMs: 0 });
    h.send(upsert('busy-a1', appointment()));
    await until(() => h!.writer.stats().lastError?.code === ExchangeCode.serverBusy, 'the busy answer');
    const busyAt = Date.now();
    h.send(upsert('busy-b1', appointment(), { mailbox: BERND }));
    h.send(upsert('busy-a2', appointment()));
    await h.outcomesReach(3);
    const anna = times(ANNA, since);
    assert.equal(anna.length, 2, 'one busy request and one retry carrying both changes');
    assert.ok(anna[1].time - busyAt >= 1500 - 20, `anna called again after ${anna[1].time - busyAt} ms`);
    assert.ok(times(BERND, since)[0].time < anna[1].time, 'bernd was written while anna waited');
    for (const k of ['busy-a1', 'busy-a2']) only(sim, ANNA, k);
    only(sim, BERND, 'busy-b1');
    assert.equal(outages('begin').length, 0, 'throttling is not an outage');
  });

  it('ErrorServerBusy for single items of a batch: only they wait, each is written once', async function () {
    sim.faults.serverBusyAs = 'item';
    sim.faults.serverBusyBackOffMs = 300;
    // Some items of the first CreateItem are throttled (the first draws decide), the rest never.
    script = [0.999, 0, 0]; // items 2 and 3
    sim.faults.serverBusyRate = 0.5;
    const busyBefore = sim.stats().serverBusy;
    h = harness(onPrem(sim));
    for (const k of ['ib-1', 'ib-2', 'ib-3', 'ib-4']) h.send(upsert(k, appointment()));
    await h.outcomesReach(4);
    sim.faults.serverBusyRate = 0;
    assert.ok(sim.stats().serverBusy - busyBefore >= 1, 'some items were throttled');
    assert.equal(sim.stats().byOperation.CreateItem >= 2, true);
    for (const k of ['ib-1', 'ib-2', 'ib-3', 'ib-4']) only(sim, ANNA, k);
    assert.deepEqual(h.outcomes.map((o) => o.ok && o.action), ['created', 'created', 'created', 'created']);
  });

  it('HTTP 503: backs off, retries, writes once; one outage begin and one end', async function () {
    let failing = 2;
    onTrace = (direction) => {
      if (direction === 'request') sim.faults.http503Rate = failing-- > 0 ? 1 : 0;
    };
    const before = sim.stats().http503;
    h = harness(onPrem(sim));
    h.send(upsert('svc-1', appointment()));
    h.send(upsert('svc-2', appointment()));
    await h.outcomesReach(2);
    assert.equal(sim.stats().http503 - before, 2);
    only(sim, ANNA, 'svc-1');
    only(sim, ANNA, 'svc-2');
    assert.equal(outages('begin').length, 1);
    assert.equal(outages('end').length, 1);
    assert.match(String((outages('begin')[0] as { reason?: string }).reason), /503/);
  });

  it('a connection broken mid-request: the create is looked up before it is sent again, never doubled', async function () {
    sim.faults.dropConnectionRate = 0.5;
    script = [0]; // the first request's connection is dropped
    const before = { ...sim.stats().byOperation };
    h = harness(onPrem(sim));
    h.send(upsert('drop-1', appointment()));
    await h.outcomesReach(1);
    assert.equal(sim.stats().droppedConnections >= 1, true);
    only(sim, ANNA, 'drop-1');
    const now = sim.stats().byOperation;
    assert.equal((now.FindItem ?? 0) - (before.FindItem ?? 0), 1, 'searched by key once');
    assert.equal((now.CreateItem ?? 0) - (before.CreateItem ?? 0), 1, 'created once');
  });

  it('Exchange unreachable for a while: changes wait durably, one event per state change, not per retry', async function () {
    sim.faults.unreachable = true;
    const dropped = sim.stats().droppedConnections;
    h = harness(onPrem(sim));
    h.send(upsert('down-1', appointment()));
    h.send(remove('never-written'));
    await until(() => sim.stats().droppedConnections - dropped >= 3, 'three failed tries');
    assert.equal(h.writer.stats().queued, 1);
    assert.equal(h.writer.stats().outage, true);
    sim.faults.unreachable = false;
    await h.outcomesReach(2);
    only(sim, ANNA, 'down-1');
    assert.equal(outages('begin').length, 1);
    assert.equal(outages('end').length, 1);
    const connection = h.events.filter((e) => e.type === 'connection');
    assert.deepEqual(connection.map((e) => e.type === 'connection' && e.ok), [false, true]);
  });

  it('ErrorIrresolvableConflict: re-reads the ChangeKey and writes again', async function () {
    h = harness(onPrem(sim));
    h.send(upsert('conflict', appointment({ subject: 'v1' }), { version: '1' }));
    await h.outcomesReach(1);
    // The user moves the appointment's reminder in Outlook: a new ChangeKey.
    sim.store.updateItem(only(sim, ANNA, 'conflict'), (i) => { i.fields.ReminderMinutesBeforeStart = '30'; });
    const before = { ...sim.stats().byOperation };
    h.send(upsert('conflict', appointment({ subject: 'v2' }), { version: '2' }));
    await h.outcomesReach(2);
    const now = sim.stats().byOperation;
    assert.equal(now.UpdateItem - (before.UpdateItem ?? 0), 2, 'rejected once, then written');
    assert.equal(now.GetItem - (before.GetItem ?? 0), 1, 'the ChangeKey was read again');
    assert.equal(only(sim, ANNA, 'conflict').fields.Subject, 'v2');
    assert.deepEqual(h.outcomes.map((o) => o.ok && o.action), ['created', 'updated']);
  });

  it('ErrorItemNotFound on update re-creates the item; on delete it counts as done', async function () {
    h = harness(onPrem(sim));
    h.send(upsert('gone', appointment({ subject: 'v1' }), { version: '1' }));
    h.send(upsert('gone-del', appointment(), { version: '1' }));
    await h.outcomesReach(2);
    sim.store.deleteItem(only(sim, ANNA, 'gone'));
    sim.store.deleteItem(only(sim, ANNA, 'gone-del'));
    h.send(upsert('gone', appointment({ subject: 'v2' }), { version: '2' }));
    h.send(remove('gone-del'));
    await h.outcomesReach(4);
    assert.equal(only(sim, ANNA, 'gone').fields.Subject, 'v2');
    const actions = Object.fromEntries(h.outcomes.slice(2).map((o) => [o.message.key, o.ok && o.action]));
    assert.deepEqual(actions, { gone: 'recreated', 'gone-del': 'deleted' });
  });

  it('ErrorItemNotFound on update is left alone when the setting says skip', async function () {
    h = harness(onPrem(sim), { onItemNotFound: 'skip' });
    h.send(upsert('skip-me', appointment({ subject: 'v1' }), { version: '1' }));
    await h.outcomesReach(1);
    sim.store.deleteItem(only(sim, ANNA, 'skip-me'));
    h.send(upsert('skip-me', appointment({ subject: 'v2' }), { version: '2' }));
    await h.outcomesReach(2);
    assert.equal(byKey(sim, ANNA, 'skip-me').length, 0);
    assert.equal(h.outcomes[1].ok && h.outcomes[1].action, 'skipped');
  });

  it('an account without impersonation rights: the mailbox is reported once, its changes stay queued', async function () {
    h = harness(onPrem(sim, { user: `${NO_RIGHTS.domain}\\${NO_RIGHTS.user}`, password: NO_RIGHTS.password }));
    h.send(upsert('denied', appointment()));
    await until(() => h!.events.some((e) => e.type === 'connection' && !e.ok), 'the mailbox problem event');
    await new Promise((r) => setTimeout(r, 600)); // a few more tries with the short test back-off
    const problems = h.events.filter((e) => e.type === 'connection' && !e.ok);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].type === 'connection' && problems[0].mailbox, ANNA);
    assert.match(String(problems[0].type === 'connection' && problems[0].reason), /impersonat/i);
    assert.equal(h.outcomes.length, 0, 'not dropped, not failed');
    assert.equal(h.writer.stats().queued, 1);
    assert.equal(byKey(sim, ANNA, 'denied').length, 0);
  });

  it('a mailbox that does not exist yet is written as soon as it does', async function () {
    const mailbox = 'neu.kollegin@firma.de';
    h = harness(onPrem(sim));
    h.send(upsert('later', appointment(), { mailbox }));
    await until(() => h!.events.some((e) => e.type === 'connection' && !e.ok && e.mailbox === mailbox), 'the mailbox event');
    assert.match(String(h.events.find((e) => e.type === 'connection' && !e.ok)!.type === 'connection' && (h.events.find((e) => e.type === 'connection' && !e.ok) as { reason?: string }).reason), /no mailbox/i);
    sim.addMailbox(mailbox);
    await h.outcomesReach(1);
    only(sim, mailbox, 'later');
    assert.ok(h.events.some((e) => e.type === 'connection' && e.ok && e.mailbox === mailbox), 'recovery reported');
  });
});

import assert from 'node:assert/strict';
import { testConnection } from '../../lib/exchange/connection/test-connection';
import { ExchangeConnection, resolveApi } from '../../lib/exchange/connection/exchange-connection';
import { dateTimeIn, recurrence } from '../../lib/exchange/graph/items';
import { ANNA } from './ews-support';
import { NO_TASKS_APP, itemsWithKey, rig, startExchange, transportFor, type Exchange, type Rig } from './graph-support';
import { appointment, task, upsert } from './support';

// What only the Graph transport has: JSON $batch, Exchange Online's 4 requests per mailbox,
// 503 with Retry-After, server-driven paging, the permissions "Test connection" checks.
describe('Exchange writer over Microsoft Graph: batching, limits, faults, permissions', function () {
  this.timeout(60_000);
  let ex: Exchange;
  let r: Rig | undefined;

  before(async function () {
    ex = await startExchange();
  });
  afterEach(async function () {
    await r?.close();
    r = undefined;
    Object.assign(ex.graph.faults, { latencyMs: 0, unavailableNext: 0, occurrenceDeleteUnavailableNext: 0, throttleNext: 0, maxPageSize: 1000, rejectTokenNext: 0 });
  });
  after(async function () {
    await ex.close();
  });

  const graph = () => transportFor('graph', ex.settings('graph'));

  it('45 items in one flush go out as 3 $batch requests (Graph takes 20 per batch)', async function () {
    r = rig(graph(), { batchSize: 50, flushDelayMs: 100 });
    ex.graph.resetStats();
    for (let i = 0; i < 45; i++) r.send(upsert(`batch-${i}`, appointment({ subject: `Termin ${i}` })));
    await r.outcomesReach(45);
    const s = ex.graph.stats();
    assert.equal(s.batches, 3);
    assert.equal(s.batchedRequests, 45);
    assert.equal(s.requests, 3, 'nothing but the three batches (the token comes from the token server)');
    for (let i = 0; i < 45; i++) assert.equal(itemsWithKey(ex.ews.store, ANNA, `batch-${i}`).length, 1);
  });

  it('never more than 4 requests at once per mailbox, even when the writer allows 8', async function () {
    r = rig(graph(), { batchSize: 1, flushDelayMs: 0, maxConcurrent: 8, maxConcurrentPerMailbox: 8 });
    ex.graph.resetStats();
    ex.graph.faults.latencyMs = 30;
    for (let i = 0; i < 24; i++) r.send(upsert(`conc-${i}`, appointment({ subject: `Parallel ${i}` })));
    await r.outcomesReach(24);
    const s = ex.graph.stats();
    assert.equal(s.concurrencyExceeded, 0, 'no 429 for MailboxConcurrency');
    assert.equal(s.maxInFlightPerMailbox, 4, 'used the 4 Exchange Online allows, no more');
  });

  it('HTTP 503 with Retry-After: the writer waits as told, reports the outage and its end, then writes', async function () {
    r = rig(graph(), { flushDelayMs: 0 });
    ex.graph.faults.retryAfterSeconds = 1;
    ex.graph.faults.unavailableNext = 1;
    const t0 = Date.now();
    r.send(upsert('unavailable', appointment()));
    await r.outcomesReach(1);
    assert.ok(Date.now() - t0 >= 1000, 'waited the second Graph asked for');
    assert.equal(r.outcomes[0].ok && r.outcomes[0].action, 'created');
    const outages = r.events.filter((e) => e.type === 'outage').map((e) => (e as { phase: string }).phase);
    assert.deepEqual(outages, ['begin', 'end']);
  });

  it('a series whose occurrence DELETE got 503 with Retry-After: that DELETE is sent again only after the wait', async function () {
    r = rig(graph(), { flushDelayMs: 0 });
    ex.graph.resetStats();
    ex.graph.faults.retryAfterSeconds = 1;
    ex.graph.faults.occurrenceDeleteUnavailableNext = 1;
    r.send(upsert('series-503', appointment({
      subject: 'Jour fixe', start: '2026-04-06T09:00:00+02:00', end: '2026-04-06T09:30:00+02:00',
      recurrence: { pattern: 'weekly', interval: 1, days: ['monday'], startDate: '2026-04-06', count: 4, deletedOccurrences: ['2026-04-13'] },
    })));
    await r.outcomesReach(1);
    assert.ok(r.outcomes[0].ok, 'written (created, then its recurrence written again)');
    // The DELETEs of the occurrence as the simulator ran them: the refused one, then the one that went through.
    const deletes = ex.graph.operationLog.filter((o) => o.method === 'DELETE');
    assert.deepEqual(deletes.map((d) => d.status), [503, 204]);
    const gap = deletes[1].at - deletes[0].at;
    assert.ok(gap >= 1000, `the DELETE came again ${gap} ms after the 503 with Retry-After: 1`);
    // The series in the mailbox has lost its occurrence.
    const master = itemsWithKey(ex.ews.store, ANNA, 'series-503')[0];
    const deleted = ([] as { Start: string }[]).concat((master.fields.DeletedOccurrences as { DeletedOccurrence: { Start: string }[] }).DeletedOccurrence);
    assert.deepEqual(deleted.map((d) => d.Start), ['2026-04-13T07:00:00Z']);
  });

  it('an item Graph cannot take fails alone, naming its key and field; the rest of the batch is written', async function () {
    r = rig(graph());
    r.send(upsert('good-1', appointment()));
    r.send(upsert('bad', appointment({
      recurrence: { pattern: 'weekly', interval: 1, days: ['monday'], startDate: '2026-03-30', count: 3, deletedOccurrences: ['2026-03-31'] },
    })));
    r.send(upsert('good-2', appointment()));
    await r.outcomesReach(3);
    const bad = r.outcomes.find((o) => o.message.key === 'bad')!;
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.error.field === 'item.recurrence.deletedOccurrences[0]' && bad.error.record === 'bad');
    assert.equal(itemsWithKey(ex.ews.store, ANNA, 'good-1').length, 1);
    assert.equal(itemsWithKey(ex.ews.store, ANNA, 'good-2').length, 1);
    assert.equal(itemsWithKey(ex.ews.store, ANNA, 'bad').length, 0);
  });

  it('tasks go into a named To Do list (created when missing); a lookup by key pages through @odata.nextLink', async function () {
    const list = 'büro+ Aufgaben';
    const transport = transportFor('graph', ex.settings('graph'), { taskList: list });
    r = rig(transport);
    for (let i = 0; i < 12; i++) r.send(upsert(`todo-${i}`, task({ subject: `Aufgabe ${i}` })));
    await r.outcomesReach(12);
    const folders = ex.ews.store.folders(ANNA).filter((f) => f.displayName === list);
    assert.equal(folders.length, 1, 'the list was created once');
    assert.ok(itemsWithKey(ex.ews.store, ANNA, 'todo-0').every((i) => i.folderId === folders[0].folderId));

    // After a crash the writer looks pending keys up: with 5 tasks per page, all 12 are found.
    ex.graph.faults.maxPageSize = 5;
    ex.graph.resetStats();
    const keys = [...Array.from({ length: 12 }, (_, i) => `todo-${i}`), 'todo-unknown'];
    const found = await transport.findByKey(ANNA, 'task', keys);
    keys.slice(0, 12).forEach((k, i) => {
      const f = found[i];
      assert.ok(f.ok && f.ref, `found ${k}`);
      assert.equal(f.ok && f.ref?.itemId, ex.graph.graphIdOf(itemsWithKey(ex.ews.store, ANNA, k)[0]));
    });
    assert.deepEqual(found[12], { ok: true, ref: null });
    assert.equal(ex.graph.stats().byRoute['GET users/{id}/todo/lists/{id}/tasks'], 3, 'three pages of 5, 5, 2');
  });

  it('a token Graph refuses (401) is renewed once and the request sent again', async function () {
    r = rig(graph(), { flushDelayMs: 0 });
    r.send(upsert('token-1', appointment()));
    await r.outcomesReach(1);
    const issued = ex.aad.tokensIssued;
    ex.graph.faults.rejectTokenNext = 1;
    r.send(upsert('token-2', appointment()));
    await r.outcomesReach(2);
    assert.equal(ex.aad.tokensIssued - issued, 1, 'one new token');
    assert.ok(r.outcomes.every((o) => o.ok), 'both written');
    assert.equal(r.events.filter((e) => e.type === 'outage').length, 0, 'no outage for a renewed token');
  });

  it('Test connection checks every permission and names a missing one', async function () {
    const ok = await testConnection(ex.settings('graph'), ANNA);
    assert.equal(ok.ok, true, ok.message);
    assert.match(ok.message, /Microsoft Graph/);

    const noTasks = await testConnection(ex.settings('graph', { clientId: NO_TASKS_APP }), ANNA);
    assert.equal(noTasks.ok, false);
    assert.equal(noTasks.step, 'permission');
    assert.equal(noTasks.permission, 'Tasks.ReadWrite.All');
    assert.match(noTasks.message, /Tasks\.ReadWrite\.All/);

    const noMailbox = await testConnection(ex.settings('graph'), 'niemand@firma.de');
    assert.equal(noMailbox.step, 'mailbox');
  });

  it('a token for another audience (EWS) is refused by Graph with its error body', async function () {
    const c = new ExchangeConnection(ex.settings('graph'));
    const ewsToken = await c.tokenSource('https://outlook.office365.com/.default').get();
    const res = await fetchJson(`${ex.graph.url}/users/${ANNA}/calendar`, ewsToken);
    assert.equal(res.status, 401);
    assert.equal((res.body as { error: { code: string } }).error.code, 'InvalidAuthenticationToken');
  });
});

async function fetchJson(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

describe('Microsoft Graph: choosing the API and writing times', function () {
  it('Exchange Online speaks Graph unless EWS is chosen; an unset variable means the default; on-premises is always EWS', function () {
    const table: [Parameters<typeof resolveApi>[0], string][] = [
      [{ deployment: 'online' }, 'graph'],
      [{ deployment: 'online', api: '' }, 'graph'],
      [{ deployment: 'online', api: '${EXCHANGE_API}' }, 'graph'],
      [{ deployment: 'online', api: 'graph' }, 'graph'],
      [{ deployment: 'online', api: 'EWS' }, 'ews'],
      [{ deployment: 'onprem', api: 'graph' }, 'ews'],
    ];
    for (const [settings, api] of table) assert.equal(resolveApi(settings), api, JSON.stringify(settings));
  });

  it('dateTimeTimeZone is the wall clock in the item\'s IANA zone; on both DST days the instant stays exact', function () {
    assert.deepEqual(dateTimeIn('2026-03-29T01:30:00Z', 'Europe/Berlin'), { dateTime: '2026-03-29T03:30:00', timeZone: 'Europe/Berlin' });
    assert.deepEqual(dateTimeIn('2026-10-25T00:30:00Z', 'Europe/Berlin'), { dateTime: '2026-10-25T02:30:00', timeZone: 'Europe/Berlin' });
    // 02:30 comes twice that night; the second one cannot be named in Berlin time: it goes as UTC.
    assert.deepEqual(dateTimeIn('2026-10-25T01:30:00Z', 'Europe/Berlin'), { dateTime: '2026-10-25T01:30:00', timeZone: 'UTC' });
    assert.deepEqual(dateTimeIn('2026-03-30T07:00:00Z', 'Europe/Berlin'), { dateTime: '2026-03-30T09:00:00', timeZone: 'Europe/Berlin' });
  });

  it('patternedRecurrence: weekly with firstDayOfWeek (default monday), numbered / endDate / noEnd ranges, yearly keeps its interval', function () {
    assert.deepEqual(recurrence({ pattern: 'weekly', interval: 2, days: ['monday', 'thursday'], startDate: '2026-04-06', count: 10 }, 'Europe/Berlin'), {
      pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'monday' },
      range: { type: 'numbered', startDate: '2026-04-06', numberOfOccurrences: 10, recurrenceTimeZone: 'Europe/Berlin' },
    });
    assert.deepEqual(recurrence({ pattern: 'absoluteYearly', interval: 2, month: 3, dayOfMonth: 29, startDate: '2026-03-29', until: '2030-12-31' }, 'Europe/Berlin').range,
      { type: 'endDate', startDate: '2026-03-29', endDate: '2030-12-31', recurrenceTimeZone: 'Europe/Berlin' });
    assert.equal((recurrence({ pattern: 'absoluteYearly', interval: 2, month: 3, dayOfMonth: 29, startDate: '2026-03-29' }, 'UTC').pattern as { interval: number }).interval, 2);
    assert.equal((recurrence({ pattern: 'daily', interval: 1, startDate: '2026-03-29' }, 'UTC').range as { type: string }).type, 'noEnd');
  });
});

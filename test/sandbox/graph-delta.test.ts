import assert from 'node:assert/strict';
import { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { Outlook } from '../../sandbox/outlook';
import { ANNA } from '../exchange/ews-support';
import { startExchange, type Exchange } from '../exchange/graph-support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// The Graph simulator's delta queries on the wire, as Exchange Online answers them: a first
// round lists the window, later rounds what changed; series come as master, bare occurrences
// and exceptions, never split across pages; whatever left the window or changed outside it is
// "@removed"; $select is refused; a token the service no longer knows is 410.
describe('sandbox: Graph calendarView and To Do delta', function () {
  this.timeout(30_000);
  let ex: Exchange;
  let token: string;
  let outlook: Outlook;
  const user = `/users/${encodeURIComponent(ANNA)}`;
  const window = 'startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-05-01T00:00:00Z';

  before(async function () {
    ex = await startExchange();
    token = await new ExchangeConnection(ex.settings('graph')).tokenSource('https://graph.microsoft.com/.default').get();
    outlook = new Outlook(ex.ews.store);
  });
  after(async function () {
    await ex.close();
  });
  afterEach(function () {
    ex.graph.faults.maxPageSize = 1000;
  });

  async function get(path: string): Promise<{ status: number; body: Json }> {
    const res = await fetch(path.startsWith('http') ? path : `${ex.graph.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: JSON.parse(await res.text()) };
  }
  /** A whole round: all rows, and the delta link at its end. */
  async function round(first: string): Promise<{ rows: Json[]; deltaLink: string; pages: number[] }> {
    const rows: Json[] = [];
    const pages: number[] = [];
    let next: string | undefined = first;
    for (;;) {
      const res = await get(next.replace(/^https:/, 'http:').replace(/127\.0\.0\.1:\d+\/v1\.0/, ex.graph.url.replace(/^http:\/\//, '')));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      rows.push(...res.body.value);
      pages.push(res.body.value.length);
      next = res.body['@odata.nextLink'];
      if (!next) return { rows, deltaLink: res.body['@odata.deltaLink'], pages };
    }
  }

  it('calendarView: the first round lists the window (series: master, bare occurrences, exceptions, never split); later rounds what changed', async function () {
    const single = outlook.createAppointment(ANNA, { subject: 'Einzeln', start: '2026-04-02T08:00:00Z', end: '2026-04-02T09:00:00Z' });
    outlook.createAppointment(ANNA, { subject: 'Später', start: '2026-06-02T08:00:00Z', end: '2026-06-02T09:00:00Z' });
    const series = outlook.createAppointment(ANNA, {
      subject: 'Serie', start: '2026-04-06T07:00:00Z', end: '2026-04-06T07:30:00Z', recurrence: { pattern: 'weekly', count: 4 },
    });
    outlook.moveOccurrence(series, '2026-04-13', '2026-04-14T07:00:00Z', '2026-04-14T07:30:00Z');
    outlook.deleteOccurrence(series, '2026-04-20');
    ex.graph.faults.maxPageSize = 2;
    const first = await round(`${user}/calendarView/delta?${window}`);
    const masterId = ex.graph.graphIdOf(series);
    assert.deepEqual(first.rows.filter((r) => r.id === ex.graph.graphIdOf(single)).map((r) => r.subject), ['Einzeln']);
    assert.ok(!first.rows.some((r) => r.subject === 'Später'), 'outside the window');
    const ofSeries = first.rows.filter((r) => r.id === masterId || r.seriesMasterId === masterId);
    assert.deepEqual(ofSeries.map((r) => r.type), ['seriesMaster', 'occurrence', 'exception', 'occurrence']);
    const bare = ofSeries.find((r) => r.type === 'occurrence')!;
    assert.deepEqual(Object.keys(bare).sort(), ['@odata.etag', '@odata.type', 'end', 'id', 'seriesMasterId', 'start', 'type']);
    const exception = ofSeries.find((r) => r.type === 'exception')!;
    assert.deepEqual([exception.start.dateTime.slice(0, 19), exception.originalStart], ['2026-04-14T07:00:00', '2026-04-13T07:00:00Z']);
    assert.ok(first.pages.length > 1, 'paged');
    assert.ok(first.pages.some((n) => n > 2), 'the series stays on one page although the page size is 2');

    // Nothing changed: an empty round and the next link.
    const idle = await get(first.deltaLink.replace(/^https:\/\/[^/]+\/v1\.0/, ''));
    assert.deepEqual([idle.body.value, typeof idle.body['@odata.deltaLink']], [[], 'string']);

    outlook.editAppointment(single, { subject: 'Einzeln (geändert)' });
    const away = outlook.createAppointment(ANNA, { subject: 'Weit weg', start: '2027-01-10T08:00:00Z', end: '2027-01-10T09:00:00Z' });
    const later = ex.ews.store.items(ANNA).find((i) => i.fields.Subject === 'Später')!;
    outlook.deleteItem(later);
    const passing = outlook.createAppointment(ANNA, { subject: 'Kurz da', start: '2026-04-03T08:00:00Z', end: '2026-04-03T09:00:00Z' });
    outlook.deleteItem(passing);
    const next = await round(first.deltaLink.replace(/^https:\/\/[^/]+\/v1\.0/, ''));
    // Changed in the window: the event; new outside it, deleted outside it: "removed" to this view;
    // made and deleted within the round: nothing.
    assert.deepEqual(next.rows.map((r) => [r.id, r.subject ?? r['@removed']?.reason]), [
      [ex.graph.graphIdOf(single), 'Einzeln (geändert)'], [ex.graph.graphIdOf(away), 'deleted'], [ex.graph.graphIdOf(later), 'deleted'],
    ]);
  });

  it('calendarView: no $select; an unknown or expired token is 410 SyncStateNotFound', async function () {
    const refused = await get(`${user}/calendarView/delta?${window}&$select=subject`);
    assert.equal(refused.status, 400);
    const first = await round(`${user}/calendarView/delta?${window}`);
    ex.graph.expireDeltaTokens();
    const gone = await get(first.deltaLink.replace(/^https:\/\/[^/]+\/v1\.0/, ''));
    assert.deepEqual([gone.status, gone.body.error.code], [410, 'SyncStateNotFound']);
    const garbled = await get(`${user}/calendarView/delta?$deltatoken=abc`);
    assert.equal(garbled.status, 410);
  });

  it('To Do: tasks/delta lists the list, then changes and deletions', async function () {
    const lists = await get(`${user}/todo/lists`);
    const list = lists.body.value.find((l: Json) => l.wellknownListName === 'defaultList');
    const path = `${user}/todo/lists/${encodeURIComponent(list.id)}/tasks/delta`;
    const task = outlook.createTask(ANNA, { subject: 'Vor der Runde', dueDate: '2026-04-02' });
    const first = await round(path);
    assert.ok(first.rows.some((r) => r.title === 'Vor der Runde'));
    outlook.completeTask(task);
    const other = outlook.createTask(ANNA, { subject: 'Danach' });
    outlook.deleteItem(task);
    const next = await round(first.deltaLink.replace(/^https:\/\/[^/]+\/v1\.0/, ''));
    assert.deepEqual(next.rows.map((r) => [r.id, r.title ?? r['@removed']?.reason]), [[ex.graph.graphIdOf(other), 'Danach'], [ex.graph.graphIdOf(task), 'deleted']]);
  });
});

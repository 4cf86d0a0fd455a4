import assert from 'node:assert/strict';
import { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { ANNA } from '../exchange/ews-support';
import { NO_TASKS_APP, startExchange, type Exchange } from '../exchange/graph-support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// The Graph simulator as a client sees it over HTTP: tokens checked for audience and roles,
// Graph's error bodies, $batch, $filter on the extended property with $expand, paging,
// throttling with Retry-After, Exchange Online's 4 concurrent requests per mailbox, and the
// store it shares with the EWS simulator.
describe('sandbox: Microsoft Graph simulator', function () {
  this.timeout(30_000);
  let ex: Exchange;
  let token: string;
  const KEY_ID = 'String {00020329-0000-0000-C000-000000000046} Name BueroSyncKey';

  before(async function () {
    ex = await startExchange();
    token = await new ExchangeConnection(ex.settings('graph')).tokenSource('https://graph.microsoft.com/.default').get();
  });
  after(async function () {
    await ex.close();
  });
  afterEach(function () {
    Object.assign(ex.graph.faults, { throttleNext: 0, latencyMs: 0, maxPageSize: 1000 });
  });

  async function call(method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number; body: Json; headers: Headers }> {
    const res = await fetch(`${ex.graph.url}${path}`, {
      method, headers: { Authorization: `Bearer ${bearer}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
  }
  const user = `/users/${encodeURIComponent(ANNA)}`;
  const event = (subject: string, key: string) => ({
    subject, start: { dateTime: '2026-10-25T09:00:00', timeZone: 'Europe/Berlin' }, end: { dateTime: '2026-10-25T10:00:00', timeZone: 'Europe/Berlin' },
    singleValueExtendedProperties: [{ id: KEY_ID, value: key }],
  });

  it('creates an event in the shared store: EWS fields in UTC with the Windows zone (DST end day)', async function () {
    const res = await call('POST', `${user}/calendar/events`, event('Zeitumstellung', 'sim-1'));
    assert.equal(res.status, 201);
    const stored = ex.ews.store.items(ANNA, 'appointment').find((i) => i.fields.Subject === 'Zeitumstellung')!;
    assert.equal(stored.fields.Start, '2026-10-25T08:00:00Z', '09:00 CET after the switch back');
    assert.deepEqual(stored.fields.StartTimeZone, { $: { Id: 'W. Europe Standard Time' } });
    assert.equal(res.body.id, ex.graph.graphIdOf(stored));
    assert.equal(res.body['@odata.etag'], `W/"${stored.changeKey}"`);
  });

  it('finds by the extended property with $filter and returns it with $expand; a quote in the key is escaped', async function () {
    await call('POST', `${user}/calendar/events`, event("O'Brien", "sim-'quoted'"));
    const filter = encodeURIComponent(`singleValueExtendedProperties/Any(ep: ep/id eq '${KEY_ID}' and ep/value eq 'sim-''quoted''')`);
    const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${KEY_ID}')`);
    const res = await call('GET', `${user}/calendar/events?$filter=${filter}&$expand=${expand}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.value.length, 1);
    assert.equal(res.body.value[0].subject, "O'Brien");
    assert.deepEqual(res.body.value[0].singleValueExtendedProperties.map((p: Json) => p.value), ["sim-'quoted'"]);
  });

  it('pages with @odata.nextLink', async function () {
    for (let i = 0; i < 7; i++) await call('POST', `${user}/contacts`, { displayName: `Kontakt ${i}`, givenName: `K${i}` });
    ex.graph.faults.maxPageSize = 3;
    let next: string | undefined = `${user}/contacts`;
    let seen = 0;
    let pages = 0;
    while (next) {
      const res = await call('GET', next.replace(/^https?:\/\/[^/]+\/v1\.0/, ''));
      seen += res.body.value.length;
      next = res.body['@odata.nextLink'];
      pages++;
    }
    assert.equal(seen, ex.ews.store.items(ANNA, 'contact').length);
    assert.equal(pages, Math.ceil(seen / 3));
  });

  it('$batch: up to 20 steps, answered by id; 21 are refused', async function () {
    const steps = Array.from({ length: 20 }, (_, i) => ({ id: `s${i}`, method: 'GET', url: `${user}/calendar?$select=id` }));
    const ok = await call('POST', '/$batch', { requests: steps });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.responses.map((r: Json) => r.id).sort(), steps.map((s) => s.id).sort());
    const tooMany = await call('POST', '/$batch', { requests: [...steps, { id: 'x', method: 'GET', url: `${user}/calendar` }] });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error.code, 'BadRequest');
  });

  it('429 with Retry-After and a Graph error body, also inside $batch', async function () {
    ex.graph.faults.throttleNext = 2;
    ex.graph.faults.retryAfterSeconds = 7;
    const res = await call('GET', `${user}/calendar`);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '7');
    assert.equal(res.body.error.code, 'ApplicationThrottled');
    const batch = await call('POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: `${user}/calendar` }, { id: '2', method: 'GET', url: `${user}/calendar` }] });
    const byId = Object.fromEntries(batch.body.responses.map((r: Json) => [r.id, r]));
    assert.equal(byId['1'].status, 429);
    assert.equal(byId['1'].headers['Retry-After'], '7');
    assert.equal(byId['2'].status, 200);
  });

  it('more than 4 concurrent requests for one mailbox: 429 (MailboxConcurrency)', async function () {
    ex.graph.faults.latencyMs = 100;
    const answers = await Promise.all(Array.from({ length: 6 }, () => call('GET', `${user}/calendar`)));
    assert.equal(answers.filter((a) => a.status === 200).length, 4);
    assert.equal(answers.filter((a) => a.status === 429).length, 2);
  });

  it('checks the token: audience, signature and the role per resource', async function () {
    const ewsToken = await new ExchangeConnection(ex.settings('graph')).tokenSource('https://outlook.office365.com/.default').get();
    const wrongAudience = await call('GET', `${user}/calendar`, undefined, ewsToken);
    assert.equal(wrongAudience.status, 401);
    assert.equal(wrongAudience.body.error.code, 'InvalidAuthenticationToken');
    const forged = `${token.slice(0, -4)}AAAA`;
    assert.equal((await call('GET', `${user}/calendar`, undefined, forged)).status, 401);
    const noTasks = await new ExchangeConnection(ex.settings('graph', { clientId: NO_TASKS_APP })).tokenSource('https://graph.microsoft.com/.default').get();
    assert.equal((await call('GET', `${user}/calendar`, undefined, noTasks)).status, 200);
    const denied = await call('GET', `${user}/todo/lists`, undefined, noTasks);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'ErrorAccessDenied');
  });

  it('an unknown mailbox is ErrorInvalidUser; a missing item ErrorItemNotFound', async function () {
    const nobody = await call('GET', '/users/niemand%40firma.de/calendar');
    assert.equal(nobody.status, 404);
    assert.equal(nobody.body.error.code, 'ErrorInvalidUser');
    const gone = await call('DELETE', `${user}/events/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'ErrorItemNotFound');
  });

  it('checks every body and $select against Graph\'s v1.0 metadata: an undeclared property, a wrong type, an unknown enum member are 400 and counted', async function () {
    ex.graph.resetStats();
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', `${user}/events`, { ...event('Unbekannt', 'meta-1'), reminderMinutes: 15 }, /property 'reminderMinutes' does not exist on type 'microsoft.graph.event'/],
      ['POST', `${user}/events`, { ...event('Falscher Typ', 'meta-2'), isAllDay: 'ja' }, /'ja' to the expected type 'Edm.Boolean' \(property 'isAllDay'\)/],
      ['POST', `${user}/events`, { ...event('Tief', 'meta-3'), start: { dateTime: '2026-10-25T09:00:00', timeZone: 'Europe/Berlin', zone: 'x' } }, /property 'zone' does not exist on type 'microsoft.graph.dateTimeTimeZone'/],
      ['POST', `${user}/contacts`, { givenName: 'Anna', businessPhones: '0711 123' }, /collection 'Collection\(Edm.String\)' was expected for 'businessPhones'/],
      ['POST', `${user}/events`, { ...event('Wichtig', 'meta-4'), importance: 'urgent' }, /Requested value 'urgent' was not found in 'microsoft.graph.importance'/],
      ['GET', `${user}/calendar/events?$select=subject,reminder`, undefined, /Could not find a property named 'reminder' on type 'microsoft.graph.event'/],
    ];
    for (const [method, path, body, message] of cases) {
      const r = await call(method, path, body);
      assert.equal(r.status, 400, `${method} ${path}`);
      assert.equal(r.body.error.code, 'BadRequest');
      assert.match(r.body.error.message, message);
    }
    assert.equal(ex.graph.stats().schemaInvalid, cases.length);
    assert.equal(ex.graph.schemaViolations.length, cases.length);
    assert.equal(ex.graph.store.items(ANNA).filter((i) => String(i.fields.Subject ?? '').match(/^(Unbekannt|Falscher Typ|Tief|Wichtig)$/)).length, 0, 'nothing refused was stored');
    // Valid bodies of every kind pass: an event with its key, a contact, a To Do list and task with a linked resource.
    assert.equal((await call('POST', `${user}/events`, { ...event('Gültig', 'meta-5'), isAllDay: false, importance: 'high', reminderMinutesBeforeStart: 15 })).status, 201);
    assert.equal((await call('POST', `${user}/contacts`, { givenName: 'Anna', businessPhones: ['0711 123'], emailAddresses: [{ address: 'a@b.de', name: 'A' }] })).status, 201);
    const list = await call('POST', `${user}/todo/lists`, { displayName: 'Metadaten' });
    assert.equal(list.status, 201);
    const created = await call('POST', `${user}/todo/lists/${list.body.id}/tasks`, { title: 'Aufgabe', status: 'notStarted', dueDateTime: { dateTime: '2026-12-04T00:00:00', timeZone: 'Europe/Berlin' } });
    assert.equal(created.status, 201);
    assert.equal((await call('POST', `${user}/todo/lists/${list.body.id}/tasks/${created.body.id}/linkedResources`, { applicationName: 'büro+', displayName: 'Key', externalId: 'meta-6' })).status, 201);
    assert.equal(ex.graph.schemaViolations.length, cases.length, 'no valid body refused');
    ex.graph.schemaViolations.length = 0; // the refusals above were on purpose
  });
});

import assert from 'node:assert/strict';
import { ExchangeCode } from '../../lib/error-codes';
import { ExchangeConnection } from '../../lib/exchange/connection/exchange-connection';
import { ExchangeError } from '../../lib/exchange/errors';
import { EwsTransport } from '../../lib/exchange/ews/transport';
import type { ItemRef, ItemResult } from '../../lib/exchange/transport';
import type { EwsSimulator } from '../../sandbox/ews';
import { ANNA, assertCleanTraffic, onPrem, only, startSim, text } from './ews-support';
import { appointment, contact, task } from './support';

// The writer's EWS writes are SOAP text (lib/exchange/ews/soap-*.ts): what they carry must
// arrive exactly, a cleared field must go, and Exchange's answers keep their meaning.
describe('EWS writes as SOAP text: exact text, cleared fields, per-item and whole-request errors', function () {
  this.timeout(60_000);
  let sim: EwsSimulator;
  let t: EwsTransport;
  const nasty = 'a <&> "b" \'c\'\r\nZeile\u0007 2';
  const arrived = 'a <&> "b" \'c\'\r\nZeile 2';

  before(async function () {
    sim = await startSim();
    t = new EwsTransport(new ExchangeConnection(onPrem(sim)), { contactsFolder: 'büro+ & Co' });
  });
  afterEach(() => Object.assign(sim.faults, { serverBusyRate: 0, serverBusyAs: 'fault' }));
  after(async function () {
    assertCleanTraffic(sim);
    await t.close();
    await sim.close();
  });

  const ref = (r: ItemResult): ItemRef => {
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.ref;
  };

  it('free text with <&>"\', a CR and a control character arrives exactly, in a create and in an update', async function () {
    const [a] = await t.create(ANNA, 'appointment', [{ key: 'x<&>', item: appointment({ subject: nasty, body: { format: 'text', content: nasty }, location: nasty, categories: [nasty] }) }]);
    let stored = only(sim, ANNA, 'x<&>');
    assert.equal(stored.fields.Subject, arrived);
    assert.equal(text(stored.fields.Body), arrived);
    assert.equal(stored.fields.Location, arrived);
    assert.deepEqual((stored.fields.Categories as { String: string }).String, arrived);
    const [u] = await t.update(ANNA, 'appointment', [{ key: 'x<&>', ref: ref(a), fields: ['subject', 'location'],
      item: appointment({ subject: `neu ${nasty}`, location: `neu ${nasty}` }) }]);
    ref(u);
    stored = only(sim, ANNA, 'x<&>');
    assert.equal(stored.fields.Subject, `neu ${arrived}`);
    assert.equal(stored.fields.Location, `neu ${arrived}`);

    const [c] = await t.create(ANNA, 'contact', [{ key: 'c<&>', item: contact({ displayName: nasty, companyName: nasty, title: nasty, businessPhone: nasty,
      businessAddress: { street: nasty, city: 'Köln' } }) }]);
    const sc = only(sim, ANNA, 'c<&>');
    assert.equal(sc.fields.DisplayName, arrived);
    assert.equal(sc.fields.CompanyName, arrived);
    assert.equal(sc.extendedProperties.find((p) => p.name !== 'BueroSyncKey')?.value, arrived);
    assert.equal(sim.store.folder(ANNA, sc.folderId)?.displayName, 'büro+ & Co');
    const [cu] = await t.update(ANNA, 'contact', [{ key: 'c<&>', ref: ref(c), fields: ['companyName'], item: contact({ displayName: nasty, companyName: `neu ${nasty}` }) }]);
    ref(cu);
    assert.equal(only(sim, ANNA, 'c<&>').fields.CompanyName, `neu ${arrived}`);
  });

  it('a field cleared in an update is removed (location, task dates, contact title, phone, address, e-mail)', async function () {
    const [a] = await t.create(ANNA, 'appointment', [{ key: 'clear-a', item: appointment({ location: 'Bonn' }) }]);
    await t.update(ANNA, 'appointment', [{ key: 'clear-a', ref: ref(a), fields: ['location'], item: appointment({ location: undefined }) }]);
    assert.equal(only(sim, ANNA, 'clear-a').fields.Location, undefined);

    const [k] = await t.create(ANNA, 'task', [{ key: 'clear-t', item: task({ startDate: '2026-03-30', dueDate: '2026-04-02' }) }]);
    await t.update(ANNA, 'task', [{ key: 'clear-t', ref: ref(k), fields: ['startDate', 'dueDate'], item: task({ startDate: undefined, dueDate: undefined }) }]);
    const st = only(sim, ANNA, 'clear-t');
    assert.equal(st.fields.StartDate, undefined);
    assert.equal(st.fields.DueDate, undefined);

    const full = contact({ title: 'Dr.', businessPhone: '0221 1', emailAddresses: ['a@b.de', 'c@d.de'], businessAddress: { street: 'Weg 1', city: 'Köln' } });
    const [c] = await t.create(ANNA, 'contact', [{ key: 'clear-c', item: full }]);
    const [u] = await t.update(ANNA, 'contact', [{ key: 'clear-c', ref: ref(c), fields: ['title', 'businessPhone', 'businessAddress', 'emailAddresses'],
      item: contact({ emailAddresses: ['a@b.de'] }) }]);
    ref(u);
    const sc = only(sim, ANNA, 'clear-c');
    assert.deepEqual(sc.extendedProperties.map((p) => p.name), ['BueroSyncKey'], 'the title is gone');
    assert.equal(sc.fields.PhoneNumbers, undefined);
    assert.equal(sc.fields.PhysicalAddresses, undefined);
    assert.equal(JSON.stringify(sc.fields.EmailAddresses).includes('c@d.de'), false);
  });

  it('one bad item in a batch of 3 fails alone with its code; the other two are written', async function () {
    const made = await t.create(ANNA, 'appointment', [1, 2].map((n) => ({ key: `batch-${n}`, item: appointment({ subject: `B${n}` }) })));
    const results = await t.update(ANNA, 'appointment', [
      { key: 'batch-1', ref: ref(made[0]), fields: ['subject'], item: appointment({ subject: 'B1 neu' }) },
      { key: 'batch-gone', ref: { itemId: 'QUFNa0VXU2kAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, fields: ['subject'], item: appointment({ subject: 'nie' }) },
      { key: 'batch-2', ref: ref(made[1]), fields: ['subject'], item: appointment({ subject: 'B2 neu' }) },
    ]);
    assert.equal(results[0].ok && results[2].ok, true);
    assert.ok(!results[1].ok && [ExchangeCode.itemNotFound].includes(results[1].error.code as never), JSON.stringify(results[1]));
    assert.equal(!results[1].ok && results[1].error.record, 'batch-gone');
    assert.equal(only(sim, ANNA, 'batch-1').fields.Subject, 'B1 neu');
    assert.equal(only(sim, ANNA, 'batch-2').fields.Subject, 'B2 neu');
  });

  it('a whole-request ErrorServerBusy keeps its BackOffMilliseconds (mailbox scope, retryable)', async function () {
    Object.assign(sim.faults, { serverBusyRate: 1, serverBusyAs: 'fault', serverBusyBackOffMs: 4321 });
    const err = await t.create(ANNA, 'task', [{ key: 'busy', item: task() }]).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ExchangeError, String(err));
    assert.equal(err.code, ExchangeCode.serverBusy);
    assert.equal(err.backOffMs, 4321);
    assert.equal(err.scope, 'mailbox');
    assert.equal(err.retryable, true);
    Object.assign(sim.faults, { serverBusyAs: 'item' });
    const [item] = await t.delete(ANNA, 'task', [{ key: 'busy-del', ref: { itemId: 'QUFNa0VXU2kAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' } }]);
    assert.ok(!item.ok && item.error.code === ExchangeCode.serverBusy && item.error.backOffMs === 4321, JSON.stringify(item));
  });
});

import assert from 'node:assert/strict';
import { startEwsSimulator, type EwsSimulator } from '../../sandbox/ews';
import { itemZone } from '../../sandbox/ews/items';

const ANNA = 'anna.meier@firma.de';

/** The mailbox page of `npm start` plays Outlook: a person edits, creates and deletes an appointment there. */
describe('sandbox: the mailbox page plays Outlook (edit, create, delete an appointment)', function () {
  let sim: EwsSimulator;
  let base: string;

  before(async function () {
    sim = await startEwsSimulator({ mailboxes: [ANNA], accounts: [{ user: 'svc-sync', domain: 'FIRMA', password: 'Geheim-123', impersonation: true }] });
    base = sim.inspectUrl.replace(/\/inspect$/, '');
  });

  after(async function () {
    await sim?.close();
  });

  const post = (path: string, form: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
  const calendar = () => {
    const folder = sim.store.distinguishedFolder(ANNA, 'calendar')!.folderId;
    return sim.store.items(ANNA, 'appointment').filter((i) => i.folderId === folder);
  };

  it('creates an appointment without a writer key from the form, times in Berlin, and shows it with edit and delete', async function () {
    const res = await post('/inspect/outlook/create', { mailbox: ANNA, subject: 'Aus Outlook <neu>', start: '2026-03-29T09:00', end: '2026-03-29T10:30', location: 'Köln', reminder: '15' });
    assert.equal(res.status, 303);
    const [item] = calendar();
    assert.equal(item.fields.Subject, 'Aus Outlook <neu>');
    // The spring change: 09:00 summer time is 07:00 UTC.
    assert.equal(item.fields.Start, '2026-03-29T07:00:00Z');
    assert.equal(item.fields.End, '2026-03-29T08:30:00Z');
    assert.equal(itemZone(item.fields), 'Europe/Berlin');
    assert.deepEqual(item.extendedProperties, [], 'no writer key: made in Outlook');
    const page = await (await fetch(`${base}/inspect`)).text();
    assert.match(page, /Aus Outlook &lt;neu&gt;/);
    assert.match(page, /\/inspect\/outlook\/edit\?mailbox=/);
    assert.match(page, /New appointment in Outlook/);
  });

  it('edits it (a new ChangeKey, as Outlook gives) and makes it all-day; a bad form is refused with the reason', async function () {
    const [item] = calendar();
    const key = item.changeKey;
    const form = await (await fetch(`${base}/inspect/outlook/edit?mailbox=${encodeURIComponent(ANNA)}&id=${encodeURIComponent(item.itemId)}`)).text();
    assert.match(form, /value="2026-03-29T09:00"/, 'the form shows the wall-clock time');
    const res = await post('/inspect/outlook/edit', { mailbox: ANNA, id: item.itemId, subject: 'Ganztags', start: '2026-10-25T00:00', end: '2026-10-25T00:00', allDay: 'on', location: '', reminder: '' });
    assert.equal(res.status, 303);
    const [edited] = calendar();
    assert.notEqual(edited.changeKey, key);
    assert.equal(edited.fields.IsAllDayEvent, 'true');
    // The fall change: midnight to the next midnight in Berlin is 25 hours.
    assert.equal(edited.fields.Start, '2026-10-24T22:00:00Z');
    assert.equal(edited.fields.End, '2026-10-25T23:00:00Z');
    assert.equal(edited.fields.ReminderIsSet, 'false');
    assert.equal(edited.fields.Location, undefined);
    const bad = await post('/inspect/outlook/edit', { mailbox: ANNA, id: item.itemId, subject: 'x', start: '2026-10-25T10:00', end: '2026-10-25T09:00' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /end must be after the start/);
  });

  it('deletes it as Outlook does: to Deleted Items, gone from the calendar', async function () {
    const [item] = calendar();
    const res = await post('/inspect/outlook/delete', { mailbox: ANNA, id: item.itemId });
    assert.equal(res.status, 303);
    assert.deepEqual(calendar(), []);
    assert.equal(sim.store.item(ANNA, item.itemId)?.folderId, sim.store.distinguishedFolder(ANNA, 'deleteditems')!.folderId);
  });
});

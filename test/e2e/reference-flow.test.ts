import assert from 'node:assert/strict';
import { SANDBOX } from '../../sandbox/demo';
import { itemsOf, keyOf, startRig, syncedUsers, text, waitFor, type SyncRig } from './support';

const termin = (owner: number, extra: Record<string, unknown> = {}) => ({
  fldArt: 'Termin',
  fldBzrNr: owner,
  fldKurzInfo: 'Besprechung',
  fldBeginn: '2026-12-03T10:00:00',
  fldEnde: '2026-12-03T11:30:00',
  ...extra,
});

describe('end to end: the reference flow in a real Node-RED against the sandbox', function () {
  this.timeout(180_000);
  let rig: SyncRig;
  let anna: { nr: number; mailbox: string };
  let ben: { nr: number; mailbox: string };

  before(async function () {
    rig = await startRig({ sandbox: { seed: 11 } });
    [anna, ben] = syncedUsers(rig.sandbox);
  });

  after(async function () {
    await rig?.close();
  });

  it('an appointment created, changed and deleted in büro+ follows in the owner\'s and the participant\'s mailbox', async function () {
    const { sandbox } = rig;
    const row = sandbox.buero.db.insert('tblCalendar', termin(anna.nr, { fldTeilnehmer: String(ben.nr), fldKurzInfo: 'Jahresgespräch a <&> "b" </t:Subject><t:Bogus/>', fldOrt: 'Raum Köln' }));
    const id = row.fldID as number;
    for (const who of [anna, ben]) {
      const [item] = await waitFor(`appointment in ${who.mailbox}`, () => {
        const items = itemsOf(sandbox, who.mailbox, 'appointment', 'tblCalendar', id);
        return items.length ? items : undefined;
      });
      assert.equal(text(item, 'Subject'), 'Jahresgespräch a <&> "b" </t:Subject><t:Bogus/>', 'free text arrives exactly as typed');
      assert.equal(text(item, 'Location'), 'Raum Köln');
      assert.equal(new Date(text(item, 'Start')!).toISOString(), '2026-12-03T09:00:00.000Z', '10:00 in Berlin (CET) is 09:00 UTC');
    }

    sandbox.buero.db.modify('tblCalendar', id, { fldKurzInfo: 'Jahresgespräch (verschoben)', fldBeginn: '2026-12-04T14:00:00', fldEnde: '2026-12-04T15:00:00' });
    await waitFor('the changed subject', () => text(itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id)[0], 'Subject') === 'Jahresgespräch (verschoben)');
    const changed = itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id);
    assert.equal(changed.length, 1, 'an update changes the item, it does not add one');
    assert.equal(new Date(text(changed[0], 'Start')!).toISOString(), '2026-12-04T13:00:00.000Z');

    sandbox.buero.db.delete('tblCalendar', id);
    await waitFor('the appointment gone from both mailboxes', () =>
      [anna, ben].every((who) => itemsOf(sandbox, who.mailbox, 'appointment', 'tblCalendar', id).length === 0),
    );
  });

  it('a task created, completed and deleted in büro+ follows in the owner\'s tasks', async function () {
    const { sandbox } = rig;
    const row = sandbox.buero.db.insert('tblCalendar', { fldArt: 'Aufgabe', fldBzrNr: anna.nr, fldKurzInfo: 'Angebot für Müller & Söhne', fldBeginn: '2026-12-01T00:00:00', fldEnde: '2026-12-05T00:00:00' });
    const id = row.fldID as number;
    const [task] = await waitFor('the task', () => {
      const items = itemsOf(sandbox, anna.mailbox, 'task', 'tblCalendar', id);
      return items.length ? items : undefined;
    });
    assert.equal(text(task, 'Subject'), 'Angebot für Müller & Söhne');
    assert.equal(itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id).length, 0, 'a task is no appointment');

    sandbox.buero.db.modify('tblCalendar', id, { fldErledigt: true });
    await waitFor('the task completed', () => {
      const t = itemsOf(sandbox, anna.mailbox, 'task', 'tblCalendar', id)[0];
      return text(t, 'Status') === 'Completed' || text(t, 'IsComplete') === 'true' || text(t, 'PercentComplete') === '100';
    });

    sandbox.buero.db.delete('tblCalendar', id);
    await waitFor('the task gone', () => itemsOf(sandbox, anna.mailbox, 'task', 'tblCalendar', id).length === 0);
  });

  it('a follow-up (Wiedervorlage) never reaches Exchange', async function () {
    const { sandbox } = rig;
    const row = sandbox.buero.db.insert('tblCalendar', termin(anna.nr, { fldArt: 'Wiedervorlage', fldKurzInfo: 'Nachfassen' }));
    const marker = sandbox.buero.db.insert('tblCalendar', termin(anna.nr, { fldKurzInfo: 'Marker nach der Wiedervorlage' }));
    await waitFor('a later appointment', () => itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', marker.fldID as number).length === 1);
    for (const kind of ['appointment', 'task'] as const) {
      assert.equal(itemsOf(sandbox, anna.mailbox, kind, 'tblCalendar', row.fldID as number).length, 0);
    }
  });

  it('a contact person created in büro+ becomes a contact in every synced mailbox; address changes follow; deleting removes it', async function () {
    const { sandbox } = rig;
    const users = syncedUsers(sandbox);
    const adr = sandbox.buero.db.insert('tblAddresses', { fldNa1: 'Schröder & Weiß KG' });
    const postal = sandbox.buero.db.insert('tblPostalAddresses', { fldAdrNr: adr.fldAdrNr, fldStr: 'Domstraße 5', fldPLZ: '50667', fldOrt: 'Köln', fldLand: 'DE' });
    const person = sandbox.buero.db.insert('tblContactPeople', { fldAdrNr: adr.fldAdrNr, fldAnsNr: postal.fldAnsNr, fldVNa: 'Jürgen', fldNNa: 'Weiß', fldEMail1: 'j.weiss@schroeder-weiss.example' });
    const id = person.fldID as number;
    for (const u of users) {
      await waitFor(`contact in ${u.mailbox}`, () => itemsOf(sandbox, u.mailbox, 'contact', 'tblContactPeople', id).length === 1);
    }
    const [contact] = itemsOf(sandbox, anna.mailbox, 'contact', 'tblContactPeople', id);
    assert.equal(text(contact, 'Surname'), 'Weiß');
    assert.equal(text(contact, 'GivenName'), 'Jürgen');
    assert.equal(text(contact, 'CompanyName'), 'Schröder & Weiß KG');

    sandbox.buero.db.modify('tblAddresses', adr.fldID as number, { fldNa1: 'Schröder & Weiß GmbH' });
    await waitFor('the new company name', () => text(itemsOf(sandbox, anna.mailbox, 'contact', 'tblContactPeople', id)[0], 'CompanyName') === 'Schröder & Weiß GmbH');

    sandbox.buero.db.delete('tblContactPeople', id);
    await waitFor('the contact gone everywhere', () => users.every((u) => itemsOf(sandbox, u.mailbox, 'contact', 'tblContactPeople', id).length === 0));
  });

  it('a record from before the set-up arrives only once it is changed (B2)', async function () {
    const { sandbox } = rig;
    const old = sandbox.data.calendar.find((r) => r.fldArt === 'Termin' && r.fldBzrNr === anna.nr && !r.fldSerie) as Record<string, unknown>;
    const id = old.fldID as number;
    assert.equal(itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id).length, 0, 'not copied at set-up');
    sandbox.buero.db.modify('tblCalendar', id, { fldKurzInfo: 'Alter Termin, jetzt geändert' });
    await waitFor('the old appointment after its change', () => text(itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id)[0], 'Subject') === 'Alter Termin, jetzt geändert');
  });

  it('a user without the Mandant number gets nothing, and gets changes once the number is set — no restart (B11)', async function () {
    const { sandbox } = rig;
    const outsider = sandbox.data.users.find((u) => u.fldStartMandNr !== sandbox.data.mandant && String(u.fldExchPostfach ?? '').includes('@'));
    assert.ok(outsider, 'the demo data has a user with a mailbox but another start Mandant');
    const nr = outsider.fldNr as number;
    const mailbox = outsider.fldExchPostfach as string;
    const row = sandbox.buero.db.insert('tblCalendar', termin(nr, { fldKurzInfo: 'Nur für Mandant 1' }));
    const marker = sandbox.buero.db.insert('tblCalendar', termin(anna.nr, { fldKurzInfo: 'Marker' }));
    await waitFor('a later appointment of a synced user', () => itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', marker.fldID as number).length === 1);
    assert.equal(itemsOf(sandbox, mailbox, 'appointment', 'tblCalendar', row.fldID as number).length, 0);

    sandbox.buero.db.modifyUser(nr, { fldStartMandNr: sandbox.data.mandant });
    await new Promise((r) => setTimeout(r, 2500)); // the next poll re-reads the users
    sandbox.buero.db.modify('tblCalendar', row.fldID as number, { fldKurzInfo: 'Jetzt synchronisiert' });
    await waitFor('the appointment in the newly synced mailbox', () => text(itemsOf(sandbox, mailbox, 'appointment', 'tblCalendar', row.fldID as number)[0], 'Subject') === 'Jetzt synchronisiert');
  });

  it('info texts go to Exchange as HTML by default; RTF from büro+ arrives as clean text (B6)', async function () {
    const { sandbox } = rig;
    const rtf = '{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0 Gr\\\'fc\\\'dfe aus K\\\'f6ln\\par Zweite Zeile}';
    const row = sandbox.buero.db.insert('tblCalendar', termin(anna.nr, { fldKurzInfo: 'Mit Info', fldInfo: rtf }));
    const [item] = await waitFor('the appointment with info', () => {
      const items = itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', row.fldID as number);
      return items.length ? items : undefined;
    });
    const body = item.fields.Body as { $?: { BodyType?: string }; _?: string };
    assert.equal(body.$?.BodyType, 'HTML');
    assert.match(String(body._), /Grüße aus Köln/);
    assert.match(String(body._), /Zweite Zeile/);
    assert.doesNotMatch(String(body._), /rtf1|fonttbl/, 'no RTF control words');
  });

  it('the sync log names the connections and every transfer, and holds no secret (B13)', async function () {
    const log = rig.logText();
    assert.match(log, /Verbindung zu Exchange https:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx hergestellt/);
    assert.match(log, /Verbindung zu büro\+ .* hergestellt/);
    assert.match(log, /Übertragung: Termin angelegt, Postfach .*, Schlüssel buero:1:tblCalendar:\d+:\d+/);
    assert.match(log, /Übertragung: Termin gelöscht/);
    assert.match(log, /Übertragung: Kontakt angelegt/);
    for (const line of log.trim().split('\n')) assert.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d (INFO|WARN|ERROR) /, line);
    for (const secret of [SANDBOX.exchangePassword, SANDBOX.bueroToken, SANDBOX.clientSecret]) {
      assert.ok(!log.includes(secret), 'a secret in the sync log');
      assert.ok(!rig.nodeRed.output().includes(secret), "a secret in Node-RED's own log");
    }
  });

  it('the exported flow holds no secret; the config nodes keep only ${VARIABLE} references', async function () {
    const res = await fetch(`${rig.nodeRed.url}/flows`, { headers: { 'Node-RED-API-Version': 'v1' } });
    const flows = await res.text();
    for (const secret of [SANDBOX.exchangePassword, SANDBOX.bueroToken, SANDBOX.clientSecret]) assert.ok(!flows.includes(secret));
    assert.match(flows, /"\$\{BUERO_URL\}"/);
  });

  it('every item carries exactly one writer key, and no key is in a mailbox twice', function () {
    for (const mailbox of rig.sandbox.mailboxes) {
      const keys = rig.sandbox.ews.store.items(mailbox).map(keyOf);
      assert.ok(keys.every(Boolean), `an item without key in ${mailbox}`);
      assert.equal(new Set(keys).size, keys.length, `a duplicate in ${mailbox}`);
    }
    const stats = rig.sandbox.ews.stats();
    assert.equal(stats.schemaInvalid, 0, 'schema-invalid EWS requests');
    assert.equal(stats.missingAnchorMailbox, 0, 'EWS requests without X-AnchorMailbox');
  });
});

describe('end to end: plain text and "Informationen nicht hinterlegen" (B4–B6)', function () {
  this.timeout(120_000);
  let rig: SyncRig;

  before(async function () {
    rig = await startRig({ sandbox: { seed: 12 }, env: { SYNC_BODY_FORMAT: 'text', SYNC_KEEP_INFO: 'true' } });
  });

  after(async function () {
    await rig?.close();
  });

  it('the first write carries the info text as plain text; later büro+ edits of it never overwrite Outlook', async function () {
    const { sandbox } = rig;
    const [anna] = syncedUsers(sandbox);
    const row = sandbox.buero.db.insert('tblCalendar', termin(anna.nr, { fldKurzInfo: 'Geschützt', fldInfo: 'Bitte Unterlagen mitbringen' }));
    const id = row.fldID as number;
    const [item] = await waitFor('the appointment', () => {
      const items = itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id);
      return items.length ? items : undefined;
    });
    const body = item.fields.Body as { $?: { BodyType?: string }; _?: string };
    assert.equal(body.$?.BodyType, 'Text');
    assert.equal(String(body._).trim(), 'Bitte Unterlagen mitbringen');

    sandbox.buero.db.modify('tblCalendar', id, { fldKurzInfo: 'Geschützt (neu)', fldInfo: 'In büro+ geändert' });
    await waitFor('the new subject', () => text(itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id)[0], 'Subject') === 'Geschützt (neu)');
    const after = itemsOf(sandbox, anna.mailbox, 'appointment', 'tblCalendar', id)[0].fields.Body as { _?: string };
    assert.equal(String(after._).trim(), 'Bitte Unterlagen mitbringen', 'the info text in Outlook stays');
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { BueroCode } from '../../lib/error-codes';
import { ack } from '../../lib/ack-token';
import type { SyncError } from '../../lib/errors';
import { infoText } from '../../lib/log/format';
import { changeUser, type FeedRun, type Sim, startFeed, startSim, summary, tempDir } from './support/harness';

// The change source's engine against the büro+ simulator over real HTTP, with a real SQLite
// state file. Users 1 and 2 of the seeded data are synced; 3–6 are not.
describe('büro+ change feed (simulator over HTTP, SQLite state)', function () {
  this.timeout(30_000);
  let sim: Sim;
  let run: FeedRun;
  let file: string;

  const termin = (over: Record<string, unknown> = {}) => ({
    fldArt: 'Termin',
    fldBzrNr: 1,
    fldKurzInfo: 'Besprechung Müller & Söhne',
    fldBeginn: '2026-05-04T10:00:00',
    fldEnde: '2026-05-04T11:00:00',
    ...over,
  });

  beforeEach(async function () {
    sim = await startSim();
    file = path.join(tempDir(), 'buero-sync.sqlite');
    run = startFeed(sim, file);
  });

  afterEach(async function () {
    run.close();
    await sim.close();
  });

  describe('baseline', function () {
    it('emits nothing for what exists, then a changed record once; an idle poll is one request', async function () {
      const first = await run.feed.poll({ deletions: true });
      assert.deepEqual(first.baseline.sort(), ['tblAddresses', 'tblCalendar', 'tblContactPeople', 'tblPostalAddresses']);
      assert.equal(run.emitted.length, 0, 'pre-existing rows are not emitted');
      assert.ok(run.events.some((e) => e.type === 'info' && e.code === 'baseline' && /tblCalendar: 45 existing records/.test(infoText(e, 'en'))));

      const before = run.conn.client.requests;
      await run.feed.poll({});
      assert.equal(run.conn.client.requests - before, 1, 'nothing changed: one small request');
      assert.equal(run.emitted.length, 0);

      const existing = sim.db.rows('tblCalendar').find((r) => r.fldArt === 'Termin' && r.fldBzrNr === 1) as Record<string, unknown>;
      sim.db.modify('tblCalendar', existing.fldID as number, { fldKurzInfo: 'verschoben' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()).map((s) => s.split(' -> ')[0]), [`appointment/update tblCalendar:${existing.fldID}`]);
      assert.equal(run.emitted[0].payload.record?.fldKurzInfo, 'verschoben');
      run.ackAll();
      await run.feed.poll({ deletions: true });
      assert.equal(run.take().length, 0, 'emitted once');
    });

    it('LSNs beyond 2^53 are compared and committed exactly', async function () {
      run.close();
      await sim.close();
      sim = await startSim({ lsnStart: 2n ** 60n });
      run = startFeed(sim, path.join(tempDir(), 'buero-sync.sqlite'));
      await run.feed.poll({});
      const a = sim.db.insert('tblCalendar', termin({ fldKurzInfo: 'A' }));
      const b = sim.db.insert('tblCalendar', termin({ fldKurzInfo: 'B' }));
      await run.feed.poll({});
      assert.deepEqual(run.take().map((m) => m.payload.lsn), [String(a.fldModifyLSN), String(b.fldModifyLSN)]);
      assert.ok(BigInt(String(b.fldModifyLSN)) > 2n ** 60n);
      run.ackAll();
      assert.equal(run.store.cursor('tblCalendar'), BigInt(String(b.fldModifyLSN)));
      await run.feed.poll({});
      assert.equal(run.take().length, 0);
    });

    it('reads only the configured fields', async function () {
      await run.feed.poll({});
      sim.db.insert('tblCalendar', termin());
      await run.feed.poll({});
      const read = sim.requestLog.map((r) => r.query).filter((q) => q.includes('tblCalendar'));
      assert.ok(read.some((q) => q.includes('fldKurzInfo')));
      assert.ok(!read.some((q) => q.includes('fldQuickInfo') || q.includes('fldErstBzr')), 'unconfigured fields are not read');
    });
  });

  describe('appointments and tasks', function () {
    it('create, update, participant dropped, delete: owner and synced participants', async function () {
      await run.feed.poll({});
      const row = sim.db.insert('tblCalendar', termin({ fldTeilnehmer: '2;3' }));
      const id = row.fldID as number;
      await run.feed.poll({});
      // User 3 has no start Mandant: not a target.
      assert.deepEqual(summary(run.take()), [`appointment/create tblCalendar:${id} -> owner:1,participant:2`]);
      const created = run.emitted[0];
      assert.equal(created.payload.op, 'create');
      assert.equal(created.payload.mandant, 1);
      assert.equal(created.payload.lsn, String(row.fldModifyLSN));
      assert.equal(created.payload.targets[0].mailbox, 'anna.schaefer@firma.example');
      assert.deepEqual(created.ack, { source: created.ack?.source, seq: created.ack?.seq, parts: 1 });
      assert.equal(created.payload.fields?.calendar?.subject, 'fldKurzInfo');
      run.ackAll();

      sim.db.modify('tblCalendar', id, { fldOrt: 'Köln' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`appointment/update tblCalendar:${id} -> owner:1,participant:2`]);
      run.ackAll();

      sim.db.modify('tblCalendar', id, { fldTeilnehmer: '' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`appointment/update tblCalendar:${id} -> owner:1 removed participant:2`]);
      run.ackAll();

      sim.db.delete('tblCalendar', id);
      await run.feed.poll({});
      assert.equal(run.take().length, 0, 'deletions are found by the id check only');
      await run.feed.poll({ deletions: true });
      const del = run.take();
      assert.deepEqual(summary(del), [`appointment/delete tblCalendar:${id} ->  removed owner:1`]);
      assert.equal(del[0].payload.record, undefined);
    });

    it('tasks are emitted as task/…; an entry of a user who is not synced goes nowhere', async function () {
      await run.feed.poll({});
      const task = sim.db.insert('tblCalendar', { fldArt: 'Aufgabe', fldBzrNr: 2, fldKurzInfo: 'Angebot schreiben' });
      sim.db.insert('tblCalendar', termin({ fldBzrNr: 4 }));
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`task/create tblCalendar:${task.fldID} -> owner:2`]);
    });

    it('a participant of an entry owned by an unsynced user still gets it', async function () {
      await run.feed.poll({});
      const row = sim.db.insert('tblCalendar', termin({ fldBzrNr: 3, fldTeilnehmer: '1' }));
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`appointment/create tblCalendar:${row.fldID} -> participant:1`]);
    });

    it('follow-ups are never emitted; a Termin turned Wiedervorlage leaves the mailboxes', async function () {
      await run.feed.poll({});
      sim.db.insert('tblCalendar', termin({ fldArt: 'Wiedervorlage' }));
      await run.feed.poll({ deletions: true });
      assert.equal(run.take().length, 0);
      const row = sim.db.insert('tblCalendar', termin());
      await run.feed.poll({});
      run.take();
      run.ackAll();
      sim.db.modify('tblCalendar', row.fldID as number, { fldArt: 'Wiedervorlage' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`appointment/delete tblCalendar:${row.fldID} ->  removed owner:1`]);
      run.ackAll();
      sim.db.modify('tblCalendar', row.fldID as number, { fldKurzInfo: 'still a follow-up' });
      sim.db.delete('tblCalendar', row.fldID as number);
      await run.feed.poll({ deletions: true });
      assert.equal(run.take().length, 0);
    });

    it('a Termin turned Aufgabe: the appointment goes, a task comes', async function () {
      await run.feed.poll({});
      const row = sim.db.insert('tblCalendar', termin());
      await run.feed.poll({});
      run.take();
      run.ackAll();
      sim.db.modify('tblCalendar', row.fldID as number, { fldArt: 'Aufgabe' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`appointment/delete tblCalendar:${row.fldID} ->  removed owner:1`, `task/create tblCalendar:${row.fldID} -> owner:1`]);
    });

    it('kinds switched off are not emitted', async function () {
      run.close();
      run = startFeed(sim, file, { sync: { appointments: false, tasks: true, contacts: false } });
      await run.feed.poll({});
      sim.db.insert('tblCalendar', termin());
      const task = sim.db.insert('tblCalendar', { fldArt: 'Aufgabe', fldBzrNr: 1, fldKurzInfo: 'x' });
      sim.db.insert('tblAddresses', { fldNa1: 'Neu GmbH' });
      await run.feed.poll({ deletions: true });
      assert.deepEqual(summary(run.take()), [`task/create tblCalendar:${task.fldID} -> owner:1`]);
    });
  });

  describe('users, live', function () {
    it('a user gaining or losing the Mandant number or the mailbox counts from the next poll', async function () {
      await run.feed.poll({});
      assert.ok(run.events.some((e) => e.type === 'info' && e.code === 'users-synced' && /2 büro\+ users synced/.test(infoText(e, 'en'))));
      const row = sim.db.insert('tblCalendar', termin({ fldTeilnehmer: '2;3;5' }));
      const id = row.fldID as number;
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`appointment/create tblCalendar:${id} -> owner:1,participant:2`]);
      run.ackAll();

      // User 3 gets this Mandant as start Mandant, user 5 a mailbox: both synced at the next poll.
      changeUser(sim, 3, { fldStartMandNr: 1 });
      changeUser(sim, 5, { fldExchPostfach: 'guenter.strauss@firma.example' });
      sim.db.modify('tblCalendar', id, { fldOrt: 'Raum 2' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`appointment/update tblCalendar:${id} -> owner:1,participant:2,participant:3,participant:5`]);
      assert.deepEqual(
        run.events.flatMap((e) => (e.type === 'info' && e.code === 'user-added' ? [infoText(e, 'en')] : [])),
        ['büro+ user sgross (soeren.gross@firma.example) is now synced.', 'büro+ user gstrauss (guenter.strauss@firma.example) is now synced.'],
      );
      run.ackAll();

      // User 2 starts in another Mandant now, user 3 loses the mailbox: they drop out, untouched.
      changeUser(sim, 2, { fldStartMandNr: 2 });
      changeUser(sim, 3, { fldExchPostfach: null });
      sim.db.modify('tblCalendar', id, { fldOrt: 'Raum 3' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`appointment/update tblCalendar:${id} -> owner:1,participant:5`]);
      assert.equal(run.events.filter((e) => e.type === 'info' && e.code === 'user-removed').length, 2);
      assert.equal(run.feed.syncedUsers.length, 2);
    });
  });

  describe('contacts', function () {
    it('a change to an address, a postal address or a contact person emits the contacts it affects', async function () {
      await run.feed.poll({});
      const adr = sim.db.insert('tblAddresses', { fldNa1: 'Schröder & Weiß KG' });
      const adrNr = adr.fldAdrNr as string;
      const köln = sim.db.insert('tblPostalAddresses', { fldAdrNr: adrNr, fldOrt: 'Köln' });
      const bonn = sim.db.insert('tblPostalAddresses', { fldAdrNr: adrNr, fldOrt: 'Bonn' });
      const p1 = sim.db.insert('tblContactPeople', { fldAdrNr: adrNr, fldAnsNr: köln.fldAnsNr, fldVNa: 'Jürgen', fldNNa: 'Schröder' });
      const p2 = sim.db.insert('tblContactPeople', { fldAdrNr: adrNr, fldAnsNr: bonn.fldAnsNr, fldVNa: 'Åsa', fldNNa: 'Weiß' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [
        `contact/create tblContactPeople:${p1.fldID} -> contacts:1,contacts:2`,
        `contact/create tblContactPeople:${p2.fldID} -> contacts:1,contacts:2`,
      ]);
      const c1 = run.emitted[0].payload;
      assert.equal(c1.address?.fldNa1, 'Schröder & Weiß KG');
      assert.equal(c1.postalAddress?.fldOrt, 'Köln');
      assert.equal(c1.record?.fldVNa, 'Jürgen');
      run.ackAll();

      sim.db.modify('tblAddresses', adr.fldID as number, { fldNa1: 'Schröder & Weiß GmbH' });
      await run.feed.poll({});
      const byAddress = run.take();
      assert.deepEqual(byAddress.map((m) => `${m.topic} ${m.payload.id}`), [`contact/update ${p1.fldID}`, `contact/update ${p2.fldID}`]);
      assert.equal(byAddress[0].payload.address?.fldNa1, 'Schröder & Weiß GmbH');
      assert.ok(BigInt(byAddress[0].payload.lsn) > BigInt(p1.fldModifyLSN as string), 'the contact version follows its newest part');
      run.ackAll();

      sim.db.modify('tblPostalAddresses', bonn.fldID as number, { fldStr: 'Poppelsdorfer Allee 1' });
      await run.feed.poll({});
      const byPostal = run.take();
      assert.deepEqual(byPostal.map((m) => `${m.topic} ${m.payload.id}`), [`contact/update ${p2.fldID}`]);
      assert.equal(byPostal[0].payload.postalAddress?.fldStr, 'Poppelsdorfer Allee 1');
      run.ackAll();

      sim.db.modify('tblContactPeople', p1.fldID as number, { fldEMail1: 'j.schroeder@example.com' });
      await run.feed.poll({});
      assert.deepEqual(run.take().map((m) => `${m.topic} ${m.payload.id}`), [`contact/update ${p1.fldID}`]);
      run.ackAll();

      sim.db.delete('tblContactPeople', p1.fldID as number);
      await run.feed.poll({ deletions: true });
      assert.deepEqual(summary(run.take()), [`contact/delete tblContactPeople:${p1.fldID} ->  removed contacts:1,contacts:2`]);
      run.ackAll();

      // The last contact person goes: the address becomes a company contact.
      sim.db.delete('tblContactPeople', p2.fldID as number);
      await run.feed.poll({ deletions: true });
      assert.deepEqual(summary(run.take()), [
        `contact/delete tblContactPeople:${p2.fldID} ->  removed contacts:1,contacts:2`,
        `contact/update tblAddresses:${adr.fldID} -> contacts:1,contacts:2`,
      ]);
      run.ackAll();

      // A contact person again: the company contact leaves the mailboxes.
      const p3 = sim.db.insert('tblContactPeople', { fldAdrNr: adrNr, fldNNa: 'Neumann' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [
        `contact/create tblContactPeople:${p3.fldID} -> contacts:1,contacts:2`,
        `contact/delete tblAddresses:${adr.fldID} ->  removed contacts:1,contacts:2`,
      ]);
      run.ackAll();

      // The whole address goes (büro+ deletes its postal addresses and contact people with it).
      sim.db.delete('tblAddresses', adr.fldID as number);
      await run.feed.poll({ deletions: true });
      assert.deepEqual(summary(run.take()), [`contact/delete tblContactPeople:${p3.fldID} ->  removed contacts:1,contacts:2`]);
    });

    it('an existing address without contact people is emitted as a company contact when it changes', async function () {
      await run.feed.poll({});
      const lonely = sim.db.rows('tblAddresses').find((a) => !sim.db.rows('tblContactPeople').some((p) => p.fldAdrNr === a.fldAdrNr)) as Record<string, unknown>;
      assert.ok(lonely, 'the seeded data has an address without contact people');
      sim.db.modify('tblAddresses', lonely.fldID as number, { fldEMail1: 'info@example.com' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`contact/update tblAddresses:${lonely.fldID} -> contacts:1,contacts:2`]);
    });

    it('contacts go to the listed mailboxes when set', async function () {
      run.close();
      run = startFeed(sim, file, { contactMailboxes: ['kontakte@firma.example'] });
      await run.feed.poll({});
      const adr = sim.db.insert('tblAddresses', { fldNa1: 'Ohne Ansprechpartner AG' });
      await run.feed.poll({});
      assert.deepEqual(summary(run.take()), [`contact/create tblAddresses:${adr.fldID} -> contacts:kontakte@firma.example`]);
      assert.equal(run.emitted[0].payload.targets[0].user, undefined);
    });
  });

  describe('backfill', function () {
    it('the dry run counts per mailbox and kind; the real run emits each existing record once', async function () {
      await run.feed.poll({});
      const dry = await run.feed.backfill({ dryRun: true });
      assert.equal(run.emitted.length, 0, 'a dry run emits nothing');
      const rows = sim.db.rows('tblCalendar');
      const synced = new Set([1, 2]);
      const reaches = (r: Record<string, unknown>) =>
        synced.has(r.fldBzrNr as number) || String(r.fldTeilnehmer ?? '').split(';').some((n) => synced.has(Number(n)));
      const appointments = rows.filter((r) => r.fldArt === 'Termin' && reaches(r)).length;
      const tasks = rows.filter((r) => r.fldArt === 'Aufgabe' && reaches(r)).length;
      const people = sim.db.rows('tblContactPeople').length;
      const companies = sim.db.rows('tblAddresses').filter((a) => !sim.db.rows('tblContactPeople').some((p) => p.fldAdrNr === a.fldAdrNr)).length;
      assert.deepEqual(dry.changes, { appointment: appointments, task: tasks, contact: people + companies });
      const anna = dry.perMailbox['anna.schaefer@firma.example'];
      const annaAppointments = rows.filter((r) => r.fldArt === 'Termin' && (r.fldBzrNr === 1 || String(r.fldTeilnehmer ?? '').split(';').includes('1'))).length;
      assert.equal(anna.appointment, annaAppointments);
      assert.equal(anna.contact, people + companies);
      assert.ok(run.events.some((e) => e.type === 'info' && e.code === 'backfill-dry-run'));

      const real = await run.feed.backfill({ dryRun: false });
      assert.deepEqual(real.changes, dry.changes);
      const msgs = run.take();
      assert.equal(msgs.length, appointments + tasks + people + companies);
      assert.ok(!msgs.some((m) => m.payload.kind === 'appointment' && m.payload.record?.fldArt === 'Wiedervorlage'));
      run.ackAll();
      assert.equal(run.feed.pending, 0);
      // Backfilled records are now in the mailboxes: deleting one emits its delete.
      const one = msgs.find((m) => m.payload.kind === 'appointment')!;
      sim.db.delete('tblCalendar', one.payload.id);
      await run.feed.poll({ deletions: true });
      assert.deepEqual(run.take().map((m) => `${m.topic} ${m.payload.id}`), [`appointment/delete ${one.payload.id}`]);
    });
  });

  describe('nothing lost', function () {
    it('a feed dropped without acks: a new one on the same file emits the unacknowledged changes again', async function () {
      await run.feed.poll({});
      const ids = [1, 2, 3, 4, 5].map((i) => sim.db.insert('tblCalendar', termin({ fldKurzInfo: `T${i}` })).fldID as number);
      await run.feed.poll({});
      assert.equal(run.emitted.length, 5);
      // The first two are handed on; then the process dies.
      ack(run.emitted[0].ack);
      ack(run.emitted[1].ack);
      run.close();
      sim.db.modify('tblCalendar', ids[0], { fldKurzInfo: 'changed while down' });

      run = startFeed(sim, file);
      await run.feed.poll({});
      assert.deepEqual(run.take().map((m) => `${m.topic} ${m.payload.id}`), [
        `appointment/create ${ids[2]}`,
        `appointment/create ${ids[3]}`,
        `appointment/create ${ids[4]}`,
        `appointment/update ${ids[0]}`,
      ].sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1])));
      run.ackAll();
      run.close();

      run = startFeed(sim, file);
      await run.feed.poll({ deletions: true });
      assert.equal(run.take().length, 0, 'all handed on: nothing comes back');
    });

    it('an unacknowledged deletion is found again after a restart', async function () {
      await run.feed.poll({});
      const row = sim.db.insert('tblCalendar', termin());
      await run.feed.poll({});
      run.ackAll();
      sim.db.delete('tblCalendar', row.fldID as number);
      await run.feed.poll({ deletions: true });
      assert.equal(run.take().filter((m) => m.payload.op === 'delete').length, 1);
      run.close();
      run = startFeed(sim, file);
      await run.feed.poll({ deletions: true });
      assert.deepEqual(run.take().map((m) => `${m.topic} ${m.payload.id}`), [`appointment/delete ${row.fldID}`]);
      run.ackAll();
      await run.feed.poll({ deletions: true });
      assert.equal(run.take().length, 0);
    });

    it('a change the writer may have taken before a crash, deleted while down: its delete still comes', async function () {
      await run.feed.poll({});
      const row = sim.db.insert('tblCalendar', termin({ fldTeilnehmer: '2' }));
      await run.feed.poll({});
      assert.equal(run.emitted.length, 1);
      run.close(); // died before the acknowledgement was recorded
      sim.db.delete('tblCalendar', row.fldID as number);
      run = startFeed(sim, file);
      await run.feed.poll({ deletions: true });
      assert.deepEqual(summary(run.take()), [`appointment/delete tblCalendar:${row.fldID} ->  removed owner:1,participant:2`]);
      run.ackAll();
      run.close();
      run = startFeed(sim, file);
      await run.feed.poll({ deletions: true });
      assert.equal(run.take().length, 0, 'handed on: not again');
    });

    it('the cursor waits for the oldest unacknowledged change; acks in any order', async function () {
      await run.feed.poll({});
      for (let i = 0; i < 4; i++) sim.db.insert('tblCalendar', termin({ fldKurzInfo: `T${i}` }));
      await run.feed.poll({});
      const [a, b, c, d] = run.emitted;
      ack(d.ack);
      ack(b.ack);
      assert.equal(run.store.cursor('tblCalendar'), BigInt(a.payload.lsn) - 1n);
      ack(a.ack);
      assert.equal(run.store.cursor('tblCalendar'), BigInt(c.payload.lsn) - 1n);
      ack(c.ack);
      assert.equal(run.store.cursor('tblCalendar'), BigInt(d.payload.lsn));
    });

    it('too many unacknowledged changes: reading waits until acks come', async function () {
      run.close();
      run = startFeed(sim, file, { maxPending: 2 });
      await run.feed.poll({});
      for (let i = 0; i < 3; i++) sim.db.insert('tblCalendar', termin({ fldKurzInfo: `W${i}` }));
      await run.feed.poll({});
      assert.equal(run.take().length, 3);
      sim.db.insert('tblCalendar', termin({ fldKurzInfo: 'W3' }));
      const waiting = await run.feed.poll({});
      assert.equal(waiting.waitingForAcks, true);
      assert.equal(run.take().length, 0);
      run.ackAll();
      await run.feed.poll({});
      assert.deepEqual(run.take().map((m) => m.payload.record?.fldKurzInfo), ['W3']);
    });

    it('the limit counts messages: a change to two mailboxes counts twice; acks that bring it below say "read more" once', async function () {
      run.close();
      let readyCalls = 0;
      run = startFeed(sim, file, { maxPending: 3, readyForMore: () => readyCalls++ });
      await run.feed.poll({});
      for (let i = 0; i < 2; i++) sim.db.insert('tblCalendar', termin({ fldKurzInfo: `M${i}`, fldTeilnehmer: '2' }));
      await run.feed.poll({});
      // Two changes, four messages (owner and participant each): at the limit of 3, where
      // counting changes (2) would read on.
      assert.equal(run.take().length, 2);
      sim.db.insert('tblCalendar', termin({ fldKurzInfo: 'M2' }));
      assert.equal((await run.feed.poll({})).waitingForAcks, true);
      assert.equal(run.take().length, 0);
      assert.equal(readyCalls, 0, 'nothing acknowledged yet');
      run.ackAll();
      assert.equal(readyCalls, 1, 'the acknowledgements that free the limit say so once');
      const next = await run.feed.poll({});
      assert.equal(next.waitingForAcks, false);
      assert.deepEqual(run.take().map((m) => m.payload.record?.fldKurzInfo), ['M2']);
      run.ackAll();
      assert.equal(readyCalls, 1, 'not again when the feed was not waiting');
    });

    it('more changes than a page: every one is emitted, in passes', async function () {
      run.close();
      run = startFeed(sim, file, { pageSize: 7 });
      await run.feed.poll({});
      const ids = Array.from({ length: 40 }, (_, i) => sim.db.insert('tblCalendar', termin({ fldKurzInfo: `P${i}` })).fldID as number);
      for (let i = 0; i < 40; i += 3) sim.db.modify('tblCalendar', ids[i], { fldOrt: 'Hamburg' });
      let more = true;
      for (let n = 0; more && n < 20; n++) more = (await run.feed.poll({})).more;
      const seen = new Set(run.emitted.map((m) => m.payload.id));
      assert.deepEqual([...seen].sort((x, y) => x - y), ids);
      const last = new Map(run.emitted.map((m) => [m.payload.id, m.payload.record?.fldOrt]));
      for (let i = 0; i < 40; i += 3) assert.equal(last.get(ids[i]), 'Hamburg');
    });
  });

  describe('faults', function () {
    it('an unknown field stops the poll with an error naming field, type and setting', async function () {
      run.close();
      run = startFeed(sim, file, { fields: { calendar: { subject: 'fldBetreff' } } });
      await assert.rejects(run.feed.poll({}), (e: SyncError) => {
        assert.equal(e.code, BueroCode.unknownField);
        assert.equal(e.field, 'fldBetreff');
        assert.match(e.message, /fldBetreff on type CalendarEntry/);
        assert.match(e.message, /calendar\.subject/);
        return true;
      });
    });

    it('a malformed row is an error naming the record and field; the rest goes on', async function () {
      // büro+ here calls tasks "Aufgabe"; a connection set to "ToDo" meets rows it cannot place.
      run.close();
      run = startFeed(sim, file, { fields: { calendarKinds: { task: 'ToDo' } } });
      await run.feed.poll({});
      const task = sim.db.insert('tblCalendar', { fldArt: 'Aufgabe', fldBzrNr: 1, fldKurzInfo: 'x' });
      const appt = sim.db.insert('tblCalendar', termin());
      await run.feed.poll({});
      assert.deepEqual(run.take().map((m) => m.payload.id), [appt.fldID]);
      assert.equal(run.errors.length, 1);
      assert.equal(run.errors[0].record, `tblCalendar ${task.fldID}`);
      assert.equal(run.errors[0].field, 'fldArt');
      run.ackAll();
      await run.feed.poll({});
      assert.equal(run.errors.length, 1, 'the cursor moved past it: reported once');
    });

    it('a Mandant that does not match stops with a clear error', async function () {
      run.close();
      run = startFeed(sim, file, { mandant: 2 });
      await assert.rejects(run.feed.poll({}), /serves Mandant 1, but the büro\+ connection is set to Mandant 2/);
      assert.equal(sim.requestLog.filter((r) => r.query.includes('tblCalendar')).length, 0, 'no data of the wrong Mandant was read');
    });

    it('büro+ stopped: the poll fails as retryable; afterwards everything is caught up', async function () {
      await run.feed.poll({});
      await sim.stop();
      const made = [sim.db.insert('tblCalendar', termin({ fldKurzInfo: 'A' })).fldID, sim.db.insert('tblCalendar', termin({ fldKurzInfo: 'B' })).fldID];
      await assert.rejects(run.feed.poll({}), (e: SyncError) => e.code === BueroCode.unreachable && e.retryable);
      await sim.start();
      sim.faults.http5xxRate = 1;
      await assert.rejects(run.feed.poll({}), (e: SyncError) => e.code === BueroCode.unavailable && e.retryable);
      sim.faults.http5xxRate = 0;
      await run.feed.poll({});
      assert.deepEqual(run.take().map((m) => m.payload.id), made);
    });
  });
});

import assert from 'node:assert/strict';
import { BueroClient, StaticToken } from '../../lib/buero/client';
import { type FieldMap, resolveFieldMap } from '../../lib/buero/fields';
import { HttpTransport } from '../../lib/buero/http';
import { BueroWriter, type BueroWriterOptions, type CreateRequest, type WriteResult } from '../../lib/buero/writer';
import { BueroCode } from '../../lib/error-codes';
import type { Appointment, Task } from '../../lib/exchange/model';
import { appointmentToBuero, taskToBuero } from '../../lib/mapping/back';
import { openStateDb } from '../../lib/state/db';
import type { StateDb } from '../../lib/state/db';
import { generateBueroData, startBueroSimulator, type BueroSimulator } from '../../sandbox/buero';

// The büro+ writer of the way back against the büro+ simulator over real HTTP, with a real
// SQLite state (pending creates). User 1 is the static token's user and the owner.
describe('büro+ writer (the way back) against the simulator', function () {
  this.timeout(20_000);
  const mailbox = 'anna@firma.example';
  let sim: BueroSimulator;
  let db: StateDb;
  let transport: HttpTransport;
  let client: BueroClient;
  let fields: FieldMap;
  let now: number;
  let sleeps: number[];
  let writer: BueroWriter;

  const makeWriter = (over: Partial<BueroWriterOptions> = {}) =>
    new BueroWriter({ client, db, fields, timeZone: 'Europe/Berlin', clock: () => now, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, ...over });
  const settings = () => ({ fields, timeZone: 'Europe/Berlin' });
  const appointment = (over: Partial<Appointment> = {}): Appointment => ({
    subject: 'Kundentermin Müller',
    start: '2026-05-04T10:00:00+02:00',
    end: '2026-05-04T11:00:00+02:00',
    timeZone: 'Europe/Berlin',
    isAllDay: false,
    location: 'Raum 2',
    reminderMinutes: 15,
    ...over,
  });
  const createOf = (itemId: string, item: Appointment = appointment()): CreateRequest => ({
    mailbox,
    itemId,
    kind: 'appointment',
    owner: 1,
    values: appointmentToBuero(item, settings(), { mailbox, itemId }).values,
  });
  const saved = (r: WriteResult) => {
    assert.equal(r.outcome, 'saved', JSON.stringify(r));
    return r as Extract<WriteResult, { outcome: 'saved' }>;
  };
  const failed = (r: WriteResult) => {
    assert.equal(r.outcome, 'failed', JSON.stringify(r));
    return (r as Extract<WriteResult, { outcome: 'failed' }>).error;
  };
  const calendarCount = () => sim.db.count('tblCalendar');

  beforeEach(async function () {
    now = Date.UTC(2026, 4, 4, 8, 0);
    sleeps = [];
    sim = await startBueroSimulator({
      data: generateBueroData({ seed: 5, users: 4, appointments: 8, tasks: 2, followUps: 0, addresses: 2 }),
      auth: { staticToken: 'T' },
      clock: () => now,
    });
    db = openStateDb(':memory:');
    fields = resolveFieldMap(undefined);
    transport = new HttpTransport();
    client = new BueroClient({ endpoint: sim.url, transport, auth: new StaticToken('T'), fields });
    writer = makeWriter();
  });
  afterEach(async function () {
    transport.close();
    db.close();
    await sim.close();
  });

  it('introspects how büro+ lets this user write: rowNew/rowModify types, the byID index with kf1ID, the modifyLSN lock', async function () {
    const shape = await writer.shape();
    assert.deepEqual([shape.newType, shape.modifyType, shape.lockArgument], ['CalendarEntryRowMutationNew', 'CalendarEntryRowMutationModify', 'modifyLSN']);
    assert.deepEqual(shape.index, { name: 'byID', idKey: 'kf1ID', offered: true, available: ['byID.kf1ID'] });
    assert.ok(shape.settableOnModify.includes('fldKurzInfo') && !shape.settableOnModify.includes('fldModifyLSN'));
  });

  it('creates an appointment for its owner with only the given fields, reads it back, and keeps a pending create with the record until it is recorded', async function () {
    const before = calendarCount();
    const r = saved(await writer.create(createOf('AAMk-1')));
    assert.equal(calendarCount(), before + 1);
    const row = sim.db.get('tblCalendar', r.row.id)!;
    assert.deepEqual(
      [row.fldArt, row.fldBzrNr, row.fldKurzInfo, row.fldBeginn, row.fldEnde, row.fldGanzTg, row.fldOrt, row.fldErinnMin, row.fldInfo],
      ['Termin', 1, 'Kundentermin Müller', '2026-05-04T10:00:00', '2026-05-04T11:00:00', false, 'Raum 2', 15, null],
    );
    assert.equal(r.row.lsn, String(row.fldModifyLSN));
    assert.deepEqual(r.row.values.fldBeginn, '2026-05-04T10:00:00');
    assert.deepEqual(r.changedOnSave, []);
    assert.equal(writer.pending.get(mailbox, 'AAMk-1')?.recordId, r.row.id);
    writer.clearPending({ mailbox: 'ANNA@firma.example', itemId: 'AAMk-1' });
    assert.equal(writer.pending.list().length, 0);
  });

  it('creates a task (kind Aufgabe, dates, done)', async function () {
    const task: Task = { subject: 'Angebot nachfassen', startDate: '2026-05-04', dueDate: '2026-05-08', timeZone: 'Europe/Berlin', complete: true };
    const values = taskToBuero(task, settings(), { mailbox, itemId: 'T-1' }).values;
    const r = saved(await writer.create({ mailbox, itemId: 'T-1', kind: 'task', owner: 1, values }));
    const row = sim.db.get('tblCalendar', r.row.id)!;
    assert.deepEqual([row.fldArt, row.fldBeginn, row.fldEnde, row.fldErledigt], ['Aufgabe', '2026-05-04T00:00:00', '2026-05-08T00:00:00', true]);
  });

  it('modifies only the given fields of the version it merged against; deletes the version it merged against', async function () {
    const id = saved(await writer.create(createOf('AAMk-2'))).row.id;
    const row = sim.db.get('tblCalendar', id)!;
    const r = saved(await writer.modify({ mailbox, itemId: 'AAMk-2', id, expectedLsn: String(row.fldModifyLSN), values: { fldOrt: 'Raum 7' } }));
    const after = sim.db.get('tblCalendar', id)!;
    assert.deepEqual([after.fldOrt, after.fldKurzInfo, after.fldBeginn], ['Raum 7', row.fldKurzInfo, row.fldBeginn]);
    assert.deepEqual(Object.keys(r.row.values), ['fldOrt']);
    assert.ok(BigInt(r.row.lsn) > (row.fldModifyLSN as bigint));
    const d = await writer.delete({ mailbox, itemId: 'AAMk-2', id, expectedLsn: r.row.lsn });
    assert.deepEqual(d, { outcome: 'deleted', id });
    assert.equal(sim.db.get('tblCalendar', id), undefined);
  });

  it('returns what büro+ saved: a subject its business rule trims is read back trimmed and named in changedOnSave', async function () {
    const id = saved(await writer.create(createOf('AAMk-3'))).row.id;
    const r = saved(await writer.modify({ mailbox, itemId: 'AAMk-3', id, values: { fldKurzInfo: '  Neu aus Outlook ' } }));
    assert.equal(r.row.values.fldKurzInfo, 'Neu aus Outlook');
    assert.deepEqual(r.changedOnSave, ['fldKurzInfo']);
  });

  for (const lock of ['modifyLSN', 'noSuchArgument']) {
    it(`a version changed in büro+ meanwhile is the result "changed" with büro+'s row, and nothing is written (lock argument ${lock === 'modifyLSN' ? 'offered' : 'not offered: read, compare, write'})`, async function () {
      fields.calendarWrite.lockArgument = lock;
      writer = makeWriter();
      const first = saved(await writer.create(createOf('AAMk-4')));
      sim.db.modify('tblCalendar', first.row.id, { fldKurzInfo: 'In büro+ geändert' });
      const lsn = sim.db.currentLsn();
      const r = await writer.modify({ mailbox, itemId: 'AAMk-4', id: first.row.id, expectedLsn: first.row.lsn, values: { fldOrt: 'aus Outlook' } });
      assert.equal(r.outcome, 'changed');
      const current = (r as Extract<WriteResult, { outcome: 'changed' }>).current;
      assert.equal(current.values.fldKurzInfo, 'In büro+ geändert');
      assert.equal(current.lsn, String(lsn));
      assert.equal(sim.db.currentLsn(), lsn, 'nothing written');
      assert.equal((await writer.delete({ mailbox, itemId: 'AAMk-4', id: first.row.id, expectedLsn: first.row.lsn })).outcome, 'changed');
      assert.ok(sim.db.get('tblCalendar', first.row.id));
      saved(await writer.modify({ mailbox, itemId: 'AAMk-4', id: first.row.id, expectedLsn: current.lsn, values: { fldOrt: 'aus Outlook' } }));
      assert.equal(sim.db.get('tblCalendar', first.row.id)!.fldOrt, 'aus Outlook');
      const sent = sim.requestLog.filter((e) => /rowModify/.test(e.query)).map((e) => /modifyLSN/.test(e.query));
      assert.deepEqual(sent, lock === 'modifyLSN' ? [true, true] : [false]);
    });
  }

  it('a record deleted in büro+ meanwhile: modify and delete fail with BUERO_RECORD_GONE naming mailbox, item and record', async function () {
    const id = saved(await writer.create(createOf('AAMk-5'))).row.id;
    sim.db.delete('tblCalendar', id);
    for (const r of [await writer.modify({ mailbox, itemId: 'AAMk-5', id, values: { fldOrt: 'x' } }), await writer.delete({ mailbox, itemId: 'AAMk-5', id })]) {
      const e = failed(r);
      assert.equal(e.code, BueroCode.recordGone);
      assert.equal(e.record, `tblCalendar ${id}`);
      assert.match(e.message, new RegExp(`^anna@firma\\.example, Outlook item AAMk-5: tblCalendar ${id} no longer exists in büro\\+`));
    }
  });

  it('a field the büro+ user may not write: BUERO_FIELD_NOT_WRITABLE naming the field, its setting, the right to grant, mailbox and item; nothing written', async function () {
    const id = saved(await writer.create(createOf('AAMk-6'))).row.id;
    sim.fieldRights[sim.db.get('tblUsers', 1)!.fldAnmNa as string] = { tblCalendar: ['fldOrt'] };
    const lsn = sim.db.currentLsn();
    const e = failed(await writer.modify({ mailbox, itemId: 'AAMk-6', id, values: { fldKurzInfo: 'Neu', fldOrt: 'Raum 9' } }));
    assert.equal(e.code, BueroCode.fieldNotWritable);
    assert.equal(e.field, 'fldOrt');
    assert.equal(e.retryable, false);
    assert.match(e.message, /^anna@firma\.example, Outlook item AAMk-6 \(tblCalendar \d+\): the büro\+ user of this connection may not write fldOrt \(setting büro\+ connection → field names → calendar\.location\) of tblCalendar/);
    assert.match(e.message, /give that user the right to change this field/);
    assert.equal(sim.db.currentLsn(), lsn);
    const c = failed(await writer.create(createOf('AAMk-7')));
    assert.equal(c.field, 'fldOrt');
    assert.equal(writer.pending.get(mailbox, 'AAMk-7'), undefined, 'a refused create is no pending create');
  });

  it('a value büro+ refuses (a subject longer than it takes): BUERO_VALUE_REFUSED naming the field; one bad item among good ones fails alone', async function () {
    const before = calendarCount();
    const results = await Promise.all([
      writer.create(createOf('ok-1')),
      writer.create(createOf('bad', appointment({ subject: 'Sehr lange Besprechung '.repeat(5) }))),
      writer.create(createOf('ok-2', appointment({ subject: 'Zweiter' }))),
    ]);
    assert.deepEqual(results.map((r) => r.outcome), ['saved', 'failed', 'saved']);
    const e = failed(results[1]);
    assert.equal(e.code, BueroCode.valueRefused);
    assert.equal(e.field, 'fldKurzInfo');
    assert.match(e.message, /^anna@firma\.example, Outlook item bad \(tblCalendar \(new entry\)\): büro\+ refused the value of fldKurzInfo \(setting büro\+ connection → field names → calendar\.subject\): .*büro\+ takes at most 80/);
    assert.equal(calendarCount(), before + 2);
    assert.deepEqual(writer.pending.list().map((p) => p.itemId).sort(), ['ok-1', 'ok-2']);
  });

  it('retries a write after HTTP 503 with back-off, and writes once', async function () {
    // The simulator draws once per request: below the rate → 503. Two 503s, then through.
    const draws = [0, 0, 0.9];
    await sim.close();
    sim = await startBueroSimulator({
      data: generateBueroData({ seed: 5, users: 4, appointments: 8, tasks: 2, followUps: 0, addresses: 2 }),
      auth: { staticToken: 'T' },
      clock: () => now,
      faults: { http5xxRate: 0.5 },
      random: () => draws.shift() ?? 0.9,
    });
    transport.close();
    transport = new HttpTransport();
    client = new BueroClient({ endpoint: sim.url, transport, auth: new StaticToken('T'), fields });
    writer = makeWriter();
    const before = calendarCount();
    const r = saved(await writer.create(createOf('AAMk-503')));
    assert.equal(calendarCount(), before + 1);
    assert.equal(sleeps.length, 2, 'two waits before the third try');
    assert.ok(sleeps[1] > sleeps[0], 'growing back-off');
    assert.equal(sim.db.get('tblCalendar', r.row.id)!.fldKurzInfo, 'Kundentermin Müller');
  });

  it('gives up after the tries with a retryable error, keeps the pending create, and the next call creates once', async function () {
    sim.faults.http5xxRate = 1;
    const e = failed(await writer.create(createOf('AAMk-down')));
    assert.equal(e.code, BueroCode.unavailable);
    assert.equal(e.retryable, true);
    assert.match(e.message, /^anna@firma\.example, Outlook item AAMk-down \(tblCalendar \(new entry\)\): büro\+ at .* answered HTTP 503/);
    assert.ok(writer.pending.get(mailbox, 'AAMk-down'));
    sim.faults.http5xxRate = 0;
    const before = calendarCount();
    saved(await writer.create(createOf('AAMk-down')));
    assert.equal(calendarCount(), before + 1);
  });

  describe('pending creates after a crash', function () {
    /** A writer whose process "dies" around the rowNew: the promise never settles, no code after it runs. */
    const dyingWriter = (when: 'before send' | 'after send') =>
      makeWriter({
        client: {
          query: (text) => client.query(text),
          mutate: async (text) => {
            if (when === 'after send') await client.mutate(text);
            return new Promise(() => undefined);
          },
        },
      });

    it('büro+ made the entry, the answer was lost: the restarted writer finds it and creates no second row', async function () {
      const before = calendarCount();
      void dyingWriter('after send').create(createOf('AAMk-crash'));
      await until(() => calendarCount() === before + 1);
      assert.equal(writer.pending.get(mailbox, 'AAMk-crash')?.recordId, undefined, 'the crash came before büro+ answered');
      now += 3 * 60_000;
      const r = saved(await makeWriter().create(createOf('AAMk-crash')));
      assert.equal(r.recovered, true);
      assert.equal(calendarCount(), before + 1, 'no second row');
      assert.equal(writer.pending.get(mailbox, 'AAMk-crash')?.recordId, r.row.id);
    });

    it('the rowNew never left: the restarted writer creates the entry once', async function () {
      const before = calendarCount();
      void dyingWriter('before send').create(createOf('AAMk-lost'));
      await until(() => writer.pending.get(mailbox, 'AAMk-lost') !== undefined);
      const r = saved(await makeWriter().create(createOf('AAMk-lost')));
      assert.equal(r.recovered, undefined);
      assert.equal(calendarCount(), before + 1);
    });

    it('büro+ answered but the way back had not recorded it: found by its record id, brought to the values the item has now', async function () {
      const first = saved(await writer.create(createOf('AAMk-rec')));
      const before = calendarCount();
      const r = saved(await makeWriter().create(createOf('AAMk-rec', appointment({ location: 'Raum 11' }))));
      assert.deepEqual([r.recovered, r.row.id], [true, first.row.id]);
      assert.equal(calendarCount(), before);
      assert.equal(sim.db.get('tblCalendar', first.row.id)!.fldOrt, 'Raum 11');
    });

    it('never takes a wrong row: not one linked to another item, of another owner or kind, made before the window, or taken by another pending create', async function () {
      const item = appointment({ subject: 'Zwilling' });
      const values = { fldArt: 'Termin', fldBzrNr: 1, ...createOf('x', item).values };
      sim.db.insert('tblCalendar', values); // three hours before the creates below: outside the window
      now += 3 * 3600_000;
      const linked = sim.db.insert('tblCalendar', values).fldID as number;
      sim.db.insert('tblCalendar', { ...values, fldBzrNr: 2 });
      sim.db.insert('tblCalendar', { ...values, fldArt: 'Wiedervorlage' });
      const twinsBefore = calendarCount();
      const a = dyingWriter('after send');
      void a.create(createOf('twin-a', item));
      await until(() => calendarCount() === twinsBefore + 1);
      void dyingWriter('after send').create(createOf('twin-b', item));
      await until(() => calendarCount() === twinsBefore + 2);
      const restarted = makeWriter({ isLinked: (id) => id === linked });
      const [ra, rb] = [saved(await restarted.create(createOf('twin-a', item))), saved(await restarted.create(createOf('twin-b', item)))];
      assert.deepEqual([ra.recovered, rb.recovered], [true, true]);
      assert.notEqual(ra.row.id, rb.row.id, 'each pending create takes its own row');
      assert.ok(ra.row.id > twinsBefore && rb.row.id > twinsBefore, 'the rows made by the two creates');
      assert.equal(calendarCount(), twinsBefore + 2);
    });
  });

  describe('values exactly as büro+ stores them (through lib/mapping/back.ts)', function () {
    const cases: Array<[string, Partial<Appointment>, [string, string, boolean]]> = [
      ['spring change, before and after the gap', { start: '2026-03-29T01:30:00+01:00', end: '2026-03-29T03:30:00+02:00' }, ['2026-03-29T01:30:00', '2026-03-29T03:30:00', false]],
      ['fall change, 02:30 summer time to 03:30 winter time', { start: '2026-10-25T00:30:00Z', end: '2026-10-25T02:30:00Z' }, ['2026-10-25T02:30:00', '2026-10-25T03:30:00', false]],
      ['all-day on the spring change (a 23-hour day)', { isAllDay: true, start: '2026-03-29T00:00:00+01:00', end: '2026-03-30T00:00:00+02:00' }, ['2026-03-29T00:00:00', '2026-03-29T00:00:00', true]],
      ['all-day over the fall change, three days', { isAllDay: true, start: '2026-10-24T00:00:00+02:00', end: '2026-10-27T00:00:00+01:00' }, ['2026-10-24T00:00:00', '2026-10-26T00:00:00', true]],
      ['midnight to midnight, not all-day', { start: '2026-05-04T00:00:00+02:00', end: '2026-05-05T00:00:00+02:00' }, ['2026-05-04T00:00:00', '2026-05-05T00:00:00', false]],
    ];
    for (const [name, over, [begin, end, allDay]] of cases) {
      it(name, async function () {
        const r = saved(await writer.create(createOf(`dst-${name}`, appointment(over))));
        const row = sim.db.get('tblCalendar', r.row.id)!;
        assert.deepEqual([row.fldBeginn, row.fldEnde, row.fldGanzTg], [begin, end, allDay]);
      });
    }
  });

  it('an index büro+ does not offer is a configuration error naming the settings and what büro+ offers', async function () {
    fields.calendarWrite.index = 'byNr';
    const e = failed(await makeWriter().modify({ mailbox, itemId: 'x', id: 1, values: { fldOrt: 'x' } }));
    assert.equal(e.code, BueroCode.config);
    assert.match(e.message, /büro\+ offers no index byNr with key field kf1ID to write tblCalendar by its id \(settings büro\+ connection → field names → calendarWrite\.index and \.idKey\); it offers: byID/);
  });
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

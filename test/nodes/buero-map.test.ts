import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { MappingCode } from '../../lib/error-codes';
import { offAck, onAck, ack, type AckToken } from '../../lib/ack-token';
import type { Appointment, WriterFanOut } from '../../lib/exchange/model';
import { OVERRIDE_FIELDS } from '../../lib/mapping';
import { anna, bernd, calendarChange, personChange } from '../mapping/fixtures';
import { badRecords } from '../mapping/bad-records';
import { helper } from '../support/node-red';

const mapNode = require('../../nodes/buero-map/buero-map');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = Record<string, unknown>;

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'sync' },
    { id: 'n-map', z: 'tab', type: 'buero-map', name: 'map', ...config, wires: [['n-writer'], ['n-events']] },
    { id: 'n-catch', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['n-caught']] },
    { id: 'n-writer', z: 'tab', type: 'helper' },
    { id: 'n-events', z: 'tab', type: 'helper' },
    { id: 'n-caught', z: 'tab', type: 'helper' },
  ];
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Collects what the helper nodes receive. */
function collect(id: string): Msg[] {
  const seen: Msg[] = [];
  helper.getNode(id).on('input', (msg: Msg) => seen.push(msg));
  return seen;
}

describe('buero-map node: maps büro+ changes in a real Node-RED flow', function () {
  const SOURCE = 'src-test';
  let acks: AckToken[];

  beforeEach(function () {
    acks = [];
    onAck(SOURCE, (t) => acks.push(t));
  });
  afterEach(async function () {
    offAck(SOURCE);
    await helper.unload();
    for (const v of ['BUERO_TZ', 'BUERO_KEEP', 'BUERO_FORMAT', 'ROOM_SUFFIX']) delete process.env[v];
  });

  it('sends one writer message for the mailboxes a change goes to and one for those it leaves, each with its share of the acknowledgement', async function () {
    await helper.load([mapNode, catchNode], flow());
    const writer = collect('n-writer');
    const events = collect('n-events');
    const token: AckToken = { source: SOURCE, seq: 1, parts: 1 };
    helper.getNode('n-map').receive({
      topic: 'appointment/update',
      payload: calendarChange({ fldBeginn: '2026-03-29T02:30:00', fldEnde: '2026-03-29T04:00:00' }, { targets: [anna], removed: [bernd] }),
      ack: token,
    });
    await until(() => writer.length === 2, 'two writer messages');
    assert.deepEqual(writer.map((m) => m.topic), ['appointment/upsert', 'appointment/delete']);
    const upsert = writer[0].payload as WriterFanOut<'appointment'>;
    assert.deepEqual(upsert.targets, [{ mailbox: 'anna.meier@firma.de', key: 'buero:1:tblCalendar:4711:7' }]);
    assert.equal(upsert.version, '918273');
    assert.equal((upsert.item as Appointment).start, '2026-03-29T03:30:00+02:00');
    assert.deepEqual(writer[1].payload, {
      action: 'delete', kind: 'appointment', targets: [{ mailbox: 'bernd.kurz@firma.de', key: 'buero:1:tblCalendar:4711:9' }], version: '918273',
    });
    // Two parts of the one change: the source needs both acknowledgements (the writer sends them).
    assert.deepEqual(writer.map((m) => m.ack), [{ source: SOURCE, seq: 1, parts: 2 }, { source: SOURCE, seq: 1, parts: 2 }]);
    assert.deepEqual(acks, []);
    for (const m of writer) ack(m.ack);
    assert.equal(acks.length, 2);
    assert.deepEqual(events, []);
  });

  it('a bad record reaches the Catch node naming record and field; the next good record still goes through', async function () {
    await helper.load([mapNode, catchNode], flow());
    const writer = collect('n-writer');
    const caught = collect('n-caught');
    const map = helper.getNode('n-map');
    map.receive({ payload: calendarChange({ fldBeginn: '2026-02-30T10:00:00' }), ack: { source: SOURCE, seq: 1, parts: 1 } });
    map.receive({ payload: calendarChange({ fldKurzInfo: 'Danach' }, { id: 4712 }), ack: { source: SOURCE, seq: 2, parts: 1 } });
    await until(() => caught.length === 1 && writer.length === 1, 'one error and one writer message');
    const error = caught[0].error as { message: string; code: string; source: { type: string } };
    assert.equal(error.code, MappingCode.fieldInvalid);
    assert.match(error.message, /tblCalendar 4711, fldBeginn: "2026-02-30T10:00:00" is no valid date-time/);
    assert.equal(error.source.type, 'buero-map');
    assert.deepEqual((writer[0].payload as WriterFanOut).targets.map((t) => t.key), ['buero:1:tblCalendar:4712:7']);
    // The faulty change is reported, so it is acknowledged and does not hold the source back.
    assert.deepEqual(acks, [{ source: SOURCE, seq: 1, parts: 1 }]);
  });

  it('every record of the bad corpus: errors to Catch, repairs to the events output, none stops the flow', async function () {
    await helper.load([mapNode, catchNode], flow());
    const writer = collect('n-writer');
    const events = collect('n-events');
    const caught = collect('n-caught');
    const map = helper.getNode('n-map');
    for (const bad of badRecords) map.receive({ payload: bad.change });
    map.receive({ payload: calendarChange({ fldKurzInfo: 'Schluss' }, { id: 9999 }) });
    const errors = badRecords.filter((b) => b.expect.outcome === 'error');
    const repairs = badRecords.filter((b) => b.expect.outcome === 'warning');
    await until(() => writer.some((m) => (m.payload as WriterFanOut).targets[0].key.includes(':9999:')), 'the last good record');
    assert.equal(caught.length, errors.length);
    assert.deepEqual(
      caught.map((m) => (m.error as { code: string }).code),
      errors.map((b) => b.expect.code),
    );
    for (const [i, m] of caught.entries()) {
      const { record, field } = errors[i].expect;
      assert.ok((m.error as { message: string }).message.includes(`${record}, ${field.replace(/^payload\./, '')}`), (m.error as { message: string }).message);
    }
    assert.equal(writer.length, repairs.length + 1);
    for (const bad of repairs) {
      // A warning line in the sync log: code, and a text naming record and field.
      const event = events.find((e) => {
        const p = e.payload as { code: string; text: string };
        return p.code === bad.expect.code && p.text.startsWith(`${bad.expect.record}, ${bad.expect.field}: `);
      });
      assert.ok(event, `event for ${bad.name}`);
      assert.equal(event.topic, 'buero-sync/event');
      assert.deepEqual(
        { type: (event.payload as { type: string }).type, level: (event.payload as { level: string }).level, source: (event.payload as { source: string }).source },
        { type: 'info', level: 'warn', source: '"map" (buero-map)' },
      );
    }
  });

  it('settings from the edit dialog and from environment variables', async function () {
    process.env.BUERO_TZ = 'America/New_York';
    process.env.BUERO_KEEP = 'true';
    process.env.BUERO_FORMAT = 'text';
    await helper.load([mapNode, catchNode], flow({
      timeZone: '${BUERO_TZ}',
      keepInfo: 'BUERO_KEEP',
      keepInfoType: 'env',
      bodyFormat: 'BUERO_FORMAT',
      bodyFormatType: 'env',
      category: 'Vertrieb',
      reminderDefault: '15',
      companyContacts: 'false',
      companyContactsType: 'bool',
    }));
    const writer = collect('n-writer');
    const map = helper.getNode('n-map');
    map.receive({ payload: calendarChange({ fldBeginn: '2026-03-08T02:30:00', fldEnde: '2026-03-08T04:00:00', fldInfo: '<p>Hallo</p>' }) });
    await until(() => writer.length === 1, 'the appointment');
    const message = writer[0].payload as WriterFanOut<'appointment'>;
    const item = message.item as Appointment;
    assert.equal(item.start, '2026-03-08T03:30:00-04:00');
    assert.equal(item.timeZone, 'America/New_York');
    assert.deepEqual(item.body, { format: 'text', content: 'Hallo' });
    assert.deepEqual(message.keep, ['body']);
    assert.deepEqual(item.categories, ['Vertrieb']);
    assert.equal(item.reminderMinutes, 15);
  });

  it('field overrides run through Node-RED\'s JSONata, in input order', async function () {
    process.env.ROOM_SUFFIX = 'EG';
    await helper.load([mapNode, catchNode], flow({
      overrides: [
        { kind: 'appointment', field: 'location', expression: 'fldOrt & " " & $env("ROOM_SUFFIX")' },
        { kind: 'all', field: 'subject', expression: '$item.subject & " #" & $change.id' },
        { kind: 'contact', field: 'businessAddress.city', expression: '$uppercase($postalAddress.fldOrt)' },
      ],
    }));
    const writer = collect('n-writer');
    const map = helper.getNode('n-map');
    for (let id = 1; id <= 5; id++) map.receive({ payload: calendarChange({ fldOrt: `Raum ${id}` }, { id }) });
    map.receive({ payload: personChange({ fldNNa: 'Berg' }) });
    await until(() => writer.length === 6, 'six messages');
    assert.deepEqual(
      writer.slice(0, 5).map((m) => [(m.payload as WriterFanOut).targets[0].key, ((m.payload as WriterFanOut).item as Appointment).location]),
      [1, 2, 3, 4, 5].map((id) => [`buero:1:tblCalendar:${id}:7`, `Raum ${id} EG`]),
    );
    assert.equal(((writer[0].payload as WriterFanOut).item as Appointment).subject, 'Kundentermin #1');
    const contact = (writer[5].payload as WriterFanOut<'contact'>).item!;
    assert.equal(contact.businessAddress?.city, 'MÜNCHEN');
    assert.equal(contact.displayName, 'Berg');
  });

  it('a change for no mailbox is acknowledged at once', async function () {
    await helper.load([mapNode, catchNode], flow());
    const writer = collect('n-writer');
    helper.getNode('n-map').receive({ payload: calendarChange({}, { targets: [] }), ack: { source: SOURCE, seq: 5, parts: 1 } });
    await until(() => acks.length === 1, 'the acknowledgement');
    assert.deepEqual(acks, [{ source: SOURCE, seq: 5, parts: 1 }]);
    assert.deepEqual(writer, []);
  });

  it('wrong settings: the node says so, and changes are refused without acknowledgement', async function () {
    await helper.load([mapNode, catchNode], flow({
      timeZone: 'Europe/Bärlin',
      overrides: [{ kind: 'appointment', field: 'subject', expression: '"x"' }],
    }));
    const caught = collect('n-caught');
    helper.getNode('n-map').receive({ payload: calendarChange({}), ack: { source: SOURCE, seq: 7, parts: 1 } });
    await until(() => caught.length === 1, 'the error');
    assert.equal((caught[0].error as { code: string }).code, MappingCode.configInvalid);
    assert.match((caught[0].error as { message: string }).message, /Unknown time zone "Europe\/Bärlin"/);
    assert.deepEqual(acks, []);
  });

  it('the edit dialog offers exactly the override fields lib/mapping accepts, per kind and in its order', function () {
    // The dialog runs in the browser and cannot import lib/mapping: it has its own copy, tied here.
    const html = fs.readFileSync(path.join(__dirname, '../../nodes/buero-map/buero-map.html'), 'utf8');
    const literal = /var OVERRIDE_FIELDS = (\{[\s\S]*?\});/.exec(html);
    assert.ok(literal, 'buero-map.html defines OVERRIDE_FIELDS');
    const dialog = vm.runInNewContext(`(${literal[1]})`) as Record<string, string[]>;
    assert.deepEqual(
      Object.fromEntries(Object.entries(dialog).map(([kind, fields]) => [kind, [...fields]])),
      Object.fromEntries(Object.entries(OVERRIDE_FIELDS).map(([kind, fields]) => [kind, Object.keys(fields)])),
    );
  });

  it('a JSONata syntax error in an override is a settings error naming the row', async function () {
    await helper.load([mapNode, catchNode], flow({ overrides: [{ kind: 'all', field: 'subject', expression: 'fldKurzInfo &' }] }));
    const caught = collect('n-caught');
    helper.getNode('n-map').receive({ payload: calendarChange({}) });
    await until(() => caught.length === 1, 'the error');
    assert.match((caught[0].error as { message: string }).message, /Field override 1 \(subject\)/);
  });
});

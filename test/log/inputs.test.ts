import assert from 'node:assert/strict';
import { SyncError } from '../../lib/errors';
import { BueroCode, ExchangeCode, NodeCode } from '../../lib/error-codes';
import { catchText, classify, fromCaught } from '../../lib/log/inputs';

const NOW = new Date('2026-11-27T21:15:03.120Z');
const writer = { id: 'a1f3', type: 'buero-exchange-writer', name: 'Exchange writer' };

describe('log inputs: each kind of message becomes a SyncEvent', function () {
  it('(a) an event from an "events" output, keeping its own time', function () {
    const payload = { type: 'connection', system: 'exchange', ok: true, endpoint: 'https://mail/EWS', mailbox: 'a@b.de', time: '2026-11-27T20:00:00.000Z' };
    assert.deepEqual(classify({ topic: 'buero-sync/event', payload }, NOW), { kind: 'event', event: payload });
  });

  it('(a) a failed connection and an outage keep their error code (the log takes its plain words from it)', function () {
    for (const payload of [
      { type: 'connection', system: 'exchange', ok: false, endpoint: 'https://mail/EWS', reason: 'r', code: ExchangeCode.tls, time: '2026-11-27T20:00:00.000Z' },
      { type: 'outage', system: 'buero', phase: 'begin', endpoint: 'https://buero/graphql', reason: 'r', code: BueroCode.unreachable, time: '2026-11-27T20:00:00.000Z' },
    ]) assert.deepEqual(classify({ topic: 'buero-sync/event', payload }, NOW), { kind: 'event', event: payload });
  });

  it('(a) fills a missing or broken time with now, and rejects unknown event types', function () {
    const c = classify({ topic: 'buero-sync/event', payload: { type: 'outage', system: 'buero', phase: 'begin', endpoint: 'x', time: 'soon' } }, NOW);
    assert.equal(c.kind, 'event');
    assert.equal('event' in c && c.event.time, NOW.toISOString());
    assert.equal(classify({ topic: 'buero-sync/event', payload: { type: 'party' } }, NOW).kind, 'ignored');
    assert.equal(classify({ topic: 'buero-sync/event', payload: { type: 'connection', system: 'sap' } }, NOW).kind, 'ignored');
  });

  it('(a) an info event keeps its values (for the log language); anything but text and numbers is dropped', function () {
    const payload = { type: 'info', code: 'baseline', text: 'Baseline recorded', params: { table: 'tblCalendar', count: 120, lsn: '1764', nested: { x: 1 }, bad: NaN }, time: '2026-11-27T20:00:00.000Z' };
    assert.deepEqual(classify({ topic: 'buero-sync/event', payload }, NOW), {
      kind: 'event',
      event: { type: 'info', code: 'baseline', text: 'Baseline recorded', params: { table: 'tblCalendar', count: 120, lsn: '1764' }, time: '2026-11-27T20:00:00.000Z' },
    });
  });

  it("(b) the writer's result message → transfer", function () {
    const msg = {
      topic: 'exchange/updated',
      payload: { action: 'updated', kind: 'task', mailbox: 'bob@firma.de', key: '1:tblCalendar:9', version: 4, itemId: 'AAMk=', durationMs: 85 },
    };
    assert.deepEqual(classify(msg, NOW), {
      kind: 'transfer',
      event: {
        type: 'transfer',
        action: 'updated',
        kind: 'task',
        mailbox: 'bob@firma.de',
        key: '1:tblCalendar:9',
        version: '4',
        itemId: 'AAMk=',
        durationMs: 85,
        time: NOW.toISOString(),
      },
    });
    assert.equal(classify({ topic: 'exchange/created', payload: { action: 'created', kind: 'memo', mailbox: 'a', key: 'k' } }, NOW).kind, 'ignored');
  });

  describe('(c) Catch-node messages → error', function () {
    it('a SyncError as Node-RED 4 hands it over: message text, own code, source; record and field from tags', function () {
      // What Flow.handleError builds from done(new SyncError(…)) when toString() carries the tags.
      const error = {
        message: 'SyncError: [MAP_INVALID_DATE] Beginn "31.02.2026" ist kein Datum [record: tblCalendar 4711] [field: fldBeginn]',
        code: 'MAP_INVALID_DATE',
        source: { id: 'm1', type: 'buero-map', name: 'büro+ mapper', count: 1 },
        stack: 'SyncError: …\n    at …',
      };
      assert.deepEqual(fromCaught(error, NOW), {
        type: 'error',
        code: 'MAP_INVALID_DATE',
        record: 'tblCalendar 4711',
        field: 'fldBeginn',
        reason: 'Beginn "31.02.2026" ist kein Datum',
        source: '"büro+ mapper" (buero-map)',
        time: NOW.toISOString(),
      });
    });

    it('catchText() is read back whole (the form SyncError.toString() can use)', function () {
      const err = new SyncError('EWS_INVALID', 'Betreff zu lang (300 Zeichen)', { record: 'anna@firma.de 1:tblCalendar:4711', field: 'item.subject' });
      const e = fromCaught({ message: catchText(err), source: writer }, NOW);
      assert.deepEqual([e.code, e.reason, e.record, e.field], ['EWS_INVALID', 'Betreff zu lang (300 Zeichen)', 'anna@firma.de 1:tblCalendar:4711', 'item.subject']);
    });

    it('a SyncError as Node-RED hands it to a Catch node (its toString()): code, text, record and field survive', function () {
      const err = new SyncError('EWS_INVALID', 'Betreff zu lang', { record: 'r', field: 'f' });
      const e = fromCaught({ message: err.toString(), code: err.code, source: writer }, NOW);
      assert.deepEqual([e.code, e.reason, e.record, e.field], ['EWS_INVALID', 'Betreff zu lang', 'r', 'f']);
    });

    it('record and field as properties (a node that calls node.error with an object) win over tags', function () {
      const e = fromCaught({ message: 'Error: bad [record: X]', code: 'C1', record: 'tblAddresses 12', field: 'fldPLZ', source: writer }, NOW);
      assert.equal(e.record, 'tblAddresses 12');
      assert.equal(e.field, 'fldPLZ');
      assert.equal(e.reason, 'bad');
    });

    it('a plain thrown Error from a function node: no code, the node named without a name', function () {
      const e = fromCaught({ message: 'TypeError: Cannot read properties of undefined (reading \'x\')', source: { id: 'f9', type: 'function' } }, NOW);
      assert.equal(e.code, NodeCode.error);
      assert.equal(e.reason, "Cannot read properties of undefined (reading 'x')");
      assert.equal(e.source, 'function f9');
    });

    it('a Node.js system error keeps its code', function () {
      const e = fromCaught({ message: 'Error: connect ECONNREFUSED 127.0.0.1:8443', code: 'ECONNREFUSED', source: writer }, NOW);
      assert.equal(e.code, 'ECONNREFUSED');
      assert.equal(e.reason, 'connect ECONNREFUSED 127.0.0.1:8443');
      assert.equal(e.source, '"Exchange writer" (buero-exchange-writer)');
    });

    it('a thrown object that a function node turned into JSON', function () {
      const message = JSON.stringify({ code: 'EWS_ITEM', message: 'ErrorItemNotFound', record: 'anna@firma.de 1:tblCalendar:7' });
      const e = fromCaught({ message, source: writer }, NOW);
      assert.deepEqual([e.code, e.reason, e.record], ['EWS_ITEM', 'ErrorItemNotFound', 'anna@firma.de 1:tblCalendar:7']);
    });

    it('wins over the topic of the failed message it is a copy of', function () {
      const c = classify({ topic: 'exchange/created', payload: { action: 'created', kind: 'task', mailbox: 'a', key: 'k' }, error: { message: 'x', source: writer } }, NOW);
      assert.equal(c.kind, 'catch');
    });
  });

  it('(d) a Status-node message → info about the node; red → warn', function () {
    const c = classify({ status: { fill: 'red', shape: 'ring', text: 'büro+ unreachable', source: { id: 'c1', type: 'buero-changes', name: '' } } }, NOW);
    assert.deepEqual(c, {
      kind: 'status',
      sourceId: 'c1',
      fill: 'red',
      event: { type: 'info', code: 'node-status', text: 'büro+ unreachable', source: 'buero-changes c1', level: 'warn', time: NOW.toISOString() },
    });
  });

  it('anything else is ignored, with the reason', function () {
    assert.deepEqual(classify({ topic: 'weather', payload: 3 }, NOW), { kind: 'ignored', why: 'unknown topic "weather"' });
    assert.deepEqual(classify({ payload: 'hello' }, NOW), { kind: 'ignored', why: 'no topic, error or status' });
    assert.equal(classify('text', NOW).kind, 'ignored');
  });
});

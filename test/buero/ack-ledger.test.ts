import assert from 'node:assert/strict';
import { split } from '../../lib/ack-token';
import { AckLedger } from '../../lib/buero/feed/ack-ledger';

describe('büro+ ack ledger: a change is handed on when its parts add up to 1', function () {
  it('commits a table cursor only below the oldest unacknowledged change', function () {
    const l = new AckLedger<string>(1);
    l.markRead('tblCalendar', 100n);
    const a = l.add({ record: 'c:1', sources: [{ table: 'tblCalendar', lsn: 110n }], effects: ['a'] });
    const b = l.add({ record: 'c:2', sources: [{ table: 'tblCalendar', lsn: 120n }], effects: ['b'] });
    l.markRead('tblCalendar', 130n);
    assert.equal(l.committable('tblCalendar'), 109n);
    assert.deepEqual(l.ack({ source: 's', seq: b, parts: 1 })?.effects, ['b']);
    assert.equal(l.committable('tblCalendar'), 109n, 'b is acked but a (older) is not');
    l.ack({ source: 's', seq: a, parts: 1 });
    assert.equal(l.committable('tblCalendar'), 130n);
    assert.equal(l.pending, 0);
  });

  it('counts split tokens as exact fractions, also split twice (1/2 + 1/6 + 1/6 + 1/6)', function () {
    const l = new AckLedger<string>(1);
    l.markRead('t', 0n);
    const seq = l.add({ record: 'r', sources: [{ table: 't', lsn: 5n }], effects: ['e'] });
    l.markRead('t', 5n);
    const token = { source: 's', seq, parts: 1 };
    const [first, second] = split(token, 2);
    const thirds = split(second, 3);
    assert.equal(thirds[0].parts, 6);
    assert.deepEqual(l.ack(first), { effects: [], tables: [] });
    l.ack(thirds[0]);
    l.ack(thirds[1]);
    assert.equal(l.pending, 1, 'five sixths are not enough');
    assert.equal(l.committable('t'), 4n);
    assert.deepEqual(l.ack(thirds[2])?.effects, ['e']);
    assert.equal(l.pending, 0);
    assert.equal(l.committable('t'), 5n);
    assert.equal(l.ack(thirds[2]), undefined, 'a duplicate ack after completion changes nothing');
  });

  it('applies effects per record in emission order, whatever the ack order', function () {
    const l = new AckLedger<string>(10);
    const s1 = l.add({ record: 'x', sources: [], effects: ['x1'] });
    const s2 = l.add({ record: 'x', sources: [], effects: ['x2'] });
    const s3 = l.add({ record: 'y', sources: [], effects: ['y1'] });
    assert.deepEqual(l.ack({ source: 's', seq: s2, parts: 1 })?.effects, [], 'x2 waits for x1');
    assert.deepEqual(l.ack({ source: 's', seq: s3, parts: 1 })?.effects, ['y1']);
    assert.deepEqual(l.ack({ source: 's', seq: s1, parts: 1 })?.effects, ['x1', 'x2']);
    assert.equal(l.isPending('x'), false);
  });

  it('ignores tokens it never issued (an earlier run, another number range)', function () {
    const l = new AckLedger<string>(1_000_000);
    l.add({ record: 'r', sources: [], effects: [] });
    assert.equal(l.ack({ source: 's', seq: 5, parts: 1 }), undefined);
    assert.equal(l.pending, 1);
  });

  it('holds a cursor for a change read from several rows until it is handed on', function () {
    const l = new AckLedger<string>(1);
    l.markRead('tblAddresses', 0n);
    l.markRead('tblContactPeople', 0n);
    const seq = l.add({ record: 'p', sources: [{ table: 'tblAddresses', lsn: 7n }, { table: 'tblContactPeople', lsn: 9n }], effects: [] });
    l.markRead('tblAddresses', 8n);
    l.markRead('tblContactPeople', 9n);
    assert.equal(l.committable('tblAddresses'), 6n);
    assert.equal(l.committable('tblContactPeople'), 8n);
    assert.deepEqual(l.ack({ source: 's', seq, parts: 1 })?.tables.sort(), ['tblAddresses', 'tblContactPeople']);
    assert.equal(l.committable('tblAddresses'), 8n);
  });
});

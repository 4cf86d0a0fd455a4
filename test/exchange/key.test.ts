import assert from 'node:assert/strict';
import { parseWriterKey, writerKey } from '../../lib/exchange/key';

// The writer key's format (lib/exchange/key.ts): items already in Exchange carry it, so it must not drift.
describe('writer key', function () {
  const record = { mandant: 1, table: 'tblCalendar', id: 4711 };

  it("names the record and the mailbox owner's user number", function () {
    const key = writerKey(record, { mailbox: 'Anna.Meier@firma.de', user: { nr: 7 } });
    assert.equal(key, 'buero:1:tblCalendar:4711:7');
    assert.deepEqual(parseWriterKey(key), { ...record, owner: '7' });
  });

  it('names a listed mailbox (no büro+ user) by its address in lower case', function () {
    const key = writerKey({ mandant: 2, table: 'tblContactPeople', id: 12 }, { mailbox: 'Kontakte@Firma.de' });
    assert.equal(key, 'buero:2:tblContactPeople:12:kontakte@firma.de');
    assert.deepEqual(parseWriterKey(key), { mandant: 2, table: 'tblContactPeople', id: 12, owner: 'kontakte@firma.de' });
  });

  it('reads no parts from a key of a user’s own flow', function () {
    for (const key of ['node-1', 'buero:1:tblCalendar:x:7', 'buero:1:tblCalendar:4711']) assert.equal(parseWriterKey(key), undefined);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStateDb } from '../../lib/state/db';
import { IdMap } from '../../lib/state/id-map';
import { WriteQueue } from '../../lib/state/write-queue';

// The writer's tables in the real SQLite state file: what survives a restart.
describe('writer state: id map, durable queue and pending creates in SQLite', function () {
  let dir: string;
  let file: string;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-sync-state-'));
    file = path.join(dir, 'buero-sync.sqlite');
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('id map: keeps ItemId, ChangeKey, hashes per mailbox and key, across reopening', function () {
    let db = openStateDb(file);
    const map = new IdMap(db);
    map.put({ mailbox: 'Anna.Meier@Firma.de', key: 'k1', kind: 'appointment', transport: 'ews', itemId: 'AAMk1', changeKey: 'CQ1',
      contentHash: 'h1', fields: { subject: 'a' }, version: '10', updatedAt: 1 });
    map.put({ mailbox: 'bernd@firma.de', key: 'k1', kind: 'appointment', transport: 'ews', itemId: 'AAMk2', contentHash: 'h2', fields: {}, updatedAt: 1 });
    map.put({ mailbox: 'anna.meier@firma.de', key: 'k1', kind: 'appointment', transport: 'ews', itemId: 'AAMk1', changeKey: 'CQ2',
      contentHash: 'h3', fields: { subject: 'b' }, version: '11', updatedAt: 2 });
    db.close();
    db = openStateDb(file);
    const again = new IdMap(db);
    assert.equal(again.size(), 2);
    const e = again.get('ANNA.MEIER@firma.de', 'k1')!;
    assert.deepEqual([e.itemId, e.changeKey, e.contentHash, e.fields.subject, e.version], ['AAMk1', 'CQ2', 'h3', 'b', '11']);
    assert.equal(again.get('bernd@firma.de', 'k1')?.changeKey, undefined);
    again.delete('anna.meier@firma.de', 'k1');
    assert.equal(again.get('anna.meier@firma.de', 'k1'), undefined);
    db.close();
  });

  it('queue: changes stay in order until removed; retries keep their attempts and wait time', function () {
    let db = openStateDb(file);
    const q = new WriteQueue(db);
    const a = q.add({ owner: 'w1', mailbox: 'A@firma.de', key: 'a', kind: 'task', action: 'upsert', version: '1', message: '{"m":1}', enqueuedAt: 5 });
    const b = q.add({ owner: 'w1', mailbox: 'a@firma.de', key: 'b', kind: 'task', action: 'delete', message: '{"m":2}', enqueuedAt: 6 });
    q.add({ owner: 'w2', mailbox: 'a@firma.de', key: 'c', kind: 'task', action: 'delete', message: '{}', enqueuedAt: 7 });
    q.retryLater([a.id], 3, 9999, 'Exchange busy');
    db.close();
    db = openStateDb(file);
    const again = new WriteQueue(db);
    const rows = again.loadAfter('w1', 0, 100);
    assert.deepEqual(rows.map((r) => [r.key, r.mailbox, r.attempts, r.notBefore, r.lastError]),
      [['a', 'a@firma.de', 3, 9999, 'Exchange busy'], ['b', 'a@firma.de', 0, 0, undefined]]);
    assert.deepEqual(again.loadAfter('w1', a.id, 100).map((r) => r.key), ['b'], 'read on after a given change');
    assert.deepEqual(again.loadAfter('w1', 0, 1).map((r) => r.key), ['a'], 'at most as many as asked');
    // What the memory window reads in: mailbox and key with the retry state, in the same order;
    // the message text only when its key is planned.
    assert.deepEqual(again.loadKeysAfter('w1', 0, 100).map((r) => [r.id, r.mailbox, r.key, r.attempts, r.notBefore]),
      [[a.id, 'a@firma.de', 'a', 3, 9999], [b.id, 'a@firma.de', 'b', 0, 0]]);
    assert.deepEqual(again.loadKeysAfter('w1', a.id, 1).map((r) => r.id), [b.id]);
    assert.equal(again.messageText(b.id), '{"m":2}');
    again.remove([a.id, b.id]);
    assert.equal(again.messageText(b.id), undefined, 'a removed change has no message');
    assert.equal(again.count('w1'), 0);
    assert.equal(again.count('w2'), 1);
    db.close();
  });

  it('pending creates: recorded before a create, found after a restart, cleared when settled', function () {
    let db = openStateDb(file);
    new WriteQueue(db).markPending({ mailbox: 'Anna@firma.de', key: 'k', kind: 'contact', contentHash: 'h', fields: { displayName: 'x' }, since: 1 });
    db.close();
    db = openStateDb(file);
    const q = new WriteQueue(db);
    assert.deepEqual(q.pending('anna@firma.de', 'k'), { mailbox: 'anna@firma.de', key: 'k', kind: 'contact', contentHash: 'h', fields: { displayName: 'x' }, since: 1 });
    q.clearPending('anna@firma.de', 'k');
    assert.equal(q.pending('anna@firma.de', 'k'), undefined);
    db.close();
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { entryOfItem } from '../../lib/exchange/changes';
import { openStateDb } from '../../lib/state/db';
import { ExchangeCursorStore } from '../../lib/state/exchange-cursor';
import { IdMap, type IdMapEntry } from '../../lib/state/id-map';
import { MIGRATIONS, migrateStateDb } from '../../lib/state/schema';

// The way back's state: Exchange cursors per mailbox and folder, and the id map found by an
// item's id (a change names an item by id only) and counted per mailbox and kind.
describe('way-back state: Exchange cursors and the id map by item', function () {
  let dir: string;
  let file: string;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-sync-wayback-'));
    file = path.join(dir, 'buero-sync.sqlite');
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const entry = (over: Partial<IdMapEntry>): IdMapEntry => ({
    mailbox: 'anna.meier@firma.de', key: 'k', kind: 'appointment', transport: 'ews', itemId: 'AAMk+a/1=', contentHash: 'h', fields: {}, updatedAt: 1, ...over,
  });

  it('cursor: kept per mailbox and folder across reopening; a later cursor keeps the first baseline time', function () {
    let db = openStateDb(file);
    let store = new ExchangeCursorStore(db);
    assert.equal(store.get('anna.meier@firma.de', 'calendar'), undefined);
    store.put({ mailbox: 'Anna.Meier@Firma.de', folder: 'calendar', transport: 'graph', cursor: 'c1', window: { start: '2026-02-18T00:00:00Z', end: '2028-03-20T00:00:00Z' }, baselineAt: 1000, updatedAt: 1000 });
    store.put({ mailbox: 'anna.meier@firma.de', folder: 'tasks', transport: 'graph', cursor: 't1', baselineAt: 1000, updatedAt: 1000 });
    store.put({ mailbox: 'anna.meier@firma.de', folder: 'calendar', transport: 'graph', cursor: 'c2', window: { start: '2026-02-19T00:00:00Z', end: '2028-03-21T00:00:00Z' }, baselineAt: 5000, updatedAt: 5000 });
    db.close();
    db = openStateDb(file);
    store = new ExchangeCursorStore(db);
    const c = store.get('ANNA.MEIER@firma.de', 'calendar')!;
    assert.deepEqual([c.cursor, c.transport, c.window?.start, c.baselineAt, c.updatedAt], ['c2', 'graph', '2026-02-19T00:00:00Z', 1000, 5000]);
    assert.equal(store.get('anna.meier@firma.de', 'tasks')?.window, undefined);
    assert.deepEqual(store.all().map((x) => `${x.mailbox}/${x.folder}`), ['anna.meier@firma.de/calendar', 'anna.meier@firma.de/tasks']);
    store.delete('anna.meier@firma.de', 'calendar');
    assert.equal(store.get('anna.meier@firma.de', 'calendar'), undefined);
    db.close();
  });

  it('id map: an entry found by mailbox and item id in the spelling of the transport that wrote it; counts per mailbox and kind', function () {
    const db = openStateDb(file);
    const map = new IdMap(db);
    map.put(entry({ key: 'k1', itemId: 'AAMk+a/1=' }));
    map.put(entry({ key: 'k2', itemId: 'AAMk-b_2=', transport: 'graph' }));
    map.put(entry({ key: 'k3', itemId: 'AAMk3', kind: 'task' }));
    map.put(entry({ key: 'k4', itemId: 'AAMk4', mailbox: 'bernd@firma.de' }));
    assert.equal(map.findByItem('Anna.Meier@firma.de', [{ transport: 'ews', itemId: 'AAMk+a/1=' }])?.key, 'k1');
    assert.equal(map.findByItem('anna.meier@firma.de', [{ transport: 'graph', itemId: 'AAMk+a/1=' }]), undefined, 'an EWS id is no Graph id');
    assert.equal(map.findByItem('bernd@firma.de', [{ transport: 'ews', itemId: 'AAMk+a/1=' }]), undefined, 'another mailbox');
    // A change read through Graph names an item EWS wrote in Graph's spelling, and the other way round.
    assert.equal(entryOfItem(map, 'anna.meier@firma.de', 'AAMk_a-1=')?.key, 'k1');
    assert.equal(entryOfItem(map, 'anna.meier@firma.de', 'AAMk/b+2=')?.key, 'k2');
    assert.equal(entryOfItem(map, 'anna.meier@firma.de', 'AAMk-b_2=')?.key, 'k2');
    assert.equal(map.count('anna.meier@firma.de', 'appointment'), 2);
    assert.equal(map.count('ANNA.MEIER@firma.de', 'task'), 1);
    assert.equal(map.count('bernd@firma.de', 'task'), 0);
    db.close();
  });

  it('a file of schema version 1 gets the cursor table and the item index, its id map kept', function () {
    const raw = new Database(file);
    migrateStateDb(raw, file, MIGRATIONS.slice(0, 1));
    raw.exec(`INSERT INTO exchange_id_map VALUES ('anna.meier@firma.de', 'k1', 'appointment', 'ews', 'AAMk1', NULL, 'h1', '{}', NULL, 1)`);
    raw.close();
    const db = openStateDb(file);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'exchange_id_map'").all() as { name: string }[]).map((r) => r.name);
    assert.ok(indexes.includes('exchange_id_map_item'), indexes.join(', '));
    assert.equal(new IdMap(db).findByItem('anna.meier@firma.de', [{ transport: 'ews', itemId: 'AAMk1' }])?.key, 'k1');
    new ExchangeCursorStore(db).put({ mailbox: 'anna.meier@firma.de', folder: 'tasks', transport: 'ews', cursor: 'x', baselineAt: 1 });
    db.close();
  });
});

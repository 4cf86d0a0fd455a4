import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateCode } from '../../lib/error-codes';
import { SyncError } from '../../lib/errors';
import { CursorStore } from '../../lib/state/cursor';
import { openStateDb } from '../../lib/state/db';
import { IdMap } from '../../lib/state/id-map';
import { MIGRATIONS, SCHEMA_VERSION, migrateStateDb, schemaVersionOf, type Migration } from '../../lib/state/schema';
import { acquireStateDb, releaseStateDb } from '../../lib/state/shared-db';
import { TokenStore } from '../../lib/state/tokens';
import { WriteQueue } from '../../lib/state/write-queue';

/**
 * The tables as each module created them before the file had a schema version (user_version
 * stays 0): a fixture of the files in the field, not a copy of lib/state/schema.ts.
 */
const UNVERSIONED = {
  writer: `
    CREATE TABLE IF NOT EXISTS exchange_id_map (mailbox TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, transport TEXT NOT NULL,
      item_id TEXT NOT NULL, change_key TEXT, content_hash TEXT NOT NULL, field_hashes TEXT NOT NULL, version TEXT, updated_at INTEGER NOT NULL,
      PRIMARY KEY (mailbox, key));
    CREATE TABLE IF NOT EXISTS exchange_write_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, mailbox TEXT NOT NULL,
      key TEXT NOT NULL, kind TEXT NOT NULL, action TEXT NOT NULL, version TEXT, message TEXT NOT NULL, enqueued_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL DEFAULT 0, last_error TEXT);
    CREATE INDEX IF NOT EXISTS exchange_write_queue_owner ON exchange_write_queue (owner, id);
    CREATE TABLE IF NOT EXISTS exchange_pending_create (mailbox TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, content_hash TEXT NOT NULL,
      field_hashes TEXT NOT NULL, since INTEGER NOT NULL, PRIMARY KEY (mailbox, key));`,
  cursor: `
    CREATE TABLE IF NOT EXISTS buero_feed (feed TEXT PRIMARY KEY, users TEXT, updated_at TEXT);
    CREATE TABLE IF NOT EXISTS buero_cursor (feed TEXT NOT NULL, tbl TEXT NOT NULL, lsn TEXT NOT NULL, baseline_at TEXT NOT NULL, PRIMARY KEY (feed, tbl));
    CREATE TABLE IF NOT EXISTS buero_known (feed TEXT NOT NULL, tbl TEXT NOT NULL, id INTEGER NOT NULL, lsn TEXT NOT NULL, kind TEXT, ref TEXT,
      targets TEXT, PRIMARY KEY (feed, tbl, id)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS buero_sent (feed TEXT NOT NULL, tbl TEXT NOT NULL, id INTEGER NOT NULL, lsn TEXT NOT NULL, kind TEXT,
      targets TEXT NOT NULL, PRIMARY KEY (feed, tbl, id)) WITHOUT ROWID;`,
  tokens: `
    CREATE TABLE IF NOT EXISTS buero_oauth_tokens (connection TEXT PRIMARY KEY, client_id TEXT NOT NULL, refresh_token TEXT, access_token TEXT,
      access_expires_at INTEGER, state TEXT NOT NULL, reason TEXT, updated_at TEXT NOT NULL);`,
};

const ALL_TABLES = ['buero_cursor', 'buero_feed', 'buero_known', 'buero_oauth_tokens', 'buero_pending_create', 'buero_sent', 'exchange_cursor', 'exchange_id_map', 'exchange_pending_create', 'exchange_write_queue', 'way_back_synced'];

describe('state file: schema version and migrations', function () {
  let dir: string;
  let file: string;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buero-sync-schema-'));
    file = path.join(dir, 'buero-sync.sqlite');
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A file as it was written before versions: the given modules' tables and rows, user_version 0. */
  function unversionedFile(parts: (keyof typeof UNVERSIONED)[], rows: string): void {
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    for (const p of parts) raw.exec(UNVERSIONED[p]);
    raw.exec(rows);
    assert.equal(raw.pragma('user_version', { simple: true }), 0);
    raw.close();
  }
  const tables = (db: Database.Database) =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  const rawVersion = () => {
    const raw = new Database(file, { readonly: true });
    try {
      return raw.pragma('user_version', { simple: true });
    } finally {
      raw.close();
    }
  };

  it('the migrations are numbered 1, 2, 3, … without gaps; the current version is the last', function () {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
  });

  it('a new file gets the current schema version and every table', function () {
    const db = openStateDb(file);
    assert.equal(schemaVersionOf(db), SCHEMA_VERSION);
    assert.deepEqual(tables(db), ALL_TABLES);
    db.close();
    assert.equal(rawVersion(), SCHEMA_VERSION, 'recorded in the file');
  });

  it('a file from before schema versions is upgraded in place: an id map entry, a queued change and a cursor survive', function () {
    unversionedFile(['writer', 'cursor', 'tokens'], `
      INSERT INTO exchange_id_map VALUES ('anna@firma.de', 'buero:1:tblCalendar:7:0', 'appointment', 'ews', 'AAMk7', 'CQ7', 'h7', '{"subject":"s"}', '12', 5);
      INSERT INTO exchange_write_queue (owner, mailbox, key, kind, action, version, message, enqueued_at, attempts, not_before, last_error)
        VALUES ('w1', 'anna@firma.de', 'buero:1:tblCalendar:8:0', 'appointment', 'upsert', '3', '{"m":8}', 6, 2, 999, 'Exchange busy');
      INSERT INTO buero_cursor VALUES ('n1:1', 'tblCalendar', '9223372036854775000', '2026-11-01T00:00:00.000Z');
      INSERT INTO buero_known VALUES ('n1:1', 'tblCalendar', 7, '41', 'appointment', NULL, '[{"mailbox":"anna@firma.de","user":1,"role":"owner"}]');
      INSERT INTO buero_oauth_tokens VALUES ('conn-1', 'client', 'refresh-1', NULL, NULL, 'connected', NULL, '2026-11-01T00:00:00.000Z');`);
    const db = openStateDb(file);
    assert.equal(schemaVersionOf(db), SCHEMA_VERSION);
    assert.deepEqual(tables(db), ALL_TABLES);
    const entry = new IdMap(db).get('anna@firma.de', 'buero:1:tblCalendar:7:0')!;
    assert.deepEqual([entry.itemId, entry.changeKey, entry.contentHash, entry.fields, entry.version], ['AAMk7', 'CQ7', 'h7', { subject: 's' }, '12']);
    const queued = new WriteQueue(db).loadAfter('w1', 0, 10);
    assert.deepEqual(queued.map((c) => [c.key, c.message, c.attempts, c.notBefore, c.lastError]), [['buero:1:tblCalendar:8:0', '{"m":8}', 2, 999, 'Exchange busy']]);
    const cursor = new CursorStore(db, 'n1:1');
    assert.equal(cursor.cursor('tblCalendar'), 9223372036854775000n);
    assert.deepEqual(cursor.known('tblCalendar').get(7)?.targets, [{ mailbox: 'anna@firma.de', user: 1, role: 'owner' }]);
    assert.equal(new TokenStore(db, 'conn-1').load()?.refreshToken, 'refresh-1');
    // New rows go on after the old ones (AUTOINCREMENT kept its sequence).
    const next = new WriteQueue(db).add({ owner: 'w1', mailbox: 'anna@firma.de', key: 'k', kind: 'task', action: 'delete', message: '{}', enqueuedAt: 7 });
    assert.ok(next.id > queued[0]!.id);
    db.close();
    assert.equal(rawVersion(), SCHEMA_VERSION, 'the upgrade is in the file');
  });

  it("a file from before schema versions with only some modules' tables gets the others and keeps its rows", function () {
    unversionedFile(['writer'], `
      INSERT INTO exchange_id_map VALUES ('bernd@firma.de', 'k1', 'contact', 'graph', 'AAMk1', NULL, 'h1', '{}', NULL, 1);`);
    const db = openStateDb(file);
    assert.deepEqual(tables(db), ALL_TABLES);
    assert.equal(new IdMap(db).get('bernd@firma.de', 'k1')?.transport, 'graph');
    const cursor = new CursorStore(db, 'n1:1');
    cursor.writeBaseline('tblCalendar', 100n, [[1, { lsn: 50n }]], new Date());
    assert.equal(cursor.cursor('tblCalendar'), 100n);
    db.close();
  });

  it('a file of a newer version is refused with which file, its version, the highest understood and what to do; the file stays as it is', function () {
    openStateDb(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.exec('CREATE TABLE from_the_future (x TEXT)');
    raw.close();
    const refused = (err: unknown) => {
      assert.ok(err instanceof SyncError);
      assert.equal(err.code, StateCode.fileTooNew);
      assert.ok(err.message.includes(file), 'which file');
      assert.match(err.message, new RegExp(`has schema version ${SCHEMA_VERSION + 1}\\b`));
      assert.match(err.message, new RegExp(`understands schema versions up to ${SCHEMA_VERSION}\\b`));
      assert.match(err.message, /a newer version of the nodes wrote it\. Install that version \(or a newer one\) again, or point the state file setting at another file/);
      return true;
    };
    assert.throws(() => openStateDb(file), refused);
    // Through the nodes' shared handle too, every time (a refused file is not kept open).
    assert.throws(() => acquireStateDb(file), refused);
    assert.throws(() => acquireStateDb(file), refused);
    releaseStateDb(file);
    assert.equal(rawVersion(), SCHEMA_VERSION + 1);
    const check = new Database(file, { readonly: true });
    assert.deepEqual(tables(check), [...ALL_TABLES, 'from_the_future'].sort());
    check.close();
  });

  describe('the migration runner (with migrations of a test)', function () {
    const ran: number[] = [];
    const step = (version: number, up: (db: Database.Database) => void = () => undefined): Migration => ({
      version, description: `step ${version}`, up: (db) => { ran.push(version); up(db); },
    });
    beforeEach(function () {
      ran.length = 0;
    });

    it('runs the missing migrations in order, each once', function () {
      const db = new Database(file);
      const list = [step(1, (d) => d.exec('CREATE TABLE a (x)')), step(2, (d) => d.exec('ALTER TABLE a ADD COLUMN y')), step(3)];
      migrateStateDb(db, file, list.slice(0, 1));
      db.prepare('INSERT INTO a (x) VALUES (1)').run();
      migrateStateDb(db, file, list);
      migrateStateDb(db, file, list);
      assert.deepEqual(ran, [1, 2, 3]);
      assert.equal(schemaVersionOf(db), 3);
      assert.deepEqual(db.prepare('SELECT x, y FROM a').all(), [{ x: 1, y: null }]);
      db.close();
    });

    it('a failing migration leaves the file at its version, none of the upgrade applied, and says which step failed', function () {
      const db = new Database(file);
      migrateStateDb(db, file, [step(1, (d) => d.exec('CREATE TABLE a (x)'))]);
      const list = [step(1), step(2, (d) => d.exec('CREATE TABLE b (x)')), step(3, () => { throw new Error('disk I/O error'); })];
      assert.throws(() => migrateStateDb(db, file, list), (err: unknown) => {
        assert.ok(err instanceof SyncError);
        assert.equal(err.code, StateCode.fileUpgrade);
        assert.equal(err.message, `The state file ${file} could not be upgraded from schema version 1 to 3 (step 3: step 3): disk I/O error. ` +
          'It was left at version 1; remove the cause (a full disk, a read-only file, …) and deploy again.');
        return true;
      });
      assert.equal(schemaVersionOf(db), 1);
      assert.deepEqual(tables(db), ['a'], 'step 2 rolled back with it');
      db.close();
    });
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CursorStore } from '../../lib/state/cursor';
import { acquireStateDb, releaseStateDb } from '../../lib/state/shared-db';
import { TokenStore } from '../../lib/state/tokens';
import { tempDir } from './support/harness';

describe('büro+ state in the SQLite file', function () {
  it('nodes share one handle per state file; the last release closes it', function () {
    const file = path.join(tempDir(), 'buero-sync.sqlite');
    const a = acquireStateDb(file);
    const b = acquireStateDb(path.join(path.dirname(file), '.', 'buero-sync.sqlite'));
    assert.equal(a, b);
    releaseStateDb(file);
    assert.ok(a.open, 'still used by the other node');
    releaseStateDb(file);
    assert.equal(a.open, false);
    const c = acquireStateDb(file);
    assert.notEqual(c, a, 'a new handle after the last release');
    releaseStateDb(file);
  });

  it('a cursor never moves back, whatever order acknowledgements commit in', function () {
    const db = acquireStateDb(path.join(tempDir(), 'buero-sync.sqlite'));
    const store = new CursorStore(db, 'n1:1');
    store.writeBaseline('tblCalendar', 100n, [[1, { lsn: 50n }]], new Date());
    store.advanceCursor('tblCalendar', 120n);
    store.advanceCursor('tblCalendar', 110n);
    assert.equal(store.cursor('tblCalendar'), 120n);
    // Two nodes (or two Mandants) keep separate positions in one file.
    assert.equal(new CursorStore(db, 'n2:1').cursor('tblCalendar'), undefined);
    releaseStateDb(db.name);
  });

  it('BigInt LSNs beyond 2^53 survive exactly', function () {
    const db = acquireStateDb(path.join(tempDir(), 'buero-sync.sqlite'));
    const store = new CursorStore(db, 'n1:1');
    const big = 2n ** 63n - 5n;
    store.writeBaseline('tblCalendar', big, [[7, { lsn: big - 1n, targets: [{ mailbox: 'a@x.de', user: 1, role: 'owner' }] }]], new Date());
    assert.equal(store.cursor('tblCalendar'), big);
    assert.equal(store.known('tblCalendar').get(7)?.lsn, big - 1n);
    releaseStateDb(db.name);
  });

  it('the file holding refresh tokens is readable by its owner only', function () {
    const file = path.join(tempDir(), 'buero-sync.sqlite');
    const db = acquireStateDb(file);
    new TokenStore(db, 'conn-1').save({ clientId: 'c', refreshToken: 'r', accessToken: 'a', accessExpiresAt: 1 }, new Date());
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    releaseStateDb(file);
  });
});

import assert from 'node:assert/strict';
import { BueroDb } from '../../sandbox/buero/db';
import { generateBueroData, type Row } from '../../sandbox/data/generator';
import { Random } from '../../sandbox/data/random';

// The simulator's versioned store under a long random mix of writes, snapshots and rollbacks:
// every snapshot keeps reading exactly the state of its moment, also after old versions are compacted.
describe('sandbox büro+ store: snapshots, LSN index and rollback', function () {
  it('random writes with open snapshots: each snapshot sees its own state; the LSN index agrees', function () {
    const rnd = new Random(5);
    const db = new BueroDb({ data: generateBueroData({ seed: 5, users: 3, appointments: 40, tasks: 0, followUps: 0, addresses: 2 }), clock: () => 0 });
    const json = (r: Row) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    const state = (snapshot?: bigint) => new Map(db.scan('tblCalendar', { snapshot }).map((r) => [r.fldID as number, json(r)]));
    const open: { lsn: bigint; rows: Map<number, string> }[] = [];
    const check = (snap: { lsn: bigint; rows: Map<number, string> }) => {
      assert.deepEqual(state(snap.lsn), snap.rows);
      const since = snap.lsn - 7n;
      const viaIndex = db.modifiedAfter('tblCalendar', since, snap.lsn).map((r) => r.fldID);
      const viaScan = db.scan('tblCalendar', { snapshot: snap.lsn, predicate: (r) => (r.fldModifyLSN as bigint) > since }).map((r) => r.fldID);
      assert.deepEqual(viaIndex, viaScan);
    };
    let lastLsn = db.currentLsn();
    for (let step = 0; step < 6000; step++) {
      const ids = db.scan('tblCalendar').map((r) => r.fldID as number);
      const r = rnd.next();
      if (r < 0.3 || ids.length < 5) db.insert('tblCalendar', { fldBzrNr: 1, fldBeginn: '2026-01-01T10:00:00', fldKurzInfo: `n${step}` });
      else if (r < 0.75) db.modify('tblCalendar', rnd.pick(ids), { fldKurzInfo: `m${step}` });
      else if (r < 0.85) db.delete('tblCalendar', rnd.pick(ids));
      else if (r < 0.9) {
        const snapshot = db.openSnapshot();
        open.push({ lsn: snapshot, rows: state() });
      } else if (r < 0.95 && open.length) {
        const snap = open.splice(rnd.int(0, open.length - 1), 1)[0];
        check(snap);
        db.closeSnapshot(snap.lsn);
      } else {
        const before = state();
        const lsn = db.currentLsn();
        db.begin();
        db.insert('tblCalendar', { fldBzrNr: 1, fldBeginn: '2026-01-01T10:00:00' });
        if (ids.length) db.modify('tblCalendar', rnd.pick(ids), { fldKurzInfo: 'rolled back' });
        if (ids.length) db.delete('tblCalendar', rnd.pick(ids));
        db.rollback();
        assert.deepEqual(state(), before);
        assert.deepEqual(db.changedSince('tblCalendar', lsn), []);
      }
      assert.ok(db.currentLsn() >= lastLsn);
      lastLsn = db.currentLsn();
    }
    for (const snap of open) check(snap);
  });

  it('rejects data sets with unknown fields or duplicate ids, naming them', function () {
    const bad = generateBueroData({ seed: 1, users: 2, appointments: 2, tasks: 0, followUps: 0, addresses: 1 });
    (bad.calendar[0] as Row).fldUnbekannt = 1;
    assert.throws(() => new BueroDb({ data: bad }), /tblCalendar 1: unknown field fldUnbekannt/);
    const dup = generateBueroData({ seed: 1, users: 2, appointments: 2, tasks: 0, followUps: 0, addresses: 1 });
    dup.calendar[1].fldID = 1;
    assert.throws(() => new BueroDb({ data: dup }), /duplicate fldID/);
  });
});

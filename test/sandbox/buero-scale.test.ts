/* eslint-disable @typescript-eslint/no-explicit-any -- tests walk the JSON of GraphQL answers freely */
import assert from 'node:assert/strict';
import { startBueroSimulator, generateBueroData, type BueroSimulator } from '../../sandbox/buero';
import { graphql } from '../../sandbox/buero/client';

// The simulator at benchmark size: 100 000 appointments and about 100 000 contact people.
describe('sandbox büro+ simulator: 100 000 rows', function () {
  this.timeout(60_000);
  let sim: BueroSimulator;
  const poll = (table: string, lsn: bigint | string) =>
    graphql<any>(sim.url, 'T', `query ($lsn: Any, $after: String) { ${table} { conRead(first: 500, after: $after, fastFilter: { gt: [{ field: fldModifyLSN }, { value: $lsn }] }) { edges { node { fldID fldModifyLSN } } pageInfo { hasNextPage endCursor } } } }`, { lsn: String(lsn) });

  before(async function () {
    const data = generateBueroData({ seed: 99, appointments: 100_000, addresses: 40_000, contactPeoplePerAddress: [1, 4] });
    sim = await startBueroSimulator({ data, auth: { staticToken: 'T' } });
  });
  after(async function () {
    await sim.close();
  });

  // Speed is measured by the benchmark (npm run bench), not asserted here: timed tests fail on a busy machine.
  it('answers a poll that finds no change with no rows, for both big tables', async function () {
    const lsn = sim.db.currentLsn();
    for (const table of ['tblCalendar', 'tblContactPeople']) {
      const r = await poll(table, lsn);
      assert.deepEqual(r.body.data[table].conRead.edges, []);
      assert.equal(r.body.data[table].conRead.pageInfo.hasNextPage, false);
    }
  });

  it('finds exactly the rows changed since a poll, among 100 000', async function () {
    const lsn = sim.db.currentLsn();
    const changed = [17, 50_000, 99_999];
    for (const id of changed) sim.db.modify('tblCalendar', id, { fldKurzInfo: `geändert ${id}` });
    const person = sim.db.insert('tblContactPeople', { fldAdrNr: '10005', fldNNa: 'Neu' });
    const cal = await poll('tblCalendar', lsn);
    assert.deepEqual(cal.body.data.tblCalendar.conRead.edges.map((e: any) => e.node.fldID), changed);
    const people = await poll('tblContactPeople', lsn);
    assert.deepEqual(people.body.data.tblContactPeople.conRead.edges.map((e: any) => e.node.fldID), [person.fldID]);
  });

  it('checks 100 records by id (an or-list of fldID = v, as a deletion check does)', async function () {
    const asked = Array.from({ length: 100 }, (_, i) => 1 + i * 997);
    sim.db.delete('tblCalendar', asked[5]);
    const r = await graphql<any>(sim.url, 'T', `{ tblCalendar { conRead(first: 100, fastFilter: { or: [${asked.map((id) => `{ eq: [{ field: fldID }, { value: ${id} }] }`).join(', ')}] }) { edges { node { fldID } } } } }`);
    const found = r.body.data.tblCalendar.conRead.edges.map((e: any) => e.node.fldID);
    assert.deepEqual(found, asked.filter((id) => id !== asked[5]));
  });

  it('pages through a full baseline read of 100 000 rows with conRead', async function () {
    let after: string | null = null;
    let count = 0;
    let last = 0;
    for (;;) {
      const r: any = await graphql<any>(sim.url, 'T', 'query ($after: String) { tblCalendar { conRead(first: 5000, after: $after) { edges { node { fldID fldModifyLSN } } pageInfo { hasNextPage endCursor } } } }', { after });
      const con = r.body.data.tblCalendar.conRead;
      for (const e of con.edges) {
        assert.ok(e.node.fldID > last);
        last = e.node.fldID;
      }
      count += con.edges.length;
      if (!con.pageInfo.hasNextPage) break;
      after = con.pageInfo.endCursor;
    }
    assert.equal(count, sim.db.count('tblCalendar'));
  });
});

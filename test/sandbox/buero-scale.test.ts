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

  it('answers a poll that finds no change in a few milliseconds', async function () {
    const lsn = sim.db.currentLsn();
    for (let i = 0; i < 5; i++) await poll('tblCalendar', lsn); // warm up
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      const r = await poll(i % 2 ? 'tblCalendar' : 'tblContactPeople', lsn);
      times.push(performance.now() - t0);
      assert.deepEqual(r.body.data[i % 2 ? 'tblCalendar' : 'tblContactPeople'].conRead.edges, []);
    }
    times.sort((a, b) => a - b);
    const median = times[10];
    assert.ok(median < 25, `median ${median.toFixed(2)} ms`);
    const cpu = sim.requestLog.slice(-21).map((e) => e.cpuMs!).sort((a, b) => a - b)[10];
    assert.ok(cpu < 10, `server CPU ${cpu.toFixed(2)} ms`);
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

  it('checks 100 records by id (an or-list of fldID = v, as a deletion check does) without scanning the table', async function () {
    const asked = Array.from({ length: 100 }, (_, i) => 1 + i * 997);
    sim.db.delete('tblCalendar', asked[5]);
    const r = await graphql<any>(sim.url, 'T', `{ tblCalendar { conRead(first: 100, fastFilter: { or: [${asked.map((id) => `{ eq: [{ field: fldID }, { value: ${id} }] }`).join(', ')}] }) { edges { node { fldID } } } } }`);
    const found = r.body.data.tblCalendar.conRead.edges.map((e: any) => e.node.fldID);
    assert.deepEqual(found, asked.filter((id) => id !== asked[5]));
    assert.ok(sim.requestLog[sim.requestLog.length - 1].cpuMs! < 30, `server CPU ${sim.requestLog[sim.requestLog.length - 1].cpuMs} ms`);
  });

  it('pages through a full baseline read of 100 000 rows with conRead', async function () {
    let after: string | null = null;
    let count = 0;
    let last = 0;
    const t0 = Date.now();
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
    assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
  });
});

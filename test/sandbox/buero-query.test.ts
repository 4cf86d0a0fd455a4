/* eslint-disable @typescript-eslint/no-explicit-any -- tests walk the JSON of GraphQL answers freely */
import assert from 'node:assert/strict';
import { startBueroSimulator, generateBueroData, type BueroSimulator } from '../../sandbox/buero';
import { graphql } from '../../sandbox/buero/client';

// Reads against the büro+ simulator over real HTTP: every query form, filter and output format.
describe('sandbox büro+ simulator: queries', function () {
  const data = generateBueroData({ seed: 7, users: 8, appointments: 120, tasks: 20, followUps: 10, addresses: 20 });
  let sim: BueroSimulator;
  const q = (query: string, variables?: Record<string, unknown>) => graphql<any>(sim.url, 'T', query, variables);
  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const r = await q(query, variables);
    assert.equal(r.status, 200);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    return r.body.data;
  };

  before(async function () {
    sim = await startBueroSimulator({ data, auth: { staticToken: 'T' }, mandant: 3 });
  });
  after(async function () {
    await sim.close();
  });

  it('tblClient is a single record with the Mandant number', async function () {
    const d = await ok('{ tblClient { rowRead { fldMandNr fldNa1 } } }');
    assert.equal(d.tblClient.rowRead.fldMandNr, 3);
  });

  it('rowRead finds one row by the kf1 shorthand and by exactMatch, also with a nested key; null when absent', async function () {
    const d = await ok(`{
      a: tblAddresses { rowRead(kf1AdrNr: { string: "10002" }) { fldAdrNr fldNa1 } }
      b: tblAddresses { rowRead(exactMatch: { byNr: { kf1AdrNr: { text: "10002" } } }) { fldAdrNr } }
      p: tblPostalAddresses { rowRead(exactMatch: { byNr: { kf1AdrNr: { string: "10000", kf2AnsNr: { int: 2 } } } }) { fldAdrNr fldAnsNr } }
      c: tblCalendar { rowRead(kf1ID: { int: 17 }) { fldID fldKurzInfo } }
      none: tblAddresses { rowRead(kf1AdrNr: { string: "99999" }) { fldAdrNr } }
    }`);
    assert.equal(d.a.rowRead.fldNa1, data.addresses[2].fldNa1);
    assert.equal(d.b.rowRead.fldAdrNr, '10002');
    assert.deepEqual(d.p.rowRead, { fldAdrNr: '10000', fldAnsNr: 2 });
    assert.equal(d.c.rowRead.fldKurzInfo, data.calendar[16].fldKurzInfo);
    assert.equal(d.none.rowRead, null);
  });

  it('rowsRead lists all rows in fldID order', async function () {
    const d = await ok('{ tblCalendar { rowsRead { fldID } } tblUsers { rowsRead { fldNr fldAnmNa } } }');
    assert.deepEqual(d.tblCalendar.rowsRead.map((r: any) => r.fldID), data.calendar.map((r) => r.fldID));
    assert.equal(d.tblUsers.rowsRead.length, 8);
  });

  it('conRead pages with first/after through every row exactly once (Relay edges, cursor, pageInfo)', async function () {
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const d: any = await ok(
        'query ($after: String) { tblCalendar { conRead(first: 40, after: $after) { edges { node { fldID } cursor } pageInfo { hasNextPage endCursor edgeCount } } } }',
        { after },
      );
      const con = d.tblCalendar.conRead;
      pages++;
      assert.ok(con.edges.length <= 40);
      assert.equal(con.pageInfo.edgeCount, con.edges.length);
      if (con.edges.length) assert.equal(con.pageInfo.endCursor, con.edges[con.edges.length - 1].cursor);
      seen.push(...con.edges.map((e: any) => e.node.fldID));
      if (!con.pageInfo.hasNextPage) break;
      after = con.pageInfo.endCursor;
    }
    assert.equal(pages, Math.ceil(data.calendar.length / 40));
    assert.deepEqual(seen, data.calendar.map((r) => r.fldID));
  });

  it('conRead rejects a cursor it did not issue', async function () {
    const r = await q('{ tblCalendar { conRead(first: 5, after: "bogus") { edges { cursor } } } }');
    assert.match(r.body.errors![0].message, /not a cursor/);
  });

  it('links: an address lists its postal addresses and contact people; a postal address its contact people; row… links one record', async function () {
    const d = await ok(`{ tblAddresses { rowRead(kf1AdrNr: { string: "10000" }) {
      lnkPostalAddresses { rowsRead { fldAnsNr lnkContactPeople { rowsRead { fldAspNr fldAnsNr } } } }
      lnkContactPeople { rowsRead { fldAspNr rowAdrNr { fldAdrNr } rowAnsNr { fldAnsNr fldOrt } } }
    } } }`);
    const row = d.tblAddresses.rowRead;
    const postal = data.postalAddresses.filter((p) => p.fldAdrNr === '10000');
    const people = data.contactPeople.filter((p) => p.fldAdrNr === '10000');
    assert.deepEqual(row.lnkPostalAddresses.rowsRead.map((p: any) => p.fldAnsNr), postal.map((p) => p.fldAnsNr));
    assert.deepEqual(row.lnkContactPeople.rowsRead.map((p: any) => p.fldAspNr), people.map((p) => p.fldAspNr));
    for (const p of row.lnkPostalAddresses.rowsRead) for (const c of p.lnkContactPeople.rowsRead) assert.equal(c.fldAnsNr, p.fldAnsNr);
    const linked = row.lnkPostalAddresses.rowsRead.reduce((n: number, p: any) => n + p.lnkContactPeople.rowsRead.length, 0);
    assert.equal(linked, people.length);
    for (const c of row.lnkContactPeople.rowsRead) {
      assert.equal(c.rowAdrNr.fldAdrNr, '10000');
      assert.equal(c.rowAnsNr.fldOrt, postal.find((p) => p.fldAnsNr === c.rowAnsNr.fldAnsNr)!.fldOrt);
    }
  });

  it('tblUsers rowRead(using: current) is the token\'s user', async function () {
    const d = await ok('{ tblUsers { rowRead(using: current) { fldNr fldAnmNa } } }');
    assert.deepEqual(d.tblUsers.rowRead, { fldNr: 1, fldAnmNa: data.users[0].fldAnmNa });
  });

  describe('fastFilter', function () {
    const ids = async (filter: string) => {
      const d = await ok(`{ tblCalendar { rowsRead(fastFilter: ${filter}) { fldID } } }`);
      return d.tblCalendar.rowsRead.map((r: any) => r.fldID as number);
    };
    const expect = (pred: (r: Record<string, any>) => boolean) => sim.db.rows('tblCalendar').filter(pred).map((r) => r.fldID as number);

    it('eq ne lt le gt ge compare a field with a value', async function () {
      assert.deepEqual(await ids('{ eq: [{ field: fldArt }, { value: "Aufgabe" }] }'), expect((r) => r.fldArt === 'Aufgabe'));
      assert.deepEqual(await ids('{ ne: [{ field: fldArt }, { value: "Termin" }] }'), expect((r) => r.fldArt !== 'Termin'));
      assert.deepEqual(await ids('{ lt: [{ field: fldBzrNr }, { value: 3 }] }'), expect((r) => r.fldBzrNr < 3));
      assert.deepEqual(await ids('{ le: [{ field: fldBzrNr }, { value: 3 }] }'), expect((r) => r.fldBzrNr <= 3));
      assert.deepEqual(await ids('{ gt: [{ field: fldBeginn }, { value: "2026-10-25" }] }'), expect((r) => r.fldBeginn !== null && r.fldBeginn > '2026-10-25T00:00:00'));
      assert.deepEqual(await ids('{ ge: [{ field: fldID }, { value: 100 }] }'), expect((r) => r.fldID >= 100));
      assert.deepEqual(await ids('{ eq: [{ field: fldGanzTg }, { value: true }] }'), expect((r) => r.fldGanzTg === true));
    });

    it('isNull / isNotNull, and the mirrored form [{ value }, { field }]', async function () {
      assert.deepEqual(await ids('{ isNull: { field: fldSerie } }'), expect((r) => r.fldSerie === null));
      assert.deepEqual(await ids('{ isNotNull: { field: fldSerie } }'), expect((r) => r.fldSerie !== null));
      assert.deepEqual(await ids('{ gt: [{ value: 3 }, { field: fldBzrNr }] }'), expect((r) => r.fldBzrNr < 3));
      assert.ok((await ids('{ isNotNull: { field: fldSerie } }')).length > 3);
    });

    it('and / or / not combine filters', async function () {
      assert.deepEqual(
        await ids('{ and: [{ eq: [{ field: fldArt }, { value: "Termin" }] }, { isNotNull: { field: fldSerieAusn } }] }'),
        expect((r) => r.fldArt === 'Termin' && r.fldSerieAusn !== null),
      );
      assert.deepEqual(
        await ids('{ or: [{ eq: [{ field: fldArt }, { value: "Aufgabe" }] }, { eq: [{ field: fldArt }, { value: "Wiedervorlage" }] }] }'),
        expect((r) => r.fldArt === 'Aufgabe' || r.fldArt === 'Wiedervorlage'),
      );
      assert.deepEqual(await ids('{ not: { eq: [{ field: fldArt }, { value: "Termin" }] } }'), expect((r) => r.fldArt !== 'Termin'));
    });

    it('fldModifyLSN > x: the value as a string, an integer literal or an Any variable', async function () {
      const lsns = sim.db.rows('tblCalendar').map((r) => r.fldModifyLSN as bigint).sort((a, b) => (a < b ? -1 : 1));
      const x = lsns[Math.floor(lsns.length / 2)];
      const want = expect((r) => (r.fldModifyLSN as bigint) > x);
      assert.ok(want.length > 10);
      assert.deepEqual(await ids(`{ gt: [{ field: fldModifyLSN }, { value: "${x}" }] }`), want);
      assert.deepEqual(await ids(`{ gt: [{ field: fldModifyLSN }, { value: ${x} }] }`), want);
      const d = await ok('query ($lsn: Any) { tblCalendar { rowsRead(fastFilter: { gt: [{ field: fldModifyLSN }, { value: $lsn }] }) { fldID } } }', { lsn: String(x) });
      assert.deepEqual(d.tblCalendar.rowsRead.map((r: any) => r.fldID), want);
    });

    it('an or-list of fldID = v finds exactly the records that exist, in fldID order', async function () {
      const present = sim.db.rows('tblCalendar').map((r) => r.fldID as number);
      const asked = [present[3], 99999, present[0], present[present.length - 1]];
      assert.deepEqual(await ids(`{ or: [${asked.map((id) => `{ eq: [{ field: fldID }, { value: ${id} }] }`).join(', ')}] }`), [present[0], present[3], present[present.length - 1]]);
      assert.deepEqual(await ids(`{ and: [{ eq: [{ field: fldID }, { value: ${present[3]} }] }, { eq: [{ field: fldArt }, { value: "Nope" }] }] }`), []);
    });

    it('two operators in one filter object break the @oneOf rule: a GraphQL error', async function () {
      const r = await q('{ tblCalendar { rowsRead(fastFilter: { eq: [{ field: fldArt }, { value: "Termin" }], isNull: { field: fldSerie } }) { fldID } } }');
      assert.match(r.body.errors![0].message, /exactly one key/);
    });

    it('an unknown filter field is a validation error naming the enum', async function () {
      const r = await q('{ tblCalendar { rowsRead(fastFilter: { isNull: { field: fldNope } }) { fldID } } }');
      assert.match(r.body.errors![0].message, /fldNope.*CalendarEntryFastAnyFields/);
    });

    it('a value that does not fit the field is an error naming the field', async function () {
      const r = await q('{ tblCalendar { rowsRead(fastFilter: { gt: [{ field: fldModifyLSN }, { value: "zwölf" }] }) { fldID } } }');
      assert.match(r.body.errors![0].message, /fldModifyLSN/);
    });
  });

  describe('output formats (as:)', function () {
    it('TEXT, FLOAT, STRING, INT, DISPLAY_TEXT and BOOLEAN', async function () {
      const special = data.calendar.find((r) => String(r.fldKurzInfo).startsWith('Sommerfest'))!;
      const d = await ok(`{ tblCalendar { rowRead(kf1ID: { int: ${special.fldID as number} }) {
        fldInfo raw: fldInfo(as: STRING) plain: fldInfo(as: DISPLAY_TEXT)
        fldGanzTg allDayText: fldGanzTg(as: TEXT) allDayInt: fldGanzTg(as: INT)
        fldBeginn beginText: fldBeginn(as: TEXT)
        fldBzrNr ownerFloat: fldBzrNr(as: FLOAT) ownerText: fldBzrNr(as: STRING) ownerBool: fldBzrNr(as: BOOLEAN)
        fldModifyLSN lsnInt: fldModifyLSN(as: INT)
      } } }`);
      const r = d.tblCalendar.rowRead;
      assert.ok(r.fldInfo.startsWith('{\\rtf1'));
      assert.equal(r.raw, r.fldInfo);
      assert.equal(r.plain, 'Grillen 🍖, Getränke 🍺 und Musik 🎶.\nAnmeldung bis 20.06. bei Käthe.');
      assert.equal(r.fldGanzTg, false);
      assert.equal(r.allDayText, 'Nein');
      assert.equal(r.allDayInt, 0);
      assert.equal(r.fldBeginn, '2026-07-03T16:00:00');
      assert.equal(r.beginText, '03.07.2026 16:00:00');
      assert.equal(r.ownerFloat, 1);
      assert.equal(r.ownerText, '1');
      assert.equal(r.ownerBool, true);
      assert.equal(typeof r.fldModifyLSN, 'string');
      assert.equal(r.lsnInt, Number(r.fldModifyLSN));
    });

    it('a value that cannot be shown in the format gives a field error, the rest of the data stays', async function () {
      const r = await q('{ tblCalendar { rowRead(kf1ID: { int: 1 }) { fldID fldKurzInfo(as: INT) } } }');
      assert.equal(r.body.data!.tblCalendar.rowRead.fldID, 1);
      assert.equal(r.body.data!.tblCalendar.rowRead.fldKurzInfo, null);
      assert.match(r.body.errors![0].message, /fldKurzInfo: cannot be output as INT/);
    });
  });

  it('BigInt version numbers are strings; fldModifyLSN >= fldInsertLSN', async function () {
    const d = await ok('{ tblContactPeople { rowsRead { fldInsertLSN fldModifyLSN } } }');
    for (const r of d.tblContactPeople.rowsRead) {
      assert.match(r.fldModifyLSN, /^\d+$/);
      assert.ok(BigInt(r.fldModifyLSN) >= BigInt(r.fldInsertLSN));
    }
  });

  it('single-type introspection: __type(name: "CalendarEntry") lists the fields; unknown types give null', async function () {
    const d = await ok('{ __type(name: "CalendarEntry") { name fields { name } } none: __type(name: "Nope") { name } }');
    const names = d.__type.fields.map((f: any) => f.name);
    for (const f of ['fldID', 'fldModifyLSN', 'fldArt', 'fldBzrNr', 'fldTeilnehmer', 'fldKurzInfo', 'fldInfo', 'fldBeginn', 'fldEnde', 'fldGanzTg', 'fldSerie', 'fldSerieAusn'])
      assert.ok(names.includes(f), f);
    assert.equal(d.none, null);
    assert.equal(sim.stats().byOperation.__type >= 1, true);
  });

  it('an unknown field gives GraphQL\'s standard error naming the field and the type', async function () {
    const r = await q('{ tblUsers { rowsRead { fldNr fldExchangePostfach } } }');
    assert.equal(r.status, 200);
    assert.equal(r.body.data, undefined);
    assert.match(r.body.errors![0].message, /^Cannot query field "fldExchangePostfach" on type "User"\./);
  });

  it('a query runs as a snapshot: a mutation committed meanwhile does not show in it', async function () {
    const before = sim.db.get('tblCalendar', 5)!;
    sim.faults.readDelayMs = 300;
    try {
      const reading = q('{ first: tblCalendar { rowRead(kf1ID: { int: 5 }) { fldKurzInfo fldModifyLSN } } second: tblCalendar { rowsRead(fastFilter: { eq: [{ field: fldID }, { value: 5 }] }) { fldKurzInfo } } }');
      await new Promise((r) => setTimeout(r, 100));
      const changed = await graphql<any>(sim.url, 'T', 'mutation { tblCalendar { rowModify(kf1ID: { int: 5 }) { fldKurzInfo(set: { text: "Geändert während des Lesens" }) fldModifyLSN } } }');
      assert.equal(changed.body.errors, undefined);
      const d = (await reading).body.data;
      assert.equal(d.first.rowRead.fldKurzInfo, before.fldKurzInfo);
      assert.equal(d.first.rowRead.fldModifyLSN, String(before.fldModifyLSN));
      assert.equal(d.second.rowsRead[0].fldKurzInfo, before.fldKurzInfo);
    } finally {
      sim.faults.readDelayMs = 0;
    }
    const after = await ok('{ tblCalendar { rowRead(kf1ID: { int: 5 }) { fldKurzInfo } } }');
    assert.equal(after.tblCalendar.rowRead.fldKurzInfo, 'Geändert während des Lesens');
  });

  it('a deleted row stays visible to a snapshot that started before the delete', async function () {
    sim.faults.readDelayMs = 200;
    try {
      const reading = q('{ tblCalendar { rowRead(kf1ID: { int: 6 }) { fldID } } }');
      await new Promise((r) => setTimeout(r, 60));
      sim.db.delete('tblCalendar', 6);
      assert.equal((await reading).body.data.tblCalendar.rowRead.fldID, 6);
    } finally {
      sim.faults.readDelayMs = 0;
    }
    assert.equal((await ok('{ tblCalendar { rowRead(kf1ID: { int: 6 }) { fldID } } }')).tblCalendar.rowRead, null);
  });
});

describe('sandbox büro+ simulator: LSNs beyond 2^53', function () {
  it('serializes them exactly as strings and filters on them exactly', async function () {
    const sim = await startBueroSimulator({ auth: { staticToken: 'T' }, lsnStart: 9007199254740993n });
    try {
      const a = sim.db.insert('tblAddresses', { fldNa1: 'A' });
      const b = sim.db.insert('tblAddresses', { fldNa1: 'B' });
      assert.ok((a.fldModifyLSN as bigint) > 9007199254740993n);
      assert.equal(b.fldModifyLSN, (a.fldModifyLSN as bigint) + 1n);
      const r = await graphql<any>(sim.url, 'T', `{ tblAddresses { rowsRead(fastFilter: { gt: [{ field: fldModifyLSN }, { value: "${a.fldModifyLSN as bigint}" }] }) { fldNa1 fldModifyLSN } } }`);
      assert.deepEqual(r.body.data.tblAddresses.rowsRead, [{ fldNa1: 'B', fldModifyLSN: String(b.fldModifyLSN) }]);
      const lossy = await graphql<any>(sim.url, 'T', '{ tblAddresses { rowsRead { fldModifyLSN(as: INT) } } }');
      assert.match(lossy.body.errors![0].message, /too large/);
    } finally {
      await sim.close();
    }
  });
});

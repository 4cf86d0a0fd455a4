/* eslint-disable @typescript-eslint/no-explicit-any -- tests walk the JSON of GraphQL answers freely */
import assert from 'node:assert/strict';
import { startBueroSimulator, generateBueroData, type BueroSimulator } from '../../sandbox/buero';
import { graphql } from '../../sandbox/buero/client';

// Writes against the büro+ simulator over real HTTP: rowNew, rowModify, rowDelete, all-or-nothing, LSNs.
describe('sandbox büro+ simulator: mutations', function () {
  let sim: BueroSimulator;
  let now = Date.UTC(2026, 2, 29, 0, 30); // 01:30 CET, the night the clocks go forward
  const q = (query: string, variables?: Record<string, unknown>) => graphql<any>(sim.url, 'T', query, variables);
  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const r = await q(query, variables);
    assert.equal(r.status, 200);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    return r.body.data;
  };

  beforeEach(async function () {
    sim = await startBueroSimulator({
      data: generateBueroData({ seed: 3, users: 6, appointments: 30, tasks: 5, followUps: 3, addresses: 8, contactPeoplePerAddress: [1, 2] }),
      auth: { staticToken: 'T' },
      clock: () => now,
    });
  });
  afterEach(async function () {
    await sim.close();
  });

  it('rowNew creates an appointment from string, text, int and boolean values and returns it with a new LSN', async function () {
    const before = sim.db.currentLsn();
    const d = await ok(`mutation { tblCalendar { rowNew {
      fldArt(set: { string: "Termin" }) fldKurzInfo(set: { text: "Übergabe </t:Subject> & Co." }) fldBzrNr(set: { int: 2 })
      fldBeginn(set: { text: "2026-10-25T02:30:00" }) fldEnde(set: { text: "25.10.2026 03:30" }) fldGanzTg(set: { boolean: false })
      fldTeilnehmer(set: { string: "1;3" }) fldErinnMin(set: { int: 15 }) fldOrt(set: {})
      rowSave { fldID fldInsertLSN fldModifyLSN fldErstDat fldErstBzr fldAendDat fldEnde fldOrt }
    } } }`);
    const saved = d.tblCalendar.rowNew.rowSave;
    assert.equal(BigInt(saved.fldModifyLSN), before + 1n);
    assert.equal(saved.fldInsertLSN, saved.fldModifyLSN);
    assert.equal(saved.fldEnde, '2026-10-25T03:30:00');
    assert.equal(saved.fldOrt, null);
    assert.equal(saved.fldErstDat, '2026-03-29T01:30:00'); // Berlin local time of the injected clock
    assert.equal(saved.fldErstBzr, sim.db.get('tblUsers', 1)!.fldAnmNa);
    const stored = sim.db.get('tblCalendar', saved.fldID)!;
    assert.equal(stored.fldKurzInfo, 'Übergabe </t:Subject> & Co.');
    assert.equal(stored.fldBzrNr, 2);
    assert.equal(stored.fldTeilnehmer, '1;3');
  });

  it('a field set and read in one block needs an alias (GraphQL field merging), as in büro+', async function () {
    const r = await q('mutation { tblCalendar { rowNew { fldBeginn(set: { text: "2026-05-01" }) fldBeginn } } }');
    assert.match(r.body.errors![0].message, /Fields "fldBeginn" conflict because they have differing arguments/);
  });

  it('rowNew defaults: kind Termin, owner = the acting user, end = start; all-day entries hold days at 00:00:00', async function () {
    const d = await ok(`mutation { tblCalendar {
      a: rowNew { fldBeginn(set: { text: "2026-05-01T10:00" }) fldArt fldBzrNr fldEnde }
      b: rowNew { fldGanzTg(set: { boolean: true }) fldBeginn(set: { text: "2026-07-20T09:15:00" }) fldEnde(set: { text: "2026-07-31" }) rowSave { fldBeginn fldEnde } }
    } }`);
    assert.deepEqual(d.tblCalendar.a, { fldBeginn: '2026-05-01T10:00:00', fldArt: 'Termin', fldBzrNr: 1, fldEnde: '2026-05-01T10:00:00' });
    assert.deepEqual(d.tblCalendar.b.rowSave, { fldBeginn: '2026-07-20T00:00:00', fldEnde: '2026-07-31T00:00:00' });
  });

  it('rowNew creates an address, a postal address and a contact person with numbers given by büro+', async function () {
    const d = await ok(`mutation {
      tblAddresses { rowNew { fldNa1(set: { text: "Neue Größe GmbH" }) rowSave { fldAdrNr } } }
    }`);
    const adrNr = d.tblAddresses.rowNew.rowSave.fldAdrNr;
    assert.equal(adrNr, '10008');
    const p = await ok(`mutation {
      tblPostalAddresses { rowNew { fldAdrNr(set: { string: "${adrNr}" }) fldStr(set: { text: "Schloßallee 1" }) fldPLZ(set: { string: "01067" }) fldOrt(set: { text: "Dresden" }) rowSave { fldAnsNr } } }
      tblContactPeople { rowNew { fldAdrNr(set: { string: "${adrNr}" }) fldVNa(set: { text: "Zoë" }) fldNNa(set: { text: "Weiß" }) fldEMail1(set: { text: "zoe.weiss@example.com" }) rowSave { fldAnsNr fldAspNr rowAdrNr { fldNa1 } } } }
    }`);
    assert.equal(p.tblPostalAddresses.rowNew.rowSave.fldAnsNr, 1);
    assert.deepEqual(p.tblContactPeople.rowNew.rowSave, { fldAnsNr: 1, fldAspNr: 1, rowAdrNr: { fldNa1: 'Neue Größe GmbH' } });
    const read = await ok(`{ tblAddresses { rowRead(kf1AdrNr: { string: "${adrNr}" }) { lnkContactPeople { rowsRead { fldVNa fldNNa } } } } }`);
    assert.deepEqual(read.tblAddresses.rowRead.lnkContactPeople.rowsRead, [{ fldVNa: 'Zoë', fldNNa: 'Weiß' }]);
  });

  it('rowModify changes the given fields only, bumps fldModifyLSN and keeps fldInsertLSN', async function () {
    const old = sim.db.get('tblCalendar', 3)!;
    const d = await ok('mutation { tblCalendar { rowModify(kf1ID: { int: 3 }) { fldKurzInfo(set: { text: "Neu 🎉" }) fldPrio(set: { text: "2" }) fldInsertLSN fldModifyLSN fldAendDat } } }');
    const r = d.tblCalendar.rowModify;
    assert.equal(BigInt(r.fldInsertLSN), old.fldInsertLSN);
    assert.equal(BigInt(r.fldModifyLSN), sim.db.currentLsn());
    assert.ok(BigInt(r.fldModifyLSN) > (old.fldModifyLSN as bigint));
    const now2 = sim.db.get('tblCalendar', 3)!;
    assert.equal(now2.fldKurzInfo, 'Neu 🎉');
    assert.equal(now2.fldPrio, 2);
    assert.equal(now2.fldBeginn, old.fldBeginn);
    assert.equal(now2.fldErstDat, old.fldErstDat);
  });

  it('rowModify with a stale modifyLSN (optimistic locking) and rowModify of a missing record return null and change nothing', async function () {
    const lsn = sim.db.currentLsn();
    const d = await ok('mutation { tblCalendar { a: rowModify(kf1ID: { int: 3 }, modifyLSN: "1") { fldID } b: rowModify(kf1ID: { int: 9999 }) { fldID } } }');
    assert.deepEqual(d.tblCalendar, { a: null, b: null });
    assert.equal(sim.db.currentLsn(), lsn);
  });

  it('rowDelete removes the record (the change feed sees it only as a missing fldID) and bumps the LSN', async function () {
    const lsn = sim.db.currentLsn();
    const d = await ok('mutation { tblCalendar { rowDelete(exactMatch: { byID: { kf1ID: { int: 4 } } }, ignoreWarnings: true) { fldID fldKurzInfo } } }');
    assert.equal(d.tblCalendar.rowDelete.fldID, 4);
    assert.equal(sim.db.get('tblCalendar', 4), undefined);
    assert.ok(sim.db.currentLsn() > lsn);
    const ids = await ok('{ tblCalendar { rowsRead { fldID } } }');
    assert.equal(ids.tblCalendar.rowsRead.some((r: any) => r.fldID === 4), false);
  });

  it('deleting an address deletes its postal addresses and contact people', async function () {
    await ok('mutation { tblAddresses { rowDelete(kf1AdrNr: { string: "10000" }) { fldAdrNr } } }');
    assert.equal(sim.db.rows('tblPostalAddresses').filter((r) => r.fldAdrNr === '10000').length, 0);
    assert.equal(sim.db.rows('tblContactPeople').filter((r) => r.fldAdrNr === '10000').length, 0);
  });

  it('a mutation is all-or-nothing: one failing write undoes the others', async function () {
    const lsnRows = sim.db.rows('tblCalendar').length;
    const r = await q(`mutation {
      tblCalendar { ok: rowModify(kf1ID: { int: 2 }) { fldKurzInfo(set: { text: "soll verschwinden" }) } }
      tblAddresses { rowNew { fldNa1(set: { text: "auch weg" }) } }
      bad: tblCalendar { rowNew { fldBeginn(set: { text: "2026-05-01T10:00" }) fldEnde(set: { text: "2026-04-30T10:00" }) } }
    }`);
    assert.equal(r.body.data, null);
    assert.match(r.body.errors![0].message, /tblCalendar: fldEnde: .* is before fldBeginn/);
    assert.equal(r.body.errors![0].extensions!.field, 'fldEnde');
    assert.notEqual(sim.db.get('tblCalendar', 2)!.fldKurzInfo, 'soll verschwinden');
    assert.equal(sim.db.rows('tblAddresses').some((a) => a.fldNa1 === 'auch weg'), false);
    assert.equal(sim.db.rows('tblCalendar').length, lsnRows);
  });

  it('bad values are errors naming the field: unknown user, unknown address, date with offset, wrong type, bad kind', async function () {
    const cases: [string, RegExp][] = [
      ['fldBzrNr(set: { int: 77 })', /fldBzrNr: user 77 does not exist/],
      ['fldAdrNr(set: { string: "55555" })', /fldAdrNr: address 55555 does not exist/],
      ['fldEnde(set: { string: "2026-05-02T10:00:00+02:00" })', /fldEnde: .*time-zone offset/],
      ['fldPrio(set: { text: "hoch" })', /fldPrio: "hoch" is not a number/],
      ['fldGanzTg(set: { int: 1 })', /fldGanzTg: a number cannot be stored in a boolean field/],
      ['fldArt(set: { text: "Urlaub" })', /fldArt: "Urlaub" is not one of Termin, Aufgabe, Wiedervorlage/],
      ['fldTeilnehmer(set: { text: "Anna, Jörg" })', /fldTeilnehmer/],
    ];
    for (const [set, message] of cases) {
      const r = await q(`mutation { tblCalendar { rowNew { fldBeginn(set: { text: "2026-05-02T08:00" }) ${set} fldID } } }`);
      assert.match(r.body.errors?.[0]?.message ?? '', message, set);
    }
  });

  it('fields büro+ maintains have no set argument: setting them fails validation', async function () {
    const r = await q('mutation { tblCalendar { rowModify(kf1ID: { int: 1 }) { fldModifyLSN(set: { string: "5" }) } } }');
    assert.match(r.body.errors![0].message, /Unknown argument "set" on field "CalendarEntryRowMutationModify.fldModifyLSN"/);
  });

  it('tblUsers and tblClient are read-only: no rowNew', async function () {
    const r = await q('mutation { tblUsers { rowNew { fldNr } } }');
    assert.match(r.body.errors![0].message, /Cannot query field "rowNew" on type "UserTable"/);
  });

  it('fldModifyLSN is monotonic across the Mandant: each written row gets the next LSN, whatever the table', async function () {
    const start = sim.db.currentLsn();
    const d = await ok(`mutation {
      a: tblCalendar { rowModify(kf1ID: { int: 1 }) { fldMemo(set: { text: "x" }) fldModifyLSN } }
      b: tblAddresses { rowModify(kf1AdrNr: { string: "10001" }) { fldNa1(set: { text: "y" }) fldModifyLSN } }
      c: tblCalendar { rowNew { fldBeginn(set: { text: "2026-01-02" }) fldModifyLSN } }
    }`);
    const lsns = [d.a.rowModify.fldModifyLSN, d.b.rowModify.fldModifyLSN, d.c.rowNew.fldModifyLSN].map(BigInt);
    assert.deepEqual(lsns, [start + 1n, start + 2n, start + 3n]);
    const inserted = sim.db.insert('tblContactPeople', { fldAdrNr: '10002', fldNNa: 'Test' });
    assert.equal(inserted.fldModifyLSN, start + 4n);
    const all = [...sim.db.rows('tblCalendar'), ...sim.db.rows('tblAddresses'), ...sim.db.rows('tblPostalAddresses'), ...sim.db.rows('tblContactPeople'), ...sim.db.rows('tblUsers')];
    const seen = new Set(all.map((r) => String(r.fldModifyLSN)));
    assert.equal(seen.size, all.length, 'every row version has its own LSN');
  });

  it('db.insert/modify/delete in-process behave like the mutations and show over HTTP with their LSN', async function () {
    const lsn = sim.db.currentLsn();
    const row = sim.db.insert('tblCalendar', { fldArt: 'Aufgabe', fldBzrNr: 2, fldKurzInfo: 'Aus dem Test' }, { actor: 'test' });
    sim.db.modify('tblCalendar', row.fldID as number, { fldErledigt: true });
    assert.throws(() => sim.db.modify('tblCalendar', row.fldID as number, { fldBeginn: 'morgen' }), /fldBeginn/);
    const d = await ok(`{ tblCalendar { rowsRead(fastFilter: { gt: [{ field: fldModifyLSN }, { value: "${lsn}" }] }) { fldID fldErledigt fldKurzInfo fldErstBzr } } }`);
    assert.deepEqual(d.tblCalendar.rowsRead, [{ fldID: row.fldID, fldErledigt: true, fldKurzInfo: 'Aus dem Test', fldErstBzr: 'test' }]);
    sim.db.delete('tblCalendar', row.fldID as number);
    const plain = sim.db.insert('tblCalendar', { fldBeginn: '2026-10-25T02:30:00' }); // acts as the first user, like the static token
    assert.deepEqual([plain.fldBzrNr, plain.fldErstBzr], [1, sim.db.get('tblUsers', 1)!.fldAnmNa]);
    sim.db.delete('tblCalendar', plain.fldID as number);
    const after = await ok(`{ tblCalendar { rowsRead(fastFilter: { gt: [{ field: fldModifyLSN }, { value: "${lsn}" }] }) { fldID } } }`);
    assert.deepEqual(after.tblCalendar.rowsRead, []);
  });

  it('counts table operations per kind in stats().byOperation', async function () {
    await ok('mutation { tblCalendar { rowNew { fldBeginn(set: { text: "2026-01-02" }) fldID } } }');
    await ok('{ tblCalendar { conRead(first: 1) { edges { cursor } } } }');
    const ops = sim.stats().byOperation;
    assert.equal(ops['tblCalendar.rowNew'], 1);
    assert.equal(ops['tblCalendar.conRead'], 1);
    now += 1000;
  });

  it('rowSave reads the saved row back after the business rules: a subject written with blanks around is saved trimmed', async function () {
    const d = await ok(`mutation { tblCalendar { rowNew { fldKurzInfo(set: { string: "  Übergabe Müller  " }) fldBeginn(set: { string: "2026-05-04T10:00:00" })
      rowSave { fldID fldModifyLSN fldKurzInfo } } } }`);
    const saved = d.tblCalendar.rowNew.rowSave;
    assert.equal(saved.fldKurzInfo, 'Übergabe Müller');
    assert.equal(sim.db.get('tblCalendar', saved.fldID)!.fldKurzInfo, 'Übergabe Müller');
    const m = await ok(`mutation { tblCalendar { rowModify(kf1ID: { int: ${saved.fldID} }) { fldKurzInfo(set: { string: "Neu " }) rowSave { fldKurzInfo fldModifyLSN } } } }`);
    assert.equal(m.tblCalendar.rowModify.rowSave.fldKurzInfo, 'Neu');
    assert.ok(BigInt(m.tblCalendar.rowModify.rowSave.fldModifyLSN) > BigInt(saved.fldModifyLSN));
  });

  it('a subject longer than büro+ takes through the API (80 characters by default, a simulator option) is refused naming table and field; rows with older long subjects can still change other fields', async function () {
    const long = 'Ä'.repeat(81);
    const r = await q(`mutation { tblCalendar { rowModify(kf1ID: { int: 2 }) { fldKurzInfo(set: { string: "${long}" }) rowSave { fldID } } } }`);
    assert.equal(r.body.data, null);
    assert.match(r.body.errors![0].message, /^tblCalendar 2: fldKurzInfo: .*has 81 characters; büro\+ takes at most 80/);
    assert.equal(r.body.errors![0].extensions!.field, 'fldKurzInfo');
    assert.notEqual(sim.db.get('tblCalendar', 2)!.fldKurzInfo, long);
    await ok(`mutation { tblCalendar { rowModify(kf1ID: { int: 2 }) { fldKurzInfo(set: { string: "${'Ä'.repeat(80)}" }) } } }`);
    sim.db.rules.subjectMaxLength = 5;
    const r6 = await q('mutation { tblCalendar { rowModify(kf1ID: { int: 3 }) { fldKurzInfo(set: { string: "sechs!" }) } } }');
    assert.match(r6.body.errors![0].message, /fldKurzInfo: .*has 6 characters; büro\+ takes at most 5/);
    await ok('mutation { tblCalendar { rowModify(kf1ID: { int: 2 }) { fldOrt(set: { string: "Raum 1" }) fldID } } }'); // the 80-character subject stays: only a written subject is checked
    // In-process writes stand for entries made in büro+ itself: any text, as the sync must survive it.
    const own = sim.db.insert('tblCalendar', { fldBeginn: '2026-05-04T10:00:00', fldKurzInfo: '  lang und mit Leerzeichen  ' });
    assert.equal(own.fldKurzInfo, '  lang und mit Leerzeichen  ');
  });

  it('field rights per user: a field the user may not write has no set argument, and büro+ answers "Argument "set" is not defined" with its location', async function () {
    const login = sim.db.get('tblUsers', 1)!.fldAnmNa as string;
    sim.fieldRights[login] = { tblCalendar: ['fldKurzInfo', 'fldOrt'] };
    const text = 'mutation { tblCalendar { rowModify(kf1ID: { int: 3 }) {\n  fldBeginn(set: { string: "2026-05-04T10:00:00" })\n  fldOrt(set: { string: "Raum 2" })\n} } }';
    const r = await q(text);
    assert.equal(r.body.data, undefined);
    assert.equal(r.body.errors!.length, 1);
    assert.equal(r.body.errors![0].message, 'Argument "set" is not defined');
    assert.deepEqual((r.body.errors![0] as any).locations, [{ line: 3, column: 10 }]);
    // Reading the field is still allowed; rowNew is refused the same way.
    await ok('{ tblCalendar { rowRead(kf1ID: { int: 3 }) { fldKurzInfo fldOrt } } }');
    const n = await q('mutation { tblCalendar { rowNew { fldBeginn(set: { string: "2026-05-04T10:00:00" }) fldKurzInfo(set: { string: "x" }) } } }');
    assert.equal(n.body.errors![0].message, 'Argument "set" is not defined');
    // Introspection shows the user's own schema: no set on the denied fields.
    const t = await ok('{ __type(name: "CalendarEntryRowMutationModify") { fields { name args { name } } } }');
    const setOf = (name: string) => t.__type.fields.find((f: any) => f.name === name).args.some((a: any) => a.name === 'set');
    assert.deepEqual([setOf('fldKurzInfo'), setOf('fldOrt'), setOf('fldBeginn')], [false, false, true]);
    // The right granted: the next request may write.
    delete sim.fieldRights[login];
    await ok(text);
    assert.equal(sim.db.get('tblCalendar', 3)!.fldOrt, 'Raum 2');
  });

  it('field rights come from the simulator options or the data generator (per user number)', async function () {
    const data = generateBueroData({ seed: 3, users: 3, appointments: 2, tasks: 0, followUps: 0, addresses: 0, fieldRights: { 1: { tblCalendar: ['fldErledigt'] } } });
    const login = data.users[0].fldAnmNa as string;
    assert.deepEqual(data.fieldRights, { [login]: { tblCalendar: ['fldErledigt'] } });
    const other = await startBueroSimulator({ data, auth: { staticToken: 'T' }, fieldRights: { nobody: { tblCalendar: ['fldOrt'] } } });
    try {
      const r = await graphql<any>(other.url, 'T', 'mutation { tblCalendar { rowModify(kf1ID: { int: 1 }) { fldErledigt(set: { boolean: true }) } } }');
      assert.equal(r.body.errors![0].message, 'Argument "set" is not defined');
      const fine = await graphql<any>(other.url, 'T', 'mutation { tblCalendar { rowModify(kf1ID: { int: 1 }) { fldOrt(set: { string: "x" }) fldID } } }');
      assert.equal(fine.body.errors, undefined);
    } finally {
      await other.close();
    }
  });

  it('optimistic locking: rowModify and rowDelete with the current modifyLSN write; with an older one they return null and change nothing', async function () {
    const row = sim.db.get('tblCalendar', 5)!;
    const lsn = String(row.fldModifyLSN);
    const m = await ok(`mutation { tblCalendar { rowModify(exactMatch: { byID: { kf1ID: { int: 5 } } }, modifyLSN: "${lsn}") { fldOrt(set: { string: "A" }) rowSave { fldModifyLSN fldOrt } } } }`);
    const newLsn = m.tblCalendar.rowModify.rowSave.fldModifyLSN;
    assert.equal(m.tblCalendar.rowModify.rowSave.fldOrt, 'A');
    const stale = await ok(`mutation { tblCalendar { rowModify(exactMatch: { byID: { kf1ID: { int: 5 } } }, modifyLSN: "${lsn}") { fldOrt(set: { string: "B" }) rowSave { fldOrt } } } }`);
    assert.equal(stale.tblCalendar.rowModify, null);
    assert.equal(sim.db.get('tblCalendar', 5)!.fldOrt, 'A');
    const staleDelete = await ok(`mutation { tblCalendar { rowDelete(exactMatch: { byID: { kf1ID: { int: 5 } } }, modifyLSN: "${lsn}") { fldID } } }`);
    assert.equal(staleDelete.tblCalendar.rowDelete, null);
    assert.ok(sim.db.get('tblCalendar', 5));
    const del = await ok(`mutation { tblCalendar { rowDelete(exactMatch: { byID: { kf1ID: { int: 5 } } }, modifyLSN: "${newLsn}") { fldID } } }`);
    assert.equal(del.tblCalendar.rowDelete.fldID, 5);
    assert.equal(sim.db.get('tblCalendar', 5), undefined);
    const again = await ok('mutation { tblCalendar { rowDelete(exactMatch: { byID: { kf1ID: { int: 5 } } }) { fldID } } }');
    assert.equal(again.tblCalendar.rowDelete, null, 'a missing record: null');
  });
});

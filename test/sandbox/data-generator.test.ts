import assert from 'node:assert/strict';
import { generateBueroData, XML_TRAPS, type Row } from '../../sandbox/data/generator';
import { TABLES, type TableName } from '../../sandbox/buero/tables';
import { rtfToText, toRtf } from '../../sandbox/buero/rtf';
import { daysFromCivil, weekday } from '../../sandbox/data/local-time';

// The seeded demo-data generator: determinism, shape, and that every hard case occurs.
describe('sandbox data generator', function () {
  const data = generateBueroData({ seed: 42 });
  const cal = data.calendar;
  const termine = cal.filter((r) => r.fldArt === 'Termin');
  const tables: [TableName, Row[]][] = [
    ['tblUsers', data.users], ['tblCalendar', data.calendar], ['tblAddresses', data.addresses],
    ['tblPostalAddresses', data.postalAddresses], ['tblContactPeople', data.contactPeople], ['tblClient', [data.client!]],
  ];
  const texts = tables.flatMap(([, rows]) => rows.flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string')));

  it('is deterministic: the same seed gives the same data, another seed other data', function () {
    assert.deepEqual(generateBueroData({ seed: 42 }), data);
    assert.notDeepEqual(generateBueroData({ seed: 43 }).calendar.slice(30, 60), cal.slice(30, 60));
  });

  it('makes the requested numbers of records', function () {
    const d = generateBueroData({ seed: 1, users: 4, appointments: 50, tasks: 7, followUps: 3, addresses: 10, contactPeoplePerAddress: [2, 2] });
    assert.equal(d.users.length, 4);
    assert.equal(d.calendar.filter((r) => r.fldArt === 'Termin').length, 50);
    assert.equal(d.calendar.filter((r) => r.fldArt === 'Aufgabe').length, 7);
    assert.equal(d.calendar.filter((r) => r.fldArt === 'Wiedervorlage').length, 3);
    assert.equal(d.addresses.length, 10);
    assert.equal(d.contactPeople.length, 2 * 9); // the company-contact case has none
  });

  it('gives every row exactly the fields of its table, by their büro+ names', function () {
    for (const [table, rows] of tables) {
      const names = TABLES[table].fields.map((f) => f.name).sort();
      for (const r of rows) assert.deepEqual(Object.keys(r).sort(), names, `${table} ${String(r.fldID)}`);
    }
  });

  it('versions: LSNs unique across the Mandant, fldInsertLSN <= fldModifyLSN, some rows changed later', function () {
    const all = tables.flatMap(([, rows]) => rows);
    assert.equal(new Set(all.map((r) => String(r.fldModifyLSN))).size, all.length);
    for (const r of all) {
      assert.equal(typeof r.fldModifyLSN, 'bigint');
      assert.ok((r.fldInsertLSN as bigint) <= (r.fldModifyLSN as bigint));
      if (r.fldErstDat) assert.ok((r.fldErstDat as string) <= (r.fldAendDat as string));
    }
    assert.ok(all.filter((r) => r.fldModifyLSN !== r.fldInsertLSN).length > all.length / 10);
  });

  it('users: with the Mandant and a mailbox, without a start Mandant, with another Mandant, without mailbox', function () {
    const u = data.users;
    assert.ok(u.some((x) => x.fldStartMandNr === data.mandant && x.fldExchPostfach));
    assert.ok(u.some((x) => x.fldStartMandNr === null));
    assert.ok(u.some((x) => x.fldStartMandNr !== null && x.fldStartMandNr !== data.mandant));
    assert.ok(u.some((x) => x.fldExchPostfach === null));
    assert.ok(u.some((x) => x.fldExchPostfach === ''));
    assert.ok(u.some((x) => /[äöüß]/i.test(x.fldAnmNa as string)));
  });

  it('appointments: all-day one and several days, timed over several days, across and on both DST changes of 2026', function () {
    const day = (s: unknown) => String(s).slice(0, 10);
    assert.ok(termine.some((r) => r.fldGanzTg && day(r.fldBeginn) === day(r.fldEnde)));
    assert.ok(termine.some((r) => r.fldGanzTg && day(r.fldBeginn) < day(r.fldEnde)));
    assert.ok(termine.some((r) => !r.fldGanzTg && day(r.fldBeginn) < day(r.fldEnde)));
    assert.ok(termine.some((r) => !r.fldGanzTg && (r.fldBeginn as string) < '2026-03-29T02:00:00' && (r.fldEnde as string) > '2026-03-29T03:00:00'));
    assert.ok(termine.some((r) => !r.fldGanzTg && (r.fldBeginn as string) <= '2026-10-25T02:00:00' && (r.fldEnde as string) >= '2026-10-25T03:00:00'));
    assert.ok(termine.some((r) => !r.fldGanzTg && day(r.fldBeginn) === '2026-03-29'));
    assert.ok(termine.some((r) => !r.fldGanzTg && (r.fldBeginn as string).startsWith('2026-10-25T02:'))); // the repeated hour
    assert.ok(termine.some((r) => r.fldGanzTg && day(r.fldBeginn) === '2026-10-25'));
    for (const r of termine) {
      assert.match(r.fldBeginn as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      assert.ok((r.fldEnde as string) >= (r.fldBeginn as string), String(r.fldID));
      if (r.fldGanzTg) assert.ok((r.fldBeginn as string).endsWith('T00:00:00') && (r.fldEnde as string).endsWith('T00:00:00'));
    }
  });

  it('series: daily, weekly, monthly and yearly RRULEs, with exception dates that are occurrences', function () {
    const series = cal.filter((r) => r.fldSerie);
    for (const freq of ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']) assert.ok(series.some((r) => (r.fldSerie as string).includes(`FREQ=${freq}`)), freq);
    const withExceptions = series.filter((r) => r.fldSerieAusn);
    assert.ok(withExceptions.length >= 3);
    const codes = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
    for (const r of withExceptions) {
      const rule = r.fldSerie as string;
      for (const date of (r.fldSerieAusn as string).split(';')) {
        const [y, m, d] = date.split('-').map(Number);
        const days = daysFromCivil(y, m, d);
        assert.ok(date > (r.fldBeginn as string).slice(0, 10), `${date} after the first occurrence`);
        const byDay = /BYDAY=([A-Z]{2})(;|$)/.exec(rule);
        if (rule.includes('FREQ=WEEKLY') && byDay) assert.equal(codes[weekday(days)], byDay[1], `${rule} ${date}`);
        const byMonthDay = /BYMONTHDAY=(\d+)/.exec(rule);
        if (byMonthDay) assert.equal(d, Number(byMonthDay[1]));
      }
    }
  });

  it('participants: lists of user numbers, including a user without mailbox and an unknown number', function () {
    const lists = cal.filter((r) => r.fldTeilnehmer).map((r) => (r.fldTeilnehmer as string).split(';').map(Number));
    assert.ok(lists.length > 10);
    assert.ok(lists.some((l) => l.length > 1));
    const noMailbox = data.users.filter((u) => !u.fldExchPostfach).map((u) => u.fldNr);
    assert.ok(lists.some((l) => l.some((n) => noMailbox.includes(n))));
    assert.ok(lists.some((l) => l.some((n) => !data.users.some((u) => u.fldNr === n))));
  });

  it('tasks (Aufgabe, done and open, with and without due date) and follow-ups (Wiedervorlage, linked to addresses)', function () {
    const tasks = cal.filter((r) => r.fldArt === 'Aufgabe');
    assert.ok(tasks.some((r) => r.fldErledigt === true) && tasks.some((r) => r.fldErledigt === false));
    assert.ok(tasks.some((r) => r.fldEnde === null));
    const followUps = cal.filter((r) => r.fldArt === 'Wiedervorlage');
    assert.ok(followUps.length > 0 && followUps.some((r) => r.fldAdrNr !== null));
  });

  it('addresses have postal addresses and contact people that belong to them; one has no contact people', function () {
    const adrNrs = new Set(data.addresses.map((a) => a.fldAdrNr));
    for (const p of data.postalAddresses) assert.ok(adrNrs.has(p.fldAdrNr));
    for (const c of data.contactPeople)
      assert.ok(data.postalAddresses.some((p) => p.fldAdrNr === c.fldAdrNr && p.fldAnsNr === c.fldAnsNr), `contact ${String(c.fldID)}`);
    assert.ok(data.addresses.some((a) => !data.contactPeople.some((c) => c.fldAdrNr === a.fldAdrNr)));
    assert.ok(data.postalAddresses.some((p) => (p.fldPLZ as string).startsWith('0')));
    assert.ok(data.postalAddresses.some((p) => p.fldLand !== 'DE'));
    assert.ok(data.contactPeople.some((c) => c.fldEMail1 === null && c.fldTel1 === null));
    for (const c of data.calendar) if (c.fldAdrNr !== null) assert.ok(adrNrs.has(c.fldAdrNr));
  });

  it('texts: umlauts and ß, RTF, XML metacharacters, emoji, control characters and very long texts', function () {
    assert.ok(texts.some((t) => /[äöüÄÖÜ]/.test(t)) && texts.some((t) => t.includes('ß')));
    const rtf = texts.filter((t) => t.startsWith('{\\rtf1'));
    assert.ok(rtf.length > 10);
    assert.ok(rtf.some((t) => /\\u-?\d+\?/.test(t)), 'RTF with \\uN (emoji)');
    for (const trap of XML_TRAPS) assert.ok(texts.some((t) => t.includes(trap)), trap);
    assert.ok(data.contactPeople.some((c) => String(c.fldVNa).includes('</t:')));
    assert.ok(texts.some((t) => /\p{Extended_Pictographic}/u.test(t)));
    // eslint-disable-next-line no-control-regex
    assert.ok(texts.some((t) => /[\u0001-\u0008\u000b\u001f]/.test(t)));
    assert.ok(cal.some((r) => String(r.fldInfo).length > 100_000));
    assert.ok(cal.some((r) => String(r.fldKurzInfo).length > 255));
    assert.ok(data.addresses.some((a) => String(a.fldNa1).length > 255));
  });

  it('RTF round trip: what toRtf writes, DISPLAY_TEXT reads back (code page 1252 and \\uN)', function () {
    const text = 'Größe & Maß: 12 €\n{Klammern} \\ Backslash – “Anführung” 🎉 Zoë\tTab';
    assert.equal(rtfToText(toRtf(text, { boldFirstLine: true })), text);
    assert.equal(rtfToText('plain, not RTF'), 'plain, not RTF');
    assert.equal(rtfToText('{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}{\\*\\ignored stuff}\\f0 Stra\\\'dfe\\par\\u8364?uro}'), 'Straße\n€uro');
  });

  it('makes 100 000 appointments and about 100 000 contact people (the benchmark size)', function () {
    const big = generateBueroData({ seed: 11, appointments: 100_000, addresses: 40_000, contactPeoplePerAddress: [1, 4] });
    assert.equal(big.calendar.filter((r) => r.fldArt === 'Termin').length, 100_000);
    assert.ok(big.contactPeople.length > 95_000, String(big.contactPeople.length));
  });
});

/**
 * Seeded generator of realistic büro+ data (same seed → same data) at any size: users,
 * appointments, tasks, follow-ups, addresses with postal addresses and contact people. The
 * first records of each kind are the hard cases the sync must survive (DST days, series with
 * exceptions, RTF, XML metacharacters, emoji, very long texts, users without mailbox or Mandant);
 * the rest is drawn at random. Field names as in docs/buero-api.md.
 */
import { Random } from './random';
import * as de from './german';
import { daysFromCivil, localDate, localDateTime, weekday } from './local-time';
import { toRtf } from '../buero/rtf';

/** One büro+ record by its field names (`fldID`, `fldModifyLSN` as a bigint, …). */
export type Row = Record<string, unknown>;

export interface BueroDataSet {
  mandant: number;
  users: Row[];
  calendar: Row[];
  addresses: Row[];
  postalAddresses: Row[];
  contactPeople: Row[];
  /** The tblClient record; built from `mandant` when absent. */
  client?: Row;
  /** Per login: the fields per table the user has no right to write (the simulator's field rights). */
  fieldRights?: Record<string, Record<string, string[]>>;
}

export interface GenerateOptions {
  seed: number;
  mandant?: number;
  users?: number;
  appointments?: number;
  tasks?: number;
  followUps?: number;
  addresses?: number;
  contactPeoplePerAddress?: [min: number, max: number];
  /** Per user number: the fields per table (`{ tblCalendar: ['fldKurzInfo'] }`) the user may not write. */
  fieldRights?: Record<number, Record<string, string[]>>;
}

/** The mailbox domain of generated users. */
export const MAILBOX_DOMAIN = 'firma.example';

const DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** Appointments are spread over this period (it contains both DST changes of 2026). */
const FIRST_DAY = daysFromCivil(2025, 11, 1);
const LAST_DAY = daysFromCivil(2026, 12, 31);

/** A text with XML metacharacters that breaks any SOAP body built without escaping. */
export const XML_TRAPS = ['</t:Subject><t:Bogus/>', 'a <&> "b"', "]]> <![CDATA[ & 'x' &amp;"];

/** "Müller & Söhne GmbH" → "mueller-soehne": a domain label from a company name. */
function slug(name: string): string {
  const words = name.split(/\s+/).map((w) => de.transliterate(w).toLowerCase().replace(/[^a-z0-9]+/g, '')).filter((w) => w.length > 1);
  return words.slice(0, 2).join('-') || 'firma';
}

export function generateBueroData(options: GenerateOptions): BueroDataSet {
  return new Generator(options).run();
}

class Generator {
  private readonly rnd: Random;
  private readonly mandant: number;
  private readonly counts: Required<Omit<GenerateOptions, 'seed' | 'mandant' | 'fieldRights'>>;
  private readonly fieldRights: Record<number, Record<string, string[]>>;
  private readonly users: Row[] = [];
  private readonly calendar: Row[] = [];
  private readonly addresses: Row[] = [];
  private readonly postalAddresses: Row[] = [];
  private readonly contactPeople: Row[] = [];
  private readonly rtfPool: string[];
  private logins: string[] = [];

  constructor(options: GenerateOptions) {
    this.rnd = new Random(options.seed);
    this.fieldRights = options.fieldRights ?? {};
    this.mandant = options.mandant ?? 1;
    this.counts = {
      users: options.users ?? 12,
      appointments: options.appointments ?? 300,
      tasks: options.tasks ?? 60,
      followUps: options.followUps ?? 40,
      addresses: options.addresses ?? 60,
      contactPeoplePerAddress: options.contactPeoplePerAddress ?? [0, 3],
    };
    // A pool of RTF bodies, so large data sets do not pay for RTF encoding per row.
    this.rtfPool = Array.from({ length: 40 }, () => toRtf(this.sentences(1, 4), { boldFirstLine: this.rnd.chance(0.3) }));
  }

  run(): BueroDataSet {
    this.makeUsers();
    this.logins = this.users.map((u) => u.fldAnmNa as string);
    this.makeAddresses();
    this.makeAppointments();
    this.makeTasks();
    this.makeFollowUps();
    const client: Row = {
      fldID: 1, fldInsertLSN: 0n, fldModifyLSN: 0n,
      fldMandNr: this.mandant, fldNa1: 'Muster Handels- & Service GmbH',
      fldInfo: null, fldMemo: null, fldQuickInfo: null,
      fldErstDat: null, fldErstBzr: null, fldAendDat: null, fldAendBzr: null,
    };
    this.stamp([this.users, [client], this.addresses, this.postalAddresses, this.contactPeople, this.calendar]);
    return {
      mandant: this.mandant,
      users: this.users,
      calendar: this.calendar,
      addresses: this.addresses,
      postalAddresses: this.postalAddresses,
      contactPeople: this.contactPeople,
      client,
      ...(Object.keys(this.fieldRights).length ? { fieldRights: this.byLogin(this.fieldRights) } : {}),
    };
  }

  private byLogin(rights: Record<number, Record<string, string[]>>): Record<string, Record<string, string[]>> {
    const out: Record<string, Record<string, string[]>> = {};
    for (const [nr, tables] of Object.entries(rights)) {
      const login = this.users.find((u) => u.fldNr === Number(nr))?.fldAnmNa;
      if (typeof login !== 'string') throw new Error(`fieldRights: there is no user ${nr}`);
      out[login] = tables;
    }
    return out;
  }

  // ---- users ----

  private makeUsers(): void {
    const special: [string, string, string | null][] = [
      ['Anna', 'Schäfer', 'aschaefer'],
      ['Jörg', 'Weißmüller', 'Jörg'], // a login name with an umlaut
      ['Sören', 'Groß', 'sgross'], // no start Mandant
      ['Maria', 'Köhler', 'mkoehler'], // starts in another Mandant
      ['Günter', 'Strauß', 'gstrauss'], // no mailbox
      ['Zoë', "O'Connor", 'zoconnor'], // empty mailbox field
    ];
    const used = new Set<string>();
    for (let nr = 1; nr <= this.counts.users; nr++) {
      let first: string;
      let last: string;
      let login: string;
      if (nr <= special.length) {
        [first, last, login] = special[nr - 1] as [string, string, string];
      } else {
        first = this.rnd.chance(0.5) ? this.rnd.pick(de.FIRST_NAMES_F) : this.rnd.pick(de.FIRST_NAMES_M);
        last = this.rnd.pick(de.LAST_NAMES);
        login = de.transliterate(first[0] + last).toLowerCase();
      }
      if (used.has(login.toLowerCase())) login += nr;
      used.add(login.toLowerCase());
      let mailbox: string | null = `${de.transliterate(first).toLowerCase()}.${de.transliterate(last).toLowerCase()}@${MAILBOX_DOMAIN}`;
      let startMandant: number | null = this.mandant;
      if (nr === 3) startMandant = null;
      else if (nr === 4) startMandant = this.mandant + 1;
      else if (nr === 5) mailbox = null;
      else if (nr === 6) mailbox = '';
      else if (nr > special.length) {
        const r = this.rnd.next();
        if (r < 0.08) mailbox = null;
        else if (r < 0.16) startMandant = this.mandant + 1;
        else if (r < 0.2) startMandant = null;
      }
      this.users.push({
        fldID: nr, fldInsertLSN: 0n, fldModifyLSN: 0n,
        fldNr: nr, fldAnmNa: login, fldNa: `${first} ${last}`, fldExchPostfach: mailbox, fldStartMandNr: startMandant,
        fldInfo: null, fldMemo: null, fldQuickInfo: null,
        fldErstDat: null, fldErstBzr: null, fldAendDat: null, fldAendBzr: null,
      });
    }
  }

  // ---- addresses, postal addresses, contact people ----

  private makeAddresses(): void {
    const [minPeople, maxPeople] = this.counts.contactPeoplePerAddress;
    const specialNames = [
      'Müller & Söhne GmbH & Co. KG',
      `${XML_TRAPS[1]} Handels-GmbH`,
      'Café ☕ Sonnenschein e.K. 🌞',
      'Ingenieurgesellschaft für Straßen-, Brücken- und Wasserbau Dr.-Ing. Hans-Jürgen Weißmüller-Großkopf und Partner mbB – Niederlassung Süd, Abteilung Tragwerksplanung, Prüfstatik und Bauüberwachung'.repeat(2),
      'Glaserei Groß GmbH', // a company contact: no contact people
      'Käserei Zürcher Oberland AG',
    ];
    for (let a = 0; a < this.counts.addresses; a++) {
      const adrNr = String(10000 + a);
      const last = this.rnd.pick(de.LAST_NAMES);
      const stem = this.rnd.pick(de.COMPANY_STEMS);
      const name = a < specialNames.length ? specialNames[a] : `${stem} ${last} ${this.rnd.pick(de.COMPANY_FORMS)}`;
      const domain = a < specialNames.length ? `${slug(name)}.example` : `${de.transliterate(last).toLowerCase()}-${de.transliterate(stem).toLowerCase()}.example`;
      this.addresses.push({
        fldID: a + 1, fldInsertLSN: 0n, fldModifyLSN: 0n,
        fldAdrNr: adrNr, fldSuchBeg: de.transliterate(last).toUpperCase() || adrNr, fldNa1: name,
        fldEMail1: this.rnd.chance(0.85) ? `info@${domain}` : null,
        fldInfo: a === 0 ? toRtf('Stammkunde seit 1998.\nZahlungsziel 14 Tage, 2 % Skonto.', { boldFirstLine: true }) : this.rnd.chance(0.2) ? this.rnd.pick(this.rtfPool) : null,
        fldMemo: null, fldQuickInfo: null,
        fldErstDat: null, fldErstBzr: null, fldAendDat: null, fldAendBzr: null,
      });
      const postalCount = a === 0 ? 3 : 1 + (this.rnd.chance(0.3) ? this.rnd.int(1, 2) : 0);
      for (let p = 1; p <= postalCount; p++) {
        const [plz, ort, land] = a === 5 ? (['8001', 'Zürich', 'CH'] as const) : this.rnd.pick(de.CITIES);
        this.postalAddresses.push({
          fldID: this.postalAddresses.length + 1, fldInsertLSN: 0n, fldModifyLSN: 0n,
          fldAdrNr: adrNr, fldAnsNr: p, fldNa1: name,
          fldNa2: p === 1 ? null : this.rnd.pick(['Lieferanschrift', 'Rechnungsanschrift', 'z. Hd. Buchhaltung', 'Werk 2']),
          fldNa3: null,
          fldStr: `${this.rnd.pick(de.STREETS)} ${this.rnd.int(1, 180)}${this.rnd.chance(0.1) ? 'a' : ''}`,
          fldPLZ: plz, fldOrt: ort, fldLand: land,
          fldTel: this.rnd.chance(0.9) ? this.phone(land) : null,
          fldEMail1: this.rnd.chance(0.5) ? `${p === 1 ? 'kontakt' : 'lieferung'}@${domain}` : null,
          fldAbt: p === 1 ? null : this.rnd.pick(de.DEPARTMENTS),
          fldInfo: null, fldMemo: null, fldQuickInfo: null,
          fldErstDat: null, fldErstBzr: null, fldAendDat: null, fldAendBzr: null,
        });
      }
      let people = a === 4 ? 0 : this.rnd.int(minPeople, maxPeople);
      if (a < 3 && people < 2 && maxPeople >= 2) people = 2;
      for (let n = 1; n <= people; n++) this.contactPerson(adrNr, a, n, postalCount, domain);
    }
  }

  private contactPerson(adrNr: string, addressIndex: number, aspNr: number, postalCount: number, domain: string): void {
    const female = this.rnd.chance(0.5);
    let first = female ? this.rnd.pick(de.FIRST_NAMES_F) : this.rnd.pick(de.FIRST_NAMES_M);
    let last = this.rnd.pick(de.LAST_NAMES);
    let anrede = this.rnd.chance(0.9) ? (female ? 'Frau' : 'Herr') : this.rnd.pick(de.SALUTATIONS);
    let email: string | null = this.rnd.chance(0.85) ? `${de.transliterate(first).toLowerCase()}.${de.transliterate(last).toLowerCase()}@${domain}` : null;
    let tel: string | null = this.rnd.chance(0.8) ? this.phone('DE') : null;
    if (addressIndex === 1 && aspNr === 1) {
      first = XML_TRAPS[0];
      last = `O'Brien & <Partner>`;
    } else if (addressIndex === 1 && aspNr === 2) {
      email = null; // a contact person without e-mail and phone
      tel = null;
    } else if (addressIndex === 2 && aspNr === 1) {
      first = 'Zoë 😀';
      last = 'Weiß-Jäger';
      anrede = 'Divers';
    }
    this.contactPeople.push({
      fldID: this.contactPeople.length + 1, fldInsertLSN: 0n, fldModifyLSN: 0n,
      fldAdrNr: adrNr, fldAnsNr: this.rnd.int(1, postalCount), fldAspNr: aspNr,
      fldAnr: anrede, fldVNa: first, fldNNa: last, fldEMail1: email, fldTel1: tel,
      fldAbt: this.rnd.pick(de.DEPARTMENTS),
      fldInfo: this.rnd.chance(0.05) ? this.rnd.pick(this.rtfPool) : null, fldMemo: null, fldQuickInfo: null,
      fldErstDat: null, fldErstBzr: null, fldAendDat: null, fldAendBzr: null,
    });
  }

  private phone(land: string): string {
    const prefix = land === 'AT' ? '+43 1' : land === 'CH' ? '+41 44' : `+49 ${this.rnd.int(30, 9999)}`;
    return `${prefix} ${this.rnd.int(100000, 9999999)}`;
  }

  // ---- calendar ----

  /** A calendar row with every field, in the table's field order. */
  private entry(art: string, owner: number, subject: string | null, beginn: string | null, ende: string | null, allDay: boolean): Row {
    return {
      fldID: this.calendar.length + 1, fldInsertLSN: 0n, fldModifyLSN: 0n,
      fldArt: art, fldBzrNr: owner, fldTeilnehmer: null, fldKurzInfo: subject, fldOrt: null,
      fldBeginn: beginn, fldEnde: ende, fldGanzTg: allDay, fldErinnMin: null, fldErledigt: false, fldPrio: 1,
      fldAdrNr: null, fldSerie: null, fldSerieAusn: null,
      fldInfo: null, fldMemo: null, fldQuickInfo: null,
      fldErstDat: null, fldErstBzr: null, fldAendDat: null, fldAendBzr: null,
    };
  }

  private owner(): number {
    return this.rnd.int(1, Math.max(1, this.counts.users));
  }

  private adrNr(): string | null {
    return this.addresses.length ? (this.rnd.pick(this.addresses).fldAdrNr as string) : null;
  }

  private sentences(min: number, max: number): string {
    const n = this.rnd.int(min, max);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(this.rnd.pick(de.INFO_SENTENCES));
    return parts.join('\n');
  }

  private day(): number {
    let d = this.rnd.int(FIRST_DAY, LAST_DAY);
    const wd = weekday(d);
    if ((wd === 0 || wd === 6) && this.rnd.chance(0.85)) d += wd === 0 ? 1 : 2;
    return d;
  }

  private participants(owner: number): string | null {
    const users = this.counts.users;
    if (users < 2) return null;
    const set = new Set<number>();
    const n = this.rnd.int(1, Math.min(3, users - 1));
    while (set.size < n) {
      const u = this.rnd.int(1, users);
      if (u !== owner) set.add(u);
    }
    return [...set].join(';');
  }

  /** The hard cases, each one appointment (fldArt Termin). */
  private specialAppointments(): Row[] {
    const d = (y: number, m: number, day: number) => daysFromCivil(y, m, day);
    const at = (day: number, hh: number, mm = 0) => localDateTime(day, hh * 60 + mm);
    const u = (nr: number) => Math.min(nr, Math.max(1, this.counts.users));
    const list: Row[] = [];
    const add = (subject: string | null, beginn: string, ende: string, allDay: boolean, extra: Row = {}, owner = u(1)) => {
      list.push(Object.assign(this.entry('Termin', owner, subject, beginn, ende, allDay), extra));
    };
    add('Tag der Arbeit', at(d(2026, 5, 1), 0), at(d(2026, 5, 1), 0), true); // all-day, one day
    add('Betriebsurlaub', at(d(2026, 7, 20), 0), at(d(2026, 7, 31), 0), true, { fldInfo: toRtf('Urlaub – Vertretung: Jörg') }); // all-day, several days
    add('Messe „Fachpack“ Nürnberg', at(d(2026, 9, 14), 9), at(d(2026, 9, 16), 17), false, { fldOrt: 'Messezentrum Nürnberg, Halle 7' }); // timed, several days
    add('Nachtinventur über die Zeitumstellung', at(d(2026, 3, 28), 22), at(d(2026, 3, 29), 4), false); // spans the spring-forward gap
    add('Frühjahrsputz Lager', at(d(2026, 3, 29), 10), at(d(2026, 3, 29), 11, 30), false); // on the spring DST day
    add('Zeitumstellung – ganztägig', at(d(2026, 3, 29), 0), at(d(2026, 3, 29), 0), true); // all-day on the spring DST day
    add('Nachtschicht Oktober', at(d(2026, 10, 24), 23), at(d(2026, 10, 25), 3, 30), false); // spans the repeated hour
    add('Serverwartung in der doppelten Stunde', at(d(2026, 10, 25), 2, 15), at(d(2026, 10, 25), 2, 45), false); // ambiguous local time
    add('Herbstmarkt', at(d(2026, 10, 25), 0), at(d(2026, 10, 25), 0), true); // all-day on the autumn DST day
    add('Jour fixe Vertrieb', at(d(2026, 1, 5), 9), at(d(2026, 1, 5), 9, 30), false, {
      fldSerie: 'FREQ=WEEKLY;INTERVAL=1;BYDAY=MO', // weekly, crosses both DST changes
      fldSerieAusn: '2026-04-06;2026-05-25;2026-12-28', // Ostermontag, Pfingstmontag, between the years
      fldTeilnehmer: [u(2), u(3), u(7)].filter((x, i, all) => x !== u(1) && all.indexOf(x) === i).join(';') || null,
    });
    add('Frühbesprechung', at(d(2026, 3, 26), 8), at(d(2026, 3, 26), 8, 15), false, { fldSerie: 'FREQ=DAILY;COUNT=5', fldSerieAusn: '2026-03-28' });
    add('Monatsabschluss', at(d(2026, 1, 15), 14), at(d(2026, 1, 15), 16), false, { fldSerie: 'FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20261215T235959', fldSerieAusn: '2026-10-15' });
    add('Geburtstag Käthe', at(d(2026, 2, 14), 0), at(d(2026, 2, 14), 0), true, { fldSerie: 'FREQ=YEARLY' }); // yearly all-day
    add('Teamrunde letzter Freitag', at(d(2026, 1, 30), 15), at(d(2026, 1, 30), 16), false, { fldSerie: 'FREQ=MONTHLY;BYDAY=-1FR;COUNT=12' });
    add('Projekt „Größenänderung“ – Übergabe Straße & Maß', at(d(2026, 6, 10), 10), at(d(2026, 6, 10), 12), false, {
      fldTeilnehmer: [u(2), u(5), 999].join(';'), // a participant without mailbox and one unknown user number
      fldAdrNr: this.addresses.length ? (this.addresses[0].fldAdrNr as string) : null,
      fldErinnMin: 15,
    });
    add(XML_TRAPS[0], at(d(2026, 4, 14), 13), at(d(2026, 4, 14), 14), false, {
      fldOrt: XML_TRAPS[1], fldInfo: XML_TRAPS.join('\n'), fldMemo: 'Steuerzeichen:\u0001\u0007\u000b\u001f Ende',
    });
    add('Sommerfest 🎉🍻', at(d(2026, 7, 3), 16), at(d(2026, 7, 3), 23), false, {
      fldInfo: toRtf('Grillen 🍖, Getränke 🍺 und Musik 🎶.\nAnmeldung bis 20.06. bei Käthe.', { boldFirstLine: true }), fldOrt: 'Biergarten „Zum Löwen“',
    });
    add('Sehr langer Betreff: ' + 'Abstimmung über die Änderungen am Rahmenvertrag, '.repeat(8), at(d(2026, 5, 19), 8), at(d(2026, 5, 19), 9), false, {
      fldInfo: 'Lange Kalenderinformation. '.repeat(4000) + 'Ende.', // about 108 000 characters
      fldMemo: toRtf('Langes RTF-Memo mit Umlauten äöüß. '.repeat(1500)),
    });
    add(null, at(d(2026, 8, 3), 11), at(d(2026, 8, 3), 11, 30), false); // no subject
    add('Termin eines Benutzers ohne Postfach', at(d(2026, 6, 1), 9), at(d(2026, 6, 1), 10), false, {}, u(5));
    add('Termin im anderen Mandanten', at(d(2026, 6, 2), 9), at(d(2026, 6, 2), 10), false, {}, u(4));
    add('Kundentermin mit Erinnerung am Vortag', at(d(2026, 2, 3), 8), at(d(2026, 2, 3), 9), false, { fldErinnMin: 1440, fldAdrNr: this.adrNr() });
    return list;
  }

  private makeAppointments(): void {
    const specials = this.specialAppointments();
    const count = this.counts.appointments;
    for (let i = 0; i < count; i++) {
      if (i < specials.length) {
        const row = specials[i];
        row.fldID = this.calendar.length + 1;
        this.calendar.push(row);
        continue;
      }
      const day = this.day();
      const owner = this.owner();
      const r = this.rnd.next();
      let beginn: string;
      let ende: string;
      let allDay = false;
      if (r < 0.1) {
        beginn = ende = localDateTime(day, 0);
        allDay = true;
      } else if (r < 0.13) {
        beginn = localDateTime(day, 0);
        ende = localDateTime(day + this.rnd.int(1, 9), 0);
        allDay = true;
      } else if (r < 0.16) {
        beginn = localDateTime(day, this.rnd.int(8, 16) * 60);
        ende = localDateTime(day + this.rnd.int(1, 3), this.rnd.int(9, 18) * 60);
      } else {
        const start = 7 * 60 + 15 * this.rnd.int(0, 43);
        beginn = localDateTime(day, start);
        ende = localDateTime(day, start + 15 * this.rnd.int(1, 16));
      }
      const row = this.entry('Termin', owner, this.subject(de.APPOINTMENT_SUBJECTS), beginn, ende, allDay);
      row.fldOrt = this.rnd.pick(de.LOCATIONS);
      row.fldErinnMin = this.rnd.pick([null, 15, 15, 30, 60, 0, 1440]);
      row.fldPrio = this.rnd.pick([1, 1, 1, 0, 2]);
      if (this.rnd.chance(0.2)) row.fldTeilnehmer = this.participants(owner);
      if (this.rnd.chance(0.15)) row.fldAdrNr = this.adrNr();
      this.infoAndMemo(row);
      if (this.rnd.chance(0.08)) this.series(row, day, allDay);
      this.calendar.push(row);
    }
  }

  private subject(list: readonly string[]): string {
    const base = this.rnd.pick(list);
    if (this.addresses.length && this.rnd.chance(0.3)) return `${base} – ${this.rnd.pick(this.addresses).fldNa1 as string}`.slice(0, 250);
    return base;
  }

  private infoAndMemo(row: Row): void {
    const r = this.rnd.next();
    if (r < 0.3) row.fldInfo = this.rnd.pick(this.rtfPool);
    else if (r < 0.5) row.fldInfo = this.sentences(1, 3);
    if (this.rnd.chance(0.1)) row.fldMemo = this.sentences(1, 2);
  }

  /** A recurrence rule fitting the entry's first day, sometimes with exception dates that are occurrences. */
  private series(row: Row, day: number, allDay: boolean): void {
    const r = this.rnd.next();
    let occurrence: (k: number) => number;
    if (r < 0.5) {
      const interval = this.rnd.pick([1, 1, 2]);
      const tail = this.rnd.pick(['', `;COUNT=${this.rnd.int(4, 30)}`, `;UNTIL=${localDate(day + 7 * 26).replace(/-/g, '')}T235959`]);
      row.fldSerie = `FREQ=WEEKLY;INTERVAL=${interval};BYDAY=${DAY_CODES[weekday(day)]}${tail}`;
      occurrence = (k) => day + 7 * interval * k;
    } else if (r < 0.75) {
      const n = this.rnd.int(2, 10);
      row.fldSerie = `FREQ=DAILY;COUNT=${n}`;
      occurrence = (k) => day + 1 + ((k - 1) % (n - 1)); // the 2nd … nth occurrence
    } else if (r < 0.92) {
      const [y, m, dd] = localDate(day).split('-').map(Number);
      if (dd > 28) return;
      row.fldSerie = `FREQ=MONTHLY;BYMONTHDAY=${dd}`;
      occurrence = (k) => daysFromCivil(y + Math.floor((m - 1 + k) / 12), ((m - 1 + k) % 12) + 1, dd);
    } else {
      row.fldSerie = allDay ? 'FREQ=YEARLY' : `FREQ=YEARLY;COUNT=${this.rnd.int(2, 5)}`;
      occurrence = (k) => day + 365 * k;
      return;
    }
    if (this.rnd.chance(0.4)) {
      const dates = new Set<string>();
      const n = this.rnd.int(1, 3);
      for (let i = 0; i < n; i++) dates.add(localDate(occurrence(this.rnd.int(1, 3))));
      row.fldSerieAusn = [...dates].sort().join(';');
    }
  }

  private makeTasks(): void {
    const d = (m: number, day: number) => daysFromCivil(2026, m, day);
    const specials: ((row: Row) => void)[] = [
      (row) => Object.assign(row, { fldKurzInfo: 'Angebot Müller & Söhne nachfassen', fldErledigt: true, fldPrio: 2, fldBeginn: localDateTime(d(3, 2), 0), fldEnde: localDateTime(d(3, 6), 0) }),
      (row) => Object.assign(row, { fldKurzInfo: 'Aufgabe ohne Fälligkeit', fldBeginn: null, fldEnde: null }),
      (row) => Object.assign(row, { fldKurzInfo: XML_TRAPS[1], fldInfo: XML_TRAPS[0], fldPrio: 0 }),
      (row) => Object.assign(row, { fldKurzInfo: 'Wochenbericht schreiben ✍️', fldBeginn: localDateTime(d(1, 9), 0), fldEnde: localDateTime(d(1, 9), 0), fldSerie: 'FREQ=WEEKLY;BYDAY=FR', fldSerieAusn: '2026-04-03' }),
      (row) => Object.assign(row, { fldKurzInfo: 'Steuererklärung fällig am Tag der Zeitumstellung', fldBeginn: localDateTime(d(3, 23), 0), fldEnde: localDateTime(d(3, 29), 0), fldErinnMin: 1440 }),
      (row) => Object.assign(row, { fldKurzInfo: 'Reisekostenabrechnung', fldInfo: toRtf('Belege: Hotel, Bahn (1. Klasse), Taxi.\nSumme ≈ 480 €'), fldBzrNr: Math.min(5, this.counts.users) }),
    ];
    for (let i = 0; i < this.counts.tasks; i++) {
      const owner = this.owner();
      const start = this.day();
      const row = this.entry('Aufgabe', owner, this.subject(de.TASK_SUBJECTS), localDateTime(start, 0), localDateTime(start + this.rnd.int(0, 14), 0), false);
      row.fldErledigt = this.rnd.chance(0.3);
      row.fldPrio = this.rnd.pick([0, 1, 1, 2]);
      row.fldErinnMin = this.rnd.pick([null, null, 0, 60]);
      if (this.rnd.chance(0.1)) row.fldEnde = null;
      if (this.rnd.chance(0.2)) row.fldAdrNr = this.adrNr();
      this.infoAndMemo(row);
      if (i < specials.length) specials[i](row);
      this.calendar.push(row);
    }
  }

  private makeFollowUps(): void {
    for (let i = 0; i < this.counts.followUps; i++) {
      const day = this.day();
      const row = this.entry('Wiedervorlage', this.owner(), this.subject(de.FOLLOW_UP_SUBJECTS), localDateTime(day, 0), localDateTime(day, 0), true);
      row.fldAdrNr = this.rnd.chance(0.8) ? this.adrNr() : null;
      if (i === 0) row.fldKurzInfo = 'Wiedervorlage: Größe prüfen – Café ☕ <Sonnenschein>';
      if (this.rnd.chance(0.3)) row.fldInfo = this.sentences(1, 2);
      this.calendar.push(row);
    }
  }

  // ---- versions and audit fields ----

  /**
   * Gives every row its creation LSN and time in creation order (LSNs are monotonic across the
   * whole Mandant), then changes about a fifth of them later, in random order, with newer LSNs.
   */
  private stamp(groups: Row[][]): void {
    const all = groups.flat();
    const createdFrom = daysFromCivil(2024, 1, 2);
    const createdDays = daysFromCivil(2025, 6, 30) - createdFrom;
    const changedFrom = daysFromCivil(2025, 7, 1);
    const changedDays = daysFromCivil(2025, 10, 30) - changedFrom;
    let lsn = 1000n;
    const n = all.length;
    const when = (from: number, days: number, i: number, of: number) =>
      localDateTime(from + Math.floor((i * days) / Math.max(1, of)), 7 * 60 + ((i * 37) % 660));
    for (let i = 0; i < n; i++) {
      const row = all[i];
      const by = this.logins.length ? this.logins[i % this.logins.length] : null;
      row.fldInsertLSN = row.fldModifyLSN = lsn++;
      row.fldErstDat = row.fldAendDat = when(createdFrom, createdDays, i, n);
      row.fldErstBzr = row.fldAendBzr = by;
    }
    const changed = all.filter((row) => row.fldMandNr === undefined && this.rnd.chance(0.2));
    this.rnd.shuffle(changed);
    for (let i = 0; i < changed.length; i++) {
      const row = changed[i];
      row.fldModifyLSN = lsn++;
      row.fldAendDat = when(changedFrom, changedDays, i, changed.length);
      row.fldAendBzr = this.logins.length ? this.rnd.pick(this.logins) : null;
    }
  }
}

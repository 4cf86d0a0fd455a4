/**
 * The simulator's store: one büro+ Mandant in memory.
 *
 * - Every write (insert, change, delete) takes the next LSN of the Mandant, so `fldModifyLSN`
 *   is monotonic across all tables (büro+ documents fldInsertLSN/fldModifyLSN as BigInt version
 *   numbers). Each written row gets its own LSN, also inside one mutation.
 * - Rows are immutable versions. A query reads a snapshot (the LSN when it started) and sees
 *   the versions valid then, even while mutations commit (büro+: "a query runs as a lock-free
 *   snapshot transaction"); old versions are dropped once no open snapshot needs them.
 * - A log of versions in LSN order answers "rows with fldModifyLSN > x" by binary search, so a
 *   poll that finds nothing costs microseconds even on 100 000 rows.
 * - A mutation is all-or-nothing: writes record an undo entry and roll back on error.
 */
import { TABLES, TABLE_NAMES, CALENDAR_KINDS, fieldSpec, type TableName, type TableSpec } from './tables';
import { checkValue, ValueError } from './values';
import { formatBerlinLocal } from '../data/local-time';
import type { BueroDataSet, Row } from '../data/generator';

/** A rule broken by a write; the message names the table, the record and the field. */
export class BueroWriteError extends Error {
  constructor(
    readonly table: TableName,
    readonly id: number | undefined,
    readonly field: string | undefined,
    message: string,
  ) {
    super(`${table}${id !== undefined ? ' ' + id : ''}: ${message}`);
    this.name = 'BueroWriteError';
  }
}

interface Version {
  id: number;
  /** null: the record was deleted at `lsn` (a tombstone). */
  row: Row | null;
  lsn: bigint;
  supersededAt: bigint | null;
  prev: Version | null;
  dropped?: boolean;
}

interface TableStore {
  spec: TableSpec;
  heads: Map<number, Version>;
  /** Record ids in ascending order (tombstoned ones until compaction). */
  ids: number[];
  /** Retained row versions in ascending LSN order. */
  log: Version[];
  stale: number;
  nextId: number;
  /** field → value → ids having (or having had) that value. */
  secondary: Map<string, Map<string, Set<number>>>;
}

interface Undo {
  t: TableStore;
  version: Version;
  prev: Version | null;
}

export interface WriteOptions {
  /** Login name written to fldErstBzr / fldAendBzr; default: the first user's (as with the static token). */
  actor?: string;
  /** User number used as the default owner (fldBzrNr) of new calendar entries; default: the first user's. */
  userNr?: number;
  /**
   * A write through the API (a GraphQL mutation): the rules that tidy or refuse a subject apply.
   * In-process writes stand for entries made in büro+ itself, which tests fill with every text
   * the sync must survive.
   */
  api?: boolean;
}

/** Business rules büro+ applies on save that a test may want to change (README.md, "Decisions"). */
export interface BueroRules {
  /** The longest Kalenderkurzinformation (`fldKurzInfo`) büro+ takes; a longer one is refused, naming the field. */
  subjectMaxLength: number;
}

export const DEFAULT_RULES: BueroRules = { subjectMaxLength: 80 };

export interface BueroDbOptions {
  mandant?: number;
  /** Business rules on save; default DEFAULT_RULES. */
  rules?: Partial<BueroRules>;
  data?: BueroDataSet;
  clock?: () => number;
  /** Start the LSN counter at least here (e.g. above 2^53 to test clients that parse LSNs as numbers). */
  lsnStart?: bigint;
}

function upperBound(ids: number[], id: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstLogAfter(log: Version[], lsn: bigint): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid].lsn <= lsn) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Fields with a secondary index: link targets and the first key field of each sort order. */
function indexedFields(spec: TableSpec): string[] {
  const set = new Set<string>();
  for (const idx of spec.indexes) if (idx.keyFields[0] !== 'fldID') set.add(idx.keyFields[0]);
  for (const t of TABLE_NAMES) for (const link of TABLES[t].links) if (link.table === spec.name) set.add(link.on[0][1]);
  return [...set];
}

export class BueroDb {
  readonly mandant: number;
  clock: () => number;
  /** Business rules on save (mutable: a test may tighten them). */
  readonly rules: BueroRules;
  private lsn = 0n;
  private readonly tables: Record<TableName, TableStore>;
  private readonly snapshots = new Map<bigint, number>();
  private undo: Undo[] | null = null;

  constructor(options: BueroDbOptions = {}) {
    this.mandant = options.mandant ?? options.data?.mandant ?? 1;
    this.clock = options.clock ?? Date.now;
    this.rules = { ...DEFAULT_RULES, ...options.rules };
    const store = (name: TableName): TableStore => ({
      spec: TABLES[name], heads: new Map(), ids: [], log: [], stale: 0, nextId: 1,
      secondary: new Map(indexedFields(TABLES[name]).map((f) => [f, new Map()])),
    });
    this.tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, store(name)])) as Record<TableName, TableStore>;
    this.load(options.data, options.lsnStart ?? 0n);
  }

  /** The last LSN handed out in this Mandant. */
  currentLsn(): bigint {
    return this.lsn;
  }

  // ---------- loading ----------

  private load(data: BueroDataSet | undefined, lsnStart: bigint): void {
    const m = this.mandant;
    const groups: [TableName, Row[]][] = [
      ['tblUsers', data?.users ?? [{ fldNr: 1, fldAnmNa: 'admin', fldNa: 'Administrator', fldExchPostfach: 'admin@firma.example', fldStartMandNr: m }]],
      ['tblClient', [data?.client ? { ...data.client, fldMandNr: m } : { fldID: 1, fldMandNr: m, fldNa1: `Mandant ${m}` }]],
      ['tblCalendar', data?.calendar ?? []],
      ['tblAddresses', data?.addresses ?? []],
      ['tblPostalAddresses', data?.postalAddresses ?? []],
      ['tblContactPeople', data?.contactPeople ?? []],
    ];
    let max = lsnStart;
    const unstamped: Row[] = [];
    for (const [name, rows] of groups) {
      const t = this.tables[name];
      const fields = t.spec.fields;
      for (const source of rows) {
        const row: Row = {};
        for (const f of fields) {
          const v = source[f.name];
          row[f.name] = v === undefined ? null : f.kind === 'bigint' && v !== null ? BigInt(v as bigint) : v;
        }
        for (const key of Object.keys(source)) {
          if (!fieldSpec(name, key)) throw new BueroWriteError(name, source.fldID as number, key, `unknown field ${key}`);
        }
        if (typeof row.fldID !== 'number') row.fldID = t.nextId;
        t.nextId = Math.max(t.nextId, (row.fldID as number) + 1);
        if (row.fldModifyLSN === null) unstamped.push(row);
        else {
          if ((row.fldModifyLSN as bigint) > max) max = row.fldModifyLSN as bigint;
          if (row.fldInsertLSN === null) row.fldInsertLSN = row.fldModifyLSN;
        }
        const v: Version = { id: row.fldID as number, row, lsn: 0n, supersededAt: null, prev: null };
        if (t.heads.has(v.id)) throw new BueroWriteError(name, v.id, 'fldID', 'duplicate fldID in the data set');
        t.heads.set(v.id, v);
        t.ids.push(v.id);
        t.log.push(v);
      }
    }
    this.lsn = max;
    for (const row of unstamped) row.fldInsertLSN = row.fldModifyLSN = ++this.lsn;
    for (const t of Object.values(this.tables)) {
      for (const v of t.log) v.lsn = v.row!.fldModifyLSN as bigint;
      t.ids.sort((a, b) => a - b);
      t.log.sort((a, b) => (a.lsn < b.lsn ? -1 : a.lsn > b.lsn ? 1 : 0));
      this.rebuildSecondary(t);
    }
  }

  // ---------- snapshots and transactions ----------

  /** Opens a read snapshot at the current LSN; close it when the query is done. */
  openSnapshot(): bigint {
    const s = this.lsn;
    this.snapshots.set(s, (this.snapshots.get(s) ?? 0) + 1);
    return s;
  }

  closeSnapshot(s: bigint): void {
    const n = (this.snapshots.get(s) ?? 1) - 1;
    if (n > 0) this.snapshots.set(s, n);
    else this.snapshots.delete(s);
    this.maybeCompact();
  }

  begin(): void {
    if (this.undo) throw new Error('transaction already open');
    this.undo = [];
  }

  commit(): void {
    this.undo = null;
    this.maybeCompact();
  }

  /** Undoes every write since begin(); LSNs already handed out stay used (gaps are allowed). */
  rollback(): void {
    const undo = this.undo ?? [];
    this.undo = null;
    for (let i = undo.length - 1; i >= 0; i--) {
      const { t, version, prev } = undo[i];
      if (prev) {
        prev.supersededAt = null;
        t.heads.set(version.id, prev);
        t.stale--;
      } else {
        t.heads.delete(version.id);
        if (t.ids[t.ids.length - 1] === version.id) t.ids.pop();
      }
      if (version.row) {
        if (t.log[t.log.length - 1] === version) t.log.pop();
      } else t.stale--;
    }
  }

  /** Runs writes all-or-nothing (joins an open transaction). */
  transaction<T>(fn: () => T): T {
    if (this.undo) return fn();
    this.begin();
    try {
      const result = fn();
      this.commit();
      return result;
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  // ---------- reads (snapshot undefined = the current state) ----------

  /** The version of a record visible at a snapshot. */
  visible(table: TableName, id: number, snapshot?: bigint): Row | undefined {
    let v = this.tables[table].heads.get(id);
    if (snapshot !== undefined) while (v && v.lsn > snapshot) v = v.prev ?? undefined;
    return v?.row ?? undefined;
  }

  /** Rows in fldID order after `afterId`, passing `predicate`, at most `limit`. */
  scan(table: TableName, options: { snapshot?: bigint; afterId?: number; limit?: number; predicate?: (row: Row) => boolean } = {}): Row[] {
    const t = this.tables[table];
    const out: Row[] = [];
    const limit = options.limit ?? Infinity;
    if (limit <= 0) return out;
    const { snapshot, predicate } = options;
    const ids = t.ids;
    for (let i = options.afterId === undefined ? 0 : upperBound(ids, options.afterId); i < ids.length; i++) {
      let v = t.heads.get(ids[i]);
      if (snapshot !== undefined) while (v && v.lsn > snapshot) v = v.prev ?? undefined;
      const row = v?.row;
      if (row && (!predicate || predicate(row))) {
        out.push(row);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** How many row versions have an LSN above `lsn` (an upper bound of the rows changed since). */
  changedCountEstimate(table: TableName, lsn: bigint): number {
    const log = this.tables[table].log;
    return log.length - firstLogAfter(log, lsn);
  }

  /** Rows whose fldModifyLSN is greater than `lsn`, visible at the snapshot, in fldID order. */
  modifiedAfter(table: TableName, lsn: bigint, snapshot?: bigint): Row[] {
    const log = this.tables[table].log;
    const out: Row[] = [];
    for (let i = firstLogAfter(log, lsn); i < log.length; i++) {
      const v = log[i];
      if (snapshot !== undefined && v.lsn > snapshot) break;
      if (v.supersededAt === null || (snapshot !== undefined && v.supersededAt > snapshot)) out.push(v.row!);
    }
    return out.sort((a, b) => (a.fldID as number) - (b.fldID as number));
  }

  /** Whether `field` has a secondary index (or is the record id). */
  hasIndex(table: TableName, field: string): boolean {
    return field === 'fldID' || this.tables[table].secondary.has(field);
  }

  /** Rows whose `field` equals `value` (through the secondary index when there is one), in fldID order. */
  lookup(table: TableName, field: string, value: unknown, snapshot?: bigint): Row[] {
    if (value === null || value === undefined) return [];
    const t = this.tables[table];
    const index = t.secondary.get(field);
    if (!index) return this.scan(table, { snapshot, predicate: (r) => r[field] === value });
    const ids = index.get(String(value));
    if (!ids) return [];
    const out: Row[] = [];
    for (const id of ids) {
      const row = this.visible(table, id, snapshot);
      if (row && row[field] === value) out.push(row);
    }
    return out.sort((a, b) => (a.fldID as number) - (b.fldID as number));
  }

  // ---------- the public read API for tests (copies, so callers cannot change stored versions) ----------

  get(table: TableName, id: number): Row | undefined {
    const row = this.visible(table, id);
    return row && { ...row };
  }

  rows(table: TableName): Row[] {
    return this.scan(table).map((r) => ({ ...r }));
  }

  count(table: TableName): number {
    return this.scan(table).length;
  }

  changedSince(table: TableName, lsn: bigint): Row[] {
    return this.modifiedAfter(table, lsn).map((r) => ({ ...r }));
  }

  // ---------- writes: exactly what rowNew / rowModify / rowDelete do ----------

  /** The acting user of in-process writes that name none: the first user, as with the static token. */
  private withDefaults(options: WriteOptions): WriteOptions {
    if (options.actor !== undefined && options.userNr !== undefined) return options;
    const first = this.scan('tblUsers', { limit: 1 })[0];
    return { ...options, actor: options.actor ?? (first?.fldAnmNa as string | undefined), userNr: options.userNr ?? (first?.fldNr as number | undefined) };
  }

  insert(table: TableName, values: Row, options: WriteOptions = {}): Row {
    const t = this.writable(table);
    options = this.withDefaults(options);
    return this.transaction(() => {
      const row: Row = {};
      for (const f of t.spec.fields) row[f.name] = null;
      this.assign(t, row, values, undefined);
      this.rulesOnSave(t, row, null, values, options);
      const id = t.nextId++;
      row.fldID = id;
      const now = formatBerlinLocal(this.clock());
      row.fldErstDat = row.fldAendDat = now;
      row.fldErstBzr = row.fldAendBzr = options.actor ?? null;
      this.put(t, id, row, true);
      return { ...row };
    });
  }

  modify(table: TableName, id: number, values: Row, options: WriteOptions = {}): Row {
    const t = this.writable(table);
    options = this.withDefaults(options);
    return this.transaction(() => {
      const old = this.visible(table, id);
      if (!old) throw new BueroWriteError(table, id, undefined, 'record not found');
      const row: Row = { ...old };
      this.assign(t, row, values, id);
      this.rulesOnSave(t, row, old, values, options);
      row.fldAendDat = formatBerlinLocal(this.clock());
      row.fldAendBzr = options.actor ?? null;
      this.put(t, id, row, false);
      return { ...row };
    });
  }

  /**
   * Changes a büro+ user as an administrator does in büro+'s user management (tblUsers is
   * read-only through GraphQL): e.g. `{ fldStartMandNr: 1 }` or `{ fldExchPostfach: '…' }`.
   */
  modifyUser(nr: number, values: Row): Row {
    const t = this.tables.tblUsers;
    return this.transaction(() => {
      const old = this.rows('tblUsers').find((u) => u.fldNr === nr);
      if (!old) throw new BueroWriteError('tblUsers', undefined, 'fldNr', `no user ${nr}`);
      const id = old.fldID as number;
      const row: Row = { ...this.visible('tblUsers', id), ...values };
      this.put(t, id, row, false);
      return { ...row };
    });
  }

  /** Deletes a record and what depends on it (an address's postal addresses and contact people). */
  delete(table: TableName, id: number): Row | undefined {
    const t = this.writable(table);
    return this.transaction(() => {
      const old = this.visible(table, id);
      if (!old) return undefined;
      if (table === 'tblAddresses') {
        for (const dep of ['tblContactPeople', 'tblPostalAddresses'] as const)
          for (const r of this.lookup(dep, 'fldAdrNr', old.fldAdrNr)) this.put(this.tables[dep], r.fldID as number, null, false);
      } else if (table === 'tblPostalAddresses') {
        for (const r of this.lookup('tblContactPeople', 'fldAdrNr', old.fldAdrNr))
          if (r.fldAnsNr === old.fldAnsNr) this.put(this.tables.tblContactPeople, r.fldID as number, null, false);
      }
      this.put(t, id, null, false);
      return { ...old };
    });
  }

  private writable(table: TableName): TableStore {
    const t = this.tables[table];
    if (!t) throw new Error(`unknown table ${table}`);
    if (!t.spec.writable) throw new BueroWriteError(table, undefined, undefined, `${table} is read-only`);
    return t;
  }

  private assign(t: TableStore, row: Row, values: Row, id: number | undefined): void {
    for (const [name, value] of Object.entries(values)) {
      const spec = fieldSpec(t.spec.name, name);
      if (!spec) throw new BueroWriteError(t.spec.name, id, name, `unknown field ${name}`);
      if (spec.readOnly) throw new BueroWriteError(t.spec.name, id, name, `${name} is maintained by büro+ and cannot be set`);
      try {
        row[name] = checkValue(spec, value);
      } catch (err) {
        if (err instanceof ValueError) throw new BueroWriteError(t.spec.name, id, name, err.message);
        throw err;
      }
    }
  }

  /**
   * The business rules büro+ would apply on save (defaults, links that must exist, keys, values
   * it tidies or refuses). `values` are the fields this save writes.
   */
  private rulesOnSave(t: TableStore, row: Row, old: Row | null, values: Row, options: WriteOptions): void {
    const table = t.spec.name;
    const id = old ? (old.fldID as number) : undefined;
    const fail = (field: string, message: string): never => {
      throw new BueroWriteError(table, id, field, `${field}: ${message}`);
    };
    const keyFixed = (field: string) => {
      if (old && row[field] !== old[field]) fail(field, 'is a key field and cannot be changed');
    };
    const addressExists = (adrNr: unknown) => this.lookup('tblAddresses', 'fldAdrNr', adrNr).length > 0;
    if (table === 'tblCalendar') {
      row.fldArt ??= 'Termin';
      if (!(CALENDAR_KINDS as readonly string[]).includes(row.fldArt as string)) fail('fldArt', `"${String(row.fldArt)}" is not one of ${CALENDAR_KINDS.join(', ')}`);
      row.fldBzrNr ??= options.userNr ?? null;
      if (row.fldBzrNr === null) fail('fldBzrNr', 'the owning user is missing');
      if (!this.lookup('tblUsers', 'fldNr', row.fldBzrNr).length) fail('fldBzrNr', `user ${String(row.fldBzrNr)} does not exist`);
      row.fldGanzTg ??= false;
      row.fldErledigt ??= false;
      row.fldPrio ??= 1;
      if (options.api && 'fldKurzInfo' in values && typeof row.fldKurzInfo === 'string') {
        // büro+ keeps no blanks around a short info: a value changed on save, which a writer sees in rowSave.
        const subject = row.fldKurzInfo.trim();
        row.fldKurzInfo = subject;
        const length = [...subject].length;
        if (length > this.rules.subjectMaxLength) fail('fldKurzInfo', `has ${length} characters; büro+ takes at most ${this.rules.subjectMaxLength}`);
      }
      if (row.fldArt !== 'Aufgabe' && row.fldBeginn === null) fail('fldBeginn', `a ${String(row.fldArt)} needs a start`);
      if (row.fldBeginn !== null && row.fldEnde === null && row.fldArt !== 'Aufgabe') row.fldEnde = row.fldBeginn;
      if (row.fldGanzTg) {
        // An all-day entry holds days: the first and the last (included), at 00:00:00.
        if (row.fldBeginn) row.fldBeginn = (row.fldBeginn as string).slice(0, 10) + 'T00:00:00';
        if (row.fldEnde) row.fldEnde = (row.fldEnde as string).slice(0, 10) + 'T00:00:00';
      }
      if (row.fldBeginn && row.fldEnde && (row.fldEnde as string) < (row.fldBeginn as string)) fail('fldEnde', `${String(row.fldEnde)} is before fldBeginn ${String(row.fldBeginn)}`);
      if (row.fldTeilnehmer !== null && row.fldTeilnehmer !== '' && !/^\d+(;\d+)*$/.test(row.fldTeilnehmer as string)) fail('fldTeilnehmer', `"${String(row.fldTeilnehmer)}" is not a ";"-separated list of user numbers`);
      if (row.fldSerie !== null && !/(^|;)FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY)(;|$)/.test(row.fldSerie as string)) fail('fldSerie', `"${String(row.fldSerie)}" is not an RRULE`);
      if (row.fldSerieAusn !== null && row.fldSerieAusn !== '' && !/^\d{4}-\d{2}-\d{2}(;\d{4}-\d{2}-\d{2})*$/.test(row.fldSerieAusn as string)) fail('fldSerieAusn', `"${String(row.fldSerieAusn)}" is not a ";"-separated list of dates`);
      if (row.fldAdrNr !== null && row.fldAdrNr !== old?.fldAdrNr && !addressExists(row.fldAdrNr)) fail('fldAdrNr', `address ${String(row.fldAdrNr)} does not exist`);
    } else if (table === 'tblAddresses') {
      keyFixed('fldAdrNr');
      if (!old) {
        if (row.fldAdrNr === null) {
          let max = 9999;
          for (const r of this.scan('tblAddresses')) if (/^\d+$/.test(r.fldAdrNr as string)) max = Math.max(max, Number(r.fldAdrNr));
          row.fldAdrNr = String(max + 1);
        } else if (addressExists(row.fldAdrNr)) fail('fldAdrNr', `address ${String(row.fldAdrNr)} already exists`);
      }
    } else if (table === 'tblPostalAddresses') {
      keyFixed('fldAdrNr');
      keyFixed('fldAnsNr');
      if (!old) {
        if (row.fldAdrNr === null) fail('fldAdrNr', 'the address number is missing');
        if (!addressExists(row.fldAdrNr)) fail('fldAdrNr', `address ${String(row.fldAdrNr)} does not exist`);
        const siblings = this.lookup('tblPostalAddresses', 'fldAdrNr', row.fldAdrNr);
        if (row.fldAnsNr === null) row.fldAnsNr = siblings.reduce((m, r) => Math.max(m, r.fldAnsNr as number), 0) + 1;
        else if (siblings.some((r) => r.fldAnsNr === row.fldAnsNr)) fail('fldAnsNr', `postal address ${String(row.fldAdrNr)}/${String(row.fldAnsNr)} already exists`);
      }
    } else if (table === 'tblContactPeople') {
      keyFixed('fldAdrNr');
      keyFixed('fldAspNr');
      if (row.fldAdrNr === null) fail('fldAdrNr', 'the address number is missing');
      if (!addressExists(row.fldAdrNr)) fail('fldAdrNr', `address ${String(row.fldAdrNr)} does not exist`);
      const postal = this.lookup('tblPostalAddresses', 'fldAdrNr', row.fldAdrNr);
      if (row.fldAnsNr === null) {
        if (!postal.length) fail('fldAnsNr', `address ${String(row.fldAdrNr)} has no postal address`);
        row.fldAnsNr = postal.reduce((m, r) => Math.min(m, r.fldAnsNr as number), Infinity);
      } else if (!postal.some((r) => r.fldAnsNr === row.fldAnsNr)) fail('fldAnsNr', `postal address ${String(row.fldAdrNr)}/${String(row.fldAnsNr)} does not exist`);
      if (!old) {
        const siblings = this.lookup('tblContactPeople', 'fldAdrNr', row.fldAdrNr);
        if (row.fldAspNr === null) row.fldAspNr = siblings.reduce((m, r) => Math.max(m, r.fldAspNr as number), 0) + 1;
        else if (siblings.some((r) => r.fldAspNr === row.fldAspNr)) fail('fldAspNr', `contact person ${String(row.fldAdrNr)}/${String(row.fldAspNr)} already exists`);
      }
    }
  }

  /** Writes a new version (row) or a tombstone (null) with the next LSN of the Mandant. */
  private put(t: TableStore, id: number, row: Row | null, isNew: boolean): void {
    const lsn = ++this.lsn;
    const prev = t.heads.get(id) ?? null;
    if (row) {
      row.fldModifyLSN = lsn;
      if (isNew) row.fldInsertLSN = lsn;
    }
    const version: Version = { id, row, lsn, supersededAt: null, prev };
    if (prev) {
      prev.supersededAt = lsn;
      t.stale++;
    } else t.ids.push(id);
    t.heads.set(id, version);
    if (row) {
      t.log.push(version);
      for (const [field, index] of t.secondary) {
        const key = String(row[field]);
        let ids = index.get(key);
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(id);
      }
    } else t.stale++;
    this.undo?.push({ t, version, prev });
    if (!this.undo) this.maybeCompact();
  }

  // ---------- compaction ----------

  private maybeCompact(): void {
    if (this.undo) return;
    for (const t of Object.values(this.tables)) if (t.stale > 1000 + (t.heads.size >> 2)) this.compact(t);
  }

  /** Drops versions no open snapshot can see any more. */
  private compact(t: TableStore): void {
    let horizon: bigint | null = null;
    for (const s of this.snapshots.keys()) if (horizon === null || s < horizon) horizon = s;
    const markDropped = (v: Version | null) => {
      for (; v; v = v.prev) v.dropped = true;
    };
    for (const [id, head] of t.heads) {
      let keep: Version = head;
      if (horizon !== null) while (keep.lsn > horizon && keep.prev) keep = keep.prev;
      markDropped(keep.prev);
      keep.prev = null;
      if (!head.row && (horizon === null || head.lsn <= horizon)) {
        markDropped(head);
        t.heads.delete(id);
      }
    }
    t.ids = t.ids.filter((id) => t.heads.has(id));
    t.log = t.log.filter((v) => !v.dropped);
    let stale = 0;
    for (const head of t.heads.values()) for (let v: Version | null = head; v; v = v.prev) if (v.supersededAt !== null || !v.row) stale++;
    t.stale = stale;
    this.rebuildSecondary(t);
  }

  private rebuildSecondary(t: TableStore): void {
    for (const [field, index] of t.secondary) {
      index.clear();
      for (const v of t.log) {
        const key = String(v.row![field]);
        let ids = index.get(key);
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(v.id);
      }
    }
  }
}

import { BueroCode } from '../../error-codes';
import { SyncError } from '../../errors';
import type { KnownRecord } from '../../state/cursor';
import { adrKey } from './contacts';
import { type FieldMap, fieldsToRead, ID_FIELD, LSN_FIELD } from '../fields';
import { and, compare, or, pageOf, type Scalar, toInt, toLsn } from '../graphql';
import { usersQuery } from './users';
import { allRows, conReadPages, type PagedRead, pageQuery, readPage } from './pages';
import { ADR, ASP, ENTITY, type FeedClient, POS, refField, type Row, type Table } from './tables';

/** The rows of a table changed since its read position, and how far they reach. */
export interface ReadPass {
  rows: Row[];
  readTo: bigint;
  more: boolean;
}

/** The rows of the three contact tables for one address number. */
export interface AddressRows {
  address?: Row;
  postals: Row[];
  persons: Row[];
}

export interface ReaderOptions {
  client: FeedClient;
  fields: FieldMap;
  /** Rows per conRead page of changed rows (the first page of a pass). */
  pageSize: number;
  /** Rows per page of a table while catching up: the later pages of a pass, and the first while behind. */
  catchUpPageSize(t: Table): number;
  /** Ids per page of the key-only reads. */
  idPageSize: number;
}

/**
 * What the change feed reads from büro+, and how. It holds no state: the read positions
 * belong to the outbox, the known records to `KnownRecords`.
 *
 * büro+ publishes no change feed (docs/buero-api.md), so changes are the rows whose
 * `fldModifyLSN` is above the table's read position, and deletions, which leave no row, are
 * found by comparing a key-only read of the ids with the known ids.
 */
export class FeedReader {
  constructor(private readonly o: ReaderOptions) {}

  /** Throws when the endpoint serves another Mandant than the connection is set to. */
  async checkMandant(mandant: number): Promise<void> {
    const data = await this.o.client.query<{ tblClient?: { rowRead?: { fldMandNr?: unknown } | null } | null }>('{ tblClient { rowRead { fldMandNr } } }');
    const found = toInt(data.tblClient?.rowRead?.fldMandNr);
    if (found !== mandant) {
      throw new SyncError(
        BueroCode.mandantMismatch,
        `büro+ at ${this.o.client.host} serves Mandant ${found ?? '(none)'}, but the büro+ connection is set to Mandant ${mandant}: correct the Mandant number or the endpoint URL.`,
        { field: 'fldMandNr' },
      );
    }
  }

  async readUsers(): Promise<Row[]> {
    const data = await this.o.client.query<{ users?: { rowsRead?: Row[] } }>(`{ ${usersQuery(this.o.fields)} }`);
    return data.users?.rowsRead ?? [];
  }

  /**
   * The users and the first page of changed rows of every table in one request: when nothing
   * changed, a poll is this one small request (plus the key-only reads every few polls). A
   * table still `behind` (its last pass said more) gets a catch-up page.
   */
  async usersAndFirstPages(tables: Table[], from: (t: Table) => bigint, behind: (t: Table) => boolean): Promise<{ users: Row[]; answered: Record<string, unknown> }> {
    const answered = await this.o.client.query<Record<string, unknown>>(
      `{ ${usersQuery(this.o.fields)} ${tables.map((t) => pageQuery(this.changedRead(t, from(t), behind(t)))).join(' ')} }`,
    );
    return { users: ((answered.users as { rowsRead?: Row[] } | null)?.rowsRead ?? []) as Row[], answered };
  }

  /**
   * One pass: the rows of a table changed since `from`, each version read once (the first
   * page is in `answered`). With more than one page, the pass ends at T, the highest LSN on
   * its first page; the later pages ask only for `from < LSN ≤ T` above the first page's last
   * fldID (a read of their own: a Relay cursor belongs to its filter), and the read position
   * moves to T. Rows above T are the next pass's, so a burst costs about one row per change.
   * Nothing slips under T (docs/buero-api.md: LSNs grow and become visible in order):
   * - every version with an LSN ≤ T was visible at the first page's snapshot (T was), and no
   *   later write gets one;
   * - such a version is on the first page (ids up to its last), or on a later page if it is
   *   still there, or was replaced after that snapshot (its new LSN is above T: the next pass
   *   reads it), or deleted (the deletion check finds it);
   * - ids only grow across the pages, so a record comes at most once per pass, and a pass
   *   reads only versions ≤ T, the next only versions > T: never an older version after a newer.
   */
  async readChanged(t: Table, from: bigint, answered: Record<string, unknown>): Promise<ReadPass> {
    const first = pageOf(answered, t);
    let upTo = from;
    let lastId: number | undefined;
    for (const row of first.rows) {
      const lsn = toLsn(row[LSN_FIELD]);
      if (lsn !== undefined && lsn > upTo) upTo = lsn;
      const id = toInt(row[ID_FIELD]);
      if (id !== undefined && (lastId === undefined || id > lastId)) lastId = id;
    }
    if (!first.hasNextPage) return { rows: first.rows, readTo: upTo, more: false };
    const rows = [...first.rows];
    for await (const page of conReadPages(this.o.client, this.restOfPass(t, from, upTo, lastId))) rows.push(...page.rows);
    return { rows, readTo: upTo, more: true };
  }

  /** A pass's first page: the rows above the read position, in fldID order. */
  private changedRead(t: Table, from: bigint, behind: boolean): PagedRead {
    const pageSize = behind ? this.o.catchUpPageSize(t) : this.o.pageSize;
    return { table: t, fields: fieldsToRead(this.o.fields, ENTITY[t]), pageSize, filter: compare('gt', LSN_FIELD, from) };
  }

  /** A pass's later pages: its own rows (up to T) beyond the first page. */
  private restOfPass(t: Table, from: bigint, upTo: bigint, lastId: number | undefined): PagedRead {
    const bounds = [compare('gt', LSN_FIELD, from), compare('le', LSN_FIELD, upTo)];
    if (lastId !== undefined) bounds.push(compare('gt', ID_FIELD, lastId));
    return { table: t, fields: fieldsToRead(this.o.fields, ENTITY[t]), pageSize: this.o.catchUpPageSize(t), filter: and(...bounds) };
  }

  /** Key-only read of a whole table: id → row (with the given extra fields). */
  async readIds(t: Table, extra: string[]): Promise<Map<number, Row>> {
    const out = new Map<number, Row>();
    for await (const page of conReadPages(this.o.client, { table: t, fields: [ID_FIELD, ...extra], pageSize: this.o.idPageSize })) {
      for (const row of page.rows) {
        const id = toInt(row[ID_FIELD]);
        if (id !== undefined) out.set(id, row);
      }
    }
    return out;
  }

  /** Baseline of one table: where büro+ stands (the highest LSN) and the ids that exist. */
  async baseline(t: Table): Promise<{ lsn: bigint; records: [number, KnownRecord][] }> {
    const ref = refField(this.o.fields, t);
    const rows = await this.readIds(t, ref ? [LSN_FIELD, ref] : [LSN_FIELD]);
    let max = 0n;
    const records: [number, KnownRecord][] = [];
    for (const [id, row] of rows) {
      const lsn = toLsn(row[LSN_FIELD]) ?? 0n;
      if (lsn > max) max = lsn;
      const r = ref ? adrKey(row[ref]) : undefined;
      records.push([id, { lsn, ref: r ?? null, targets: null }]);
    }
    return { lsn: max, records };
  }

  /**
   * The known records of a table that büro+ no longer has. Each id that seems gone is read
   * once more before it counts as deleted: a row skipped by a page boundary must never delete
   * an item in Exchange.
   */
  async findDeleted(t: Table, known: Map<number, KnownRecord>): Promise<Map<number, KnownRecord>> {
    if (known.size === 0) return new Map();
    const present = await this.readIds(t, []);
    const missing = [...known.keys()].filter((id) => !present.has(id));
    const gone = new Map<number, KnownRecord>();
    for (let i = 0; i < missing.length; i += 100) {
      const chunk = missing.slice(i, i + 100);
      const page = await readPage(this.o.client, { table: t, fields: [ID_FIELD], pageSize: chunk.length, filter: or(...chunk.map((id) => compare('eq', ID_FIELD, id))) });
      const still = new Set(page.rows.map((r) => toInt(r[ID_FIELD])));
      for (const id of chunk) if (!still.has(id)) gone.set(id, known.get(id) as KnownRecord);
    }
    return gone;
  }

  /** Rows of the three contact tables for the given address numbers, as büro+ has them now. */
  async readAddresses(keys: string[], raw: Map<string, unknown>): Promise<Map<string, AddressRows>> {
    const out = new Map<string, AddressRows>();
    for (const k of keys) out.set(k, { postals: [], persons: [] });
    const f = this.o.fields;
    const spec: [Table, string][] = [
      [ADR, f.addresses.addressNr],
      [POS, f.postalAddresses.addressNr],
      [ASP, f.contactPeople.addressNr],
    ];
    const take = (t: Table, field: string, rows: Row[]) => {
      for (const row of rows) {
        const k = adrKey(row[field]);
        const slot = k !== undefined ? out.get(k) : undefined;
        if (!slot) continue;
        if (t === ADR) slot.address = row;
        else if (t === POS) slot.postals.push(row);
        else slot.persons.push(row);
      }
    };
    for (let i = 0; i < keys.length; i += 50) {
      const chunk = keys.slice(i, i + 50);
      const reads: PagedRead[] = spec.map(([t, field]) => ({
        table: t,
        fields: fieldsToRead(f, ENTITY[t]),
        pageSize: this.o.pageSize,
        filter: or(...chunk.map((k) => compare('eq', field, (raw.get(k) ?? k) as Scalar))),
      }));
      // The three tables of a chunk in one request (one snapshot); rarely a further page.
      const answered = await this.o.client.query<Record<string, unknown>>(`{ ${reads.map((r) => pageQuery(r)).join(' ')} }`);
      for (const [n, [t, field]] of spec.entries()) {
        for await (const page of conReadPages(this.o.client, reads[n], answered)) take(t, field, page.rows);
      }
    }
    return out;
  }

  /** Every row of a table, with the configured fields (the backfill). */
  readAll(t: Table): Promise<Row[]> {
    return allRows(this.o.client, { table: t, fields: fieldsToRead(this.o.fields, ENTITY[t]), pageSize: this.o.pageSize });
  }
}

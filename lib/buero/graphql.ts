/**
 * Building büro+ GraphQL query text. Filters are written as literals because their shape is
 * büro+'s own (one operator per object, e.g. `{ gt: [{ field: fldModifyLSN }, { value: 123 }] }`,
 * docs/buero-api.md) and LSNs are BigInts, which a JSON variable cannot carry exactly.
 */
export type Filter = string;
export type Scalar = bigint | number | string | boolean;

/** A GraphQL literal for a value: numbers and BigInts as digits, strings quoted. */
export function literal(v: Scalar): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

export function compare(op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le', field: string, value: Scalar): Filter {
  return `{ ${op}: [{ field: ${field} }, { value: ${literal(value)} }] }`;
}

export function and(...filters: Filter[]): Filter {
  return filters.length === 1 ? filters[0] : `{ and: [${filters.join(', ')}] }`;
}

export function or(...filters: Filter[]): Filter {
  return filters.length === 1 ? filters[0] : `{ or: [${filters.join(', ')}] }`;
}

/** One page of a table through `conRead` (a Relay connection), only the given fields. */
export function conReadPage(opts: { alias?: string; table: string; fields: string[]; first: number; after?: string | null; filter?: Filter }): string {
  const args = [`first: ${opts.first}`];
  if (opts.after) args.push(`after: ${JSON.stringify(opts.after)}`);
  if (opts.filter) args.push(`fastFilter: ${opts.filter}`);
  const head = opts.alias ? `${opts.alias}: ${opts.table}` : opts.table;
  return `${head} { conRead(${args.join(', ')}) { edges { node { ${opts.fields.join(' ')} } } pageInfo { hasNextPage endCursor } } }`;
}

export interface Page<T = Record<string, unknown>> {
  rows: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

interface Connection {
  conRead?: { edges?: { node: Record<string, unknown> }[]; pageInfo?: { hasNextPage?: boolean; endCursor?: string | null } };
}

/** The rows and page info of a `conRead` answer for one table (alias). */
export function pageOf(data: Record<string, unknown>, alias: string): Page {
  const con = (data[alias] as Connection | null | undefined)?.conRead;
  return {
    rows: (con?.edges ?? []).map((e) => e.node),
    hasNextPage: Boolean(con?.pageInfo?.hasNextPage),
    endCursor: con?.pageInfo?.endCursor ?? null,
  };
}

/** büro+ LSNs are BigInts; the API may send them as number or string. */
export function toLsn(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return BigInt(v.trim());
  return undefined;
}

/** Record ids (`fldID`) and user numbers: integers, sent as number or digit string. */
export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) {
    const n = Number(v.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/**
 * `fastFilter`: one operator per filter object (büro+ uses @oneOf), comparisons as
 * `{ gt: [{ field: fldModifyLSN }, { value: 123 }] }`, combined with `and`/`or`/`not`.
 * A comparison with a null field value is false (as in SQL), so `ne` does not match nulls either.
 */
import { fieldSpec, type FieldSpec, type TableSpec } from './tables';
import { checkValue, ValueError } from './values';
import type { Row } from '../data/generator';

export interface Operand {
  field?: string;
  value?: unknown;
}

export interface FastFilter {
  eq?: Operand[];
  ne?: Operand[];
  lt?: Operand[];
  le?: Operand[];
  gt?: Operand[];
  ge?: Operand[];
  isNull?: Operand;
  isNotNull?: Operand;
  and?: FastFilter[];
  or?: FastFilter[];
  not?: FastFilter;
}

export interface CompiledFilter {
  predicate: (row: Row) => boolean;
  /** Set when the filter only passes rows with fldModifyLSN > this: the store can use its LSN index. */
  lsnAfter?: bigint;
  /** Set when the filter only passes rows with one of these fldIDs: the store looks them up directly. */
  ids?: number[];
  /** Set when the filter only passes rows with fldID > this: a scan in id order starts there. */
  idAfter?: number;
}

type Getter = (row: Row) => unknown;
type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
const COMPARISONS: Comparison[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

function compare(a: unknown, b: unknown): number {
  return a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
}

const TESTS: Record<Comparison, (c: number) => boolean> = {
  eq: (c) => c === 0, ne: (c) => c !== 0, lt: (c) => c < 0, le: (c) => c <= 0, gt: (c) => c > 0, ge: (c) => c >= 0,
};

/** The comparison as seen from the field's side when written `[{ value }, { field }]`. */
const MIRRORED: Record<Comparison, Comparison> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };

export function compileFilter(table: TableSpec, filter: FastFilter): CompiledFilter {
  return compile(table, filter, 'fastFilter');
}

function operandField(table: TableSpec, operand: Operand, path: string): FieldSpec {
  const spec = fieldSpec(table.name, operand.field!);
  if (!spec) throw new ValueError(path, `${operand.field} is not a field of ${table.typeName}`);
  return spec;
}

/** A value operand in the field's storage type (dates may be given as YYYY-MM-DD). */
function typedValue(spec: FieldSpec, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return null;
  try {
    if (spec.kind === 'datetime' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value + 'T00:00:00';
    if (spec.kind === 'bool' && (value === 0 || value === 1)) return value === 1;
    if (spec.kind === 'bigint' && typeof value === 'number' && !Number.isSafeInteger(value))
      throw new ValueError(spec.name, `${value} is beyond 2^53 and has lost precision; send BigInt values as strings`);
    return checkValue(spec, value);
  } catch (err) {
    if (err instanceof ValueError) throw new ValueError(path, `value ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)} cannot be compared with ${spec.name} (${spec.kind}): ${err.message}`);
    throw err;
  }
}

function compile(table: TableSpec, filter: FastFilter, path: string): CompiledFilter {
  const keys = Object.keys(filter).filter((k) => (filter as Record<string, unknown>)[k] !== undefined);
  if (keys.length !== 1) throw new ValueError(path, `a filter object takes exactly one operator, got ${keys.length ? keys.join(', ') : 'none'} (combine with and/or)`);
  const op = keys[0] as keyof FastFilter;
  const at = `${path}.${op}`;
  if (op === 'and' || op === 'or') {
    const parts = filter[op]!.map((f, i) => compile(table, f, `${at}[${i}]`));
    const preds = parts.map((p) => p.predicate);
    if (op === 'or') {
      const ids = parts.every((p) => p.ids) ? [...new Set(parts.flatMap((p) => p.ids!))] : undefined;
      return { predicate: (row) => preds.some((p) => p(row)), ids };
    }
    const bounds = parts.map((p) => p.lsnAfter).filter((b): b is bigint => b !== undefined);
    const idBounds = parts.map((p) => p.idAfter).filter((b): b is number => b !== undefined);
    return {
      predicate: (row) => preds.every((p) => p(row)),
      lsnAfter: bounds.length ? bounds.reduce((a, b) => (a > b ? a : b)) : undefined,
      ids: parts.find((p) => p.ids)?.ids,
      idAfter: idBounds.length ? Math.max(...idBounds) : undefined,
    };
  }
  if (op === 'not') {
    const inner = compile(table, filter.not!, at).predicate;
    return { predicate: (row) => !inner(row) };
  }
  if (op === 'isNull' || op === 'isNotNull') {
    const operand = filter[op]!;
    if (operand.field === undefined) throw new ValueError(at, 'isNull/isNotNull take a field');
    const name = operandField(table, operand, at).name;
    return op === 'isNull' ? { predicate: (row) => row[name] === null } : { predicate: (row) => row[name] !== null };
  }
  const operands = filter[op as Comparison]!;
  if (operands.length !== 2) throw new ValueError(at, `a comparison takes two operands, got ${operands.length}`);
  const [a, b] = operands;
  const fieldA = a.field !== undefined ? operandField(table, a, at) : undefined;
  const fieldB = b.field !== undefined ? operandField(table, b, at) : undefined;
  const reference = fieldA ?? fieldB;
  if (!reference) throw new ValueError(at, 'a comparison needs at least one field operand');
  const getter = (o: Operand, spec: FieldSpec | undefined): Getter => {
    if (spec) return (row) => row[spec.name];
    const v = typedValue(reference, o.value, at);
    return () => v;
  };
  const left = getter(a, fieldA);
  const right = getter(b, fieldB);
  const test = TESTS[op as Comparison];
  const predicate = (row: Row) => {
    const x = left(row);
    const y = right(row);
    return x !== null && y !== null && test(compare(x, y));
  };
  // fldModifyLSN > v (or >= v, or the mirrored forms) lets the store start at v in its LSN index.
  let lsnAfter: bigint | undefined;
  const lsnSide = fieldA?.name === 'fldModifyLSN' && !fieldB ? 'left' : fieldB?.name === 'fldModifyLSN' && !fieldA ? 'right' : undefined;
  if (lsnSide) {
    const v = (lsnSide === 'left' ? right : left)({}) as bigint | null;
    const fromField = lsnSide === 'left' ? (op as Comparison) : MIRRORED[op as Comparison];
    if (v !== null && fromField === 'gt') lsnAfter = v;
    else if (v !== null && fromField === 'ge') lsnAfter = v - 1n;
  }
  // fldID = v (alone or in an or-list) lets the store look the records up by id; fldID > v
  // (or >= v) lets a scan in id order start at v.
  let ids: number[] | undefined;
  let idAfter: number | undefined;
  if ((fieldA?.name === 'fldID') !== (fieldB?.name === 'fldID') && !(fieldA && fieldB)) {
    const v = (fieldA ? right : left)({});
    const fromField = fieldA ? (op as Comparison) : MIRRORED[op as Comparison];
    if (typeof v === 'number' && op === 'eq') ids = [v];
    else if (typeof v === 'number' && fromField === 'gt') idAfter = Math.floor(v);
    else if (typeof v === 'number' && fromField === 'ge') idAfter = Math.ceil(v) - 1;
  }
  return { predicate, lsnAfter, ids, idAfter };
}

export { COMPARISONS };

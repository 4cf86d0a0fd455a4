/**
 * The text of the writer's GraphQL requests. Values are literals in büro+'s `set:` forms
 * (docs/buero-api.md): `{ string: "…" }`, `{ int: 5 }`, `{ boolean: true }`, `{}` for null.
 * Every write block ends in `rowSave { … }`, which saves and reads the saved row back.
 */
import { ID_FIELD, LSN_FIELD } from '../fields';
import { literal } from '../graphql';
import type { BueroValue, BueroValues } from './model';

/** How a row is addressed: `exactMatch: { byID: { kf1ID: { int: 42 } } }`. */
export interface RowAddress {
  index: string;
  idKey: string;
  id: number;
}

/** The version a write is conditional on: `modifyLSN: "123"`. */
export interface RowLock {
  argument: string;
  lsn: string;
}

export function setLiteral(value: BueroValue): string {
  if (value === null) return '{}';
  if (typeof value === 'boolean') return `{ boolean: ${literal(value)} }`;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a whole number: ${value}`);
    return `{ int: ${literal(value)} }`;
  }
  return `{ string: ${literal(value)} }`;
}

function sets(values: BueroValues): string {
  return Object.entries(values).map(([field, value]) => `${field}(set: ${setLiteral(value)})`).join(' ');
}

function selection(fields: string[]): string {
  return [...new Set([ID_FIELD, LSN_FIELD, ...fields])].join(' ');
}

function address(a: RowAddress, lock?: RowLock): string {
  const match = `exactMatch: { ${a.index}: { ${a.idKey}: { int: ${literal(a.id)} } } }`;
  // LSNs are BigInts: sent as a string of digits, which a BigInt scalar takes exactly.
  return lock ? `${match}, ${lock.argument}: ${JSON.stringify(lock.lsn)}` : match;
}

export function rowNewText(table: string, values: BueroValues, readBack: string[]): string {
  return `mutation { ${table} { rowNew { ${sets(values)} rowSave { ${selection(readBack)} } } } }`;
}

export function rowModifyText(table: string, row: RowAddress, lock: RowLock | undefined, values: BueroValues, readBack: string[]): string {
  return `mutation { ${table} { rowModify(${address(row, lock)}) { ${sets(values)} rowSave { ${selection(readBack)} } } } }`;
}

export function rowDeleteText(table: string, row: RowAddress, lock: RowLock | undefined): string {
  return `mutation { ${table} { rowDelete(${address(row, lock)}) { ${ID_FIELD} } } }`;
}

export function rowReadText(table: string, row: RowAddress, fields: string[]): string {
  return `{ ${table} { rowRead(${address(row)}) { ${selection(fields)} } } }`;
}

/**
 * The field a GraphQL error location points at in the request text: the field whose `set:`
 * argument it marks (`fldKurzInfo(set: …)`), or the field name itself. büro+'s documented
 * `Argument "set" is not defined` names no field, so the location is how the field is found.
 */
export function fieldAt(text: string, location: { line: number; column: number } | undefined): string | undefined {
  if (!location) return undefined;
  const lines = text.split('\n');
  if (location.line < 1 || location.line > lines.length) return undefined;
  const offset = lines.slice(0, location.line - 1).reduce((n, l) => n + l.length + 1, 0) + location.column - 1;
  const after = text.slice(offset);
  if (/^set\b/.test(after)) return /([A-Za-z_]\w*)\s*\(\s*$/.exec(text.slice(0, offset))?.[1];
  return /^([A-Za-z_]\w*)/.exec(after)?.[1];
}

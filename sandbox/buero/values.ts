/**
 * Field values: checking what is stored, turning `set: { string | text | int | float | boolean }`
 * inputs into stored values, and the `as:` output formats.
 */
import type { FieldKind, FieldSpec } from './tables';
import { rtfToText } from './rtf';

export type OutputFormat = 'TEXT' | 'FLOAT' | 'STRING' | 'INT' | 'DISPLAY_TEXT' | 'BOOLEAN';
export const OUTPUT_FORMATS: OutputFormat[] = ['TEXT', 'FLOAT', 'STRING', 'INT', 'DISPLAY_TEXT', 'BOOLEAN'];

/** The value inputs of `fldX(set: …)`; `{}` sets null. */
export interface SetInput {
  string?: string | null;
  text?: string | null;
  int?: number | null;
  float?: number | null;
  boolean?: boolean | null;
}

/** A bad value: the message names the field and what to change. */
export class ValueError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ValueError';
  }
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;
const GERMAN_DATE_TIME = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** ISO (or, for `text`, German `TT.MM.JJJJ [hh:mm[:ss]]`) → `YYYY-MM-DDTHH:mm:ss` local; offsets are refused. */
function parseDateTime(field: string, input: string, allowGerman: boolean): string {
  let y: number, m: number, d: number, hh = 0, mi = 0, ss = 0;
  let match = DATE_TIME.exec(input.trim());
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (match[4] !== undefined) [hh, mi, ss] = [Number(match[4]), Number(match[5]), Number(match[6] ?? 0)];
  } else if (allowGerman && (match = GERMAN_DATE_TIME.exec(input.trim()))) {
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (match[4] !== undefined) [hh, mi, ss] = [Number(match[4]), Number(match[5]), Number(match[6] ?? 0)];
  } else if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(input.trim())) {
    throw new ValueError(field, `"${input}" has a time-zone offset; büro+ stores local date-times: send YYYY-MM-DDTHH:mm:ss without offset`);
  } else {
    throw new ValueError(field, `"${input}" is not a date (expected YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss)`);
  }
  if (!validDay(y, m, d) || hh > 23 || mi > 59 || ss > 59) throw new ValueError(field, `"${input}" is not a valid date`);
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}T${pad(hh)}:${pad(mi)}:${pad(ss)}`;
}

function kindName(kind: FieldKind): string {
  return { int: 'an integer', bigint: 'a BigInt', float: 'a number', string: 'a text', rtf: 'a text', bool: 'a boolean', date: 'a date', datetime: 'a date-time' }[kind];
}

/**
 * A plain JS value (what `BueroDb.insert/modify` take) → the stored value, or a ValueError.
 * Strings are parsed for numeric, boolean and date fields (ISO forms).
 */
export function checkValue(spec: FieldSpec, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const f = spec.name;
  switch (spec.kind) {
    case 'int': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw new ValueError(f, `${JSON.stringify(value)} is not ${kindName(spec.kind)}`);
      return n;
    }
    case 'float': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new ValueError(f, `${JSON.stringify(value)} is not ${kindName(spec.kind)}`);
      return n;
    }
    case 'bigint':
      if (typeof value === 'bigint') return value;
      if ((typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value))) return BigInt(value);
      throw new ValueError(f, `${JSON.stringify(value)} is not ${kindName(spec.kind)}`);
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw new ValueError(f, `${JSON.stringify(value)} is not ${kindName(spec.kind)}`);
    case 'date':
    case 'datetime': {
      if (typeof value !== 'string') throw new ValueError(f, `${JSON.stringify(value)} is not ${kindName(spec.kind)}`);
      const dt = parseDateTime(f, value, false);
      return spec.kind === 'date' ? dt.slice(0, 10) : dt;
    }
    case 'string':
    case 'rtf':
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      throw new ValueError(f, `${JSON.stringify(value)} is not ${kindName(spec.kind)}`);
  }
}

function parseGermanNumber(field: string, text: string): number {
  const t = text.trim().replace(/\s*(€|EUR)$/, '');
  const n = /^-?[\d.]*,\d+$|^-?\d{1,3}(\.\d{3})+$/.test(t) ? Number(t.replace(/\./g, '').replace(',', '.')) : Number(t);
  if (t === '' || !Number.isFinite(n)) throw new ValueError(field, `"${text}" is not a number`);
  return n;
}

/** `set: { … }` → the stored value (`text` is the localized German form, `string` the raw one). */
export function fromSetInput(spec: FieldSpec, input: SetInput): unknown {
  const keys = (Object.keys(input) as (keyof SetInput)[]).filter((k) => input[k] !== undefined);
  if (keys.length === 0) return null;
  if (keys.length > 1) throw new ValueError(spec.name, `set takes one value, got ${keys.join(' and ')}`);
  const key = keys[0];
  const v = input[key];
  if (v === null) return null;
  const f = spec.name;
  if (key === 'text' && typeof v === 'string') {
    switch (spec.kind) {
      case 'float':
        return parseGermanNumber(f, v);
      case 'int': {
        const n = parseGermanNumber(f, v);
        if (!Number.isInteger(n)) throw new ValueError(f, `"${v}" is not an integer`);
        return n;
      }
      case 'bool': {
        const t = v.trim().toLowerCase();
        if (['ja', 'true', '1', 'wahr'].includes(t)) return true;
        if (['nein', 'false', '0', 'falsch', ''].includes(t)) return false;
        throw new ValueError(f, `"${v}" is not a boolean (Ja/Nein)`);
      }
      case 'date':
      case 'datetime': {
        const dt = parseDateTime(f, v, true);
        return spec.kind === 'date' ? dt.slice(0, 10) : dt;
      }
      default:
        return checkValue(spec, v);
    }
  }
  if (key === 'boolean' && spec.kind !== 'bool') throw new ValueError(f, `a boolean cannot be stored in ${kindName(spec.kind)} field`);
  if ((key === 'int' || key === 'float') && spec.kind === 'bool') throw new ValueError(f, `a number cannot be stored in a boolean field`);
  if ((key === 'int' || key === 'float') && (spec.kind === 'date' || spec.kind === 'datetime')) throw new ValueError(f, `a number cannot be stored in ${kindName(spec.kind)} field`);
  return checkValue(spec, v);
}

function germanDateTime(value: string, withTime: boolean): string {
  const [d, t] = value.split('T');
  const [y, m, day] = d.split('-');
  const date = `${day}.${m}.${y}`;
  return withTime && t !== undefined ? `${date} ${t}` : date;
}

/** `as:` → the output value; without `as:` the stored value as is (bigints become strings in the BigInt scalar). */
export function formatValue(spec: FieldSpec, value: unknown, as: OutputFormat | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (!as) return value;
  const kind = spec.kind;
  const fail = (why: string): never => {
    throw new ValueError(spec.name, `cannot be output as ${as}: ${why}`);
  };
  switch (as) {
    case 'STRING':
      return kind === 'bool' ? (value ? 'true' : 'false') : String(value);
    case 'TEXT':
    case 'DISPLAY_TEXT':
      if (kind === 'float') return String(value).replace('.', ',');
      if (kind === 'bool') return value ? 'Ja' : 'Nein';
      if (kind === 'date') return germanDateTime(String(value), false);
      if (kind === 'datetime') return germanDateTime(String(value), true);
      if (kind === 'rtf' && as === 'DISPLAY_TEXT') return rtfToText(String(value));
      return String(value);
    case 'INT':
      if (kind === 'int') return value;
      if (kind === 'float') return Math.trunc(value as number);
      if (kind === 'bool') return value ? 1 : 0;
      if (kind === 'bigint') {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : fail(`${String(value)} is too large for a JSON number`);
      }
      if ((kind === 'string' || kind === 'rtf') && /^\s*-?\d+\s*$/.test(value as string)) return Number(value);
      return fail(`"${String(value)}" is not an integer`);
    case 'FLOAT':
      if (kind === 'int' || kind === 'float' || kind === 'bigint') return Number(value);
      if (kind === 'bool') return value ? 1 : 0;
      if (kind === 'string' || kind === 'rtf') {
        try {
          return parseGermanNumber(spec.name, value as string);
        } catch {
          return fail(`"${String(value)}" is not a number`);
        }
      }
      return fail(`"${String(value)}" is not a number`);
    case 'BOOLEAN':
      if (kind === 'bool') return value;
      if (kind === 'int' || kind === 'float') return value !== 0;
      if (kind === 'bigint') return value !== 0n;
      if (kind === 'string' || kind === 'rtf') {
        const t = (value as string).trim().toLowerCase();
        if (['ja', 'true', '1', 'wahr'].includes(t)) return true;
        if (['nein', 'false', '0', 'falsch', ''].includes(t)) return false;
      }
      return fail(`"${String(value)}" is not a boolean`);
  }
}

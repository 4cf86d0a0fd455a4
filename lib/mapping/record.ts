/**
 * Reading one büro+ record: every fault names the record (`tblCalendar 4711`) and the field
 * (`fldBeginn`). Faults the mapper can repair become warnings; the others are thrown.
 */
import { MappingCode } from '../error-codes';
import { SyncError } from '../errors';
import { parseBueroDateTime, type BueroDateTime } from '../time';

export type BueroRecord = Record<string, unknown>;

export class MapContext {
  private readonly repairs: Array<{ warning: SyncError; target?: string }> = [];
  /** Which büro+ field (or override) each item field came from, for the names in messages. */
  private readonly origins = new Map<string, string>();

  constructor(readonly record: string) {}

  /** The warnings, less those about a value an override replaced afterwards. */
  get warnings(): SyncError[] {
    return this.repairs
      .filter((r) => r.target === undefined || !this.fieldFor(r.target).startsWith('override'))
      .map((r) => r.warning);
  }

  /** Records that item field `target` was filled from büro+ field (or override) `source`. */
  from(target: string, source: string): void {
    if (source) this.origins.set(target, source);
  }

  /** The name to report for an item field: the büro+ field it came from, or the item field. */
  fieldFor(target: string): string {
    return this.origins.get(target) ?? target;
  }

  /** A repaired fault; `target` is the item field the repaired value went to, if any. */
  warn(code: string, field: string, text: string, target?: string): void {
    const warning = new SyncError(code, `${this.record}, ${field}: ${text}`, { record: this.record, field });
    this.repairs.push({ warning, target });
  }

  error(code: string, field: string, text: string): SyncError {
    return new SyncError(code, `${this.record}, ${field}: ${text}`, { record: this.record, field });
  }
}

/** A short, printable form of a value for messages (never the whole of a long text). */
export function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');
}

/** A text field; numbers are written as text; empty, null or a field name of '' → undefined. */
export function readText(ctx: MapContext, record: BueroRecord | undefined, field: string): string | undefined {
  if (!field || !record) return undefined;
  const value = record[field];
  if (!present(value)) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw ctx.error(MappingCode.fieldInvalid, field, `${show(value)} is no text.`);
}

const TRUE = ['true', '1', '-1', 'j', 'ja', 'y', 'yes', 'wahr'];
const FALSE = ['false', '0', 'n', 'nein', 'no', 'falsch'];

export function readBoolean(ctx: MapContext, record: BueroRecord | undefined, field: string): boolean | undefined {
  if (!field || !record) return undefined;
  const value = record[field];
  if (!present(value)) return undefined;
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (TRUE.includes(s)) return true;
  if (FALSE.includes(s)) return false;
  throw ctx.error(MappingCode.fieldInvalid, field, `${show(value)} is neither true nor false.`);
}

/** A whole number, or undefined when empty; `invalid` when present but no whole number. */
export function readInteger(record: BueroRecord | undefined, field: string): number | undefined | 'invalid' {
  if (!field || !record) return undefined;
  const value = record[field];
  if (!present(value)) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.0+)?\s*$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : 'invalid';
}

/** A date-time field that must be there and valid. */
export function readDateTime(ctx: MapContext, record: BueroRecord | undefined, field: string, required: true): BueroDateTime;
export function readDateTime(ctx: MapContext, record: BueroRecord | undefined, field: string, required: false): BueroDateTime | undefined;
export function readDateTime(ctx: MapContext, record: BueroRecord | undefined, field: string, required: boolean): BueroDateTime | undefined {
  const value = field && record ? record[field] : undefined;
  if (!present(value)) {
    if (required) throw ctx.error(MappingCode.fieldMissing, field, 'the date-time is missing.');
    return undefined;
  }
  const parsed = parseBueroDateTime(value);
  if (!parsed) throw ctx.error(MappingCode.fieldInvalid, field, `${show(value)} is no valid date-time (expected YYYY-MM-DDTHH:mm:ss).`);
  return parsed;
}

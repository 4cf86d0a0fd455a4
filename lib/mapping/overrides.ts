/**
 * Field overrides: any target field of an item set by an expression over the büro+ record
 * (JSONata in Node-RED). The expression engine is injected, so this module needs no
 * Node-RED; the node passes Node-RED's own JSONata (RED.util.evaluateJSONataExpression).
 *
 * The expression's input is the büro+ record (`fldKurzInfo` reads the subject field).
 * Variables: `$item` (the mapped item before the overrides), `$change` (op, kind, table, id,
 * mandant, lsn), and for contacts `$address` and `$postalAddress`. A result of `undefined`
 * (nothing matched) keeps the mapped value; `null` clears the field.
 */
import { MappingCode } from '../error-codes';
import { SyncError } from '../errors';
import type { Appointment, Body, Contact, ItemKind, Task } from '../exchange/model';
import type { BueroChange } from '../buero/change';
import type { MapContext } from './record';
import { show } from './record';
import { convertText, type BodyFormat } from './text';
import { dateOf, formatInstant, instantOf, parseBueroDateTime } from '../time';

export interface FieldOverride {
  /** Which items it applies to. */
  kind: ItemKind | 'all';
  /** Target field of the item, e.g. `subject` or `businessAddress.city`. */
  field: string;
  /** The expression (JSONata in Node-RED). */
  expression: string;
}

export interface OverrideBindings {
  item: unknown;
  change: Pick<BueroChange, 'op' | 'kind' | 'table' | 'id' | 'mandant' | 'lsn'>;
  address?: Record<string, unknown>;
  postalAddress?: Record<string, unknown>;
}

export type OverrideEvaluator = (
  override: FieldOverride,
  input: Record<string, unknown>,
  bindings: OverrideBindings,
) => unknown | Promise<unknown>;

type FieldType =
  | 'text'
  | 'requiredText'
  | 'body'
  | 'instant'
  | 'date'
  | 'instantOrNull'
  | 'boolean'
  | 'minutesOrNull'
  | 'percent'
  | 'list'
  | readonly string[];

/** Every field an override may set, per kind, with the type its value must have. */
export const OVERRIDE_FIELDS: Record<ItemKind, Record<string, FieldType>> = {
  appointment: {
    subject: 'requiredText',
    body: 'body',
    start: 'instant',
    end: 'instant',
    isAllDay: 'boolean',
    location: 'text',
    reminderMinutes: 'minutesOrNull',
    categories: 'list',
    freeBusy: ['free', 'tentative', 'busy', 'oof', 'workingElsewhere'],
    sensitivity: ['normal', 'personal', 'private', 'confidential'],
  },
  task: {
    subject: 'requiredText',
    body: 'body',
    startDate: 'date',
    dueDate: 'date',
    complete: 'boolean',
    percentComplete: 'percent',
    importance: ['low', 'normal', 'high'],
    reminder: 'instantOrNull',
    categories: 'list',
  },
  contact: {
    title: 'text',
    givenName: 'text',
    surname: 'text',
    displayName: 'requiredText',
    companyName: 'text',
    department: 'text',
    jobTitle: 'text',
    emailAddresses: 'list',
    businessPhone: 'text',
    mobilePhone: 'text',
    homePhone: 'text',
    businessFax: 'text',
    'businessAddress.street': 'text',
    'businessAddress.postalCode': 'text',
    'businessAddress.city': 'text',
    'businessAddress.state': 'text',
    'businessAddress.countryOrRegion': 'text',
    notes: 'body',
    categories: 'list',
  },
};

const KINDS = ['all', 'appointment', 'task', 'contact'];

/** Checks an override table from the edit dialog; a wrong row is a `MAPPING_CONFIG_INVALID` error. */
export function checkOverrides(rows: unknown): FieldOverride[] {
  if (rows === undefined || rows === null || rows === '') return [];
  if (!Array.isArray(rows)) {
    throw new SyncError(MappingCode.configInvalid, 'The field overrides must be a list.', { record: 'buero-map settings', field: 'overrides' });
  }
  return rows.map((row, i) => {
    const r = (row ?? {}) as Record<string, unknown>;
    const where = `overrides[${i}]`;
    const kind = (r.kind === undefined || r.kind === '' ? 'all' : r.kind) as string;
    const field = typeof r.field === 'string' ? r.field.trim() : '';
    const expression = typeof r.expression === 'string' ? r.expression.trim() : '';
    const bad = (text: string) => new SyncError(MappingCode.configInvalid, `Field override ${i + 1}: ${text}`, { record: 'buero-map settings', field: where });
    if (!KINDS.includes(kind)) throw bad(`the kind "${kind}" is none of ${KINDS.join(', ')}.`);
    const kinds = kind === 'all' ? (['appointment', 'task', 'contact'] as const) : [kind as ItemKind];
    if (!kinds.some((k) => field in OVERRIDE_FIELDS[k])) {
      const known = [...new Set(kinds.flatMap((k) => Object.keys(OVERRIDE_FIELDS[k])))].join(', ');
      throw bad(`"${field}" is no field of ${kind === 'all' ? 'any item' : `a ${kind}`}; use one of ${known}.`);
    }
    if (expression === '') throw bad(`the expression for "${field}" is empty.`);
    return { kind: kind as FieldOverride['kind'], field, expression };
  });
}

/**
 * Applies the overrides for this kind to the item, in table order (a later row sees the
 * earlier rows' results in `$item`). Throws a SyncError naming the record and the target field
 * when an expression fails or yields a value the field cannot take.
 */
export async function applyOverrides<K extends ItemKind>(
  kind: K,
  item: K extends 'appointment' ? Appointment : K extends 'task' ? Task : Contact,
  overrides: FieldOverride[],
  evaluate: OverrideEvaluator | undefined,
  input: Record<string, unknown>,
  bindings: Omit<OverrideBindings, 'item'>,
  ctx: MapContext,
  options: { bodyFormat: BodyFormat; timeZone: string },
): Promise<void> {
  const rows = overrides.filter((o) => (o.kind === 'all' || o.kind === kind) && o.field in OVERRIDE_FIELDS[kind]);
  if (rows.length === 0) return;
  if (!evaluate) {
    throw new SyncError(MappingCode.configInvalid, 'Field overrides are set but no expression engine was given.', {
      record: ctx.record,
      field: 'overrides',
    });
  }
  const target = item as unknown as Record<string, unknown>;
  for (const o of rows) {
    const where = `override ${o.field}`;
    let value: unknown;
    try {
      value = await evaluate(o, input, { ...bindings, item: JSON.parse(JSON.stringify(item)) });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err);
      throw new SyncError(MappingCode.overrideFailed, `${ctx.record}, ${where}: the expression ${show(o.expression)} failed: ${reason}`, {
        record: ctx.record,
        field: where,
        cause: err,
      });
    }
    if (value === undefined) continue;
    const coerced = coerce(value, OVERRIDE_FIELDS[kind][o.field], options);
    if (coerced.error) {
      throw new SyncError(MappingCode.overrideInvalid, `${ctx.record}, ${where}: ${show(value)} ${coerced.error}`, { record: ctx.record, field: where });
    }
    setPath(target, o.field, coerced.value);
    ctx.from(o.field, where);
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, rest] = path.split('.', 2);
  if (rest === undefined) {
    if (value === undefined) delete target[head];
    else target[head] = value;
    return;
  }
  const child = (target[head] as Record<string, unknown> | undefined) ?? {};
  if (value === undefined) delete child[rest];
  else child[rest] = value;
  target[head] = child;
}

/** The override's value as the field's type; `undefined` in `value` removes an optional field. */
function coerce(
  value: unknown,
  type: FieldType,
  options: { bodyFormat: BodyFormat; timeZone: string },
): { value?: unknown; error?: string } {
  const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  if (Array.isArray(type)) {
    if (value === null) return { value: undefined };
    return typeof value === 'string' && type.includes(value) ? { value } : { error: `is none of ${type.join(', ')}.` };
  }
  switch (type) {
    case 'text':
      if (value === null) return { value: undefined };
      return scalar ? { value: String(value) } : { error: 'is no text.' };
    case 'requiredText':
      if (value === null) return { value: '' };
      return scalar ? { value: String(value) } : { error: 'is no text.' };
    case 'body': {
      if (value === null) return { value: { format: options.bodyFormat, content: '' } satisfies Body };
      if (scalar) return { value: { format: options.bodyFormat, content: convertText(String(value), options.bodyFormat) } satisfies Body };
      const b = value as Partial<Body>;
      if (b && typeof b === 'object' && (b.format === 'html' || b.format === 'text') && typeof b.content === 'string') {
        return { value: { format: b.format, content: b.content } };
      }
      return { error: 'is no text and no {format: "html"|"text", content}.' };
    }
    case 'instant':
    case 'instantOrNull': {
      if (value === null) return type === 'instantOrNull' ? { value: null } : { error: 'is no date-time.' };
      const parsed = parseBueroDateTime(value);
      if (!parsed) return { error: 'is no date-time (YYYY-MM-DDTHH:mm:ss, with or without offset).' };
      return { value: formatInstant(instantOf(parsed, options.timeZone), options.timeZone) };
    }
    case 'date': {
      if (value === null) return { value: undefined };
      const parsed = parseBueroDateTime(value);
      return parsed ? { value: dateOf(parsed, options.timeZone) } : { error: 'is no date (YYYY-MM-DD).' };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { value };
      if (value === 'true' || value === 1 || value === '1') return { value: true };
      if (value === 'false' || value === 0 || value === '0') return { value: false };
      return { error: 'is neither true nor false.' };
    case 'minutesOrNull':
      if (value === null) return { value: null };
      return typeof value === 'number' && Number.isInteger(value) && value >= 0
        ? { value }
        : { error: 'is no number of minutes (a whole number from 0, or null for none).' };
    case 'percent':
      if (value === null) return { value: undefined };
      return typeof value === 'number' && value >= 0 && value <= 100 ? { value } : { error: 'is no percentage (0–100).' };
    case 'list': {
      if (value === null) return { value: [] };
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[;,]/) : undefined;
      if (!list || !list.every((v) => typeof v === 'string')) return { error: 'is no text and no list of texts.' };
      return { value: list.map((v) => v.trim()).filter((v) => v !== '') };
    }
    default:
      return { error: 'cannot be set.' };
  }
}

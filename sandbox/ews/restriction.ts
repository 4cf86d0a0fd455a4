/**
 * FindItem/FindFolder restrictions (SearchExpression: IsEqualTo … IsLessThanOrEqualTo, Exists,
 * Contains, Excludes, Not, And, Or) and SortOrder, evaluated on an item's view (see items.ts).
 * Values compare by the property's type: instants, numbers, booleans, or text ignoring case
 * (Exchange store comparisons are case-insensitive).
 */
import { StoredExtendedProperty } from '../store';
import { extKeyOfStored, extKeyOfUri, fieldOfUri, parseExtendedFieldUri, textOf } from './items';
import { parseEwsDateTime } from './timezones';
import { XElem, child } from './xml';

export interface Subject {
  view: Record<string, unknown>;
  extendedProperties: StoredExtendedProperty[];
  /** XSD type of a field, when known. */
  typeOf(name: string): string | undefined;
}

type Kind = 'time' | 'number' | 'boolean' | 'text';
interface Resolved {
  present: boolean;
  values: string[];
  kind: Kind;
}

const PATHS = new Set(['FieldURI', 'IndexedFieldURI', 'ExtendedFieldURI']);

function kindOfXsd(type: string | undefined): Kind {
  if (type === 'xs:dateTime') return 'time';
  if (type === 'xs:int' || type === 'xs:long' || type === 'xs:double' || type === 't:ReminderMinutesBeforeStartType') return 'number';
  if (type === 'xs:boolean') return 'boolean';
  return 'text';
}
function kindOfMapi(type: string): Kind {
  if (/^(SystemTime)$/.test(type)) return 'time';
  if (/^(Integer|Long|Short|Double|Float|Currency|ApplicationTime)$/.test(type)) return 'number';
  if (type === 'Boolean') return 'boolean';
  return 'text';
}

function resolve(path: XElem, s: Subject): Resolved {
  if (path.name === 'ExtendedFieldURI') {
    const uri = parseExtendedFieldUri(path);
    const key = extKeyOfUri(uri);
    const p = s.extendedProperties.find((x) => extKeyOfStored(x) === key);
    return { present: !!p, values: p ? p.values ?? [p.value] : [], kind: kindOfMapi(uri.propertyType) };
  }
  const { name, index, member } = fieldOfUri(path);
  const value = s.view[name];
  if (value === undefined) return { present: false, values: [], kind: kindOfXsd(s.typeOf(name)) };
  if (index !== undefined) {
    const entries = ([] as Record<string, unknown>[]).concat((value as { Entry?: Record<string, unknown>[] }).Entry ?? []);
    const entry = entries.find((e) => (e.$ as Record<string, string> | undefined)?.Key === index);
    const v = entry ? textOf(member ? entry[member] : entry) : undefined;
    return { present: v !== undefined, values: v !== undefined ? [v] : [], kind: 'text' };
  }
  const text = textOf(value);
  if (text !== undefined) return { present: true, values: [text], kind: kindOfXsd(s.typeOf(name)) };
  // Multi-valued (Categories: { String: [...] }).
  const inner = Object.entries(value as Record<string, unknown>).filter(([k]) => k !== '$').flatMap(([, v]) => ([] as unknown[]).concat(v));
  return { present: true, values: inner.map(textOf).filter((x): x is string => x !== undefined), kind: 'text' };
}

function compare(a: string, b: string, kind: Kind): number {
  switch (kind) {
    case 'time': return (parseEwsDateTime(a) ?? NaN) - (parseEwsDateTime(b) ?? NaN);
    case 'number': return Number(a) - Number(b);
    case 'boolean': return (a.toLowerCase() === 'true' ? 1 : 0) - (b.toLowerCase() === 'true' ? 1 : 0);
    default: {
      const x = a.toLowerCase();
      const y = b.toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

const RELATIONS: Record<string, (c: number) => boolean> = {
  IsEqualTo: (c) => c === 0,
  IsNotEqualTo: (c) => c !== 0,
  IsGreaterThan: (c) => c > 0,
  IsGreaterThanOrEqualTo: (c) => c >= 0,
  IsLessThan: (c) => c < 0,
  IsLessThanOrEqualTo: (c) => c <= 0,
};

export class RestrictionError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Evaluates a restriction's search expression (the child of <m:Restriction>). */
export function matches(expr: XElem, s: Subject): boolean {
  const path = () => expr.children.find((c) => PATHS.has(c.name));
  switch (expr.name) {
    case 'And': return expr.children.every((c) => matches(c, s));
    case 'Or': return expr.children.some((c) => matches(c, s));
    case 'Not': return !matches(expr.children[0]!, s);
    case 'Exists': return resolve(path()!, s).present;
    case 'Contains': {
      const r = resolve(path()!, s);
      const constant = child(expr, 'Constant')?.attrs.Value ?? '';
      const ignoreCase = /IgnoreCase/.test(expr.attrs.ContainmentComparison ?? 'Exact');
      const norm = (x: string) => (ignoreCase ? x.toLowerCase() : x);
      const mode = expr.attrs.ContainmentMode ?? 'FullString';
      return r.values.some((v) => {
        const [a, b] = [norm(v), norm(constant)];
        if (mode === 'FullString') return a === b;
        if (mode === 'Prefixed') return a.startsWith(b);
        if (mode === 'PrefixOnWords') return a.split(/\s+/).some((w) => w.startsWith(b));
        return a.includes(b);
      });
    }
    case 'Excludes': {
      const r = resolve(path()!, s);
      const mask = Number(child(child(expr, 'Bitmask'), 'Bitmask')?.attrs.Value ?? child(expr, 'Bitmask')?.attrs.Value ?? 0);
      return r.values.some((v) => (Number(v) & mask) === 0);
    }
    default: {
      const relation = RELATIONS[expr.name];
      if (!relation) throw new RestrictionError('ErrorUnsupportedQueryFilter', `The restriction ${expr.name} is not supported.`);
      const left = resolve(path()!, s);
      const other = child(expr, 'FieldURIOrConstant')!;
      const constant = child(other, 'Constant');
      const rightValues = constant ? [constant.attrs.Value ?? ''] : resolve(other.children[0]!, s).values;
      if (!left.present || rightValues.length === 0) return expr.name === 'IsNotEqualTo';
      return left.values.some((l) => rightValues.some((r) => relation(compare(l, r, left.kind))));
    }
  }
}

/** Sorts subjects by a SortOrder element (FieldOrder Order="Ascending|Descending"). */
export function sortBy<T>(list: T[], sortOrder: XElem | undefined, subjectOf: (t: T) => Subject): T[] {
  const orders = sortOrder?.children ?? [];
  if (!orders.length) return list;
  return [...list].sort((x, y) => {
    for (const o of orders) {
      const path = o.children.find((c) => PATHS.has(c.name));
      if (!path) continue;
      const a = resolve(path, subjectOf(x));
      const b = resolve(path, subjectOf(y));
      const c = a.present && b.present ? compare(a.values[0] ?? '', b.values[0] ?? '', a.kind) : (a.present ? 1 : 0) - (b.present ? 1 : 0);
      if (c !== 0) return o.attrs.Order === 'Descending' ? -c : c;
    }
    return 0;
  });
}

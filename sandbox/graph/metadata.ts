/**
 * Every body the product sends to Graph is checked against Microsoft's published v1.0 metadata
 * (CSDL), as every EWS request is checked against Microsoft's XSD: a property the type does not
 * declare, a value of the wrong type, an enum member that does not exist, or a $select of an
 * unknown property is answered 400 with Graph's own wording, and counted.
 *
 * The metadata is the extract in sandbox/static/graph-metadata (scripts/graph-metadata.js):
 * the types the product writes, their base types and the complex and enum types they reach.
 * Stricter than Graph in one place: Outlook items are open types, but a property the product
 * sends that the type does not declare is always a mistake of ours (Graph drops or refuses it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface PropertyDef {
  type: string;
  nullable: boolean;
  navigation: boolean;
}
interface StructuredType {
  kind: 'entity' | 'complex';
  name: string;
  base?: string;
  properties: Map<string, PropertyDef>;
}
interface EnumDef {
  members: Set<string>;
  flags: boolean;
}
export interface GraphModel {
  types: Map<string, StructuredType>;
  enums: Map<string, EnumDef>;
}

const local = (t: string) => t.replace(/^(graph|microsoft\.graph)\./, '');
const attr = (tag: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];

export function metadataFile(): string {
  const candidates = [process.env.GRAPH_METADATA_FILE, resolve(__dirname, '../static/graph-metadata/graph-v1.0.xml')].filter((f): f is string => !!f);
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`Graph metadata not found (looked in ${candidates.join(', ')}); set GRAPH_METADATA_FILE`);
  return found;
}

/** Parses the CSDL extract (a generated file of one known shape, so patterns suffice). */
export function parseMetadata(csdl: string): GraphModel {
  const types = new Map<string, StructuredType>();
  const enums = new Map<string, EnumDef>();
  for (const m of csdl.matchAll(/<(EntityType|ComplexType|EnumType) ([^>]*?)(\/?)>(?:([\s\S]*?)<\/\1>)?/g)) {
    const [, element, head, , inner = ''] = m;
    const name = attr(head!, 'Name')!;
    if (element === 'EnumType') {
      enums.set(name, { flags: attr(head!, 'IsFlags') === 'true', members: new Set([...inner.matchAll(/<Member Name="([^"]+)"/g)].map((x) => x[1]!)) });
      continue;
    }
    const properties = new Map<string, PropertyDef>();
    for (const p of inner.matchAll(/<(Property|NavigationProperty) ([^>]*?)\/?>/g)) {
      properties.set(attr(p[2]!, 'Name')!, { type: attr(p[2]!, 'Type')!, nullable: attr(p[2]!, 'Nullable') !== 'false', navigation: p[1] === 'NavigationProperty' });
    }
    const base = attr(head!, 'BaseType');
    types.set(name, { kind: element === 'EntityType' ? 'entity' : 'complex', name, base: base && local(base), properties });
  }
  return { types, enums };
}

let loaded: GraphModel | undefined;
export function graphModel(): GraphModel {
  loaded ??= parseMetadata(readFileSync(metadataFile(), 'utf8'));
  return loaded;
}

/** A property of a type or one of its base types. */
function propertyOf(model: GraphModel, typeName: string, property: string): PropertyDef | undefined {
  for (let t = model.types.get(typeName); t; t = t.base ? model.types.get(t.base) : undefined) {
    const p = t.properties.get(property);
    if (p) return p;
  }
  return undefined;
}

function derivesFrom(model: GraphModel, typeName: string, base: string): boolean {
  for (let t = model.types.get(typeName); t; t = t.base ? model.types.get(t.base) : undefined) if (t.name === base) return true;
  return false;
}

const PRIMITIVE: Record<string, (v: unknown) => boolean> = {
  'Edm.String': (v) => typeof v === 'string',
  'Edm.Boolean': (v) => typeof v === 'boolean',
  'Edm.Int32': (v) => Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31,
  'Edm.Int64': (v) => Number.isInteger(v),
  'Edm.Double': (v) => typeof v === 'number',
  'Edm.DateTimeOffset': (v) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v),
  'Edm.Date': (v) => typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v),
  'Edm.TimeOfDay': (v) => typeof v === 'string' && /^\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(v),
  'Edm.Guid': (v) => typeof v === 'string' && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(v),
  'Edm.Binary': (v) => typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v),
};

/** The first way `value` breaks `type` (a CSDL type reference), in Graph's words; undefined when valid. */
export function violationOf(model: GraphModel, value: unknown, type: string, where: string, nullable = true): string | undefined {
  if (value === null) return nullable ? undefined : `A null value was found for the property named '${where}', which has the expected type '${type}[Nullable=False]'.`;
  const collection = /^Collection\((.*)\)$/.exec(type);
  if (collection) {
    if (!Array.isArray(value)) return `A node of type '${typeof value}' was read where a collection '${type}' was expected for '${where}'.`;
    for (const [i, v] of value.entries()) {
      const broken = violationOf(model, v, collection[1]!, `${where}[${i}]`, false);
      if (broken) return broken;
    }
    return undefined;
  }
  const check = PRIMITIVE[type];
  if (check) return check(value) ? undefined : `Cannot convert the literal '${String(value)}' to the expected type '${type}' (property '${where}').`;
  if (type.startsWith('Edm.')) return `The simulator does not know the type '${type}' (property '${where}').`;
  const name = local(type);
  const enumDef = model.enums.get(name);
  if (enumDef) {
    const members = typeof value === 'string' ? (enumDef.flags ? value.split(',').map((s) => s.trim()) : [value]) : [];
    const bad = members.length === 0 ? String(value) : members.find((x) => !enumDef.members.has(x));
    return bad === undefined ? undefined : `Requested value '${bad}' was not found in 'microsoft.graph.${name}' (property '${where}').`;
  }
  if (!model.types.has(name)) return `The type 'microsoft.graph.${name}' of '${where}' is not in the simulator's metadata extract (scripts/graph-metadata.js).`;
  if (typeof value !== 'object' || Array.isArray(value)) return `A node of type '${Array.isArray(value) ? 'array' : typeof value}' was read where 'microsoft.graph.${name}' was expected for '${where}'.`;
  const body = value as Record<string, unknown>;
  let actual = name;
  const odataType = body['@odata.type'];
  if (typeof odataType === 'string') {
    actual = local(odataType.replace(/^#/, ''));
    if (!model.types.has(actual) || !derivesFrom(model, actual, name)) return `The type '${odataType}' is not 'microsoft.graph.${name}' or derived from it (property '${where}').`;
  }
  for (const [key, v] of Object.entries(body)) {
    if (key.startsWith('@') || key.includes('@odata.')) continue;
    const p = propertyOf(model, actual, key);
    if (!p) return `The property '${key}' does not exist on type 'microsoft.graph.${actual}'. Make sure to only use property names that are defined by the type.`;
    const broken = violationOf(model, v, p.type, where ? `${where}.${key}` : key, p.nullable);
    if (broken) return broken;
  }
  return undefined;
}

/** The first unknown property in a $select of `typeName`, in Graph's words. */
export function selectViolation(model: GraphModel, typeName: string, select: string): string | undefined {
  for (const raw of select.split(',')) {
    const name = raw.trim();
    if (name && !propertyOf(model, typeName, name)) return `Could not find a property named '${name}' on type 'microsoft.graph.${typeName}'.`;
  }
  return undefined;
}

/**
 * The entity type a request's body (POST, PATCH) or $select is about, by route (`s` is the
 * path below users/{id}); undefined for routes without one (deletes, delta, lists of folders).
 */
export function entityTypeOfRoute(s: string[]): string | undefined {
  if (s[0] === 'events' || s[0] === 'calendarView' || (s[0] === 'calendar' && s[1] === 'events')) return 'event';
  if (s[0] === 'calendar' && s.length === 1) return 'calendar';
  if (s[0] === 'contacts' || (s[0] === 'contactFolders' && s[2] === 'contacts')) return 'contact';
  if (s[0] === 'contactFolders') return 'contactFolder';
  if (s[0] === 'todo' && s[1] === 'lists') {
    if (s[5] === 'linkedResources') return 'linkedResource';
    return s[3] === 'tasks' ? 'todoTask' : 'todoTaskList';
  }
  return undefined;
}

/** The request's first violation of the metadata, or undefined. */
export function requestViolation(method: string, s: string[], q: URLSearchParams, body: unknown, model = graphModel()): string | undefined {
  const type = entityTypeOfRoute(s);
  if (!type) return undefined;
  const select = q.get('$select');
  if (select) {
    const broken = selectViolation(model, type, select);
    if (broken) return broken;
  }
  if ((method === 'POST' || method === 'PATCH') && body !== undefined) return violationOf(model, body, `graph.${type}`, '');
  return undefined;
}

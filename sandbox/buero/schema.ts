/**
 * The GraphQL schema of the simulated büro+ API, built with the reference implementation
 * (graphql-js). Shapes follow microtech's documentation (docs/buero-api.md):
 *
 *   query    { tblCalendar { rowRead(…) { … }  rowsRead(…) { … }  conRead(first:, after:, …) { edges { node { … } cursor } pageInfo { … } } } }
 *   mutation { tblCalendar { rowNew { fldX(set: { text: "…" }) … rowSave { fldID fldModifyLSN } } rowModify(…) { … } rowDelete(…) { … } } }
 *
 * Every `fld…` field takes `as: OutputFormat`; in rowNew/rowModify a writable field also takes
 * `set: SetValue` (read-only fields have no `set`, so setting them fails validation as in büro+).
 * Row selection: `exactMatch: { byNr: { kf1AdrNr: { string: "10000" } } }`, the shorthand
 * `kf1…` of the table's first sort order, and `fastFilter`. Lists are in fldID order.
 */
import {
  GraphQLBoolean, GraphQLEnumType, GraphQLError, GraphQLFloat, GraphQLInputObjectType, GraphQLInt, GraphQLList,
  GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString, Kind,
  GraphQLSkipDirective, GraphQLIncludeDirective, getArgumentValues, getDirectiveValues,
  type GraphQLFieldConfigArgumentMap, type GraphQLFieldConfigMap, type GraphQLInputFieldConfigMap, type GraphQLResolveInfo,
  type SelectionSetNode, type ValueNode, type GraphQLField, type GraphQLOutputType,
} from 'graphql';
import { TABLES, TABLE_NAMES, type FieldSpec, type TableName, type TableSpec } from './tables';
import { OUTPUT_FORMATS, ValueError, formatValue, fromSetInput, type OutputFormat, type SetInput } from './values';
import { compileFilter, COMPARISONS, type FastFilter } from './filter';
import { BueroWriteError, type BueroDb } from './db';
import type { Row } from '../data/generator';

export interface GraphQLContext {
  db: BueroDb;
  /** The read snapshot of a query; undefined in a mutation (reads see the mutation's own writes). */
  snapshot?: bigint;
  /** The acting büro+ user (the token's user). */
  user: Row;
  /** Fault injection: pause each table read of a query this long (shows the snapshot at work). */
  readDelayMs: number;
  /** Table operations this request performed, e.g. `tblCalendar.conRead` (for stats). */
  operations: string[];
  /** Rows returned per table by rowRead, rowsRead and conRead (for stats). */
  rows: Record<string, number>;
  /** Of those, rows of reads filtered on fldModifyLSN above a value. */
  changedRows: Record<string, number>;
}

/** Counts the rows a read returned (stats: what a client read from büro+). */
function counted<T>(ctx: GraphQLContext, table: string, args: SelectionArgs, out: T, n: number): T {
  ctx.rows[table] = (ctx.rows[table] ?? 0) + n;
  if (args.fastFilter && compileFilter(TABLES[table as TableName], args.fastFilter).lsnAfter !== undefined) {
    ctx.changedRows[table] = (ctx.changedRows[table] ?? 0) + n;
  }
  return out;
}

/** Turns store and value errors into GraphQL errors that name the table, record and field. */
function graphqlError(err: unknown, path?: string): GraphQLError {
  if (err instanceof GraphQLError) return err;
  if (err instanceof BueroWriteError)
    return new GraphQLError(err.message, { extensions: { code: 'BUERO_WRITE', table: err.table, id: err.id, field: err.field } });
  if (err instanceof ValueError) return new GraphQLError(err.message, { extensions: { code: 'BAD_VALUE', field: err.field, path } });
  return new GraphQLError(err instanceof Error ? err.message : String(err));
}

// ---------- scalars ----------

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new GraphQLError(`BigInt cannot represent ${JSON.stringify(v)}: send a string of digits (or a safe integer)`);
}

/**
 * büro+ types its version numbers as BigInt. They are serialized as JSON strings of decimal
 * digits: a 64-bit value does not survive a JSON number in JavaScript clients (2^53 limit),
 * and GraphQL's Int is 32-bit. Inputs take a string or an integer literal.
 */
export const BigIntScalar = new GraphQLScalarType({
  name: 'BigInt',
  description: '64-bit integer, serialized as a string of decimal digits. Input: a string or an integer.',
  serialize: (v) => (typeof v === 'bigint' ? v.toString() : v),
  parseValue: toBigInt,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return toBigInt(ast.value);
    throw new GraphQLError('BigInt literal must be an integer or a string of digits', { nodes: ast });
  },
});

function literal(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.INT: {
      const n = Number(ast.value);
      return Number.isSafeInteger(n) ? n : BigInt(ast.value);
    }
    case Kind.FLOAT: return Number(ast.value);
    case Kind.STRING: case Kind.ENUM: return ast.value;
    case Kind.BOOLEAN: return ast.value;
    case Kind.NULL: return null;
    case Kind.LIST: return ast.values.map((v) => literal(v, variables));
    case Kind.OBJECT: return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value, variables)]));
    case Kind.VARIABLE: return variables?.[ast.name.value];
  }
}

/** A value of any type: data fields (their type depends on `as:`) and filter values. */
export const AnyScalar = new GraphQLScalarType({
  name: 'Any',
  description: 'Any JSON value; integers beyond 2^53 in literals are read exactly.',
  serialize: (v) => (typeof v === 'bigint' ? v.toString() : v),
  parseValue: (v) => v,
  parseLiteral: literal,
});

const OutputFormatEnum = new GraphQLEnumType({
  name: 'OutputFormat',
  description: 'Output format of a field. DISPLAY_TEXT turns RTF into plain text; TEXT is the localized (German) text form.',
  values: Object.fromEntries(OUTPUT_FORMATS.map((f) => [f, { value: f }])),
});

const SetValueInput = new GraphQLInputObjectType({
  name: 'SetValue',
  description: 'A value to store: one of string (raw), text (localized, e.g. "24.12.2026", "99,95", "Ja"), int, float, boolean. `{}` stores null.',
  fields: { string: { type: GraphQLString }, text: { type: GraphQLString }, int: { type: GraphQLInt }, float: { type: GraphQLFloat }, boolean: { type: GraphQLBoolean } },
});

const PageInfoType = new GraphQLObjectType({
  name: 'PageInfo',
  fields: {
    hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) },
    hasPreviousPage: { type: new GraphQLNonNull(GraphQLBoolean) },
    startCursor: { type: GraphQLString },
    endCursor: { type: GraphQLString },
    edgeCount: { type: new GraphQLNonNull(GraphQLInt), description: 'Edges on this page (there is no total count).' },
  },
});

// ---------- per-table types ----------

interface TableSource {
  /** Equalities a linked list (`lnk…`) imposes, e.g. [['fldAdrNr', '10000']]. */
  scope: [string, unknown][];
}

interface TableTypes {
  row: GraphQLObjectType;
  queryTable: GraphQLObjectType;
  mutationTable: GraphQLObjectType;
  selectionArgs: GraphQLFieldConfigArgumentMap;
}

export function encodeCursor(id: number): string {
  return Buffer.from(`fldID:${id}`).toString('base64');
}

function decodeCursor(cursor: string): number {
  const m = /^fldID:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m) throw new GraphQLError(`"${cursor}" is not a cursor of this connection (use pageInfo.endCursor)`);
  return Number(m[1]);
}

interface SelectionArgs {
  exactMatch?: Record<string, Record<string, unknown>>;
  fastFilter?: FastFilter;
  using?: 'current';
  [kf: string]: unknown;
}

/** The key equalities of `exactMatch: { byX: { kf1…: { string, kf2…: { … } } } }` or the `kf1…` shorthand. */
function keyEqualities(spec: TableSpec, args: SelectionArgs): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (index: { keyFields: string[] }, level: number, node: Record<string, unknown> | undefined) => {
    if (!node || level >= index.keyFields.length) return;
    const field = index.keyFields[level];
    const nextKey = level + 1 < index.keyFields.length ? `kf${level + 2}${index.keyFields[level + 1].slice(3)}` : '';
    const { [nextKey]: next, ...value } = node;
    const fspec = spec.fields.find((f) => f.name === field)!;
    out.push([field, fromSetInput(fspec, value as SetInput)]);
    walk(index, level + 1, next as Record<string, unknown> | undefined);
  };
  if (args.exactMatch) {
    const [name, byArgs] = Object.entries(args.exactMatch)[0];
    const index = spec.indexes.find((i) => i.name === name)!;
    walk(index, 0, byArgs[`kf1${index.keyFields[0].slice(3)}`] as Record<string, unknown>);
  }
  const primary = spec.indexes[0];
  if (primary) {
    const short = args[`kf1${primary.keyFields[0].slice(3)}`] as Record<string, unknown> | undefined;
    walk(primary, 0, short);
  }
  return out;
}

/** Finds rows for rowRead/rowsRead/conRead/rowModify/rowDelete and links, in fldID order. */
function selectRows(ctx: GraphQLContext, spec: TableSpec, source: TableSource, args: SelectionArgs, page: { afterId?: number; limit?: number } = {}): Row[] {
  const equalities = [...source.scope, ...keyEqualities(spec, args)];
  if (args.using === 'current') equalities.push(['fldNr', ctx.user.fldNr]);
  const filter = args.fastFilter ? compileFilter(spec, args.fastFilter) : undefined;
  const predicate = (row: Row) => {
    for (const [f, v] of equalities) if (row[f] !== v) return false;
    return !filter || filter.predicate(row);
  };
  const { db, snapshot } = ctx;
  const table = spec.name;
  const paged = (rows: Row[]) => {
    const start = page.afterId === undefined ? 0 : rows.findIndex((r) => (r.fldID as number) > page.afterId!);
    const from = start < 0 ? rows.length : start;
    return rows.slice(from, page.limit === undefined ? undefined : from + page.limit);
  };
  const byId = equalities.find(([f]) => f === 'fldID');
  if (byId) {
    const row = typeof byId[1] === 'number' ? db.visible(table, byId[1], snapshot) : undefined;
    return paged(row && predicate(row) ? [row] : []);
  }
  if (filter?.ids) {
    const rows = filter.ids.map((id) => db.visible(table, id, snapshot)).filter((r): r is Row => r !== undefined && predicate(r));
    return paged(rows.sort((a, b) => (a.fldID as number) - (b.fldID as number)));
  }
  const indexed = equalities.find(([f]) => db.hasIndex(table, f));
  if (indexed) return paged(db.lookup(table, indexed[0], indexed[1], snapshot).filter(predicate));
  // A change poll (fldModifyLSN > x) reads the LSN index when it is selective; a full read scans in id order.
  if (filter?.lsnAfter !== undefined && db.changedCountEstimate(table, filter.lsnAfter) < 5000) {
    return paged(db.modifiedAfter(table, filter.lsnAfter, snapshot).filter(predicate));
  }
  // A filter on fldID above a value (continuing a read by id) starts the scan there.
  const afterId = Math.max(page.afterId ?? -Infinity, filter?.idAfter ?? -Infinity);
  return db.scan(table, { snapshot, afterId: Number.isFinite(afterId) ? afterId : undefined, limit: page.limit, predicate });
}

/** Delays a query's table read (fault injection) without giving up its snapshot. */
function maybeDelayed<T>(ctx: GraphQLContext, compute: () => T): T | Promise<T> {
  if (ctx.snapshot === undefined || ctx.readDelayMs <= 0) return compute();
  return new Promise((resolve, reject) => setTimeout(() => {
    try {
      resolve(compute());
    } catch (err) {
      reject(graphqlError(err));
    }
  }, ctx.readDelayMs));
}

function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw graphqlError(err);
  }
}

/** `fldX(set: …)` arguments in a rowNew/rowModify block, in document order (fragments and @skip/@include honoured). */
function collectSets(info: GraphQLResolveInfo, rowType: GraphQLObjectType): [FieldSpec, SetInput][] {
  const out: [FieldSpec, SetInput][] = [];
  const spec = SPEC_OF_TYPE.get(rowType)!;
  const fields = rowType.getFields();
  const visit = (set: SelectionSetNode | undefined) => {
    for (const sel of set?.selections ?? []) {
      const skip = getDirectiveValues(GraphQLSkipDirective, sel, info.variableValues);
      const include = getDirectiveValues(GraphQLIncludeDirective, sel, info.variableValues);
      if (skip?.if === true || include?.if === false) continue;
      if (sel.kind === Kind.FIELD) {
        const def = fields[sel.name.value] as GraphQLField<unknown, unknown> | undefined;
        if (def && sel.arguments?.some((a) => a.name.value === 'set')) {
          const args = getArgumentValues(def, sel, info.variableValues);
          const field = spec.fields.find((f) => f.name === sel.name.value)!;
          if (args.set !== undefined) out.push([field, (args.set ?? {}) as SetInput]);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) visit(sel.selectionSet);
      else visit(info.fragments[sel.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return out;
}

/** The table behind each row type (rowNew/rowModify blocks look up their fields' specs). */
const SPEC_OF_TYPE = new Map<GraphQLObjectType, TableSpec>();

/**
 * Fields a büro+ user has no right to write, per table. büro+ offers `set` only where the user
 * may write, so such a field has no `set` argument in that user's schema.
 */
export type FieldRights = Partial<Record<TableName, readonly string[]>>;

function valueFields(spec: TableSpec, withSet: boolean, denied: readonly string[] = []): GraphQLFieldConfigMap<Row, GraphQLContext> {
  const out: GraphQLFieldConfigMap<Row, GraphQLContext> = {};
  for (const f of spec.fields) {
    const args: GraphQLFieldConfigArgumentMap = { as: { type: OutputFormatEnum } };
    if (withSet && !f.readOnly && !denied.includes(f.name)) args.set = { type: SetValueInput };
    out[f.name] = {
      type: f.kind === 'bigint' ? BigIntScalar : AnyScalar,
      description: f.description,
      args,
      resolve: (row, a: { as?: OutputFormat }) => {
        try {
          return formatValue(f, row[f.name], a.as);
        } catch (err) {
          throw graphqlError(err);
        }
      },
    };
  }
  return out;
}

/** The schema as one büro+ user sees it: `denied` are the fields the user may not write. */
export function buildBueroSchema(denied: FieldRights = {}): GraphQLSchema {
  const types = new Map<TableName, TableTypes>();
  const typesOf = (t: TableName) => types.get(t)!;

  for (const name of TABLE_NAMES) {
    const spec = TABLES[name];
    const T = spec.typeName;
    const fieldEnum = new GraphQLEnumType({
      name: `${T}FastAnyFields`,
      values: Object.fromEntries(spec.fields.map((f) => [f.name, { value: f.name }])),
    });
    const operand = new GraphQLInputObjectType({
      name: `${T}FastOperand`,
      isOneOf: true,
      fields: { field: { type: fieldEnum }, value: { type: AnyScalar } },
    });
    const filter: GraphQLInputObjectType = new GraphQLInputObjectType({
      name: `${T}FastFilter`,
      isOneOf: true,
      description: 'One operator per object; combine with and/or/not. Comparison: { gt: [{ field: fldModifyLSN }, { value: "123" }] }.',
      fields: () => ({
        ...Object.fromEntries(COMPARISONS.map((op) => [op, { type: new GraphQLList(new GraphQLNonNull(operand)) }])),
        isNull: { type: operand },
        isNotNull: { type: operand },
        and: { type: new GraphQLList(new GraphQLNonNull(filter)) },
        or: { type: new GraphQLList(new GraphQLNonNull(filter)) },
        not: { type: filter },
      }),
    });
    // Sort orders and their key inputs: byNr: { kf1AdrNr: { string: "10000", kf2AnsNr: { int: 1 } } }.
    const keyInputs = new Map<string, GraphQLInputObjectType>();
    const byFields: GraphQLInputFieldConfigMap = {};
    for (const index of spec.indexes) {
      let next: GraphQLInputObjectType | undefined;
      for (let level = index.keyFields.length - 1; level >= 0; level--) {
        const short = index.keyFields[level].slice(3);
        const fieldsOfKey: GraphQLInputFieldConfigMap = { string: { type: GraphQLString }, text: { type: GraphQLString }, int: { type: GraphQLInt } };
        if (next) fieldsOfKey[`kf${level + 2}${index.keyFields[level + 1].slice(3)}`] = { type: next };
        next = new GraphQLInputObjectType({ name: `${T}${index.name.slice(2)}Kf${level + 1}${short}`, fields: fieldsOfKey });
      }
      keyInputs.set(index.name, next!);
      byFields[index.name] = {
        type: new GraphQLInputObjectType({ name: `${T}${index.name[0].toUpperCase()}${index.name.slice(1)}`, fields: { [`kf1${index.keyFields[0].slice(3)}`]: { type: next! } } }),
      };
    }
    const selectionArgs: GraphQLFieldConfigArgumentMap = { fastFilter: { type: filter } };
    if (spec.indexes.length) {
      selectionArgs.exactMatch = { type: new GraphQLInputObjectType({ name: `${T}ExactMatch`, isOneOf: true, fields: byFields }) };
      const primary = spec.indexes[0];
      selectionArgs[`kf1${primary.keyFields[0].slice(3)}`] = { type: keyInputs.get(primary.name)!, description: `Shorthand for exactMatch: { ${primary.name}: { … } }.` };
    }
    if (name === 'tblUsers') selectionArgs.using = { type: new GraphQLEnumType({ name: 'UserUsing', values: { current: { value: 'current' } } }), description: 'current: the user of the access token.' };

    const row: GraphQLObjectType<Row, GraphQLContext> = new GraphQLObjectType({
      name: T,
      description: spec.description,
      fields: () => {
        const out = valueFields(spec, false);
        for (const link of spec.links) {
          const target = typesOf(link.table);
          if (link.single) {
            out[link.name] = {
              type: target.row,
              description: `The linked ${TABLES[link.table].typeName}.`,
              resolve: (r, _a, ctx) => guarded(() => selectRows(ctx, TABLES[link.table], { scope: link.on.map(([mine, theirs]) => [theirs, r[mine]]) }, {}, { limit: 1 })[0] ?? null),
            };
          } else {
            out[link.name] = {
              type: new GraphQLNonNull(target.queryTable),
              description: `The linked ${TABLES[link.table].typeName} records.`,
              resolve: (r): TableSource => ({ scope: link.on.map(([mine, theirs]) => [theirs, r[mine]]) }),
            };
          }
        }
        return out;
      },
    });
    SPEC_OF_TYPE.set(row, spec);
    const edge = new GraphQLObjectType({
      name: `${T}Edge`,
      fields: { node: { type: new GraphQLNonNull(row) }, cursor: { type: new GraphQLNonNull(GraphQLString) } },
    });
    const connection = new GraphQLObjectType({
      name: `${T}Connection`,
      fields: { edges: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(edge)))}, pageInfo: { type: new GraphQLNonNull(PageInfoType) } },
    });

    const readOps = (): GraphQLFieldConfigMap<TableSource, GraphQLContext> =>
      spec.single
        ? {
            rowRead: {
              type: row,
              resolve: (src, _a, ctx) => {
                ctx.operations.push(`${name}.rowRead`);
                return maybeDelayed(ctx, () => {
                  const row = ctx.db.scan(name, { snapshot: ctx.snapshot, limit: 1 })[0] ?? null;
                  return counted(ctx, name, {}, row, row ? 1 : 0);
                });
              },
            },
          }
        : {
            rowRead: {
              type: row,
              args: selectionArgs,
              resolve: (src, a: SelectionArgs, ctx) => {
                ctx.operations.push(`${name}.rowRead`);
                return maybeDelayed(ctx, () => guarded(() => {
                  const row = selectRows(ctx, spec, src, a, { limit: 1 })[0] ?? null;
                  return counted(ctx, name, a, row, row ? 1 : 0);
                }));
              },
            },
            rowsRead: {
              type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(row))),
              args: selectionArgs,
              resolve: (src, a: SelectionArgs, ctx) => {
                ctx.operations.push(`${name}.rowsRead`);
                return maybeDelayed(ctx, () => guarded(() => {
                  const rows = selectRows(ctx, spec, src, a);
                  return counted(ctx, name, a, rows, rows.length);
                }));
              },
            },
            conRead: {
              type: new GraphQLNonNull(connection),
              args: { first: { type: GraphQLInt }, after: { type: GraphQLString }, ...selectionArgs },
              resolve: (src, a: SelectionArgs & { first?: number | null; after?: string | null }, ctx) => {
                ctx.operations.push(`${name}.conRead`);
                return maybeDelayed(ctx, () =>
                  guarded(() => {
                    if (a.first != null && a.first < 0) throw new GraphQLError('conRead: first must not be negative');
                    const afterId = a.after != null ? decodeCursor(a.after) : undefined;
                    const limit = a.first ?? undefined;
                    const rows = selectRows(ctx, spec, src, a, { afterId, limit: limit === undefined ? undefined : limit + 1 });
                    const page = limit === undefined ? rows : rows.slice(0, limit);
                    const edges = page.map((node) => ({ node, cursor: encodeCursor(node.fldID as number) }));
                    counted(ctx, name, a, edges, edges.length);
                    return {
                      edges,
                      pageInfo: {
                        hasNextPage: rows.length > page.length,
                        hasPreviousPage: afterId !== undefined,
                        startCursor: edges[0]?.cursor ?? null,
                        endCursor: edges[edges.length - 1]?.cursor ?? a.after ?? null,
                        edgeCount: edges.length,
                      },
                    };
                  }),
                );
              },
            },
          };

    const queryTable = new GraphQLObjectType<TableSource, GraphQLContext>({ name: `${T}Table`, description: spec.description, fields: readOps });

    let mutationTable = queryTable;
    if (spec.writable) {
      const saved = { rowSave: { type: new GraphQLNonNull(row), description: 'The saved record (read context: links available).', resolve: (r: Row) => r } };
      const newRow = new GraphQLObjectType<Row, GraphQLContext>({ name: `${T}RowMutationNew`, fields: () => ({ ...valueFields(spec, true, denied[name]), ...saved }) });
      const modifyRow = new GraphQLObjectType<Row, GraphQLContext>({ name: `${T}RowMutationModify`, fields: () => ({ ...valueFields(spec, true, denied[name]), ...saved }) });
      const deleteRow = new GraphQLObjectType<Row, GraphQLContext>({ name: `${T}RowMutationDelete`, fields: () => valueFields(spec, false) });
      for (const t of [newRow, modifyRow, deleteRow]) SPEC_OF_TYPE.set(t, spec);
      const writer = (ctx: GraphQLContext) => ({ actor: ctx.user.fldAnmNa as string, userNr: ctx.user.fldNr as number, api: true });
      const lockArgs: GraphQLFieldConfigArgumentMap = {
        modifyLSN: { type: BigIntScalar, description: 'Optimistic locking: only if the record still has this fldModifyLSN (else null).' },
      };
      const target = (ctx: GraphQLContext, a: SelectionArgs & { modifyLSN?: bigint }): Row | null => {
        if (!a.exactMatch && !a.fastFilter && !Object.keys(a).some((k) => k.startsWith('kf'))) throw new GraphQLError(`${name}: say which record (exactMatch, kf1…, or fastFilter)`);
        const found = selectRows(ctx, spec, { scope: [] }, a, { limit: 1 })[0];
        if (!found) return null;
        if (a.modifyLSN !== undefined && a.modifyLSN !== null && found.fldModifyLSN !== a.modifyLSN) return null;
        return found;
      };
      mutationTable = new GraphQLObjectType<TableSource, GraphQLContext>({
        name: `${T}MutationTable`,
        fields: () => ({
          ...readOps(),
          rowNew: {
            type: newRow,
            description: 'Creates a record; it is saved at the end of the block.',
            resolve: (_src, _a, ctx, info) => {
              ctx.operations.push(`${name}.rowNew`);
              return guarded(() => {
                const values: Row = {};
                for (const [f, input] of collectSets(info, newRow)) values[f.name] = fromSetInput(f, input);
                return ctx.db.insert(name, values, writer(ctx));
              });
            },
          },
          rowModify: {
            type: modifyRow,
            args: { ...selectionArgs, ...lockArgs },
            resolve: (_src, a: SelectionArgs & { modifyLSN?: bigint }, ctx, info) => {
              ctx.operations.push(`${name}.rowModify`);
              return guarded(() => {
                const found = target(ctx, a);
                if (!found) return null;
                const values: Row = {};
                for (const [f, input] of collectSets(info, modifyRow)) values[f.name] = fromSetInput(f, input);
                return ctx.db.modify(name, found.fldID as number, values, writer(ctx));
              });
            },
          },
          rowDelete: {
            type: deleteRow,
            args: { ...selectionArgs, ...lockArgs, ignoreWarnings: { type: GraphQLBoolean } },
            resolve: (_src, a: SelectionArgs & { modifyLSN?: bigint }, ctx) => {
              ctx.operations.push(`${name}.rowDelete`);
              return guarded(() => {
                const found = target(ctx, a);
                return found ? (ctx.db.delete(name, found.fldID as number) ?? null) : null;
              });
            },
          },
        }),
      });
    }
    types.set(name, { row, queryTable, mutationTable, selectionArgs });
  }

  const root = (kind: 'queryTable' | 'mutationTable'): GraphQLFieldConfigMap<unknown, GraphQLContext> =>
    Object.fromEntries(
      TABLE_NAMES.map((name) => [
        name,
        { type: new GraphQLNonNull(typesOf(name)[kind] as GraphQLOutputType), description: TABLES[name].description, resolve: (): TableSource => ({ scope: [] }) },
      ]),
    );
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: () => root('queryTable') }),
    mutation: new GraphQLObjectType({ name: 'Mutation', fields: () => root('mutationTable') }),
    types: [BigIntScalar, AnyScalar],
  });
}

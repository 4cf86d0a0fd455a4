/**
 * What büro+ offers this user for writing a table, found by introspection one type at a time
 * (never the whole schema, docs/buero-api.md): the types of the `rowNew` / `rowModify` blocks,
 * the fields that take `set` there (büro+ offers `set` only where the user may write), the
 * index a row is addressed by, and whether `rowModify` and `rowDelete` take the optimistic-lock
 * argument. Used by the writer (once) and by "Check fields".
 */
import { BueroCode } from '../../error-codes';
import { SyncError } from '../../errors';

type Query = <T>(text: string) => Promise<T>;

interface TypeRef {
  name: string | null;
  kind: string;
  ofType: TypeRef | null;
}
interface Arg {
  name: string;
  type: TypeRef;
}
interface Field {
  name: string;
  args?: Arg[];
  type?: TypeRef;
}

const TYPE_REF = 'type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }';

function named(t: TypeRef | null | undefined): string | undefined {
  while (t && !t.name) t = t.ofType;
  return t?.name ?? undefined;
}

/** The names a writer uses to address a row and to lock it (settings, `calendarWrite.*`). */
export interface WriteNames {
  index: string;
  idKey: string;
  lockArgument: string;
}

export interface WriteShape {
  table: string;
  /** GraphQL types of the `rowNew` and `rowModify` blocks. */
  newType: string;
  modifyType: string;
  /** Fields that take `set` in `rowNew` / `rowModify`, for this büro+ user. */
  settableOnNew: string[];
  settableOnModify: string[];
  /** The configured lock argument, when `rowModify` and `rowDelete` both take it. */
  lockArgument?: string;
  /** The configured index and key field, whether büro+ offers them, and what it offers instead. */
  index: { name: string; idKey: string; offered: boolean; available: string[] };
}

/** Introspects how `table` is written (four small requests). Throws a SyncError when the table cannot be written at all. */
export async function discoverWriteShape(query: Query, table: string, names: WriteNames): Promise<WriteShape> {
  const cannot = (why: string) =>
    new SyncError(BueroCode.fieldNotWritable, `büro+ offers this user no way to write ${table}: ${why}. Give the büro+ user of the connection the right to change calendar entries.`, {
      record: table,
    });
  // Only the mutation root's own fields (one per table), not the schema.
  const root = await query<{ __schema: { mutationType: { fields: Field[] } | null } }>(
    `{ __schema { mutationType { fields { name ${TYPE_REF} } } } }`,
  );
  const tableType = named(root.__schema.mutationType?.fields.find((f) => f.name === table)?.type);
  if (!tableType) throw cannot('the API has no mutation of it');

  const ops = await query<{ t: { fields: Field[] | null } | null }>(
    `{ t: __type(name: ${JSON.stringify(tableType)}) { fields { name args { name ${TYPE_REF} } ${TYPE_REF} } } }`,
  );
  const op = (name: string) => ops.t?.fields?.find((f) => f.name === name);
  const rowNew = op('rowNew');
  const rowModify = op('rowModify');
  const rowDelete = op('rowDelete');
  const newType = named(rowNew?.type);
  const modifyType = named(rowModify?.type);
  if (!newType || !modifyType) throw cannot(`it has no ${newType ? 'rowModify' : 'rowNew'}`);
  const exactMatchType = named(rowModify?.args?.find((a) => a.name === 'exactMatch')?.type);
  const takes = (f: Field | undefined, arg: string) => Boolean(f?.args?.some((a) => a.name === arg));

  const blocks = await query<{
    n: { fields: Field[] | null } | null;
    m: { fields: Field[] | null } | null;
    x: { inputFields: Arg[] | null } | null;
  }>(
    `{ n: __type(name: ${JSON.stringify(newType)}) { fields { name args { name } } } ` +
      `m: __type(name: ${JSON.stringify(modifyType)}) { fields { name args { name } } } ` +
      `x: __type(name: ${JSON.stringify(exactMatchType ?? '')}) { inputFields { name ${TYPE_REF} } } }`,
  );
  const settable = (t: { fields: Field[] | null } | null) => (t?.fields ?? []).filter((f) => takes(f, 'set')).map((f) => f.name).sort();

  const indexes = blocks.x?.inputFields ?? [];
  const index = indexes.find((i) => i.name === names.index);
  let keys: string[] = [];
  if (index) {
    const k = await query<{ k: { inputFields: Arg[] | null } | null }>(
      `{ k: __type(name: ${JSON.stringify(named(index.type) ?? '')}) { inputFields { name } } }`,
    );
    keys = (k.k?.inputFields ?? []).map((f) => f.name);
  }
  const offered = Boolean(index) && keys.includes(names.idKey);
  return {
    table,
    newType,
    modifyType,
    settableOnNew: settable(blocks.n),
    settableOnModify: settable(blocks.m),
    lockArgument: names.lockArgument && takes(rowModify, names.lockArgument) && takes(rowDelete, names.lockArgument) ? names.lockArgument : undefined,
    index: {
      name: names.index,
      idKey: names.idKey,
      offered,
      available: index ? keys.map((k) => `${names.index}.${k}`) : indexes.map((i) => i.name),
    },
  };
}

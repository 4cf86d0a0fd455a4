/**
 * Delta queries as Exchange Online answers them: `calendarView/delta` (a window of the default
 * calendar) and To Do `tasks/delta`. A round is one or more pages joined by @odata.nextLink
 * ($skiptoken) and ends with an @odata.deltaLink ($deltatoken) that starts the next round.
 * The first round lists everything; later rounds what changed since, from the store's change
 * log. What the real service does and the simulator does too:
 * - calendarView returns single events, series masters, bare occurrences (id, type,
 *   seriesMasterId, start, end only) and exceptions; a series is never split across pages;
 * - an event deleted, or one outside the window that changed, comes as `@removed` with the
 *   reason `deleted` (the caller tells the two apart); a deleted occurrence gives no sign
 *   but the master's own change;
 * - no $select, $expand or $filter; a token the service no longer knows is HTTP 410
 *   `SyncStateNotFound` (the client starts over).
 * Sources: Microsoft Graph v1.0 "event: delta", "Get incremental changes to events in a
 * calendar view", "todoTask: delta", "Use delta query" (state tokens, 410 Gone).
 */
import type { ChangeRecord, StoredFolder, StoredItem } from '../store';
import { occurrenceId, seriesOf, textOf } from '../ews/items';
import { parseEwsDateTime } from '../ews/timezones';
import { eventJson, taskJson, toGraphId, utcDateTime } from './items';
import { graphError, type Json, type Reply } from './odata';
import { occurrenceJson, type OperationContext } from './operations';

interface Token {
  /** The simulator's token generation: tokens of an older one are expired. */
  e: number;
  /** calendarView (`cv`) or a task list (`todo`). */
  k: 'cv' | 'todo';
  f: string;
  /** Changes after this sequence number (-1: the first round lists everything). */
  s: number;
  /** …up to this one: where the round stands. */
  u: number;
  /** The sort key of the last entry sent (later pages of a round). */
  a?: string;
  /** calendarView: the window [from, to). */
  w?: [number, number];
}

const encode = (t: Token) => Buffer.from(JSON.stringify(t)).toString('base64url');

function decode(text: string): Token | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Token;
    return typeof t.e === 'number' && typeof t.s === 'number' && typeof t.u === 'number' ? t : undefined;
  } catch {
    return undefined;
  }
}

const expired = () => graphError(410, 'SyncStateNotFound', 'The sync state generation is not valid. Please restart the sync from the beginning.');

/** One entry of a page: an item's rows (a series is never split), and its sort key. */
interface Entry {
  key: string;
  rows: Json[];
}

const EVENT = '#microsoft.graph.event';
const TASK = '#microsoft.graph.todoTask';
const removed = (type: string, id: string): Json => ({ '@odata.type': type, id, '@removed': { reason: 'deleted' } });

/**
 * The round a request belongs to: the first page of a first round (no token), or the one its
 * token names; undefined (410) for a token of another generation, folder or mailbox.
 */
function roundOf(q: URLSearchParams, kind: Token['k'], folder: StoredFolder, ctx: OperationContext, window?: [number, number]): Token | Reply {
  const text = q.get('$skiptoken') ?? q.get('$deltatoken');
  const now = ctx.store.currentSeq(ctx.mailbox);
  if (!text) return { e: ctx.deltaEpoch ?? 0, k: kind, f: folder.folderId, s: -1, u: now, w: window };
  const t = decode(text);
  if (!t || t.e !== (ctx.deltaEpoch ?? 0) || t.k !== kind || t.f !== folder.folderId) return expired();
  // A delta token starts a new round: what changed since it, up to now.
  return q.has('$skiptoken') ? t : { ...t, s: t.u, u: now, a: undefined };
}

/** The changes of a round, net per item (created and gone within it: nothing), by sequence. */
function changed(ctx: OperationContext, folder: StoredFolder, t: Token): { itemId: string; seq: number; present?: StoredItem }[] {
  const byItem = new Map<string, { first: ChangeRecord['type']; last: ChangeRecord['type']; seq: number }>();
  for (const c of ctx.store.changesSince(ctx.mailbox, folder.folderId, t.s)) {
    if (c.seq > t.u) break;
    const prev = byItem.get(c.itemId);
    byItem.set(c.itemId, { first: prev?.first ?? c.type, last: c.type, seq: c.seq });
  }
  return [...byItem.entries()].sort((a, b) => a[1].seq - b[1].seq).flatMap(([itemId, ch]) => {
    const item = ctx.store.item(ctx.mailbox, itemId);
    const present = item && item.folderId === folder.folderId && ch.last !== 'delete' ? item : undefined;
    return ch.first === 'create' && !present ? [] : [{ itemId, seq: ch.seq, present }];
  });
}

/** One page from the entries after the token's sort key; the next link, or the delta link when done. */
function pageOf(entries: Entry[], t: Token, path: string, ctx: OperationContext): Reply {
  const rest = entries.filter((e) => t.a === undefined || e.key > t.a);
  const size = Math.max(1, Math.min(ctx.paging.pageSize, ctx.paging.maxPageSize));
  const page: Entry[] = [];
  let rows = 0;
  for (const e of rest) {
    if (page.length > 0 && rows + e.rows.length > size) break;
    page.push(e);
    rows += e.rows.length;
  }
  const body: Json = { '@odata.context': `${ctx.paging.baseUrl}/$metadata#Collection(${path.includes('todo') ? 'todoTask' : 'event'})`, value: page.flatMap((e) => e.rows) };
  const base = `${ctx.paging.baseUrl}/users/${encodeURIComponent(ctx.mailbox)}/${path}`;
  if (page.length < rest.length) body['@odata.nextLink'] = `${base}?$skiptoken=${encode({ ...t, a: page[page.length - 1]!.key })}`;
  else body['@odata.deltaLink'] = `${base}?$deltatoken=${encode({ ...t, a: undefined })}`;
  return { status: 200, body };
}

const pad = (n: number) => String(n).padStart(15, '0');

// ---- calendarView -------------------------------------------------------------------------------

/** The rows of one event in the window: a single event, or a series with its occurrences and exceptions; none when outside. */
function eventRows(item: StoredItem, from: number, to: number): Json[] {
  const id = toGraphId(item.itemId);
  if (!item.fields.Recurrence) {
    const start = parseEwsDateTime(textOf(item.fields.Start) ?? '') ?? item.created;
    const end = parseEwsDateTime(textOf(item.fields.End) ?? '') ?? start;
    return start < to && (end > from || (start === end && start >= from)) ? [{ '@odata.type': EVENT, ...eventJson(item, id) }] : [];
  }
  const inWindow = seriesOf(item, { until: to }).filter((o) => !o.deleted && (o.moved ?? o).start < to && (o.moved ?? o).end > from);
  if (inWindow.length === 0) return [];
  return [
    { '@odata.type': EVENT, ...eventJson(item, id) },
    ...inWindow.map((o) => (o.moved
      ? { '@odata.type': EVENT, ...occurrenceJson(item, o) }
      // A plain occurrence carries only what tells it apart from its master.
      : {
        '@odata.type': EVENT, '@odata.etag': `W/"${item.changeKey}"`, id: toGraphId(occurrenceId(item.itemId, o.start)),
        type: 'occurrence', seriesMasterId: id, start: utcDateTime(o.start), end: utcDateTime(o.end),
      })),
  ];
}

/** GET /users/{id}/calendarView/delta: the default calendar in a window. */
export function calendarViewDelta(calendar: StoredFolder, q: URLSearchParams, ctx: OperationContext): Reply {
  let window: [number, number] | undefined;
  if (!q.has('$skiptoken') && !q.has('$deltatoken')) {
    const from = Date.parse(q.get('startDateTime') ?? q.get('startdatetime') ?? '');
    const to = Date.parse(q.get('endDateTime') ?? q.get('enddatetime') ?? '');
    if (Number.isNaN(from) || Number.isNaN(to)) {
      return graphError(400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
    }
    for (const p of ['$select', '$expand', '$filter', '$orderby', '$search']) {
      if (q.has(p)) return graphError(400, 'ErrorInvalidUrlQuery', `The query parameter '${p}' is not supported with change tracking over the 'CalendarView' resource.`);
    }
    window = [from, to];
  }
  const t = roundOf(q, 'cv', calendar, ctx, window);
  if ('status' in t) return t;
  const [from, to] = t.w!;
  let entries: Entry[];
  if (t.s < 0) {
    entries = ctx.store.items(ctx.mailbox, 'appointment').filter((i) => i.folderId === calendar.folderId)
      .map((i) => ({ key: `${pad(i.created)}|${i.itemId}`, rows: eventRows(i, from, to) }))
      .filter((e) => e.rows.length > 0)
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  } else {
    entries = changed(ctx, calendar, t).map(({ itemId, seq, present }) => {
      const rows = present ? eventRows(present, from, to) : [];
      // Gone, or changed outside the window: both are "removed" to this view.
      return { key: pad(seq), rows: rows.length ? rows : [removed(EVENT, toGraphId(itemId))] };
    });
  }
  return pageOf(entries, t, 'calendarView/delta', ctx);
}

// ---- To Do ----------------------------------------------------------------------------------------

/** GET /users/{id}/todo/lists/{id}/tasks/delta. */
export function tasksDelta(list: StoredFolder, q: URLSearchParams, ctx: OperationContext): Reply {
  const t = roundOf(q, 'todo', list, ctx);
  if ('status' in t) return t;
  const row = (i: StoredItem): Json => ({ '@odata.type': TASK, ...taskJson(i, toGraphId(i.itemId), ctx.mailboxZone, false) });
  const entries: Entry[] = t.s < 0
    ? ctx.store.items(ctx.mailbox, 'task').filter((i) => i.folderId === list.folderId)
      .map((i) => ({ key: `${pad(i.created)}|${i.itemId}`, rows: [row(i)] })).sort((a, b) => (a.key < b.key ? -1 : 1))
    : changed(ctx, list, t).map(({ itemId, seq, present }) => ({ key: pad(seq), rows: [present ? row(present) : removed(TASK, toGraphId(itemId))] }));
  return pageOf(entries, t, `todo/lists/${encodeURIComponent(toGraphId(list.folderId))}/tasks/delta`, ctx);
}

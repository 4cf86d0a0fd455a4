import { systemClock, type Clock } from '../../net/retry';
import type { ExchangeConnection } from '../connection/exchange-connection';
import { GraphClient } from '../graph/client';
import { graphErrorOf, responseError, type GraphResponse } from '../graph/errors';
import { GraphFolders } from '../graph/folders';
import { KEY_PROPERTY_ID } from '../graph/items';
import { restIdFromEwsId } from '../item-ids';
import type { Appointment } from '../model';
import { decodeCursor, encodeCursor, type GraphCursor } from './cursor';
import { eventZone, occurrencesOf, toNeutralEvent, toNeutralTodo } from './graph-items';
import { normalRecurrence } from './neutral';
import type { ChangeKind, ChangeReader, ChangeWindow, ExchangeChange, ReadRequest, ReadResult } from './reader';
import { WaitHints } from '../wait-hints';

/**
 * The change reader over Microsoft Graph: `calendarView/delta` on the default calendar in a
 * fixed window (30 days back to 2 years ahead, re-based daily) and To Do `tasks/delta` on the
 * list lane 1 writes to. Delta gives neither $select nor $expand, so each changed item is read
 * once more (in $batch steps of 20) for its writer key, and to tell a deletion (404) from an
 * item that left the window or changed outside it (both come as `@removed`: it exists, and is
 * reported as changed). calendarView lists occurrences; they are lifted to their series master,
 * whose deleted and moved occurrences come from its instances in the window. An idle poll is
 * one request per folder.
 *
 * Ids: the spelling lane 1's Graph transport stores (default REST ids, which
 * lib/exchange/item-ids.ts converts to EWS ids). `Prefer: IdType="ImmutableId"` would give
 * other ids for the same items than the id map holds; a regular id changes only when an item
 * moves to another folder, and an event or task that leaves its calendar or list is gone for
 * the way back anyway.
 * Sources: Graph v1.0 "event: delta" (window, @removed with reason deleted also for events
 * outside it), "todoTask: delta", "Use delta query" (410 Gone: start over), JSON batching.
 */
export interface GraphChangeReaderOptions {
  /** The Mandant's zone (SYNC_TIMEZONE): instants are written with its offset, task dates read in it. */
  timeZone: string;
  /** The To Do list lane 1 writes tasks to (empty: the default list). */
  taskList?: string;
  /** The calendar window: days back and ahead of today (default 30 and 730). */
  window?: { pastDays?: number; futureDays?: number };
  clock?: Clock;
  /** Exchange's waits, shared with lane 1's writer on the same endpoint (lib/exchange/wait-hints.ts); default: the reader's own. */
  waitHints?: WaitHints;
  /** A client to share (Exchange Online allows an app 4 requests at once per mailbox); default: its own, 2 at once. */
  client?: GraphClient;
}

const DAY = 86_400_000;
const EXPIRED_CODES = new Set(['SyncStateNotFound', 'SyncStateInvalid', 'resyncRequired']);

type Json = Record<string, unknown>;
interface Count {
  requests: number;
}
interface Page {
  changes: ExchangeChange[];
  cursor: GraphCursor;
  more: boolean;
}

/** The round's cursor is no longer valid (HTTP 410). */
class Expired extends Error {}

export class GraphChangeReader implements ChangeReader {
  readonly transport = 'graph' as const;
  readonly client: GraphClient;
  private readonly folders: GraphFolders;
  private readonly hints: WaitHints;
  private readonly clock: Clock;

  constructor(connection: ExchangeConnection, private readonly options: GraphChangeReaderOptions) {
    this.client = options.client ?? new GraphClient(connection, 2);
    this.folders = new GraphFolders(this.client, '', options.taskList ?? '');
    this.clock = options.clock ?? systemClock;
    this.hints = options.waitHints ?? new WaitHints(this.clock);
  }

  read(request: ReadRequest): Promise<ReadResult> {
    return this.hints.run(request.mailbox, () => this.readOnce(request));
  }

  async close(): Promise<void> {
    if (!this.options.client) this.client.close();
  }

  private async readOnce(req: ReadRequest): Promise<ReadResult> {
    const mailbox = req.mailbox.trim().toLowerCase();
    const n: Count = { requests: 0 };
    let cursor: GraphCursor | undefined;
    if (req.cursor !== undefined && !req.startOver) {
      const c = decodeCursor<GraphCursor>(req.cursor, 'graph', req.kind);
      if ('invalid' in c) return { status: 'expired', reason: c.invalid, requests: 0 };
      cursor = c;
    }
    try {
      const page = req.kind === 'appointment' ? await this.calendar(mailbox, req, cursor, n) : await this.tasks(mailbox, req, cursor, n);
      const baseline = !cursor && !req.startOver;
      return { status: 'changes', changes: page.changes, cursor: encodeCursor(page.cursor), more: page.more, baseline, window: page.cursor.window, requests: n.requests };
    } catch (err) {
      if (err instanceof Expired) return { status: 'expired', reason: err.message, requests: n.requests };
      throw err;
    }
  }

  // ---- calendar ------------------------------------------------------------------------------

  private windowAt(now: number): ChangeWindow {
    const today = Math.floor(now / DAY) * DAY;
    const w = this.options.window ?? {};
    const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
    return { start: iso(today - (w.pastDays ?? 30) * DAY), end: iso(today + ((w.futureDays ?? 730) + 1) * DAY) };
  }

  private async calendar(mailbox: string, req: ReadRequest, cursor: GraphCursor | undefined, n: Count): Promise<Page> {
    const now = this.clock.now();
    if (!cursor) {
      const window = this.windowAt(now);
      const first = this.firstCalendarLink(mailbox, window);
      if (!req.startOver) return { changes: [], cursor: this.calendarCursor(await this.finishRound(mailbox, first, n), window), more: false };
      const gone = await this.gone(mailbox, 'appointment', req.startOver.known, (id) => `${GraphClient.user(mailbox)}/calendar/events/${id}?$select=id`, n);
      const page = await this.calendarPage(mailbox, first, window, n);
      return { ...page, changes: [...gone, ...page.changes] };
    }
    const window = cursor.window ?? this.windowAt(now);
    const next = this.windowAt(now);
    if (!cursor.paging && next.start > window.start) {
      // A new day: a new round for the moved window. Its baseline first, then the old round to
      // its end, so nothing changed in between is missed (a change in both is read twice).
      const link = await this.finishRound(mailbox, this.firstCalendarLink(mailbox, next), n);
      const changes: ExchangeChange[] = [];
      let page: Page = { changes: [], cursor, more: true };
      while (page.more) {
        page = await this.calendarPage(mailbox, page.cursor.link, window, n);
        changes.push(...page.changes);
      }
      return { changes, cursor: this.calendarCursor(link, next), more: false };
    }
    return this.calendarPage(mailbox, cursor.link, window, n);
  }

  private firstCalendarLink(mailbox: string, w: ChangeWindow): string {
    return `${GraphClient.user(mailbox)}/calendarView/delta?startDateTime=${encodeURIComponent(w.start)}&endDateTime=${encodeURIComponent(w.end)}`;
  }

  private calendarCursor(link: string, window: ChangeWindow, paging = false): GraphCursor {
    return { v: 1, transport: 'graph', kind: 'appointment', link, window, ...(paging ? { paging } : {}) };
  }

  private async calendarPage(mailbox: string, link: string, window: ChangeWindow, n: Count): Promise<Page> {
    const body = await this.get(mailbox, link, n);
    const changes = await this.eventChanges(mailbox, (body.value as Json[] | undefined) ?? [], window, n);
    const next = body['@odata.nextLink'] as string | undefined;
    return { changes, cursor: this.calendarCursor(next ?? String(body['@odata.deltaLink'] ?? link), window, !!next), more: !!next };
  }

  /** The rows of a calendarView delta page as changes of single events and series masters. */
  private async eventChanges(mailbox: string, rows: Json[], window: ChangeWindow, n: Count): Promise<ExchangeChange[]> {
    const removed = new Set<string>();
    const ids = new Set<string>();
    for (const row of rows) {
      const id = String(row.id);
      if (row['@removed']) removed.add(id);
      // An occurrence or exception stands for its series.
      ids.add(typeof row.seriesMasterId === 'string' && row.type !== 'seriesMaster' ? row.seriesMasterId : id);
    }
    const changes: ExchangeChange[] = [];
    const masters = new Map<string, Json>();
    let todo = [...ids];
    // Twice at most: an occurrence that left the window names its master only when read.
    for (let pass = 0; pass < 2 && todo.length > 0; pass++) {
      const got = await this.batch(mailbox, todo.map((id) => this.eventUrl(mailbox, id)), n);
      const later: string[] = [];
      todo.forEach((id, i) => {
        const e = this.itemOf(got[i], id, mailbox, changes, 'appointment', removed.has(id));
        if (!e) return;
        if (e.type === 'seriesMaster') masters.set(String(e.id), e);
        else if (e.type === 'occurrence' || e.type === 'exception') {
          const master = String(e.seriesMasterId ?? '');
          if (master && !ids.has(master)) {
            ids.add(master);
            later.push(master);
          }
        } else changes.push(this.eventChange(mailbox, e));
      });
      todo = later;
    }
    if (masters.size === 0) return changes;
    const instances = await this.instances(mailbox, [...masters.keys()], window, n);
    [...masters.values()].forEach((e, i) => changes.push(this.eventChange(mailbox, e, instances[i], window)));
    return changes;
  }

  private eventUrl(mailbox: string, id: string): string {
    const expand = `singleValueExtendedProperties($filter=id eq '${KEY_PROPERTY_ID}')`;
    return `${GraphClient.user(mailbox)}/calendar/events/${encodeURIComponent(id)}?$expand=${encodeURIComponent(expand)}`;
  }

  /** Each series' instances in the window (all pages). */
  private async instances(mailbox: string, masterIds: string[], w: ChangeWindow, n: Count): Promise<Json[][]> {
    const urls = masterIds.map((id) => `${GraphClient.user(mailbox)}/events/${encodeURIComponent(id)}/instances?startDateTime=${encodeURIComponent(w.start)}`
      + `&endDateTime=${encodeURIComponent(w.end)}&$select=id,type,start,end,originalStart&$top=500`);
    const got = await this.batch(mailbox, urls, n);
    return Promise.all(got.map(async (res, i) => {
      const error = responseError(res, masterIds[i], mailbox);
      if (error) throw error;
      let body = res.body as Json;
      const all = [...((body.value as Json[] | undefined) ?? [])];
      while (typeof body['@odata.nextLink'] === 'string') {
        body = await this.get(mailbox, body['@odata.nextLink'], n);
        all.push(...((body.value as Json[] | undefined) ?? []));
      }
      return all;
    }));
  }

  private eventChange(mailbox: string, e: Json, instances?: Json[], window?: ChangeWindow): ExchangeChange {
    const read = toNeutralEvent(e, this.options.timeZone);
    const change: ExchangeChange = {
      kind: 'appointment', op: read.key ? 'updated' : 'created', mailbox, transport: 'graph', itemId: String(e.id),
      changeKey: typeof e['@odata.etag'] === 'string' ? e['@odata.etag'] : undefined, key: read.key, item: read.item,
      isOrganizer: read.isOrganizer, createdAt: read.createdAt,
    };
    const item = read.item as Appointment;
    if (item.recurrence && instances && window) {
      const occ = occurrencesOf(item.recurrence, instances, window, eventZone(e, this.options.timeZone));
      item.recurrence = normalRecurrence({ ...item.recurrence, deletedOccurrences: occ.deleted });
      change.modifiedOccurrences = occ.modified;
      change.occurrenceWindow = occ.seen;
    }
    return change;
  }

  // ---- tasks ---------------------------------------------------------------------------------

  private async tasks(mailbox: string, req: ReadRequest, cursor: GraphCursor | undefined, n: Count): Promise<Page> {
    let collection = cursor?.collection;
    if (!collection) {
      const before = this.client.requests;
      collection = await this.folders.collection(mailbox, 'task');
      n.requests += this.client.requests - before;
    }
    const make = (link: string, paging: boolean): GraphCursor => ({ v: 1, transport: 'graph', kind: 'task', link, collection, ...(paging ? { paging } : {}) });
    if (!cursor && !req.startOver) return { changes: [], cursor: make(await this.finishRound(mailbox, `${collection}/delta`, n), false), more: false };
    const gone = req.startOver ? await this.gone(mailbox, 'task', req.startOver.known, (id) => `${collection}/${id}?$select=id`, n) : [];
    const body = await this.get(mailbox, cursor?.link ?? `${collection}/delta`, n);
    const rows = (body.value as Json[] | undefined) ?? [];
    const changes: ExchangeChange[] = [...gone];
    const changed = rows.filter((r) => !r['@removed']).map((r) => String(r.id));
    for (const r of rows) if (r['@removed']) changes.push({ kind: 'task', op: 'deleted', mailbox, transport: 'graph', itemId: String(r.id) });
    const got = await this.batch(mailbox, changed.map((id) => `${collection}/${encodeURIComponent(id)}?$expand=linkedResources`), n);
    changed.forEach((id, i) => {
      const t = this.itemOf(got[i], id, mailbox, changes, 'task', false);
      if (!t) return;
      const read = toNeutralTodo(t, this.options.timeZone);
      changes.push({
        kind: 'task', op: read.key ? 'updated' : 'created', mailbox, transport: 'graph', itemId: id,
        changeKey: typeof t['@odata.etag'] === 'string' ? t['@odata.etag'] : undefined, key: read.key, item: read.item, createdAt: read.createdAt,
      });
    });
    const next = body['@odata.nextLink'] as string | undefined;
    return { changes, cursor: make(next ?? String(body['@odata.deltaLink'] ?? cursor?.link), !!next), more: !!next };
  }

  // ---- requests ------------------------------------------------------------------------------

  /** Follows a round to its delta link without reading any item (a baseline). */
  private async finishRound(mailbox: string, first: string, n: Count): Promise<string> {
    let link = first;
    for (;;) {
      const body = await this.get(mailbox, link, n);
      if (typeof body['@odata.nextLink'] === 'string') link = body['@odata.nextLink'];
      else return String(body['@odata.deltaLink']);
    }
  }

  private async get(mailbox: string, url: string, n: Count): Promise<Json> {
    // A wait the writer met meanwhile holds the rest of the read too.
    this.hints.check(mailbox);
    n.requests++;
    const res = await this.client.request(mailbox, { method: 'GET', url });
    if (res.status === 410 || EXPIRED_CODES.has(graphErrorOf(res.body).code)) {
      throw new Expired(`Exchange no longer knows the stored position (HTTP ${res.status} ${graphErrorOf(res.body).code || 'Gone'})`);
    }
    const error = responseError(res, undefined, mailbox);
    if (error) throw error;
    return (res.body ?? {}) as Json;
  }

  /** GETs as $batch steps; a throttled step fails the read (its Retry-After is honoured). */
  private async batch(mailbox: string, urls: string[], n: Count): Promise<GraphResponse[]> {
    if (urls.length === 0) return [];
    this.hints.check(mailbox);
    n.requests += Math.ceil(urls.length / 20);
    const got = await this.client.batch(mailbox, urls.map((url) => ({ method: 'GET' as const, url })));
    for (const res of got) {
      if (res.status === 429 || res.status === 503) throw responseError(res, undefined, mailbox)!;
    }
    return got;
  }

  /**
   * An item's answer: its JSON, or undefined when it is gone (a deleted change when delta said
   * it was removed; else its removal comes with a later delta) or unreadable (the change is
   * reported with the error; a passing failure fails the read).
   */
  private itemOf(res: GraphResponse, id: string, mailbox: string, changes: ExchangeChange[], kind: ChangeKind, removed: boolean): Json | undefined {
    const error = responseError(res, id, mailbox);
    if (!error) return res.body as Json;
    if (res.status === 404 || res.status === 400) {
      if (removed) changes.push({ kind, op: 'deleted', mailbox, transport: 'graph', itemId: id });
      return undefined;
    }
    if (error.retryable) throw error;
    changes.push({ kind, op: 'updated', mailbox, transport: 'graph', itemId: id, error });
    return undefined;
  }

  /**
   * Of the items the id map knows (any spelling), those no longer in the calendar or list:
   * deleted. `urlOf` gets the id URL-encoded.
   */
  private async gone(mailbox: string, kind: ChangeKind, known: string[], urlOf: (id: string) => string, n: Count): Promise<ExchangeChange[]> {
    const ids = [...new Set(known.map(restIdFromEwsId))];
    const got = await this.batch(mailbox, ids.map((id) => urlOf(encodeURIComponent(id))), n);
    const changes: ExchangeChange[] = [];
    got.forEach((res, i) => {
      const error = responseError(res, ids[i], mailbox);
      if (res.status === 404 || res.status === 400) changes.push({ kind, op: 'deleted', mailbox, transport: 'graph', itemId: ids[i] });
      else if (error?.retryable) throw error;
    });
    return changes;
  }
}

/**
 * Microsoft Graph simulator: the subset of Graph v1.0 the writer uses — calendar events (with
 * instances of series), contacts and contact folders, Microsoft To Do lists and tasks, JSON
 * $batch (at most 20 requests), $filter on singleValueExtendedProperties, $expand, paging with
 * @odata.nextLink, Graph's error bodies `{ error: { code, message } }`, 429 with Retry-After,
 * Exchange Online's 4 concurrent requests per mailbox, and app-only tokens from the AAD
 * simulator checked for audience and `roles`. It shares the MailboxStore with the EWS
 * simulator: an item written through one API is the same item through the other.
 *
 * Sources: Microsoft Graph v1.0 reference (event, contact, contactFolder, todoTaskList,
 * todoTask, "Combine multiple requests in one HTTP call using JSON batching", "Microsoft Graph
 * throttling guidance", "Outlook service limits": 4 concurrent requests per app and mailbox).
 */
import { createPublicKey, randomUUID, verify as verifySignature, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { MailboxStore, type ItemKind, type StoredFolder, type StoredItem } from '../store';
import { createTestPki } from '../tls';
import { occurrenceId, parseOccurrenceId, seriesOf } from '../ews/items';
import { formatUtc } from '../ews/timezones';
import {
  FAX_PROPERTY, GraphInputError, applyContact, applyEvent, applyTask, contactJson, eventJson, faxOf, linkedResourcesOf,
  matchesProperty, propertyIdOf, readDateTimeTimeZone, setLinkedResources, taskJson,
} from './convert';
import { close, listen } from '../net';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export interface GraphFaults {
  /** Added to every HTTP request (ms). */
  latencyMs: number;
  /** Added per request inside a $batch, or once for a single request (ms; like EWS's per item). */
  perItemLatencyMs: number;
  /** The next n (sub-)requests are answered 429 with Retry-After. */
  throttleNext: number;
  /** 0..1: chance a (sub-)request is answered 429. */
  throttleRate: number;
  /** Retry-After of a 429 (seconds; Graph sends whole seconds). */
  retryAfterSeconds: number;
  /** The next n HTTP requests are answered 503 with Retry-After. */
  unavailableNext: number;
  /** Concurrent requests per app and mailbox (Exchange Online: 4); beyond: 429 MailboxConcurrency. */
  maxConcurrentPerMailbox: number;
  /** Every connection is destroyed. */
  unreachable: boolean;
  /** The next n requests are refused with 401 although the token is valid (revoked, as after a consent change). */
  rejectTokenNext: number;
  /** Largest page whatever $top asks (server-driven paging: the client must follow @odata.nextLink). */
  maxPageSize: number;
}

export const DEFAULT_GRAPH_FAULTS: GraphFaults = {
  latencyMs: 0, perItemLatencyMs: 0, throttleNext: 0, throttleRate: 0, retryAfterSeconds: 1, unavailableNext: 0, maxConcurrentPerMailbox: 4, unreachable: false, maxPageSize: 1000, rejectTokenNext: 0,
};

export interface GraphStats {
  /** HTTP requests (a $batch counts once). */
  requests: number;
  /** Requests inside $batch calls. */
  batchedRequests: number;
  batches: number;
  /** Method + route pattern → count (sub-requests included). */
  byRoute: Record<string, number>;
  throttled: number;
  concurrencyExceeded: number;
  unavailable: number;
  rejectedAuth: number;
  /** Most requests in flight at once for one mailbox. */
  maxInFlightPerMailbox: number;
}

export interface GraphSimulatorOptions {
  store?: MailboxStore;
  mailboxes?: string[];
  /** Verifies Bearer tokens issued by the AAD simulator. */
  aadPublicKeyPem: string;
  faults?: Partial<GraphFaults>;
  /** Page size of collections without $top (Graph: 10). */
  pageSize?: number;
  /** The mailbox owners' zone, for To Do dates (default Europe/Berlin). */
  mailboxTimeZone?: string;
  port?: number;
  httpsPort?: number;
  random?: () => number;
  clock?: () => number;
}

export interface GraphSimulator {
  /** http://127.0.0.1:<port>/v1.0 */
  url: string;
  /** https://127.0.0.1:<port>/v1.0 (certificate by caPem). */
  httpsUrl: string;
  caPem: string;
  caFile: string;
  store: MailboxStore;
  faults: GraphFaults;
  stats(): GraphStats;
  resetStats(): void;
  /** Graph's id of a stored item (EWS and Graph ids differ, as in Exchange Online). */
  graphIdOf(item: StoredItem): string;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
interface Reply { status: number; body?: unknown; headers?: Record<string, string> }

const ROLE_FOR: Record<string, string> = { events: 'Calendars.ReadWrite', calendar: 'Calendars.ReadWrite', contacts: 'Contacts.ReadWrite', contactFolders: 'Contacts.ReadWrite', todo: 'Tasks.ReadWrite.All' };

const graphError = (status: number, code: string, message: string, headers?: Record<string, string>): Reply => ({
  status, headers, body: { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomRequestId() } } },
});

function randomRequestId(): string {
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, () => Math.floor(Math.random() * 16).toString(16));
}

/**
 * Store (EWS) ids are base64; Graph ids spell the same bytes URL-safe (`/` → `-`, `+` → `_`,
 * the padding kept), as Exchange Online does. Strict on purpose: an id in the EWS spelling is
 * not found here.
 */
const toGraphId = (storeId: string) => storeId.replace(/\//g, '-').replace(/\+/g, '_');
const toStoreId = (graphId: string) => (/[/+]/.test(graphId) ? '' : graphId.replace(/-/g, '/').replace(/_/g, '+'));

export async function startGraphSimulator(opts: GraphSimulatorOptions): Promise<GraphSimulator> {
  const pki = await createTestPki();
  const store = opts.store ?? new MailboxStore();
  for (const m of opts.mailboxes ?? []) store.addMailbox(m);
  const key: KeyObject = createPublicKey(opts.aadPublicKeyPem);
  const random = opts.random ?? Math.random;
  const clock = opts.clock ?? Date.now;
  const pageSize = opts.pageSize ?? 10;
  const mailboxZone = opts.mailboxTimeZone ?? 'Europe/Berlin';
  const inFlight = new Map<string, number>();
  const empty = (): GraphStats => ({
    requests: 0, batchedRequests: 0, batches: 0, byRoute: {}, throttled: 0, concurrencyExceeded: 0, unavailable: 0, rejectedAuth: 0, maxInFlightPerMailbox: 0,
  });
  let counters = empty();

  const sim: GraphSimulator = {
    url: '', httpsUrl: '', caPem: pki.caPem, caFile: pki.caFile, store,
    faults: { ...DEFAULT_GRAPH_FAULTS, ...opts.faults },
    stats: () => structuredClone(counters),
    resetStats: () => { counters = empty(); },
    graphIdOf: (item) => toGraphId(item.itemId),
    close: async () => undefined,
  };

  // ---- authentication --------------------------------------------------------------------

  function authenticate(header: string | undefined): { roles: string[] } | Reply {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    if (!token) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const parts = token.split('.');
    let claims: { aud?: string; exp?: number; roles?: string[] };
    try {
      claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      return graphError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed.');
    }
    const signed = parts.length === 3 && verifySignature('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
    if (!signed) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid signature.');
    const aud = (claims.aud ?? '').replace(/\/$/, '');
    if (aud !== GRAPH_AUDIENCE && aud !== GRAPH_APP_ID) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= clock()) return graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    return { roles: claims.roles ?? [] };
  }

  // ---- one request -------------------------------------------------------------------------

  const count = (route: string) => { counters.byRoute[route] = (counters.byRoute[route] ?? 0) + 1; };

  function throttle(): Reply | undefined {
    const f = sim.faults;
    if (f.throttleNext > 0 || (f.throttleRate > 0 && random() < f.throttleRate)) {
      if (f.throttleNext > 0) f.throttleNext--;
      counters.throttled++;
      return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': String(f.retryAfterSeconds) });
    }
    return undefined;
  }

  /** Runs one Graph request (top level or inside $batch). `path` is relative to /v1.0. */
  function run(method: string, rawUrl: string, body: unknown, roles: string[]): Reply {
    const url = new URL(rawUrl.replace(/^\/?/, '/'), 'http://graph.local');
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segs[0] !== 'users' || !segs[1]) return graphError(400, 'BadRequest', `Resource not found for the segment '${segs[0] ?? ''}'.`);
    const mailbox = segs[1];
    const resource = segs[2] ?? '';
    const role = ROLE_FOR[resource];
    if (!role) return graphError(400, 'BadRequest', `Resource not found for the segment '${resource}'.`);
    if (!roles.includes(role)) return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    if (!store.hasMailbox(mailbox)) return graphError(404, 'ErrorInvalidUser', `The requested user '${mailbox}' is invalid.`);
    const busy = throttle();
    if (busy) return busy;
    try {
      return route(method, segs.slice(2), url.searchParams, body as Json, mailbox, rawUrl);
    } catch (err) {
      if (err instanceof GraphInputError) return graphError(err.status, err.code, err.message);
      throw err;
    }
  }

  function route(method: string, s: string[], q: URLSearchParams, body: Json, mailbox: string, rawUrl: string): Reply {
    const words = new Set(['calendar', 'events', 'instances', 'contacts', 'contactFolders', 'todo', 'lists', 'tasks', 'linkedResources']);
    count(`${method} users/{id}/${s.map((x) => (words.has(x) ? x : '{id}')).join('/')}`);
    const folderOf = (distinguished: string) => store.distinguishedFolder(mailbox, distinguished)!;
    // Events: /calendar/events, /events/{id}, /events/{id}/instances, /calendar
    if (s[0] === 'calendar' && s.length === 1 && method === 'GET') {
      const cal = folderOf('calendar');
      return { status: 200, body: { id: toGraphId(cal.folderId), name: 'Calendar', canEdit: true } };
    }
    if ((s[0] === 'calendar' && s[1] === 'events' && s.length === 2) || (s[0] === 'events' && s.length === 1)) {
      const folder = folderOf('calendar');
      if (method === 'POST') return create('appointment', folder, body, mailbox);
      if (method === 'GET') return list('appointment', [folder], q, mailbox, rawUrl);
    }
    if (s[0] === 'events' || (s[0] === 'calendar' && s[1] === 'events')) {
      const rest = s[0] === 'events' ? s.slice(1) : s.slice(2);
      const id = rest[0]!;
      if (rest[1] === 'instances' && method === 'GET') return instances(mailbox, id, q);
      const occ = parseOccurrenceId(toStoreId(id));
      if (occ) {
        const master = store.item(mailbox, occ.masterId);
        if (!master) return notFound();
        if (method === 'DELETE') {
          store.updateItem(master, (i) => {
            const list = ([] as { Start: string }[]).concat(((i.fields.DeletedOccurrences as { DeletedOccurrence?: { Start: string }[] }) ?? {}).DeletedOccurrence ?? []);
            list.push({ Start: formatUtc(occ.originalStart) });
            list.sort((a, b) => Date.parse(a.Start) - Date.parse(b.Start));
            i.fields.DeletedOccurrences = { DeletedOccurrence: list };
          });
          return { status: 204 };
        }
        return graphError(400, 'ErrorInvalidRequest', 'The sandbox supports only DELETE on an occurrence.');
      }
      return itemOp('appointment', method, mailbox, id, body, q);
    }
    // Contacts: /contacts, /contacts/{id}, /contactFolders, /contactFolders/{id}/contacts[/{id}]
    if (s[0] === 'contactFolders') {
      const contacts = folderOf('contacts');
      if (s.length === 1) {
        if (method === 'GET') {
          const folders = store.folders(mailbox).filter((f) => f.parentFolderId === contacts.folderId && f.folderClass === 'IPF.Contact');
          return page(folders.filter(nameFilter(q)).map((f) => ({ id: toGraphId(f.folderId), displayName: f.displayName, parentFolderId: toGraphId(contacts.folderId) })), q, rawUrl);
        }
        if (method === 'POST') {
          const name = String(body?.displayName ?? '').trim();
          if (!name) return graphError(400, 'ErrorInvalidRequest', 'displayName is required.');
          if (store.folders(mailbox).some((f) => f.parentFolderId === contacts.folderId && f.displayName === name)) {
            return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
          }
          const f = store.createFolder(mailbox, contacts.folderId, name, 'IPF.Contact');
          return { status: 201, body: { id: toGraphId(f.folderId), displayName: f.displayName, parentFolderId: toGraphId(contacts.folderId) } };
        }
      }
      const folder = store.folder(mailbox, toStoreId(s[1]!));
      if (!folder || folder.folderClass !== 'IPF.Contact') return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (s[2] === 'contacts' && s.length === 3) {
        if (method === 'POST') return create('contact', folder, body, mailbox);
        if (method === 'GET') return list('contact', [folder], q, mailbox, rawUrl);
      }
      if (s[2] === 'contacts' && s[3]) return itemOp('contact', method, mailbox, s[3], body, q);
    }
    if (s[0] === 'contacts') {
      const folder = folderOf('contacts');
      if (s.length === 1 && method === 'POST') return create('contact', folder, body, mailbox);
      if (s.length === 1 && method === 'GET') return list('contact', [folder], q, mailbox, rawUrl);
      if (s[1]) return itemOp('contact', method, mailbox, s[1], body, q);
    }
    // To Do: /todo/lists, /todo/lists/{id}/tasks[/{id}]
    if (s[0] === 'todo' && s[1] === 'lists') {
      const tasks = folderOf('tasks');
      const lists = () => store.folders(mailbox).filter((f) => f.folderClass === 'IPF.Task');
      const listJson = (f: StoredFolder) => ({
        id: toGraphId(f.folderId), displayName: f.displayName, isOwner: true, isShared: false,
        wellknownListName: f.folderId === tasks.folderId ? 'defaultList' : 'none',
      });
      if (s.length === 2) {
        if (method === 'GET') return page(lists().filter(nameFilter(q)).map(listJson), q, rawUrl);
        if (method === 'POST') {
          const name = String(body?.displayName ?? '').trim();
          if (!name) return graphError(400, 'invalidRequest', 'displayName is required.');
          return { status: 201, body: listJson(store.createFolder(mailbox, tasks.parentFolderId, name, 'IPF.Task')) };
        }
      }
      const folder = store.folder(mailbox, toStoreId(s[2]!));
      if (!folder || folder.folderClass !== 'IPF.Task') return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (s[3] === 'tasks' && s.length === 4) {
        if (method === 'POST') return create('task', folder, body, mailbox);
        if (method === 'GET') return list('task', [folder], q, mailbox, rawUrl);
      }
      if (s[3] === 'tasks' && s[4] && s[5] === 'linkedResources' && s.length === 6 && method === 'POST') return addLinkedResource(mailbox, folder, s[4], body);
      if (s[3] === 'tasks' && s[4] && s.length === 5) return itemOp('task', method, mailbox, s[4], body, q, folder);
    }
    return graphError(400, 'BadRequest', `Unsupported request ${method} ${s.join('/')}`);
  }

  const notFound = () => graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

  function nameFilter(q: URLSearchParams): (f: StoredFolder) => boolean {
    const filter = q.get('$filter');
    if (!filter) return () => true;
    const m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter.trim());
    if (!m) throw new GraphInputError(400, 'ErrorInvalidUrlQueryFilter', `The sandbox does not support the filter ${filter}`);
    const name = m[1]!.replace(/''/g, "'");
    return (f) => f.displayName === name;
  }

  function json(kind: ItemKind, item: StoredItem, q: URLSearchParams): Json {
    const id = toGraphId(item.itemId);
    const folder = store.folder(item.mailbox, item.folderId);
    const expand = q.get('$expand') ?? '';
    let out: Json = kind === 'appointment' ? eventJson(item, id)
      : kind === 'contact' ? contactJson(item, id, toGraphId(folder?.folderId ?? ''))
        : taskJson(item, id, mailboxZone, /linkedResources/.test(expand));
    const select = q.get('$select');
    if (select) {
      // $select does not drop what $expand asked for.
      const expanded = expand.split(',').map((x) => x.split('(')[0]!.trim());
      const keep = new Set(['id', '@odata.etag', ...select.split(',').map((x) => x.trim()), ...expanded]);
      out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
    }
    const ext = /singleValueExtendedProperties\(\$filter=id eq '((?:[^']|'')*)'\)/.exec(expand);
    if (ext) {
      const pid = ext[1]!.replace(/''/g, "'");
      const found: Json[] = item.extendedProperties.filter((p) => matchesProperty(p, pid)).map((p) => ({ id: propertyIdOf(p), value: p.value }));
      if (kind === 'contact' && pid.toLowerCase() === FAX_PROPERTY.toLowerCase() && faxOf(item)) found.push({ id: FAX_PROPERTY, value: faxOf(item) });
      out.singleValueExtendedProperties = found;
    }
    return out;
  }

  function create(kind: ItemKind, folder: StoredFolder, body: Json, mailbox: string): Reply {
    const draft = { fields: {} as Record<string, unknown>, extendedProperties: [] as StoredItem['extendedProperties'] };
    if (kind === 'appointment') {
      if (!body?.start || !body?.end) return graphError(400, 'ErrorInvalidRequest', 'start and end are required.');
      applyEvent(draft, body);
      if (Date.parse(String(draft.fields.End)) < Date.parse(String(draft.fields.Start))) {
        return graphError(400, 'ErrorInvalidRequest', 'The end time must be after the start time.');
      }
    } else if (kind === 'contact') applyContact(draft, body);
    else {
      if (!body?.title) return graphError(400, 'invalidRequest', 'title is required.');
      applyTask(draft, body, clock());
    }
    const item = store.createItem(mailbox, folder.folderId, kind, draft.fields, draft.extendedProperties);
    return { status: 201, body: json(kind, item, new URLSearchParams()) };
  }

  function itemOp(kind: ItemKind, method: string, mailbox: string, id: string, body: Json, q: URLSearchParams, folder?: StoredFolder): Reply {
    const item = store.item(mailbox, toStoreId(id));
    if (!item || item.kind !== kind || (folder && item.folderId !== folder.folderId)) return notFound();
    if (method === 'GET') return { status: 200, body: json(kind, item, q) };
    if (method === 'DELETE') {
      store.deleteItem(item);
      return { status: 204 };
    }
    if (method === 'PATCH') {
      const draft = { fields: structuredClone(item.fields), extendedProperties: structuredClone(item.extendedProperties) };
      if (kind === 'appointment') applyEvent(draft, body ?? {});
      else if (kind === 'contact') applyContact(draft, body ?? {});
      else applyTask(draft, body ?? {}, clock());
      store.updateItem(item, (i) => {
        i.fields = draft.fields;
        i.extendedProperties = draft.extendedProperties;
      });
      return { status: 200, body: json(kind, item, new URLSearchParams()) };
    }
    return graphError(405, 'ErrorInvalidRequest', `${method} is not allowed here.`);
  }

  /** POST …/tasks/{id}/linkedResources: one more linkedResource on a task (201 with it). */
  function addLinkedResource(mailbox: string, folder: StoredFolder, id: string, body: Json): Reply {
    const item = store.item(mailbox, toStoreId(id));
    if (!item || item.kind !== 'task' || item.folderId !== folder.folderId) return notFound();
    if (!body?.applicationName || !body?.displayName) return graphError(400, 'invalidRequest', 'applicationName and displayName are required.');
    const added: Json = { id: randomUUID(), webUrl: null, externalId: null, ...body };
    store.updateItem(item, (i) => setLinkedResources(i, [...linkedResourcesOf(i), added]));
    return { status: 201, body: added };
  }

  function list(kind: ItemKind, folders: StoredFolder[], q: URLSearchParams, mailbox: string, rawUrl: string): Reply {
    const ids = new Set(folders.map((f) => f.folderId));
    let items = store.items(mailbox, kind).filter((i) => ids.has(i.folderId));
    const filter = q.get('$filter');
    if (filter) {
      // singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')
      const m = /^singleValueExtendedProperties\/any\((\w+):\s*\1\/id eq '((?:[^']|'')*)' and \1\/value eq '((?:[^']|'')*)'\)$/i.exec(filter.trim());
      if (!m || kind === 'task') throw new GraphInputError(400, 'ErrorInvalidUrlQueryFilter', `The sandbox does not support the filter ${filter}`);
      const pid = m[2]!.replace(/''/g, "'");
      const value = m[3]!.replace(/''/g, "'");
      items = items.filter((i) => i.extendedProperties.some((p) => matchesProperty(p, pid) && p.value === value));
    }
    return page(items.map((i) => json(kind, i, q)), q, rawUrl);
  }

  function page(all: Json[], q: URLSearchParams, rawUrl: string): Reply {
    const top = Math.min(sim.faults.maxPageSize, Number(q.get('$top') ?? pageSize) || pageSize);
    const skip = Number(q.get('$skip') ?? 0) || 0;
    const value = all.slice(skip, skip + top);
    const out: Json = { value };
    if (skip + top < all.length) {
      const next = new URL(rawUrl.replace(/^\/?/, '/'), 'http://graph.local');
      next.searchParams.set('$skip', String(skip + top));
      next.searchParams.set('$top', String(top));
      out['@odata.nextLink'] = `${sim.httpsUrl}${next.pathname}${next.search}`;
    }
    return { status: 200, body: out };
  }

  function instances(mailbox: string, id: string, q: URLSearchParams): Reply {
    const master = store.item(mailbox, toStoreId(id));
    if (!master || master.kind !== 'appointment') return notFound();
    const from = Date.parse(q.get('startDateTime') ?? '');
    const to = Date.parse(q.get('endDateTime') ?? '');
    if (Number.isNaN(from) || Number.isNaN(to)) {
      return graphError(400, 'ErrorInvalidParameter', "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
    }
    const occ = master.fields.Recurrence ? seriesOf(master, { until: to }).filter((o) => !o.deleted && o.end > from && o.start < to) : [];
    const value = occ.map((o) => eventJson(master, toGraphId(occurrenceId(master.itemId, o.start)), o))
      .map((e) => ({ ...e, seriesMasterId: id }));
    return { status: 200, body: { value } };
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  const mailboxOfUrl = (u: string) => decodeURIComponent(/\/users\/([^/?]+)/.exec(u)?.[1] ?? '').toLowerCase();

  async function handle(req: http.IncomingMessage, body: string): Promise<Reply> {
    counters.requests++;
    const f = sim.faults;
    if (f.unavailableNext > 0) {
      f.unavailableNext--;
      counters.unavailable++;
      return graphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', { 'Retry-After': String(f.retryAfterSeconds) });
    }
    if (f.rejectTokenNext > 0) {
      f.rejectTokenNext--;
      counters.rejectedAuth++;
      return graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    }
    const who = authenticate(req.headers.authorization);
    if ('status' in who) {
      counters.rejectedAuth++;
      return who;
    }
    const path = (req.url ?? '/').replace(/^\/v1\.0/, '');
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
    }
    const isBatch = req.method === 'POST' && path.split('?')[0] === '/$batch';
    const requests = isBatch ? ((parsed as { requests?: Json[] })?.requests ?? []) : [];
    if (isBatch && (requests.length === 0 || requests.length > 20)) {
      return graphError(400, 'BadRequest', 'Number of batch request steps exceeds the maximum value of 20.');
    }
    const mailboxes = new Set(isBatch ? requests.map((r) => mailboxOfUrl(String(r.url ?? ''))) : [mailboxOfUrl(path)]);
    mailboxes.delete('');
    // Exchange Online: at most 4 concurrent requests per app and mailbox.
    for (const m of mailboxes) {
      if ((inFlight.get(m) ?? 0) >= f.maxConcurrentPerMailbox) {
        counters.concurrencyExceeded++;
        counters.throttled++;
        return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': String(f.retryAfterSeconds) });
      }
    }
    for (const m of mailboxes) {
      const n = (inFlight.get(m) ?? 0) + 1;
      inFlight.set(m, n);
      counters.maxInFlightPerMailbox = Math.max(counters.maxInFlightPerMailbox, n);
    }
    try {
      // The work takes time (latency), so concurrent callers really overlap, as with Exchange.
      const delayMs = f.latencyMs + f.perItemLatencyMs * (isBatch ? requests.length : 1);
      await new Promise((r) => (delayMs > 0 ? setTimeout(r, delayMs) : setImmediate(r)));
      if (!isBatch) return run(req.method ?? 'GET', path, parsed, who.roles);
      counters.batches++;
      const responses = requests.map((r) => {
        counters.batchedRequests++;
        const reply = run(String(r.method ?? 'GET').toUpperCase(), String(r.url ?? ''), r.body, who.roles);
        return { id: String(r.id ?? ''), status: reply.status, headers: { 'Content-Type': 'application/json', ...(reply.headers ?? {}) }, body: reply.body ?? null };
      });
      // Graph returns batch responses in any order; the client matches them by id.
      return { status: 200, body: { responses: responses.reverse() } };
    } finally {
      for (const m of mailboxes) inFlight.set(m, (inFlight.get(m) ?? 1) - 1);
    }
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (sim.faults.unreachable) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (reply: Reply) => {
        const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          ...(text ? { 'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8' } : {}),
          'Content-Length': Buffer.byteLength(text), 'request-id': randomRequestId(), ...(reply.headers ?? {}),
        });
        res.end(text);
      };
      if (!(req.url ?? '').startsWith('/v1.0/')) {
        send(graphError(404, 'BadRequest', 'Invalid version.'));
        return;
      }
      handle(req, Buffer.concat(chunks).toString('utf8')).then(send, (err: unknown) => {
        send(graphError(500, 'generalException', `Simulator error: ${String(err)}`));
      });
    });
  };

  const httpServer = http.createServer(handler);
  const httpsServer = https.createServer({ cert: pki.certPem, key: pki.keyPem }, handler);
  await listen(httpServer, opts.port ?? 0);
  await listen(httpsServer, opts.httpsPort ?? 0);
  sim.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/v1.0`;
  sim.httpsUrl = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}/v1.0`;
  sim.close = async () => {
    await Promise.all([close(httpServer), close(httpsServer)]);
  };
  return sim;
}

/** Reads a dateTimeTimeZone (exported for tests that compare instants). */
export { readDateTimeTimeZone, linkedResourcesOf };



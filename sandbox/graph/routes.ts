/**
 * Which request is which: a URL below /v1.0 (a top-level request or a $batch step) to the
 * operation that answers it (operations.ts), after the checks Graph makes first — the
 * resource exists, the token's application role covers it, the mailbox exists, and the
 * request is not throttled. Every request that gets this far is counted by method and route
 * pattern (`POST users/{id}/calendar/events`), the benchmark's "Graph operations".
 * Source: Microsoft Graph v1.0 reference (the paths of event, contact, contactFolder,
 * todoTaskList, todoTask, linkedResource) and "Microsoft Graph permissions reference".
 */
import type { MailboxStore } from '../store';
import { parseOccurrenceId } from '../ews/items';
import { toStoreId } from './items';
import { calendarViewDelta, tasksDelta } from './delta';
import { requestViolation } from './metadata';
import { GraphInputError, graphError, type Json, type Paging, type Reply } from './odata';
import {
  addLinkedResource, createContactFolder, createItem, createTaskList, getCalendar, instances, itemOperation, listContactFolders, listItems,
  listTaskLists, occurrenceOperation, type OperationContext,
} from './operations';

/** The application role a resource needs (app-only tokens: `roles`). */
const ROLE_FOR: Record<string, string> = {
  events: 'Calendars.ReadWrite', calendar: 'Calendars.ReadWrite', calendarView: 'Calendars.ReadWrite', contacts: 'Contacts.ReadWrite', contactFolders: 'Contacts.ReadWrite', todo: 'Tasks.ReadWrite.All',
};

/** The words of a route pattern; every other path segment is an id (`{id}`). */
const ROUTE_WORDS = new Set(['calendar', 'calendarView', 'delta', 'events', 'instances', 'contacts', 'contactFolders', 'todo', 'lists', 'tasks', 'linkedResources']);

export interface RouteContext {
  store: MailboxStore;
  mailboxZone: string;
  clock(): number;
  /** Read per request: the largest page is a knob that changes at run time. */
  paging(): Paging;
  /** An injected 429 for this (sub-)request, or undefined. */
  throttle(): Reply | undefined;
  /** An injected answer to the DELETE of a series occurrence (503 with Retry-After), or undefined. */
  occurrenceDelete?(): Reply | undefined;
  /** Counts a request by method and route pattern. */
  count(route: string): void;
  /** Counts a request that broke Graph's v1.0 metadata (`METHOD route: message`). */
  schemaInvalid?(request: string): void;
  /** The generation of delta tokens (a test expires them all by moving it on). */
  deltaEpoch?(): number;
}

/** Runs one Graph request (top level or inside $batch). `rawUrl` is relative to /v1.0. */
export function runRequest(method: string, rawUrl: string, body: unknown, roles: string[], ctx: RouteContext): Reply {
  const url = new URL(rawUrl.replace(/^\/?/, '/'), 'http://graph.local');
  const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segs[0] !== 'users' || !segs[1]) return graphError(400, 'BadRequest', `Resource not found for the segment '${segs[0] ?? ''}'.`);
  const mailbox = segs[1];
  const resource = segs[2] ?? '';
  const role = ROLE_FOR[resource];
  if (!role) return graphError(400, 'BadRequest', `Resource not found for the segment '${resource}'.`);
  if (!roles.includes(role)) return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  if (!ctx.store.hasMailbox(mailbox)) return graphError(404, 'ErrorInvalidUser', `The requested user '${mailbox}' is invalid.`);
  const busy = ctx.throttle();
  if (busy) return busy;
  const violation = requestViolation(method, segs.slice(2), url.searchParams, body);
  if (violation) {
    ctx.schemaInvalid?.(`${method} ${url.pathname}: ${violation}`);
    return graphError(400, 'BadRequest', violation);
  }
  const op: OperationContext = { store: ctx.store, mailbox, mailboxZone: ctx.mailboxZone, paging: ctx.paging(), clock: ctx.clock, deltaEpoch: ctx.deltaEpoch?.(), occurrenceDelete: ctx.occurrenceDelete };
  try {
    ctx.count(`${method} users/{id}/${segs.slice(2).map((x) => (ROUTE_WORDS.has(x) ? x : '{id}')).join('/')}`);
    return route(method, segs.slice(2), url.searchParams, body as Json, rawUrl, op);
  } catch (err) {
    if (err instanceof GraphInputError) return graphError(err.status, err.code, err.message);
    throw err;
  }
}

/** `s`: the path below `users/{id}`. */
function route(method: string, s: string[], q: URLSearchParams, body: Json, rawUrl: string, ctx: OperationContext): Reply {
  const { store, mailbox } = ctx;
  const folderOf = (distinguished: string) => store.distinguishedFolder(mailbox, distinguished)!;
  // Events: /calendar, /calendar/events, /events, /events/{id}, /events/{id}/instances
  if (s[0] === 'calendar' && s.length === 1 && method === 'GET') return getCalendar(ctx);
  if ((s[0] === 'calendar' && s[1] === 'events' && s.length === 2) || (s[0] === 'events' && s.length === 1)) {
    const folder = folderOf('calendar');
    if (method === 'POST') return createItem('appointment', folder, body, ctx);
    if (method === 'GET') return listItems('appointment', [folder], q, rawUrl, ctx);
  }
  if (s[0] === 'events' || (s[0] === 'calendar' && s[1] === 'events')) {
    const rest = s[0] === 'events' ? s.slice(1) : s.slice(2);
    const id = rest[0]!;
    // /calendar/events/{id} names an event of the default calendar: one moved to Deleted Items is not found there.
    const scope = s[0] === 'calendar' ? folderOf('calendar') : undefined;
    if (rest[1] === 'instances' && method === 'GET') return instances(id, q, rawUrl, ctx);
    const occ = parseOccurrenceId(toStoreId(id));
    if (occ && method === 'DELETE') {
      const refused = ctx.occurrenceDelete?.();
      if (refused) return refused;
    }
    if (occ) return occurrenceOperation(method, occ, ctx, scope);
    return itemOperation('appointment', method, id, body, q, ctx, scope);
  }
  if (s[0] === 'calendarView' && s[1] === 'delta' && s.length === 2 && method === 'GET') return calendarViewDelta(folderOf('calendar'), q, ctx);
  // Contacts: /contacts, /contacts/{id}, /contactFolders, /contactFolders/{id}/contacts[/{id}]
  if (s[0] === 'contactFolders') {
    if (s.length === 1) {
      if (method === 'GET') return listContactFolders(q, rawUrl, ctx);
      if (method === 'POST') return createContactFolder(body, ctx);
    }
    const folder = store.folder(mailbox, toStoreId(s[1]!));
    if (!folder || folder.folderClass !== 'IPF.Contact') return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    if (s[2] === 'contacts' && s.length === 3) {
      if (method === 'POST') return createItem('contact', folder, body, ctx);
      if (method === 'GET') return listItems('contact', [folder], q, rawUrl, ctx);
    }
    if (s[2] === 'contacts' && s[3]) return itemOperation('contact', method, s[3], body, q, ctx);
  }
  if (s[0] === 'contacts') {
    const folder = folderOf('contacts');
    if (s.length === 1 && method === 'POST') return createItem('contact', folder, body, ctx);
    if (s.length === 1 && method === 'GET') return listItems('contact', [folder], q, rawUrl, ctx);
    if (s[1]) return itemOperation('contact', method, s[1], body, q, ctx);
  }
  // To Do: /todo/lists, /todo/lists/{id}/tasks[/{id}], /todo/lists/{id}/tasks/{id}/linkedResources
  if (s[0] === 'todo' && s[1] === 'lists') {
    if (s.length === 2) {
      if (method === 'GET') return listTaskLists(q, rawUrl, ctx);
      if (method === 'POST') return createTaskList(body, ctx);
    }
    const folder = store.folder(mailbox, toStoreId(s[2]!));
    if (!folder || folder.folderClass !== 'IPF.Task') return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    if (s[3] === 'tasks' && s.length === 4) {
      if (method === 'POST') return createItem('task', folder, body, ctx);
      if (method === 'GET') return listItems('task', [folder], q, rawUrl, ctx);
    }
    if (s[3] === 'tasks' && s[4] === 'delta' && s.length === 5 && method === 'GET') return tasksDelta(folder, q, ctx);
    if (s[3] === 'tasks' && s[4] && s[5] === 'linkedResources' && s.length === 6 && method === 'POST') return addLinkedResource(folder, s[4], body, ctx);
    if (s[3] === 'tasks' && s[4] && s.length === 5) return itemOperation('task', method, s[4], body, q, ctx, folder);
  }
  return graphError(400, 'BadRequest', `Unsupported request ${method} ${s.join('/')}`);
}

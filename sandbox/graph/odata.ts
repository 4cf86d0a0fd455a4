/**
 * Graph's wire format around the JSON: the reply to one request (top level or a $batch step),
 * Graph's error body `{ error: { code, message, innerError } }` with a request id, and
 * server-driven paging with @odata.nextLink. Sources: Microsoft Graph "Error responses and
 * resource types", "Paging Microsoft Graph data in your app".
 */

export type Json = Record<string, unknown>;

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request Graph refuses for what it asks (a bad filter, a missing field): becomes an error reply. */
export class GraphInputError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function randomRequestId(): string {
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, () => Math.floor(Math.random() * 16).toString(16));
}

export const graphError = (status: number, code: string, message: string, headers?: Record<string, string>): Reply => ({
  status, headers, body: { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomRequestId() } } },
});

export const notFound = () => graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

/** How a collection is paged; read per request, as the benchmark and tests change the largest page at run time. */
export interface Paging {
  /** Page size of collections without $top (Graph: 10). */
  pageSize: number;
  /** Largest page whatever $top asks (the client must follow @odata.nextLink). */
  maxPageSize: number;
  /** https://127.0.0.1:<port>/v1.0: where @odata.nextLink points. */
  baseUrl: string;
}

/** One page of a collection; @odata.nextLink (the request's own URL with $skip and $top) while more follow. */
export function page(all: Json[], q: URLSearchParams, rawUrl: string, paging: Paging): Reply {
  const { pageSize } = paging;
  const top = Math.min(paging.maxPageSize, Number(q.get('$top') ?? pageSize) || pageSize);
  const skip = Number(q.get('$skip') ?? 0) || 0;
  const value = all.slice(skip, skip + top);
  const out: Json = { value };
  if (skip + top < all.length) {
    const next = new URL(rawUrl.replace(/^\/?/, '/'), 'http://graph.local');
    next.searchParams.set('$skip', String(skip + top));
    next.searchParams.set('$top', String(top));
    out['@odata.nextLink'] = `${paging.baseUrl}${next.pathname}${next.search}`;
  }
  return { status: 200, body: out };
}

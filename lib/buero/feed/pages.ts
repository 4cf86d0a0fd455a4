import { conReadPage, type Filter, type Page, pageOf } from '../graphql';
import type { FeedClient } from './tables';

/**
 * Reading a büro+ table page by page through `conRead` (a Relay connection): the one paging
 * loop of the change feed. Every read of it (changed rows, key-only id reads, the baseline,
 * the backfill, the rows of an address) goes through `conReadPages`.
 */
export interface PagedRead {
  table: string;
  fields: string[];
  /** Rows per page (`first`). */
  pageSize: number;
  /**
   * The fastFilter, the same for every page: a Relay cursor (`after`) belongs to the filter it
   * came from, so a read that narrows its filter starts a new read (see `FeedReader.readChanged`).
   */
  filter?: Filter;
}

/** The query text of one page; the table's name is its alias (so several tables fit in one request). */
export function pageQuery(read: PagedRead, after: string | null = null): string {
  return conReadPage({ alias: read.table, table: read.table, fields: read.fields, first: read.pageSize, after, filter: read.filter });
}

/** One page, on its own request. */
export async function readPage(client: FeedClient, read: PagedRead, after: string | null = null): Promise<Page> {
  const data = await client.query<Record<string, unknown>>(`{ ${pageQuery(read, after)} }`);
  return pageOf(data, read.table);
}

/**
 * The pages of one read, first to last. A page is requested only when the consumer asks for
 * it. `answered`: a response that already holds the first page (a request that read several
 * tables' first pages at once, see `pageQuery`).
 */
export async function* conReadPages(client: FeedClient, read: PagedRead, answered?: Record<string, unknown>): AsyncGenerator<Page> {
  let page = answered ? pageOf(answered, read.table) : await readPage(client, read);
  yield page;
  while (page.hasNextPage && page.endCursor) {
    page = await readPage(client, read, page.endCursor);
    yield page;
  }
}

/** Every row of a read. */
export async function allRows(client: FeedClient, read: PagedRead): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const page of conReadPages(client, read)) rows.push(...page.rows);
  return rows;
}

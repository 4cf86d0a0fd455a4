import type { ChangeKind, ChangeTransport, ChangeWindow } from './reader';

/**
 * The cursor a change reader hands out: plain JSON, opaque to everyone else. It names its
 * transport and kind, so a cursor of the other transport (the connection was switched from
 * EWS to Graph) or of another folder is refused like an expired one: the caller starts over.
 */
export interface EwsCursor {
  v: 1;
  transport: 'ews';
  kind: ChangeKind;
  /** EWS SyncState (base64); '' before the first page of a full round. */
  state: string;
}

export interface GraphCursor {
  v: 1;
  transport: 'graph';
  kind: ChangeKind;
  /** @odata.deltaLink (a round is complete) or @odata.nextLink (`paging`: in the middle of one). */
  link: string;
  paging?: boolean;
  /** Calendar: the window of the round. */
  window?: ChangeWindow;
  /** Tasks: the To Do list's tasks (`/users/…/todo/lists/{id}/tasks`), so a poll needs no lookup. */
  collection?: string;
}

export type Cursor = EwsCursor | GraphCursor;

export function encodeCursor(cursor: Cursor): string {
  return JSON.stringify(cursor);
}

/** The cursor, or why it cannot be used. */
export function decodeCursor<T extends Cursor>(text: string, transport: ChangeTransport, kind: ChangeKind): T | { invalid: string } {
  let c: Partial<Cursor>;
  try {
    c = JSON.parse(text) as Partial<Cursor>;
  } catch {
    return { invalid: 'the stored position is unreadable' };
  }
  if (c?.v !== 1) return { invalid: 'the stored position is of another version' };
  if (c.transport !== transport) return { invalid: `the stored position was read through ${String(c.transport).toUpperCase()}, the connection now uses ${transport.toUpperCase()}` };
  if (c.kind !== kind) return { invalid: `the stored position belongs to the ${String(c.kind)} folder` };
  return c as T;
}

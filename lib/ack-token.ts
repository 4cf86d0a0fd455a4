/**
 * The acknowledgement token between nodes: how the change source learns that a change was
 * handed on safely, so it commits its büro+ position only then (nothing lost across crashes).
 * This is the protocol on the wire (`msg.ack`); the change source's book of what is still
 * waiting is its ledger (lib/buero/feed/ack-ledger.ts).
 *
 * Each message from `buero-changes` carries `msg.ack` (an AckToken). Whoever takes durable
 * responsibility for it acknowledges it with `ack(msg.ack)`: the Exchange writer once the
 * item is in its durable queue; the mapper for a change that maps to no mailbox. A mapper
 * that turns one change into N messages gives each a token from `split(token, N)`; the
 * source counts the parts. A custom flow that drops a change on purpose sends
 * `{ command: "ack", ack: msg.ack }` into `buero-changes`, which calls `ack` itself.
 * Unacknowledged changes are emitted again after a restart: that is what makes a crash safe.
 *
 * All büro+ nodes run in one Node-RED process, so an in-process registry is enough.
 */
export interface AckToken {
  /** Node id of the change source that emitted the change. */
  source: string;
  /** Sequence number of the change within that source. */
  seq: number;
  /** Into how many parts the change was split; the source needs this many acks. */
  parts: number;
}

type AckListener = (token: AckToken) => void;
/** Takes several tokens at once (the change source commits them in one transaction). */
type AckManyListener = (tokens: AckToken[]) => void;

const listeners = new Map<string, { one: AckListener; many?: AckManyListener }>();

/** The change source registers here for its own tokens. */
export function onAck(source: string, listener: AckListener, many?: AckManyListener): void {
  listeners.set(source, { one: listener, many });
}

export function offAck(source: string): void {
  listeners.delete(source);
}

export function isAckToken(value: unknown): value is AckToken {
  if (!value || typeof value !== 'object') return false;
  const t = value as Record<string, unknown>;
  return typeof t.source === 'string' && Number.isInteger(t.seq) && Number.isInteger(t.parts) && (t.parts as number) > 0;
}

/** Acknowledges one part of a change. Unknown or missing tokens are ignored. */
export function ack(token: unknown): void {
  if (!isAckToken(token)) return;
  listeners.get(token.source)?.one(token);
}

/**
 * Acknowledges several parts at once, e.g. all messages a writer took in one transaction: a
 * source that takes them together commits them with one disk sync instead of one each.
 */
export function ackAll(tokens: unknown[]): void {
  const bySource = new Map<string, AckToken[]>();
  for (const token of tokens) {
    if (!isAckToken(token)) continue;
    const list = bySource.get(token.source);
    if (list) list.push(token);
    else bySource.set(token.source, [token]);
  }
  for (const [source, list] of bySource) {
    const listener = listeners.get(source);
    if (!listener) continue;
    if (listener.many) listener.many(list);
    else for (const token of list) listener.one(token);
  }
}

/**
 * Splits a token into `n` tokens for `n` messages made from one change. With n = 0 the
 * change maps to nothing and is acknowledged at once.
 */
export function split(token: unknown, n: number): AckToken[] {
  if (!isAckToken(token)) return [];
  if (n === 0) {
    ack(token);
    return [];
  }
  return Array.from({ length: n }, () => ({ source: token.source, seq: token.seq, parts: token.parts * n }));
}

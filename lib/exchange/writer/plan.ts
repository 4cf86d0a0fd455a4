/**
 * What to do next for one key, decided from what the caller read: its queued changes, its id
 * map entry and whether an earlier create's fate is unknown (the pending mark). Pure: no
 * state and no I/O here, so the rules read (and test) as a table; the writer reads SQLite and
 * applies the answer.
 */
import type { IdMapEntry } from '../../state/id-map';
import { changedFields, fieldHashes, type FieldHashes } from '../content';
import type { ItemKind, WriterMessage } from '../model';
import type { WriteActionTaken } from './api';

/** A queued change as the writer keeps it: its queue row id and the message (not its JSON: memory). */
export interface Change {
  id: number;
  message: WriterMessage;
}

export type Stage = 'find' | 'create' | 'update' | 'delete' | 'refresh';

/** A request to send for a key. */
export interface Step {
  stage: Stage;
  change: Change;
  kind: ItemKind;
  hashes?: FieldHashes;
  entry?: IdMapEntry;
  fields?: string[];
  /** How many of the key's changes this step settles (more may arrive while it is in flight). */
  count: number;
}

/** Nothing to send: the key's changes are done at once. */
export interface SettleNow {
  settle: Extract<WriteActionTaken, 'deleted' | 'skipped' | 'unchanged'>;
  itemId?: string;
  count: number;
  /** Unchanged content under a newer version: the id map entry moves to this version. */
  version?: string;
}

export interface KeyFacts {
  changes: Change[];
  /** The id map entry, whichever transport wrote it. */
  entry?: IdMapEntry;
  /** An earlier create was sent and its fate is unknown. */
  pending: boolean;
  /** The transport in use (`ews`, `graph`): an id the other one stored cannot be used here. */
  transport: string;
  /** The last update met a conflict: re-read the ChangeKey first. */
  needsRefresh: boolean;
}

export function nextStep(k: KeyFacts): Step | SettleNow {
  const change = latest(k.changes);
  const count = k.changes.length;
  const msg = change.message;
  const kind = msg.kind;
  const entry = k.entry;
  const knownHere = entry && entry.transport === k.transport ? entry : undefined;

  // Unknown fate of an earlier create, or an id of another transport: look it up first.
  if (k.pending || (entry && !knownHere)) return { stage: 'find', change, kind, entry, count };

  if (msg.action === 'delete') {
    if (!knownHere) return { settle: 'deleted', count };
    return { stage: 'delete', change, kind, entry: knownHere, count };
  }

  const hashes = hashesOf(msg.item as object);
  if (!knownHere) return { stage: 'create', change, kind, hashes, count };

  if (isOlder(msg.version, knownHere.version)) return { settle: 'skipped', itemId: knownHere.itemId, count };
  const keep = new Set(msg.keep ?? []);
  const fields = changedFields(knownHere.fields, hashes).filter((f) => !keep.has(f));
  if (fields.length === 0) {
    const version = msg.version && msg.version !== knownHere.version ? msg.version : undefined;
    return { settle: 'unchanged', itemId: knownHere.itemId, count, version };
  }
  const stage = k.needsRefresh ? 'refresh' : 'update';
  return { stage, change, kind, hashes, entry: knownHere, fields, count };
}

/**
 * An item's field hashes, computed once per item object: the messages of one change for several
 * mailboxes share their item (the writer only reads items), so 22 keys hash it once.
 */
const hashed = new WeakMap<object, FieldHashes>();
function hashesOf(item: object): FieldHashes {
  let hashes = hashed.get(item);
  if (!hashes) hashed.set(item, (hashes = fieldHashes(item)));
  return hashes;
}

/** The change that wins: the newest version (the later of equals). */
function latest(changes: Change[]): Change {
  let best = changes[0];
  for (const c of changes.slice(1)) if (!isOlder(c.message.version, best.message.version)) best = c;
  return best;
}

/** True when version `a` is known to be older than `b` (both büro+ LSNs, decimal). */
export function isOlder(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

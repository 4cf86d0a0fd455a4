import crypto from 'node:crypto';
import type { ItemKind } from './model';

/**
 * Content fingerprints of a neutral item: one hash per top-level field, and one for the whole.
 * The id map keeps them, so an upsert whose content did not change sends nothing, and an
 * update sends only the fields whose hash changed.
 */
export type FieldHashes = Record<string, string>;

/** JSON with object keys sorted and `undefined` left out, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  // Plain loops and one string: this runs for every field of every planned item.
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  out = '{';
  for (const k of keys) {
    if (obj[k] === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + canonicalJson(obj[k]);
  }
  return `${out}}`;
}

/**
 * One-shot SHA-256 (`crypto.hash`, Node ≥ 20.12): no Hash object per call. With a hash per
 * field of every planned item those objects were a good part of the writer's garbage
 * (bench/README.md). Older Node 20 makes the Hash object.
 */
const oneShot = typeof crypto.hash === 'function';

function sha256(text: string): string {
  return oneShot ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

/** The first 16 bytes of SHA-256 as hex, a string of its own (a slice would keep the full hex alive). */
function sha256Prefix(text: string): string {
  const digest = oneShot ? (crypto.hash('sha256', text, 'buffer') as unknown as Buffer) : crypto.createHash('sha256').update(text).digest();
  return digest.toString('hex', 0, 16);
}

/** One hash per field that is present (`null` counts as present: it means "none"). */
export function fieldHashes(item: object): FieldHashes {
  const out: FieldHashes = {};
  const obj = item as Record<string, unknown>;
  for (const name of Object.keys(obj).sort()) {
    if (obj[name] === undefined) continue;
    out[name] = sha256Prefix(canonicalJson(obj[name]));
  }
  return out;
}

/** The hash of a whole item, from its field hashes. */
export function contentHash(kind: ItemKind, hashes: FieldHashes): string {
  return sha256(`${kind}\n${canonicalJson(hashes)}`);
}

/** Fields whose hash differs, including fields that were there before and are gone now. */
export function changedFields(before: FieldHashes, after: FieldHashes): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}

/**
 * What Exchange holds after an update that wrote `written` fields: the new hashes for those,
 * the old ones for the rest (fields in `keep` keep what Exchange has).
 */
export function mergeHashes(before: FieldHashes, after: FieldHashes, written: readonly string[]): FieldHashes {
  const out: FieldHashes = { ...before };
  for (const name of written) {
    if (after[name] === undefined) delete out[name];
    else out[name] = after[name];
  }
  return out;
}

/**
 * What the log sink accepts, each turned into a SyncEvent:
 *  (a) `{ topic: 'buero-sync/event', payload: SyncEvent }` from the "events" outputs of
 *      buero-changes, buero-map and buero-exchange-writer;
 *  (b) the writer's result messages `{ topic: 'exchange/<action>', payload: { action, kind,
 *      mailbox, key, version, itemId, durationMs } }` → transfer;
 *  (c) Catch-node messages (`msg.error`) → error;
 *  (d) Status-node messages (`msg.status`) → an info line about the node's status.
 * Anything else is ignored (the sink notes it at debug level).
 */
import { NodeCode } from '../error-codes';
import { EVENT_TOPIC, type InfoParams, type SyncEvent } from './events';
import { STATUS_CODE } from './format';

type Transfer = Extract<SyncEvent, { type: 'transfer' }>;
type ErrorEvent = Extract<SyncEvent, { type: 'error' }>;

export type Classified =
  | { kind: 'event' | 'transfer' | 'catch'; event: SyncEvent }
  /** sourceId: the node whose status it is (the sink logs a status only when it changed). */
  | { kind: 'status'; event: SyncEvent; sourceId: string; fill: string }
  | { kind: 'ignored'; why: string };

const SYSTEMS = ['buero', 'exchange'];
const KINDS: readonly string[] = ['appointment', 'task', 'contact'] satisfies Transfer['kind'][];
const ACTIONS: readonly string[] = [
  'created',
  'updated',
  'unchanged',
  'deleted',
  'recreated',
  'skipped',
] satisfies Transfer['action'][];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** An info event's values: only strings and finite numbers are kept (they go into a log line). */
function infoParams(v: unknown): { params?: InfoParams } {
  if (!isObj(v)) return {};
  const params: InfoParams = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x))) params[k] = x;
  }
  return { params };
}

/** The event's own time when it is a valid instant, else now. */
function timeOf(v: unknown, now: Date): string {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : now.toISOString();
}

/** `"Exchange writer" (buero-exchange-writer)`, or `buero-exchange-writer 4f2a…` without a name. */
export function nodeLabel(source: unknown): string | undefined {
  if (!isObj(source)) return undefined;
  const type = str(source.type) ?? 'node';
  const name = str(source.name);
  if (name) return `"${name}" (${type})`;
  const id = str(source.id);
  return id ? `${type} ${id}` : type;
}

export function classify(msg: unknown, now: Date): Classified {
  if (!isObj(msg)) return { kind: 'ignored', why: 'not a message object' };
  const topic = typeof msg.topic === 'string' ? msg.topic : '';

  // A Catch message is a copy of the failed message plus `error`, so it keeps that message's
  // topic: the error decides first.
  if (isObj(msg.error) && (isObj(msg.error.source) || typeof msg.error.message === 'string')) {
    return { kind: 'catch', event: fromCaught(msg.error, now) };
  }
  if (isObj(msg.status) && isObj(msg.status.source)) {
    const status = msg.status;
    const source = status.source as Obj;
    return {
      kind: 'status',
      sourceId: str(source.id) ?? '',
      fill: str(status.fill) ?? '',
      event: {
        type: 'info',
        code: STATUS_CODE,
        text: str(status.text) ?? '',
        source: nodeLabel(source),
        ...(status.fill === 'red' || status.fill === 'yellow' ? { level: 'warn' as const } : {}),
        time: now.toISOString(),
      },
    };
  }
  if (topic === EVENT_TOPIC) {
    const event = toSyncEvent(msg.payload, now);
    return event ? { kind: 'event', event } : { kind: 'ignored', why: `${EVENT_TOPIC} without a known event type` };
  }
  if (topic.startsWith('exchange/') && isObj(msg.payload)) {
    const event = toTransfer(msg.payload, now);
    if (event) return { kind: 'transfer', event };
    return { kind: 'ignored', why: `"${topic}" without action, kind, mailbox and key` };
  }
  return { kind: 'ignored', why: topic ? `unknown topic "${topic}"` : 'no topic, error or status' };
}

/** A SyncEvent as sent by the engine; lenient with missing texts, strict with the type. */
export function toSyncEvent(p: unknown, now: Date): SyncEvent | undefined {
  if (!isObj(p)) return undefined;
  const time = timeOf(p.time, now);
  const opt = (k: string) => (str(p[k]) !== undefined ? { [k]: str(p[k]) } : {});
  switch (p.type) {
    case 'connection':
      if (!SYSTEMS.includes(p.system as string)) return undefined;
      return {
        type: 'connection',
        system: p.system as 'buero' | 'exchange',
        ok: p.ok === true,
        endpoint: str(p.endpoint) ?? '',
        ...opt('mailbox'),
        ...opt('reason'),
        ...opt('code'),
        time,
      };
    case 'outage':
      if (!SYSTEMS.includes(p.system as string) || (p.phase !== 'begin' && p.phase !== 'end')) return undefined;
      return {
        type: 'outage',
        system: p.system as 'buero' | 'exchange',
        phase: p.phase,
        endpoint: str(p.endpoint) ?? '',
        ...opt('mailbox'),
        ...opt('reason'),
        ...opt('code'),
        ...opt('since'),
        time,
      };
    case 'transfer':
      return toTransfer(p, now);
    case 'error':
      return {
        type: 'error',
        code: str(p.code) || NodeCode.error,
        ...opt('record'),
        ...opt('field'),
        reason: str(p.reason) ?? '',
        ...opt('source'),
        time,
      };
    case 'info':
      return {
        type: 'info',
        code: str(p.code) ?? 'info',
        ...infoParams(p.params),
        ...opt('text'),
        ...opt('source'),
        ...(p.level === 'warn' || p.level === 'info' ? { level: p.level } : {}),
        time,
      };
    default:
      return undefined;
  }
}

function toTransfer(p: Obj, now: Date): Transfer | undefined {
  if (!ACTIONS.includes(p.action as string) || !KINDS.includes(p.kind as string)) return undefined;
  const mailbox = str(p.mailbox);
  const key = str(p.key);
  if (!mailbox || !key) return undefined;
  return {
    type: 'transfer',
    action: p.action as Transfer['action'],
    kind: p.kind as Transfer['kind'],
    mailbox,
    key,
    ...(str(p.version) !== undefined ? { version: str(p.version) } : {}),
    ...(str(p.itemId) !== undefined ? { itemId: str(p.itemId) } : {}),
    ...(typeof p.durationMs === 'number' && Number.isFinite(p.durationMs) ? { durationMs: p.durationMs } : {}),
    time: timeOf(p.time, now),
  };
}

/**
 * The error of a Catch-node message. Node-RED puts `error.message` (the thrown value's
 * toString(), so `SyncError: text` for an Error), `error.source` and — only when they are
 * own properties of the Error — `code`, `stack` and `cause` there (Flow.handleError in
 * @node-red/runtime 4). `record` and `field` do not survive, so they are also read from the
 * text when it carries them as `[record: …]` / `[field: …]` tags; a leading `[CODE]` gives
 * the code. A function node reports a thrown non-Error object as its JSON text: parsed too.
 */
export function fromCaught(error: Obj, now: Date): ErrorEvent {
  let text = str(error.message) ?? '';
  let code = str(error.code);
  let record = str(error.record);
  let field = str(error.field);

  const json = parseJsonObject(text);
  if (json) {
    code ??= str(json.code) ?? str(json.ErrorCode) ?? str(json.errorCode);
    record ??= str(json.record);
    field ??= str(json.field);
    text = str(json.message) ?? str(json.Message) ?? str(json.reason) ?? text;
  }

  text = text.replace(/^\s*(?:[A-Z][A-Za-z0-9]*)?Error:\s*/, '');
  const codeTag = /^\[([A-Za-z0-9_.:-]+)\]\s*/.exec(text);
  if (codeTag) {
    code ??= codeTag[1];
    text = text.slice(codeTag[0].length);
  }
  const take = (tag: string): string | undefined => {
    const re = new RegExp(`\\s*\\[${tag}:\\s*([^\\]]*)\\]`);
    const m = re.exec(text);
    if (!m) return undefined;
    text = text.slice(0, m.index) + text.slice(m.index + m[0].length);
    return m[1].trim() || undefined;
  };
  const taggedRecord = take('record');
  const taggedField = take('field');
  record ??= taggedRecord;
  field ??= taggedField;

  const source = nodeLabel(error.source);
  return {
    type: 'error',
    code: code || NodeCode.error,
    ...(record ? { record } : {}),
    ...(field ? { field } : {}),
    reason: text.trim(),
    ...(source ? { source } : {}),
    time: now.toISOString(),
  };
}

/**
 * The text form of an error that this parser reads back whole:
 * `SyncError: [CODE] message [record: …] [field: …]`. Node-RED hands a Catch node only
 * `err.toString()` and `err.code`, so an error type whose toString() returns this keeps its
 * record and field on the way to the log (see fromCaught).
 */
export { catchText } from '../errors';

function parseJsonObject(text: string): Obj | undefined {
  const t = text.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

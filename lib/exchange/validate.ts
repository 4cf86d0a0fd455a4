import { WriterCode } from '../error-codes';
import { SyncError } from '../errors';
import type { ItemKind, WriterMessage } from './model';

/**
 * Checks a writer message (`msg.payload` of `buero-exchange-writer`) against the contract in
 * model.ts before anything is queued, so a bad message is rejected at once with an error that
 * names the record (the writer key) and the field, and nothing half-valid reaches Exchange.
 */

const KINDS: readonly ItemKind[] = ['appointment', 'task', 'contact'];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const PATTERNS = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'] as const;
const INDEXES = ['first', 'second', 'third', 'fourth', 'last'] as const;

/** The fields of each kind, in the order the help lists them; `keep` may name only these. */
export const ITEM_FIELDS: Record<ItemKind, readonly string[]> = {
  appointment: [
    'subject', 'body', 'start', 'end', 'timeZone', 'isAllDay', 'location', 'reminderMinutes',
    'categories', 'freeBusy', 'sensitivity', 'recurrence',
  ],
  task: [
    'subject', 'body', 'startDate', 'dueDate', 'timeZone', 'complete', 'percentComplete', 'importance',
    'reminder', 'categories',
  ],
  contact: [
    'title', 'givenName', 'surname', 'displayName', 'companyName', 'department', 'jobTitle', 'emailAddresses',
    'businessPhone', 'mobilePhone', 'homePhone', 'businessFax', 'businessAddress', 'notes', 'categories',
  ],
};

// ISO 8601 instant with an explicit offset or Z: an instant, never a wall-clock time.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Deliberately loose: Exchange decides what a valid SMTP address is; this catches mix-ups
// such as a user name or an empty field.
const SMTP = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

class Check {
  constructor(readonly record: string) {}

  fail(field: string, problem: string): never {
    throw new SyncError(WriterCode.messageInvalid, `${this.record}: ${field} ${problem}`, { record: this.record, field });
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (!value || typeof value !== 'object' || Array.isArray(value)) this.fail(field, 'must be an object');
    return value as Record<string, unknown>;
  }

  string(value: unknown, field: string, opts: { empty?: boolean } = {}): string {
    if (typeof value !== 'string') this.fail(field, `must be text, not ${describe(value)}`);
    if (!opts.empty && value.trim() === '') this.fail(field, 'must not be empty');
    return value;
  }

  optionalString(obj: Record<string, unknown>, name: string, prefix: string): void {
    if (obj[name] !== undefined) this.string(obj[name], `${prefix}.${name}`, { empty: true });
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, not ${describe(value)}`);
    return value;
  }

  integer(value: unknown, field: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(field, `must be a whole number from ${min} to ${max}, not ${describe(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(field, `must be one of ${allowed.join(', ')}, not ${describe(value)}`);
    }
    return value as T;
  }

  instant(value: unknown, field: string): number {
    const text = this.string(value, field);
    const ms = Date.parse(text);
    if (!INSTANT.test(text) || Number.isNaN(ms)) {
      this.fail(field, `must be an ISO 8601 instant with offset, e.g. 2026-03-29T09:00:00+02:00, not "${text}"`);
    }
    return ms;
  }

  date(value: unknown, field: string): string {
    const text = this.string(value, field);
    const m = DATE.exec(text);
    const valid = m && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
    if (!valid) this.fail(field, `must be a date YYYY-MM-DD, not "${text}"`);
    return text;
  }

  timeZone(value: unknown, field: string): string {
    const zone = this.string(value, field);
    if (!isIanaZone(zone)) this.fail(field, `must be an IANA time zone such as Europe/Berlin, not "${zone}"`);
    return zone;
  }

  strings(value: unknown, field: string, max = Infinity): string[] {
    if (!Array.isArray(value)) this.fail(field, 'must be a list of texts');
    if (value.length > max) this.fail(field, `may hold at most ${max} entries, not ${value.length}`);
    value.forEach((v, i) => this.string(v, `${field}[${i}]`));
    return value as string[];
  }

  body(value: unknown, field: string): void {
    const body = this.object(value, field);
    this.oneOf(body.format, `${field}.format`, ['html', 'text'] as const);
    this.string(body.content, `${field}.content`, { empty: true });
    this.noOthers(body, ['format', 'content'], field);
  }

  noOthers(obj: Record<string, unknown>, known: readonly string[], prefix: string, kind?: string): void {
    for (const name of Object.keys(obj)) {
      if (!known.includes(name) && obj[name] !== undefined) {
        this.fail(`${prefix}.${name}`, `is not a field of ${kind ? `a ${kind}` : prefix}`);
      }
    }
  }
}

/**
 * Validates a message and returns it typed. Accepts `version` as a number too (the LSN is a
 * büro+ BigInt) and normalises it to a decimal string. `checkedItem`: an upsert's item, checked
 * before (the writer reading back a row whose item it read already); the payload then has none.
 */
export function validateWriterMessage(payload: unknown, checkedItem?: WriterMessage['item']): WriterMessage {
  const head = payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  const key = head && typeof head.key === 'string' && head.key.trim() ? head.key : undefined;
  const c = new Check(key ?? '(message without key)');
  const msg = c.object(payload, 'payload');
  checkKey(c, msg.key, 'key');
  const action = c.oneOf(msg.action, 'action', ['upsert', 'delete'] as const);
  const kind = c.oneOf(msg.kind, 'kind', KINDS);
  const mailbox = checkMailbox(c, msg.mailbox, 'mailbox');

  let version: string | undefined;
  if (msg.version !== undefined && msg.version !== null) {
    if (typeof msg.version === 'number' && Number.isInteger(msg.version)) version = String(msg.version);
    else if (typeof msg.version === 'bigint') version = msg.version.toString();
    else version = c.string(msg.version, 'version');
  }

  let keep: string[] | undefined;
  if (msg.keep !== undefined) {
    keep = c.strings(msg.keep, 'keep');
    keep.forEach((f, i) => c.oneOf(f, `keep[${i}]`, ITEM_FIELDS[kind]));
  }

  const out: WriterMessage = { action, kind, mailbox, key: msg.key as string };
  if (version !== undefined) out.version = version;
  if (keep) out.keep = keep;
  if (msg.more !== undefined && c.boolean(msg.more, 'more')) out.more = true;
  if (action === 'upsert' && checkedItem) {
    out.item = checkedItem;
  } else if (action === 'upsert') {
    const item = c.object(msg.item, 'item');
    if (kind === 'appointment') checkAppointment(c, item);
    else if (kind === 'task') checkTask(c, item);
    else checkContact(c, item);
    c.noOthers(item, ITEM_FIELDS[kind], 'item', kind);
    out.item = item as unknown as WriterMessage['item'];
  }
  return out;
}

/** Targets of one message at most (a mailbox per büro+ user and listed mailbox is far fewer). */
const MAX_TARGETS = 10_000;

/**
 * Validates what the writer takes (`msg.payload`): a message for one mailbox (`mailbox`, `key`)
 * or for several (`targets`, a list of both), and returns one message per mailbox. The
 * messages of one input share its item, checked once: the writer only reads it.
 */
export function validateWriterInput(payload: unknown): WriterMessage[] {
  const head = payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  if (!head || head.targets === undefined) return [validateWriterMessage(payload)];
  const list = Array.isArray(head.targets) ? (head.targets as unknown[]) : [];
  const c = new Check(keyOf(list[0]) ?? '(message without key)');
  if (head.mailbox !== undefined || head.key !== undefined) c.fail('targets', 'cannot be given with mailbox and key: targets for several mailboxes, mailbox and key for one');
  if (list.length === 0) c.fail('targets', 'must be a list of at least one { mailbox, key }');
  if (list.length > MAX_TARGETS) c.fail('targets', `may hold at most ${MAX_TARGETS} entries, not ${list.length}`);
  const targets = list.map((t, i) => {
    const tc = new Check(keyOf(t) ?? '(target without key)');
    const target = tc.object(t, `targets[${i}]`);
    tc.noOthers(target, ['mailbox', 'key'], `targets[${i}]`);
    return { key: checkKey(tc, target.key, `targets[${i}].key`), mailbox: checkMailbox(tc, target.mailbox, `targets[${i}].mailbox`) };
  });
  const first = validateWriterMessage({ ...head, targets: undefined, ...targets[0] });
  return targets.map((t, i) => (i === 0 ? first : { ...first, ...t }));
}

function keyOf(value: unknown): string | undefined {
  const key = value && typeof value === 'object' ? (value as Record<string, unknown>).key : undefined;
  return typeof key === 'string' && key.trim() ? key : undefined;
}

function checkKey(c: Check, value: unknown, field: string): string {
  const key = c.string(value, field);
  if (key.length > 255) c.fail(field, 'must be at most 255 characters long');
  return key;
}

function checkMailbox(c: Check, value: unknown, field: string): string {
  const mailbox = c.string(value, field).trim();
  if (!SMTP.test(mailbox)) c.fail(field, `must be an SMTP address such as anna.meier@firma.de, not "${mailbox}"`);
  return mailbox;
}

function checkAppointment(c: Check, a: Record<string, unknown>): void {
  c.string(a.subject, 'item.subject', { empty: true });
  if (a.body !== undefined) c.body(a.body, 'item.body');
  const zone = c.timeZone(a.timeZone, 'item.timeZone');
  const start = c.instant(a.start, 'item.start');
  const end = c.instant(a.end, 'item.end');
  const allDay = c.boolean(a.isAllDay, 'item.isAllDay');
  if (end < start) c.fail('item.end', `must not be before item.start (${a.start as string})`);
  if (allDay) {
    if (!isMidnightIn(start, zone)) c.fail('item.start', `of an all-day appointment must be midnight in ${zone}`);
    if (!isMidnightIn(end, zone)) c.fail('item.end', `of an all-day appointment must be midnight in ${zone}`);
    if (end === start) c.fail('item.end', 'of an all-day appointment must be at least one day after item.start');
  }
  c.optionalString(a, 'location', 'item');
  if (a.reminderMinutes !== null) c.integer(a.reminderMinutes, 'item.reminderMinutes', 0, 525600 * 2);
  if (a.categories !== undefined) c.strings(a.categories, 'item.categories');
  if (a.freeBusy !== undefined) {
    c.oneOf(a.freeBusy, 'item.freeBusy', ['free', 'tentative', 'busy', 'oof', 'workingElsewhere'] as const);
  }
  if (a.sensitivity !== undefined) {
    c.oneOf(a.sensitivity, 'item.sensitivity', ['normal', 'personal', 'private', 'confidential'] as const);
  }
  if (a.recurrence !== undefined) checkRecurrence(c, c.object(a.recurrence, 'item.recurrence'));
}

function checkRecurrence(c: Check, r: Record<string, unknown>): void {
  const f = 'item.recurrence';
  const pattern = c.oneOf(r.pattern, `${f}.pattern`, PATTERNS);
  c.integer(r.interval, `${f}.interval`, 1, 999);
  const needsDays = pattern === 'weekly' || pattern === 'relativeMonthly' || pattern === 'relativeYearly';
  if (needsDays || r.days !== undefined) {
    const days = c.strings(r.days, `${f}.days`);
    if (needsDays && days.length === 0) c.fail(`${f}.days`, `must name at least one weekday for a ${pattern} series`);
    days.forEach((d, i) => c.oneOf(d, `${f}.days[${i}]`, WEEKDAYS));
  }
  if (pattern === 'absoluteMonthly' || pattern === 'absoluteYearly' || r.dayOfMonth !== undefined) {
    c.integer(r.dayOfMonth, `${f}.dayOfMonth`, 1, 31);
  }
  if (pattern === 'absoluteYearly' || pattern === 'relativeYearly' || r.month !== undefined) {
    c.integer(r.month, `${f}.month`, 1, 12);
  }
  if (pattern === 'relativeMonthly' || pattern === 'relativeYearly' || r.index !== undefined) {
    c.oneOf(r.index, `${f}.index`, INDEXES);
  }
  if (r.firstDayOfWeek !== undefined) c.oneOf(r.firstDayOfWeek, `${f}.firstDayOfWeek`, WEEKDAYS);
  const startDate = c.date(r.startDate, `${f}.startDate`);
  if (r.until !== undefined && r.count !== undefined) c.fail(`${f}.count`, 'and until must not both be set');
  if (r.until !== undefined && c.date(r.until, `${f}.until`) < startDate) {
    c.fail(`${f}.until`, `must not be before ${f}.startDate (${startDate})`);
  }
  if (r.count !== undefined) c.integer(r.count, `${f}.count`, 1, 999);
  if (r.deletedOccurrences !== undefined) {
    const dates = c.strings(r.deletedOccurrences, `${f}.deletedOccurrences`);
    dates.forEach((d, i) => c.date(d, `${f}.deletedOccurrences[${i}]`));
  }
  c.noOthers(r, ['pattern', 'interval', 'days', 'dayOfMonth', 'month', 'index', 'firstDayOfWeek', 'startDate', 'until', 'count', 'deletedOccurrences'], f);
}

function checkTask(c: Check, t: Record<string, unknown>): void {
  c.string(t.subject, 'item.subject', { empty: true });
  if (t.body !== undefined) c.body(t.body, 'item.body');
  c.timeZone(t.timeZone, 'item.timeZone');
  const start = t.startDate !== undefined ? c.date(t.startDate, 'item.startDate') : undefined;
  const due = t.dueDate !== undefined ? c.date(t.dueDate, 'item.dueDate') : undefined;
  if (start && due && due < start) c.fail('item.dueDate', `must not be before item.startDate (${start})`);
  c.boolean(t.complete, 'item.complete');
  if (t.percentComplete !== undefined) c.integer(t.percentComplete, 'item.percentComplete', 0, 100);
  if (t.importance !== undefined) c.oneOf(t.importance, 'item.importance', ['low', 'normal', 'high'] as const);
  if (t.reminder !== undefined && t.reminder !== null) c.instant(t.reminder, 'item.reminder');
  if (t.categories !== undefined) c.strings(t.categories, 'item.categories');
}

function checkContact(c: Check, p: Record<string, unknown>): void {
  c.string(p.displayName, 'item.displayName');
  for (const name of ['title', 'givenName', 'surname', 'companyName', 'department', 'jobTitle',
    'businessPhone', 'mobilePhone', 'homePhone', 'businessFax']) {
    c.optionalString(p, name, 'item');
  }
  if (p.emailAddresses !== undefined) {
    const mails = c.strings(p.emailAddresses, 'item.emailAddresses', 3);
    mails.forEach((m, i) => {
      if (!SMTP.test(m.trim())) c.fail(`item.emailAddresses[${i}]`, `must be an e-mail address, not "${m}"`);
    });
  }
  if (p.businessAddress !== undefined) {
    const a = c.object(p.businessAddress, 'item.businessAddress');
    const names = ['street', 'postalCode', 'city', 'state', 'countryOrRegion'];
    for (const name of names) c.optionalString(a, name, 'item.businessAddress');
    c.noOthers(a, names, 'item.businessAddress');
  }
  if (p.notes !== undefined) c.body(p.notes, 'item.notes');
  if (p.categories !== undefined) c.strings(p.categories, 'item.categories');
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function isRealDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

const zoneCache = new Map<string, boolean>();
export function isIanaZone(zone: string): boolean {
  let ok = zoneCache.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      ok = zone.includes('/') || zone === 'UTC';
    } catch {
      ok = false;
    }
    zoneCache.set(zone, ok);
  }
  return ok;
}

function isMidnightIn(ms: number, zone: string): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(new Date(ms));
  return parts === '00:00:00';
}

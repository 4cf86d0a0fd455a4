/**
 * The mapper: one büro+ change → a writer message for all its target mailboxes (the writer's
 * contract, lib/exchange/model.ts). Pure apart from the injected override evaluator.
 *
 * An unusable record throws a SyncError naming the record and the field; repairable faults
 * (empty subject, over-long subject, invalid e-mail, control characters) come back as
 * warnings, which are SyncErrors too.
 */
import { MappingCode } from '../error-codes';
import type { BueroChange, ChangeTarget } from '../buero/change';
import { SyncError } from '../errors';
import { writerKey } from '../exchange/key';
import type { ItemByKind, ItemKind, WriterFanOut, WriterTarget } from '../exchange/model';
import type { SyncEvent } from '../log/events';
import { finishAppointment, toExchangeAppointment } from './appointment';
import { finishContact, toExchangeContact } from './contact';
import { applyOverrides } from './overrides';
import { MapContext, show } from './record';
import { withConnectionFields, type MapSettings } from './settings';
import { finishTask, toExchangeTask } from './task';

export { resolveSettings, settingsFromFlow, DEFAULT_SETTINGS, DEFAULT_FIELDS, fieldsRead } from './settings';
export type { MapSettings, SettingsInput, FlowSettings, BueroFields } from './settings';
export { checkOverrides, OVERRIDE_FIELDS } from './overrides';
export type { FieldOverride, OverrideEvaluator, OverrideBindings } from './overrides';

export interface MapResult {
  /** For the writer: an upsert for the target mailboxes and a delete for the removed ones, each when there are any. */
  messages: WriterFanOut[];
  warnings: SyncError[];
}

const TABLES: Record<ItemKind, string[]> = {
  appointment: ['tblCalendar'],
  task: ['tblCalendar'],
  contact: ['tblContactPeople', 'tblAddresses'],
};

/** `tblCalendar 4711`: how messages name a record. */
export function recordName(change: Partial<Pick<BueroChange, 'table' | 'id'>>): string {
  if (change.table === undefined && change.id === undefined) return 'unknown record';
  return `${change.table ?? 'unknown table'} ${change.id ?? '?'}`;
}

/** Checks the change message's shape; the record's own fields are checked while mapping. */
function checkChange(change: unknown): BueroChange {
  const c = (change ?? {}) as Partial<BueroChange>;
  const record = recordName(typeof change === 'object' && change !== null ? c : {});
  const bad = (field: string, text: string) =>
    new SyncError(MappingCode.changeInvalid, `${record}, ${field}: ${text}`, { record, field: `payload.${field}` });
  if (typeof change !== 'object' || change === null || Array.isArray(change)) {
    throw new SyncError(MappingCode.changeInvalid, `${record}, payload: ${show(change)} is no büro+ change.`, { record, field: 'payload' });
  }
  if (!['create', 'update', 'delete'].includes(c.op as string)) throw bad('op', `${show(c.op)} is none of create, update, delete.`);
  if (!(c.kind && c.kind in TABLES)) throw bad('kind', `${show(c.kind)} is none of appointment, task, contact.`);
  if (!TABLES[c.kind].includes(c.table as string)) throw bad('table', `${show(c.table)} holds no ${c.kind}s.`);
  if (!(typeof c.id === 'number' && Number.isInteger(c.id)) && !(typeof c.id === 'string' && /^\d+$/.test(c.id))) {
    throw bad('id', `${show(c.id)} is no record id.`);
  }
  if (typeof c.lsn !== 'string' && typeof c.lsn !== 'number') throw bad('lsn', `${show(c.lsn)} is no version.`);
  if (!Number.isInteger(Number(c.mandant))) throw bad('mandant', `${show(c.mandant)} is no Mandant number.`);
  for (const list of ['targets', 'removed'] as const) {
    const targets = c[list] ?? [];
    if (!Array.isArray(targets)) throw bad(list, 'is no list of mailboxes.');
    targets.forEach((t: ChangeTarget, i: number) => {
      if (!t || typeof t.mailbox !== 'string' || t.mailbox.trim() === '') throw bad(`${list}[${i}].mailbox`, 'the mailbox is missing.');
    });
  }
  if (c.op !== 'delete' && (typeof c.record !== 'object' || c.record === null)) {
    throw bad('record', `a ${c.op} needs the record's fields.`);
  }
  return { ...c, targets: c.targets ?? [], removed: c.removed ?? [] } as BueroChange;
}

async function mapItem(change: BueroChange, ctx: MapContext, settings: MapSettings): Promise<ItemByKind[ItemKind]> {
  const record = change.record ?? {};
  const options = { bodyFormat: settings.bodyFormat, timeZone: settings.timeZone };
  const bindings = {
    change: { op: change.op, kind: change.kind, table: change.table, id: change.id, mandant: change.mandant, lsn: change.lsn },
    address: change.address,
    postalAddress: change.postalAddress,
  };
  switch (change.kind) {
    case 'appointment': {
      const item = toExchangeAppointment(record, ctx, settings);
      await applyOverrides('appointment', item, settings.overrides, settings.evaluate, record, bindings, ctx, options);
      return finishAppointment(item, ctx, settings);
    }
    case 'task': {
      const item = toExchangeTask(record, ctx, settings);
      await applyOverrides('task', item, settings.overrides, settings.evaluate, record, bindings, ctx, options);
      return finishTask(item, ctx, settings);
    }
    case 'contact': {
      const item = toExchangeContact(change, ctx, settings);
      await applyOverrides('contact', item, settings.overrides, settings.evaluate, record, bindings, ctx, options);
      return finishContact(item, ctx);
    }
  }
}

/**
 * Maps one change: one upsert message for all its target mailboxes, one delete message for all
 * removed ones (for all of them on a delete); each names its mailboxes with their keys
 * (`targets`), the writer queues it once per mailbox. A company contact (tblAddresses) with
 * company contacts switched off yields no upsert.
 */
export async function mapChange(input: unknown, given: MapSettings): Promise<MapResult> {
  const change = checkChange(input);
  const settings = change.fields ? { ...given, fields: withConnectionFields(given.fields, change.fields) } : given;
  const ctx = new MapContext(recordName(change));
  const messages: WriterFanOut[] = [];
  const keys = new Set<string>();
  const kind = change.kind;
  const version = String(change.lsn);
  // A mailbox listed twice (owner and participant) gets the record once.
  const targetsOf = (list: ChangeTarget[]): WriterTarget[] => list.flatMap((target) => {
    const key = writerKey(change, target);
    if (keys.has(key)) return [];
    keys.add(key);
    return [{ mailbox: target.mailbox, key }];
  });

  const wanted = change.op !== 'delete' && !(change.table === 'tblAddresses' && !settings.companyContacts);
  if (wanted && change.targets.length > 0) {
    const item = await mapItem(change, ctx, settings);
    const message: WriterFanOut = { action: 'upsert', kind, targets: targetsOf(change.targets), version, item };
    if (settings.keepInfo && kind !== 'contact') message.keep = ['body'];
    if (change.more) message.more = true;
    messages.push(message);
  }
  const gone = targetsOf(change.op === 'delete' ? [...change.removed, ...change.targets] : change.removed);
  if (gone.length > 0) messages.push({ action: 'delete', kind, targets: gone, version, ...(change.more ? { more: true } : {}) });
  return { messages, warnings: ctx.warnings };
}

/**
 * A repaired fault as the event the sync log writes (lib/log/events.ts): a warning line whose
 * text names the record and the field (`tblCalendar 4711, fldKurzInfo: …`), with the code.
 */
export function warningEvent(warning: SyncError, time: Date, source?: string): SyncEvent {
  return {
    type: 'info',
    level: 'warn',
    code: warning.code,
    text: warning.message,
    ...(source ? { source } : {}),
    time: time.toISOString(),
  };
}

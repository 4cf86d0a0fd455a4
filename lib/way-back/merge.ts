/**
 * Which fields of an Outlook change go to büro+ (docs/behaviours.md B14): the two-way fields
 * Outlook changed since the last sync (their hashes against the id map's, the hashes of what
 * lane 1 or the way back last left in Exchange), merged field by field with what büro+ changed
 * since the values last synced. A field changed on both sides is a conflict that
 * SYNC_CONFLICT decides; times (begin, end, all-day) are one field for this, so büro+ never
 * gets a start of one side and an end of the other. Never wall-clock "newer wins".
 */
import type { BueroValues } from '../buero/writer';
import type { FieldMap } from '../buero/fields';
import { fieldHashes, type FieldHashes } from '../exchange/content';
import type { Appointment, Recurrence, Task } from '../exchange/model';
import { type AppointmentBackField, type TaskBackField } from '../mapping/back';
import { sameValue, type SyncedValues } from './synced';
import type { Conflict } from './types';

/** The neutral fields the way back takes, per kind (the series only for deleted occurrences). */
export const APPOINTMENT_NEUTRAL = ['subject', 'start', 'end', 'isAllDay', 'location', 'reminderMinutes', 'recurrence'] as const;
export const TASK_NEUTRAL = ['subject', 'startDate', 'dueDate', 'complete'] as const;

export interface OutlookEdits<F extends string> {
  /** back.ts fields to take (`deletedOccurrences` for new deleted occurrences). */
  take: F[];
  /** The series' pattern changed (or an occurrence moved into it): logged, not taken. */
  patternChanged: boolean;
}

/** The two-way fields Outlook changed against the hashes the id map holds. */
export function appointmentEdits(item: Appointment, known: FieldHashes, bueroExceptions: readonly string[]): OutlookEdits<AppointmentBackField> {
  const now = fieldHashes(item);
  const take: AppointmentBackField[] = [];
  for (const f of ['subject', 'start', 'end', 'isAllDay', 'location', 'reminderMinutes'] as const) {
    if (now[f] !== known[f]) take.push(f);
  }
  let patternChanged = false;
  if (now.recurrence !== known.recurrence) {
    if (!item.recurrence) patternChanged = true;
    else {
      // Only deleted occurrences changed? Then the series as lane 1 left it is this one without the dates büro+ does not know yet.
      const deleted = item.recurrence.deletedOccurrences ?? [];
      const added = deleted.filter((d) => !bueroExceptions.includes(d));
      const before = withDeleted(item.recurrence, deleted.filter((d) => !added.includes(d)));
      if (added.length > 0 && fieldHashes({ recurrence: before }).recurrence === known.recurrence) take.push('deletedOccurrences');
      else patternChanged = true;
    }
  }
  return { take, patternChanged };
}

export function taskEdits(item: Task, known: FieldHashes): OutlookEdits<TaskBackField> {
  const now = fieldHashes(item);
  return { take: TASK_NEUTRAL.filter((f) => now[f] !== known[f]), patternChanged: false };
}

function withDeleted(r: Recurrence, deleted: string[]): Recurrence {
  const out: Recurrence = { ...r };
  if (deleted.length) out.deletedOccurrences = [...deleted].sort();
  else delete out.deletedOccurrences;
  return out;
}

export interface MergeInput {
  fields: FieldMap;
  /** büro+ values of the fields Outlook changed (lib/mapping/back.ts). */
  outlook: BueroValues;
  /** The büro+ row as it is now. */
  current: Record<string, unknown>;
  currentLsn: string;
  /** The values last synced, when known. */
  synced?: SyncedValues;
  /** The row version the id map's copy was made from (lane 1's or the way back's last). */
  entryVersion?: string;
  conflict: 'buero' | 'outlook';
}

export interface MergeResult {
  /** What to write to büro+ (empty: nothing). */
  write: BueroValues;
  conflicts: Conflict[];
}

export function merge(input: MergeInput): MergeResult {
  const c = input.fields.calendar;
  const groups: string[][] = [[c.begin, c.end, c.allDay]];
  const grouped = new Set(groups.flat());
  for (const f of Object.keys(input.outlook)) if (!grouped.has(f)) groups.push([f]);
  const write: BueroValues = {};
  const conflicts: Conflict[] = [];
  const bueroUnchanged = input.entryVersion !== undefined && input.entryVersion === input.currentLsn;
  for (const group of groups) {
    const fields = group.filter((f) => f in input.outlook);
    if (fields.length === 0) continue;
    const differing = fields.filter((f) => !sameValue(input.current[f], input.outlook[f]));
    if (differing.length === 0) continue; // büro+ already holds it
    if (fields.includes(c.seriesExceptions) && fields.length === 1) {
      // Exception dates are merged (büro+'s and Outlook's together), never a conflict.
      write[c.seriesExceptions] = input.outlook[c.seriesExceptions];
      continue;
    }
    const bueroChanged = bueroUnchanged
      ? []
      : fields.filter((f) => (input.synced ? !sameValue(input.current[f], input.synced.values[f]) : true));
    if (bueroChanged.length === 0) {
      for (const f of fields) write[f] = input.outlook[f];
      continue;
    }
    for (const f of differing) conflicts.push({ field: f, winner: input.conflict, bueroValue: input.current[f] ?? null, outlookValue: input.outlook[f] });
    if (input.conflict === 'outlook') for (const f of fields) write[f] = input.outlook[f];
  }
  return { write, conflicts };
}

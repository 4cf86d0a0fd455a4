import { ExchangeCode } from '../error-codes';
import { ExchangeError } from './errors';
import type { Recurrence, Weekday } from './model';
import type { ItemRef, ItemResult } from './transport';

/**
 * A series' deleted occurrences, the part EWS and Graph share:
 * - the dates of a series' occurrences, from its pattern (pure, on calendar dates in the
 *   item's zone). EWS deletes one occurrence by its position in the series (OccurrenceItemId
 *   InstanceIndex, 1-based, deleted occurrences counted), Graph by the instance on that date;
 * - the check that each deleted date is an occurrence, before anything is sent;
 * - the clean-up after a series is written: delete its occurrences, read the master's
 *   ChangeKey / etag again, report a series not fully cleaned up as incomplete. Each
 *   transport brings only its own two requests (ews/create.ts, graph/occurrences.ts).
 */

const WEEKDAYS: Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX = { first: 0, second: 1, third: 2, fourth: 3, last: -1 } as const;
const DAY = 86_400_000;

function parse(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

function format(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The n-th (or last) day of a month whose weekday is in `days`. */
function relativeDay(year: number, month0: number, days: Set<number>, index: keyof typeof INDEX): number | undefined {
  const matches: number[] = [];
  for (let d = 1; d <= daysInMonth(year, month0); d++) {
    const t = Date.UTC(year, month0, d);
    if (days.has(new Date(t).getUTCDay())) matches.push(t);
  }
  const i = INDEX[index];
  return i < 0 ? matches[matches.length - 1] : matches[i];
}

/** Occurrence dates in order, until the series ends or a date after `through`. */
export function* occurrenceDates(r: Recurrence, through: string): Generator<string> {
  const start = parse(r.startDate);
  const last = Math.min(parse(through), r.until ? parse(r.until) : Infinity);
  const max = r.count ?? Infinity;
  const interval = Math.max(1, r.interval);
  const days = new Set((r.days ?? []).map((d) => WEEKDAYS.indexOf(d)));
  let n = 0;
  const emit = function* (t: number | undefined): Generator<string, boolean> {
    if (t === undefined || t < start) return false;
    if (t > last || n >= max) return true;
    n++;
    yield format(t);
    return n >= max;
  };
  const s = new Date(start);
  // 10 000 periods: far beyond any series a calendar shows, a guard against endless loops.
  for (let k = 0; k < 10_000; k++) {
    if (r.pattern === 'daily') {
      if (yield* emit(start + k * interval * DAY)) return;
    } else if (r.pattern === 'weekly') {
      const firstDay = WEEKDAYS.indexOf(r.firstDayOfWeek ?? 'monday');
      const weekStart = start - ((s.getUTCDay() - firstDay + 7) % 7) * DAY + k * interval * 7 * DAY;
      for (let i = 0; i < 7; i++) {
        const t = weekStart + i * DAY;
        if (days.has(new Date(t).getUTCDay()) && (yield* emit(t))) return;
      }
      if (weekStart > last) return;
    } else {
      const yearly = r.pattern === 'absoluteYearly' || r.pattern === 'relativeYearly';
      const months = yearly ? 12 * interval : interval;
      const month0 = (yearly ? (r.month ?? 1) - 1 : s.getUTCMonth()) + k * months;
      const year = s.getUTCFullYear() + Math.floor(month0 / 12);
      const m0 = ((month0 % 12) + 12) % 12;
      let t: number | undefined;
      if (r.pattern === 'absoluteMonthly' || r.pattern === 'absoluteYearly') {
        // Day 31 in a shorter month falls on its last day, as Outlook schedules it.
        t = Date.UTC(year, m0, Math.min(r.dayOfMonth ?? 1, daysInMonth(year, m0)));
      } else {
        t = relativeDay(year, m0, days, r.index ?? 'first');
      }
      if (yield* emit(t)) return;
      if (Date.UTC(year, m0, 1) > last) return;
    }
  }
}

/** 1-based position of an occurrence date in its series, or undefined if no occurrence falls on it. */
export function occurrenceIndex(r: Recurrence, date: string): number | undefined {
  let i = 0;
  for (const d of occurrenceDates(r, date)) {
    i++;
    if (d === date) return i;
  }
  return undefined;
}

/** A deleted occurrence: its date, and its 1-based position in the series. */
export interface DeletedOccurrence {
  date: string;
  index: number;
}

/** The deleted occurrences of a series; a date that is no occurrence rejects the item, naming the field. */
export function deletedOccurrences(r: Recurrence, key: string): DeletedOccurrence[] {
  return (r.deletedOccurrences ?? []).map((date, i) => {
    const index = occurrenceIndex(r, date);
    if (index === undefined) {
      throw new ExchangeError(ExchangeCode.itemRejected,
        `${key}: item.recurrence.deletedOccurrences[${i}] ${date} is not an occurrence of the series`,
        { record: key, field: `item.recurrence.deletedOccurrences[${i}]` });
    }
    return { date, index };
  });
}

/** A series just written: its position in the batch, and the occurrences it must lose. */
export interface WrittenSeries {
  index: number;
  deleted: DeletedOccurrence[];
}

/** A transport's own requests for the clean-up of series `S`. */
export interface OccurrenceRequests<S extends WrittenSeries> {
  /**
   * Deletes each series' occurrences (an occurrence already gone counts); per series, whether
   * all are gone: true, or false or Exchange's answer (with its wait hint) when one is not.
   */
  deleteOccurrences(series: S[], masters: ItemRef[]): Promise<(boolean | ExchangeError)[]>;
  /** The masters' current ChangeKey / etag (deleting an occurrence changes the master). */
  readRefs(masters: ItemRef[], keys: string[]): Promise<ItemResult[]>;
}

/**
 * Deletes the deleted occurrences of the series just written (those written successfully),
 * then re-reads their masters' refs into `results`. A series whose occurrences could not all
 * be deleted is reported as incomplete: the writer writes its recurrence again later.
 */
export async function removeDeletedOccurrences<S extends WrittenSeries>(results: (ItemResult | undefined)[], keys: string[], series: S[],
  requests: OccurrenceRequests<S>): Promise<void> {
  const todo = series.filter((s) => s.deleted.length > 0 && results[s.index]?.ok);
  if (todo.length === 0) return;
  const masters = todo.map((s) => (results[s.index] as Extract<ItemResult, { ok: true }>).ref);
  let done: (boolean | ExchangeError)[];
  try {
    done = await requests.deleteOccurrences(todo, masters);
  } catch (err) {
    // The request as a whole failed (a 503, throttled): what Exchange said holds for every series.
    done = todo.map(() => (err instanceof ExchangeError ? err : false));
  }
  try {
    const fresh = await requests.readRefs(masters, todo.map((s) => keys[s.index]));
    todo.forEach((s, i) => {
      const f = fresh[i];
      if (f.ok) results[s.index] = { ok: true, ref: f.ref };
    });
  } catch {
    // The old ref stays: EWS re-reads the ChangeKey on a conflict, Graph sends no If-Match.
  }
  todo.forEach((s, i) => {
    const r = results[s.index];
    const d = done[i];
    if (d === true || !r?.ok) return;
    results[s.index] = { ...r, incomplete: ['recurrence'], ...(d instanceof ExchangeError ? { incompleteBecause: d } : {}) };
  });
}

import type { Recurrence, Weekday } from './model';

/**
 * The dates of a series' occurrences, from its pattern (pure, on calendar dates in the item's
 * zone). EWS deletes one occurrence by its position in the series (OccurrenceItemId
 * InstanceIndex, 1-based, deleted occurrences counted), so the writer needs the position of
 * each deleted date.
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

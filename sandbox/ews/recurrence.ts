/**
 * Calendar recurrence as EWS describes it (RecurrenceType: one pattern + one range), expanded
 * into occurrences in the item's time zone. Needed for OccurrenceItemId (InstanceIndex),
 * deleted occurrences, FirstOccurrence/LastOccurrence and CalendarView.
 * Source: EWS reference, "Recurrence (RecurrenceType)" and its pattern/range elements.
 */
import { parseEwsDate, wallClock, zonedToInstant } from './timezones';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const INDEXES = ['First', 'Second', 'Third', 'Fourth'];

export interface RecurrenceSpec {
  pattern: 'Daily' | 'Weekly' | 'AbsoluteMonthly' | 'RelativeMonthly' | 'AbsoluteYearly' | 'RelativeYearly';
  interval: number;
  /** Weekday numbers (0 = Sunday) for weekly and relative patterns. */
  days: number[];
  firstDayOfWeek: number;
  dayOfMonth: number;
  /** 1–12. */
  month: number;
  /** 1–4, or 5 for Last. */
  index: number;
  startDate: [number, number, number];
  endDate?: [number, number, number];
  count?: number;
}

export interface Occurrence {
  /** 1-based position in the series, deleted occurrences included (EWS InstanceIndex). */
  index: number;
  start: number;
  end: number;
}

type Generic = Record<string, unknown>;
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v && '_' in v ? String((v as Generic)._) : '');

function weekdaysOf(value: string): number[] {
  const days = new Set<number>();
  for (const w of value.split(/\s+/).filter(Boolean)) {
    if (w === 'Day') [0, 1, 2, 3, 4, 5, 6].forEach((d) => days.add(d));
    else if (w === 'Weekday') [1, 2, 3, 4, 5].forEach((d) => days.add(d));
    else if (w === 'WeekendDay') [0, 6].forEach((d) => days.add(d));
    else if (WEEKDAYS.includes(w)) days.add(WEEKDAYS.indexOf(w));
  }
  return [...days].sort((a, b) => a - b);
}

/** Reads the stored (generic) Recurrence field; undefined for task regeneration patterns etc. */
export function parseRecurrence(value: unknown): RecurrenceSpec | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const rec = value as Generic;
  const patternKey = Object.keys(rec).find((k) => k.endsWith('Recurrence') && !/^(NoEnd|EndDate|Numbered)Recurrence$/.test(k));
  const rangeKey = Object.keys(rec).find((k) => /^(NoEnd|EndDate|Numbered)Recurrence$/.test(k));
  if (!patternKey || !rangeKey) return undefined;
  const p = rec[patternKey] as Generic;
  const r = rec[rangeKey] as Generic;
  const startDate = parseEwsDate(text(r.StartDate));
  if (!startDate) return undefined;
  const spec: RecurrenceSpec = {
    pattern: patternKey.replace(/Recurrence$/, '') as RecurrenceSpec['pattern'],
    interval: Math.max(1, Number(text(p.Interval)) || 1),
    days: weekdaysOf(text(p.DaysOfWeek)),
    firstDayOfWeek: WEEKDAYS.includes(text(p.FirstDayOfWeek)) ? WEEKDAYS.indexOf(text(p.FirstDayOfWeek)) : 0,
    dayOfMonth: Number(text(p.DayOfMonth)) || 1,
    month: MONTHS.indexOf(text(p.Month)) + 1,
    index: text(p.DayOfWeekIndex) === 'Last' ? 5 : INDEXES.indexOf(text(p.DayOfWeekIndex)) + 1,
    startDate,
  };
  if (!['Daily', 'Weekly', 'AbsoluteMonthly', 'RelativeMonthly', 'AbsoluteYearly', 'RelativeYearly'].includes(spec.pattern)) return undefined;
  if (rangeKey === 'EndDateRecurrence') spec.endDate = parseEwsDate(text(r.EndDate));
  if (rangeKey === 'NumberedRecurrence') spec.count = Math.max(1, Number(text(r.NumberOfOccurrences)) || 1);
  return spec;
}

/** Why a recurrence cannot be saved (Exchange's ErrorInvalidRecurrence cases), or undefined. */
export function recurrenceProblem(spec: RecurrenceSpec): string | undefined {
  if ((spec.pattern === 'Weekly' || spec.pattern.startsWith('Relative')) && spec.days.length === 0) return 'DaysOfWeek is empty.';
  if (spec.pattern.endsWith('Yearly') && (spec.month < 1 || spec.month > 12)) return 'Month is invalid.';
  if (spec.pattern.startsWith('Relative') && spec.index < 1) return 'DayOfWeekIndex is invalid.';
  if (spec.endDate && dayNumber(spec.endDate) < dayNumber(spec.startDate)) return 'EndDate is earlier than StartDate.';
  return undefined;
}

const dayNumber = ([y, m, d]: [number, number, number]) => Math.floor(Date.UTC(y, m - 1, d) / 86400_000);
const fromDayNumber = (n: number): [number, number, number] => {
  const dt = new Date(n * 86400_000);
  return [dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate()];
};
const weekday = (n: number) => (((n + 4) % 7) + 7) % 7; // day 0 (1970-01-01) was a Thursday
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The k-th (5 = last) day in month y/m whose weekday is in `days`. */
function nthWeekday(y: number, m: number, days: number[], k: number): number | undefined {
  const first = dayNumber([y, m, 1]);
  const matches: number[] = [];
  for (let i = 0; i < daysInMonth(y, m); i++) if (days.includes(weekday(first + i))) matches.push(first + i);
  return k === 5 ? matches[matches.length - 1] : matches[k - 1];
}

/** Pattern dates (day numbers) from the range start, ascending, unbounded. */
function* patternDates(spec: RecurrenceSpec): Generator<number> {
  const start = dayNumber(spec.startDate);
  const [sy, sm] = spec.startDate;
  switch (spec.pattern) {
    case 'Daily':
      for (let n = start; ; n += spec.interval) yield n;
    case 'Weekly': {
      const weekStart = start - ((weekday(start) - spec.firstDayOfWeek + 7) % 7);
      const order = spec.days.map((d) => (d - spec.firstDayOfWeek + 7) % 7).sort((a, b) => a - b);
      for (let w = weekStart; ; w += 7 * spec.interval) for (const o of order) if (w + o >= start) yield w + o;
    }
    case 'AbsoluteMonthly':
    case 'RelativeMonthly':
    case 'AbsoluteYearly':
    case 'RelativeYearly': {
      const yearly = spec.pattern.endsWith('Yearly');
      const step = yearly ? 12 * spec.interval : spec.interval;
      let y = sy;
      let m = yearly ? spec.month : sm;
      if (yearly && m < sm) y++;
      for (; ; m += step) {
        while (m > 12) { m -= 12; y++; }
        const n = spec.pattern.startsWith('Absolute')
          ? dayNumber([y, m, Math.min(spec.dayOfMonth, daysInMonth(y, m))])
          : nthWeekday(y, m, spec.days, spec.index);
        if (n !== undefined && n >= start) yield n;
      }
    }
  }
}

/**
 * Occurrences of a series whose master starts at `masterStart` and ends at `masterEnd`
 * (instants), laid out in `zone`; stops at the range end, at `limit` occurrences, or once an
 * occurrence starts after `until`.
 */
export function* occurrences(spec: RecurrenceSpec, masterStart: number, masterEnd: number, zone: string,
  options: { until?: number; limit?: number } = {}): Generator<Occurrence> {
  const [sy, smo, sd, sh, smi, ss] = wallClock(masterStart, zone);
  const [ey, emo, ed, eh, emi, es] = wallClock(masterEnd, zone);
  const spanDays = dayNumber([ey, emo, ed]) - dayNumber([sy, smo, sd]);
  const end = spec.endDate ? dayNumber(spec.endDate) : undefined;
  const limit = Math.min(options.limit ?? 10_000, spec.count ?? Infinity);
  let index = 0;
  for (const n of patternDates(spec)) {
    if (index >= limit || (end !== undefined && n > end)) return;
    const [y, mo, d] = fromDayNumber(n);
    const [y2, mo2, d2] = fromDayNumber(n + spanDays);
    const start = zonedToInstant(y, mo, d, sh, smi, ss, zone);
    if (options.until !== undefined && start > options.until) return;
    index++;
    yield { index, start, end: zonedToInstant(y2, mo2, d2, eh, emi, es, zone) };
  }
}

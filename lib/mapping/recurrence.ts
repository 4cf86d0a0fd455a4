/**
 * büro+ series (an RFC 5545 RRULE in `fldSerie`, exception dates in `fldSerieAusn`) → the
 * neutral recurrence Exchange understands. Exchange knows fewer forms than RFC 5545: a rule
 * it cannot hold exactly is an error naming the record and the rule, never a series that
 * silently shows other dates in Outlook than in büro+.
 */
import { MappingCode } from '../error-codes';
import type { Recurrence, Weekday } from '../exchange/model';
import type { MapContext } from './record';
import { show } from './record';
import { addDays, dateInZone, lastDayOfMonth, localOf, parseDate, weekdayOf, type LocalDateTime } from '../time';

const WEEKDAYS: Record<string, Weekday> = {
  SU: 'sunday', MO: 'monday', TU: 'tuesday', WE: 'wednesday', TH: 'thursday', FR: 'friday', SA: 'saturday',
};
const WEEKDAY_NUMBER: Record<Weekday, number> = {
  sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6,
};
const BY_NUMBER: Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX: Record<string, NonNullable<Recurrence['index']>> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '-1': 'last' };

/** The first occurrence of the series, as büro+ has it. */
export interface SeriesStart {
  /** `YYYY-MM-DD` in the item's zone. */
  date: string;
  /** Wall-clock time of the start in the zone (midnight for all-day). */
  time: Pick<LocalDateTime, 'hour' | 'minute' | 'second'>;
  isAllDay: boolean;
}

interface ByDay {
  ordinal?: number;
  day: Weekday;
}

/** Which fields hold the rule and the exceptions, for the names in messages. */
export interface SeriesFields {
  rule: string;
  exceptions: string;
}

/** Reads the series. `exceptionsText` may be undefined. Throws a SyncError for a rule Exchange cannot hold. */
export function toRecurrence(
  ruleText: string,
  exceptionsText: string | undefined,
  start: SeriesStart,
  zone: string,
  ctx: MapContext,
  fields: SeriesFields,
): Recurrence {
  const fail = (text: string) => ctx.error(MappingCode.seriesUnsupported, fields.rule, `the series rule ${show(ruleText)} ${text}`);
  const invalid = (text: string) => ctx.error(MappingCode.seriesInvalid, fields.rule, `the series rule ${show(ruleText)} ${text}`);

  // fldSerie holds the RRULE value; tolerate a whole iCalendar fragment (RRULE:, EXDATE: lines).
  const lines = ruleText.replace(/\r?\n[ \t]/g, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let rule: string | undefined;
  const exdates: string[] = [];
  for (const line of lines) {
    const value = line.slice(line.indexOf(':') + 1);
    if (/^[A-Z-]+=/i.test(line)) {
      // The bare rule, as fldSerie normally holds it: FREQ=WEEKLY;BYDAY=MO
      if (rule !== undefined) throw fail('has more than one RRULE; Exchange holds one rule per series.');
      rule = line;
    } else if (/^RRULE[:;]/i.test(line)) {
      if (rule !== undefined) throw fail('has more than one RRULE; Exchange holds one rule per series.');
      rule = value;
    } else if (/^EXDATE[:;]/i.test(line)) {
      exdates.push(value);
    } else if (/^(RDATE|EXRULE)[:;]/i.test(line)) {
      throw fail(`uses ${line.split(/[:;]/)[0].toUpperCase()}; Exchange has no extra dates or exclusion rules.`);
    } else if (!/^[A-Z-]+[:;]/i.test(line)) {
      throw invalid(`has the line ${show(line)}, which is no RRULE.`);
    }
    // DTSTART and other properties: the start comes from the record's start field.
  }
  if (!rule) throw invalid('has no FREQ.');

  const parts = new Map<string, string>();
  for (const part of rule.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw invalid(`has a part without "=": ${show(part)}.`);
    const key = part.slice(0, eq).toUpperCase();
    if (parts.has(key)) throw invalid(`names ${key} twice.`);
    parts.set(key, part.slice(eq + 1).trim().toUpperCase());
  }
  for (const key of parts.keys()) {
    if (['BYSECOND', 'BYMINUTE', 'BYHOUR', 'BYYEARDAY', 'BYWEEKNO', 'RSCALE', 'SKIP'].includes(key)) {
      throw fail(`uses ${key}; Exchange series have no such part.`);
    }
    if (!['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST'].includes(key) && !key.startsWith('X-')) {
      throw invalid(`has the unknown part ${key}.`);
    }
  }

  const freq = parts.get('FREQ');
  if (!freq) throw invalid('has no FREQ.');
  if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq)) {
    throw fail(`repeats ${freq}; Exchange series repeat daily, weekly, monthly or yearly.`);
  }

  const interval = positiveInteger(parts.get('INTERVAL') ?? '1');
  if (interval === undefined || interval > 999) throw invalid(`has the interval ${show(parts.get('INTERVAL'))}; use 1–999.`);

  const count = parts.has('COUNT') ? positiveInteger(parts.get('COUNT')!) : undefined;
  if (parts.has('COUNT') && count === undefined) throw invalid(`has the count ${show(parts.get('COUNT'))}; use a whole number above 0.`);
  if (parts.has('COUNT') && parts.has('UNTIL')) throw invalid('has both COUNT and UNTIL (RFC 5545 allows one).');

  const byDay = parts.has('BYDAY') ? parseByDay(parts.get('BYDAY')!, invalid) : undefined;
  const byMonthDay = parts.has('BYMONTHDAY') ? integers(parts.get('BYMONTHDAY')!, 'BYMONTHDAY', invalid) : undefined;
  const byMonth = parts.has('BYMONTH') ? integers(parts.get('BYMONTH')!, 'BYMONTH', invalid) : undefined;
  const bySetPos = parts.has('BYSETPOS') ? integers(parts.get('BYSETPOS')!, 'BYSETPOS', invalid) : undefined;
  let firstDayOfWeek: Weekday = 'monday';
  if (parts.has('WKST')) {
    const wkst = WEEKDAYS[parts.get('WKST')!];
    if (!wkst) throw invalid(`has the week start ${show(parts.get('WKST'))}.`);
    firstDayOfWeek = wkst;
  }

  const startParts = parseDate(start.date)!;
  const startWeekday = BY_NUMBER[weekdayOf(start.date)];
  let r: Omit<Recurrence, 'startDate' | 'interval'>;

  const single = (values: number[] | undefined, name: string, min: number, max: number): number | undefined => {
    if (values === undefined) return undefined;
    if (values.length !== 1) throw fail(`lists several ${name} values; Exchange holds one.`);
    if (values[0] < min || values[0] > max) {
      throw fail(`uses ${name}=${values[0]}; Exchange holds ${min}–${max}${name === 'BYMONTHDAY' ? ' (no counting from the end)' : ''}.`);
    }
    return values[0];
  };

  /** BYDAY for monthly/yearly: one day with an ordinal, or days with one BYSETPOS. */
  const relative = (): { days: Weekday[]; index: NonNullable<Recurrence['index']> } => {
    const days = byDay!;
    const ordinals = days.filter((d) => d.ordinal !== undefined);
    if (ordinals.length > 0) {
      if (days.length !== 1) throw fail(`lists several weekdays with a position (${parts.get('BYDAY')}); Exchange holds one.`);
      if (bySetPos) throw fail('combines a weekday position with BYSETPOS.');
      const index = INDEX[String(ordinals[0].ordinal)];
      if (!index) throw fail(`uses the weekday position ${ordinals[0].ordinal}; Exchange holds 1–4 and -1 (last).`);
      return { days: [ordinals[0].day], index };
    }
    const pos = single(bySetPos, 'BYSETPOS', -1, 4);
    if (pos === undefined) throw fail('repeats on every listed weekday of the month; Exchange needs one position (e.g. 2TU or BYSETPOS).');
    const index = INDEX[String(pos)];
    if (!index) throw fail(`uses BYSETPOS=${pos}; Exchange holds 1–4 and -1 (last).`);
    return { days: unique(days.map((d) => d.day)), index };
  };

  switch (freq) {
    case 'DAILY': {
      if (byMonthDay || byMonth || bySetPos) throw fail('limits a daily series by month or position; Exchange cannot.');
      if (byDay) {
        // "Every weekday" is written FREQ=DAILY;BYDAY=MO,…,FR: in Exchange a weekly series.
        if (byDay.some((d) => d.ordinal !== undefined)) throw invalid('gives a daily series weekday positions.');
        if (interval !== 1) throw fail('repeats on some weekdays every few days; Exchange cannot.');
        r = { pattern: 'weekly', days: sortDays(byDay.map((d) => d.day)), firstDayOfWeek };
      } else {
        r = { pattern: 'daily' };
      }
      break;
    }
    case 'WEEKLY': {
      if (byMonthDay || byMonth || bySetPos) throw fail('limits a weekly series by month or position; Exchange cannot.');
      if (byDay?.some((d) => d.ordinal !== undefined)) throw invalid('gives a weekly series weekday positions.');
      r = { pattern: 'weekly', days: sortDays(byDay ? byDay.map((d) => d.day) : [startWeekday]), firstDayOfWeek };
      break;
    }
    case 'MONTHLY': {
      if (byMonth) throw fail('limits a monthly series to some months; Exchange cannot.');
      if (byDay && byMonthDay) throw fail('combines BYDAY and BYMONTHDAY; Exchange cannot.');
      if (byDay) {
        r = { pattern: 'relativeMonthly', ...relative() };
      } else {
        if (bySetPos) throw fail('uses BYSETPOS without BYDAY.');
        r = { pattern: 'absoluteMonthly', dayOfMonth: single(byMonthDay, 'BYMONTHDAY', 1, 31) ?? startParts.day };
      }
      break;
    }
    default: {
      // YEARLY
      const month = single(byMonth, 'BYMONTH', 1, 12);
      if (byDay && byMonthDay) throw fail('combines BYDAY and BYMONTHDAY; Exchange cannot.');
      if (byDay) {
        if (month === undefined) throw fail('repeats on a weekday of the year without BYMONTH; Exchange needs a month.');
        r = { pattern: 'relativeYearly', month, ...relative() };
      } else {
        if (bySetPos) throw fail('uses BYSETPOS without BYDAY.');
        const dayOfMonth = single(byMonthDay, 'BYMONTHDAY', 1, 31) ?? startParts.day;
        const m = month ?? startParts.month;
        if (dayOfMonth > lastDayOfMonth(2024, m)) throw invalid(`names day ${dayOfMonth} of month ${m}, which never exists.`);
        r = { pattern: 'absoluteYearly', month: m, dayOfMonth };
      }
    }
  }

  const recurrence: Recurrence = { ...r, interval, startDate: start.date };
  if (count !== undefined) recurrence.count = count;

  if (parts.has('UNTIL')) {
    const until = untilDate(parts.get('UNTIL')!, start, zone);
    if (!until) throw invalid(`has the end ${show(parts.get('UNTIL'))}; expected YYYYMMDD or YYYYMMDDTHHMMSS[Z].`);
    if (until < start.date) throw invalid(`ends (${until}) before the series starts (${start.date}).`);
    recurrence.until = until;
  }

  // RFC 5545 leaves a series undefined when its start does not match the rule; Outlook then
  // starts at the first matching date. Say so rather than guess.
  if (!occursOn(recurrence, start.date)) {
    ctx.warn(
      MappingCode.seriesStartMismatch,
      fields.rule,
      `the series starts on ${start.date}, which the rule ${show(ruleText)} does not include; Outlook starts the series on the first date that matches.`,
    );
  }
  if ((r.pattern === 'absoluteMonthly' || r.pattern === 'absoluteYearly') && (r.dayOfMonth ?? 0) > 28) {
    ctx.warn(
      MappingCode.seriesShortMonths,
      fields.rule,
      `the series repeats on day ${r.dayOfMonth}; in months without that day büro+ (RFC 5545) skips the date, Outlook uses the last day of the month.`,
    );
  }

  const deleted = exceptionDates(ctx, fields.exceptions, [exceptionsText ?? '', ...exdates].join(';'), zone);
  const last = deleted.length > 0 ? lastOccurrence(recurrence) : undefined;
  const kept: string[] = [];
  for (const date of deleted) {
    if (!occursOn(recurrence, date) || (last !== undefined && date > last)) {
      ctx.warn(MappingCode.seriesExceptionIgnored, fields.exceptions, `${date} is no date of the series; the exception is left out.`);
    } else {
      kept.push(date);
    }
  }
  if (kept.length > 0) recurrence.deletedOccurrences = kept;
  return recurrence;
}

function positiveInteger(s: string): number | undefined {
  return /^\d+$/.test(s) && Number(s) > 0 ? Number(s) : undefined;
}

function integers(s: string, name: string, invalid: (t: string) => Error): number[] {
  return s.split(',').map((v) => {
    if (!/^[+-]?\d+$/.test(v.trim())) throw invalid(`has the ${name} value ${show(v)}.`);
    return Number(v);
  });
}

function parseByDay(s: string, invalid: (t: string) => Error): ByDay[] {
  return s.split(',').map((v) => {
    const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(v.trim());
    if (!m) throw invalid(`has the weekday ${show(v)}.`);
    return m[1] === undefined ? { day: WEEKDAYS[m[2]] } : { ordinal: Number(m[1]), day: WEEKDAYS[m[2]] };
  });
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function sortDays(days: Weekday[]): Weekday[] {
  // Monday first, as büro+ and Outlook show them.
  return unique(days).sort((a, b) => ((WEEKDAY_NUMBER[a] + 6) % 7) - ((WEEKDAY_NUMBER[b] + 6) % 7));
}

/**
 * UNTIL as the date of the last possible occurrence. A date-time UNTIL (UTC with `Z`, else
 * local) that lies before the series' time of day on its date ends the series the day before.
 */
function untilDate(value: string, start: SeriesStart, zone: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const p = parseDate(date);
  if (!p) return undefined;
  if (m[4] === undefined || start.isAllDay) return date;
  const time = { hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) };
  if (time.hour > 23 || time.minute > 59 || time.second > 59) return undefined;
  let local: LocalDateTime = { ...p, ...time };
  if (m[7]) local = localOf(new Date(Date.UTC(p.year, p.month - 1, p.day, time.hour, time.minute, time.second)), zone);
  const localDate = `${String(local.year).padStart(4, '0')}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
  const untilSeconds = local.hour * 3600 + local.minute * 60 + local.second;
  const startSeconds = start.time.hour * 3600 + start.time.minute * 60 + start.time.second;
  return untilSeconds < startSeconds ? addDays(localDate, -1) : localDate;
}

/** Exception dates: `YYYY-MM-DD`, `YYYYMMDD`, also with a time (a `Z` time is read in the zone). */
function exceptionDates(ctx: MapContext, field: string, text: string, zone: string): string[] {
  const dates = new Set<string>();
  for (const raw of text.split(/[;,\s]+/).map((s) => s.trim()).filter(Boolean)) {
    const m =
      /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:\.\d+)?)?(Z)?)?$/i.exec(raw);
    const date = m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
    if (!m || !date || !parseDate(date)) {
      throw ctx.error(MappingCode.seriesInvalid, field, `the exception date ${show(raw)} is no date (expected YYYY-MM-DD).`);
    }
    if (m[7] && m[4] !== undefined) {
      const p = parseDate(date)!;
      dates.add(dateInZone(new Date(Date.UTC(p.year, p.month - 1, p.day, Number(m[4]), Number(m[5]), Number(m[6] ?? 0))), zone));
    } else {
      dates.add(date);
    }
  }
  return [...dates].sort();
}

function daysBetween(a: string, b: string): number {
  const pa = parseDate(a)!;
  const pb = parseDate(b)!;
  return Math.round((Date.UTC(pb.year, pb.month - 1, pb.day) - Date.UTC(pa.year, pa.month - 1, pa.day)) / 86400000);
}

/** Date of the n-th (or last) of the given weekdays in a month. */
function relativeDay(year: number, month: number, days: Weekday[], index: NonNullable<Recurrence['index']>): number | undefined {
  const wanted = new Set(days.map((d) => WEEKDAY_NUMBER[d]));
  const matches: number[] = [];
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  for (let d = 1; d <= lastDayOfMonth(year, month); d++) if (wanted.has((first + d - 1) % 7)) matches.push(d);
  const pos = { first: 0, second: 1, third: 2, fourth: 3, last: matches.length - 1 }[index];
  return matches[pos];
}

/** Whether the series has an occurrence on this date (ignoring its end). */
export function occursOn(r: Recurrence, date: string): boolean {
  if (date < r.startDate) return false;
  const p = parseDate(date)!;
  const s = parseDate(r.startDate)!;
  const months = (p.year - s.year) * 12 + (p.month - s.month);
  switch (r.pattern) {
    case 'daily':
      return daysBetween(r.startDate, date) % r.interval === 0;
    case 'weekly': {
      const weekday = BY_NUMBER[weekdayOf(date)];
      if (!r.days?.includes(weekday)) return false;
      const wkst = WEEKDAY_NUMBER[r.firstDayOfWeek ?? 'monday'];
      const weekStart = (d: string) => addDays(d, -((weekdayOf(d) - wkst + 7) % 7));
      const weeks = Math.round(daysBetween(weekStart(r.startDate), weekStart(date)) / 7);
      return weeks % r.interval === 0;
    }
    case 'absoluteMonthly':
      return months % r.interval === 0 && p.day === r.dayOfMonth;
    case 'relativeMonthly':
      return months % r.interval === 0 && p.day === relativeDay(p.year, p.month, r.days ?? [], r.index ?? 'first');
    case 'absoluteYearly':
      return (p.year - s.year) % r.interval === 0 && p.month === r.month && p.day === r.dayOfMonth;
    case 'relativeYearly':
      return (
        (p.year - s.year) % r.interval === 0 &&
        p.month === r.month &&
        p.day === relativeDay(p.year, p.month, r.days ?? [], r.index ?? 'first')
      );
  }
}

/** Date of the last occurrence, or undefined for a series without end. */
export function lastOccurrence(r: Recurrence): string | undefined {
  if (r.until !== undefined) return r.until;
  if (r.count === undefined) return undefined;
  let seen = 0;
  let date = r.startDate;
  // Bounded walk: 400 years hold any count a calendar entry can carry.
  for (let i = 0; i < 400 * 366; i++, date = addDays(date, 1)) {
    if (occursOn(r, date) && ++seen === r.count) return date;
  }
  return undefined;
}

/**
 * Dates and wall-clock times in IANA zones, with Intl only (no date library), for the mapper
 * (büro+ local date-times → exact instants) and the Exchange transports (series dates, Graph's
 * dateTimeTimeZone). The process time zone never matters (tests run under TZ=UTC and
 * TZ=America/New_York).
 *
 * Two rules decide the times that a zone's clock change makes ambiguous, the same ones the
 * iCalendar standard uses for local times (RFC 5545 §3.3.5):
 * - a time in the spring-forward gap (2026-03-29 02:30 in Europe/Berlin does not exist)
 *   moves forward by the length of the gap (→ 03:30 CEST);
 * - a time in the fall-back overlap (2026-10-25 02:30 in Europe/Berlin happens twice)
 *   takes the first occurrence (→ 02:30 CEST, +02:00).
 */

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A büro+ date-time as written: local wall time (the usual case) or, with an offset, an instant. */
export type BueroDateTime = { local: LocalDateTime } | { instant: Date; local: LocalDateTime };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the runtime knows this IANA zone (e.g. `Europe/Berlin`). */
export function isTimeZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone.trim() === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in a zone. */
export function localOf(instant: Date, zone: string): LocalDateTime {
  const ms = Math.floor(instant.getTime() / 1000) * 1000;
  const offset = constantOffsets.get(zone)?.get(Math.floor(ms / DAY_MS));
  if (offset === undefined) return exactLocalOf(instant, zone);
  const d = new Date(ms + offset);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

/** The wall-clock fields by Intl (exact, but slow: the mapper of a catch-up calls this for every date). */
function exactLocalOf(instant: Date, zone: string): LocalDateTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(instant)) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  return {
    year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

function utcMs(l: LocalDateTime): number {
  const d = new Date(0);
  d.setUTCFullYear(l.year, l.month - 1, l.day);
  d.setUTCHours(l.hour, l.minute, l.second, 0);
  return d.getTime();
}

const DAY_MS = 24 * 3600 * 1000;
/**
 * zone → UTC day number → the offset of that whole day, for days whose offset is the same at
 * their first and last second (no zone changes its offset twice in a day, so none changes in
 * such a day). Days with a clock change are not kept and are always computed exactly.
 */
const constantOffsets = new Map<string, Map<number, number>>();

/** The zone's offset from UTC at an instant, in milliseconds (Berlin in summer: +7 200 000). */
export function offsetAt(instant: Date, zone: string): number {
  const ms = Math.floor(instant.getTime() / 1000) * 1000;
  const day = Math.floor(ms / DAY_MS);
  let days = constantOffsets.get(zone);
  const known = days?.get(day);
  if (known !== undefined) return known;
  const exact = (at: number) => utcMs(exactLocalOf(new Date(at), zone)) - at;
  const offset = exact(ms);
  const first = day * DAY_MS;
  const last = first + DAY_MS - 1000;
  if (exact(first) === offset && exact(last) === offset) {
    if (!days) constantOffsets.set(zone, (days = new Map()));
    if (days.size >= 100_000) days.clear();
    days.set(day, offset);
  }
  return offset;
}

/** The exact instant of a wall-clock time in a zone; gap → forward by the gap, overlap → first. */
export function zonedToInstant(local: LocalDateTime, zone: string): Date {
  const wall = utcMs(local);
  // No zone changes its offset twice within two days, so the offsets a day before and a day
  // after are the only candidates.
  const day = 24 * 3600 * 1000;
  const before = offsetAt(new Date(wall - day), zone);
  const after = offsetAt(new Date(wall + day), zone);
  const valid = [before, after].filter((o) => offsetAt(new Date(wall - o), zone) === o);
  if (valid.length > 0) {
    // Overlap: both offsets are valid; the larger offset is the earlier instant (first occurrence).
    return new Date(wall - Math.max(...valid));
  }
  // Gap: the wall time does not exist. Read it with the offset in force before the change,
  // which lands the same distance after the change as the time lies after the gap's start.
  return new Date(wall - before);
}

function pad(n: number, width = 2): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

export function formatDate(l: Pick<LocalDateTime, 'year' | 'month' | 'day'>): string {
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}`;
}

/** ISO 8601 with the zone's offset at that instant, e.g. `2026-03-29T03:30:00+02:00`. */
export function formatInstant(instant: Date, zone: string): string {
  const l = localOf(instant, zone);
  const offsetMin = Math.round(offsetAt(instant, zone) / 60000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${formatDate(l)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The calendar date (`YYYY-MM-DD`) of an instant in a zone. */
export function dateInZone(instant: Date, zone: string): string {
  return formatDate(localOf(instant, zone));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validLocal(l: LocalDateTime): boolean {
  return (
    [l.year, l.month, l.day, l.hour, l.minute, l.second].every(Number.isInteger) &&
    l.year >= 1 && l.year <= 9999 &&
    l.month >= 1 && l.month <= 12 &&
    l.day >= 1 && l.day <= daysInMonth(l.year, l.month) &&
    l.hour >= 0 && l.hour <= 23 &&
    l.minute >= 0 && l.minute <= 59 &&
    l.second >= 0 && l.second <= 59
  );
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads a büro+ date-time: `YYYY-MM-DDTHH:mm:ss` (local, the documented form), also with a
 * space, without seconds, with fractions, or a date alone (midnight). A value with `Z` or an
 * offset is an exact instant already. Returns undefined when the text is no valid date-time
 * (`2026-02-30`, `24:00`, `gestern`).
 */
export function parseBueroDateTime(value: unknown): BueroDateTime | undefined {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    return { instant: value, local: localOf(value, 'UTC') };
  }
  if (typeof value !== 'string') return undefined;
  const m = DATE_TIME.exec(value.trim());
  if (!m) return undefined;
  const local: LocalDateTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: m[4] === undefined ? 0 : Number(m[4]),
    minute: m[5] === undefined ? 0 : Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
  };
  if (!validLocal(local)) return undefined;
  if (m[7] === undefined) return { local };
  let offsetMs = 0;
  if (m[7].toUpperCase() !== 'Z') {
    const sign = m[7][0] === '-' ? -1 : 1;
    const digits = m[7].slice(1).replace(':', '');
    const h = Number(digits.slice(0, 2));
    const min = Number(digits.slice(2));
    if (h > 23 || min > 59) return undefined;
    offsetMs = sign * (h * 60 + min) * 60000;
  }
  return { instant: new Date(utcMs(local) - offsetMs), local };
}

/** The exact instant of a büro+ date-time read in the Mandant's zone. */
export function instantOf(value: BueroDateTime, zone: string): Date {
  return 'instant' in value ? value.instant : zonedToInstant(value.local, zone);
}

/** The calendar date a büro+ date-time falls on in the zone (the written date for local values). */
export function dateOf(value: BueroDateTime, zone: string): string {
  return 'instant' in value ? dateInZone(value.instant, zone) : formatDate(value.local);
}

/** Reads `YYYY-MM-DD` into its parts, or undefined. */
export function parseDate(date: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const l = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: 0, minute: 0, second: 0 };
  return validLocal(l) ? l : undefined;
}

/** `YYYY-MM-DD` plus n calendar days. */
export function addDays(date: string, n: number): string {
  const p = parseDate(date);
  if (!p) throw new RangeError(`not a date: ${date}`);
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day + n);
  return formatDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

/** Midnight at the start of a calendar date in the zone (a midnight in a gap moves forward). */
export function startOfDay(date: string, zone: string): Date {
  const p = parseDate(date);
  if (!p) throw new RangeError(`not a date: ${date}`);
  return zonedToInstant({ ...p, hour: 0, minute: 0, second: 0 }, zone);
}

/** Day of the week of a `YYYY-MM-DD` date: 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: string): number {
  const p = parseDate(date);
  if (!p) throw new RangeError(`not a date: ${date}`);
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  return d.getUTCDay();
}

export function lastDayOfMonth(year: number, month: number): number {
  return daysInMonth(year, month);
}

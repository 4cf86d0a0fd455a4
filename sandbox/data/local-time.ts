/**
 * Local calendar arithmetic without the process time zone: büro+ stores local date-times
 * (`YYYY-MM-DDTHH:mm:ss`, no offset) in the Mandant's zone, Europe/Berlin by default.
 */

/** Days since 1970-01-01 → [year, month 1–12, day] (H. Hinnant, "chrono-compatible low-level date algorithms"). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** [year, month 1–12, day] → days since 1970-01-01. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

export function localDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** `YYYY-MM-DDTHH:mm:ss` for a day and minutes after local midnight (may exceed a day). */
export function localDateTime(days: number, minutes: number): string {
  const extraDays = Math.floor(minutes / 1440);
  const rest = minutes - extraDays * 1440;
  return `${localDate(days + extraDays)}T${pad2(Math.floor(rest / 60))}:${pad2(rest % 60)}:00`;
}

/** Days of the last Sunday of a month. */
export function lastSunday(year: number, month: number): number {
  const lastDay = daysFromCivil(year, month + 1, 1) - 1;
  return lastDay - weekday(lastDay);
}

/**
 * Europe/Berlin offset from UTC in minutes at an instant. EU rule (Directive 2000/84/EC):
 * summer time from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC.
 */
export function berlinOffsetMinutes(utcMs: number): number {
  const days = Math.floor(utcMs / 86400000);
  const [year] = civilFromDays(days);
  const start = lastSunday(year, 3) * 86400000 + 3600000;
  const end = lastSunday(year, 10) * 86400000 + 3600000;
  return utcMs >= start && utcMs < end ? 120 : 60;
}

/** The Berlin wall-clock time of an instant as `YYYY-MM-DDTHH:mm:ss`. */
export function formatBerlinLocal(utcMs: number): string {
  const local = utcMs + berlinOffsetMinutes(utcMs) * 60000;
  const days = Math.floor(local / 86400000);
  const ms = local - days * 86400000;
  const secs = Math.floor(ms / 1000);
  return `${localDate(days)}T${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
}

/**
 * Calendar dates and wall-clock times in an IANA zone, with Intl only (no library): what a
 * task's due date or a series' start date means as an instant.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +7 200 000). */
export function zoneOffsetMs(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in a zone. A time that does not exist (inside the spring
 * gap) moves forward by the gap, as calendars do; an ambiguous one (autumn) takes the first.
 */
export function zonedToInstant(date: string, time: string, zone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // Offsets half a day before and after cover any transition near this wall time.
  const before = wall - zoneOffsetMs(wall - 14 * 3600_000, zone);
  const after = wall - zoneOffsetMs(wall + 14 * 3600_000, zone);
  const valid = [before, after].filter((t) => t + zoneOffsetMs(t, zone) === wall);
  return valid.length ? Math.min(...valid) : before;
}

/** The calendar date (YYYY-MM-DD) of an instant in a zone. */
export function dateInZone(instant: number, zone: string): string {
  const local = new Date(instant + zoneOffsetMs(instant, zone));
  return local.toISOString().slice(0, 10);
}

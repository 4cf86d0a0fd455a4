/**
 * Time zones as EWS names them (Windows ids, e.g. `W. Europe Standard Time`) mapped to IANA
 * zones, and wall-clock ↔ instant conversion through Intl (the process TZ plays no part).
 * Source of the mapping: CLDR windowsZones.xml (territory 001 rows).
 */

const WINDOWS_TO_IANA: Record<string, string> = {
  'UTC': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'Romance Standard Time': 'Europe/Paris',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest',
  'Russian Standard Time': 'Europe/Moscow',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Israel Standard Time': 'Asia/Jerusalem',
  'Arabian Standard Time': 'Asia/Dubai',
  'India Standard Time': 'Asia/Calcutta',
  'China Standard Time': 'Asia/Shanghai',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Atlantic Standard Time': 'America/Halifax',
  'E. South America Standard Time': 'America/Sao_Paulo',
};

/** IANA zone for an EWS time zone id (Windows id, or an IANA id as some clients send). */
export function ianaZone(windowsOrIana: string | undefined): string | undefined {
  if (!windowsOrIana) return undefined;
  const mapped = WINDOWS_TO_IANA[windowsOrIana];
  if (mapped) return mapped;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: windowsOrIana });
    return windowsOrIana;
  } catch {
    return undefined;
  }
}

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

/** Wall clock of an instant in a zone: [year, month (1-12), day, hour, minute, second]. */
export function wallClock(instantMs: number, zone: string): [number, number, number, number, number, number] {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(instantMs)).map((p) => [p.type, p.value]));
  return [+parts.year!, +parts.month!, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!];
}

function offsetMs(instantMs: number, zone: string): number {
  const [y, mo, d, h, mi, s] = wallClock(instantMs, zone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(instantMs / 1000) * 1000;
}

/**
 * Instant of a wall-clock time in a zone. A time in the spring-forward gap moves forward by the
 * gap (as Exchange/Windows do); an ambiguous autumn time takes the first (summer-time) instant.
 */
export function zonedToInstant(y: number, mo: number, d: number, h: number, mi: number, s: number, zone: string): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const o1 = offsetMs(guess - 12 * 3600_000, zone);
  const o2 = offsetMs(guess + 12 * 3600_000, zone);
  const candidates = [guess - o1, guess - o2].sort((a, b) => a - b);
  for (const c of candidates) if (offsetMs(c, zone) === (c === guess - o1 ? o1 : o2)) return c;
  // In the gap: neither offset reproduces the wall time; use the offset before the change.
  return guess - o1;
}

/** Parses an EWS xs:dateTime; an unzoned value is read in `zone` (TimeZoneContext) or UTC. */
export function parseEwsDateTime(value: string, zone?: string): number | undefined {
  const m = /^(-?\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  if (tz) {
    const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${tz === 'Z' ? 'Z' : tz}`);
    return Number.isNaN(t) ? undefined : t + ms;
  }
  if (zone && zone !== 'UTC') return zonedToInstant(+y!, +mo!, +d!, +h!, +mi!, +s!, zone) + ms;
  return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) + ms;
}

/** Exchange writes instants as UTC without fractions: `2026-03-29T08:00:00Z`. */
export function formatUtc(instantMs: number): string {
  return new Date(Math.floor(instantMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `YYYY-MM-DD` of an xs:date (which may carry a zone suffix, ignored). */
export function parseEwsDate(value: string): [number, number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value.trim());
  return m ? [+m[1]!, +m[2]!, +m[3]!] : undefined;
}

/** Offset of a zone at an instant, in minutes east of UTC. */
export function offsetMinutes(instantMs: number, zone: string): number {
  return Math.round(offsetMs(instantMs, zone) / 60_000);
}

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const duration = (minutes: number) => {
  const sign = minutes < 0 ? '-' : '';
  const m = Math.abs(minutes);
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return `${sign}PT${h ? h + 'H' : ''}${rest ? rest + 'M' : ''}${!h && !rest ? '0H' : ''}`;
};

/**
 * A full TimeZoneDefinition (Periods, TransitionsGroups, Transitions) as Exchange 2010 SP1+
 * returns for StartTimeZone/EndTimeZone, derived from the IANA rules of `year`; clients such
 * as ews-javascript-api refuse a definition without them. Inner XML of the element.
 */
export function timeZoneDefinitionXml(windowsId: string, zone: string, year = new Date().getUTCFullYear()): string {
  // Finding a year's changes takes thousands of Intl calls: once per zone and year.
  const cacheKey = `${windowsId}|${zone}|${year}`;
  let xml = definitions.get(cacheKey);
  if (xml === undefined) definitions.set(cacheKey, (xml = buildDefinition(windowsId, zone, year)));
  return xml;
}

const definitions = new Map<string, string>();

function buildDefinition(windowsId: string, zone: string, year: number): string {
  const prefix = `trule:Microsoft/Registry/${windowsId}/${year}`;
  const jan = offsetMinutes(Date.UTC(year, 0, 1), zone);
  const jul = offsetMinutes(Date.UTC(year, 6, 1), zone);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const period = (bias: number, name: string) => `<t:Period Bias="${duration(-bias)}" Name="${name}" Id="${esc(prefix)}-${name}"/>`;
  if (jan === jul) {
    return `<t:Periods>${period(jan, 'Standard')}</t:Periods>`
      + `<t:TransitionsGroups><t:TransitionsGroup Id="0"><t:Transition><t:To Kind="Period">${esc(prefix)}-Standard</t:To></t:Transition></t:TransitionsGroup></t:TransitionsGroups>`
      + '<t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions>';
  }
  const standard = Math.min(jan, jul);
  const daylight = Math.max(jan, jul);
  // Find the two changes of the year by scanning hours, then describe each as "n-th weekday of month at local time".
  const changes: { to: 'Standard' | 'Daylight'; at: number }[] = [];
  let prev = offsetMinutes(Date.UTC(year, 0, 1), zone);
  for (let t = Date.UTC(year, 0, 1) + 3600_000; t < Date.UTC(year + 1, 0, 1); t += 3600_000) {
    const o = offsetMinutes(t, zone);
    if (o !== prev) changes.push({ to: o === daylight ? 'Daylight' : 'Standard', at: t - 1 });
    prev = o;
  }
  const rule = (c: { to: string; at: number }) => {
    const before = offsetMinutes(c.at, zone);
    const local = new Date(c.at + 1 + before * 60_000); // wall clock just at the change, in the old offset
    const day = local.getUTCDate();
    const month = local.getUTCMonth() + 1;
    const last = day + 7 > new Date(Date.UTC(local.getUTCFullYear(), month, 0)).getUTCDate();
    const occurrence = last ? -1 : Math.ceil(day / 7);
    const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
    return `<t:RecurringDayTransition><t:To Kind="Period">${esc(prefix)}-${c.to}</t:To><t:TimeOffset>${duration(minutes)}</t:TimeOffset>`
      + `<t:Month>${month}</t:Month><t:DayOfWeek>${WEEKDAY_NAMES[local.getUTCDay()]}</t:DayOfWeek><t:Occurrence>${occurrence}</t:Occurrence></t:RecurringDayTransition>`;
  };
  return `<t:Periods>${period(standard, 'Standard')}${period(daylight, 'Daylight')}</t:Periods>`
    + `<t:TransitionsGroups><t:TransitionsGroup Id="0">${changes.map(rule).join('')}</t:TransitionsGroup></t:TransitionsGroups>`
    + '<t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions>';
}

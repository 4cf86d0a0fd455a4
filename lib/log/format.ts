/**
 * One log line per event:
 *
 *     2026-11-27 22:15:03.120 +01:00 ERROR Error MAPPING_FIELD_INVALID, record tblCalendar 4711, field fldBeginn: …
 *
 * Local time with its UTC offset (a reader in another zone, or on a DST night, still knows the
 * instant), the level, then the text in German or English. The level words stay English in
 * both languages so that grep and log shippers can filter them. Pure: the sink redacts.
 */
import { catalogues, type Language, type LogTexts } from './catalogue';
import type { SyncEvent } from './events';
import { plainReason } from './reasons';
import { formatDate, localOf, offsetAt } from '../time';

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** The info code of a line made from a Status-node message. */
export const STATUS_CODE = 'node-status';

export interface FormatOptions {
  language: Language;
  /** IANA zone for the timestamp; default: the zone of the process (TZ). */
  timeZone?: string;
}

/** Longer texts (a whole SOAP envelope in an error) are cut so one line stays readable. */
export const MAX_TEXT = 2000;

export function levelOf(event: SyncEvent): Level {
  switch (event.type) {
    case 'connection':
      return event.ok ? 'info' : 'error';
    case 'outage':
      return event.phase === 'begin' ? 'warn' : 'info';
    case 'error':
      return 'error';
    case 'transfer':
      return 'info';
    case 'info':
      return event.level ?? 'info';
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function offsetText(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const abs = Math.abs(minutesEast);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2026-11-27 22:15:03.120 +01:00` */
export function formatTimestamp(date: Date, timeZone?: string): string {
  const ms = pad(date.getUTCMilliseconds(), 3);
  if (!timeZone) {
    // The process zone: the Date getters follow TZ, also when a test changes it at run time.
    return (
      `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
      `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${ms} ` +
      offsetText(-date.getTimezoneOffset())
    );
  }
  const l = localOf(date, timeZone);
  return `${formatDate(l)} ${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}.${ms} ${offsetText(Math.round(offsetAt(date, timeZone) / 60_000))}`;
}

/** `850 ms`, `42 s`, `12 min 5 s`, `3 h 4 min`, `2 d 3 h` (SI symbols read the same in German). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  const d = Math.floor(h / 24);
  return `${d} d${h % 24 ? ` ${h % 24} h` : ''}`;
}

/** A line holds one event: line breaks inside library texts become ` | `. */
export function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' | ').replace(/[\t\v\f]/g, ' ').trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}… (+${flat.length - MAX_TEXT})` : flat;
}

function durationBetween(since: string | undefined, until: string): string {
  if (!since) return '';
  const ms = Date.parse(until) - Date.parse(since);
  return Number.isNaN(ms) ? '' : formatDuration(ms);
}

/** The text part of the line, in the chosen language. */
export function eventText(event: SyncEvent, language: Language): string {
  const t: LogTexts = catalogues[language];
  switch (event.type) {
    case 'connection': {
      const mailbox = event.mailbox ? t.mailbox(event.mailbox) : '';
      const system = t.system[event.system] ?? event.system;
      return event.ok
        ? t.connected(system, event.endpoint, mailbox)
        : t.connectionFailed(system, event.endpoint, mailbox, plainReason(event.reason, language, event.code));
    }
    case 'outage': {
      const mailbox = event.mailbox ? t.mailbox(event.mailbox) : '';
      const system = t.system[event.system] ?? event.system;
      return event.phase === 'begin'
        ? t.outageBegin(system, event.endpoint, mailbox, plainReason(event.reason, language, event.code))
        : t.outageEnd(system, event.endpoint, mailbox, durationBetween(event.since, event.time));
    }
    case 'error': {
      const text = t.error(event.code, event.record, event.field, event.reason || t.noMessage);
      return text + (event.source ? t.node(event.source) : '');
    }
    case 'transfer': {
      const extra: string[] = [];
      if (event.version !== undefined && event.version !== '') extra.push(t.version(event.version));
      if (typeof event.durationMs === 'number') extra.push(formatDuration(event.durationMs));
      return t.transfer(t.kind[event.kind] ?? event.kind, t.action[event.action] ?? event.action, event.mailbox, event.key, extra);
    }
    case 'info':
      if (event.code === STATUS_CODE) return t.status(event.source ?? '?', event.text ?? '');
      return `${infoText(event, language)} (${event.code})${event.source ? t.node(event.source) : ''}`;
  }
}

/**
 * The words of an info event: rendered from its code and values in the given language (the
 * one place that does), else its free text.
 */
export function infoText(event: Extract<SyncEvent, { type: 'info' }>, language: Language): string {
  const t = catalogues[language];
  const render = event.params && Object.hasOwn(t.info, event.code) ? t.info[event.code] : undefined;
  return render ? render(event.params!) : (event.text ?? '');
}

/** The whole line, without the trailing newline. The time is the event's own. */
export function formatLine(event: SyncEvent, options: FormatOptions): string {
  const at = new Date(event.time);
  const level = levelOf(event).toUpperCase().padEnd(5);
  return `${formatTimestamp(at, options.timeZone)} ${level} ${oneLine(eventText(event, options.language))}`;
}

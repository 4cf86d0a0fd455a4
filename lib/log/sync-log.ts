/**
 * The log sink's logic without I/O: takes any message, decides whether it becomes a line,
 * and returns the redacted event and its line. The node writes the line to the LogFile.
 * Keeps the little state a line needs: when each outage began (for its duration) and the
 * last status of each node (a status is logged only for a problem and for its end).
 */
import type { Language } from './catalogue';
import type { SyncEvent } from './events';
import { eventText, formatLine, levelOf, oneLine, type Level } from './format';
import { classify } from './inputs';
import { redact, redactDeep } from './redact';

/** Topic of the sink's output messages: `{ topic, payload: SyncEvent, line, level }`. */
export const LOG_TOPIC = 'buero-sync/log';

/** Info code of the line about lines lost while the file could not be written. */
export const LINES_LOST = 'log-lines-lost';

export interface SyncLogOptions {
  language: Language;
  /** One line per item written ("log every transfer", docs/behaviours.md B13); off by default. */
  logTransfers: boolean;
  timeZone?: string;
  clock?: () => Date;
  /** The sink's own node id: its own status changes are not logged (they would loop). */
  selfId?: string;
  /** Turns a status text that is an i18n key (`node-red:common.status.connected`) into words. */
  translateStatus?: (text: string) => string;
}

export interface LogEntry {
  /** The event, with every secret redacted. */
  event: SyncEvent;
  level: Level;
  /** The line for the file, redacted, without newline. */
  line: string;
  /** The line without timestamp and level (for Node-RED's own log, which adds both). */
  text: string;
}

const isProblem = (fill: string) => fill === 'red' || fill === 'yellow';

export type Accepted = { entry: LogEntry } | { skipped: string };

export class SyncLog {
  private readonly outageSince = new Map<string, string>();
  private readonly lastStatus = new Map<string, { text: string; fill: string }>();
  private readonly clock: () => Date;

  constructor(private readonly options: SyncLogOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  accept(msg: unknown): Accepted {
    const c = classify(msg, this.clock());
    if (c.kind === 'ignored') return { skipped: c.why };
    let event = c.event;

    if (event.type === 'transfer' && !this.options.logTransfers) return { skipped: 'transfer (log every transfer is off)' };

    if (c.kind === 'status' && event.type === 'info') {
      if (c.sourceId && c.sourceId === this.options.selfId) return { skipped: "the log sink's own status" };
      const raw = event.text ?? '';
      const text = this.options.translateStatus ? this.options.translateStatus(raw) : raw;
      const before = this.lastStatus.get(c.sourceId);
      this.lastStatus.set(c.sourceId, { text, fill: c.fill });
      // Only problems and their end are worth a line: a red or yellow status when its text is new,
      // and the first normal status after one. Routine changes (polling, counters) are not logged.
      if (text === '') return { skipped: 'status cleared' };
      if (isProblem(c.fill)) {
        if (before && isProblem(before.fill) && before.text === text) return { skipped: 'status unchanged' };
      } else if (!before || !isProblem(before.fill)) {
        return { skipped: 'routine status' };
      }
      event = { ...event, text };
    }

    if (event.type === 'outage') event = this.withOutageStart(event);

    return { entry: this.entry(event) };
  }

  /** The line saying how many lines were lost while the file could not be written. */
  linesLost(count: number): LogEntry {
    return this.entry({
      type: 'info',
      code: LINES_LOST,
      params: { count },
      level: 'warn',
      time: this.clock().toISOString(),
    });
  }

  private entry(event: SyncEvent): LogEntry {
    const safe = redactDeep(event);
    const line = redact(formatLine(safe, this.options));
    return { event: safe, level: levelOf(safe), line, text: redact(oneLine(eventText(safe, this.options.language))) };
  }

  private withOutageStart(event: Extract<SyncEvent, { type: 'outage' }>): SyncEvent {
    const key = `${event.system}|${event.endpoint}|${event.mailbox ?? ''}`;
    if (event.phase === 'begin') {
      // A repeated 'begin' during the same outage keeps the first start.
      if (!this.outageSince.has(key)) this.outageSince.set(key, event.time);
      return event;
    }
    const since = event.since ?? this.outageSince.get(key);
    this.outageSince.delete(key);
    return since ? { ...event, since } : event;
  }
}

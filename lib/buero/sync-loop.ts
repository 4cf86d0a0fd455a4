import { BueroCode } from '../error-codes';
import { SyncError, toError } from '../errors';
import type { SyncEvent } from '../log/events';
import { backoffStep, type BackoffPolicy } from '../net/retry';
import type { BackfillResult, PollResult } from './change-feed';

/**
 * When the change feed polls: every interval while automatic sync is on, at once on
 * "sync-now", never two polls at a time. büro+ unreachable or 5xx → retry with growing
 * backoff and one outage line in the log (begin and end), not one per poll.
 */
export type LoopState =
  | 'starting'
  | 'polling'
  | 'idle'
  | 'paused'
  | 'outage'
  | 'reconnect'
  | 'not-connected'
  | 'refused'
  | 'error'
  | 'stopped'
  | 'backfill'
  | 'waiting-acks';

export interface LoopStatus {
  state: LoopState;
  users?: number;
  pending?: number;
  error?: SyncError;
}

/** How büro+ answers, for monitoring (times in ms since the epoch). */
export interface LoopHealth {
  /** Polls failed in a row. */
  failures: number;
  /** When a poll last succeeded. */
  lastSuccessAt?: number;
  /** Since when every poll failed (unset once one succeeds). */
  failingSince?: number;
  /** When the next try after a failure is due (the back-off). */
  retryAt?: number;
}

export interface PollingFeed {
  poll(opts: { deletions?: boolean }): Promise<PollResult>;
  backfill(opts: { dryRun: boolean }): Promise<BackfillResult>;
  readonly pending: number;
}

export interface SyncLoopOptions {
  feed: PollingFeed;
  /** büro+ origin for events (never a credential). */
  endpoint: string;
  intervalMs: number;
  /** Automatic sync on (docs/behaviours.md B12); off: polls only on "sync-now". */
  autoSync: boolean;
  /** Check for deletions every this many polls (default 4). */
  deletionEvery?: number;
  /** Retry delays after a failure: doubling from baseMs up to maxMs. */
  backoff?: BackoffPolicy;
  onStatus(s: LoopStatus): void;
  event(e: SyncEvent): void;
  /** A failure of the whole poll (not of one record), reported once until it changes. */
  error(err: SyncError): void;
  clock?: () => Date;
}

const AUTH_STATES: Record<string, LoopState> = {
  [BueroCode.reconnectNeeded]: 'reconnect',
  [BueroCode.notConnected]: 'not-connected',
  // A static token büro+ refuses (401), or a büro+ user without GraphQL access (403).
  [BueroCode.auth]: 'refused',
  [BueroCode.forbidden]: 'refused',
};

function asSyncError(err: unknown): SyncError {
  if (err instanceof SyncError) return err;
  const e = toError(err);
  return new SyncError(BueroCode.internal, e.message, { cause: e });
}

export class SyncLoop {
  private readonly o: SyncLoopOptions;
  private readonly clock: () => Date;
  private paused: boolean;
  private stopped = false;
  private fatal = false;
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private polls = 0;
  /** When the last poll that counted (for the deletion check) started. */
  private lastCounted?: number;
  private failures = 0;
  private inOutage = false;
  private outageSince?: string;
  /** The failure last reported (code + message), so a repeating one is reported once. */
  private lastFailure?: string;
  private everConnected = false;
  private lastStatus: LoopStatus = { state: 'starting' };
  private lastSuccessAt?: number;
  private failingSince?: number;
  private retryAt?: number;

  constructor(opts: SyncLoopOptions) {
    this.o = opts;
    this.clock = opts.clock ?? (() => new Date());
    this.paused = !opts.autoSync;
  }

  get status(): LoopStatus {
    return this.lastStatus;
  }

  get health(): LoopHealth {
    return { failures: this.failures, lastSuccessAt: this.lastSuccessAt, failingSince: this.failingSince, retryAt: this.retryAt };
  }

  get isPaused(): boolean {
    return this.paused;
  }

  start(): void {
    this.setStatus(this.paused ? { state: 'paused' } : { state: 'starting' });
    if (!this.paused) this.schedule(0);
  }

  pause(): void {
    this.paused = true;
    this.clearTimer();
    if (!this.fatal) this.setStatus({ state: 'paused' });
  }

  resume(): void {
    if (this.stopped || this.fatal) return;
    this.paused = false;
    this.schedule(0);
  }

  /** Poll soon again after a failure was fixed from outside (e.g. "Connect to büro+" done). */
  kick(): void {
    if (this.timer || this.paused) this.schedule(0);
  }

  /**
   * The change feed waited for acknowledgements and they came: the next poll goes now, as a
   * poll of the catch-up (the writer paces a backlog this way; waiting a whole interval
   * would slow it to one page per interval).
   */
  readyForMore(): void {
    if (this.timer && this.lastStatus.state === 'waiting-acks') this.schedule(0, true);
  }

  /** One poll now (also while paused), with the deletion check. */
  syncNow(): Promise<PollResult | undefined> {
    return this.enqueue(() => this.pollOnce(true));
  }

  backfill(dryRun: boolean): Promise<BackfillResult> {
    return this.enqueue(async () => {
      this.setStatus({ state: 'backfill' });
      try {
        return await this.o.feed.backfill({ dryRun });
      } finally {
        this.setStatus(this.paused ? { state: 'paused' } : { state: 'idle', pending: this.o.feed.pending });
      }
    });
  }

  /** Stops polling; resolves when a poll in flight has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.chain.catch(() => undefined);
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** `catchingUp`: the poll before left more to read, so this one follows at once. */
  private schedule(ms: number, catchingUp = false): void {
    this.clearTimer();
    if (this.stopped || this.paused || this.fatal) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueue(async () => {
        if (this.stopped || this.paused) return;
        const r = await this.pollOnce(false, catchingUp);
        if (this.stopped || this.paused || this.fatal) return;
        if (r === undefined) {
          const delay = this.retryDelay();
          this.retryAt = this.clock().getTime() + delay;
          this.schedule(delay);
        } else {
          if (r.more) this.schedule(0, true);
          else this.schedule(this.o.intervalMs);
        }
      });
    }, ms);
    this.timer.unref?.();
  }

  /** The plain step, without jitter: one poller per büro+ server has nobody to spread out from. */
  private retryDelay(): number {
    return backoffStep(this.failures, this.o.backoff ?? { baseMs: 1000, maxMs: Math.max(60_000, this.o.intervalMs) });
  }

  /** Runs one poll; returns undefined when it failed (the failure is reported). */
  private async pollOnce(forceDeletions: boolean, catchingUp = false): Promise<PollResult | undefined> {
    if (this.stopped || this.fatal) return undefined;
    this.setStatus({ state: 'polling' });
    const every = Math.max(1, this.o.deletionEvery ?? 4);
    // The polls of a catch-up follow each other at once; one of them counts only once an
    // interval has passed, so the deletion check (it reads every id) keeps its pace in time
    // instead of coming every few passes of a backlog.
    const now = this.clock().getTime();
    const counts = !catchingUp || this.lastCounted === undefined || now - this.lastCounted >= this.o.intervalMs;
    try {
      const r = await this.o.feed.poll({ deletions: forceDeletions || (counts && this.polls % every === 0) });
      if (counts) {
        this.polls += 1;
        this.lastCounted = now;
      }
      this.succeeded();
      this.setStatus(
        r.waitingForAcks
          ? { state: 'waiting-acks', pending: this.o.feed.pending }
          : this.paused
            ? { state: 'paused' }
            : { state: 'idle', users: r.users, pending: this.o.feed.pending },
      );
      return r;
    } catch (err) {
      // Stopping closes the connection under a poll in flight: not an outage worth a line.
      if (!this.stopped) this.failed(asSyncError(err));
      return undefined;
    }
  }

  private succeeded(): void {
    const now = this.clock();
    const time = now.toISOString();
    this.lastSuccessAt = now.getTime();
    this.failingSince = undefined;
    this.retryAt = undefined;
    if (this.inOutage) {
      this.o.event({ type: 'outage', system: 'buero', phase: 'end', endpoint: this.o.endpoint, since: this.outageSince, time });
      this.inOutage = false;
    }
    if (!this.everConnected || this.lastFailure !== undefined) {
      this.o.event({ type: 'connection', system: 'buero', ok: true, endpoint: this.o.endpoint, time });
    }
    this.everConnected = true;
    this.failures = 0;
    this.lastFailure = undefined;
  }

  private failed(err: SyncError): void {
    this.failures += 1;
    const now = this.clock();
    const time = now.toISOString();
    this.failingSince ??= now.getTime();
    const key = `${err.code}:${err.message}`;
    const first = this.lastFailure !== key;
    if (err.retryable) {
      if (!this.inOutage) {
        this.inOutage = true;
        this.outageSince = time;
        this.o.event({ type: 'outage', system: 'buero', phase: 'begin', endpoint: this.o.endpoint, reason: err.message, code: err.code, time });
      }
      this.lastFailure = key;
      this.setStatus({ state: 'outage', error: err });
      return;
    }
    if (first) {
      this.o.event({ type: 'connection', system: 'buero', ok: false, endpoint: this.o.endpoint, reason: err.message, code: err.code, time });
      this.o.error(err);
    }
    this.lastFailure = key;
    if (err.code === BueroCode.mandantMismatch) {
      // The endpoint serves another company's data: never read it.
      this.fatal = true;
      this.clearTimer();
      this.setStatus({ state: 'stopped', error: err });
      return;
    }
    this.setStatus({ state: AUTH_STATES[err.code] ?? 'error', error: err });
  }

  private setStatus(s: LoopStatus): void {
    this.lastStatus = s;
    this.o.onStatus(s);
  }
}

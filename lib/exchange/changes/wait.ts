import { ExchangeCode } from '../../error-codes';
import { systemClock, type Clock } from '../../net/retry';
import { ExchangeError } from '../errors';

/**
 * Exchange's wait hints, honoured by the change readers: after a 429 or 503 with Retry-After
 * (or EWS's BackOffMilliseconds) no request goes to the mailbox, or to the endpoint when the
 * whole endpoint asked, before the time is over. The readers do not resend by themselves: the
 * read fails, the caller polls again later, and a poll inside the wait sends nothing.
 */
export class WaitHints {
  /** mailbox (lower case) or '' for the whole endpoint → ms since the epoch. */
  private readonly until = new Map<string, number>();

  constructor(private readonly clock: Clock = systemClock) {}

  /** Throws when Exchange asked to wait and the time is not over. */
  check(mailbox: string): void {
    const now = this.clock.now();
    const end = Math.max(this.until.get(mailbox.toLowerCase()) ?? 0, this.until.get('') ?? 0);
    if (end <= now) return;
    throw new ExchangeError(ExchangeCode.serverBusy,
      `Exchange asked to wait before the next request for ${mailbox}; ${Math.ceil((end - now) / 1000)} s are left`, {
        scope: 'mailbox', retryable: true, backOffMs: end - now,
      });
  }

  /** Notes the wait an error asks for (none: nothing to note). */
  note(mailbox: string, err: unknown): void {
    if (!(err instanceof ExchangeError) || !err.backOffMs || err.backOffMs <= 0) return;
    const target = err.scope === 'endpoint' ? '' : mailbox.toLowerCase();
    const end = this.clock.now() + err.backOffMs;
    if ((this.until.get(target) ?? 0) < end) this.until.set(target, end);
  }

  /** Runs one read of `mailbox` under the hints. */
  async run<T>(mailbox: string, read: () => Promise<T>): Promise<T> {
    this.check(mailbox);
    try {
      return await read();
    } catch (err) {
      this.note(mailbox, err);
      throw err;
    }
  }
}

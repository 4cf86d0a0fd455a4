import { ExchangeCode } from '../error-codes';
import { systemClock, type Clock } from '../net/retry';
import type { ExchangeConnection } from './connection/exchange-connection';
import { ExchangeError } from './errors';

/**
 * Exchange's wait hints, shared by both lanes: after an answer with Retry-After (Graph 429/503)
 * or BackOffMilliseconds (EWS ErrorServerBusy) no request goes to the mailbox, or to any
 * mailbox when the whole endpoint asked, before the time is over — whichever lane (lane 1's
 * writer, the way back's change reader, its writer stamping keys) met the answer. Exchange Online counts a request inside
 * the wait against the application, not against the node that sent it.
 *
 * Times are kept on this object's clock; callers ask for the time left (`waitLeft`), so a
 * caller with a clock of its own (a test's shifted clock) adds it to its own `now`.
 */
export class WaitHints {
  /** Mailbox (lower case) or '' for the whole endpoint → ms since the epoch on `clock`. */
  private readonly until = new Map<string, number>();

  constructor(private readonly clock: Clock = systemClock) {}

  /** The wait left (ms, 0 for none) before a request may go to `mailbox`: its own or the endpoint's. */
  waitLeft(mailbox: string): number {
    const end = Math.max(this.until.get(key(mailbox)) ?? 0, this.until.get('') ?? 0);
    return Math.max(0, end - this.clock.now());
  }

  /** The wait left (ms, 0 for none) before any request may go to the endpoint. */
  endpointWaitLeft(): number {
    return Math.max(0, (this.until.get('') ?? 0) - this.clock.now());
  }

  /** Throws a WaitRefusal (EXCHANGE_SERVER_BUSY, the time left) when Exchange asked to wait and the time is not over. */
  check(mailbox: string): void {
    const left = this.waitLeft(mailbox);
    if (left <= 0) return;
    throw new WaitRefusal(mailbox, left);
  }

  /** Notes the wait an error asks for (none: nothing to note); the endpoint's when the endpoint asked. */
  note(mailbox: string, err: unknown): void {
    if (!(err instanceof ExchangeError) || !err.backOffMs || err.backOffMs <= 0) return;
    this.wait(err.scope === 'endpoint' ? undefined : mailbox, err.backOffMs);
  }

  /** No request to `mailbox` (undefined: to the endpoint) for `ms` from now; a longer wait noted before stays. */
  wait(mailbox: string | undefined, ms: number): void {
    if (!(ms > 0)) return;
    const now = this.clock.now();
    const target = mailbox === undefined ? '' : key(mailbox);
    const end = now + ms;
    if ((this.until.get(target) ?? 0) < end) this.until.set(target, end);
    // Waits that are over are forgotten (the map stays as small as the mailboxes waiting).
    for (const [k, t] of this.until) if (t <= now) this.until.delete(k);
  }

  /** Runs one read of `mailbox` under the hints: refused inside a wait, its own hint noted. */
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

/**
 * A request not sent because Exchange asked to wait (this lane or the other met the busy
 * answer): nothing reached Exchange, nothing failed there.
 */
export class WaitRefusal extends ExchangeError {
  constructor(mailbox: string, left: number) {
    super(ExchangeCode.serverBusy, `Exchange asked to wait before the next request for ${mailbox}; ${Math.ceil(left / 1000)} s are left`, {
      scope: 'mailbox', retryable: true, backOffMs: left,
    });
  }
}

function key(mailbox: string): string {
  return mailbox.trim().toLowerCase();
}

/** One WaitHints per Exchange endpoint in this process (both lanes run in one Node-RED). */
const shared = new Map<string, WaitHints>();

/**
 * The hints of an endpoint (the URL requests go to), shared by every node of the process that
 * talks to it; on the system clock.
 */
export function sharedWaitHints(endpoint: string): WaitHints {
  const k = endpoint.trim().replace(/\/+$/, '').toLowerCase();
  let hints = shared.get(k);
  if (!hints) shared.set(k, (hints = new WaitHints()));
  return hints;
}

/** The shared hints of the endpoint a connection's requests go to (Graph or EWS, as it chose). */
export function waitHintsOf(connection: Pick<ExchangeConnection, 'api' | 'graphUrl' | 'ewsUrl'>): WaitHints {
  return sharedWaitHints(connection.api === 'graph' ? connection.graphUrl : connection.ewsUrl);
}

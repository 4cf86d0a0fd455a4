/**
 * When to try again, for both sides (büro+ and Exchange): the clock retries wait on, the
 * growing back-off after a failure, and a server's own wait hint (Retry-After). Time and
 * chance are injectable so tests are exact.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A waiting retry must not keep Node-RED (or a test run) alive on its own.
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface BackoffPolicy {
  /** First wait after a failure. */
  baseMs: number;
  /** Longest wait between two tries. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 5 * 60_000 };

/** The exponential step: `baseMs` after the first failure, doubling up to `maxMs`. */
export function backoffStep(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
}

/**
 * Exponential backoff with "equal jitter": half the exponential step for sure, the other half
 * random, so many writers that failed together do not retry together
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 * `failures` counts the failures so far (1 for the first).
 */
export function backoffDelay(failures: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const step = backoffStep(failures, policy);
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Waiting for a server's own hint (EWS BackOffMilliseconds, Retry-After): at least that long,
 * plus up to 10 % so mailboxes throttled together do not come back in the same millisecond.
 */
export function hintedDelay(hintMs: number, random: () => number): number {
  return Math.ceil(hintMs + random() * hintMs * 0.1);
}

/**
 * The wait a server asks for in its Retry-After header: seconds or an HTTP date (RFC 9110
 * § 10.2.3). Undefined when there is none or it cannot be read.
 */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const header = headers['retry-after'] ?? headers['Retry-After'];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

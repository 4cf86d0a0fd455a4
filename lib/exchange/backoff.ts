/**
 * Time and chance for the writer, injectable so tests are exact.
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

/**
 * Exponential backoff with "equal jitter": half the exponential step for sure, the other half
 * random, so many writers that failed together do not retry together
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 * `failures` counts the failures so far (1 for the first).
 */
export function backoffDelay(failures: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Waiting for a server's own hint (EWS BackOffMilliseconds, Retry-After): at least that long,
 * plus up to 10 % so mailboxes throttled together do not come back in the same millisecond.
 */
export function hintedDelay(hintMs: number, random: () => number): number {
  return Math.ceil(hintMs + random() * hintMs * 0.1);
}

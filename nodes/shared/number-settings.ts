/**
 * Number settings as the edit dialogs save them: a number, a numeric text, or empty. Two rules,
 * because the settings differ in what an out-of-range value means.
 */

/** A setting that must be above zero (seconds, a count): anything else means the default. */
export function positiveNumber(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * A whole number within limits (a batch size, a number of parallel requests): a value out of
 * range becomes the nearest limit, a fraction is rounded; empty or not a number means the default.
 */
export function wholeNumberWithin(value: unknown, fallback: number, min: number, max: number): number {
  const n = Number(value);
  return Number.isFinite(n) && value !== '' && value !== undefined ? Math.min(max, Math.max(min, Math.round(n))) : fallback;
}

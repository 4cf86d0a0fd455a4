/**
 * A node status shown at most once per interval: thousands of items in a sync must not flood
 * the editor with status messages. A change within the interval is shown when it ends (the
 * state at that moment, not every step on the way).
 */
export interface ThrottledStatus {
  /** Shows the status now (`now`) or as soon as the interval allows. */
  update(now?: boolean): void;
  /** Drops a pending update (the node is closing). */
  stop(): void;
}

export function throttledStatus(intervalMs: number, show: () => void): ThrottledStatus {
  let shownAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const update = (now = false): void => {
    const wait = intervalMs - (Date.now() - shownAt);
    if (!now && wait > 0) {
      timer ??= setTimeout(() => {
        timer = undefined;
        update(true);
      }, wait);
      return;
    }
    shownAt = Date.now();
    show();
  };
  return {
    update,
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

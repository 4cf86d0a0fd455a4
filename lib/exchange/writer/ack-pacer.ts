/**
 * Acknowledges queued changes to the change source only while the writer's queue is short.
 *
 * The queue is durable, so a change could be acknowledged as soon as it is in it. Holding the
 * acknowledgement while more than `limit` changes wait makes the change source stop at its
 * limit of unacknowledged changes: a backlog then waits in büro+ and is read page by page as
 * fast as it is written, instead of being read, mapped and queued all at once — the burst that
 * set the process's memory peak (docs/architecture.md, step 6).
 *
 * Holding costs nothing in safety: an unacknowledged change is read again after a crash and
 * written idempotently (lib/buero/feed/outbox.ts). On a regular close what is held is
 * acknowledged (`flush`): it is in the durable queue.
 */
export interface AckPacerOptions {
  /** Acknowledge while at most this many changes are queued. */
  limit: number;
  /** Changes in the writer's queue now that it can write (held ones included; not those waiting out a back-off). */
  queued(): number;
  ack(tokens: unknown[]): void;
  /** How often held acknowledgements are looked at again (default 200 ms). */
  checkMs?: number;
}

export class AckPacer {
  private held: unknown[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: AckPacerOptions) {}

  /** Acknowledgements held back now. */
  get holding(): number {
    return this.held.length;
  }

  /** Tokens of changes just committed to the queue: acknowledged now, or once the queue is short. */
  take(tokens: unknown[]): void {
    if (tokens.length === 0) return;
    for (const t of tokens) this.held.push(t);
    this.release();
  }

  /** Acknowledges everything held when the queue is short enough; otherwise looks again soon. */
  release(): void {
    if (this.held.length === 0) return this.stopTimer();
    if (this.o.queued() > this.o.limit) {
      this.timer ??= setInterval(() => this.release(), this.o.checkMs ?? 200);
      this.timer.unref?.();
      return;
    }
    this.flush();
  }

  /** Acknowledges everything held (closing: it is all in the durable queue). */
  flush(): void {
    this.stopTimer();
    const out = this.held;
    this.held = [];
    if (out.length > 0) this.o.ack(out);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

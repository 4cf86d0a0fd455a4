/**
 * The log file: appends lines, rotates by size through rotating-file-stream (classical
 * logrotate naming: ExchangeSync.log, ExchangeSync.log.1 … .N-1, the oldest dropped), and
 * keeps appending to the same file across restarts. A write failure (directory missing and
 * not creatable, disk full, file locked) never throws: it is reported once through onError,
 * the lines meanwhile are counted as lost, and the file is opened again after retryMs.
 */
import path from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';

export interface LogFileOptions {
  /** Absolute path of the current file. */
  file: string;
  /** Rotate when the current file reaches this size. */
  maxBytes: number;
  /** How many files the log uses at most, the current one included (at least 2). */
  files: number;
  /** How long to wait after a failure before opening the file again. */
  retryMs?: number;
  clock?: () => number;
  /** Called once per failure (not again until the file could be written again). */
  onError?: (error: Error) => void;
  /** Called when the file is writable again, with the number of lines lost meanwhile. */
  onRecovered?: (lost: number) => void;
}

export const DEFAULT_RETRY_MS = 30_000;

/** Two writers rotating one file would rename it under each other: one owner per path. */
const owners = new Set<string>();

export class LogFile {
  private stream?: RotatingFileStream;
  private failedAt = 0;
  private closed = false;
  private lostSinceFailure = 0;
  /** The failure being reported, until the file is writable again. */
  failure?: Error;
  /** Lines that were handed to the file but could not be written. */
  lost = 0;

  private readonly clock: () => number;
  private readonly retryMs: number;

  constructor(private readonly options: LogFileOptions) {
    if (!path.isAbsolute(options.file)) throw new Error(`log file path must be absolute: ${options.file}`);
    if (!Number.isInteger(options.maxBytes) || options.maxBytes < 1) throw new Error('maxBytes must be a positive integer');
    if (!Number.isInteger(options.files) || options.files < 2) throw new Error('files must be an integer of at least 2');
    if (owners.has(options.file)) throw new Error(`log file ${options.file} is already written by another sync log`);
    owners.add(options.file);
    this.clock = options.clock ?? Date.now;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.open();
  }

  get file(): string {
    return this.options.file;
  }

  /**
   * Appends one line (a newline is added). Returns false when the line is dropped because
   * the file is failing (or closed); never throws.
   */
  write(line: string): boolean {
    if (this.closed) return false;
    if (!this.stream) {
      if (this.clock() - this.failedAt < this.retryMs) {
        this.countLost();
        return false;
      }
      this.open();
    }
    const stream = this.stream;
    if (!stream) {
      this.countLost();
      return false;
    }
    stream.write(`${line}\n`, (err) => {
      if (err) this.countLost();
    });
    return true;
  }

  /** Finishes the writes in flight and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stream = this.stream;
    this.stream = undefined;
    try {
      if (stream && !stream.destroyed) {
        await new Promise<void>((resolve) => {
          stream.once('error', () => resolve());
          stream.end(() => resolve());
        });
      }
    } finally {
      owners.delete(this.options.file);
    }
  }

  private open(): void {
    let stream: RotatingFileStream;
    try {
      stream = createStream(path.basename(this.options.file), {
        path: path.dirname(this.options.file),
        size: `${this.options.maxBytes}B`,
        rotate: this.options.files - 1,
      });
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    stream.on('error', (err: Error) => {
      if (stream === this.stream) this.fail(err);
    });
    stream.on('open', () => {
      if (stream === this.stream && this.failure) this.recover();
    });
    // Warnings are about rotation housekeeping (a rotated file vanished): nothing is lost.
    stream.on('warning', () => undefined);
    this.stream = stream;
  }

  private fail(err: Error): void {
    const stream = this.stream;
    this.stream = undefined;
    this.failedAt = this.clock();
    if (stream && !stream.destroyed) stream.destroy();
    if (!this.failure) {
      this.failure = err;
      this.options.onError?.(err);
    }
  }

  private recover(): void {
    const lost = this.lostSinceFailure;
    this.failure = undefined;
    this.lostSinceFailure = 0;
    this.options.onRecovered?.(lost);
  }

  private countLost(): void {
    this.lost++;
    this.lostSinceFailure++;
  }
}

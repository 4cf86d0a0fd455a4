/**
 * The one error type of the engine: a code a program can test, the record and field it is
 * about, and a sentence a support person understands. The log line, the node status and the
 * Catch message all draw from it.
 */
export class SyncError extends Error {
  readonly code: string;
  /** The büro+ record or Exchange key the error is about, e.g. `tblCalendar 4711` or a writer key. */
  readonly record?: string;
  /** The field the error is about, e.g. `fldBeginn` or `item.start`. */
  readonly field?: string;
  /** True when trying again later can succeed (server busy, network down). */
  readonly retryable: boolean;
  /** The environment variable a setting names and that is not set (the status shows its name). */
  readonly variable?: string;

  constructor(
    code: string,
    message: string,
    details: { record?: string; field?: string; retryable?: boolean; cause?: unknown; variable?: string } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SyncError';
    this.code = code;
    this.record = details.record;
    this.field = details.field;
    this.retryable = details.retryable ?? false;
    this.variable = details.variable;
  }

  /**
   * Node-RED hands a Catch node only `err.toString()` (plus code, stack, cause), so record and
   * field travel inside the text; the sync log reads them back (lib/log/inputs.ts).
   */
  override toString(): string {
    return catchText(this);
  }
}

/** `SyncError: [CODE] message [record: …] [field: …]`, the text a Catch node receives. */
export function catchText(err: { name?: string; code?: string; message: string; record?: string; field?: string }): string {
  return (
    `${err.name || 'Error'}: ${err.code ? `[${err.code}] ` : ''}${err.message}` +
    `${err.record ? ` [record: ${err.record}]` : ''}${err.field ? ` [field: ${err.field}]` : ''}`
  );
}

/** Turns anything thrown (libraries throw strings, SOAP fault objects, …) into an Error. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (thrown && typeof thrown === 'object') {
    const o = thrown as Record<string, unknown>;
    const text = [o.message, o.Message, o.faultString, o.FaultString, o.ErrorCode]
      .find((v) => typeof v === 'string' && v.length > 0) as string | undefined;
    return new Error(text ?? JSON.stringify(thrown).slice(0, 500), { cause: thrown });
  }
  return new Error(String(thrown));
}

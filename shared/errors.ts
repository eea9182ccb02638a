/**
 * One error family for everything the service reports to a caller or records on a document.
 * `code` is stable (documented in docs/api.md, Errors), `retryable` says whether the same work may succeed later,
 * `status` is the HTTP status an API maps it to. `details` carries safe, located facts (JSON paths, XML
 * lines, rule ids): never payloads, keys or secrets.
 */
export interface ProblemDetail {
  /** Where the problem is: a JSON pointer-like path (`/document/lines/0/price`), an XML location, or a rule id. */
  path?: string;
  message: string;
  code?: string;
  /** Absent for errors; a `warning` (a "should" rule) is reported and does not make a document invalid. */
  severity?: 'warning';
  /**
   * For a document read from XML: the element (with `/@name` for an attribute's value) that `path` was read
   * from, or the nearest one present when the document lacks it, and the line its start tag is on.
   */
  location?: { xpath: string; line: number };
  /** The business terms (`BT-106`, `BG-25`) the problem is about. */
  terms?: string[];
}

export interface EInvoiceErrorOptions {
  status?: number;
  retryable?: boolean;
  details?: ProblemDetail[];
  cause?: unknown;
}

export class EInvoiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: ProblemDetail[];

  constructor(code: string, message: string, options: EInvoiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EInvoiceError';
    this.code = code;
    this.status = options.status ?? 400;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? [];
  }
}

/** The request or document is malformed; the same input will always fail. */
export function invalidInput(code: string, message: string, details: ProblemDetail[] = []): EInvoiceError {
  return new EInvoiceError(code, message, { status: 400, details });
}

export function notFound(code: string, message: string): EInvoiceError {
  return new EInvoiceError(code, message, { status: 404 });
}

/** A concurrent writer changed the object first (ETag mismatch, or create of an existing object). */
export class ConcurrencyError extends EInvoiceError {
  constructor(key: string) {
    super('store.conflict', `Concurrent update of ${key}`, { status: 409, retryable: true });
  }
}

/** A dependency (store, bus, remote service) failed in a way that may pass. */
export function transientFailure(code: string, message: string, cause?: unknown): EInvoiceError {
  return new EInvoiceError(code, message, { status: 503, retryable: true, cause });
}

export function isEInvoiceError(error: unknown): error is EInvoiceError {
  return error instanceof EInvoiceError;
}

/** A message safe to record or log: never the stack, never payload fragments from unknown errors. */
export function describeError(error: unknown): { code: string; message: string } {
  if (isEInvoiceError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}

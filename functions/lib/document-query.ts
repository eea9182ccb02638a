import type { HttpRequest } from '@azure/functions';
import { EInvoiceError, invalidInput, type ProblemDetail } from '../../shared/errors';
import { DOCUMENT_STATUSES, type DocumentStatus } from '../../shared/model/record';
import { DEFAULT_IDLE_MINUTES, type DocumentFilter } from '../../shared/store/document-filter';
import type { ParameterDoc } from './openapi';

/**
 * Named values of a request — its query string, or the `filter` object of a JSON body — read with one set
 * of rules, so that `GET /api/invoices?status=failed` and `{ "filter": { "status": ["failed"] } }` mean the
 * same and are refused with the same words, each at its own location.
 */
/** Makes the error of a value refused, with its location: each kind of request has its own code. */
export type Refusal = (message: string, details: ProblemDetail[]) => EInvoiceError;

export class Parameters {
  private constructor(
    private readonly read: (name: string) => string | null,
    private readonly location: (name: string) => string,
    private readonly refuse: Refusal,
  ) {}

  static query(request: HttpRequest): Parameters {
    return new Parameters(
      (name) => request.query.get(name),
      (name) => `query ${name}`,
      (message, details) => invalidInput('request.invalid-query', message, details),
    );
  }

  /** A JSON object (checked as an object by its caller); arrays are read as comma-separated lists. */
  static body(value: Record<string, unknown>, path: string, refuse: Refusal): Parameters {
    return new Parameters(
      (name) => {
        const member = value[name];
        if (member === undefined || member === null) return null;
        // The filter's schema (checked first) admits strings, numbers, booleans and arrays of strings.
        if (Array.isArray(member)) return member.filter((m) => typeof m === 'string').join(',');
        if (typeof member === 'string') return member;
        return typeof member === 'number' || typeof member === 'boolean'
          ? String(member)
          : JSON.stringify(member);
      },
      (name) => `${path}/${name}`,
      refuse,
    );
  }

  get(name: string): string | null {
    return this.read(name);
  }

  invalid(name: string, message: string, why: string): EInvoiceError {
    return this.refuse(message, [{ path: this.location(name), message: why }]);
  }

  /** A whole number from `min` to `max`; `fallback` when absent. */
  integer(name: string, min: number, max: number, fallback: number): number {
    const raw = this.read(name);
    if (raw === null) return fallback;
    const value = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max))
      throw this.invalid(
        name,
        `${name} must be a whole number from ${min} to ${max}`,
        `must be ${min}..${max}`,
      );
    return value;
  }

  /** An ISO 8601 date (midnight UTC) or date-time (UTC unless it names its offset), as epoch milliseconds. */
  time(name: string): number | undefined {
    const raw = this.read(name);
    if (raw === null) return undefined;
    const match = ISO_TIME.exec(raw);
    const time = match ? Date.parse(raw.includes('T') && !match[4] ? `${raw}Z` : raw) : NaN;
    const day = match ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!)) : undefined;
    if (Number.isNaN(time) || day?.getUTCDate() !== +match![3]!) {
      throw this.invalid(
        name,
        `${name} must be an ISO 8601 date or date-time (2026-01-31, 2026-01-31T12:00:00Z)`,
        'not a date',
      );
    }
    return time;
  }

  /** One of `values`; `fallback` when absent. */
  choice<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.read(name);
    if (raw === null) return fallback;
    if (!(values as readonly string[]).includes(raw))
      throw this.invalid(
        name,
        `${name} must be one of ${values.join(', ')}`,
        `not one of ${values.join(', ')}`,
      );
    return raw as T;
  }

  /** Free text of 1 to `max` characters, trimmed; undefined when absent or blank. */
  text(name: string, max = 200): string | undefined {
    const raw = this.read(name)?.trim();
    if (!raw) return undefined;
    if (raw.length > max) throw this.invalid(name, `${name} must have at most ${max} characters`, 'too long');
    return raw;
  }

  flag(name: string): boolean {
    const raw = this.read(name);
    if (raw === null) return false;
    if (raw !== 'true' && raw !== 'false')
      throw this.invalid(name, `${name} must be true or false`, 'not a boolean');
    return raw === 'true';
  }
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export interface DocumentQuery {
  filter: DocumentFilter;
  /** Inclusive lower and exclusive upper bound of `createdAt`, epoch milliseconds. */
  from?: number;
  to?: number;
  order: 'asc' | 'desc';
}

/** The selection of documents the log, bulk actions, exports and the operations view share. */
export function readDocumentQuery(parameters: Parameters): DocumentQuery {
  const statuses = parameters.get('status');
  const filter: DocumentFilter = {};
  if (statuses !== null) {
    const list = [
      ...new Set(
        statuses
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = list.find((s) => !(DOCUMENT_STATUSES as readonly string[]).includes(s));
    if (unknown !== undefined || list.length === 0)
      throw parameters.invalid(
        'status',
        `status must be one or more of ${DOCUMENT_STATUSES.join(', ')}, separated by commas`,
        unknown === undefined ? 'empty' : `unknown status ${unknown}`,
      );
    filter.statuses = list as DocumentStatus[];
  }
  for (const name of ['flowId', 'featureId', 'companyId', 'counterparty', 'q', 'errorCode'] as const) {
    const value = parameters.text(name);
    if (value !== undefined) filter[name] = value;
  }
  if (parameters.flag('attention')) filter.attention = true;
  const idle = parameters.integer('idleMinutes', 1, 525_600, DEFAULT_IDLE_MINUTES);
  if (idle !== DEFAULT_IDLE_MINUTES) filter.idleMinutes = idle;
  const from = parameters.time('from');
  const to = parameters.time('to');
  if (from !== undefined && to !== undefined && from >= to)
    throw parameters.invalid('to', 'to must be later than from', 'not after from');
  return {
    filter,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    order: parameters.choice('order', ['asc', 'desc'], 'asc'),
  };
}

/** The query parameters of a document selection, for the OpenAPI description. */
export const DOCUMENT_QUERY_PARAMETERS: ParameterDoc[] = [
  {
    name: 'status',
    in: 'query',
    description: `One or more statuses, separated by commas (${DOCUMENT_STATUSES.join(', ')})`,
    schema: { type: 'string' },
  },
  {
    name: 'from',
    in: 'query',
    description: 'Created at or after: an ISO 8601 date or date-time (UTC unless it has an offset)',
    schema: { type: 'string' },
  },
  { name: 'to', in: 'query', description: 'Created before (as from)', schema: { type: 'string' } },
  {
    name: 'order',
    in: 'query',
    description: '`asc` (default): oldest first; `desc`: newest first',
    schema: { enum: ['asc', 'desc'] },
  },
  { name: 'flowId', in: 'query', description: 'Only documents of this flow', schema: { type: 'string' } },
  {
    name: 'featureId',
    in: 'query',
    description: 'Only documents of this feature',
    schema: { type: 'string' },
  },
  { name: 'companyId', in: 'query', description: 'Only this context.companyId', schema: { type: 'string' } },
  {
    name: 'counterparty',
    in: 'query',
    description: "Part of the counterparty's name or id (summary.counterparty), any case",
    schema: { type: 'string' },
  },
  {
    name: 'q',
    in: 'query',
    description: 'Part of the document number (summary.documentNumber) or of the id, any case',
    schema: { type: 'string' },
  },
  {
    name: 'errorCode',
    in: 'query',
    description: "The code of the document's last error (its newest failed, rejected or transient step)",
    schema: { type: 'string' },
  },
  {
    name: 'attention',
    in: 'query',
    description: 'true: only what needs attention: failed, rejected, or unfinished and idle for idleMinutes',
    schema: { type: 'boolean' },
  },
  {
    name: 'idleMinutes',
    in: 'query',
    description: `Minutes without an update after which an unfinished document needs attention (default ${DEFAULT_IDLE_MINUTES})`,
    schema: { type: 'integer', minimum: 1 },
  },
];

/** The same selection as a JSON object (the `filter` of bulk actions and exports). */
export const DOCUMENT_FILTER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description: 'The query parameters of GET /api/invoices as JSON; status may be an array',
  properties: {
    status: {
      oneOf: [{ type: 'string' }, { type: 'array', items: { enum: [...DOCUMENT_STATUSES] }, minItems: 1 }],
    },
    from: { type: 'string' },
    to: { type: 'string' },
    flowId: { type: 'string' },
    featureId: { type: 'string' },
    companyId: { type: 'string' },
    counterparty: { type: 'string' },
    q: { type: 'string' },
    errorCode: { type: 'string' },
    attention: { type: 'boolean' },
    idleMinutes: { type: 'integer', minimum: 1 },
  },
} as const;

/**
 * The document record: the status contract of the HTTP API (see docs/api.md). Fields are only ever added.
 */
export const DOCUMENT_STATUSES = [
  'received',
  'processing',
  'waiting',
  'completed',
  'failed',
  'rejected',
  'cancelled',
] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<DocumentStatus> = new Set([
  'completed',
  'failed',
  'rejected',
  'cancelled',
]);

export function isTerminal(status: DocumentStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** The statuses a document can be started again from (`POST /api/invoices/{id}/resubmit`). */
export const RESUBMITTABLE_STATUSES: ReadonlySet<DocumentStatus> = new Set([
  'failed',
  'rejected',
  'cancelled',
]);

export type Stage = 'transform' | 'sign' | 'submit' | 'response';
export const STAGES: readonly Stage[] = ['transform', 'sign', 'submit', 'response'];

/** What a step's action reported. `transient` means "try again later"; the others route the flow. */
export type StepOutcome = 'accepted' | 'rejected' | 'pending' | 'failed' | 'transient';

export interface HistoryEntry {
  at: string;
  stepId: string;
  action: string;
  attempt: number;
  /** A step outcome, or a lifecycle event: `received`, `redriven`, `resubmitted`, `cancelled`, `retry-scheduled`. */
  outcome: string;
  code?: string;
  message?: string;
  durationMs?: number;
}

export interface ArtifactInfo {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
}

/** Exclusive claim of a step attempt by one delivery, so that a duplicate delivery does not repeat it. */
export interface StepLease {
  owner: string;
  until: string;
}

/** What people scan a list of documents by, read from the submitted JSON at intake (never used to process). */
export interface DocumentSummary {
  documentNumber?: string;
  /** The buyer of an outbound document, the seller of an inbound one: name and tax or party id. */
  counterparty?: { name?: string; id?: string };
  /** The invoice total with VAT (BT-112) or the payment's amount, as a decimal string. */
  amount?: string;
  currency?: string;
}

export interface DocumentRecord {
  id: string;
  tenantId: string;
  clientKey?: string;
  context: import('./context').DocumentContext;
  flowId: string;
  flowVersion: number;
  /** The feature whose flow it runs, and that feature's version: it finishes under the version it started with. */
  featureId?: string;
  featureVersion?: string;
  status: DocumentStatus;
  stage?: Stage;
  stepId?: string;
  /** Attempts of the current step (its retry policy's count); postponed runs spend none. */
  attempt: number;
  /** Postponed runs of the current attempt (an open circuit, a pending poll), which spend no attempt. */
  postponements?: number;
  nextAttemptAt?: string;
  createdAt: string;
  updatedAt: string;
  correlationId: string;
  /** The W3C `traceparent` of the document's intake when traces are recorded: later work joins its trace. */
  traceparent?: string;
  history: HistoryEntry[];
  artifacts: ArtifactInfo[];
  lease?: StepLease;
  /** Flow variables set by steps (ids returned by a remote service, for instance). */
  variables?: Record<string, string>;
  /** The document this one refers to (a cancellation refers to the invoice it cancels), and how. */
  relatedTo?: { id: string; kind: string };
  /** Documents that refer to this one, oldest first. */
  related?: Array<{ id: string; kind: string; createdAt: string }>;
  /** The authority's events about this document that a step took note of (`await-event`), oldest first. */
  events?: Array<{ id: string; type: string; at: string; codes?: string[] }>;
  /** An event arrived while the waiting step was running: it runs again at once rather than at its next check. */
  wakeRequested?: string;
  /** Webhook delivery attempts for this document's status changes, the newest last (at most 50). */
  notifications?: NotificationAttempt[];
  summary?: DocumentSummary;
  /** Kept whatever the retention period (`EINVOICE_RETENTION`) until released: an audit, a dispute. */
  legalHold?: { since: string; reason?: string };
}

const ERROR_OUTCOMES: ReadonlySet<string> = new Set(['failed', 'rejected', 'transient']);

/** The newest history entry that reported a problem with a code: what an operator looks at first. */
export function lastError(record: Pick<DocumentRecord, 'history'>): HistoryEntry | undefined {
  for (let i = record.history.length - 1; i >= 0; i--) {
    const entry = record.history[i]!;
    if (entry.code && ERROR_OUTCOMES.has(entry.outcome)) return entry;
  }
  return undefined;
}

/** One attempt to deliver a status-change notification to the tenant's webhook. */
export interface NotificationAttempt {
  at: string;
  eventId: string;
  /** The status announced. */
  status: DocumentStatus;
  attempt: number;
  delivered: boolean;
  httpStatus?: number;
  /** Why no answer came (a timeout, a refused connection). */
  error?: string;
  /** When the next attempt is due, if there is one. */
  nextAttemptAt?: string;
}

const TIME = { type: 'string', format: 'date-time' } as const;

/**
 * The JSON Schema of a document record as the HTTP API answers it (the OpenAPI description uses it; a test
 * checks real records against it). Open to added fields, as the contract is.
 */
export const DOCUMENT_RECORD_SCHEMA = {
  type: 'object',
  required: [
    'id',
    'tenantId',
    'context',
    'flowId',
    'flowVersion',
    'status',
    'attempt',
    'createdAt',
    'updatedAt',
    'correlationId',
    'history',
    'artifacts',
  ],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-hjkmnp-tv-z]{26}$', description: 'Sorts by creation time' },
    tenantId: { type: 'string' },
    clientKey: { type: 'string', description: 'The Idempotency-Key or context.clientKey it came with' },
    context: {
      type: 'object',
      description: 'The context it was submitted with, and tenantId',
      required: ['tenantId'],
      properties: { tenantId: { type: 'string' } },
    },
    flowId: { type: 'string' },
    flowVersion: { type: 'integer', minimum: 1 },
    featureId: { type: 'string', description: 'The feature whose flow runs the document' },
    featureVersion: {
      type: 'string',
      description: 'The version of that feature it started under, and finishes under',
    },
    status: { enum: [...DOCUMENT_STATUSES] },
    stage: { enum: [...STAGES] },
    stepId: { type: 'string', description: 'The current step, or the one where the document stopped' },
    attempt: { type: 'integer', minimum: 1, description: 'Attempts of the current step' },
    postponements: {
      type: 'integer',
      minimum: 1,
      description: 'Postponed runs of the current attempt (an open circuit, a pending poll)',
    },
    nextAttemptAt: { ...TIME, description: 'When a waiting document runs again' },
    createdAt: TIME,
    updatedAt: TIME,
    correlationId: { type: 'string' },
    traceparent: {
      type: 'string',
      description:
        "W3C traceparent of the document's intake, when traces are recorded: its trace id finds the trace",
    },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['at', 'stepId', 'action', 'attempt', 'outcome'],
        properties: {
          at: TIME,
          stepId: { type: 'string' },
          action: { type: 'string' },
          attempt: { type: 'integer', minimum: 1 },
          outcome: { type: 'string' },
          code: { type: 'string' },
          message: { type: 'string' },
          durationMs: { type: 'number', minimum: 0 },
        },
      },
    },
    artifacts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'contentType', 'size', 'sha256', 'createdAt'],
        properties: {
          name: { type: 'string' },
          contentType: { type: 'string' },
          size: { type: 'integer', minimum: 0 },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          createdAt: TIME,
        },
      },
    },
    lease: {
      type: 'object',
      description: 'The delivery running the current step, and until when',
      properties: { owner: { type: 'string' }, until: TIME },
    },
    variables: { type: 'object', additionalProperties: { type: 'string' } },
    relatedTo: {
      type: 'object',
      required: ['id', 'kind'],
      description: 'The document this one refers to (POST /api/invoices/{id}/related), and the kind',
      properties: { id: { type: 'string' }, kind: { type: 'string' } },
    },
    related: {
      type: 'array',
      description: 'Documents that refer to this one, oldest first',
      items: {
        type: 'object',
        required: ['id', 'kind', 'createdAt'],
        properties: { id: { type: 'string' }, kind: { type: 'string' }, createdAt: TIME },
      },
    },
    events: {
      type: 'array',
      description:
        "The authority's events about the document a step took note of (await-event), oldest first",
      items: {
        type: 'object',
        required: ['id', 'type', 'at'],
        properties: {
          id: { type: 'string' },
          type: { type: 'string' },
          at: TIME,
          codes: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    wakeRequested: { ...TIME, description: 'An event arrived while the waiting step ran' },
    legalHold: {
      type: 'object',
      required: ['since'],
      description: 'Kept whatever the retention period until released (PUT/DELETE /api/invoices/{id}/hold)',
      properties: { since: TIME, reason: { type: 'string' } },
    },
    summary: {
      type: 'object',
      description:
        'Read from the submitted JSON at intake, for people (never used to process): the document number, the counterparty (the buyer of an outbound document, the seller of an inbound one), the invoice total with VAT or the payment amount, and the currency',
      properties: {
        documentNumber: { type: 'string' },
        counterparty: {
          type: 'object',
          properties: { name: { type: 'string' }, id: { type: 'string' } },
        },
        amount: { type: 'string' },
        currency: { type: 'string' },
      },
    },
    notifications: {
      type: 'array',
      items: {
        type: 'object',
        required: ['at', 'eventId', 'status', 'attempt', 'delivered'],
        properties: {
          at: TIME,
          eventId: { type: 'string' },
          status: { enum: [...DOCUMENT_STATUSES] },
          attempt: { type: 'integer', minimum: 1 },
          delivered: { type: 'boolean' },
          httpStatus: { type: 'integer' },
          error: { type: 'string' },
          nextAttemptAt: TIME,
        },
      },
    },
  },
} as const;

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

export interface DocumentRecord {
  id: string;
  tenantId: string;
  clientKey?: string;
  context: import('./context').DocumentContext;
  flowId: string;
  flowVersion: number;
  status: DocumentStatus;
  stage?: Stage;
  stepId?: string;
  attempt: number;
  nextAttemptAt?: string;
  createdAt: string;
  updatedAt: string;
  correlationId: string;
  history: HistoryEntry[];
  artifacts: ArtifactInfo[];
  lease?: StepLease;
  /** Flow variables set by steps (ids returned by a remote service, for instance). */
  variables?: Record<string, string>;
  /** Webhook delivery attempts for this document's status changes, the newest last (at most 50). */
  notifications?: NotificationAttempt[];
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

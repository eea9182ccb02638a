/**
 * The shapes the console reads from the HTTP API (docs/api.md). The API only ever adds fields, so every
 * optional field is treated as possibly absent, and unknown fields are ignored.
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

export interface HistoryEntry {
  at: string;
  stepId: string;
  action: string;
  attempt: number;
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

export interface DocumentSummary {
  documentNumber?: string;
  counterparty?: { name?: string; id?: string };
  /** A decimal string, exactly as the document gave it. */
  amount?: string;
  currency?: string;
}

export interface DocumentEvent {
  id: string;
  type: string;
  at: string;
  codes?: string[];
}

export interface NotificationAttempt {
  at: string;
  eventId: string;
  status: DocumentStatus;
  attempt: number;
  delivered: boolean;
  httpStatus?: number;
  error?: string;
  nextAttemptAt?: string;
}

export interface DocumentRecord {
  id: string;
  tenantId: string;
  clientKey?: string;
  context: Record<string, string | number | boolean | undefined>;
  flowId: string;
  flowVersion: number;
  featureId?: string;
  featureVersion?: string;
  status: DocumentStatus;
  stage?: string;
  stepId?: string;
  attempt: number;
  postponements?: number;
  nextAttemptAt?: string;
  createdAt: string;
  updatedAt: string;
  correlationId: string;
  history: HistoryEntry[];
  artifacts: ArtifactInfo[];
  variables?: Record<string, string>;
  relatedTo?: { id: string; kind: string };
  related?: Array<{ id: string; kind: string; createdAt: string }>;
  events?: DocumentEvent[];
  notifications?: NotificationAttempt[];
  summary?: DocumentSummary;
}

export interface DocumentPage {
  items: DocumentRecord[];
  next?: string;
}

export type BulkAction = 'resubmit' | 'cancel';

export interface BulkItem {
  id: string;
  status?: DocumentStatus;
  outcome: string;
  code?: string;
  message?: string;
}

export interface BulkResult {
  action: BulkAction;
  dryRun: boolean;
  total: number;
  counts: Record<string, number>;
  items: BulkItem[];
}

export interface FeatureCompany {
  parameters: Record<string, unknown>;
  updatedAt: string;
}

export interface Feature {
  id: string;
  title: string;
  country?: string;
  direction?: string;
  versions: string[];
  enabledVersion?: string;
  byDefault?: boolean;
  enabledAt?: string;
  companies?: Record<string, FeatureCompany>;
  /** Parameter names whose values are certificate names (references, never the certificate). */
  certificates?: string[];
  /** Parameter names whose values are secret names (references, never the secret). */
  secrets?: string[];
  flows?: string[];
  formats?: string[];
  /** The kinds of related submission the enabled version declares. */
  relatedKinds?: string[];
  /** The same declarations in full: per kind, its flow, the statuses it may follow, what data it takes. */
  related?: Record<string, RelatedDeclaration>;
}

export interface RelatedDeclaration {
  flow?: string;
  /** The statuses of the original the kind is allowed from. */
  from?: string[];
  description?: string;
}

export interface FlowStep {
  id: string;
  action: string;
  description?: string;
  with?: Record<string, unknown>;
  timeout?: string;
  retry?: { maxAttempts: number; backoff?: string; initialDelay?: string; maxDelay?: string };
  on?: Partial<Record<'accepted' | 'rejected' | 'pending' | 'failed', string>>;
}

export interface Flow {
  id: string;
  version: number;
  description: string;
  featureId?: string;
  featureVersion?: string;
  enabled: boolean;
  input?: { kinds: string[]; formats?: string[] };
  applicability?: unknown;
  steps: FlowStep[];
}

export interface CompanySetup {
  companyId: string;
  [setting: string]: unknown;
}

export interface OperationsReport {
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  total: number;
  sampled: boolean;
  byStatus: Partial<Record<DocumentStatus, number>>;
  series: Array<{ start: string; counts: Partial<Record<DocumentStatus, number>> }>;
  errors: Array<{ code: string; count: number; lastAt: string; documentId: string }>;
  steps: Array<{ stepId: string; action: string; count: number; p50Ms: number; p95Ms: number }>;
  waiting: number;
  stuck: number;
  deadLettered: number | null;
  batches: Array<{
    batchId: string;
    status: string;
    total: number;
    accepted: number;
    failed: number;
    documents: { completed: number; failed: number; rejected: number; cancelled: number; unfinished: number };
    createdAt: string;
  }>;
}

export interface ListResponse<T> {
  items: T[];
}

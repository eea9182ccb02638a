/**
 * A stage message is a claim check: ids and artifact names, never the document itself.
 */
export interface StageMessage {
  tenantId: string;
  documentId: string;
  flowId: string;
  flowVersion: number;
  stepId: string;
  attempt: number;
  correlationId: string;
  artifacts: string[];
}

/** One item of a batch: a document and its context, inline. */
export interface BatchItem {
  context?: Record<string, unknown>;
  document: unknown;
  clientKey?: string;
}

/**
 * A batch intake message: many documents inline, or a reference to a JSON Lines blob/file
 * (one `BatchItem` per line) for large batches.
 */
export interface BatchMessage {
  tenantId: string;
  batchId: string;
  items?: BatchItem[];
  itemsRef?: string;
  context?: Record<string, unknown>;
}

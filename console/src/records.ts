/** What the console derives from a document record, computed as the service computes it. */
import type { DocumentRecord, DocumentStatus, HistoryEntry } from './api/types';

const FINAL: ReadonlySet<DocumentStatus> = new Set(['completed', 'failed', 'rejected', 'cancelled']);
const ERROR_OUTCOMES: ReadonlySet<string> = new Set(['failed', 'rejected', 'transient']);

export function isFinal(status: DocumentStatus): boolean {
  return FINAL.has(status);
}

export function canResubmit(status: DocumentStatus): boolean {
  return status === 'failed' || status === 'rejected' || status === 'cancelled';
}

export function canCancel(status: DocumentStatus): boolean {
  return !isFinal(status);
}

/** A history entry that reports a problem (highlighted in the timeline). */
export function isProblem(entry: HistoryEntry): boolean {
  return ERROR_OUTCOMES.has(entry.outcome);
}

/**
 * The record's last error: its newest history entry whose outcome is failed, rejected or transient and
 * that has a code — the same rule as the API's `errorCode` filter, so the column and the filter agree.
 */
export function lastError(record: Pick<DocumentRecord, 'history'>): HistoryEntry | undefined {
  for (let i = record.history.length - 1; i >= 0; i--) {
    const entry = record.history[i];
    if (entry?.code && ERROR_OUTCOMES.has(entry.outcome)) return entry;
  }
  return undefined;
}

/** From creation to the final status; none while the document is still under way. */
export function processingMs(
  record: Pick<DocumentRecord, 'status' | 'createdAt' | 'updatedAt'>,
): number | undefined {
  if (!isFinal(record.status)) return undefined;
  const ms = Date.parse(record.updatedAt) - Date.parse(record.createdAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** What people call the document: its number when the service read one, else its id. */
export function documentLabel(record: Pick<DocumentRecord, 'id' | 'summary'>): string {
  return record.summary?.documentNumber ?? record.id;
}

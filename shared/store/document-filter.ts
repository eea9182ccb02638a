import { isTerminal, lastError, type DocumentRecord, type DocumentStatus } from '../model/record';

/**
 * What an operator filters the submission log by. Every member narrows the set; `attention` is the one
 * saved view that is a union: failed, rejected, or unfinished and idle for `idleMinutes`.
 */
export interface DocumentFilter {
  statuses?: DocumentStatus[];
  flowId?: string;
  featureId?: string;
  companyId?: string;
  /** Case-insensitive part of the counterparty's name or id. */
  counterparty?: string;
  /** Case-insensitive part of the document number or of the id. */
  q?: string;
  /** The code of the record's last error. */
  errorCode?: string;
  attention?: boolean;
  /** How long without an update makes an unfinished document one that needs attention (default 60). */
  idleMinutes?: number;
}

export const DEFAULT_IDLE_MINUTES = 60;

function contains(value: string | undefined, part: string): boolean {
  return value !== undefined && value.toLowerCase().includes(part);
}

/** True when an unfinished document has not moved for `idleMinutes` at `now`. */
export function isIdle(record: DocumentRecord, now: number, idleMinutes = DEFAULT_IDLE_MINUTES): boolean {
  return !isTerminal(record.status) && now - Date.parse(record.updatedAt) >= idleMinutes * 60_000;
}

/** The filter as a predicate on records, judged at `now` (for `attention`). */
export function recordMatcher(filter: DocumentFilter, now: number): (record: DocumentRecord) => boolean {
  const statuses = filter.statuses && filter.statuses.length > 0 ? new Set(filter.statuses) : undefined;
  const counterparty = filter.counterparty?.toLowerCase();
  const q = filter.q?.toLowerCase();
  return (record) => {
    if (statuses && !statuses.has(record.status)) return false;
    if (filter.flowId !== undefined && record.flowId !== filter.flowId) return false;
    if (filter.featureId !== undefined && record.featureId !== filter.featureId) return false;
    if (filter.companyId !== undefined && record.context.companyId !== filter.companyId) return false;
    if (counterparty !== undefined) {
      const party = record.summary?.counterparty;
      if (!contains(party?.name, counterparty) && !contains(party?.id, counterparty)) return false;
    }
    if (q !== undefined && !contains(record.summary?.documentNumber, q) && !contains(record.id, q))
      return false;
    if (filter.errorCode !== undefined && lastError(record)?.code !== filter.errorCode) return false;
    if (
      filter.attention &&
      record.status !== 'failed' &&
      record.status !== 'rejected' &&
      !isIdle(record, now, filter.idleMinutes)
    )
      return false;
    return true;
  };
}

/** Client-side ordering of the loaded rows, by any column but creation time (which the server orders). */
import type { DocumentRecord } from '../../api/types';
import { documentLabel, lastError, processingMs } from '../../records';

export type SortableColumn =
  | 'number'
  | 'counterparty'
  | 'amount'
  | 'flow'
  | 'status'
  | 'attempts'
  | 'error'
  | 'updated'
  | 'duration'
  | 'id';

export type SortDirection = 'ascending' | 'descending';

export interface ClientSort {
  column: SortableColumn;
  direction: SortDirection;
}

type SortValue = string | number | undefined;

const VALUES: Record<SortableColumn, (record: DocumentRecord) => SortValue> = {
  number: (r) => documentLabel(r),
  counterparty: (r) => r.summary?.counterparty?.name ?? r.summary?.counterparty?.id,
  amount: (r) => {
    const value = Number(r.summary?.amount);
    return r.summary?.amount !== undefined && Number.isFinite(value) ? value : undefined;
  },
  flow: (r) => `${r.flowId} ${r.featureId ?? ''}`,
  status: (r) => r.status,
  attempts: (r) => r.attempt,
  error: (r) => lastError(r)?.code,
  updated: (r) => Date.parse(r.updatedAt),
  duration: (r) => processingMs(r),
  id: (r) => r.id,
};

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** A stable sort; rows without a value go last in either direction, where they bother nobody. */
export function sortRows(rows: readonly DocumentRecord[], sort: ClientSort | undefined): DocumentRecord[] {
  if (!sort) return [...rows];
  const value = VALUES[sort.column];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, key: value(row) }))
    .sort((a, b) => {
      if (a.key === undefined || b.key === undefined) {
        if (a.key === b.key) return a.index - b.index;
        return a.key === undefined ? 1 : -1;
      }
      return sign * compare(a.key, b.key) || a.index - b.index;
    })
    .map((entry) => entry.row);
}

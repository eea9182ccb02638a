/** Folding a fresh first page into the rows on screen, so live updates never reorder what people read. */
import type { SortOrder } from '../../api/query';
import type { DocumentRecord } from '../../api/types';

export interface MergeResult {
  rows: DocumentRecord[];
  updated: number;
  added: number;
  /** The fresh page does not reach the rows on screen (many new documents): paging starts again. */
  restarted: boolean;
}

/** Ids sort by creation time, the order the server pages in. */
function byServerOrder(order: SortOrder): (a: DocumentRecord, b: DocumentRecord) => number {
  return order === 'desc'
    ? (a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
    : (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function mergeFirstPage(
  current: readonly DocumentRecord[],
  fresh: readonly DocumentRecord[],
  order: SortOrder,
  pageSize: number,
): MergeResult {
  const freshById = new Map(fresh.map((record) => [record.id, record]));
  const known = new Set(current.map((record) => record.id));
  const added = fresh.filter((record) => !known.has(record.id));
  const newestShown = current[0]?.id;
  const oldestFresh = fresh[fresh.length - 1]?.id;
  if (
    order === 'desc' &&
    fresh.length >= pageSize &&
    added.length === fresh.length &&
    newestShown !== undefined &&
    oldestFresh !== undefined &&
    oldestFresh > newestShown
  ) {
    return { rows: [...fresh], updated: 0, added: fresh.length, restarted: true };
  }
  let updated = 0;
  const rows = current.map((record) => {
    const newer = freshById.get(record.id);
    if (!newer || newer.updatedAt === record.updatedAt) return record;
    updated++;
    return newer;
  });
  if (added.length > 0) rows.push(...added);
  return {
    rows: added.length > 0 ? rows.sort(byServerOrder(order)) : rows,
    updated,
    added: added.length,
    restarted: false,
  };
}

import { isTerminal, lastError, type DocumentRecord, type DocumentStatus } from '../model/record';
import { isIdle } from './document-filter';

/**
 * Views of many records at once, for people: the CSV export of the submission log and the operations
 * view's figures. Pure functions of the records, so that every store and both runtimes answer alike.
 */

export const CSV_COLUMNS = [
  'id',
  'documentNumber',
  'counterparty',
  'counterpartyId',
  'amount',
  'currency',
  'flowId',
  'featureId',
  'companyId',
  'status',
  'stepId',
  'attempt',
  'lastErrorCode',
  'lastErrorMessage',
  'createdAt',
  'updatedAt',
  'durationMs',
] as const;

/**
 * One CSV field (RFC 4180). A text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
 * carriage return first) is prefixed with `'`: a counterparty's name is data, never a formula (OWASP CSV
 * injection).
 */
function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(record: DocumentRecord): string {
  const error = lastError(record);
  const duration = isTerminal(record.status)
    ? Date.parse(record.updatedAt) - Date.parse(record.createdAt)
    : undefined;
  const row: Record<(typeof CSV_COLUMNS)[number], string | number | undefined> = {
    id: record.id,
    documentNumber: record.summary?.documentNumber,
    counterparty: record.summary?.counterparty?.name,
    counterpartyId: record.summary?.counterparty?.id,
    amount: record.summary?.amount,
    currency: record.summary?.currency,
    flowId: record.flowId,
    featureId: record.featureId,
    companyId: record.context.companyId,
    status: record.status,
    stepId: record.stepId,
    attempt: record.attempt,
    lastErrorCode: error?.code,
    lastErrorMessage: error?.message,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    durationMs: duration,
  };
  return CSV_COLUMNS.map((column) => csvField(row[column])).join(',');
}

export function recordsCsv(records: DocumentRecord[]): string {
  return [CSV_COLUMNS.join(','), ...records.map(csvRow)].join('\r\n') + '\r\n';
}

/** The value below which `share` of the sorted values lie (nearest rank). */
function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))]!;
}

function bucketStart(time: number, bucket: 'hour' | 'day'): number {
  const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
  return Math.floor(time / size) * size;
}

interface StepTimes {
  stepId: string;
  action: string;
  durations: number[];
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
  deadLettered: number;
  batches: unknown[];
}

/** The operations view's figures over the records of a period (newest first, at most OPERATIONS_SCAN). */
export function operationsReport(
  records: DocumentRecord[],
  period: { from: number; to: number; bucket: 'hour' | 'day'; sampled: boolean; now: number },
): Omit<OperationsReport, 'batches'> {
  const byStatus: Partial<Record<DocumentStatus, number>> = {};
  const series = new Map<number, Partial<Record<DocumentStatus, number>>>();
  for (
    let t = bucketStart(period.from, period.bucket);
    t < period.to;
    t += period.bucket === 'hour' ? 3_600_000 : 86_400_000
  )
    series.set(t, {});
  const errors = new Map<string, { code: string; count: number; lastAt: string; documentId: string }>();
  const steps = new Map<string, StepTimes>();
  let waiting = 0;
  let stuck = 0;
  let deadLettered = 0;
  for (const record of records) {
    byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
    const counts = series.get(bucketStart(Date.parse(record.createdAt), period.bucket));
    if (counts) counts[record.status] = (counts[record.status] ?? 0) + 1;
    if (record.status === 'waiting') waiting++;
    if (isIdle(record, period.now)) stuck++;
    const error = lastError(record);
    if (
      error?.code &&
      (record.status === 'failed' || record.status === 'rejected' || !isTerminal(record.status))
    ) {
      const entry = errors.get(error.code) ?? {
        code: error.code,
        count: 0,
        lastAt: error.at,
        documentId: record.id,
      };
      entry.count++;
      if (error.at >= entry.lastAt) Object.assign(entry, { lastAt: error.at, documentId: record.id });
      errors.set(error.code, entry);
      if (record.status === 'failed' && error.code === 'stage.timeout') deadLettered++;
    }
    for (const entry of record.history) {
      if (entry.durationMs === undefined) continue;
      const key = `${entry.stepId}\u0000${entry.action}`;
      const times = steps.get(key) ?? { stepId: entry.stepId, action: entry.action, durations: [] };
      times.durations.push(entry.durationMs);
      steps.set(key, times);
    }
  }
  return {
    from: new Date(period.from).toISOString(),
    to: new Date(period.to).toISOString(),
    bucket: period.bucket,
    total: records.length,
    sampled: period.sampled,
    byStatus,
    series: [...series].map(([start, counts]) => ({ start: new Date(start).toISOString(), counts })),
    errors: [...errors.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    steps: [...steps.values()]
      .map(({ stepId, action, durations }) => {
        const sorted = durations.sort((a, b) => a - b);
        return {
          stepId,
          action,
          count: sorted.length,
          p50Ms: percentile(sorted, 0.5),
          p95Ms: percentile(sorted, 0.95),
        };
      })
      .sort((a, b) => b.p95Ms - a.p95Ms),
    waiting,
    stuck,
    deadLettered,
  };
}

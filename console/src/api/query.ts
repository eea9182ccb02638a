/**
 * The log's selection of documents, in its three spellings: the hash query of a bookmarkable view, the
 * query string of `GET /api/invoices` (and of the CSV export), and the JSON `filter` of bulk actions and
 * ZIP exports. One model keeps the three in agreement.
 */
import { DOCUMENT_STATUSES, type DocumentStatus } from './types';

export const TEXT_FILTERS = ['featureId', 'flowId', 'companyId', 'counterparty', 'q', 'errorCode'] as const;
export type TextFilter = (typeof TEXT_FILTERS)[number];

export interface LogFilter extends Partial<Record<TextFilter, string>> {
  statuses: DocumentStatus[];
  /** First day of creation, UTC, `YYYY-MM-DD`. */
  from?: string;
  /** Last day of creation, UTC, `YYYY-MM-DD`, inclusive (people mean "up to and including" a day). */
  to?: string;
  /** Only what needs attention: failed, rejected, or unfinished and idle (the service decides). */
  attention: boolean;
}

export type SortOrder = 'asc' | 'desc';

export interface LogQuery extends LogFilter {
  /** Server order on creation time. The log opens newest first. */
  order: SortOrder;
}

export const EMPTY_QUERY: LogQuery = { statuses: [], attention: false, order: 'desc' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

/** Reads a bookmarked view; values that make no sense (a hand-edited URL) are dropped, not sent. */
export function queryFromHash(params: URLSearchParams): LogQuery {
  const query: LogQuery = { ...EMPTY_QUERY, statuses: [] };
  const statuses = (params.get('status') ?? '').split(',');
  query.statuses = DOCUMENT_STATUSES.filter((s) => statuses.includes(s));
  for (const name of TEXT_FILTERS) {
    const value = params.get(name)?.trim();
    if (value) query[name] = value;
  }
  const from = params.get('from');
  const to = params.get('to');
  if (from && isDay(from)) query.from = from;
  if (to && isDay(to)) query.to = to;
  query.attention = params.get('attention') === 'true';
  query.order = params.get('order') === 'asc' ? 'asc' : 'desc';
  return query;
}

/** The hash query of a view: only what differs from the defaults, so links stay short and readable. */
export function queryToHash(query: LogQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.attention) params.set('attention', 'true');
  if (query.statuses.length > 0) params.set('status', query.statuses.join(','));
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  for (const name of TEXT_FILTERS) {
    const value = query[name];
    if (value) params.set(name, value);
  }
  if (query.order === 'asc') params.set('order', 'asc');
  return params;
}

/** The day after `day`: the API's `to` is exclusive, the console's is the last day included. */
function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** The query string of `GET /api/invoices` and `GET /api/invoices/export` for this selection. */
export function queryToApi(query: LogQuery): URLSearchParams {
  const params = new URLSearchParams();
  const filter = filterToApi(query);
  for (const [name, value] of Object.entries(filter)) {
    params.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  params.set('order', query.order);
  return params;
}

export interface ApiFilter extends Partial<Record<TextFilter, string>> {
  status?: DocumentStatus[];
  from?: string;
  to?: string;
  attention?: boolean;
}

/** The JSON `filter` of `POST /api/invoices/bulk` and `POST /api/invoices/export`. */
export function filterToApi(filter: LogFilter): ApiFilter {
  const result: ApiFilter = {};
  if (filter.statuses.length > 0) result.status = [...filter.statuses];
  if (filter.from) result.from = filter.from;
  if (filter.to) result.to = nextDay(filter.to);
  for (const name of TEXT_FILTERS) {
    const value = filter[name];
    if (value) result[name] = value;
  }
  if (filter.attention) result.attention = true;
  return result;
}

/** A problem with the filter itself, said before anything is asked of the service. */
export function filterProblem(filter: LogFilter): string | undefined {
  if (filter.from && filter.to && filter.from > filter.to)
    return 'The "created to" day must not be before the "created from" day.';
  return undefined;
}

export function hasFilter(filter: LogFilter): boolean {
  return Object.keys(filterToApi(filter)).length > 0;
}

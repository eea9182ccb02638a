/** The document routes of the API, typed. */
import { download, getJson, postJson, type DownloadedFile } from './client';
import { filterToApi, queryToApi, type LogFilter, type LogQuery } from './query';
import type { BulkAction, BulkResult, DocumentPage, DocumentRecord, Feature } from './types';

export const PAGE_SIZE = 50;

/** What a bulk action or an export applies to: the documents picked, or every document a filter matches. */
export type Selection = { kind: 'ids'; ids: string[] } | { kind: 'filter'; filter: LogFilter };

function selectionBody(selection: Selection): { ids: string[] } | { filter: ReturnType<typeof filterToApi> } {
  return selection.kind === 'ids' ? { ids: selection.ids } : { filter: filterToApi(selection.filter) };
}

const documentPath = (id: string) => `invoices/${encodeURIComponent(id)}`;

export function listDocuments(
  query: LogQuery,
  options: { cursor?: string; limit?: number; signal?: AbortSignal } = {},
): Promise<DocumentPage> {
  const params = queryToApi(query);
  params.set('limit', String(options.limit ?? PAGE_SIZE));
  if (options.cursor) params.set('cursor', options.cursor);
  return getJson<DocumentPage>('invoices', params, options.signal);
}

export function getDocument(id: string, signal?: AbortSignal): Promise<DocumentRecord> {
  return getJson<DocumentRecord>(documentPath(id), undefined, signal);
}

export function resubmitDocument(id: string): Promise<unknown> {
  return postJson(`${documentPath(id)}/resubmit`, {});
}

export function cancelDocument(id: string): Promise<unknown> {
  return postJson(`${documentPath(id)}/cancel`, {});
}

export function submitRelated(
  id: string,
  kind: string,
  data: unknown,
): Promise<{ id: string; status: string; statusUrl: string }> {
  return postJson(`${documentPath(id)}/related`, { kind, ...(data === undefined ? {} : { data }) });
}

export function getFeature(id: string, signal?: AbortSignal): Promise<Feature> {
  return getJson<Feature>(`features/${encodeURIComponent(id)}`, undefined, signal);
}

export function downloadArtifact(id: string, name: string): Promise<DownloadedFile> {
  return download(`${documentPath(id)}/artifacts/${encodeURIComponent(name)}`);
}

export function runBulk(action: BulkAction, selection: Selection, dryRun: boolean): Promise<BulkResult> {
  return postJson<BulkResult>('invoices/bulk', { action, dryRun, ...selectionBody(selection) });
}

/**
 * Ids travel in the CSV export's query string; a request line has a size limit (16 KiB in Node), so a
 * large selection is asked for in parts and the parts joined under one header line.
 */
const IDS_PER_CSV_REQUEST = 200;

export async function exportCsv(selection: Selection, order: LogQuery['order']): Promise<DownloadedFile> {
  if (selection.kind === 'filter') {
    const params = queryToApi({ ...selection.filter, order });
    params.set('format', 'csv');
    return download('invoices/export', { query: params, accept: 'text/csv' });
  }
  const parts: string[] = [];
  for (let start = 0; start < selection.ids.length; start += IDS_PER_CSV_REQUEST) {
    const ids = selection.ids.slice(start, start + IDS_PER_CSV_REQUEST);
    const params = new URLSearchParams({ format: 'csv', ids: ids.join(',') });
    const text = await (await download('invoices/export', { query: params, accept: 'text/csv' })).blob.text();
    parts.push(start === 0 ? text : withoutHeaderLine(text));
  }
  return { blob: new Blob(parts.map(ensureTrailingNewline), { type: 'text/csv' }) };
}

function withoutHeaderLine(csv: string): string {
  const end = csv.indexOf('\n');
  return end < 0 ? '' : csv.slice(end + 1);
}

function ensureTrailingNewline(part: string): string {
  return part === '' || part.endsWith('\n') ? part : `${part}\r\n`;
}

export function exportZip(selection: Selection, artifacts: string[]): Promise<DownloadedFile> {
  return download('invoices/export', {
    body: { ...selectionBody(selection), artifacts },
    accept: 'application/zip',
  });
}

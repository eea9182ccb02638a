import { randomUUID } from 'node:crypto';
import { describeError, invalidInput, notFound, type ProblemDetail } from '../errors';
import type { Logger } from '../log';
import type { BatchItem, BatchMessage } from '../model/message';
import { isTerminal, type DocumentStatus } from '../model/record';
import type { MessageBus } from '../ports/message-bus';
import type { ObjectStore } from '../ports/object-store';
import { TENANT_ID_PATTERN } from '../util/ids';
import { isObject } from '../util/json';
import { MAX_JSON_DEPTH, scanJson } from './input';
import type { Pipeline } from './pipeline';

export interface BatchItemResult {
  index: number;
  documentId?: string;
  /** The document's status when the report was read. */
  status?: DocumentStatus;
  /** Why the item became no document. */
  error?: { code: string; message: string; details?: ProblemDetail[] };
}

/** How many of a batch's documents are in each final status, and how many are not final yet. */
export interface BatchDocumentCounts {
  completed: number;
  failed: number;
  rejected: number;
  cancelled: number;
  unfinished: number;
}

export interface BatchReport {
  batchId: string;
  tenantId: string;
  /**
   * `queued` until the batch message ran, `processing` while any of its documents is not final, `completed`
   * once every document is final.
   */
  status: 'queued' | 'processing' | 'completed';
  total: number;
  /** Items that became documents. */
  accepted: number;
  /** Items refused at intake (no document; `items[].error` says why). */
  failed: number;
  documents: BatchDocumentCounts;
  createdAt: string;
  /** When the batch message ran and the items became documents. */
  processedAt?: string;
  /** When the last document reached its final status (with `completed`). */
  finishedAt?: string;
  items: BatchItemResult[];
}

const NO_DOCUMENTS: BatchDocumentCounts = {
  completed: 0,
  failed: 0,
  rejected: 0,
  cancelled: 0,
  unfinished: 0,
};

const BATCH_ID = /^[A-Za-z0-9-]{1,64}$/;
const CONCURRENCY = 16;

/** Parses JSON Lines into batch items; a bad line is reported with its line number. */
export function parseJsonLines(text: string): { items: unknown[]; problems: ProblemDetail[] } {
  const items: unknown[] = [];
  const problems: ProblemDetail[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      scanJson(line, MAX_JSON_DEPTH, `line ${index + 1}`, `line ${index + 1}`);
      items.push(JSON.parse(line));
    } catch (error) {
      items.push(undefined);
      const code = (error as { code?: string }).code ?? 'json.syntax';
      problems.push({ path: `line ${index + 1}`, message: (error as Error).message, code });
    }
  });
  return { items, problems };
}

/**
 * Batch intake: one queue message, many documents. Each item becomes its own document on its own flow,
 * under a client key derived from the batch (so a redelivered batch creates nothing twice); a bad item is
 * recorded in the batch report and never sinks the others.
 */
export class BatchIntake {
  constructor(
    private readonly pipeline: Pipeline,
    private readonly objects: ObjectStore,
    private readonly bus: MessageBus,
    private readonly queue: string,
    private readonly logger: Logger,
  ) {}

  private reportKey(tenantId: string, batchId: string): string {
    return `tenants/${tenantId}/batches/${batchId}/report.json`;
  }

  /** Stores the items (as JSON Lines, claim-check style) and queues the batch. */
  async enqueue(
    tenantId: string,
    itemsJsonLines: string,
    context?: Record<string, unknown>,
  ): Promise<BatchReport> {
    const batchId = randomUUID();
    const itemsRef = `tenants/${tenantId}/batches/${batchId}/items.jsonl`;
    const total = itemsJsonLines.split('\n').filter((l) => l.trim() !== '').length;
    if (total === 0) throw invalidInput('batch.empty', 'The batch has no items');
    await this.objects.put(itemsRef, itemsJsonLines, { contentType: 'application/x-ndjson' });
    const report: BatchReport = {
      batchId,
      tenantId,
      status: 'queued',
      total,
      accepted: 0,
      failed: 0,
      documents: { ...NO_DOCUMENTS },
      createdAt: new Date().toISOString(),
      items: [],
    };
    await this.objects.put(this.reportKey(tenantId, batchId), JSON.stringify(report), {
      contentType: 'application/json',
    });
    const message: BatchMessage = { tenantId, batchId, itemsRef, ...(context ? { context } : {}) };
    await this.bus.send(this.queue, message, { messageId: batchId });
    this.logger.info('batch.received', { tenantId, batchId, total });
    return report;
  }

  /**
   * The batch report with each document's current status. Statuses that became final are written back, so
   * that a later report reads only the documents still under way.
   */
  async report(tenantId: string, batchId: string): Promise<BatchReport> {
    if (!BATCH_ID.test(batchId)) throw notFound('batch.not-found', `No batch ${batchId}`);
    const stored = await this.objects.get(this.reportKey(tenantId, batchId));
    if (!stored) throw notFound('batch.not-found', `No batch ${batchId}`);
    const report = JSON.parse(stored.body.toString('utf8')) as BatchReport;
    if (report.status === 'queued') return { ...report, documents: { ...NO_DOCUMENTS } };
    let newlyFinal = 0;
    let lastFinishedAt = report.processedAt ?? report.createdAt;
    const pending = report.items.filter(
      (item) => item.documentId && !(item.status && isTerminal(item.status)),
    );
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const item = pending[next++]!;
        const found = await this.pipeline.documents.get(tenantId, item.documentId!);
        if (!found) continue;
        item.status = found.record.status;
        if (isTerminal(item.status)) {
          newlyFinal++;
          if (found.record.updatedAt > lastFinishedAt) lastFinishedAt = found.record.updatedAt;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length) }, worker));
    const documents = { ...NO_DOCUMENTS };
    for (const item of report.items) {
      if (!item.documentId) continue;
      if (item.status && isTerminal(item.status)) documents[item.status as keyof BatchDocumentCounts]++;
      else documents.unfinished++;
    }
    const wasCompleted = report.status === 'completed';
    report.documents = documents;
    report.status = documents.unfinished === 0 ? 'completed' : 'processing';
    if (report.status === 'completed' && !wasCompleted) report.finishedAt = lastFinishedAt;
    if (newlyFinal > 0) {
      await this.objects.put(this.reportKey(tenantId, batchId), JSON.stringify(report), {
        contentType: 'application/json',
      });
    }
    return report;
  }

  /** Processes a batch message from the queue. Throws only for failures worth a redelivery. */
  async process(body: unknown): Promise<BatchReport> {
    const message = checkBatchMessage(body);
    let items: unknown[];
    const problems: ProblemDetail[] = [];
    if (message.itemsRef !== undefined) {
      if (!message.itemsRef.startsWith(`tenants/${message.tenantId}/`)) {
        throw invalidInput('batch.foreign-items', "A batch may only reference its own tenant's items");
      }
      const stored = await this.objects.get(message.itemsRef);
      if (!stored) throw invalidInput('batch.items-missing', `Batch items ${message.itemsRef} do not exist`);
      const parsed = parseJsonLines(stored.body.toString('utf8'));
      items = parsed.items;
      problems.push(...parsed.problems);
    } else {
      items = message.items ?? [];
    }
    const results: BatchItemResult[] = new Array<BatchItemResult>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await this.processItem(message, items[index], index, problems);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
    const failed = results.filter((r) => r.error).length;
    const previous = await this.objects.get(this.reportKey(message.tenantId, message.batchId));
    const createdAt = previous
      ? (JSON.parse(previous.body.toString('utf8')) as BatchReport).createdAt
      : new Date().toISOString();
    const report: BatchReport = {
      batchId: message.batchId,
      tenantId: message.tenantId,
      status: 'processing',
      total: items.length,
      accepted: items.length - failed,
      failed,
      documents: { ...NO_DOCUMENTS, unfinished: items.length - failed },
      createdAt,
      processedAt: new Date().toISOString(),
      items: results,
    };
    await this.objects.put(this.reportKey(message.tenantId, message.batchId), JSON.stringify(report), {
      contentType: 'application/json',
    });
    return report;
  }

  private async processItem(
    message: BatchMessage,
    raw: unknown,
    index: number,
    problems: ProblemDetail[],
  ): Promise<BatchItemResult> {
    try {
      const lineProblem = problems.find((p) => p.path === `line ${index + 1}`);
      if (raw === undefined && lineProblem)
        throw invalidInput(
          lineProblem.code === 'request.too-deep' ? 'request.too-deep' : 'batch.invalid-item',
          lineProblem.message,
          [lineProblem],
        );
      const item = checkItem(raw, index);
      const context = { ...message.context, ...item.context };
      const isXml = typeof item.document === 'string';
      const clientKey =
        item.clientKey ??
        (typeof context.clientKey === 'string' ? context.clientKey : `batch:${message.batchId}:${index}`);
      delete context.clientKey;
      const { record } = await this.pipeline.submit({
        tenantId: message.tenantId,
        context,
        content: Buffer.from(isXml ? (item.document as string) : serialize(item.document, index), 'utf8'),
        contentType: isXml ? 'application/xml' : 'application/json',
        clientKey,
        documentPath: `/items/${index}/document`,
      });
      return { index, documentId: record.id, status: record.status };
    } catch (error) {
      const described = describeError(error);
      if (described.code === 'internal' || (error as { retryable?: boolean }).retryable) throw error;
      this.logger.warn('batch.item-failed', {
        tenantId: message.tenantId,
        batchId: message.batchId,
        index,
        code: described.code,
      });
      const details = (error as { details?: ProblemDetail[] }).details;
      return { index, error: { ...described, ...(details && details.length > 0 ? { details } : {}) } };
    }
  }
}

/** An item's document as JSON text; a document nested too deep to serialise is the item's error. */
function serialize(document: unknown, index: number): string {
  try {
    return JSON.stringify(document);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw invalidInput('request.too-deep', `Item ${index}: the document nests too deep`, [
      { path: `/items/${index}/document`, message: `nesting deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
}

function checkBatchMessage(body: unknown): BatchMessage {
  if (!isObject(body)) throw invalidInput('batch.invalid', 'A batch message must be a JSON object');
  const { tenantId, batchId, items, itemsRef, context } = body;
  const problems: ProblemDetail[] = [];
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId))
    problems.push({ path: '/tenantId', message: 'must be a tenant id' });
  if (typeof batchId !== 'string' || !BATCH_ID.test(batchId))
    problems.push({ path: '/batchId', message: 'must match ' + BATCH_ID.source });
  if (items !== undefined && !Array.isArray(items))
    problems.push({ path: '/items', message: 'must be an array' });
  if (itemsRef !== undefined && typeof itemsRef !== 'string')
    problems.push({ path: '/itemsRef', message: 'must be a string' });
  if ((items === undefined) === (itemsRef === undefined))
    problems.push({ path: '/', message: 'needs exactly one of items, itemsRef' });
  if (context !== undefined && !isObject(context))
    problems.push({ path: '/context', message: 'must be an object' });
  if (problems.length > 0) throw invalidInput('batch.invalid', 'Invalid batch message', problems);
  return body as unknown as BatchMessage;
}

function checkItem(raw: unknown, index: number): BatchItem & { context: Record<string, unknown> } {
  if (!isObject(raw))
    throw invalidInput('batch.invalid-item', `Item ${index} must be an object`, [
      { path: `/items/${index}`, message: 'must be an object' },
    ]);
  if (raw.document === undefined || (typeof raw.document !== 'string' && !isObject(raw.document))) {
    throw invalidInput('batch.invalid-item', `Item ${index} needs a document (object or XML text)`, [
      { path: `/items/${index}/document`, message: 'is required (object or XML text)' },
    ]);
  }
  if (raw.context !== undefined && !isObject(raw.context)) {
    throw invalidInput('batch.invalid-item', `Item ${index} context must be an object`, [
      { path: `/items/${index}/context`, message: 'must be an object' },
    ]);
  }
  if (raw.clientKey !== undefined && typeof raw.clientKey !== 'string') {
    throw invalidInput('batch.invalid-item', `Item ${index} clientKey must be a string`, [
      { path: `/items/${index}/clientKey`, message: 'must be a string' },
    ]);
  }
  return {
    document: raw.document,
    context: raw.context ?? {},
    ...(raw.clientKey ? { clientKey: raw.clientKey } : {}),
  };
}

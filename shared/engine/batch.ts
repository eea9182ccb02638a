import { randomUUID } from 'node:crypto';
import { describeError, invalidInput, notFound, type ProblemDetail } from '../errors';
import type { Logger } from '../log';
import type { BatchItem, BatchMessage } from '../model/message';
import type { MessageBus } from '../ports/message-bus';
import type { ObjectStore } from '../ports/object-store';
import { TENANT_ID_PATTERN } from '../util/ids';
import { isObject } from '../util/json';
import type { Pipeline } from './pipeline';

export interface BatchItemResult {
  index: number;
  documentId?: string;
  status?: string;
  error?: { code: string; message: string; details?: ProblemDetail[] };
}

export interface BatchReport {
  batchId: string;
  tenantId: string;
  status: 'queued' | 'completed';
  total: number;
  accepted: number;
  failed: number;
  createdAt: string;
  finishedAt?: string;
  items: BatchItemResult[];
}

const BATCH_ID = /^[A-Za-z0-9-]{1,64}$/;
const CONCURRENCY = 16;

/** Parses JSON Lines into batch items; a bad line is reported with its line number. */
export function parseJsonLines(text: string): { items: unknown[]; problems: ProblemDetail[] } {
  const items: unknown[] = [];
  const problems: ProblemDetail[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      items.push(undefined);
      problems.push({ path: `line ${index + 1}`, message: (error as Error).message, code: 'json.syntax' });
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

  async report(tenantId: string, batchId: string): Promise<BatchReport> {
    if (!BATCH_ID.test(batchId)) throw notFound('batch.not-found', `No batch ${batchId}`);
    const stored = await this.objects.get(this.reportKey(tenantId, batchId));
    if (!stored) throw notFound('batch.not-found', `No batch ${batchId}`);
    return JSON.parse(stored.body.toString('utf8')) as BatchReport;
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
      status: 'completed',
      total: items.length,
      accepted: items.length - failed,
      failed,
      createdAt,
      finishedAt: new Date().toISOString(),
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
        throw invalidInput('batch.invalid-item', lineProblem.message, [lineProblem]);
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
        content: Buffer.from(isXml ? (item.document as string) : JSON.stringify(item.document), 'utf8'),
        contentType: isXml ? 'application/xml' : 'application/json',
        clientKey,
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

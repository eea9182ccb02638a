import { app, type InvocationContext } from '@azure/functions';
import { describeError, invalidInput } from '../shared/errors';
import { DOCUMENT_STATUSES } from '../shared/model/record';
import { isObject } from '../shared/util/json';
import { authenticated, json, parseJsonBody, readBody } from './lib/http';
import { component, httpRoute } from './lib/openapi';
import { services } from './lib/services';
import { consuming } from './lib/trace';

/** Queue trigger: one message, many documents (inline or a JSON Lines reference). */
app.serviceBusQueue('batchIntake', {
  connection: 'ServiceBusConnection',
  queueName: '%BATCH_QUEUE%',
  handler: async (message: unknown, context: InvocationContext) => {
    try {
      await consuming(services().settings.batchQueue, context, {}, () => services().batches.process(message));
    } catch (error) {
      const { code, message: text } = describeError(error);
      if ((error as { retryable?: boolean }).retryable || code === 'internal') throw error; // redeliver
      context.error(`batch message refused: ${code}: ${text}`); // malformed for good: nothing to retry
    }
  },
});

const count = { type: 'integer', minimum: 0 };
const BatchReport = component('BatchReport', {
  type: 'object',
  required: ['batchId', 'status', 'total', 'accepted', 'failed', 'documents', 'createdAt', 'items'],
  properties: {
    batchId: { type: 'string' },
    tenantId: { type: 'string' },
    status: {
      enum: ['queued', 'processing', 'completed'],
      description: 'completed once every document of the batch is final',
    },
    total: count,
    accepted: { ...count, description: 'Items that became documents' },
    failed: { ...count, description: 'Items refused at intake (their error says why)' },
    documents: {
      type: 'object',
      description: "The documents' statuses: how many are in each final status, how many are not final yet",
      required: ['completed', 'failed', 'rejected', 'cancelled', 'unfinished'],
      properties: {
        completed: count,
        failed: count,
        rejected: count,
        cancelled: count,
        unfinished: count,
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    processedAt: { type: 'string', format: 'date-time', description: 'When the items became documents' },
    finishedAt: { type: 'string', format: 'date-time', description: 'When the last document became final' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index'],
        properties: {
          index: count,
          documentId: { type: 'string' },
          status: { enum: [...DOCUMENT_STATUSES], description: "The document's current status" },
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              details: { type: 'array', items: { $ref: '#/components/schemas/ProblemDetail' } },
            },
          },
        },
      },
    },
  },
});

/** HTTP front door of the batch queue: JSON Lines (one `{context, document, clientKey}` a line) or `{items}`. */
httpRoute('submitBatch', {
  route: 'batches',
  methods: ['POST'],
  handler: authenticated(async (request, tenantId) => {
    const body = (await readBody(request)).toString('utf8');
    let lines = body;
    let context: Record<string, unknown> | undefined;
    if (!/ndjson|jsonl/i.test(request.headers.get('content-type') ?? '')) {
      const parsed = parseJsonBody(body);
      if (!isObject(parsed) || !Array.isArray(parsed.items)) {
        throw invalidInput('batch.invalid', 'Expected { "items": [...] } or JSON Lines', [
          { path: '/items', message: 'must be an array' },
        ]);
      }
      if (parsed.context !== undefined && !isObject(parsed.context)) {
        throw invalidInput('batch.invalid', 'context must be an object', [
          { path: '/context', message: 'must be an object' },
        ]);
      }
      context = parsed.context;
      lines = parsed.items.map((item) => JSON.stringify(item)).join('\n');
    }
    const report = await services().batches.enqueue(tenantId, lines, context);
    const url = `/api/batches/${report.batchId}`;
    return json(202, { batchId: report.batchId, total: report.total, statusUrl: url }, { location: url });
  }),
  docs: {
    POST: {
      summary: 'Submit many documents through the batch queue',
      description:
        'Each item becomes its own document on its own flow; an item refused at intake is an error in the ' +
        'batch report, with its location.',
      requestBody: {
        content: {
          'application/json': {
            type: 'object',
            required: ['items'],
            properties: {
              context: { $ref: '#/components/schemas/Context' },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['document'],
                  properties: {
                    context: { $ref: '#/components/schemas/Context' },
                    document: { type: ['object', 'string'] },
                    clientKey: { type: 'string' },
                  },
                },
              },
            },
          },
          'application/x-ndjson': { type: 'string', description: 'One item a line' },
        },
      },
      responses: {
        '202': {
          description: 'Queued; the report is at statusUrl',
          content: {
            'application/json': {
              type: 'object',
              required: ['batchId', 'total', 'statusUrl'],
              properties: { batchId: { type: 'string' }, total: count, statusUrl: { type: 'string' } },
            },
          },
          headers: { location: { description: 'statusUrl', schema: { type: 'string' } } },
        },
      },
      problems: {
        '400': ['request.invalid-json', 'request.too-deep', 'batch.invalid', 'batch.empty'],
        '413': ['request.too-large'],
      },
    },
  },
});

httpRoute('getBatch', {
  route: 'batches/{id}',
  methods: ['GET'],
  handler: authenticated(async (request, tenantId) =>
    json(200, await services().batches.report(tenantId, request.params.id ?? '')),
  ),
  docs: {
    GET: {
      summary: "The batch report, with each document's current status",
      responses: { '200': { description: 'The report', content: { 'application/json': BatchReport } } },
      problems: { '404': ['batch.not-found'] },
    },
  },
});

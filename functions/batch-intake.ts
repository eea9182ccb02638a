import { app, type InvocationContext } from '@azure/functions';
import { describeError, invalidInput } from '../shared/errors';
import { isObject } from '../shared/util/json';
import { authenticated, json, readBody } from './lib/http';
import { services } from './lib/services';

/** Queue trigger: one message, many documents (inline or a JSON Lines reference). */
app.serviceBusQueue('batchIntake', {
  connection: 'ServiceBusConnection',
  queueName: '%BATCH_QUEUE%',
  handler: async (message: unknown, context: InvocationContext) => {
    try {
      await services().batches.process(message);
    } catch (error) {
      const { code, message: text } = describeError(error);
      if ((error as { retryable?: boolean }).retryable || code === 'internal') throw error; // redeliver
      context.error(`batch message refused: ${code}: ${text}`); // malformed for good: nothing to retry
    }
  },
});

/** HTTP front door of the batch queue: JSON Lines (one `{context, document, clientKey}` a line) or `{items}`. */
app.http('submitBatch', {
  route: 'batches',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) => {
    const body = (await readBody(request)).toString('utf8');
    let lines = body;
    let context: Record<string, unknown> | undefined;
    if (!/ndjson|jsonl/i.test(request.headers.get('content-type') ?? '')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (error) {
        throw invalidInput(
          'request.invalid-json',
          `The request body is not valid JSON: ${(error as Error).message}`,
        );
      }
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
});

app.http('getBatch', {
  route: 'batches/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) =>
    json(200, await services().batches.report(tenantId, request.params.id ?? '')),
  ),
});

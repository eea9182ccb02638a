import type { HttpRequest } from '@azure/functions';
import { zipSync } from 'fflate';
import { EInvoiceError, describeError, invalidInput } from '../shared/errors';
import {
  DOCUMENT_STATUSES,
  isTerminal,
  RESUBMITTABLE_STATUSES,
  type DocumentRecord,
  type DocumentStatus,
} from '../shared/model/record';
import { featureFilter } from '../shared/features/setup';
import type { LoadedFlow } from '../shared/flows/types';
import { recordMatcher } from '../shared/store/document-filter';
import { DOCUMENT_ID_PATTERN } from '../shared/util/ids';
import { ajv, toProblems } from '../shared/validation/schema';
import {
  DOCUMENT_FILTER_SCHEMA,
  DOCUMENT_QUERY_PARAMETERS,
  Parameters,
  readDocumentQuery,
  type Refusal,
  type DocumentQuery,
} from './lib/document-query';
import { authenticated, json, parseJsonBody, readBody } from './lib/http';
import { CSV_COLUMNS, operationsReport, recordsCsv } from '../shared/store/record-reports';
import { component, httpRoute } from './lib/openapi';
import { services } from './lib/services';

/** Documents one bulk action or export may take: enough for a day's failures, small enough for one request. */
export const MAX_SELECTION = 1000;
/** Artifacts one ZIP export may hold, uncompressed. */
const MAX_EXPORT_BYTES = 200 * 1024 * 1024;
/** Records the operations view reads for one answer (newest first); more are reported as `sampled`. */
const OPERATIONS_SCAN = 20_000;

// ---------------------------------------------------------------------------------------------------------
// The selection: explicit ids, or every document a filter matches

const SELECTION_PROPERTIES = {
  ids: {
    type: 'array',
    items: { type: 'string', pattern: DOCUMENT_ID_PATTERN.source },
    minItems: 1,
    maxItems: MAX_SELECTION,
    uniqueItems: true,
  },
  filter: DOCUMENT_FILTER_SCHEMA,
} as const;

interface Selection {
  ids?: string[];
  filter?: Record<string, unknown>;
}

/** The records a selection names, in its order (ids) or newest first (filter); missing ids are reported. */
async function selectRecords(
  tenantId: string,
  selection: Selection,
  refuse: Refusal,
): Promise<{ records: DocumentRecord[]; missing: string[] }> {
  const pipeline = services().pipeline;
  if (selection.ids) {
    const records: DocumentRecord[] = [];
    const missing: string[] = [];
    for (const id of selection.ids) {
      const found = await services().documents.get(tenantId, id);
      if (found) records.push(found.record);
      else missing.push(id);
    }
    return { records, missing };
  }
  const query = readDocumentQuery(Parameters.body(selection.filter ?? {}, '/filter', refuse));
  const records: DocumentRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await pipeline.list(tenantId, {
      ...timeBounds(query),
      order: 'desc',
      match: recordMatcher(query.filter, Date.now()),
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    records.push(...page.records);
    cursor = page.next;
    if (records.length > MAX_SELECTION) {
      throw new EInvoiceError(
        'bulk.too-many',
        `The filter matches more than ${MAX_SELECTION} documents: narrow it (a date range, a status, an error code)`,
        { status: 422, details: [{ path: '/filter', message: `matches more than ${MAX_SELECTION}` }] },
      );
    }
  } while (cursor);
  return { records, missing: [] };
}

function timeBounds(query: DocumentQuery): { from?: number; to?: number } {
  return {
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(query.to !== undefined ? { to: query.to } : {}),
  };
}

function readSelection<T extends Selection>(
  value: unknown,
  schema: object,
  refuse: Refusal,
  what: string,
): T {
  const validate = ajv().compile<T>(schema);
  if (!validate(value)) throw refuse(`The ${what} is not valid`, toProblems(validate.errors));
  if ((value.ids === undefined) === (value.filter === undefined))
    throw refuse(`The ${what} needs either ids or filter`, [
      { path: '/', message: 'give exactly one of ids and filter' },
    ]);
  return value;
}

const bulkInvalid: Refusal = (message, details) => invalidInput('bulk.invalid', message, details);
const exportInvalid: Refusal = (message, details) => invalidInput('export.invalid', message, details);
const queryInvalid: Refusal = (message, details) => invalidInput('request.invalid-query', message, details);

// ---------------------------------------------------------------------------------------------------------
// Bulk resubmit and cancel

const BULK_SCHEMA = {
  type: 'object',
  required: ['action'],
  additionalProperties: false,
  properties: {
    action: { enum: ['resubmit', 'cancel'] },
    ...SELECTION_PROPERTIES,
    dryRun: { type: 'boolean', description: 'Say what would happen to each document, and change nothing' },
  },
} as const;

interface BulkRequest extends Selection {
  action: 'resubmit' | 'cancel';
  dryRun?: boolean;
}

type BulkOutcome = 'would-resubmit' | 'would-cancel' | 'resubmitted' | 'cancelled' | 'skipped' | 'failed';

interface BulkItem {
  id: string;
  status?: DocumentStatus;
  outcome: BulkOutcome;
  code?: string;
  message?: string;
}

/** Why a document cannot take the action now, as the single action would answer; undefined when it can. */
function refusal(
  action: BulkRequest['action'],
  record: DocumentRecord,
): { code: string; message: string } | undefined {
  if (action === 'resubmit' && !RESUBMITTABLE_STATUSES.has(record.status))
    return {
      code: 'document.not-resubmittable',
      message: `Document ${record.id} is ${record.status}; only failed, rejected or cancelled documents can be resubmitted`,
    };
  if (action === 'cancel' && isTerminal(record.status))
    return { code: 'document.finished', message: `Document ${record.id} is already ${record.status}` };
  return undefined;
}

async function applyBulk(tenantId: string, request: BulkRequest, record: DocumentRecord): Promise<BulkItem> {
  const refused = refusal(request.action, record);
  if (refused) return { id: record.id, status: record.status, outcome: 'skipped', ...refused };
  if (request.dryRun)
    return {
      id: record.id,
      status: record.status,
      outcome: request.action === 'resubmit' ? 'would-resubmit' : 'would-cancel',
    };
  try {
    const pipeline = services().pipeline;
    const updated =
      request.action === 'resubmit'
        ? await pipeline.resubmit(tenantId, record.id)
        : await pipeline.cancel(tenantId, record.id);
    return {
      id: record.id,
      status: updated.status,
      outcome: request.action === 'resubmit' ? 'resubmitted' : 'cancelled',
    };
  } catch (error) {
    // The document moved between the read and the action (another operator, the pipeline): said per item.
    const { code, message } = describeError(error);
    const expected = error instanceof EInvoiceError && error.status < 500;
    return { id: record.id, outcome: expected ? 'skipped' : 'failed', code, message };
  }
}

/** Runs `work` on every item, `width` at a time, keeping the items' order in the answer. */
async function inParallel<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

const BulkAnswer = component('BulkAnswer', {
  type: 'object',
  required: ['action', 'dryRun', 'total', 'counts', 'items'],
  properties: {
    action: { enum: ['resubmit', 'cancel'] },
    dryRun: { type: 'boolean' },
    total: { type: 'integer', description: 'Documents selected' },
    counts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Items by outcome' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'outcome'],
        properties: {
          id: { type: 'string' },
          status: {
            enum: [...DOCUMENT_STATUSES],
            description: 'The status after the action (or now, on a dry run)',
          },
          outcome: {
            enum: ['would-resubmit', 'would-cancel', 'resubmitted', 'cancelled', 'skipped', 'failed'],
          },
          code: {
            type: 'string',
            description: 'Why it was skipped or failed (the single action’s problem code)',
          },
          message: { type: 'string' },
        },
      },
    },
  },
});

httpRoute('bulkInvoices', {
  route: 'invoices/bulk',
  methods: ['POST'],
  handler: authenticated(async (request, tenantId) => {
    const value = parseJsonBody((await readBody(request)).toString('utf8'));
    const bulk = readSelection<BulkRequest>(value, BULK_SCHEMA, bulkInvalid, 'bulk request');
    const { records, missing } = await selectRecords(tenantId, bulk, bulkInvalid);
    const items = [
      ...(await inParallel(records, 8, (record) => applyBulk(tenantId, bulk, record))),
      ...missing.map((id): BulkItem => ({
        id,
        outcome: 'skipped',
        code: 'document.not-found',
        message: `No document ${id}`,
      })),
    ];
    const counts: Record<string, number> = {};
    for (const item of items) counts[item.outcome] = (counts[item.outcome] ?? 0) + 1;
    services().logger.info('bulk.done', {
      tenantId,
      action: bulk.action,
      dryRun: bulk.dryRun === true,
      total: items.length,
    });
    return json(200, {
      action: bulk.action,
      dryRun: bulk.dryRun === true,
      total: items.length,
      counts,
      items,
    });
  }),
  docs: {
    POST: {
      summary:
        'Resubmit or cancel many documents (by ids, or all a filter matches, at most 1000), with a dry run that changes nothing',
      description:
        'Each document is judged as the single action judges it: one that cannot take the action is skipped with the code the single action would answer. Run with dryRun first to see what would happen to each.',
      requestBody: { content: { 'application/json': BULK_SCHEMA } },
      responses: {
        '200': { description: 'What happened to each', content: { 'application/json': BulkAnswer } },
      },
      problems: {
        '400': ['request.invalid-json', 'request.too-deep', 'bulk.invalid'],
        '413': ['request.too-large'],
        '422': ['bulk.too-many'],
      },
    },
  },
});

// ---------------------------------------------------------------------------------------------------------
// Export: CSV of records, ZIP of artifacts

function attachment(name: string): string {
  return `attachment; filename="${name}"`;
}

function exportName(extension: string): string {
  return `documents-${new Date().toISOString().replace(/[:.]/g, '-')}.${extension}`;
}

/** `ids=a,b,c` of the CSV export, checked as the JSON selection checks ids. */
function idsQuery(parameters: Parameters): string[] | undefined {
  const raw = parameters.get('ids');
  if (raw === null) return undefined;
  const ids = [...new Set(raw.split(',').filter(Boolean))];
  if (ids.length === 0 || ids.length > MAX_SELECTION || !ids.every((id) => DOCUMENT_ID_PATTERN.test(id)))
    throw parameters.invalid(
      'ids',
      `ids must be 1 to ${MAX_SELECTION} document ids, separated by commas`,
      'not document ids',
    );
  return ids;
}

const EXPORT_SCHEMA = {
  type: 'object',
  required: ['artifacts'],
  additionalProperties: false,
  properties: {
    ...SELECTION_PROPERTIES,
    artifacts: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^/\\\\]+$' },
      description: 'Artifact names (signed.xml, invoice.xml, ...), or ["*"] for every artifact',
    },
  },
} as const;

interface ExportRequest extends Selection {
  artifacts: string[];
}

httpRoute('exportInvoices', {
  route: 'invoices/export',
  methods: ['GET', 'POST'],
  handler: authenticated(async (request, tenantId) => {
    if (request.method === 'GET') return csvExport(request, tenantId);
    const value = parseJsonBody((await readBody(request)).toString('utf8'));
    const wanted = readSelection<ExportRequest>(value, EXPORT_SCHEMA, exportInvalid, 'export request');
    const { records } = await selectRecords(tenantId, wanted, exportInvalid);
    const all = wanted.artifacts.includes('*');
    const files: Record<string, Uint8Array> = { 'records.csv': Buffer.from(recordsCsv(records)) };
    let bytes = 0;
    for (const record of records) {
      for (const artifact of record.artifacts) {
        if (!all && !wanted.artifacts.includes(artifact.name)) continue;
        bytes += artifact.size;
        if (bytes > MAX_EXPORT_BYTES)
          throw new EInvoiceError(
            'export.too-large',
            `The artifacts chosen exceed ${MAX_EXPORT_BYTES / 1024 / 1024} MiB: export fewer documents or fewer artifacts`,
            { status: 413 },
          );
        const content = await services().documents.getArtifact(tenantId, record.id, artifact.name);
        if (content) files[`${record.id}/${artifact.name}`] = content;
      }
    }
    // Signed documents are exported byte for byte; level 6 deflate, as zip tools default to.
    const zip = zipSync(files, { level: 6 });
    return {
      status: 200,
      body: zip,
      headers: { 'content-type': 'application/zip', 'content-disposition': attachment(exportName('zip')) },
    };
  }),
  docs: {
    GET: {
      summary: 'The selected records as CSV (a filter as in GET /api/invoices, or ids), at most 1000',
      parameters: [
        ...DOCUMENT_QUERY_PARAMETERS,
        {
          name: 'ids',
          in: 'query',
          description: 'Document ids, separated by commas (instead of a filter)',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': {
          description: `One row per document, newest first; columns ${CSV_COLUMNS.join(', ')}`,
          content: { 'text/csv': { type: 'string' } },
        },
      },
      problems: { '400': ['request.invalid-query'], '422': ['bulk.too-many'] },
    },
    POST: {
      summary:
        'A ZIP of chosen artifacts of the selected documents ({id}/{name}), with records.csv; at most 1000 documents',
      requestBody: { content: { 'application/json': EXPORT_SCHEMA } },
      responses: { '200': { description: 'The ZIP file', content: { 'application/zip': {} } } },
      problems: {
        '400': ['request.invalid-json', 'request.too-deep', 'export.invalid'],
        '413': ['request.too-large', 'export.too-large'],
        '422': ['bulk.too-many'],
      },
    },
  },
});

async function csvExport(request: HttpRequest, tenantId: string) {
  const parameters = Parameters.query(request);
  const ids = idsQuery(parameters);
  let selection: Selection = { ids: ids ?? [] };
  if (!ids) {
    // The query, as the filter object the JSON selection takes: one reader for both.
    const filter: Record<string, string> = {};
    request.query.forEach((value, name) => {
      if (name !== 'format') filter[name] = value;
    });
    selection = { filter };
  }
  const { records } = await selectRecords(tenantId, selection, queryInvalid);
  return {
    status: 200,
    body: recordsCsv(records),
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': attachment(exportName('csv')),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Operations: what happened over a period, for one tenant

/** The tenant's batches, newest first (at most `limit`), as their reports say now. */
async function recentBatches(tenantId: string, limit: number): Promise<unknown[]> {
  const { objects, batches } = services();
  const folders = await objects.list(`tenants/${tenantId}/batches/`);
  const stored: Array<{ batchId: string; createdAt: string }> = [];
  for (const folder of folders.slice(-500)) {
    const report = await objects.get(`tenants/${tenantId}/batches/${folder.replace(/\/$/, '')}/report.json`);
    if (!report) continue;
    const value = JSON.parse(report.body.toString('utf8')) as { batchId: string; createdAt: string };
    stored.push({ batchId: value.batchId, createdAt: value.createdAt });
  }
  stored.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const reports = [];
  for (const { batchId } of stored.slice(0, limit)) {
    const { items: _items, ...report } = await batches.report(tenantId, batchId);
    reports.push(report);
  }
  return reports;
}

httpRoute('operations', {
  route: 'operations',
  methods: ['GET'],
  handler: authenticated(async (request, tenantId) => {
    const parameters = Parameters.query(request);
    const now = Date.now();
    const bucket = parameters.choice('bucket', ['hour', 'day'], 'hour');
    const to = parameters.time('to') ?? now;
    const from = parameters.time('from') ?? to - (bucket === 'hour' ? 24 : 30 * 24) * 3_600_000;
    if (from >= to) throw parameters.invalid('to', 'to must be later than from', 'not after from');
    if ((to - from) / (bucket === 'hour' ? 3_600_000 : 86_400_000) > 1000)
      throw parameters.invalid(
        'bucket',
        'The period holds more than 1000 buckets: choose day, or a shorter period',
        'too many buckets',
      );
    const page = await services().pipeline.list(tenantId, {
      from,
      to,
      order: 'desc',
      limit: 500,
      scanLimit: OPERATIONS_SCAN,
    });
    // list() pages by 500; the view reads up to OPERATIONS_SCAN records, newest first.
    const records = [...page.records];
    let next = page.next;
    while (next && records.length < OPERATIONS_SCAN) {
      const more = await services().pipeline.list(tenantId, {
        from,
        to,
        order: 'desc',
        limit: 500,
        cursor: next,
      });
      records.push(...more.records);
      next = more.next;
    }
    const report = operationsReport(records, { from, to, bucket, sampled: next !== undefined, now });
    return json(200, { ...report, batches: await recentBatches(tenantId, 10) });
  }),
  docs: {
    GET: {
      summary:
        'Documents per status over time, errors by code, step durations (median, 95th percentile), waiting and stuck documents, recent batches',
      description:
        'Over the documents created in the period (default the last 24 hours by hour, or 30 days by day), newest first, at most 20,000 of them (then sampled is true).',
      parameters: [
        {
          name: 'from',
          in: 'query',
          description: 'Start of the period (ISO 8601)',
          schema: { type: 'string' },
        },
        {
          name: 'to',
          in: 'query',
          description: 'End of the period (default now)',
          schema: { type: 'string' },
        },
        {
          name: 'bucket',
          in: 'query',
          description: 'hour (default) or day',
          schema: { enum: ['hour', 'day'] },
        },
      ],
      responses: {
        '200': {
          description: 'The figures',
          content: {
            'application/json': {
              type: 'object',
              required: [
                'from',
                'to',
                'bucket',
                'total',
                'sampled',
                'byStatus',
                'series',
                'errors',
                'steps',
                'waiting',
                'stuck',
                'deadLettered',
                'batches',
              ],
              properties: {
                from: { type: 'string', format: 'date-time' },
                to: { type: 'string', format: 'date-time' },
                bucket: { enum: ['hour', 'day'] },
                total: { type: 'integer' },
                sampled: {
                  type: 'boolean',
                  description: 'More documents than were read: the newest 20,000 were',
                },
                byStatus: { type: 'object', additionalProperties: { type: 'integer' } },
                series: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      start: { type: 'string' },
                      counts: { type: 'object', additionalProperties: { type: 'integer' } },
                    },
                  },
                },
                errors: {
                  type: 'array',
                  description:
                    'Last error codes of the documents that failed, were rejected or are unfinished, most frequent first',
                  items: {
                    type: 'object',
                    properties: {
                      code: { type: 'string' },
                      count: { type: 'integer' },
                      lastAt: { type: 'string' },
                      documentId: { type: 'string', description: 'The document that had it last' },
                    },
                  },
                },
                steps: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      stepId: { type: 'string' },
                      action: { type: 'string' },
                      count: { type: 'integer' },
                      p50Ms: { type: 'number' },
                      p95Ms: { type: 'number' },
                    },
                  },
                },
                waiting: { type: 'integer', description: 'Documents waiting (a retry, an answer, an event)' },
                stuck: { type: 'integer', description: 'Unfinished documents not updated for 60 minutes' },
                deadLettered: {
                  type: 'integer',
                  description:
                    'Documents failed with stage.timeout: their step messages were lost or dead-lettered and re-driving gave up',
                },
                batches: {
                  type: 'array',
                  description: 'The 10 newest batches, as GET /api/batches/{id} without items',
                },
              },
            },
          },
        },
      },
      problems: { '400': ['request.invalid-query'] },
    },
  },
});

// ---------------------------------------------------------------------------------------------------------
// Configuration, read-only: flows as they run for the tenant, Business Central company setups

httpRoute('flows', {
  route: 'flows',
  methods: ['GET'],
  handler: authenticated(async (_request, tenantId) => {
    const { flows, tenants, features } = services();
    const tenant = await tenants.get(tenantId);
    const runnable = new Set(
      flows.runnable(tenantId, {
        ...(tenant?.enabledFlows ? { enabledFlows: tenant.enabledFlows } : {}),
        ...(tenant ? { feature: featureFilter(tenant, features) } : {}),
      }),
    );
    // One entry per flow id: the version that runs for the tenant, else the newest installed.
    const shown = new Map<string, { loaded: LoadedFlow; enabled: boolean }>();
    for (const loaded of flows.entries()) {
      if (loaded.flow.tenants && !loaded.flow.tenants.includes(tenantId)) continue; // another tenant's own flow
      const enabled = runnable.has(loaded);
      const current = shown.get(loaded.flow.id);
      if (!current || (enabled && !current.enabled)) shown.set(loaded.flow.id, { loaded, enabled });
    }
    const items = [...shown.values()]
      .sort((a, b) => a.loaded.flow.id.localeCompare(b.loaded.flow.id))
      .map(({ loaded, enabled }) => ({
        ...loaded.flow,
        enabled,
        ...(loaded.feature ? { featureId: loaded.feature.id, featureVersion: loaded.feature.version } : {}),
      }));
    return json(200, { items });
  }),
  docs: {
    GET: {
      summary:
        'The flows as they run for the tenant: each flow definition with its steps and routing, and whether it runs',
      responses: {
        '200': {
          description:
            'The flows (flows/schema/flow.schema.json), each with enabled, featureId and featureVersion',
          content: {
            'application/json': {
              type: 'object',
              required: ['items'],
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['id', 'version', 'steps', 'enabled'],
                    properties: {
                      id: { type: 'string' },
                      version: { type: 'integer' },
                      steps: { type: 'array' },
                      enabled: { type: 'boolean' },
                      featureId: { type: 'string' },
                      featureVersion: { type: 'string' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
});

httpRoute('companies', {
  route: 'companies',
  methods: ['GET'],
  handler: authenticated(async (_request, tenantId) => {
    const tenant = await services().tenants.get(tenantId);
    const items = Object.entries(tenant?.companies ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([companyId, setup]) => ({ ...setup, companyId }));
    return json(200, { items });
  }),
  docs: {
    GET: {
      summary: "The tenant's Business Central company setups (secrets appear as references, never as values)",
      responses: {
        '200': {
          description: 'The setups, by company id',
          content: {
            'application/json': {
              type: 'object',
              required: ['items'],
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['companyId'],
                    properties: { companyId: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
});

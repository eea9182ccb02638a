import { app, type HttpRequest } from '@azure/functions';
import { invalidInput, EInvoiceError } from '../shared/errors';
import { DOCUMENT_STATUSES, isTerminal, type DocumentStatus } from '../shared/model/record';
import { DOCUMENT_ID_PATTERN } from '../shared/util/ids';
import { isObject, parseJson } from '../shared/util/json';
import { authenticated, json, readBody } from './lib/http';
import { services } from './lib/services';
import { SECRET_REF_SCHEMA } from '../shared/connectors/auth';
import type { WebhookConfig } from '../shared/store/tenants';
import { parseCompanySetup } from '../shared/edoc/setup';
import { ajv, toProblems } from '../shared/validation/schema';

const CONTEXT_QUERY_FIELDS = ['flowId', 'country', 'format', 'documentType', 'companyId', 'direction'];
const MAX_WAIT_SECONDS = 300;

function statusUrl(id: string): string {
  return `/api/invoices/${id}`;
}

function documentId(request: HttpRequest): string {
  const id = request.params.id ?? '';
  // An id that cannot exist is answered like a missing one: no hint about other tenants' ids.
  if (!DOCUMENT_ID_PATTERN.test(id))
    throw new EInvoiceError('document.not-found', `No document ${id}`, { status: 404 });
  return id;
}

function contextFromRequest(request: HttpRequest): Record<string, unknown> {
  const header = request.headers.get('x-einvoice-context');
  let context: Record<string, unknown> = {};
  if (header) {
    const parsed = parseJson(header);
    if (!parsed.ok || !isObject(parsed.value)) {
      throw invalidInput('request.invalid-context', 'Header x-einvoice-context must be a JSON object', [
        { path: 'header x-einvoice-context', message: parsed.ok ? 'must be a JSON object' : parsed.message },
      ]);
    }
    context = parsed.value;
  }
  for (const field of CONTEXT_QUERY_FIELDS) {
    const value = request.query.get(field);
    if (value !== null) context[field] = value;
  }
  return context;
}

/** Splits a submission into context and document: `{ context, document }` JSON, or a raw JSON/XML document. */
function parseSubmission(body: Buffer, contentType: string, request: HttpRequest) {
  if (/xml/i.test(contentType)) {
    return { context: contextFromRequest(request), content: body, contentType: 'application/xml' };
  }
  if (!/json/i.test(contentType)) {
    throw new EInvoiceError(
      'request.unsupported-media-type',
      `Content type ${contentType} is not supported; send JSON or XML`,
      {
        status: 415,
      },
    );
  }
  const parsed = parseJson(body.toString('utf8'));
  if (!parsed.ok) {
    throw invalidInput('request.invalid-json', `The request body is not valid JSON: ${parsed.message}`, [
      { path: '/', message: parsed.message },
    ]);
  }
  const value = parsed.value;
  if (isObject(value) && 'document' in value) {
    if (value.context !== undefined && !isObject(value.context)) {
      throw invalidInput('request.invalid-context', 'context must be an object', [
        { path: '/context', message: 'must be an object' },
      ]);
    }
    const context = { ...contextFromRequest(request), ...value.context };
    const document = value.document;
    if (typeof document === 'string' && document.trimStart().startsWith('<')) {
      return { context, content: Buffer.from(document, 'utf8'), contentType: 'application/xml' };
    }
    if (!isObject(document)) {
      throw invalidInput('request.invalid-document', 'document must be a JSON object or XML text', [
        { path: '/document', message: 'must be a JSON object or XML text' },
      ]);
    }
    return {
      context,
      content: Buffer.from(JSON.stringify(document), 'utf8'),
      contentType: 'application/json',
    };
  }
  if (!isObject(value)) {
    throw invalidInput('request.invalid-document', 'The body must be a JSON object', [
      { path: '/', message: 'must be an object' },
    ]);
  }
  return {
    context: contextFromRequest(request),
    content: Buffer.from(JSON.stringify(value), 'utf8'),
    contentType: 'application/json',
  };
}

function waitSeconds(request: HttpRequest): number {
  const raw = request.query.get('wait');
  if (raw === null) return 0;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_WAIT_SECONDS) {
    throw invalidInput(
      'request.invalid-query',
      `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
      [{ path: 'query wait', message: `must be 0..${MAX_WAIT_SECONDS}` }],
    );
  }
  return seconds;
}

app.http('submitInvoice', {
  route: 'invoices',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) => {
    const wait = waitSeconds(request);
    const body = await readBody(request);
    const submission = parseSubmission(
      body,
      request.headers.get('content-type') ?? 'application/json',
      request,
    );
    const headerKey = request.headers.get('idempotency-key');
    const clientKey =
      headerKey ??
      (typeof submission.context.clientKey === 'string' ? submission.context.clientKey : undefined);
    delete submission.context.clientKey;
    const { pipeline } = services();
    const { record, created } = await pipeline.submit({
      tenantId,
      ...submission,
      ...(clientKey ? { clientKey } : {}),
    });
    const final = wait > 0 ? await pipeline.waitForTerminal(tenantId, record.id, wait * 1000) : record;
    return json(
      isTerminal(final.status) ? 200 : 202,
      {
        id: final.id,
        status: final.status,
        statusUrl: statusUrl(final.id),
        ...(created ? {} : { duplicate: true }),
      },
      { location: statusUrl(final.id) },
    );
  }),
});

app.http('getInvoice', {
  route: 'invoices/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) =>
    json(200, await services().pipeline.get(tenantId, documentId(request))),
  ),
});

app.http('getInvoiceArtifact', {
  route: 'invoices/{id}/artifacts/{name}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) => {
    const { info, content } = await services().pipeline.artifact(
      tenantId,
      documentId(request),
      request.params.name ?? '',
    );
    return {
      status: 200,
      body: content,
      headers: {
        'content-type': info.contentType,
        etag: `"${info.sha256}"`,
        'x-content-sha256': info.sha256,
      },
    };
  }),
});

function timeQuery(request: HttpRequest, name: string): number | undefined {
  const raw = request.query.get(name);
  if (raw === null) return undefined;
  const time = Date.parse(raw);
  if (Number.isNaN(time)) {
    throw invalidInput('request.invalid-query', `${name} must be an ISO 8601 date or date-time`, [
      { path: `query ${name}`, message: 'not a date' },
    ]);
  }
  return time;
}

app.http('listInvoices', {
  route: 'invoices',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) => {
    const status = request.query.get('status');
    if (status !== null && !(DOCUMENT_STATUSES as readonly string[]).includes(status)) {
      throw invalidInput('request.invalid-query', `status must be one of ${DOCUMENT_STATUSES.join(', ')}`, [
        { path: 'query status', message: 'unknown status' },
      ]);
    }
    const cursor = request.query.get('cursor');
    if (cursor !== null && !DOCUMENT_ID_PATTERN.test(cursor)) {
      throw invalidInput('request.invalid-query', 'cursor is not valid', [
        { path: 'query cursor', message: 'not a cursor' },
      ]);
    }
    const limit = Number(request.query.get('limit') ?? '50');
    const from = timeQuery(request, 'from');
    const to = timeQuery(request, 'to');
    const page = await services().pipeline.list(tenantId, {
      ...(status ? { status: status as DocumentStatus } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(cursor ? { cursor } : {}),
      limit: Number.isInteger(limit) ? limit : 50,
    });
    return json(200, { items: page.records, ...(page.next ? { next: page.next } : {}) });
  }),
});

app.http('resubmitInvoice', {
  route: 'invoices/{id}/resubmit',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) => {
    const record = await services().pipeline.resubmit(tenantId, documentId(request));
    return json(202, { id: record.id, status: record.status, statusUrl: statusUrl(record.id) });
  }),
});

app.http('cancelInvoice', {
  route: 'invoices/{id}/cancel',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) => {
    const record = await services().pipeline.cancel(tenantId, documentId(request));
    return json(200, { id: record.id, status: record.status, statusUrl: statusUrl(record.id) });
  }),
});

app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: authenticated(async () => {
    const { flows, formats } = services();
    return Promise.resolve(
      json(200, { status: 'ok', flows: flows.all().length, formats: formats.list().length }),
    );
  }),
});

const WEBHOOK_SCHEMA = {
  type: 'object',
  required: ['url', 'secret'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', pattern: '^https?://', maxLength: 2000 },
    secret: SECRET_REF_SCHEMA,
    events: { enum: ['terminal', 'all'] },
  },
} as const;

/** The tenant's webhook: `GET`, `PUT { url, secret: { secret: NAME }, events? }`, `DELETE`. */
app.http('tenantWebhook', {
  route: 'webhook',
  methods: ['GET', 'PUT', 'DELETE'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) => {
    const { tenants } = services();
    if (request.method === 'GET') {
      const webhook = (await tenants.get(tenantId))?.webhook;
      return json(webhook ? 200 : 404, webhook ?? { code: 'webhook.not-configured', title: 'No webhook' });
    }
    if (request.method === 'DELETE') {
      await tenants.setWebhook(tenantId, undefined);
      return { status: 204 };
    }
    const parsed = parseJson((await readBody(request)).toString('utf8'));
    if (!parsed.ok) throw invalidInput('request.invalid-json', parsed.message);
    const validate = ajv().compile<WebhookConfig>(WEBHOOK_SCHEMA);
    if (!validate(parsed.value))
      throw invalidInput('webhook.invalid', 'The webhook is not valid', toProblems(validate.errors));
    const tenant = await tenants.setWebhook(tenantId, parsed.value);
    return json(200, tenant.webhook);
  }),
});

/** A Business Central company's setup for inbound documents: `GET`, `PUT` (the setup), `DELETE`. */
app.http('companySetup', {
  route: 'companies/{companyId}',
  methods: ['GET', 'PUT', 'DELETE'],
  authLevel: 'anonymous',
  handler: authenticated(async (request, tenantId) => {
    const { tenants } = services();
    const companyId = request.params.companyId ?? '';
    if (request.method === 'GET') {
      const setup = (await tenants.get(tenantId))?.companies?.[companyId];
      return json(
        setup ? 200 : 404,
        setup ?? { code: 'company.not-configured', title: `No setup for company ${companyId}` },
      );
    }
    if (request.method === 'DELETE') {
      await tenants.setCompany(tenantId, companyId, undefined);
      return { status: 204 };
    }
    const parsed = parseJson((await readBody(request)).toString('utf8'));
    if (!parsed.ok) throw invalidInput('request.invalid-json', parsed.message);
    const setup = parseCompanySetup(parsed.value, 'the company setup');
    if (setup.companyId !== companyId)
      throw invalidInput(
        'company.mismatch',
        `The setup is for company ${setup.companyId}, the route for ${companyId}`,
        [{ path: '/companyId', message: `must be ${companyId}` }],
      );
    await tenants.setCompany(tenantId, companyId, setup);
    return json(200, setup);
  }),
});

import type { HttpRequest } from '@azure/functions';
import { join } from 'node:path';
import { invalidInput, EInvoiceError, notFound } from '../shared/errors';
import { DOCUMENT_RECORD_SCHEMA, DOCUMENT_STATUSES, isTerminal } from '../shared/model/record';
import { DOCUMENT_ID_PATTERN } from '../shared/util/ids';
import { isObject, parseJson } from '../shared/util/json';
import { packageRoot } from '../shared/util/package-root';
import {
  authenticated,
  json,
  parseJsonBody,
  PROBLEM_DETAIL_SCHEMA,
  PROBLEM_SCHEMA,
  readBody,
} from './lib/http';
import { component, httpRoute, openApiDocument, serviceVersion, type ParameterDoc } from './lib/openapi';
import { services } from './lib/services';
import { DOCUMENT_QUERY_PARAMETERS, Parameters, readDocumentQuery } from './lib/document-query';
import { recordMatcher } from '../shared/store/document-filter';
import { SECRET_REF_SCHEMA } from '../shared/connectors/auth';
import type { WebhookConfig } from '../shared/store/tenants';
import { COMPANY_SETUP_SCHEMA, parseCompanySetup } from '../shared/edoc/setup';
import { ajv, toProblems } from '../shared/validation/schema';
import { readFileSync } from 'node:fs';

const CONTEXT_QUERY_FIELDS = ['flowId', 'country', 'format', 'documentType', 'companyId', 'direction'];
const MAX_WAIT_SECONDS = 300;
const MAX_PAGE = 500;
const DEFAULT_PAGE = 50;

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

// Schemas of the description (components), from the schemas the handlers check with.
component('ProblemDetail', PROBLEM_DETAIL_SCHEMA);
component('Problem', PROBLEM_SCHEMA);
const Context = component(
  'Context',
  JSON.parse(
    readFileSync(join(packageRoot(), 'shared', 'model', 'schemas', 'context.schema.json'), 'utf8'),
  ) as Record<string, unknown>,
);
const DocumentRecord = component('DocumentRecord', DOCUMENT_RECORD_SCHEMA);
const SubmitAnswer = component('SubmitAnswer', {
  type: 'object',
  required: ['id', 'status', 'statusUrl'],
  properties: {
    id: { type: 'string' },
    status: { enum: [...DOCUMENT_STATUSES] },
    statusUrl: { type: 'string', description: '/api/invoices/{id}' },
    duplicate: { const: true, description: 'The client key was seen before, with the same body' },
  },
});
const Submission = component('Submission', {
  type: 'object',
  required: ['document'],
  properties: {
    context: Context,
    document: {
      description:
        'A canonical invoice (shared/model/schemas/invoice.schema.json), an edoc transfer document, or XML text',
      type: ['object', 'string'],
    },
  },
});
const Webhook = component('Webhook', WEBHOOK_SCHEMA);
const CompanySetup = component('CompanySetup', COMPANY_SETUP_SCHEMA);

function statusUrl(id: string): string {
  return `/api/invoices/${id}`;
}

function documentId(request: HttpRequest): string {
  const id = request.params.id ?? '';
  // An id that cannot exist is answered like a missing one: no hint about other tenants' ids.
  if (!DOCUMENT_ID_PATTERN.test(id)) throw notFound('document.not-found', `No document ${id}`);
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
      { status: 415 },
    );
  }
  const value = parseJsonBody(body.toString('utf8'));
  if (isObject(value) && 'document' in value) {
    if (value.context !== undefined && !isObject(value.context)) {
      throw invalidInput('request.invalid-context', 'context must be an object', [
        { path: '/context', message: 'must be an object' },
      ]);
    }
    const context = { ...contextFromRequest(request), ...value.context };
    const document = value.document;
    if (typeof document === 'string' && document.trimStart().startsWith('<')) {
      return {
        context,
        content: Buffer.from(document, 'utf8'),
        contentType: 'application/xml',
        documentPath: '/document',
      };
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
      documentPath: '/document',
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

const RECORD_PROBLEMS = { '404': ['document.not-found'] };
const CONTEXT_PARAMETERS: ParameterDoc[] = [
  ...CONTEXT_QUERY_FIELDS.map((name) => ({
    name,
    in: 'query' as const,
    description: `Context field ${name}, for a raw document (the body is the document itself)`,
    schema: { type: 'string' },
  })),
  {
    name: 'x-einvoice-context',
    in: 'header',
    description: 'The context as a JSON object, for a raw document',
    schema: { type: 'string' },
  },
];

httpRoute('submitInvoice', {
  route: 'invoices',
  methods: ['POST'],
  handler: authenticated(async (request, tenantId) => {
    const wait = Parameters.query(request).integer('wait', 0, MAX_WAIT_SECONDS, 0);
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
  docs: {
    POST: {
      summary: 'Submit a document',
      description:
        'The body is `{ context, document }`, or the document itself (JSON or XML) with the context in ' +
        '`x-einvoice-context` or the query. The flow is chosen by the context; a body the flow does not take ' +
        'is refused (415, or 422 for XML of another format). A JSON body nests at most 64 levels.',
      parameters: [
        {
          name: 'wait',
          in: 'query',
          description: 'Seconds (0–300) to wait for a final status; 200 when it is reached',
          schema: { type: 'integer', minimum: 0, maximum: MAX_WAIT_SECONDS },
        },
        {
          name: 'idempotency-key',
          in: 'header',
          description: 'The client key: the same key with the same body returns the first document',
          schema: { type: 'string', minLength: 1, maxLength: 200 },
        },
        ...CONTEXT_PARAMETERS,
      ],
      requestBody: {
        content: {
          'application/json': {
            anyOf: [Submission, { type: 'object', description: 'A raw document (JSON)' }],
          },
          'application/xml': { type: 'string', description: 'A raw XML document' },
        },
      },
      responses: {
        '200': {
          description: 'Final status reached while waiting',
          content: { 'application/json': SubmitAnswer },
        },
        '202': {
          description: 'Accepted; the status is at statusUrl (also the Location header)',
          content: { 'application/json': SubmitAnswer },
          headers: { location: { description: 'statusUrl', schema: { type: 'string' } } },
        },
      },
      problems: {
        '400': [
          'request.invalid-json',
          'request.invalid-context',
          'request.invalid-document',
          'request.invalid-query',
          'request.too-deep',
          'context.invalid',
          'xml.dtd-forbidden',
          'xml.too-large',
        ],
        '413': ['request.too-large'],
        '415': ['request.unsupported-media-type', 'request.unsupported-input'],
        '422': [
          'flow.unknown',
          'flow.no-match',
          'flow.ambiguous',
          'request.unsupported-format',
          'idempotency.conflict',
        ],
      },
    },
  },
});

httpRoute('getInvoice', {
  route: 'invoices/{id}',
  methods: ['GET'],
  handler: authenticated(async (request, tenantId) =>
    json(200, await services().pipeline.get(tenantId, documentId(request))),
  ),
  docs: {
    GET: {
      summary: 'The document record',
      responses: { '200': { description: 'The record', content: { 'application/json': DocumentRecord } } },
      problems: RECORD_PROBLEMS,
    },
  },
});

httpRoute('getInvoiceArtifact', {
  route: 'invoices/{id}/artifacts/{name}',
  methods: ['GET'],
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
  docs: {
    GET: {
      summary: 'One stored document (input, reports, the e-invoice, signed XML, answers…)',
      responses: {
        '200': {
          description: 'The artifact, with its own content type',
          content: { '*/*': {} },
          headers: {
            'x-content-sha256': { description: 'SHA-256 of the content, hex', schema: { type: 'string' } },
            etag: { description: 'The SHA-256, quoted', schema: { type: 'string' } },
          },
        },
      },
      problems: { '404': ['document.not-found', 'artifact.not-found'] },
    },
  },
});

httpRoute('listInvoices', {
  route: 'invoices',
  methods: ['GET'],
  handler: authenticated(async (request, tenantId) => {
    const parameters = Parameters.query(request);
    const query = readDocumentQuery(parameters);
    const cursor = parameters.get('cursor');
    if (cursor !== null && !DOCUMENT_ID_PATTERN.test(cursor)) {
      throw parameters.invalid(
        'cursor',
        'cursor is not valid: pass the next value of the previous page',
        'not a cursor',
      );
    }
    const limit = parameters.integer('limit', 1, MAX_PAGE, DEFAULT_PAGE);
    const page = await services().pipeline.list(tenantId, {
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(cursor ? { cursor } : {}),
      order: query.order,
      match: recordMatcher(query.filter, Date.now()),
      limit,
    });
    return json(200, { items: page.records, ...(page.next ? { next: page.next } : {}) });
  }),
  docs: {
    GET: {
      summary: 'A page of records, oldest (or newest) first, filtered',
      description:
        'A page may hold fewer than limit records, with next, when the filter matched few of the records read for it: go on with next until it is absent.',
      parameters: [
        ...DOCUMENT_QUERY_PARAMETERS,
        { name: 'cursor', in: 'query', description: 'next of the previous page', schema: { type: 'string' } },
        {
          name: 'limit',
          in: 'query',
          description: `Records per page, 1–${MAX_PAGE} (default ${DEFAULT_PAGE})`,
          schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE },
        },
      ],
      responses: {
        '200': {
          description: 'The page; next is the cursor of the following one',
          content: {
            'application/json': {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: DocumentRecord }, next: { type: 'string' } },
            },
          },
        },
      },
      problems: { '400': ['request.invalid-query'] },
    },
  },
});

const ACTION_ANSWER = {
  type: 'object',
  required: ['id', 'status', 'statusUrl'],
  properties: {
    id: { type: 'string' },
    status: { enum: [...DOCUMENT_STATUSES] },
    statusUrl: { type: 'string' },
  },
};

httpRoute('resubmitInvoice', {
  route: 'invoices/{id}/resubmit',
  methods: ['POST'],
  handler: authenticated(async (request, tenantId) => {
    const record = await services().pipeline.resubmit(tenantId, documentId(request));
    return json(202, { id: record.id, status: record.status, statusUrl: statusUrl(record.id) });
  }),
  docs: {
    POST: {
      summary: 'Start a failed, rejected or cancelled document again at the step where it stopped',
      responses: { '202': { description: 'Started again', content: { 'application/json': ACTION_ANSWER } } },
      problems: { ...RECORD_PROBLEMS, '409': ['document.not-resubmittable'] },
    },
  },
});

httpRoute('cancelInvoice', {
  route: 'invoices/{id}/cancel',
  methods: ['POST'],
  handler: authenticated(async (request, tenantId) => {
    const record = await services().pipeline.cancel(tenantId, documentId(request));
    return json(200, { id: record.id, status: record.status, statusUrl: statusUrl(record.id) });
  }),
  docs: {
    POST: {
      summary: 'Stop a document that has not finished',
      responses: { '200': { description: 'Cancelled', content: { 'application/json': ACTION_ANSWER } } },
      problems: { ...RECORD_PROBLEMS, '409': ['document.finished'] },
    },
  },
});

const HOLD_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { type: 'string', maxLength: 500, description: 'Why: an audit, a dispute, a court order' },
  },
} as const;

httpRoute('legalHold', {
  route: 'invoices/{id}/hold',
  methods: ['PUT', 'DELETE'],
  handler: authenticated(async (request, tenantId) => {
    const id = documentId(request);
    let reason: string | undefined;
    if (request.method === 'PUT') {
      const text = (await readBody(request)).toString('utf8');
      const value = text.trim() === '' ? {} : parseJsonBody(text);
      const validate = ajv().compile<{ reason?: string }>(HOLD_SCHEMA);
      if (!validate(value))
        throw invalidInput('hold.invalid', 'The legal hold is not valid', toProblems(validate.errors));
      reason = value.reason;
    }
    const record = await services().pipeline.setLegalHold(
      tenantId,
      id,
      request.method === 'PUT' ? { ...(reason ? { reason } : {}) } : undefined,
    );
    if (request.method === 'DELETE') return { status: 204 };
    return json(200, { id, legalHold: record.legalHold });
  }),
  docs: {
    PUT: {
      summary:
        'Put a document under legal hold: retention (EINVOICE_RETENTION) never deletes it until the hold is released',
      requestBody: { content: { 'application/json': HOLD_SCHEMA } },
      responses: {
        '200': {
          description: 'Held',
          content: {
            'application/json': {
              type: 'object',
              required: ['id', 'legalHold'],
              properties: {
                id: { type: 'string' },
                legalHold: {
                  type: 'object',
                  required: ['since'],
                  properties: { since: { type: 'string' }, reason: { type: 'string' } },
                },
              },
            },
          },
        },
      },
      problems: { ...RECORD_PROBLEMS, '400': ['request.invalid-json', 'request.too-deep', 'hold.invalid'] },
    },
    DELETE: {
      summary: 'Release the legal hold: the document is deleted once its retention period has passed',
      responses: { '204': { description: 'Released (or there was no hold)' } },
      problems: RECORD_PROBLEMS,
    },
  },
});

const RELATED_SCHEMA = {
  type: 'object',
  required: ['kind'],
  additionalProperties: false,
  properties: {
    kind: {
      type: 'string',
      pattern: '^[a-z][a-z0-9-]{0,31}$',
      description: "One of the feature's kinds: cancel, correct, ...",
    },
    data: { type: 'object', description: "The related document's input (its input.json)" },
  },
} as const;

httpRoute('relatedInvoice', {
  route: 'invoices/{id}/related',
  methods: ['POST'],
  handler: authenticated(async (request, tenantId) => {
    const id = documentId(request);
    const value = parseJsonBody((await readBody(request)).toString('utf8'));
    const validate = ajv().compile<{ kind: string; data?: Record<string, unknown> }>(RELATED_SCHEMA);
    if (!validate(value))
      throw invalidInput(
        'related.invalid',
        'The related submission is not valid',
        toProblems(validate.errors),
      );
    const record = await services().pipeline.related(tenantId, id, value.kind, value.data ?? {});
    return json(
      202,
      { id: record.id, status: record.status, statusUrl: statusUrl(record.id) },
      { location: statusUrl(record.id) },
    );
  }),
  docs: {
    POST: {
      summary:
        'Start a document that refers to this one (cancel, correct, ...: the kinds its feature declares), linked both ways',
      requestBody: { content: { 'application/json': RELATED_SCHEMA } },
      responses: {
        '202': {
          description: 'The related document, started',
          content: { 'application/json': ACTION_ANSWER },
        },
      },
      problems: {
        ...RECORD_PROBLEMS,
        '400': ['request.invalid-json', 'request.too-deep', 'related.invalid'],
        '409': ['related.not-allowed'],
        '413': ['request.too-large'],
        '422': ['related.unknown-kind', 'flow.unknown'],
      },
    },
  },
});

/** Liveness and version only: anonymous, so it says nothing else. */
httpRoute('health', {
  route: 'health',
  methods: ['GET'],
  handler: () => Promise.resolve(json(200, { status: 'ok', version: serviceVersion() })),
  docs: {
    GET: {
      summary: 'Liveness and version (no API key)',
      anonymous: true,
      responses: {
        '200': {
          description: 'The service is up',
          content: {
            'application/json': {
              type: 'object',
              required: ['status', 'version'],
              additionalProperties: false,
              properties: { status: { const: 'ok' }, version: { type: 'string' } },
            },
          },
        },
      },
    },
  },
});

/** This API's OpenAPI 3.1 description, from the declared routes: anonymous, it holds no data. */
httpRoute('openApi', {
  route: 'openapi.json',
  methods: ['GET'],
  handler: () => Promise.resolve(json(200, openApiDocument())),
  docs: {
    GET: {
      summary: 'This description (OpenAPI 3.1, no API key)',
      anonymous: true,
      responses: {
        '200': {
          description: 'The OpenAPI description',
          content: {
            'application/json': {
              type: 'object',
              required: ['openapi', 'info', 'paths', 'components'],
              properties: {
                openapi: { const: '3.1.0' },
                info: { type: 'object' },
                paths: { type: 'object' },
                components: { type: 'object' },
              },
            },
          },
        },
      },
    },
  },
});

/** The tenant's webhook: `GET`, `PUT { url, secret: { secret: NAME }, events? }`, `DELETE`. */
httpRoute('tenantWebhook', {
  route: 'webhook',
  methods: ['GET', 'PUT', 'DELETE'],
  handler: authenticated(async (request, tenantId) => {
    const { tenants } = services();
    if (request.method === 'GET') {
      const webhook = (await tenants.get(tenantId))?.webhook;
      if (!webhook) throw notFound('webhook.not-configured', 'No webhook is configured for this tenant');
      return json(200, webhook);
    }
    if (request.method === 'DELETE') {
      await tenants.setWebhook(tenantId, undefined);
      return { status: 204 };
    }
    const value = parseJsonBody((await readBody(request)).toString('utf8'));
    const validate = ajv().compile<WebhookConfig>(WEBHOOK_SCHEMA);
    if (!validate(value))
      throw invalidInput('webhook.invalid', 'The webhook is not valid', toProblems(validate.errors));
    const tenant = await tenants.setWebhook(tenantId, value);
    return json(200, tenant.webhook);
  }),
  docs: {
    GET: {
      summary: "The tenant's webhook",
      responses: { '200': { description: 'The webhook', content: { 'application/json': Webhook } } },
      problems: { '404': ['webhook.not-configured'] },
    },
    PUT: {
      summary: "Set the tenant's webhook (the secret by name; its value lives in the secret store)",
      requestBody: { content: { 'application/json': Webhook } },
      responses: {
        '200': { description: 'The webhook as stored', content: { 'application/json': Webhook } },
      },
      problems: {
        '400': ['request.invalid-json', 'request.too-deep', 'webhook.invalid'],
        '413': ['request.too-large'],
      },
    },
    DELETE: {
      summary: "Remove the tenant's webhook",
      responses: { '204': { description: 'Removed (or there was none)' } },
    },
  },
});

/** A Business Central company's setup for inbound documents: `GET`, `PUT` (the setup), `DELETE`. */
httpRoute('companySetup', {
  route: 'companies/{companyId}',
  methods: ['GET', 'PUT', 'DELETE'],
  handler: authenticated(async (request, tenantId) => {
    const { tenants } = services();
    const companyId = request.params.companyId ?? '';
    if (request.method === 'GET') {
      const setup = (await tenants.get(tenantId))?.companies?.[companyId];
      if (!setup) throw notFound('company.not-configured', `No setup for company ${companyId}`);
      return json(200, setup);
    }
    if (request.method === 'DELETE') {
      await tenants.setCompany(tenantId, companyId, undefined);
      return { status: 204 };
    }
    const value = parseJsonBody((await readBody(request)).toString('utf8'));
    const setup = parseCompanySetup(value, 'the company setup');
    if (setup.companyId !== companyId)
      throw invalidInput(
        'company.mismatch',
        `The setup is for company ${setup.companyId}, the route for ${companyId}`,
        [{ path: '/companyId', message: `must be ${companyId}` }],
      );
    await tenants.setCompany(tenantId, companyId, setup);
    return json(200, setup);
  }),
  docs: {
    GET: {
      summary: "A company's setup for inbound documents (docs/edoc.md)",
      responses: { '200': { description: 'The setup', content: { 'application/json': CompanySetup } } },
      problems: { '404': ['company.not-configured'] },
    },
    PUT: {
      summary: "Set a company's setup",
      requestBody: { content: { 'application/json': CompanySetup } },
      responses: {
        '200': { description: 'The setup as stored', content: { 'application/json': CompanySetup } },
      },
      problems: {
        '400': ['request.invalid-json', 'request.too-deep', 'edoc.invalid-setup', 'company.mismatch'],
        '413': ['request.too-large'],
      },
    },
    DELETE: {
      summary: "Remove a company's setup",
      responses: { '204': { description: 'Removed (or there was none)' } },
    },
  },
});

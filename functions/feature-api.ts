import { readFileSync } from 'node:fs';
import type { HttpRequest } from '@azure/functions';
import { EInvoiceError, invalidInput } from '../shared/errors';
import { EVENT_SCHEMA } from '../shared/features/events';
import { eventAdapters } from '../shared/features/event-adapters';
import { ajv, toProblems } from '../shared/validation/schema';
import { authenticated, json, parseJsonBody, problem, readBody } from './lib/http';
import { component, httpRoute } from './lib/openapi';
import { services } from './lib/services';
import { FEATURE_PACKAGE_SCHEMA } from '../shared/features/package';

/** The route's company id: what a document's `context.companyId` may be. */
function companyId(request: HttpRequest): string {
  const id = request.params.companyId ?? '';
  if (id.length === 0 || id.length > 100)
    throw invalidInput('request.invalid-company', 'The company id must have 1 to 100 characters', [
      { path: 'route companyId', message: 'must have 1 to 100 characters' },
    ]);
  return id;
}

const FeatureCompany = component('FeatureCompany', {
  type: 'object',
  required: ['parameters', 'updatedAt'],
  properties: {
    parameters: { type: 'object', description: "Checked against the enabled version's parameter schema" },
    updatedAt: { type: 'string', format: 'date-time' },
  },
});

const Feature = component('Feature', {
  type: 'object',
  required: ['id', 'title', 'direction', 'versions', 'flows', 'formats'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    country: { type: 'string' },
    direction: { enum: ['outbound', 'inbound', 'both'] },
    versions: { type: 'array', items: { type: 'string' }, description: 'Installed versions, newest first' },
    enabledVersion: { type: 'string', description: 'The version that runs for the tenant' },
    byDefault: {
      const: true,
      description: 'The tenant set up no feature, so the newest version of each runs with default parameters',
    },
    enabledAt: { type: 'string', format: 'date-time' },
    companies: { type: 'object', additionalProperties: FeatureCompany },
    parameters: { type: 'object', description: "JSON Schema of a company's parameters" },
    certificates: { type: 'array', items: { type: 'string' } },
    secrets: { type: 'array', items: { type: 'string' } },
    flows: { type: 'array', items: { type: 'string' } },
    formats: { type: 'array', items: { type: 'string' } },
    related: {
      type: 'object',
      description:
        'The related submissions the version allows (POST /api/invoices/{id}/related): by kind, its flow and the statuses of the original it may follow',
      additionalProperties: {
        type: 'object',
        required: ['flow', 'from'],
        properties: {
          flow: { type: 'string' },
          from: { type: 'array', items: { type: 'string' } },
          description: { type: 'string' },
        },
      },
    },
  },
});

const ENABLE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    version: {
      type: 'string',
      pattern: '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$',
      description: 'Default: the newest installed',
    },
  },
} as const;

httpRoute('features', {
  route: 'features',
  methods: ['GET', 'POST'],
  handler: authenticated(async (request, tenantId) => {
    if (request.method === 'GET') return json(200, { items: await services().setups.list(tenantId) });
    const value = parseJsonBody((await readBody(request)).toString('utf8'));
    const installed = services().installer.install(tenantId, value);
    return json(201, installed, { location: `/api/features/${installed.id}` });
  }),
  docs: {
    POST: {
      summary:
        'Install a feature package (einvoice feature pack), checked whole first; for the tenants in EINVOICE_FEATURE_ADMINS',
      requestBody: { content: { 'application/json': FEATURE_PACKAGE_SCHEMA } },
      responses: {
        '201': {
          description: 'Installed: tenants may enable it',
          content: {
            'application/json': {
              type: 'object',
              required: ['id', 'version'],
              properties: { id: { type: 'string' }, version: { type: 'string' } },
            },
          },
        },
      },
      problems: {
        '400': ['request.invalid-json', 'request.too-deep', 'feature.invalid-package', 'feature.duplicate'],
        '403': ['feature.forbidden'],
        '409': ['feature.no-install-folder'],
        '413': ['request.too-large'],
      },
    },
    GET: {
      summary: 'The installed features, and which version of each runs for the tenant',
      responses: {
        '200': {
          description: 'The features',
          content: {
            'application/json': {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: Feature } },
            },
          },
        },
      },
    },
  },
});

httpRoute('feature', {
  route: 'features/{featureId}',
  methods: ['GET', 'PUT', 'DELETE'],
  handler: authenticated(async (request, tenantId) => {
    const { setups } = services();
    const id = request.params.featureId ?? '';
    if (request.method === 'GET') return json(200, await setups.show(tenantId, id));
    if (request.method === 'DELETE') {
      await setups.disable(tenantId, id);
      return { status: 204 };
    }
    const raw = (await readBody(request)).toString('utf8');
    const body = raw.trim() === '' ? {} : parseJsonBody(raw);
    const validate = ajv().compile<{ version?: string }>(ENABLE_SCHEMA);
    if (!validate(body))
      throw invalidInput('feature.invalid-request', 'The body is not valid', toProblems(validate.errors));
    return json(200, await setups.enable(tenantId, id, body.version));
  }),
  docs: {
    GET: {
      summary: 'One feature: its versions, the one enabled, its companies and their parameters',
      responses: { '200': { description: 'The feature', content: { 'application/json': Feature } } },
      problems: { '404': ['feature.not-found'] },
    },
    PUT: {
      summary:
        'Enable a version for the tenant (new documents run under it; documents in flight finish under theirs)',
      requestBody: { content: { 'application/json': ENABLE_SCHEMA } },
      responses: {
        '200': { description: 'The feature as set up', content: { 'application/json': Feature } },
      },
      problems: {
        '400': ['request.invalid-json', 'feature.invalid-request', 'feature.invalid-parameters'],
        '404': ['feature.not-found', 'feature.version-not-installed'],
      },
    },
    DELETE: {
      summary: "Disable it for the tenant's new documents (its company setups go with it)",
      responses: { '204': { description: 'Disabled (or it was not enabled)' } },
      problems: { '404': ['feature.not-found'] },
    },
  },
});

httpRoute('featureCompany', {
  route: 'features/{featureId}/companies/{companyId}',
  methods: ['GET', 'PUT', 'DELETE'],
  handler: authenticated(async (request, tenantId) => {
    const { setups } = services();
    const id = request.params.featureId ?? '';
    const company = companyId(request);
    if (request.method === 'GET') return json(200, await setups.company(tenantId, id, company));
    if (request.method === 'DELETE') {
      await setups.setCompany(tenantId, id, company, undefined);
      return { status: 204 };
    }
    const parameters = parseJsonBody((await readBody(request)).toString('utf8'));
    return json(200, await setups.setCompany(tenantId, id, company, parameters));
  }),
  docs: {
    GET: {
      summary: "A company's parameters for the feature",
      responses: {
        '200': { description: 'The parameters', content: { 'application/json': FeatureCompany } },
      },
      problems: { '404': ['feature.not-found', 'feature.company-not-configured'] },
    },
    PUT: {
      summary:
        "Set a company's parameters (the body), checked against the enabled version's schema; documents with this context.companyId use them",
      requestBody: { content: { 'application/json': { type: 'object' } } },
      responses: {
        '200': { description: 'As stored', content: { 'application/json': FeatureCompany } },
      },
      problems: {
        '400': ['request.invalid-json', 'request.invalid-company', 'feature.invalid-parameters'],
        '404': ['feature.not-found'],
        '409': ['feature.not-enabled'],
      },
    },
    DELETE: {
      summary: "Remove a company's parameters",
      responses: { '204': { description: 'Removed (or there were none)' } },
      problems: { '404': ['feature.not-found'], '409': ['feature.not-enabled'] },
    },
  },
});

const EventAnswer = component('EventAnswer', {
  type: 'object',
  required: ['id', 'status'],
  properties: {
    id: { type: 'string', description: "The event's id (the sender's, or the SHA-256 of the body)" },
    status: {
      enum: ['delivered', 'kept', 'duplicate'],
      description:
        'delivered: a document waits for its key and was told; kept: none does yet (it will find it when it waits, or it is listed as unmatched); duplicate: that id came before',
    },
  },
});

/** The tenant an event request comes from: its API key, or an event key issued for this feature. */
async function eventSender(request: HttpRequest, featureId: string): Promise<string> {
  const { tenants, inbox } = services();
  const apiKey = request.headers.get('x-api-key');
  if (apiKey) {
    const tenantId = await tenants.authenticate(apiKey);
    if (tenantId) return tenantId;
  }
  const eventKey = request.headers.get('x-event-key') ?? request.query.get('key');
  const owner = eventKey ? await inbox.keyOwner(eventKey) : undefined;
  if (owner && owner.featureId === featureId) return owner.tenantId;
  throw new EInvoiceError(
    'auth.invalid-key',
    "An event needs the feature's event key (x-event-key header or key query parameter) or an API key",
    { status: 401 },
  );
}

/** SDI's certificate, when the setting SDI_CERTIFICATE names its file: notifications must be signed with it. */
function sdiCertificate(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new EInvoiceError('settings.invalid', `SDI_CERTIFICATE ${file} cannot be read`);
  }
}

httpRoute('featureEvents', {
  route: 'events/{featureId}',
  methods: ['POST'],
  handler: async (request, context) => {
    try {
      const featureId = request.params.featureId ?? '';
      const tenantId = await eventSender(request, featureId);
      const { inbox, pipeline, setups, logger, settings } = services();
      const manifest = setups.installed(featureId).manifest;
      const raw = await readBody(request);
      const contentType = request.headers.get('content-type') ?? '';
      // An authority's own message (SDI's SOAP notifications), where the feature names its adapter
      const adapter =
        manifest.events && !/json/i.test(contentType)
          ? eventAdapters(() => sdiCertificate(settings.sdiCertificateFile))[manifest.events]
          : undefined;
      const adapted = adapter?.adapt(raw, {
        contentType,
        ...(request.headers.get('soapaction') ? { soapAction: request.headers.get('soapaction')! } : {}),
      });
      const bodies: unknown[] = adapted ? adapted.events : [parseJsonBody(raw.toString('utf8'))];
      const answers: Array<{ id: string; status: string }> = [];
      for (const body of bodies) {
        const { event, duplicate, waiter } = await inbox.receive(tenantId, featureId, body);
        const delivered =
          !duplicate && waiter ? await pipeline.wake(tenantId, waiter.documentId, waiter.stepId) : false;
        const status = duplicate ? 'duplicate' : delivered ? 'delivered' : 'kept';
        logger.info('event.received', { tenantId, featureId, eventId: event.id, type: event.type, status });
        answers.push({ id: event.id, status });
      }
      if (adapted) {
        // documents the authority delivers start inbound, for the company the endpoint's address names
        const companyId = request.query.get('companyId');
        for (const document of adapted.documents) {
          const { record, created } = await pipeline.submit({
            tenantId,
            content: document.content,
            contentType: document.contentType,
            context: { ...document.context, ...(companyId ? { companyId } : {}) },
            clientKey: document.clientKey,
          });
          logger.info('document.delivered', { tenantId, featureId, documentId: record.id, created });
        }
        return {
          status: adapted.answer.status,
          body: adapted.answer.body,
          ...(adapted.answer.contentType ? { headers: { 'content-type': adapted.answer.contentType } } : {}),
        };
      }
      const [answer] = answers;
      return json(answer!.status === 'duplicate' ? 200 : 202, answer);
    } catch (error) {
      return problem(error, context);
    }
  },
  docs: {
    POST: {
      summary:
        "An authority's event about a submission (a delivery receipt, a rejection), for the document waiting for its key",
      anonymous: true,
      parameters: [
        {
          name: 'x-event-key',
          in: 'header',
          description: "The feature's event key",
          schema: { type: 'string' },
        },
        {
          name: 'key',
          in: 'query',
          description: 'The event key, where the sender cannot set a header',
          schema: { type: 'string' },
        },
      ],
      requestBody: {
        content: {
          'application/json': EVENT_SCHEMA,
          'text/xml': {
            type: 'string',
            description:
              "An authority's own message, for a feature whose manifest names its adapter (SDI's SDICoop SOAP); companyId in the query names the company a delivered invoice is for",
          },
        },
      },
      responses: {
        '200': {
          description: 'That event id came before: nothing changed',
          content: { 'application/json': EventAnswer },
        },
        '202': { description: 'Stored, and delivered or kept', content: { 'application/json': EventAnswer } },
      },
      problems: {
        '400': [
          'request.invalid-json',
          'request.too-deep',
          'event.invalid',
          'event.signature-invalid',
          'sdi.malformed',
          'sdi.invalid-message',
        ],
        '401': ['auth.invalid-key'],
        '404': ['feature.not-found'],
        '413': ['request.too-large'],
      },
    },
  },
});

httpRoute('featureEventKey', {
  route: 'features/{featureId}/event-key',
  methods: ['POST'],
  handler: authenticated(async (request, tenantId) => {
    const featureId = request.params.featureId ?? '';
    const { setups, inbox } = services();
    setups.installed(featureId);
    const key = await inbox.newKey(tenantId, featureId);
    return json(201, { key, url: `/api/events/${featureId}` });
  }),
  docs: {
    POST: {
      summary: "A new key for the authority to send this feature's events with (shown once)",
      responses: {
        '201': {
          description: 'The key; send events to url with it in x-event-key (or ?key=)',
          content: {
            'application/json': {
              type: 'object',
              required: ['key', 'url'],
              properties: { key: { type: 'string' }, url: { type: 'string' } },
            },
          },
        },
      },
      problems: { '404': ['feature.not-found'] },
    },
  },
});

httpRoute('featureUnmatchedEvents', {
  route: 'features/{featureId}/events/unmatched',
  methods: ['GET'],
  handler: authenticated(async (request, tenantId) => {
    const featureId = request.params.featureId ?? '';
    const { setups, inbox } = services();
    setups.installed(featureId);
    return json(200, { items: await inbox.unmatched(tenantId, featureId) });
  }),
  docs: {
    GET: {
      summary: 'Events kept for a key no document has waited for',
      responses: {
        '200': {
          description: 'The events, oldest first',
          content: {
            'application/json': {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: { type: 'object' } } },
            },
          },
        },
      },
      problems: { '404': ['feature.not-found'] },
    },
  },
});

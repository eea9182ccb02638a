import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { RegistrationRecorder, triggerOf } from '../shared/runtime/registrations';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegistries } from '../shared/composition';
import { packFeature } from '../shared/features/package';
import { packageRoot } from '../shared/util/package-root';
import { TestReceiver } from './support/receiver';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { onTeardown, tempDir } from './support/temp';

const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

jest.setTimeout(180_000);

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}
interface Operation {
  parameters: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

/** The description as the route serves it (through its handler). */
async function description(): Promise<OpenApi> {
  const registration = recorder.registrations.find((r) => r.name === 'openApi')!;
  const response = (await registration.handler(
    new HttpRequest({ method: 'GET', url: 'http://localhost/api/openapi.json' }),
    new InvocationContext(),
  )) as HttpResponseInit;
  return JSON.parse(JSON.stringify(response.jsonBody)) as OpenApi;
}

/** Ajv for 2020-12 schemas with the description's components addressable as `openapi#/components/…`. */
function validators(doc: OpenApi) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword('components'); // the description's components, addressed by $ref only
  ajv.addSchema({ $id: 'openapi', components: doc.components });
  const cache = new Map<unknown, ValidateFunction>();
  const rebase = (schema: unknown): unknown =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'));
  return (schema: unknown): ValidateFunction => {
    let validate = cache.get(schema);
    if (!validate) {
      validate = ajv.compile(rebase(schema) as object);
      cache.set(schema, validate);
    }
    return validate;
  };
}

const httpRoutes = () =>
  recorder.registrations
    .map((r) => triggerOf(r))
    .filter((t) => t.type === 'httpTrigger')
    .flatMap((t) => t.methods!.map((method) => ({ route: t.route!, method: method.toLowerCase() })));

/** `invoices/{id}` → `/invoices/{id}` (route constraints such as `{id:int}`, and the `*` of `{*path}`, dropped). */
const pathOf = (route: string) => `/${route.replace(/\{\*?([^}:?*]+)[^}]*\}/g, '{$1}')}`;

describe('the OpenAPI description', () => {
  it('describes every registered HTTP route and method, and nothing else', async () => {
    const doc = await description();
    expect(doc.openapi).toBe('3.1.0');
    const registered = httpRoutes()
      .map(({ route, method }) => `${method.toUpperCase()} ${pathOf(route)}`)
      .sort();
    const described = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(described).toEqual(registered);
    expect(registered).toContain('GET /openapi.json');
  });

  it('has valid JSON Schemas everywhere, path parameters declared, and answers for every operation', async () => {
    const doc = await description();
    const compile = validators(doc);
    for (const name of Object.keys(doc.components.schemas)) compile({ $ref: `#/components/schemas/${name}` });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect({
          at: `${method} ${path}`,
          params: operation.parameters.filter((p) => p.in === 'path').map((p) => p.name),
        }).toEqual({
          at: `${method} ${path}`,
          params,
        });
        expect(operation.responses.default).toBeDefined();
        for (const response of Object.values(operation.responses))
          for (const media of Object.values(response.content ?? {})) compile(media.schema);
      }
    }
  });
});

describe('real answers of the embedded runtime', () => {
  let runtime: RuntimeProcess;
  let doc: OpenApi;
  let compile: (schema: unknown) => ValidateFunction;
  const exercised = new Set<string>();
  const checked: string[] = [];

  beforeAll(async () => {
    doc = await description();
    compile = validators(doc);
    const receiver = new TestReceiver([], { status: 503 });
    const url = await receiver.start();
    onTeardown(() => receiver.stop());
    // The timer runs once a day: a waiting document stays waiting while the test looks at it.
    runtime = await startRuntime(tempDir(), { SANDBOX_URL: url, RETRY_TIMER_SCHEDULE: '0 0 3 * * *' });
    onTeardown(() => runtime.stop());
  });

  /** The operation of the description a request path and method fall under. */
  function operationOf(method: string, path: string): { key: string; operation: Operation } | undefined {
    const [pathname] = path.split('?');
    const relative = pathname!.replace(/^\/api/, '');
    // Literal segments first, as the router matches them (`/invoices/export` before `/invoices/{id}`).
    const literals = (template: string) => template.split('/').filter((s) => s && !s.startsWith('{')).length;
    const templates = Object.entries(doc.paths).sort(([a], [b]) => literals(b) - literals(a));
    for (const [template, item] of templates) {
      const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
      if (pattern.test(relative) && item[method.toLowerCase()])
        return { key: `${method.toUpperCase()} ${template}`, operation: item[method.toLowerCase()]! };
    }
    return undefined;
  }

  /** Calls the runtime and validates the answer against the description; returns status and JSON body. */
  async function call(
    method: string,
    path: string,
    options: {
      body?: unknown;
      contentType?: string;
      headers?: Record<string, string>;
      key?: string | null;
    } = {},
  ): Promise<{ status: number; json: any; contentType: string }> {
    const response = await fetch(runtime.url + path, {
      method,
      headers: {
        ...(options.key === null ? {} : { 'x-api-key': options.key ?? runtime.apiKey }),
        'content-type': options.contentType ?? 'application/json',
        ...options.headers,
      },
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
    const text = await response.text();
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const found = operationOf(method, path);
    const isJson = /json$/.test(contentType);
    const json = isJson && text ? (JSON.parse(text) as unknown) : undefined;
    let schema: unknown;
    if (found) {
      exercised.add(found.key);
      const answer = found.operation.responses[String(response.status)] ?? found.operation.responses.default;
      expect({ at: `${method} ${path}`, status: response.status, described: answer !== undefined }).toEqual({
        at: `${method} ${path}`,
        status: response.status,
        described: true,
      });
      const content = answer!.content;
      if (content) {
        const media = content[contentType] ?? content['*/*'];
        expect({
          at: `${method} ${path} ${response.status}`,
          contentType,
          described: media !== undefined,
        }).toEqual({
          at: `${method} ${path} ${response.status}`,
          contentType,
          described: true,
        });
        schema = isJson ? media!.schema : undefined;
      } else {
        expect({ at: `${method} ${path}`, body: text }).toEqual({ at: `${method} ${path}`, body: '' });
      }
    } else {
      // Answers of the router itself (no such route, no such method) are problems too.
      schema = { $ref: '#/components/schemas/Problem' };
    }
    if (schema !== undefined) {
      const validate = compile(schema);
      const valid = validate(json);
      expect({ at: `${method} ${path} ${response.status}`, errors: valid ? null : validate.errors }).toEqual({
        at: `${method} ${path} ${response.status}`,
        errors: null,
      });
      checked.push(`${method} ${path} ${response.status}`);
    }
    if (response.status >= 400) expect(contentType).toBe('application/problem+json');
    return { status: response.status, json, contentType };
  }

  it('answer as described, on every route, in success and in error', async () => {
    const context = { format: 'peppol-bis3-ubl' };
    // anonymous routes
    expect((await call('GET', '/api/health', { key: null })).json).toEqual({
      status: 'ok',
      version: expect.any(String),
    });
    expect((await call('GET', '/api/openapi.json', { key: null })).status).toBe(200);

    // submit, read, list
    const done = await call('POST', '/api/invoices?wait=60', {
      body: { context, document: sampleInvoice(2) },
    });
    expect(done.status).toBe(200);
    const id = done.json.id as string;
    expect(
      (
        await call('POST', '/api/invoices', {
          body: { context, document: sampleInvoice(1) },
          headers: { 'idempotency-key': 'oa-1' },
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await call('POST', '/api/invoices', {
          body: { context, document: sampleInvoice(1) },
          headers: { 'idempotency-key': 'oa-1' },
        })
      ).json.duplicate,
    ).toBe(true);
    expect(
      (
        await call('POST', '/api/invoices', {
          body: { context, document: sampleInvoice(3) },
          headers: { 'idempotency-key': 'oa-1' },
        })
      ).status,
    ).toBe(422);
    expect(
      (await call('POST', '/api/invoices', { body: { context, document: sampleInvoice(1) }, key: 'wrong' }))
        .status,
    ).toBe(401);
    expect((await call('POST', '/api/invoices', { body: '{"document": ' })).status).toBe(400);
    expect(
      (await call('POST', '/api/invoices', { body: '['.repeat(100_000) + ']'.repeat(100_000) })).status,
    ).toBe(400);
    expect((await call('POST', '/api/invoices', { body: 'hello', contentType: 'text/plain' })).status).toBe(
      415,
    );
    const { formats, actions } = createRegistries(
      { outboxDir: tempDir(), formatsDir: undefined },
      { get: () => Promise.reject(new Error('not used')) },
    );
    const xml = formats.get('peppol-bis3-ubl').render(sampleInvoice(1));
    expect(
      (
        await call('POST', '/api/invoices?format=peppol-bis3-ubl', {
          body: xml,
          contentType: 'application/xml',
        })
      ).status,
    ).toBe(415);
    expect(
      (
        await call('POST', '/api/invoices', {
          body: { context: { format: 'nope' }, document: sampleInvoice(1) },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call('POST', '/api/invoices', {
          body: { context: { country: 'germany' }, document: sampleInvoice(1) },
        })
      ).status,
    ).toBe(400);

    expect((await call('GET', `/api/invoices/${id}`)).json.status).toBe('completed');
    expect((await call('GET', '/api/invoices/01m80n6scha19aep59b94aga4s')).status).toBe(404);
    expect((await call('GET', `/api/invoices/${id}/artifacts/signed.xml`)).contentType).toBe(
      'application/xml',
    );
    expect((await call('GET', `/api/invoices/${id}/artifacts/input.json`)).status).toBe(200);
    expect((await call('GET', `/api/invoices/${id}/artifacts/nope.xml`)).status).toBe(404);
    expect((await call('GET', '/api/invoices?limit=2&status=completed')).status).toBe(200);
    expect((await call('GET', '/api/invoices?limit=abc')).status).toBe(400);

    // act
    expect((await call('POST', `/api/invoices/${id}/cancel`)).status).toBe(409);
    expect((await call('POST', `/api/invoices/${id}/resubmit`)).status).toBe(409);
    const waiting = await call('POST', '/api/invoices?wait=5', {
      body: { context: { flowId: 'sandbox-submit' }, document: sampleInvoice(1) },
    });
    expect(waiting.json.status).toBe('waiting');
    expect((await call('POST', `/api/invoices/${waiting.json.id}/cancel`)).json.status).toBe('cancelled');
    expect((await call('POST', `/api/invoices/${waiting.json.id}/resubmit`)).status).toBe(202);
    expect((await call('POST', '/api/invoices/01m80n6scha19aep59b94aga4s/cancel')).status).toBe(404);

    // batches
    const batch = await call('POST', '/api/batches', {
      body: { context, items: [{ document: sampleInvoice(1) }, { document: 42 }] },
    });
    expect(batch.status).toBe(202);
    expect((await call('POST', '/api/batches', { body: { items: 'none' } })).status).toBe(400);
    let report = await call('GET', batch.json.statusUrl as string);
    for (let i = 0; i < 300 && report.json.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      report = await call('GET', batch.json.statusUrl as string);
    }
    expect(report.json).toMatchObject({
      status: 'completed',
      accepted: 1,
      failed: 1,
      documents: { completed: 1 },
    });
    expect((await call('GET', '/api/batches/nope')).status).toBe(404);

    // webhook
    expect((await call('GET', '/api/webhook')).status).toBe(404);
    const webhook = { url: 'https://erp.example.com/hook', secret: { secret: 'hook' }, events: 'terminal' };
    expect((await call('PUT', '/api/webhook', { body: webhook })).status).toBe(200);
    expect((await call('PUT', '/api/webhook', { body: { url: 'ftp://x' } })).status).toBe(400);
    expect((await call('GET', '/api/webhook')).json).toEqual(webhook);
    expect((await call('DELETE', '/api/webhook')).status).toBe(204);

    // company setups
    const setup = { companyId: 'CRONUS', costDocumentType: 'posting_journal' };
    expect((await call('GET', '/api/companies/NOPE')).status).toBe(404);
    expect((await call('PUT', '/api/companies/CRONUS', { body: setup })).status).toBe(200);
    expect((await call('PUT', '/api/companies/OTHER', { body: setup })).status).toBe(400);
    expect((await call('GET', '/api/companies/CRONUS')).json).toEqual(setup);
    expect((await call('DELETE', '/api/companies/CRONUS')).status).toBe(204);

    // related submissions: a PEPPOL document's feature declares none
    expect((await call('POST', `/api/invoices/${id}/related`, { body: { kind: 'cancel' } })).status).toBe(
      422,
    );
    expect((await call('POST', `/api/invoices/${id}/related`, { body: { kind: 7 } })).status).toBe(400);

    // features: install a package, enable, set a company, disable
    const source = join(tempDir(), 'demo');
    cpSync(join(packageRoot(), 'flows', 'sandbox-demo'), source, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(source, 'feature.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(source, 'feature.json'), JSON.stringify({ ...manifest, version: '9.0.0' }));
    const pack = packFeature(source, actions);
    expect((await call('POST', '/api/features', { body: pack })).status).toBe(201);
    expect((await call('POST', '/api/features', { body: pack })).status).toBe(400);
    expect((await call('GET', '/api/features')).json.items.length).toBeGreaterThan(4);
    expect((await call('GET', '/api/features/sandbox-demo')).json.versions).toEqual(['9.0.0', '1.0.0']);
    expect((await call('GET', '/api/features/nope')).status).toBe(404);
    expect((await call('PUT', '/api/features/sandbox-demo', { body: { version: '9.0.0' } })).status).toBe(
      200,
    );
    expect((await call('PUT', '/api/features/sandbox-demo', { body: { version: 'x' } })).status).toBe(400);
    const company = '/api/features/sandbox-demo/companies/acme-de';
    expect((await call('GET', company)).status).toBe(404);
    expect((await call('PUT', company, { body: { receiverUrl: 'ftp://x' } })).status).toBe(400);
    expect((await call('PUT', company, { body: { receiverUrl: 'https://x.example' } })).status).toBe(200);
    expect((await call('GET', company)).json.parameters).toEqual({ receiverUrl: 'https://x.example' });
    expect((await call('DELETE', company)).status).toBe(204);
    expect((await call('DELETE', '/api/features/sandbox-demo')).status).toBe(204);

    // an authority's events: an event key, an event for no waiting document, the unmatched list
    const eventKey = await call('POST', '/api/features/sandbox-demo/event-key');
    expect(eventKey.status).toBe(201);
    expect((await call('POST', '/api/features/nope/event-key')).status).toBe(404);
    const event = { id: 'ev-1', key: 'R-1', type: 'delivered' };
    expect((await call('POST', '/api/events/sandbox-demo', { body: event })).json.status).toBe('kept');
    expect((await call('POST', '/api/events/sandbox-demo', { body: event })).status).toBe(200);
    expect((await call('POST', '/api/events/sandbox-demo', { body: { key: 'R-1' } })).status).toBe(400);
    expect((await call('POST', '/api/events/sandbox-demo', { body: event, key: null })).status).toBe(401);
    const keyed = await call('POST', '/api/events/sandbox-demo', {
      body: { ...event, id: 'ev-2' },
      key: null,
      headers: { 'x-event-key': eventKey.json.key as string },
    });
    expect(keyed.status).toBe(202);
    expect((await call('GET', '/api/features/sandbox-demo/events/unmatched')).json.items).toEqual([
      expect.objectContaining({ id: 'ev-1', key: 'R-1' }),
      expect.objectContaining({ id: 'ev-2', key: 'R-1' }),
    ]);
    expect((await call('GET', '/api/features/nope/events/unmatched')).status).toBe(404);

    // legal hold
    expect(
      (await call('PUT', `/api/invoices/${id}/hold`, { body: { reason: 'audit' } })).json.legalHold,
    ).toEqual({
      since: expect.any(String),
      reason: 'audit',
    });
    expect((await call('PUT', `/api/invoices/${id}/hold`, { body: { why: 'audit' } })).status).toBe(400);
    expect((await call('DELETE', `/api/invoices/${id}/hold`)).status).toBe(204);
    expect((await call('DELETE', '/api/invoices/01m80n6scha19aep59b94aga4s/hold')).status).toBe(404);

    // the console's reads and bulk work
    const newest = await call('GET', '/api/invoices?order=desc&status=completed,cancelled&limit=1');
    expect(newest.json.items).toHaveLength(1);
    expect((await call('GET', '/api/invoices?status=completed,nope')).status).toBe(400);
    expect((await call('GET', '/api/invoices?order=sideways')).status).toBe(400);
    const dryRun = await call('POST', '/api/invoices/bulk', {
      body: { action: 'resubmit', ids: [id], dryRun: true },
    });
    expect(dryRun.json.items).toEqual([
      expect.objectContaining({ id, outcome: 'skipped', code: 'document.not-resubmittable' }),
    ]);
    expect((await call('POST', '/api/invoices/bulk', { body: { action: 'resubmit' } })).status).toBe(400);
    expect((await call('GET', `/api/invoices/export?ids=${id}`)).contentType).toBe('text/csv');
    expect((await call('GET', '/api/invoices/export?ids=nope')).status).toBe(400);
    expect(
      (await call('POST', '/api/invoices/export', { body: { ids: [id], artifacts: ['*'] } })).contentType,
    ).toBe('application/zip');
    expect((await call('POST', '/api/invoices/export', { body: { ids: [id] } })).status).toBe(400);
    expect((await call('GET', '/api/operations')).json.total).toBeGreaterThan(0);
    expect((await call('GET', '/api/operations?bucket=minute')).status).toBe(400);
    expect((await call('GET', '/api/flows')).json.items.length).toBeGreaterThan(3);
    expect((await call('GET', '/api/companies')).json.items).toEqual([]);
    expect((await call('GET', '/api/console/index.html', { key: null })).contentType).toBe('text/html');
    expect((await call('GET', '/api/console/nope.js', { key: null })).status).toBe(404);

    // signing in: the ways offered, and who the caller is
    expect((await call('GET', '/api/sign-in', { key: null })).json).toEqual({ apiKey: true, entra: null });
    expect((await call('GET', '/api/session')).json).toEqual({ tenantId: 'local', via: 'api-key' });
    expect((await call('GET', '/api/session', { key: null })).status).toBe(401);

    // the router's own answers
    expect((await call('GET', '/api/nowhere')).status).toBe(404);
    expect((await call('DELETE', '/api/health')).status).toBe(405);

    // every operation of the description was exercised
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.filter((o) => !exercised.has(o))).toEqual([]);
    expect(checked.length).toBeGreaterThan(30); // JSON answers validated, not only seen
  });
});

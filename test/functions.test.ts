import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { RegistrationRecorder, triggerOf, type FunctionRegistration } from '../shared/runtime/registrations';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { newApiKey } from '../shared/store/tenants';
import { createHarness, TENANT, type Harness } from './support/harness';
import { provideServices } from '../functions/lib/services';
import { callHandler, type HandlerAnswer, type HandlerRequest } from './support/http-handler';

// The Functions worker gives @azure/functions this module; here it records the registrations instead.
const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

function fn(name: string): FunctionRegistration {
  const found = recorder.registrations.find((r) => r.name === name);
  if (!found) throw new Error(`no function ${name}`);
  return found;
}

let h: Harness;
let apiKey: string;
let otherKey: string;

beforeAll(async () => {
  h = await createHarness();
  provideServices(h.services);
  apiKey = 'acme-key-0123456789';
  await h.services.tenants.addKey(TENANT, apiKey);
  otherKey = (await h.services.tenants.create('globex', 'Globex')).apiKey;
});

afterAll(() => provideServices(undefined));

function call(name: string, init: HandlerRequest = {}): Promise<HandlerAnswer> {
  return callHandler(fn(name), apiKey, init);
}

describe('function registrations', () => {
  it('binds each stage to its topic subscription, batch intake to the queue, and the timer to its schedule', () => {
    const triggers = Object.fromEntries(recorder.registrations.map((r) => [r.name, triggerOf(r)]));
    for (const stage of ['transform', 'sign', 'submit', 'response']) {
      expect(triggers[`stage-${stage}`]).toMatchObject({
        type: 'serviceBusTrigger',
        topicName: `%${stage.toUpperCase()}_TOPIC%`,
        subscriptionName: '%STAGE_SUBSCRIPTION%',
        connection: 'ServiceBusConnection',
      });
    }
    expect(triggers['webhook-delivery']).toMatchObject({
      type: 'serviceBusTrigger',
      topicName: '%NOTIFY_TOPIC%',
      subscriptionName: '%STAGE_SUBSCRIPTION%',
    });
    expect(triggers.batchIntake).toMatchObject({ type: 'serviceBusTrigger', queueName: '%BATCH_QUEUE%' });
    expect(triggers.retryTimer).toMatchObject({ type: 'timerTrigger', schedule: '%RETRY_TIMER_SCHEDULE%' });
    expect(triggers.retentionTimer).toMatchObject({
      type: 'timerTrigger',
      schedule: '%RETENTION_TIMER_SCHEDULE%',
    });
    const routes = recorder.registrations
      .map((r) => triggerOf(r))
      .filter((t) => t.type === 'httpTrigger')
      .map((t) => `${t.methods!.join(',')} ${t.route}`)
      .sort();
    expect(routes).toEqual(
      [
        'GET batches/{id}',
        'GET,POST features',
        'GET,PUT,DELETE features/{featureId}',
        'GET,PUT,DELETE features/{featureId}/companies/{companyId}',
        'POST invoices/{id}/related',
        'POST events/{featureId}',
        'POST features/{featureId}/event-key',
        'GET features/{featureId}/events/unmatched',
        'GET health',
        'GET sign-in',
        'GET session',
        'GET invoices',
        'GET invoices/{id}',
        'GET invoices/{id}/artifacts/{name}',
        'GET openapi.json',
        'POST batches',
        'POST invoices',
        'POST invoices/{id}/cancel',
        'POST invoices/{id}/resubmit',
        'GET,PUT,DELETE webhook',
        'GET,PUT,DELETE companies/{companyId}',
        'GET companies',
        'GET flows',
        'GET operations',
        'GET console/{*path}',
        'GET,POST invoices/export',
        'POST invoices/bulk',
        'PUT,DELETE invoices/{id}/hold',
      ].sort(),
    );
  });
});

describe('HTTP API handlers', () => {
  it('accepts a document and reports it completed with ?wait', async () => {
    const response = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: sampleInvoice(2) }),
      query: { wait: '20' },
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      status: 'completed',
      statusUrl: `/api/invoices/${response.json.id}`,
    });
    const record = await call('getInvoice', { params: { id: response.json.id } });
    expect(record.json.artifacts.map((a: { name: string }) => a.name)).toContain('signed.xml');
  });

  it('answers 202 with the status URL without ?wait, and the same id for the same Idempotency-Key', async () => {
    const body = JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: sampleInvoice(1) });
    const first = await call('submitInvoice', {
      method: 'POST',
      body,
      headers: { 'idempotency-key': 'k-1' },
    });
    const second = await call('submitInvoice', {
      method: 'POST',
      body,
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(first.status).toBe(202);
    expect(first.headers.location).toBe(first.json.statusUrl);
    expect(second.json.id).toBe(first.json.id);
    expect(second.json.duplicate).toBe(true);
  });

  it('generates API keys a command line takes as values (never starting with "-")', () => {
    const keys = Array.from({ length: 500 }, () => newApiKey());
    for (const key of keys) expect(key).toMatch(/^ek_[A-Za-z0-9_-]{32}$/);
    expect(new Set(keys).size).toBe(500);
  });

  it('requires a valid API key', async () => {
    const response = await call('getInvoice', {
      params: { id: '01m80n6scha19aep59b94aga4s' },
      headers: { 'x-api-key': 'nope' },
    });
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json.code).toBe('auth.invalid-key');
  });

  it("never shows one tenant another tenant's document", async () => {
    const created = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: sampleInvoice(1) }),
    });
    await h.settle(created.json.id);
    const foreign = { 'x-api-key': otherKey };
    expect((await call('getInvoice', { params: { id: created.json.id }, headers: foreign })).status).toBe(
      404,
    );
    expect(
      (
        await call('getInvoiceArtifact', {
          params: { id: created.json.id, name: 'input.json' },
          headers: foreign,
        })
      ).status,
    ).toBe(404);
    expect(
      (await call('resubmitInvoice', { method: 'POST', params: { id: created.json.id }, headers: foreign }))
        .status,
    ).toBe(404);
    expect((await call('listInvoices', { headers: foreign })).json.items).toEqual([]);
  });

  it('answers malformed JSON with problem+json and the position of the error', async () => {
    const response = await call('submitInvoice', { method: 'POST', body: '{"context": {}, "document": {' });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ code: 'request.invalid-json', status: 400 });
    expect(response.json.errors[0].message).toMatch(/position|JSON/i);
  });

  it('answers an unknown flow with 422 naming the field', async () => {
    const response = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({ context: { flowId: 'no-such-flow' }, document: sampleInvoice(1) }),
    });
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ code: 'flow.unknown', errors: [{ path: '/context/flowId' }] });
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await call('submitInvoice', {
      method: 'POST',
      body: 'x',
      headers: { 'content-length': String(h.settings.maxBodyBytes + 1) },
    });
    expect(response.status).toBe(413);
  });

  it('lists by status and serves an artifact with its digest', async () => {
    const created = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: sampleInvoice(1) }),
      query: { wait: '20' },
    });
    const list = await call('listInvoices', { query: { status: 'completed', limit: '500' } });
    expect(list.json.items.map((r: { id: string }) => r.id)).toContain(created.json.id);
    expect((await call('listInvoices', { query: { status: 'nonsense' } })).status).toBe(400);
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://localhost/api/x',
      headers: { 'x-api-key': apiKey },
      params: { id: created.json.id, name: 'signed.xml' },
    });
    const artifact = (await fn('getInvoiceArtifact').handler(
      request,
      new InvocationContext(),
    )) as HttpResponseInit;
    expect(artifact.status).toBe(200);
    expect(String((artifact.body as Buffer).subarray(0, 5))).toBe('<?xml');
    expect((artifact.headers as Record<string, string>)['x-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cancels and resubmits through the API, refusing what does not fit the status', async () => {
    const created = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: sampleInvoice(1) }),
      query: { wait: '20' },
    });
    expect((await call('cancelInvoice', { method: 'POST', params: { id: created.json.id } })).status).toBe(
      409,
    );
    expect((await call('resubmitInvoice', { method: 'POST', params: { id: created.json.id } })).status).toBe(
      409,
    );
  });
});

describe('queue and stage handlers', () => {
  it('turns a batch message into one document per item, recording bad items without sinking the batch', async () => {
    const message = {
      tenantId: TENANT,
      batchId: 'b-1',
      context: { format: 'peppol-bis3-ubl' },
      items: [
        { document: sampleInvoice(1) },
        { document: 42 },
        { document: sampleInvoice(2), clientKey: 'batch-item-3' },
      ],
    };
    await fn('batchIntake').handler(message, new InvocationContext({ functionName: 'batchIntake' }));
    const report = await h.services.batches.report(TENANT, 'b-1');
    expect(report).toMatchObject({ total: 3, accepted: 2, failed: 1 });
    expect(report.items[1]!.error).toMatchObject({ code: 'batch.invalid-item' });
    // Redelivery of the same batch creates nothing new.
    await fn('batchIntake').handler(message, new InvocationContext({ functionName: 'batchIntake' }));
    const again = await h.services.batches.report(TENANT, 'b-1');
    expect(again.items.map((i) => i.documentId)).toEqual(report.items.map((i) => i.documentId));
  });

  it("configures the tenant's webhook: secrets only by name, problems located", async () => {
    const invalid = await call('tenantWebhook', {
      method: 'PUT',
      body: JSON.stringify({ url: 'ftp://example.com/hook', secret: 'plain-text-secret' }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/url' }),
        expect.objectContaining({ path: '/secret' }),
      ]),
    );
    const webhook = {
      url: 'https://erp.example.com/einvoice-hook',
      secret: { secret: 'webhook' },
      events: 'all',
    };
    expect(await call('tenantWebhook', { method: 'PUT', body: JSON.stringify(webhook) })).toMatchObject({
      status: 200,
      json: webhook,
    });
    expect(await call('tenantWebhook', { method: 'GET' })).toMatchObject({ status: 200, json: webhook });
    expect((await call('tenantWebhook', { method: 'DELETE' })).status).toBe(204);
    expect((await call('tenantWebhook', { method: 'GET' })).status).toBe(404);
  });

  it('keeps a Business Central company setup per company, refusing an invalid one with its path', async () => {
    const setup = { companyId: 'CRONUS', costDocumentType: 'posting_journal', dimensionCodes: ['KST'] };
    const params = { companyId: 'CRONUS' };
    const invalid = await call('companySetup', {
      method: 'PUT',
      params,
      body: JSON.stringify({ ...setup, costDocumentType: 'journal' }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.errors).toEqual([expect.objectContaining({ path: '/costDocumentType' })]);
    const other = await call('companySetup', {
      method: 'PUT',
      params: { companyId: 'OTHER' },
      body: JSON.stringify(setup),
    });
    expect(other).toMatchObject({ status: 400, json: { code: 'company.mismatch' } });
    expect(await call('companySetup', { method: 'PUT', params, body: JSON.stringify(setup) })).toMatchObject({
      status: 200,
      json: setup,
    });
    expect(await call('companySetup', { method: 'GET', params })).toMatchObject({ status: 200, json: setup });
    expect((await call('companySetup', { method: 'DELETE', params })).status).toBe(204);
    expect((await call('companySetup', { method: 'GET', params })).status).toBe(404);
  });

  it('acknowledges a malformed stage message without throwing (nothing to retry)', async () => {
    const errors: string[] = [];
    const context = new InvocationContext({
      functionName: 'stage-sign',
      logHandler: (level, ...args) => level === 'error' && errors.push(String(args[0])),
    });
    await expect(fn('stage-sign').handler({ hello: 'world' }, context)).resolves.toBeUndefined();
    expect(errors[0]).toContain('not a stage envelope');
  });
});

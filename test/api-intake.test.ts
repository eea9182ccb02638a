import { InvocationContext } from '@azure/functions';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowDefinition } from '../shared/flows/types';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { RegistrationRecorder, type FunctionRegistration } from '../shared/runtime/registrations';
import { packageRoot } from '../shared/util/package-root';
import { provideServices } from '../functions/lib/services';
import { problem } from '../functions/lib/http';
import { createHarness, TENANT, type Harness } from './support/harness';
import { tempDir } from './support/temp';
import { callHandler, type HandlerAnswer, type HandlerRequest } from './support/http-handler';

const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

const API_KEY = 'acme-key-0123456789';
const TRANSFER = readFileSync(join(packageRoot(), 'samples', 'edoc', 'transfer.json'), 'utf8');
const VERSION = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
  .version;

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  provideServices(h.services);
  await h.services.tenants.addKey(TENANT, API_KEY);
  h.bus.subscribe(h.settings.batchQueue, undefined, (m) =>
    h.services.batches.process(m.body).then(() => undefined),
  );
});

afterAll(() => provideServices(undefined));

function fn(name: string): FunctionRegistration {
  const found = recorder.registrations.find((r) => r.name === name);
  if (!found) throw new Error(`no function ${name}`);
  return found;
}

function call(name: string, init: HandlerRequest = {}): Promise<HandlerAnswer> {
  return callHandler(fn(name), API_KEY, init);
}

const ubl = (invoice = sampleInvoice(1), format = 'peppol-bis3-ubl') =>
  h.services.formats.get(format).render(invoice);

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('anonymous routes', () => {
  it('GET /api/health needs no key and says only that the service lives, and its version', async () => {
    const response = await call('health', { headers: { 'x-api-key': '' } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'ok', version: VERSION });
  });
});

describe('problem answers', () => {
  it('answers a missing webhook and a missing company setup with problem+json', async () => {
    const webhook = await call('tenantWebhook');
    expect(webhook).toMatchObject({
      status: 404,
      headers: { 'content-type': 'application/problem+json' },
      json: {
        type: 'urn:einvoice:problem:webhook.not-configured',
        status: 404,
        code: 'webhook.not-configured',
      },
    });
    const company = await call('companySetup', { params: { companyId: 'NOPE' } });
    expect(company).toMatchObject({
      status: 404,
      headers: { 'content-type': 'application/problem+json' },
      json: { status: 404, code: 'company.not-configured', title: expect.stringContaining('NOPE') },
    });
  });

  it('logs a 500 with the instance id its answer carries', () => {
    const logged: string[] = [];
    const context = new InvocationContext({
      invocationId: 'inv-4711',
      logHandler: (_level, ...args) => logged.push(args.map(String).join(' ')),
    });
    const answer = problem(new Error('disk on fire'), context);
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body as string)).toMatchObject({ code: 'internal', instance: 'inv-4711' });
    expect(logged).toEqual([expect.stringMatching(/internal.*inv-4711.*disk on fire/)]);
  });
});

describe('query parameters', () => {
  it.each([
    ['listInvoices', 'limit', 'abc'],
    ['listInvoices', 'limit', '0'],
    ['listInvoices', 'limit', '501'],
    ['listInvoices', 'limit', '2.5'],
    ['listInvoices', 'status', 'done'],
    ['listInvoices', 'from', 'yesterday'],
    ['listInvoices', 'from', '2026-02-30'],
    ['listInvoices', 'to', '2026-01-01T25:00:00Z'],
    ['listInvoices', 'cursor', 'not-a-cursor'],
    ['submitInvoice', 'wait', '301'],
    ['submitInvoice', 'wait', 'soon'],
  ])('%s refuses %s=%s, naming the parameter', async (name, parameter, value) => {
    const response = await call(name, {
      method: name === 'submitInvoice' ? 'POST' : 'GET',
      query: { [parameter]: value },
      body: name === 'submitInvoice' ? '{}' : undefined,
    });
    expect(response).toMatchObject({
      status: 400,
      headers: { 'content-type': 'application/problem+json' },
      json: { code: 'request.invalid-query', errors: [{ path: `query ${parameter}` }] },
    });
  });

  it('refuses a time range that ends before it starts, and takes a valid page', async () => {
    const backwards = await call('listInvoices', { query: { from: '2026-02-01', to: '2026-01-01' } });
    expect(backwards.json).toMatchObject({ code: 'request.invalid-query', errors: [{ path: 'query to' }] });
    const page = await call('listInvoices', {
      query: { limit: '1', from: '2020-01-01', to: '2100-01-01T00:00:00+01:00', unknown: 'ignored' },
    });
    expect(page.status).toBe(200);
  });
});

describe('nesting limits', () => {
  it('refuses JSON nested 100,000 levels deep with 400 request.too-deep, on every JSON route', async () => {
    const deep = nested(100_000);
    for (const [name, method] of [
      ['submitInvoice', 'POST'],
      ['submitBatch', 'POST'],
      ['tenantWebhook', 'PUT'],
    ] as const) {
      const response = await call(name, { method, body: deep });
      expect({ name, ...response }).toMatchObject({
        name,
        status: 400,
        json: { code: 'request.too-deep', errors: [{ path: '/' }] },
      });
    }
  });

  it('takes a document nested within the limit and refuses one past it', async () => {
    const invoice = sampleInvoice(1) as unknown as Record<string, unknown>;
    const within = { ...invoice, note: JSON.parse(nested(60)) as unknown };
    const ok = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: within }),
    });
    expect(ok.status).toBe(202);
    const past = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({
        context: { format: 'peppol-bis3-ubl' },
        document: { note: JSON.parse(nested(70)) },
      }),
    });
    expect(past.json).toMatchObject({ code: 'request.too-deep' });
  });

  it('refuses XML nested deeper than 256 levels with 400 request.too-deep', async () => {
    const xml = `<a>${'<b>'.repeat(300)}${'</b>'.repeat(300)}</a>`;
    const response = await call('submitInvoice', {
      method: 'POST',
      body: xml,
      headers: { 'content-type': 'application/xml' },
      query: { direction: 'inbound', format: 'peppol-bis3-ubl' },
    });
    expect(response).toMatchObject({ status: 400, json: { code: 'request.too-deep' } });
  });
});

describe('what a flow takes', () => {
  it('refuses raw UBL XML posted to peppol-outbox (a canonical invoice flow) with 415, naming both', async () => {
    const response = await call('submitInvoice', {
      method: 'POST',
      body: ubl(),
      headers: { 'content-type': 'application/xml' },
      query: { format: 'peppol-bis3-ubl' },
    });
    expect(response).toMatchObject({
      status: 415,
      headers: { 'content-type': 'application/problem+json' },
      json: {
        code: 'request.unsupported-input',
        title: expect.stringMatching(/peppol-outbox takes a canonical invoice.*this body is XML/),
        errors: [{ path: '/' }],
      },
    });
    const inEnvelope = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: ubl() }),
    });
    expect(inEnvelope.json).toMatchObject({
      code: 'request.unsupported-input',
      errors: [{ path: '/document' }],
    });
  });

  it('refuses a payment document on an invoice flow, naming it', async () => {
    const payment = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify({
        id: 'P-1',
        issueDate: '2026-11-27',
        seller: sampleInvoice(1).seller,
        buyer: sampleInvoice(1).buyer,
        payments: [],
      }),
      query: { format: 'peppol-bis3-ubl' },
    });
    expect(payment).toMatchObject({
      status: 415,
      json: {
        code: 'request.unsupported-input',
        title: expect.stringContaining('this body is a canonical payment document'),
      },
    });
  });

  it('refuses an edoc transfer document on an outbound flow, and a canonical invoice on edoc-to-bc', async () => {
    const transfer = await call('submitInvoice', {
      method: 'POST',
      body: TRANSFER,
      query: { format: 'peppol-bis3-ubl' },
    });
    expect(transfer.json).toMatchObject({
      code: 'request.unsupported-input',
      title: expect.stringContaining('this body is an edoc transfer document'),
    });
    const canonical = await call('submitInvoice', {
      method: 'POST',
      body: JSON.stringify(sampleInvoice(1)),
      query: { direction: 'inbound', format: 'edoc-transfer' },
    });
    expect(canonical).toMatchObject({
      status: 415,
      json: {
        code: 'request.unsupported-input',
        title: expect.stringContaining('edoc-to-bc takes an edoc transfer'),
      },
    });
  });

  it('refuses XML that is none of the formats of ubl-to-bc with 422; takes a CII invoice', async () => {
    const other = await call('submitInvoice', {
      method: 'POST',
      body: '<?xml version="1.0"?><Order xmlns="urn:example:order"><ID>1</ID></Order>',
      headers: { 'content-type': 'application/xml' },
      query: { direction: 'inbound', format: 'peppol-bis3-ubl', companyId: 'CRONUS' },
    });
    expect(other).toMatchObject({
      status: 422,
      json: {
        code: 'request.unsupported-format',
        title: expect.stringContaining('{urn:example:order}Order'),
      },
    });
    const cii = await call('submitInvoice', {
      method: 'POST',
      body: ubl(sampleInvoice(1), 'en16931-cii'),
      headers: { 'content-type': 'application/xml' },
      query: { direction: 'inbound', format: 'en16931-cii', companyId: 'CRONUS' },
    });
    expect(cii.status).toBe(202);
  });

  it('checks each batch item: a wrong kind is the item error, with its location', async () => {
    await h.services.batches.process({
      tenantId: TENANT,
      batchId: 'kinds-1',
      context: { format: 'peppol-bis3-ubl' },
      items: [{ document: sampleInvoice(1) }, { document: ubl() }, { document: JSON.parse(TRANSFER) }],
    });
    const report = await h.services.batches.report(TENANT, 'kinds-1');
    expect(report).toMatchObject({ accepted: 1, failed: 2 });
    expect(report.items[1]!.error).toMatchObject({
      code: 'request.unsupported-input',
      details: [{ path: '/items/1/document' }],
    });
    expect(report.items[2]!.error).toMatchObject({ code: 'request.unsupported-input' });
  });

  it('refuses a batch item nested too deep as its error, inline or as a JSON Lines line', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    await h.services.batches.process({
      tenantId: TENANT,
      batchId: 'deep-1',
      context: { format: 'peppol-bis3-ubl' },
      items: [{ document: deep }, { document: sampleInvoice(1) }],
    });
    const inline = await h.services.batches.report(TENANT, 'deep-1');
    expect(inline.items[0]!.error).toMatchObject({ code: 'request.too-deep' });
    expect(inline.accepted).toBe(1);

    const queued = await call('submitBatch', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: [
        JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: sampleInvoice(1) }),
        `{"document":${nested(100)}}`,
      ].join('\n'),
    });
    expect(queued.status).toBe(202);
    await h.bus.whenIdle({ scheduled: false });
    const report = await h.services.batches.report(TENANT, queued.json.batchId);
    expect(report.items[1]!.error).toMatchObject({ code: 'request.too-deep', details: [{ path: 'line 2' }] });
  });
});

describe('XML formats a flow lists', () => {
  let x: Harness;
  beforeAll(async () => {
    const dir = tempDir();
    const flow: FlowDefinition = {
      id: 'peppol-only',
      version: 1,
      description: 'takes PEPPOL BIS 3 UBL only',
      input: { kinds: ['xml'], formats: ['peppol-bis3-ubl'] },
      steps: [{ id: 'keep', action: 'deliver-folder', with: { input: 'input.xml' } }],
    };
    writeFileSync(join(dir, 'peppol-only.json'), JSON.stringify(flow));
    const custom = { ...flow, id: 'custom-only', input: { kinds: ['xml'], formats: ['acme-ubl'] } };
    writeFileSync(join(dir, 'custom-only.json'), JSON.stringify(custom));
    x = await createHarness({ EINVOICE_FLOWS_DIR: dir });
  });

  const submit = (content: string, flowId = 'peppol-only') =>
    x.services.pipeline.submit({
      tenantId: TENANT,
      context: { flowId },
      content: Buffer.from(content),
      contentType: 'application/xml',
    });

  it('takes its format, recognised by root element and customization id', async () => {
    expect((await submit(x.services.formats.get('peppol-bis3-ubl').render(sampleInvoice(1)))).created).toBe(
      true,
    );
    const creditNote = { ...sampleInvoice(1), typeCode: '381' as const };
    expect((await submit(x.services.formats.get('peppol-bis3-ubl').render(creditNote))).created).toBe(true);
  });

  it('refuses another format with 422 naming what the document is', async () => {
    await expect(
      submit(x.services.formats.get('xrechnung-ubl').render(sampleInvoice(1))),
    ).rejects.toMatchObject({
      code: 'request.unsupported-format',
      status: 422,
      message: expect.stringContaining('this body is a document of xrechnung-ubl'),
    });
    await expect(
      submit(x.services.formats.get('en16931-cii').render(sampleInvoice(1))),
    ).rejects.toMatchObject({
      code: 'request.unsupported-format',
    });
  });

  it('lets through a UBL invoice with a customization id no format has (its reader decides)', async () => {
    const older = x.services.formats
      .get('peppol-bis3-ubl')
      .render(sampleInvoice(1))
      .replace(
        /<cbc:CustomizationID>[^<]*</,
        '<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.3<',
      );
    expect((await submit(older)).created).toBe(true);
  });

  it('takes any XML when the flow lists a format intake cannot recognise (not registered here)', async () => {
    const xml = x.services.formats.get('xrechnung-cii').render(sampleInvoice(1));
    expect((await submit(xml, 'custom-only')).created).toBe(true);
  });
});

describe('idempotency', () => {
  const body = (id: string) =>
    JSON.stringify({ context: { format: 'peppol-bis3-ubl' }, document: { ...sampleInvoice(1), id } });

  it('returns the first document for the same key and body, and refuses another body naming it', async () => {
    const first = await call('submitInvoice', {
      method: 'POST',
      body: body('A'),
      headers: { 'idempotency-key': 'k-9' },
    });
    const again = await call('submitInvoice', {
      method: 'POST',
      body: body('A'),
      headers: { 'idempotency-key': 'k-9' },
    });
    expect(again.json).toMatchObject({ id: first.json.id, duplicate: true });
    const other = await call('submitInvoice', {
      method: 'POST',
      body: body('B'),
      headers: { 'idempotency-key': 'k-9' },
    });
    expect(other).toMatchObject({
      status: 422,
      headers: { 'content-type': 'application/problem+json' },
      json: { code: 'idempotency.conflict', title: expect.stringContaining(first.json.id) },
    });
  });

  it('treats context.clientKey as the same key, and XML under a JSON body’s key as another body', async () => {
    const withContext = (id: string) =>
      JSON.stringify({
        context: { format: 'peppol-bis3-ubl', clientKey: 'k-10' },
        document: { ...sampleInvoice(1), id },
      });
    const first = await call('submitInvoice', { method: 'POST', body: withContext('C') });
    expect((await call('submitInvoice', { method: 'POST', body: withContext('C') })).json.duplicate).toBe(
      true,
    );
    expect((await call('submitInvoice', { method: 'POST', body: withContext('D') })).json).toMatchObject({
      code: 'idempotency.conflict',
      title: expect.stringContaining(first.json.id),
    });
    const xml = await call('submitInvoice', {
      method: 'POST',
      body: ubl(),
      headers: { 'content-type': 'application/xml', 'idempotency-key': 'k-10' },
      query: { direction: 'inbound', format: 'peppol-bis3-ubl', companyId: 'CRONUS' },
    });
    expect(xml.json).toMatchObject({ code: 'idempotency.conflict' });
  });
});

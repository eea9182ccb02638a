import { createHash, X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../shared/adapters/folder-certificate-store';
import type { StageMessage } from '../shared/model/message';
import { packFeature } from '../shared/features/package';
import { checkFlow } from '../shared/flows/catalogue';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { packageRoot } from '../shared/util/package-root';
import { RegistrationRecorder } from '../shared/runtime/registrations';
import { provideServices } from '../functions/lib/services';
import { createHarness, holdingBus, TENANT, type Harness } from './support/harness';
import { callHandler, registrationNamed } from './support/http-handler';
import { cancellableFeature } from './support/features';
import { tempDir } from './support/temp';

/**
 * Features set up per tenant and company: a company's parameters (its certificate, say) reach the steps of
 * its documents, are checked when they are given, and a document finishes under the feature version it
 * started with.
 */

const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

const route = (name: string) => registrationNamed(recorder, name);

/** The certificate of a signed document's KeyInfo. */
async function signingCertificate(h: Harness, tenantId: string, id: string): Promise<X509Certificate> {
  const xml = (await h.services.pipeline.artifact(tenantId, id, 'signed.xml')).content.toString('utf8');
  const base64 = /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(xml)![1]!;
  return new X509Certificate(Buffer.from(base64.replace(/\s+/g, ''), 'base64'));
}

const certificateIn = (h: Harness, name: string) =>
  new X509Certificate(readFileSync(join(h.settings.keyDir, `${name}.crt.pem`), 'utf8'));

describe("a company's parameters", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    for (const name of ['acme--de-seal', 'acme--fr-seal', 'globex--de-seal'])
      await ensureSelfSignedCertificate(h.settings.keyDir, name);
  });

  it("sign each company's documents with that company's certificate", async () => {
    const { setups } = h.services;
    await setups.enable(TENANT, 'peppol-bis3');
    await setups.setCompany(TENANT, 'peppol-bis3', 'acme-de', { signingCertificate: 'de-seal' });
    await setups.setCompany(TENANT, 'peppol-bis3', 'acme-fr', { signingCertificate: 'fr-seal' });
    const run = async (companyId?: string) => {
      const context = { format: 'peppol-bis3-ubl', ...(companyId ? { companyId } : {}) };
      const record = await h.settle((await h.submit(sampleInvoice(2), context)).id);
      expect(record).toMatchObject({
        status: 'completed',
        featureId: 'peppol-bis3',
        featureVersion: '1.0.0',
      });
      return signingCertificate(h, TENANT, record.id);
    };
    const de = await run('acme-de');
    const fr = await run('acme-fr');
    expect(de.fingerprint256).toBe(certificateIn(h, 'acme--de-seal').fingerprint256);
    expect(fr.fingerprint256).toBe(certificateIn(h, 'acme--fr-seal').fingerprint256);
    expect(de.fingerprint256).not.toBe(fr.fingerprint256);
    // a company without a setup, and a document without a company: the parameter's default (the service's)
    for (const company of ['acme-it', undefined])
      expect((await run(company)).fingerprint256).toBe(
        certificateIn(h, h.settings.signingCertificate).fingerprint256,
      );
  });

  it("name only the tenant's own certificates", async () => {
    // globex names "de-seal" too: it gets globex--de-seal, never acme's
    const { setups, tenants, pipeline } = h.services;
    await tenants.create('globex', 'Globex');
    await setups.enable('globex', 'peppol-bis3');
    await setups.setCompany('globex', 'peppol-bis3', 'g1', { signingCertificate: 'de-seal' });
    const { record } = await pipeline.submit({
      tenantId: 'globex',
      context: { format: 'peppol-bis3-ubl', companyId: 'g1' },
      content: Buffer.from(JSON.stringify(sampleInvoice(1))),
      contentType: 'application/json',
    });
    await h.bus.whenIdle({ scheduled: false });
    expect((await pipeline.get('globex', record.id)).status).toBe('completed');
    expect((await signingCertificate(h, 'globex', record.id)).fingerprint256).toBe(
      certificateIn(h, 'globex--de-seal').fingerprint256,
    );
    // and a name that is not a key name at all is refused when it is given
    await expect(
      setups.setCompany('globex', 'peppol-bis3', 'g2', { signingCertificate: '../acme--de-seal' }),
    ).rejects.toMatchObject({
      code: 'feature.invalid-parameters',
      details: [expect.objectContaining({ path: '/signingCertificate', code: 'feature.invalid-key-name' })],
    });
  });

  it('only enabled features apply once the tenant has set one up', async () => {
    // acme enabled peppol-bis3 only: the XRechnung flow no longer applies, though it is installed
    await expect(
      h.submit(sampleInvoice(1), { format: 'xrechnung-ubl', country: 'DE' }),
    ).rejects.toMatchObject({ code: 'flow.no-match' });
    await h.services.setups.enable(TENANT, 'xrechnung');
    await h.services.setups.disable(TENANT, 'peppol-bis3');
    await expect(h.submit(sampleInvoice(1), { format: 'peppol-bis3-ubl' })).rejects.toMatchObject({
      code: 'flow.no-match',
    });
    expect((await h.services.setups.show(TENANT, 'peppol-bis3')).enabledVersion).toBeUndefined();
  });
});

/** A feature `pinned` at `version` in `root`: one flow whose transform writes `output`. */
function versionedFeature(root: string, version: string, output: string, required = false): void {
  const dir = join(root, `pinned-${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'feature.json'),
    JSON.stringify({
      id: 'pinned',
      version,
      title: 'Pinned',
      direction: 'outbound',
      flows: ['flow.json'],
      parameters: {
        type: 'object',
        required: required ? ['endpointId', 'contact'] : [],
        properties: {
          endpointId: { type: 'string', pattern: '^[0-9]{4}:' },
          contact: { type: 'object', required: ['email'], properties: { email: { type: 'string' } } },
        },
        additionalProperties: false,
      },
    }),
  );
  writeFileSync(
    join(dir, 'flow.json'),
    JSON.stringify({
      id: 'pinned-flow',
      version: 1,
      description: `version ${version}`,
      applicability: { field: 'format', op: 'eq', value: 'pinned' },
      input: { kinds: ['canonical'] },
      steps: [
        { id: 'validate', action: 'validate', with: { input: 'input.json', output: 'canonical.json' } },
        {
          id: 'transform',
          action: 'transform',
          with: { format: 'peppol-bis3-ubl', input: 'canonical.json', output },
        },
      ],
    }),
  );
}

describe("a feature's mapping", () => {
  it("reads the company's parameters: its values, else the defaults", async () => {
    const features = tempDir();
    const dir = join(features, 'mapped');
    mkdirSync(dir, { recursive: true });
    const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
    write('feature.json', {
      id: 'mapped',
      version: '1.0.0',
      title: 'Mapped',
      direction: 'outbound',
      flows: ['flow.json'],
      formats: ['format.json'],
      parameters: {
        type: 'object',
        properties: { regime: { type: 'string', default: 'RF01' }, transmitter: { type: 'string' } },
        additionalProperties: false,
      },
    });
    write('format.json', {
      id: 'mapped-xml',
      description: 'the invoice number with the company parameters',
      output: 'xml',
      contentType: 'application/xml',
      extension: 'xml',
      calculate: false,
      root: {
        element: 'Header',
        children: [
          { element: 'Transmitter', text: { template: 'IT{company.transmitter}' } },
          { element: 'Regime', text: { path: 'company.regime' } },
          { element: 'Number', text: { path: 'id' } },
        ],
      },
    });
    write('flow.json', {
      id: 'mapped-flow',
      version: 1,
      description: 'transform only',
      applicability: { field: 'format', op: 'eq', value: 'mapped' },
      input: { kinds: ['canonical'] },
      steps: [{ id: 'transform', action: 'transform', with: { format: 'mapped-xml', output: 'out.xml' } }],
    });
    const h = await createHarness({ EINVOICE_FEATURES_DIR: features });
    await h.services.setups.enable(TENANT, 'mapped');
    await h.services.setups.setCompany(TENANT, 'mapped', 'it-1', {
      regime: 'RF19',
      transmitter: '01234567890',
    });
    const out = async (companyId: string) => {
      const record = await h.settle((await h.submit(sampleInvoice(1), { format: 'mapped', companyId })).id);
      expect(record.status).toBe('completed');
      return (await h.services.pipeline.artifact(TENANT, record.id, 'out.xml')).content.toString('utf8');
    };
    const own = await out('it-1');
    expect(own).toContain('<Transmitter>IT01234567890</Transmitter>');
    expect(own).toContain('<Regime>RF19</Regime>');
    const other = await out('it-2');
    expect(other).toContain('<Regime>RF01</Regime>');
    expect(other).not.toContain('<Transmitter>');
  });
});

describe('feature versions', () => {
  it('a document started under 1.0.0 finishes under 1.0.0 after 1.1.0 is enabled; new ones use 1.1.0', async () => {
    const features = tempDir();
    versionedFeature(features, '1.0.0', 'v1.xml');
    versionedFeature(features, '1.1.0', 'v2.xml');
    // stage messages are held while the test wants the first document in flight
    const bus = holdingBus();
    const h = await createHarness({ EINVOICE_FEATURES_DIR: features }, bus.wrap);
    await h.services.setups.enable(TENANT, 'pinned', '1.0.0');
    bus.hold();
    const first = await h.submit(sampleInvoice(1), { format: 'pinned' });
    expect(bus.held).toBe(1);
    await h.services.setups.enable(TENANT, 'pinned', '1.1.0');
    await bus.release();
    const second = await h.submit(sampleInvoice(1), { format: 'pinned' });
    const [one, two] = [await h.settle(first.id), await h.settle(second.id)];
    expect(one).toMatchObject({ status: 'completed', featureId: 'pinned', featureVersion: '1.0.0' });
    expect(two).toMatchObject({ status: 'completed', featureId: 'pinned', featureVersion: '1.1.0' });
    expect(one.artifacts.map((a) => a.name)).toContain('v1.xml');
    expect(two.artifacts.map((a) => a.name)).toContain('v2.xml');
    expect(two.artifacts.map((a) => a.name)).not.toContain('v1.xml');
  });

  it('a version no longer installed fails its documents with the reason, not silently', async () => {
    const features = tempDir();
    versionedFeature(features, '1.0.0', 'v1.xml');
    const h = await createHarness({ EINVOICE_FEATURES_DIR: features }, (bus) => ({
      send: () => Promise.resolve(), // nothing runs: the record stays at its first step
      subscribe: (...args) => bus.subscribe(...args),
      close: () => bus.close(),
    }));
    const record = await h.submit(sampleInvoice(1), { format: 'pinned' });
    await h.services.documents.update(TENANT, record.id, (r) => ({ ...r, featureVersion: '0.9.0' }));
    await h.services.pipeline.runStep({
      tenantId: TENANT,
      documentId: record.id,
      flowId: record.flowId,
      flowVersion: record.flowVersion,
      stepId: 'validate',
      attempt: 1,
      correlationId: record.correlationId,
      artifacts: [],
    } satisfies StageMessage);
    const after = await h.services.pipeline.get(TENANT, record.id);
    expect(after.status).toBe('failed');
    expect(after.history.at(-1)).toMatchObject({
      code: 'flow.changed',
      message: expect.stringContaining('of feature pinned 0.9.0'),
    });
  });
});

describe('feature setup over HTTP', () => {
  let h: Harness;
  const apiKey = 'acme-key-features-0123';
  beforeAll(async () => {
    const features = tempDir();
    versionedFeature(features, '1.0.0', 'v1.xml', true);
    h = await createHarness({ EINVOICE_FEATURES_DIR: features });
    await h.services.tenants.addKey(TENANT, apiKey);
    provideServices(h.services);
  });
  afterAll(() => provideServices(undefined));

  const call = (name: string, method: string, params: Record<string, string>, body?: unknown) =>
    callHandler(route(name), apiKey, {
      method,
      params,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('lists the features, the default versions, then what the tenant enabled', async () => {
    const before = await call('features', 'GET', {});
    expect(before.status).toBe(200);
    const ids = (before.json.items as Array<{ id: string }>).map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['peppol-bis3', 'xrechnung', 'bc-inbound', 'pinned']));
    expect(before.json.items.find((f: { id: string }) => f.id === 'pinned')).toMatchObject({
      enabledVersion: '1.0.0',
      byDefault: true,
    });
    const enabled = await call('feature', 'PUT', { featureId: 'pinned' }, {});
    expect(enabled).toMatchObject({ status: 200, json: { id: 'pinned', enabledVersion: '1.0.0' } });
    const after = await call('features', 'GET', {});
    expect(
      after.json.items.find((f: { id: string }) => f.id === 'peppol-bis3').enabledVersion,
    ).toBeUndefined();
  });

  it('refuses a company setup that lacks a parameter, naming its JSON path', async () => {
    const answer = await call(
      'featureCompany',
      'PUT',
      { featureId: 'pinned', companyId: 'c1' },
      { endpointId: '9930:DE123', contact: {} },
    );
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('feature.invalid-parameters');
    expect(answer.json.errors).toEqual([
      expect.objectContaining({ path: '/contact/email', message: 'is required' }),
    ]);
    const missing = await call('featureCompany', 'PUT', { featureId: 'pinned', companyId: 'c1' }, {});
    expect(missing.json.errors.map((e: { path: string }) => e.path)).toEqual(['/endpointId', '/contact']);
    // nothing was stored
    expect((await call('featureCompany', 'GET', { featureId: 'pinned', companyId: 'c1' })).status).toBe(404);
  });

  it('stores a valid setup, answers it, and removes it', async () => {
    const parameters = { endpointId: '9930:DE123', contact: { email: 'ap@acme.example' } };
    const put = await call('featureCompany', 'PUT', { featureId: 'pinned', companyId: 'c1' }, parameters);
    expect(put).toMatchObject({ status: 200, json: { parameters } });
    expect((await call('feature', 'GET', { featureId: 'pinned' })).json.companies.c1.parameters).toEqual(
      parameters,
    );
    expect((await call('featureCompany', 'DELETE', { featureId: 'pinned', companyId: 'c1' })).status).toBe(
      204,
    );
    expect((await call('featureCompany', 'GET', { featureId: 'pinned', companyId: 'c1' })).status).toBe(404);
  });

  it('answers unknown features and versions, and company setups of a feature not enabled', async () => {
    expect((await call('feature', 'GET', { featureId: 'nope' })).json.code).toBe('feature.not-found');
    const version = await call('feature', 'PUT', { featureId: 'pinned' }, { version: '9.9.9' });
    expect(version).toMatchObject({ status: 404, json: { code: 'feature.version-not-installed' } });
    const disabled = await call('featureCompany', 'PUT', { featureId: 'xrechnung', companyId: 'c1' }, {});
    expect(disabled).toMatchObject({ status: 409, json: { code: 'feature.not-enabled' } });
  });
});

describe('a feature package imported over HTTP', () => {
  let h: Harness;
  const apiKey = 'local-key-features-0123';
  beforeAll(async () => {
    h = await createHarness({ EINVOICE_FEATURE_ADMINS: 'local' });
    await h.services.tenants.create('local', 'Local', apiKey);
    provideServices(h.services);
  });
  afterAll(() => provideServices(undefined));

  const post = (body: unknown, key = apiKey) =>
    callHandler(route('features'), key, { method: 'POST', body: JSON.stringify(body) });

  it('is installed whole, then enabled and used by new documents', async () => {
    const source = tempDir();
    versionedFeature(source, '2.0.0', 'imported.xml');
    const pack = packFeature(join(source, 'pinned-2.0.0'), h.services.actions);
    const answer = await post(pack);
    expect(answer).toMatchObject({ status: 201, json: { id: 'pinned', version: '2.0.0' } });
    expect(readFileSync(join(h.settings.featuresDir!, 'pinned-2.0.0', 'flow.json'), 'utf8')).toBe(
      readFileSync(join(source, 'pinned-2.0.0', 'flow.json'), 'utf8'),
    );
    await h.services.setups.enable('local', 'pinned', '2.0.0');
    const { record } = await h.services.pipeline.submit({
      tenantId: 'local',
      context: { format: 'pinned' },
      content: Buffer.from(JSON.stringify(sampleInvoice(1))),
      contentType: 'application/json',
    });
    await h.bus.whenIdle({ scheduled: false });
    const done = await h.services.pipeline.get('local', record.id);
    expect(done).toMatchObject({ status: 'completed', featureId: 'pinned', featureVersion: '2.0.0' });
    expect(done.artifacts.map((a) => a.name)).toContain('imported.xml');
    // the same version again is refused
    expect((await post(pack)).json.code).toBe('feature.invalid-package');
  });

  it('is refused whole when one flow is invalid, and nothing is installed', async () => {
    const source = tempDir();
    versionedFeature(source, '3.0.0', 'x.xml');
    const pack = packFeature(join(source, 'pinned-3.0.0'), h.services.actions);
    const flow = pack.files.find((f) => f.path === 'flow.json')!;
    const broken = JSON.parse(flow.content) as { steps: Array<{ action: string }> };
    broken.steps[1]!.action = 'no-such-action';
    flow.content = JSON.stringify(broken);
    flow.size = Buffer.byteLength(flow.content);
    flow.sha256 = createHash('sha256').update(flow.content).digest('hex');
    const answer = await post(pack);
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('feature.invalid-package');
    expect(answer.json.errors).toEqual([
      expect.objectContaining({ path: 'flow.json#/steps/1/action', code: 'flow.unknown-action' }),
    ]);
    expect(existsSync(join(h.settings.featuresDir!, 'pinned-3.0.0'))).toBe(false);
    expect(h.services.features.get('pinned', '3.0.0')).toBeUndefined();
  });

  it("is refused when it uses another feature's flow or format ids (the next start would fail)", async () => {
    const source = join(tempDir(), 'thief');
    cpSync(join(packageRoot(), 'flows', 'peppol-bis3'), source, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(source, 'feature.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(source, 'feature.json'), JSON.stringify({ ...manifest, id: 'thief' }));
    const answer = await post(packFeature(source, h.services.actions));
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([
      expect.objectContaining({
        code: 'feature.flow-conflict',
        message: expect.stringContaining('"peppol-outbox"'),
      }),
      expect.objectContaining({
        code: 'feature.format-conflict',
        message: expect.stringContaining('"peppol-bis3-ubl"'),
      }),
    ]);
    expect(existsSync(join(h.settings.featuresDir!, 'thief-1.0.0'))).toBe(false);
  });

  it('is refused when a mapping of it does not compile among the installed ones (the next start would fail)', async () => {
    const source = join(tempDir(), 'orphan');
    mkdirSync(source, { recursive: true });
    writeFileSync(
      join(source, 'feature.json'),
      JSON.stringify({
        id: 'orphan',
        version: '1.0.0',
        title: 'Orphan',
        direction: 'outbound',
        formats: ['format.json'],
      }),
    );
    writeFileSync(
      join(source, 'format.json'),
      JSON.stringify({ id: 'orphan-ubl', description: 'x', extends: 'nowhere' }),
    );
    const answer = await post(packFeature(source, h.services.actions));
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([
      expect.objectContaining({
        code: 'format.invalid-mapping',
        message: expect.stringContaining('"nowhere"'),
      }),
    ]);
    expect(existsSync(join(h.settings.featuresDir!, 'orphan-1.0.0'))).toBe(false);
    expect(h.services.features.get('orphan')).toBeUndefined();
  });

  it('may bring a format of its own, which its flows use at once', async () => {
    const source = join(tempDir(), 'own-format');
    mkdirSync(source, { recursive: true });
    const write = (name: string, value: unknown) => writeFileSync(join(source, name), JSON.stringify(value));
    write('feature.json', {
      id: 'own-format',
      version: '1.0.0',
      title: 'Own format',
      direction: 'outbound',
      flows: ['flow.json'],
      formats: ['format.json'],
    });
    write('format.json', {
      id: 'own-ubl',
      description: 'PEPPOL UBL, as our own',
      extends: 'peppol-bis3-ubl',
    });
    write('flow.json', {
      id: 'own-format-flow',
      version: 1,
      description: 'transforms into the format the feature brings',
      applicability: { field: 'format', op: 'eq', value: 'own' },
      input: { kinds: ['canonical'] },
      steps: [
        { id: 'validate', action: 'validate', with: { input: 'input.json', output: 'canonical.json' } },
        {
          id: 'transform',
          action: 'transform',
          with: { format: 'own-ubl', input: 'canonical.json', output: 'own.xml' },
        },
      ],
    });
    expect(h.services.formats.has('own-ubl')).toBe(false);
    expect((await post(packFeature(source, h.services.actions))).status).toBe(201);
    await h.services.setups.enable('local', 'own-format');
    const { record } = await h.services.pipeline.submit({
      tenantId: 'local',
      context: { format: 'own' },
      content: Buffer.from(JSON.stringify(sampleInvoice(1))),
      contentType: 'application/json',
    });
    await h.bus.whenIdle({ scheduled: false });
    const done = await h.services.pipeline.get('local', record.id);
    expect(done.status).toBe('completed');
    const xml = (await h.services.pipeline.artifact('local', record.id, 'own.xml')).content.toString('utf8');
    expect(xml).toContain(
      '<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>',
    );
    // a flow of another feature cannot use it: it is this feature's
    const stranger = checkFlow(
      {
        id: 'x',
        version: 1,
        description: 'x',
        steps: [{ id: 't', action: 'transform', with: { format: 'own-ubl' } }],
      },
      h.services.actions,
    );
    expect(stranger.map((p) => p.path)).toEqual(['/steps/0/with/format']);
  });

  it("is for the operator's tenants only", async () => {
    const { apiKey: other } = await h.services.tenants.create('globex', 'Globex');
    const source = tempDir();
    versionedFeature(source, '4.0.0', 'x.xml');
    const answer = await post(packFeature(join(source, 'pinned-4.0.0'), h.services.actions), other);
    expect(answer).toMatchObject({ status: 403, json: { code: 'feature.forbidden' } });
  });
});

describe('related submissions', () => {
  let h: Harness;
  const apiKey = 'acme-key-related-01234';
  const bus = holdingBus();
  beforeAll(async () => {
    const features = tempDir();
    cancellableFeature(features);
    h = await createHarness({ EINVOICE_FEATURES_DIR: features }, bus.wrap);
    await h.services.tenants.addKey(TENANT, apiKey);
    provideServices(h.services);
  });
  afterAll(() => provideServices(undefined));

  const relate = (id: string, body: unknown) =>
    callHandler(route('relatedInvoice'), apiKey, {
      method: 'POST',
      params: { id },
      body: JSON.stringify(body),
    });

  it('a cancel of a completed document runs its flow with the data, and links both records', async () => {
    const invoice = await h.settle((await h.submit(sampleInvoice(1), { format: 'cancellable' })).id);
    expect(invoice.status).toBe('completed');
    const answer = await relate(invoice.id, { kind: 'cancel', data: { reason: '02' } });
    expect(answer.status).toBe(202);
    const cancel = await h.settle(answer.json.id as string);
    expect(cancel).toMatchObject({
      status: 'completed',
      flowId: 'cancellable-cancel',
      featureId: 'cancellable',
      featureVersion: '1.0.0',
      relatedTo: { id: invoice.id, kind: 'cancel' },
      variables: { 'original.id': invoice.id },
    });
    expect((await h.services.pipeline.get(TENANT, invoice.id)).related).toEqual([
      { id: cancel.id, kind: 'cancel', createdAt: expect.any(String) },
    ]);
    const refused = await relate(invoice.id, { kind: 'cancel', data: { reason: '99' } });
    expect((await h.settle(refused.json.id as string)).status).toBe('rejected');
    expect((await h.services.pipeline.get(TENANT, invoice.id)).related).toHaveLength(2);
  });

  it('is 409 while the document is still processing, and 422 for a kind its feature does not have', async () => {
    bus.hold(); // never released: the document stays at its first step
    const pending = await h.submit(sampleInvoice(1), { format: 'cancellable' });
    const early = await relate(pending.id, { kind: 'cancel', data: { reason: '02' } });
    expect(early).toMatchObject({ status: 409, json: { code: 'related.not-allowed' } });
    expect((await h.services.pipeline.get(TENANT, pending.id)).related).toBeUndefined();
    const unknown = await relate(pending.id, { kind: 'correct' });
    expect(unknown).toMatchObject({ status: 422, json: { code: 'related.unknown-kind' } });
    const invalid = await relate(pending.id, { kind: 'Cancel!' });
    expect(invalid).toMatchObject({ status: 400, json: { code: 'related.invalid' } });
  });
});

describe('adapting a shipped feature', () => {
  it('a copy with a new version and a changed mapping runs for the tenants that enable it; the shipped one for the others', async () => {
    const features = tempDir();
    const copy = join(features, 'peppol-bis3-1.0.1');
    cpSync(join(packageRoot(), 'flows', 'peppol-bis3'), copy, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(copy, 'feature.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(copy, 'feature.json'), JSON.stringify({ ...manifest, version: '1.0.1' }));
    const mappingFile = join(copy, 'formats', 'peppol-bis3-ubl.json');
    const mapping = readFileSync(mappingFile, 'utf8');
    const changed = mapping.replace(
      /("element": "cac:PaymentTerms",\s*"children": \[\s*\{\s*"element": "cbc:Note",\s*"text": \{)\s*"path": "paymentTerms",\s*"space": "preserve"/g,
      '$1 "value": "Adapted payment terms"',
    );
    expect(changed).not.toBe(mapping);
    writeFileSync(mappingFile, changed);
    const h = await createHarness({ EINVOICE_FEATURES_DIR: features });
    await h.services.tenants.create('globex', 'Globex');
    await h.services.setups.enable(TENANT, 'peppol-bis3', '1.0.1');
    await h.services.setups.enable('globex', 'peppol-bis3', '1.0.0');
    const invoice = { ...sampleInvoice(1), paymentTerms: 'Net 30 days' };
    const adapted = await h.settle((await h.submit(invoice, { format: 'peppol-bis3-ubl' })).id);
    expect(adapted).toMatchObject({ status: 'completed', featureVersion: '1.0.1' });
    const ubl = async (tenantId: string, id: string) =>
      (await h.services.pipeline.artifact(tenantId, id, 'invoice.xml')).content.toString('utf8');
    expect(await ubl(TENANT, adapted.id)).toContain('<cbc:Note>Adapted payment terms</cbc:Note>');
    const { record } = await h.services.pipeline.submit({
      tenantId: 'globex',
      context: { format: 'peppol-bis3-ubl' },
      content: Buffer.from(JSON.stringify(invoice)),
      contentType: 'application/json',
    });
    await h.bus.whenIdle({ scheduled: false });
    expect(await h.services.pipeline.get('globex', record.id)).toMatchObject({
      status: 'completed',
      featureVersion: '1.0.0',
    });
    expect(await ubl('globex', record.id)).toContain('<cbc:Note>Net 30 days</cbc:Note>');
  });
});

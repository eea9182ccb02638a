import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentRecord } from '../shared/model/record';
import { packageRoot } from '../shared/util/package-root';
import { signInAsStandInUser } from './support/entra';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { onTeardown, tempDir } from './support/temp';

/**
 * `einvoice serve --demo`: the stand-in receivers in the runtime's process, every feature enabled for tenant
 * local with its demo company; the shipped samples complete offline, each company with its own setup.
 */
describe('einvoice serve --demo', () => {
  let runtime: RuntimeProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir();
    // no stand-in settings from outside: the demo points them at its own stand-ins
    runtime = await startRuntime(
      dataDir,
      { SANDBOX_URL: '', BC_API_URL: '', BC_TOKEN_URL: '', SDI_URL: '', SDI_CERTIFICATE: '', PAC_URL: '' },
      ['--demo'],
    );
    onTeardown(() => runtime.stop());
  });

  const api = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${runtime.url}/api${path}`, {
      method,
      headers: { 'x-api-key': runtime.apiKey, 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };
  /** A sample as a submission with `context` added (a sample may be `{ context, document }` already). */
  const withContext = (value: Record<string, unknown>, context: Record<string, unknown>) =>
    'document' in value
      ? { ...value, context: { ...(value.context as Record<string, unknown>), ...context } }
      : { context, document: value };
  const sample = (name: string) => readFileSync(join(packageRoot(), 'samples', name), 'utf8');
  const submit = async (context: Record<string, unknown>, document: string, xml = false) => {
    const answer = await api(
      'POST',
      '/invoices?wait=60',
      xml ? document : JSON.stringify(withContext(JSON.parse(document) as Record<string, unknown>, context)),
      xml ? { 'content-type': 'application/xml', 'x-einvoice-context': JSON.stringify(context) } : {},
    );
    return (await api('GET', `/invoices/${answer.json.id as string}`)).json as DocumentRecord;
  };

  it('says what it set up', () => {
    expect(runtime.output()).toMatch(/demo: sandbox receiver at http:\/\/127\.0\.0\.1:\d+/);
    expect(runtime.output()).toContain('feature sandbox-demo 1.0.0, demo company demo');
  });

  it("offers the console a sign-in at the Entra ID stand-in, whose operator's tokens act for tenant local", async () => {
    expect(runtime.output()).toMatch(/Entra ID stand-in at http:\/\/127\.0\.0\.1:\d+/);
    const options = await (await fetch(`${runtime.url}/api/sign-in`)).json();
    expect(options.entra).toMatchObject({ authority: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//) });
    const tokens = await signInAsStandInUser(options.entra.authority, {
      clientId: options.entra.clientId,
      scope: options.entra.scope,
      username: 'operator@contoso.example',
    });
    const session = await fetch(`${runtime.url}/api/session`, {
      headers: { authorization: `Bearer ${tokens.access_token as string}` },
    });
    expect(await session.json()).toEqual({
      tenantId: 'local',
      via: 'entra',
      user: { username: 'operator@contoso.example', name: 'Local operator' },
      tenants: ['local'],
    });
  });

  it('enables every shipped feature for tenant local', async () => {
    const { json } = await api('GET', '/features');
    for (const feature of json.items as Array<{ id: string; enabledVersion?: string; byDefault?: boolean }>) {
      expect(feature.enabledVersion).toBeDefined();
      expect(feature.byDefault).toBeUndefined();
    }
  });

  it("submits the demo company's invoice to the sandbox receiver, signed with its own certificate", async () => {
    const record = await submit({ flowId: 'sandbox-submit', companyId: 'demo' }, sample('invoice.json'));
    expect(record).toMatchObject({ status: 'completed', featureId: 'sandbox-demo' });
    const xml = await (
      await fetch(`${runtime.url}/api/invoices/${record.id}/artifacts/signed.xml`, {
        headers: { 'x-api-key': runtime.apiKey },
      })
    ).text();
    const signer = new X509Certificate(
      Buffer.from(/<ds:X509Certificate>([^<]+)</.exec(xml)![1]!.replace(/\s+/g, ''), 'base64'),
    );
    const own = new X509Certificate(readFileSync(join(dataDir, 'keys', 'local--demo-seal.crt.pem')));
    expect(signer.fingerprint256).toBe(own.fingerprint256);
  });

  it('completes the README example: a company without a setup of its own takes the defaults', async () => {
    expect((await submit({ format: 'peppol-bis3-ubl' }, sample('invoice.json'))).status).toBe('completed');
  });

  it("takes the vendor's invoice and the transfer document into the Business Central stand-in", async () => {
    const context = { direction: 'inbound', companyId: 'CRONUS' };
    const transfer = await submit({ ...context, format: 'edoc-transfer' }, sample('edoc/transfer.json'));
    expect(transfer.status).toBe('completed');
    expect(transfer.variables?.bcDocumentNumber).toMatch(/^PI-\d+$/);
    const ubl = await submit(
      { ...context, format: 'peppol-bis3-ubl' },
      sample('edoc/vendor-invoice.xml'),
      true,
    );
    expect(ubl.status).toBe('completed');
    expect(ubl.variables?.bcDocumentNumber).toMatch(/^PI-\d+$/);
  });

  it('completes every Italian sample against the SDI stand-in, each file signed, numbered and followed', async () => {
    const dir = join(packageRoot(), 'samples', 'it');
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    expect(names).toHaveLength(5);
    for (const name of names) {
      const record = await submit({}, readFileSync(join(dir, name), 'utf8'));
      expect({ name, status: record.status, feature: record.featureId }).toEqual({
        name,
        status: 'completed',
        feature: 'it-fatturapa-sdi',
      });
      expect(record.variables?.fileName).toMatch(/^IT01234567890_[0-9A-Z]{5}\.xml$/);
      expect(record.events?.length).toBeGreaterThan(0);
    }
  });

  it("takes a vendor's FatturaPA that SDI delivers into the Business Central stand-in", async () => {
    const sdiUrl = /SDI stand-in at (http:\/\/127\.0\.0\.1:\d+)/.exec(runtime.output())![1]!;
    const { json: key } = await api('POST', '/features/it-fatturapa-sdi/event-key');
    const endpoint = `${runtime.url}/api/events/it-fatturapa-sdi?key=${encodeURIComponent(key.key as string)}&companyId=CRONUS`;
    const xml = sample('it/vendor/IT01234567890_00A01.xml');
    const delivered = await fetch(`${sdiUrl}/deliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint, xml, nomeFile: 'IT01234567890_00A01.xml' }),
    });
    expect(delivered.status).toBe(200);
    let record: DocumentRecord | undefined;
    for (let i = 0; i < 120 && record?.status !== 'completed'; i++) {
      const { json } = await api('GET', '/invoices?limit=50');
      const found = (json.items as DocumentRecord[]).find(
        (r) => r.context.sdiFileName === 'IT01234567890_00A01.xml',
      );
      record = found && ((await api('GET', `/invoices/${found.id}`)).json as DocumentRecord);
      if (record?.status === 'failed' || record?.status === 'rejected') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(record).toMatchObject({
      status: 'completed',
      flowId: 'ubl-to-bc',
      context: { direction: 'inbound', format: 'fatturapa', companyId: 'CRONUS' },
    });
    expect(record!.variables?.bcDocumentNumber).toMatch(/^PI-\d+$/);
  });

  it('authorises every Brazilian sample: signed with the demo A1, authorised by the SEFAZ stand-in', async () => {
    const dir = join(packageRoot(), 'samples', 'br');
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const record = await submit({}, readFileSync(join(dir, name), 'utf8'));
      expect({
        name,
        status: record.status,
        feature: record.featureId,
        cStat: record.variables?.cStat,
      }).toEqual({
        name,
        status: 'completed',
        feature: 'br-nfe-sefaz',
        cStat: '100',
      });
      expect(record.artifacts.map((a) => a.name)).toContain('nfe-proc.xml');
    }
  });

  it('completes every Mexican sample: sealed with the demo CSD, stamped by the PAC stand-in', async () => {
    const dir = join(packageRoot(), 'samples', 'mx');
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const record = await submit({}, readFileSync(join(dir, name), 'utf8'));
      expect({ name, status: record.status, feature: record.featureId }).toEqual({
        name,
        status: 'completed',
        feature: 'mx-cfdi-pac',
      });
      expect(record.variables?.uuid).toMatch(
        /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/,
      );
      expect(record.artifacts.map((a) => a.name)).toContain('cfdi-timbrado.xml');
    }
  });
});

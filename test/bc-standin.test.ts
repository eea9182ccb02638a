import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FolderSecretStore } from '../shared/adapters/secret-stores';
import {
  BC_SAMPLE_COMPANY,
  BC_SECRET_NAME,
  BC_STANDIN_CLIENT_ID,
  BC_STANDIN_PORT,
  BcStandIn,
  type BcStandInOptions,
} from '../shared/sandbox/bc-standin';
import {
  applyLocalSettingsFile,
  BINDING_SETTING_DEFAULTS,
  loadSettings,
  resolveSetting,
} from '../shared/settings';
import { packageRoot } from '../shared/util/package-root';
import { onTeardown, tempDir } from './support/temp';

async function started(options: BcStandInOptions = {}): Promise<BcStandIn> {
  const standIn = new BcStandIn({ port: 0, ...options });
  await standIn.start();
  onTeardown(() => standIn.stop());
  return standIn;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function token(standIn: BcStandIn, secret = standIn.clientSecret): Promise<string> {
  const answer = await fetch(
    standIn.tokenUrl,
    form({ grant_type: 'client_credentials', client_id: standIn.clientId, client_secret: secret }),
  );
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { access_token: string }).access_token;
}

async function api(
  standIn: BcStandIn,
  path: string,
  body?: unknown,
  bearer?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const answer = await fetch(`${standIn.apiUrl}/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${bearer ?? (await token(standIn))}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
}

const invoice = (vendorNumber = 'V10000') => ({
  vendorNumber,
  purchaseInvoiceLines: [{ sequence: 10000, lineType: 'Item', quantity: 1 }],
});

describe('the Business Central stand-in: the client secret shared with the runtime', () => {
  it("creates the runtime's secret bc-client-secret in <dataDir>/keys/secrets (random, mode 0600) and accepts it", async () => {
    const dataDir = tempDir();
    const standIn = await started({ dataDir });
    const file = join(dataDir, 'keys', 'secrets', BC_SECRET_NAME);
    expect(standIn.secretFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The runtime's secret store (the key folder of the same data folder) reads the same value.
    const keyDir = loadSettings({ EINVOICE_DATA_DIR: dataDir }).keyDir;
    expect(await new FolderSecretStore(join(keyDir, 'secrets')).get(BC_SECRET_NAME)).toBe(secret);
    await token(standIn, secret);
    // Another data folder, another secret.
    const other = await started({ dataDir: tempDir() });
    expect(other.clientSecret).not.toBe(secret);
  });

  it('keeps a secret that is there (a second start, or one the operator wrote), and reads it on every request', async () => {
    const keyDir = join(tempDir(), 'elsewhere');
    mkdirSync(join(keyDir, 'secrets'), { recursive: true });
    writeFileSync(join(keyDir, 'secrets', BC_SECRET_NAME), 'chosen-by-the-operator\n');
    const standIn = await started({ dataDir: tempDir(), keyDir });
    expect(standIn.clientSecret).toBe('chosen-by-the-operator');
    await token(standIn, 'chosen-by-the-operator');
    const again = await started({ keyDir });
    expect(again.clientSecret).toBe('chosen-by-the-operator');
    writeFileSync(join(keyDir, 'secrets', BC_SECRET_NAME), 'rotated');
    await token(standIn, 'rotated');
  });

  it('without a data folder or a secret: a random secret for this run, written nowhere', async () => {
    const standIn = await started();
    expect(standIn.secretFile).toBeUndefined();
    expect(standIn.clientSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await token(standIn);
    expect(standIn.describe()).toContain('random for this run, not stored');
  });

  it('a given secret wins, and no file is written', async () => {
    const dataDir = tempDir();
    const standIn = await started({ dataDir, clientSecret: 's3cret' });
    expect(existsSync(join(dataDir, 'keys'))).toBe(false);
    await token(standIn, 's3cret');
  });
});

describe('the Business Central stand-in: token endpoint and API', () => {
  it('issues tokens for client credentials, in the form or as HTTP Basic, and refuses others', async () => {
    const standIn = await started({ clientSecret: 's3cret' });
    const basic = Buffer.from(`${BC_STANDIN_CLIENT_ID}:s3cret`).toString('base64');
    const viaBasic = await fetch(standIn.tokenUrl, {
      ...form({ grant_type: 'client_credentials' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    });
    expect(viaBasic.status).toBe(200);
    const wrong = await fetch(
      standIn.tokenUrl,
      form({ grant_type: 'client_credentials', client_id: BC_STANDIN_CLIENT_ID, client_secret: 'guess' }),
    );
    expect([wrong.status, ((await wrong.json()) as { error: string }).error]).toEqual([
      401,
      'invalid_client',
    ]);
    const grant = await fetch(standIn.tokenUrl, form({ grant_type: 'password' }));
    expect(grant.status).toBe(400);
    expect((await api(standIn, 'companies', undefined, 'not-a-token')).status).toBe(401);
  });

  it('tokens expire', async () => {
    const standIn = await started({ clientSecret: 's3cret', tokenLifetimeSeconds: 0 });
    expect((await api(standIn, 'companies')).status).toBe(401);
  });

  it('knows the sample company by id (and by name, as a setup without bcCompanyId names it)', async () => {
    const standIn = await started();
    expect((await api(standIn, 'companies')).json.value).toEqual([
      { id: BC_SAMPLE_COMPANY.id, name: 'CRONUS', displayName: 'CRONUS' },
    ]);
    expect((await api(standIn, `companies(${BC_SAMPLE_COMPANY.id})`)).json).toMatchObject({ name: 'CRONUS' });
    expect((await api(standIn, 'companies(CRONUS)/vendors')).json.value).toEqual([
      { number: 'V10000', displayName: 'V10000' },
      { number: 'V20000', displayName: 'V20000' },
      { number: 'V30000', displayName: 'V30000' },
    ]);
    expect((await api(standIn, 'companies(OTHER)')).status).toBe(404);
    // The sample setup's bcCompanyId is this company.
    const setup = JSON.parse(
      readFileSync(join(packageRoot(), 'samples', 'edoc', 'bc-setup.json'), 'utf8'),
    ) as {
      bcCompanyId: string;
    };
    expect(setup.bcCompanyId).toBe(BC_SAMPLE_COMPANY.id);
  });

  it('creates purchase invoices and credit memos with numbers, refuses unknown companies and vendors as BC does', async () => {
    const standIn = await started();
    const company = `companies(${BC_SAMPLE_COMPANY.id})`;
    const first = await api(standIn, `${company}/purchaseInvoices`, invoice());
    expect(first).toMatchObject({
      status: 201,
      json: { number: 'PI-1001', status: 'Draft', vendorNumber: 'V10000' },
    });
    const memo = await api(standIn, 'companies(CRONUS)/purchaseCreditMemos', {
      vendorNumber: 'V20000',
      purchaseCreditMemoLines: [{ lineType: 'Item' }],
    });
    expect(memo.json.number).toBe('PCM-1002');
    expect(await api(standIn, `${company}/purchaseInvoices`, invoice('V99999'))).toMatchObject({
      status: 400,
      json: {
        error: {
          code: 'Internal_RecordNotFound',
          message: "The Vendor does not exist. Identification fields and values: No.='V99999'",
        },
      },
    });
    expect((await api(standIn, 'companies(OTHER)/purchaseInvoices', invoice())).status).toBe(404);
    expect((await api(standIn, `${company}/purchaseInvoices`, { vendorNumber: 'V10000' })).status).toBe(400);
    expect(
      ((await api(standIn, `${company}/purchaseInvoices`)).json.value as Array<{ number: string }>).map(
        (d) => d.number,
      ),
    ).toEqual(['PI-1001']);
    expect(standIn.calls.map((c) => c.path)).toEqual([
      `${company}/purchaseInvoices`,
      'companies(CRONUS)/purchaseCreditMemos',
      `${company}/purchaseInvoices`,
      'companies(OTHER)/purchaseInvoices',
      `${company}/purchaseInvoices`,
    ]);
  });

  it('answers a $batch of journal lines request by request', async () => {
    const standIn = await started();
    const batch = await api(standIn, '$batch', {
      requests: [
        {
          id: '1',
          method: 'POST',
          url: 'companies(CRONUS)/journals(DEFAULT)/journalLines',
          body: { amount: -1 },
        },
        {
          id: '2',
          method: 'POST',
          url: 'companies(OTHER)/journals(DEFAULT)/journalLines',
          body: { amount: 1 },
        },
      ],
    });
    expect(
      (batch.json.responses as Array<{ id: string; status: number }>).map((r) => [r.id, r.status]),
    ).toEqual([
      ['1', 201],
      ['2', 404],
    ]);
  });
});

describe("the Business Central stand-in and the runtime's settings", () => {
  it('the embedded defaults of BC_API_URL, BC_TOKEN_URL and BC_CLIENT_ID point at the stand-in on 127.0.0.1:7073', async () => {
    const standIn = await started({ dataDir: tempDir() });
    const port = new URL(standIn.url).port;
    const onDefaultPort = (url: string) => url.replace(`:${port}/`, `:${BC_STANDIN_PORT}/`);
    expect(BINDING_SETTING_DEFAULTS).toMatchObject({
      BC_API_URL: onDefaultPort(standIn.apiUrl),
      BC_TOKEN_URL: onDefaultPort(standIn.tokenUrl),
      BC_CLIENT_ID: standIn.clientId,
    });
    expect(BC_STANDIN_PORT).toBe(7073);
    // The flows' placeholders resolve to them when nothing is set.
    expect(resolveSetting('%BC_API_URL%/{bcPath}', {})).toBe('http://127.0.0.1:7073/api/v2.0/{bcPath}');
  });

  it('local.settings.sample.json carries the same values, and an empty value falls back to the default', () => {
    const sample = JSON.parse(readFileSync(join(packageRoot(), 'local.settings.sample.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    for (const name of ['BC_API_URL', 'BC_TOKEN_URL', 'BC_CLIENT_ID', 'BC_SCOPE'])
      expect([name, sample.Values[name]]).toEqual([name, BINDING_SETTING_DEFAULTS[name]]);
    const file = join(tempDir(), 'local.settings.json');
    writeFileSync(
      file,
      JSON.stringify({ Values: { ...sample.Values, BC_API_URL: '', BC_TOKEN_URL: '', BC_CLIENT_ID: '' } }),
    );
    const env: Record<string, string | undefined> = {};
    expect(applyLocalSettingsFile(file, env)).toBe(true);
    expect(resolveSetting('%BC_API_URL%|%BC_TOKEN_URL%|%BC_CLIENT_ID%', env)).toBe(
      `${BINDING_SETTING_DEFAULTS.BC_API_URL}|${BINDING_SETTING_DEFAULTS.BC_TOKEN_URL}|einvoice-bc`,
    );
  });

  it('describe() says which settings point at it and where the secret is, never the secret', async () => {
    const dataDir = tempDir();
    const standIn = await started({ dataDir });
    const text = standIn.describe();
    expect(text).toContain(`Business Central stand-in (API v2.0) at ${standIn.url}`);
    expect(text).toContain(`BC_API_URL    ${standIn.apiUrl}  (set it: not the default)`);
    expect(text).toContain(`BC_TOKEN_URL  ${standIn.tokenUrl}  (set it: not the default)`);
    expect(text).toContain('BC_CLIENT_ID  einvoice-bc  (its default)');
    expect(text).toContain(
      `the runtime's secret bc-client-secret, in ${join(dataDir, 'keys', 'secrets', 'bc-client-secret')} (created with a random value)`,
    );
    expect(text).toContain(`CRONUS (id ${BC_SAMPLE_COMPANY.id})`);
    expect(text).toContain('V10000, V20000, V30000');
    expect(text).not.toContain(standIn.clientSecret);
  });
});

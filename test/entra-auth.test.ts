import { HttpRequest, InvocationContext } from '@azure/functions';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { RegistrationRecorder } from '../shared/runtime/registrations';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { loadSettings } from '../shared/settings';
import { createHarness, TENANT, type Harness } from './support/harness';
import { provideServices } from '../functions/lib/services';
import { callHandler, registrationNamed, type HandlerAnswer } from './support/http-handler';

// The Functions worker gives @azure/functions this module; here it records the registrations instead.
const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

const DIRECTORY = '11111111-2222-4333-8444-555555555555';
const CLIENT_ID = '0f0e0d0c-0b0a-4909-8807-060504030201';

/** A directory as the API sees Entra ID: its OpenID configuration and its key set, on a free port. */
class Directory {
  server: Server | undefined;
  url = '';
  keys: Array<{ kid: string; privateKey: KeyLike; jwk: Record<string, unknown> }> = [];
  discoveryReads = 0;

  get authority(): string {
    return `${this.url}/${DIRECTORY}/v2.0`;
  }

  async addKey(kid: string) {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    this.keys.push({
      kid,
      privateKey,
      jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' },
    });
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === `/${DIRECTORY}/v2.0/.well-known/openid-configuration`) {
        this.discoveryReads++;
        return send(200, {
          issuer: this.authority,
          jwks_uri: `${this.url}/${DIRECTORY}/discovery/v2.0/keys`,
        });
      }
      if (req.url === `/${DIRECTORY}/discovery/v2.0/keys`)
        return send(200, { keys: this.keys.map((k) => k.jwk) });
      send(404, {});
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** An access token as Entra ID v2 issues it for the API, with `claims` changed; signed with key `kid`. */
  token(claims: JWTPayload = {}, options: { kid?: string; lifetime?: number } = {}): Promise<string> {
    const key = this.keys.find((k) => k.kid === (options.kid ?? this.keys[0]!.kid))!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      aud: CLIENT_ID,
      iss: this.authority,
      tid: DIRECTORY,
      oid: 'c0ffee00-0000-4000-8000-000000000001',
      sub: 'subject-1',
      preferred_username: 'ada@contoso.example',
      name: 'Ada Operator',
      scp: 'access_as_user',
      ver: '2.0',
      roles: [`Tenant.${TENANT}`],
      iat: now,
      nbf: now,
      exp: now + (options.lifetime ?? 3600),
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
      .sign(key.privateKey);
  }
}

const directory = new Directory();
let h: Harness;

beforeAll(async () => {
  await directory.addKey('key-1');
  await directory.start();
  h = await createHarness({
    EINVOICE_ENTRA_AUTHORITY: directory.authority,
    EINVOICE_ENTRA_CLIENT_ID: CLIENT_ID,
  });
  provideServices(h.services);
  await h.services.tenants.create('globex', 'Globex');
  await h.submit(sampleInvoice(1, 'ACME-1'), { format: 'peppol-bis3-ubl' });
});

afterAll(async () => {
  provideServices(undefined);
  await directory.stop();
});

/** Calls a Function with `Authorization: Bearer` and no API key. */
function call(name: string, token: string, headers: Record<string, string> = {}): Promise<HandlerAnswer> {
  return callHandler(registrationNamed(recorder, name), '', {
    headers: { 'x-api-key': '', authorization: `Bearer ${token}`, ...headers },
  });
}

describe('Entra ID access tokens', () => {
  it("grant the tenant of their Tenant.<id> role: its documents, and no other tenant's", async () => {
    const answer = await call('listInvoices', await directory.token());
    expect(answer.status).toBe(200);
    expect(
      answer.json.items.map((r: { summary?: { documentNumber?: string } }) => r.summary?.documentNumber),
    ).toEqual(['ACME-1']);
    const globex = await call('listInvoices', await directory.token({ roles: ['Tenant.globex'] }));
    expect(globex.status).toBe(200);
    expect(globex.json.items).toEqual([]);
  });

  it('name the user and tenant in GET /api/session', async () => {
    const answer = await call('session', await directory.token());
    expect(answer).toMatchObject({ status: 200, headers: { 'cache-control': 'no-store' } });
    expect(answer.json).toEqual({
      tenantId: TENANT,
      via: 'entra',
      user: { username: 'ada@contoso.example', name: 'Ada Operator' },
      tenants: [TENANT],
    });
  });

  it.each([
    ['another audience', { aud: 'api://some-other-app' }, 'auth.invalid-token', /"aud" claim/],
    [
      'another issuer',
      { iss: 'https://login.microsoftonline.com/other/v2.0' },
      'auth.invalid-token',
      /"iss" claim/,
    ],
    ['not yet valid', { nbf: Math.floor(Date.now() / 1000) + 3600 }, 'auth.invalid-token', /"nbf" claim/],
  ])('are refused with %s', async (_what, claims, code, message) => {
    const answer = await call('listInvoices', await directory.token(claims));
    expect(answer.status).toBe(401);
    expect(answer.json.code).toBe(code);
    expect(answer.json.title).toMatch(message);
  });

  it('are taken with the App ID URI as audience (v1-style aud), as Entra ID may issue them', async () => {
    const answer = await call('listInvoices', await directory.token({ aud: `api://${CLIENT_ID}` }));
    expect(answer.status).toBe(200);
  });

  it('are refused when expired, signed by a key the directory does not publish, altered, or not tokens', async () => {
    const expired = await call('listInvoices', await directory.token({}, { lifetime: -120 }));
    expect([expired.status, expired.json.code]).toEqual([401, 'auth.token-expired']);

    const stranger = new Directory();
    await stranger.addKey('key-1'); // same kid, another key: the signature must not verify
    stranger.url = directory.url; // the same issuer, the key its own
    const forged = await call('listInvoices', await stranger.token());
    expect([forged.status, forged.json.code]).toEqual([401, 'auth.invalid-token']);
    expect(forged.json.title).toMatch(/signature does not verify/);

    const token = await directory.token();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const raised = Buffer.from(JSON.stringify({ ...claims, roles: ['Tenant.globex'] })).toString('base64url');
    const altered = await call('listInvoices', `${header}.${raised}.${signature}`);
    expect([altered.status, altered.json.code]).toEqual([401, 'auth.invalid-token']);

    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const none = await call('listInvoices', unsigned);
    expect([none.status, none.json.code]).toEqual([401, 'auth.invalid-token']);

    const garbage = await call('listInvoices', 'not-a-token');
    expect([garbage.status, garbage.json.code]).toEqual([401, 'auth.invalid-token']);
  });

  it('give nothing without a Tenant.<id> role of an existing tenant', async () => {
    for (const roles of [[], ['Reader'], ['Tenant.'], ['Tenant.removed-long-ago']]) {
      const answer = await call('listInvoices', await directory.token({ roles }));
      expect([answer.status, answer.json.code]).toEqual([403, 'auth.no-tenant']);
    }
  });

  it('with several tenants, act for the one named in x-tenant-id, and only one of theirs', async () => {
    const token = await directory.token({ roles: [`Tenant.${TENANT}`, 'Tenant.globex', 'Other.role'] });
    const session = await call('session', token);
    expect(session.status).toBe(200);
    expect(session.json).toEqual({
      via: 'entra',
      user: { username: 'ada@contoso.example', name: 'Ada Operator' },
      tenants: [TENANT, 'globex'],
    });
    const ambiguous = await call('listInvoices', token);
    expect([ambiguous.status, ambiguous.json.code]).toEqual([403, 'auth.tenant-ambiguous']);
    expect(ambiguous.json.errors).toEqual([
      { path: 'header x-tenant-id', message: `one of: ${TENANT}, globex` },
    ]);

    const globex = await call('listInvoices', token, { 'x-tenant-id': 'globex' });
    expect([globex.status, globex.json.items]).toEqual([200, []]);
    const acme = await call('listInvoices', token, { 'x-tenant-id': TENANT });
    expect(acme.json.items).toHaveLength(1);
    const forbidden = await call('listInvoices', token, { 'x-tenant-id': 'initech' });
    expect([forbidden.status, forbidden.json.code]).toEqual([403, 'auth.tenant-forbidden']);
  });

  it('an API key still works beside them, and a bearer token is refused where Entra ID is not configured', async () => {
    const key = (await h.services.tenants.create('keyed', 'Keyed')).apiKey;
    const byKey = await callHandler(registrationNamed(recorder, 'session'), key);
    expect(byKey.json).toEqual({ tenantId: 'keyed', via: 'api-key' });

    const plain = await createHarness();
    provideServices(plain.services);
    try {
      const answer = await call('listInvoices', await directory.token());
      expect([answer.status, answer.json.code]).toEqual([401, 'auth.invalid-key']);
      const options = await callHandler(registrationNamed(recorder, 'signInOptions'), '');
      expect(options.json).toEqual({ apiKey: true, entra: null });
    } finally {
      provideServices(h.services);
    }
  });

  it('GET /api/sign-in names the directory for the console, and the console may reach it', async () => {
    const options = await callHandler(registrationNamed(recorder, 'signInOptions'), '');
    expect(options.json).toEqual({
      apiKey: true,
      entra: {
        authority: directory.authority,
        clientId: CLIENT_ID,
        scope: `api://${CLIENT_ID}/access_as_user`,
      },
    });
    const page = (await registrationNamed(recorder, 'console').handler(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/console/', params: { path: '' } }),
      new InvocationContext({ functionName: 'console' }),
    )) as { headers: Record<string, string> };
    expect(page.headers['content-security-policy']).toContain(`connect-src 'self' ${directory.url};`);
  });
});

describe('Entra ID unreachable', () => {
  it('answers 503 while its configuration cannot be read, and reads it again once it can', async () => {
    const { url } = directory;
    const port = Number(new URL(url).port);
    const late = await createHarness({
      EINVOICE_ENTRA_AUTHORITY: directory.authority,
      EINVOICE_ENTRA_CLIENT_ID: CLIENT_ID,
    });
    provideServices(late.services);
    const token = await directory.token();
    await directory.stop();
    try {
      const down = await call('listInvoices', token);
      expect(down.status).toBe(503);
      expect(down.json.code).toBe('auth.provider-unavailable');
      expect(down.headers['retry-after']).toBe('5');
      await directory.start(port);
      const up = await call('listInvoices', token);
      expect(up.status).toBe(200);
    } finally {
      provideServices(h.services);
    }
  });
});

describe('Entra ID settings', () => {
  it('need both the authority and the client id, and an HTTPS authority except on this machine', () => {
    expect(() => loadSettings({ EINVOICE_ENTRA_AUTHORITY: directory.authority })).toThrow(
      /EINVOICE_ENTRA_CLIENT_ID is needed/,
    );
    expect(() => loadSettings({ EINVOICE_ENTRA_CLIENT_ID: CLIENT_ID })).toThrow(
      /EINVOICE_ENTRA_AUTHORITY is needed/,
    );
    expect(() =>
      loadSettings({
        EINVOICE_ENTRA_AUTHORITY: 'http://login.example.com/x/v2.0',
        EINVOICE_ENTRA_CLIENT_ID: CLIENT_ID,
      }),
    ).toThrow(/not an HTTPS URL/);
    expect(
      loadSettings({
        EINVOICE_ENTRA_AUTHORITY: `https://login.microsoftonline.com/${DIRECTORY}/v2.0/`,
        EINVOICE_ENTRA_CLIENT_ID: CLIENT_ID,
        EINVOICE_ENTRA_SCOPE: `api://${CLIENT_ID}/Invoices.Read`,
      }).entra,
    ).toEqual({
      authority: `https://login.microsoftonline.com/${DIRECTORY}/v2.0`,
      clientId: CLIENT_ID,
      scope: `api://${CLIENT_ID}/Invoices.Read`,
    });
    expect(loadSettings({}).entra).toBeUndefined();
  });
});

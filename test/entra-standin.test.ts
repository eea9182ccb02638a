import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import {
  ENTRA_STANDIN_CLIENT_ID,
  ENTRA_STANDIN_DIRECTORY,
  ENTRA_STANDIN_PORT,
  ENTRA_STANDIN_USERS,
  EntraStandIn,
  type EntraStandInOptions,
} from '../shared/sandbox/entra-standin';
import { onTeardown } from './support/temp';

const API_APP = '3f8a9c1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b';
const SCOPE = `openid profile offline_access api://${API_APP}/access_as_user`;
const REDIRECT = 'http://127.0.0.1:5173/console/?view=signed-in';
const USERS = [
  { username: 'ada@contoso.example', name: 'Ada Operator', roles: ['Tenant.local', 'Tenant.globex'] },
  { username: 'eve@contoso.example', name: 'Eve <script>alert(1)</script> & Co', roles: [] },
];

async function started(options: EntraStandInOptions = {}): Promise<EntraStandIn> {
  const standIn = new EntraStandIn({ port: 0, users: USERS, ...options });
  await standIn.start();
  onTeardown(() => standIn.stop());
  return standIn;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const endpoint = (standIn: EntraStandIn, name: string) =>
  `${standIn.url}/${ENTRA_STANDIN_DIRECTORY}/oauth2/v2.0/${name}`;

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual',
});

function authorizeParams(challenge: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: ENTRA_STANDIN_CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: SCOPE,
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    response_mode: 'query',
    ...extra,
  };
}

/** Signs in as `username` through the authorize endpoint: the code and the redirect's URL. */
async function authorize(
  standIn: EntraStandIn,
  challenge: string,
  username = USERS[0]!.username,
  extra: Record<string, string> = {},
): Promise<{ code: string; location: URL }> {
  const answer = await fetch(
    endpoint(standIn, 'authorize'),
    form({ ...authorizeParams(challenge, extra), username }),
  );
  expect(answer.status).toBe(302);
  const location = new URL(answer.headers.get('location')!);
  return { code: location.searchParams.get('code')!, location };
}

async function redeem(standIn: EntraStandIn, fields: Record<string, string>) {
  const answer = await fetch(
    endpoint(standIn, 'token'),
    form({
      client_id: ENTRA_STANDIN_CLIENT_ID,
      redirect_uri: REDIRECT,
      grant_type: 'authorization_code',
      ...fields,
    }),
  );
  return {
    status: answer.status,
    cors: answer.headers.get('access-control-allow-origin'),
    body: await answer.json(),
  };
}

/** The tokens of a full sign-in as the first user. */
async function signIn(standIn: EntraStandIn, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const { code } = await authorize(standIn, challenge, USERS[0]!.username, extra);
  const answer = await redeem(standIn, { code, code_verifier: verifier });
  expect(answer.status).toBe(200);
  return answer.body as Record<string, any>;
}

describe('Entra ID stand-in', () => {
  let entra: EntraStandIn;
  beforeAll(async () => {
    entra = await started();
  });

  it('has its constants and default user as the console expects', () => {
    expect(ENTRA_STANDIN_PORT).toBe(7078);
    expect(ENTRA_STANDIN_USERS).toEqual([
      { username: 'operator@contoso.example', name: 'Local operator', roles: ['Tenant.local'] },
    ]);
    expect(entra.authority).toBe(`${entra.url}/${ENTRA_STANDIN_DIRECTORY}/v2.0`);
    const lines = entra.describe().split('\n');
    expect(lines).toContain(`EINVOICE_ENTRA_AUTHORITY=${entra.authority}`);
    expect(lines).toContain(`EINVOICE_ENTRA_CLIENT_ID=${ENTRA_STANDIN_CLIENT_ID}`);
    expect(entra.describe()).toMatch(
      /ada@contoso\.example +Ada Operator; roles: Tenant\.local, Tenant\.globex/,
    );
  });

  it('publishes the OpenID configuration of its directory, with CORS', async () => {
    const answer = await fetch(`${entra.authority}/.well-known/openid-configuration`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    const d = `${entra.url}/${ENTRA_STANDIN_DIRECTORY}`;
    expect(await answer.json()).toMatchObject({
      issuer: entra.authority,
      authorization_endpoint: `${d}/oauth2/v2.0/authorize`,
      token_endpoint: `${d}/oauth2/v2.0/token`,
      jwks_uri: `${d}/discovery/v2.0/keys`,
      end_session_endpoint: `${d}/oauth2/v2.0/logout`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['pairwise'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      token_endpoint_auth_methods_supported: ['none'],
    });
  });

  it('publishes its public RSA signing key, and no private part', async () => {
    const answer = await fetch(`${entra.url}/${ENTRA_STANDIN_DIRECTORY}/discovery/v2.0/keys`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    const { keys } = (await answer.json()) as { keys: Array<Record<string, string>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
    expect(Buffer.from(keys[0]!.n!, 'base64url')).toHaveLength(256);
    expect(keys[0]!.kid).toEqual(expect.any(String));
    expect(Object.keys(keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('signs in with the authorization code flow and PKCE: tokens as Entra ID v2.0 issues them', async () => {
    const { verifier, challenge } = pkce();
    const page = await fetch(
      `${endpoint(entra, 'authorize')}?${new URLSearchParams(authorizeParams(challenge))}`,
      {
        redirect: 'manual',
      },
    );
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' http://127.0.0.1:5173",
    );
    const html = await page.text();
    expect(html).toContain('<title>Sign in — Entra ID stand-in</title>');
    expect(html).toMatch(/<h1>[^<]+<\/h1>/);
    expect(html).toContain('local Entra ID stand-in');
    expect(html).toContain('<form method="post"');
    expect(html).toContain(
      '<button type="submit" name="username" value="ada@contoso.example">Sign in as Ada Operator (ada@contoso.example)</button>',
    );
    expect(html.match(/<button type="submit" name="username"/g)).toHaveLength(2);
    for (const [name, value] of Object.entries(authorizeParams(challenge)))
      expect(html).toContain(`<input type="hidden" name="${name}" value="${value}">`);

    const { code, location } = await authorize(entra, challenge);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:5173/console/');
    expect(location.searchParams.get('view')).toBe('signed-in');
    expect(location.searchParams.get('state')).toBe('state-1');
    expect(code).toMatch(/^[\w-]{20,}$/);

    const answer = await redeem(entra, { code, code_verifier: verifier });
    expect(answer.status).toBe(200);
    expect(answer.cors).toBe('*');
    const tokens = answer.body as Record<string, any>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(tokens.scope.split(' ')).toEqual(
      expect.arrayContaining(['openid', `api://${API_APP}/access_as_user`]),
    );
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const keys = createRemoteJWKSet(new URL(`${entra.url}/${ENTRA_STANDIN_DIRECTORY}/discovery/v2.0/keys`));
    const access = await jwtVerify(tokens.access_token, keys, { issuer: entra.authority, audience: API_APP });
    expect(access.protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    expect(access.payload).toMatchObject({
      aud: API_APP,
      iss: entra.authority,
      ver: '2.0',
      tid: ENTRA_STANDIN_DIRECTORY,
      azp: ENTRA_STANDIN_CLIENT_ID,
      name: 'Ada Operator',
      preferred_username: 'ada@contoso.example',
      scp: 'access_as_user',
      roles: ['Tenant.local', 'Tenant.globex'],
    });
    expect(access.payload.exp! - access.payload.iat!).toBe(3599);
    expect(access.payload.oid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const id = await jwtVerify(tokens.id_token, keys, {
      issuer: entra.authority,
      audience: ENTRA_STANDIN_CLIENT_ID,
    });
    expect(id.payload).toMatchObject({
      aud: ENTRA_STANDIN_CLIENT_ID,
      nonce: 'nonce-1',
      ver: '2.0',
      tid: ENTRA_STANDIN_DIRECTORY,
      oid: access.payload.oid,
      name: 'Ada Operator',
      preferred_username: 'ada@contoso.example',
    });
    expect(id.payload.sub).toEqual(expect.any(String));
    expect(id.payload.nbf).toBe(id.payload.iat);

    // the same user has the same object id next time
    const again = await signIn(entra);
    expect(decodeJwt(again.access_token).oid).toBe(access.payload.oid);
    expect(decodeJwt(again.id_token).sub).toBe(id.payload.sub);
  });

  it('gives the client id as audience without an api:// scope, and omits empty roles and the refresh token', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorize(entra, challenge, USERS[1]!.username, { scope: 'openid profile' });
    const { body } = await redeem(entra, { code, code_verifier: verifier });
    expect(body.refresh_token).toBeUndefined();
    const claims = decodeJwt(body.access_token);
    expect(claims.aud).toBe(ENTRA_STANDIN_CLIENT_ID);
    expect(claims).not.toHaveProperty('roles');
    expect(claims).not.toHaveProperty('scp');
    expect(decodeJwt(body.id_token).name).toBe(USERS[1]!.name);
  });

  it('takes a code once only', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorize(entra, challenge);
    expect((await redeem(entra, { code, code_verifier: verifier })).status).toBe(200);
    const second = await redeem(entra, { code, code_verifier: verifier });
    expect(second.status).toBe(400);
    expect(second.cors).toBe('*');
    expect(second.body).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
    expect(second.body.error_description).toMatch(/^AADSTS54005: /);
  });

  it('refuses a code_verifier that does not match the challenge', async () => {
    const { challenge } = pkce();
    const { code } = await authorize(entra, challenge);
    const answer = await redeem(entra, { code, code_verifier: pkce().verifier });
    expect(answer.status).toBe(400);
    expect(answer.cors).toBe('*');
    expect(answer.body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    expect(answer.body.error_description).toMatch(/^AADSTS501481: /);
  });

  it('refuses a redirect_uri at the token endpoint other than the authorization request’s', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorize(entra, challenge);
    const answer = await redeem(entra, {
      code,
      code_verifier: verifier,
      redirect_uri: 'http://127.0.0.1:5173/other',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_grant', error_codes: [500112] });
  });

  it('refuses a code issued to another client, a missing parameter, another grant type and a client secret', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorize(entra, challenge);
    const other = await redeem(entra, { code, code_verifier: verifier, client_id: API_APP });
    expect(other.body).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
    const noVerifier = await redeem(entra, { code: 'x' });
    expect(noVerifier).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_codes: [900144] },
    });
    expect(noVerifier.body.error_description).toContain("'code_verifier'");
    const grant = await redeem(entra, { grant_type: 'password' });
    expect(grant).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type', error_codes: [70003] },
    });
    const secret = await redeem(entra, { code: 'x', code_verifier: 'y', client_secret: 's' });
    expect(secret).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [700025] } });
    const unknown = await redeem(entra, { code: 'not-a-code', code_verifier: verifier });
    expect(unknown).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_codes: [70000] } });
  });

  it('refuses an authorization request without code_challenge, or otherwise invalid, on a page', async () => {
    const { challenge } = pkce();
    const cases: Array<[Record<string, string>, string]> = [
      [{ code_challenge: '' }, 'code_challenge'],
      [{ code_challenge_method: 'plain' }, 'code_challenge_method'],
      [{ response_type: 'token' }, 'response_type'],
      [{ client_id: '' }, 'client_id'],
      [{ redirect_uri: 'javascript:alert(1)' }, 'redirect_uri'],
      [{ redirect_uri: '/relative' }, 'redirect_uri'],
      [{ scope: `api://${API_APP}/access_as_user` }, 'scope'],
      [{ response_mode: 'fragment' }, 'response_mode'],
    ];
    for (const [extra, parameter] of cases) {
      const params = new URLSearchParams(authorizeParams(challenge, extra));
      const page = await fetch(`${endpoint(entra, 'authorize')}?${params}`, { redirect: 'manual' });
      expect({ parameter, status: page.status, location: page.headers.get('location') }).toEqual({
        parameter,
        status: 400,
        location: null,
      });
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain(`(parameter: ${parameter})`);
      // the form posted with the same parameters is refused too, without a code
      const posted = await fetch(
        endpoint(entra, 'authorize'),
        form({ ...authorizeParams(challenge, extra), username: USERS[0]!.username }),
      );
      expect(posted.status).toBe(400);
    }
    const unknownUser = await fetch(
      endpoint(entra, 'authorize'),
      form({ ...authorizeParams(challenge), username: 'mallory@contoso.example' }),
    );
    expect(unknownUser.status).toBe(400);
    expect(await unknownUser.text()).toContain('AADSTS50034');
  });

  it('renews tokens with a refresh token, which then no longer works (rotation)', async () => {
    const first = await signIn(entra);
    const renew = (refreshToken: string, extra: Record<string, string> = {}) =>
      fetch(
        endpoint(entra, 'token'),
        form({
          client_id: ENTRA_STANDIN_CLIENT_ID,
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          ...extra,
        }),
      );
    const renewed = await renew(first.refresh_token, { scope: SCOPE });
    expect(renewed.status).toBe(200);
    expect(renewed.headers.get('access-control-allow-origin')).toBe('*');
    const tokens = (await renewed.json()) as Record<string, any>;
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.refresh_token).not.toBe(first.refresh_token);
    const keys = createRemoteJWKSet(new URL(`${entra.url}/${ENTRA_STANDIN_DIRECTORY}/discovery/v2.0/keys`));
    const access = await jwtVerify(tokens.access_token, keys, { issuer: entra.authority, audience: API_APP });
    expect(access.payload).toMatchObject({
      preferred_username: 'ada@contoso.example',
      scp: 'access_as_user',
    });
    const id = await jwtVerify(tokens.id_token, keys, {
      issuer: entra.authority,
      audience: ENTRA_STANDIN_CLIENT_ID,
    });
    expect(id.payload.sub).toBe(decodeJwt(first.id_token).sub);

    const reused = await renew(first.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.headers.get('access-control-allow-origin')).toBe('*');
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
    // another client cannot use it; the rotated one still works (without scope: the grant's)
    expect((await renew(tokens.refresh_token, { client_id: API_APP })).status).toBe(400);
    const third = await renew(tokens.refresh_token);
    expect(third.status).toBe(200);
    expect(decodeJwt(((await third.json()) as Record<string, any>).access_token).aud).toBe(API_APP);
  });

  it('answers the CORS preflight of the token endpoint', async () => {
    const answer = await fetch(endpoint(entra, 'token'), {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-client-sku',
      },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    const allowed = answer.headers.get('access-control-allow-headers') ?? '';
    expect(allowed.split(/,\s*/)).toEqual(expect.arrayContaining(['*', 'content-type', 'x-client-sku']));
  });

  it('issues tokens with the configured lifetime, which jose refuses once past', async () => {
    const shortLived = await started({ tokenLifetimeSeconds: 1 });
    const tokens = await signIn(shortLived);
    expect(tokens.expires_in).toBe(1);
    const claims = decodeJwt(tokens.access_token);
    expect(claims.exp! - claims.iat!).toBe(1);
    const keys = createRemoteJWKSet(
      new URL(`${shortLived.url}/${ENTRA_STANDIN_DIRECTORY}/discovery/v2.0/keys`),
    );
    const options = { issuer: shortLived.authority, audience: API_APP };
    await expect(
      jwtVerify(tokens.access_token, keys, { ...options, currentDate: new Date(claims.iat! * 1000) }),
    ).resolves.toBeDefined();
    await expect(
      jwtVerify(tokens.access_token, keys, { ...options, currentDate: new Date((claims.exp! + 1) * 1000) }),
    ).rejects.toBeInstanceOf(errors.JWTExpired);
    // each stand-in has its own key: a token of another one does not verify here
    const foreign = await signIn(entra);
    await expect(jwtVerify(foreign.access_token, keys, { audience: API_APP })).rejects.toThrow();
    expect(decodeProtectedHeader(foreign.access_token).kid).not.toBe(
      decodeProtectedHeader(tokens.access_token).kid,
    );
  });

  it('escapes what it writes into the sign-in page', async () => {
    const { challenge } = pkce();
    const params = new URLSearchParams(authorizeParams(challenge, { state: '"><script>alert(2)</script>' }));
    const html = await (await fetch(`${endpoint(entra, 'authorize')}?${params}`)).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain(
      'Sign in as Eve &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co (eve@contoso.example)',
    );
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
    // and the state goes back as it came
    const { location } = await authorize(entra, challenge, USERS[1]!.username, {
      state: '"><script>alert(2)</script>',
    });
    expect(location.searchParams.get('state')).toBe('"><script>alert(2)</script>');
  });

  it('answers 400 AADSTS90002 for another directory, 404 for other paths, 413 for a large body', async () => {
    for (const path of [
      '/common/v2.0/.well-known/openid-configuration',
      '/11111111-2222-4333-8444-555555555555/discovery/v2.0/keys',
      '/organizations/oauth2/v2.0/token',
    ]) {
      const answer = await fetch(`${entra.url}${path}`, path.endsWith('token') ? form({}) : {});
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as Record<string, any>;
      expect(body.error).toBe('invalid_tenant');
      expect(body.error_description).toMatch(/^AADSTS90002: /);
    }
    const unknown = await fetch(`${entra.url}/${ENTRA_STANDIN_DIRECTORY}/v2.0/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
    expect((await fetch(`${entra.url}/%E0%A4%A`)).status).toBe(400);
    const large = await fetch(endpoint(entra, 'token'), form({ grant_type: 'x'.repeat(70_000) }));
    expect(large.status).toBe(413);
    // still answering after bad input
    const malformed = await fetch(endpoint(entra, 'token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: 'invalid_request', error_codes: [900144] });
  });

  it('signs out to the post-logout redirect URI, or on a page', async () => {
    const logout = endpoint(entra, 'logout');
    const back = await fetch(`${logout}?post_logout_redirect_uri=${encodeURIComponent(REDIRECT)}`, {
      redirect: 'manual',
    });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(REDIRECT);
    const page = await fetch(logout);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('signed out');
    const refused = await fetch(`${logout}?post_logout_redirect_uri=javascript:alert(1)`, {
      redirect: 'manual',
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
  });

  it('answers prompt=none with login_required, as there is no session', async () => {
    const { challenge } = pkce();
    const params = new URLSearchParams(authorizeParams(challenge, { prompt: 'none' }));
    const answer = await fetch(`${endpoint(entra, 'authorize')}?${params}`, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe('state-1');
    expect(location.searchParams.get('code')).toBeNull();
  });
});

import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { escapeXml } from '../formats/xml-writer';
import { closeServer, listenTracked, readLimitedBody } from './http-server';

/** Where `einvoice sandbox --authority entra` listens unless told otherwise. */
export const ENTRA_STANDIN_PORT = 7078;

/** The directory (tenant) id of the stand-in: in its URLs and the `tid` of its tokens. */
export const ENTRA_STANDIN_DIRECTORY = '00000000-0000-4000-8000-00000000e1d0';

/** The default app registration of the console and the API (the setting `EINVOICE_ENTRA_CLIENT_ID`). */
export const ENTRA_STANDIN_CLIENT_ID = '6d1f3e2a-0c4b-4e8f-9a7d-3b5c1e0f2a9d';

/** A user of the stand-in's directory, with the app roles assigned to it. */
export interface EntraUser {
  /** The sign-in name (`preferred_username`). */
  username: string;
  /** The display name (`name`). */
  name: string;
  /** App roles (`roles`), e.g. `Tenant.local`. */
  roles: string[];
}

/** The users the stand-in signs in by default. */
export const ENTRA_STANDIN_USERS: EntraUser[] = [
  { username: 'operator@contoso.example', name: 'Local operator', roles: ['Tenant.local'] },
];

export interface EntraStandInOptions {
  /** Default 7078 (`ENTRA_STANDIN_PORT`); 7077 is the SEFAZ contingency stand-in's; 0 takes a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `ENTRA_STANDIN_USERS`. */
  users?: EntraUser[];
  /** Lifetime of the access and ID tokens; default 3599 s, as Entra ID. */
  tokenLifetimeSeconds?: number;
}

type Json = Record<string, unknown>;

/** What an authorization code or a refresh token stands for. */
interface Grant {
  clientId: string;
  user: EntraUser;
  scope: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
}

interface CodeGrant extends Grant {
  redirectUri: string;
  codeChallenge: string;
  nonce?: string;
}

/** The parameters of an authorization request, validated. */
interface AuthorizeRequest {
  clientId: string;
  redirectUri: URL;
  scope: string[];
  state?: string;
  nonce?: string;
  codeChallenge: string;
  responseMode?: string;
  loginHint?: string;
  prompt?: string;
}

const MAX_BODY = 64 * 1024;
const CODE_LIFETIME_MS = 10 * 60_000;
/** Entra ID's refresh tokens of single-page applications last 24 hours. */
const REFRESH_LIFETIME_MS = 24 * 3_600_000;
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const API_SCOPE = /^api:\/\/([^/\s]+)\/(\S+)$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PAGE_TITLE = 'Sign in — Entra ID stand-in';
const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:40rem;padding:0 1rem;color:#1b1b1b;background:#fff}' +
  'button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;cursor:pointer}ul{list-style:none;padding:0}' +
  'li{margin:.75rem 0}.roles{display:block;color:#404040;font-size:.9rem}';

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A GUID derived from the text (stable object ids of the users). */
function derivedGuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An absolute http(s) URL without a fragment, or undefined. */
function httpUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.hash && !value.includes('#')
      ? url
      : undefined;
  } catch {
    return undefined;
  }
}

const scopesOf = (scope: string | null | undefined) => [
  ...new Set((scope ?? '').split(/\s+/).filter(Boolean)),
];

/** A refused request at the token endpoint, as Entra ID words it. */
class OAuthError extends Error {
  constructor(
    readonly error:
      'invalid_grant' | 'invalid_request' | 'unsupported_grant_type' | 'invalid_client' | 'invalid_scope',
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  toJson(): Json {
    return {
      error: this.error,
      error_description: `AADSTS${this.code}: ${this.message}`,
      error_codes: [this.code],
      timestamp: new Date()
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z'),
    };
  }
}

/** A refused authorization request: shown as a page, never sent to the redirect URI. */
class AuthorizeError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const missing = (name: string) =>
  new OAuthError(
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );

/**
 * A Microsoft Entra ID stand-in for the web console's sign-in, as Entra ID v2.0 behaves for a single-page
 * application: the OpenID configuration and key set of one directory, the authorization endpoint (a page
 * offering a button per configured user, no password; authorization code with PKCE S256 only), the token
 * endpoint (authorization code and refresh token grants, CORS for the browser, refresh tokens rotated), and
 * the logout endpoint. Tokens are RS256 JWTs with the claims of Entra ID v2.0 tokens (`iss`
 * `{url}/{directory}/v2.0`, `aud` the application of the `api://{appId}/{scope}` requested, `scp`, `roles`,
 * `oid`, `tid`, `preferred_username`), verifiable with the key set as the service verifies Entra's.
 */
export class EntraStandIn {
  url = '';
  private readonly users: EntraUser[];
  private readonly lifetime: number;
  private readonly privateKey: KeyObject;
  private readonly jwk: Json;
  private readonly kid: string;
  private readonly codes = new Map<string, CodeGrant>();
  /** Codes redeemed (or tried) once, until they would have expired: a second use is told apart. */
  private readonly redeemed = new Map<string, number>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(readonly options: EntraStandInOptions = {}) {
    this.users = options.users ?? ENTRA_STANDIN_USERS;
    this.lifetime = options.tokenLifetimeSeconds ?? 3599;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    const { n, e } = publicKey.export({ format: 'jwk' });
    // the RFC 7638 thumbprint as key id
    this.kid = base64url(
      createHash('sha256')
        .update(JSON.stringify({ e, kty: 'RSA', n }))
        .digest(),
    );
    this.jwk = { kty: 'RSA', use: 'sig', alg: 'RS256', kid: this.kid, n, e };
  }

  /** The value for `EINVOICE_ENTRA_AUTHORITY`, and the `iss` of every token. */
  get authority(): string {
    return `${this.url}/${ENTRA_STANDIN_DIRECTORY}/v2.0`;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) this.sendJson(res, 500, { error: 'server_error' });
        else res.destroy();
      });
    });
    this.url = await listenTracked(
      this.server,
      this.options.port ?? ENTRA_STANDIN_PORT,
      this.options.host ?? '127.0.0.1',
      this.sockets,
    );
    return this.url;
  }

  async stop(): Promise<void> {
    await closeServer(this.server, this.sockets);
  }

  /** The settings that point the service and its console here, the users, the routes. */
  describe(): string {
    const d = `${this.url}/${ENTRA_STANDIN_DIRECTORY}`;
    const width = Math.max(...this.users.map((u) => u.username.length), 0);
    return [
      `Entra ID stand-in (OpenID Connect v2.0, single-page application sign-in) at ${this.url}`,
      'The service and its console use it with these settings:',
      `EINVOICE_ENTRA_AUTHORITY=${this.authority}`,
      `EINVOICE_ENTRA_CLIENT_ID=${ENTRA_STANDIN_CLIENT_ID}`,
      `Users (a button each on the sign-in page, no password; directory ${ENTRA_STANDIN_DIRECTORY}):`,
      ...this.users.map(
        (u) =>
          `  ${u.username.padEnd(width)}  ${u.name}; roles: ${u.roles.length ? u.roles.join(', ') : '(none)'}`,
      ),
      'Routes:',
      `  GET  ${this.authority}/.well-known/openid-configuration   GET ${d}/discovery/v2.0/keys`,
      `  GET  ${d}/oauth2/v2.0/authorize   (code, PKCE S256 required)   GET ${d}/oauth2/v2.0/logout`,
      `  POST ${d}/oauth2/v2.0/token   (authorization_code, refresh_token; CORS)`,
      `Tokens: RS256, ${this.lifetime} s; aud the appId of the api://{appId}/{scope} requested, else the client id; ` +
        'refresh tokens (with offline_access) last 24 h and are rotated',
    ].join('\n');
  }

  private sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res
      .writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...headers,
      })
      .end(JSON.stringify(body));
  }

  private sendHtml(
    res: ServerResponse,
    status: number,
    title: string,
    body: string,
    formAction?: string,
  ): void {
    const csp =
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'" +
      (formAction ? `; form-action ${formAction}` : "; form-action 'none'");
    res
      .writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': csp,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      })
      .end(
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
          '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
          `<title>${escapeXml(title)}</title>\n<style>${PAGE_STYLE}</style>\n</head>\n<body>\n<main>\n${body}</main>\n</body>\n</html>\n`,
      );
  }

  private errorPage(res: ServerResponse, status: number, message: string): void {
    this.sendHtml(
      res,
      status,
      'Sign-in error — Entra ID stand-in',
      `<h1>Sorry, the sign-in request is not valid</h1>\n<p>${escapeXml(message)}</p>\n` +
        '<p>This is the local Entra ID stand-in of the e-invoicing service.</p>\n',
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    let path: string;
    try {
      url = new URL(req.url ?? '/', 'http://stand-in');
      path = decodeURIComponent(url.pathname);
    } catch {
      return this.sendJson(res, 400, { error: 'invalid_request', error_description: 'malformed URL' });
    }
    const route =
      /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys|oauth2\/v2\.0\/(?:authorize|token|logout))$/.exec(
        path,
      );
    if (!route) return this.sendJson(res, 404, { error: 'not_found', error_description: `No route ${path}` });
    const [, directory, endpoint] = route as unknown as [string, string, string];
    const cors = { 'access-control-allow-origin': '*' };
    if (directory.toLowerCase() !== ENTRA_STANDIN_DIRECTORY)
      return this.sendJson(
        res,
        400,
        {
          error: 'invalid_tenant',
          error_description: `AADSTS90002: Tenant '${directory}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          error_codes: [90002],
        },
        cors,
      );

    if (endpoint === 'oauth2/v2.0/token') {
      if (req.method === 'OPTIONS') {
        const requested = req.headers['access-control-request-headers'];
        res
          .writeHead(204, {
            ...cors,
            'access-control-allow-methods': 'POST, OPTIONS',
            'access-control-allow-headers':
              typeof requested === 'string' && requested ? `*, ${requested}` : '*',
            'access-control-max-age': '86400',
          })
          .end();
        return;
      }
      if (req.method !== 'POST')
        return this.sendJson(
          res,
          405,
          {
            error: 'invalid_request',
            error_description: `AADSTS900561: The endpoint only accepts POST, OPTIONS requests. Received a ${req.method ?? ''} request.`,
            error_codes: [900561],
          },
          { ...cors, allow: 'POST, OPTIONS' },
        );
      const body = await readLimitedBody(req, MAX_BODY);
      if (!body)
        return this.sendJson(
          res,
          413,
          { error: 'invalid_request', error_description: 'body too large' },
          {
            ...cors,
            connection: 'close',
          },
        );
      try {
        return this.sendJson(res, 200, this.token(new URLSearchParams(body.toString('utf8')), req), cors);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        return this.sendJson(res, error.error === 'invalid_client' ? 401 : 400, error.toJson(), cors);
      }
    }

    if (endpoint === 'oauth2/v2.0/authorize') {
      if (req.method === 'GET') return this.authorizePage(res, url.searchParams);
      if (req.method === 'POST') {
        const body = await readLimitedBody(req, MAX_BODY);
        if (!body) {
          res.writeHead(413, { connection: 'close', 'content-type': 'text/plain' }).end('body too large');
          return;
        }
        return this.authorizeAs(res, new URLSearchParams(body.toString('utf8')));
      }
      return this.sendJson(res, 404, {
        error: 'not_found',
        error_description: `No route ${req.method ?? ''} ${path}`,
      });
    }

    if (req.method !== 'GET')
      return this.sendJson(res, 404, {
        error: 'not_found',
        error_description: `No route ${req.method ?? ''} ${path}`,
      });
    if (endpoint === 'discovery/v2.0/keys') return this.sendJson(res, 200, { keys: [this.jwk] }, cors);
    if (endpoint === 'oauth2/v2.0/logout') return this.logout(res, url.searchParams);
    return this.sendJson(res, 200, this.configuration(), cors);
  }

  private configuration(): Json {
    const d = `${this.url}/${ENTRA_STANDIN_DIRECTORY}`;
    return {
      issuer: this.authority,
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
      scopes_supported: OIDC_SCOPES,
      token_endpoint_auth_methods_supported: ['none'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'nbf',
        'nonce',
        'name',
        'preferred_username',
        'oid',
        'tid',
        'ver',
        'roles',
      ],
      request_uri_parameter_supported: false,
      tenant_region_scope: null,
      cloud_instance_name: 'stand-in',
    };
  }

  /** The parameters of an authorization request (the query, or the sign-in form posted back), checked. */
  private authorizeRequest(params: URLSearchParams): AuthorizeRequest {
    const one = (name: string): string | undefined => {
      const values = params.getAll(name);
      if (values.length > 1)
        throw new AuthorizeError(name, `The parameter '${name}' is given more than once.`);
      return values[0] || undefined;
    };
    const clientId = one('client_id');
    if (!clientId)
      throw new AuthorizeError('client_id', "The request must contain the parameter 'client_id'.");
    const redirect = one('redirect_uri');
    const redirectUri = httpUrl(redirect);
    if (!redirectUri)
      throw new AuthorizeError(
        'redirect_uri',
        redirect
          ? "The parameter 'redirect_uri' must be an absolute http or https URL without a fragment."
          : "The request must contain the parameter 'redirect_uri'.",
      );
    const responseType = one('response_type');
    if (responseType !== 'code')
      throw new AuthorizeError(
        'response_type',
        `The parameter 'response_type' must be 'code' (got '${responseType ?? ''}'): single-page applications use the authorization code flow.`,
      );
    const responseMode = one('response_mode');
    if (responseMode !== undefined && responseMode !== 'query')
      throw new AuthorizeError(
        'response_mode',
        `The parameter 'response_mode' must be 'query' (got '${responseMode}').`,
      );
    const scope = scopesOf(one('scope'));
    if (!scope.includes('openid'))
      throw new AuthorizeError('scope', "The parameter 'scope' must contain 'openid'.");
    const codeChallenge = one('code_challenge');
    if (!codeChallenge)
      throw new AuthorizeError(
        'code_challenge',
        "The request must contain the parameter 'code_challenge': Proof Key for Code Exchange is required for single-page applications.",
      );
    const method = one('code_challenge_method');
    if (method !== 'S256')
      throw new AuthorizeError(
        'code_challenge_method',
        `The parameter 'code_challenge_method' must be 'S256' (got '${method ?? ''}').`,
      );
    if (!S256_CHALLENGE.test(codeChallenge))
      throw new AuthorizeError(
        'code_challenge',
        "The parameter 'code_challenge' is not a base64url SHA-256 digest.",
      );
    const state = one('state');
    const nonce = one('nonce');
    const loginHint = one('login_hint');
    const prompt = one('prompt');
    return {
      clientId,
      redirectUri,
      scope,
      codeChallenge,
      ...(state !== undefined ? { state } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
      ...(responseMode !== undefined ? { responseMode } : {}),
      ...(loginHint !== undefined ? { loginHint } : {}),
      ...(prompt !== undefined ? { prompt } : {}),
    };
  }

  /** The redirect URI with the answer's parameters added to its query. */
  private redirect(res: ServerResponse, request: AuthorizeRequest, answer: Record<string, string>): void {
    const target = new URL(request.redirectUri.href);
    for (const [name, value] of Object.entries(answer)) target.searchParams.append(name, value);
    if (request.state !== undefined) target.searchParams.append('state', request.state);
    res
      .writeHead(302, {
        location: target.href,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      })
      .end();
  }

  /** The authorization request, or undefined once a page has said what is wrong with it. */
  private validAuthorizeRequest(res: ServerResponse, params: URLSearchParams): AuthorizeRequest | undefined {
    try {
      return this.authorizeRequest(params);
    } catch (error) {
      if (!(error instanceof AuthorizeError)) throw error;
      this.errorPage(res, 400, `${error.message} (parameter: ${error.parameter})`);
      return undefined;
    }
  }

  /** `GET …/authorize`: the sign-in page, a button per user. */
  private authorizePage(res: ServerResponse, params: URLSearchParams): void {
    const request = this.validAuthorizeRequest(res, params);
    if (!request) return;
    if (request.prompt === 'none')
      // no session to sign in from without a page
      return this.redirect(res, request, {
        error: 'login_required',
        error_description:
          'AADSTS50058: A silent sign-in request was sent but no user is signed in. The stand-in keeps no sessions.',
      });
    const hidden = [
      ['client_id', request.clientId],
      ['redirect_uri', request.redirectUri.href],
      ['response_type', 'code'],
      ['scope', request.scope.join(' ')],
      ['code_challenge', request.codeChallenge],
      ['code_challenge_method', 'S256'],
      ['state', request.state],
      ['nonce', request.nonce],
      ['response_mode', request.responseMode],
    ]
      .filter((field): field is [string, string] => field[1] !== undefined)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeXml(value)}">\n`)
      .join('');
    const hint = request.loginHint?.toLowerCase();
    const users = [...this.users].sort(
      (a, b) => Number(b.username.toLowerCase() === hint) - Number(a.username.toLowerCase() === hint),
    );
    const buttons = users
      .map(
        (u) =>
          `<li><button type="submit" name="username" value="${escapeXml(u.username)}">Sign in as ${escapeXml(u.name)} (${escapeXml(u.username)})</button>` +
          `<span class="roles">Roles: ${escapeXml(u.roles.length ? u.roles.join(', ') : 'none')}</span></li>\n`,
      )
      .join('');
    this.sendHtml(
      res,
      200,
      PAGE_TITLE,
      '<h1>Sign in</h1>\n' +
        `<p>This is the local Entra ID stand-in: pick a user of the directory ${ENTRA_STANDIN_DIRECTORY} to sign in ` +
        `to the application ${escapeXml(request.clientId)}; no password is asked.</p>\n` +
        `<form method="post" action="/${ENTRA_STANDIN_DIRECTORY}/oauth2/v2.0/authorize">\n${hidden}` +
        (users.length ? `<ul>\n${buttons}</ul>\n` : '<p>The stand-in has no users.</p>\n') +
        '</form>\n',
      // Chromium checks form-action against the redirect that answers the form as well
      `'self' ${request.redirectUri.origin}`,
    );
  }

  /** `POST …/authorize`: the user chose on the page; a code for the redirect URI. */
  private authorizeAs(res: ServerResponse, params: URLSearchParams): void {
    const request = this.validAuthorizeRequest(res, params);
    if (!request) return;
    const username = params.get('username') ?? '';
    const user = this.users.find((u) => u.username === username);
    if (!user)
      return this.errorPage(
        res,
        400,
        `AADSTS50034: The user account ${username ? `'${username}' ` : ''}does not exist in the directory ${ENTRA_STANDIN_DIRECTORY}. (parameter: username)`,
      );
    this.sweep();
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, {
      clientId: request.clientId,
      user,
      scope: request.scope,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
      redirectUri: request.redirectUri.href,
      codeChallenge: request.codeChallenge,
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    });
    this.redirect(res, request, { code });
  }

  /** `GET …/logout`: back to `post_logout_redirect_uri`, or a page. */
  private logout(res: ServerResponse, params: URLSearchParams): void {
    const given = params.get('post_logout_redirect_uri');
    if (given) {
      const target = httpUrl(given);
      if (!target)
        return this.errorPage(
          res,
          400,
          "The parameter 'post_logout_redirect_uri' must be an absolute http or https URL without a fragment.",
        );
      const state = params.get('state');
      if (state) target.searchParams.append('state', state);
      res.writeHead(302, { location: target.href, 'cache-control': 'no-store' }).end();
      return;
    }
    this.sendHtml(
      res,
      200,
      'Signed out — Entra ID stand-in',
      '<h1>You signed out of your account</h1>\n<p>This is the local Entra ID stand-in; you may close this window.</p>\n',
    );
  }

  /** Forgets expired codes and refresh tokens. */
  private sweep(): void {
    const now = Date.now();
    for (const [code, grant] of this.codes) if (grant.expiresAt <= now) this.codes.delete(code);
    for (const [code, expiresAt] of this.redeemed) if (expiresAt <= now) this.redeemed.delete(code);
    for (const [token, grant] of this.refreshTokens)
      if (grant.expiresAt <= now) this.refreshTokens.delete(token);
  }

  /** `POST …/token`: the answer, or an OAuthError. */
  private token(form: URLSearchParams, req: IncomingMessage): Json {
    const field = (name: string): string => {
      const value = form.get(name);
      if (!value) throw missing(name);
      return value;
    };
    const grantType = field('grant_type');
    const clientId = field('client_id');
    if (
      form.has('client_secret') ||
      form.has('client_assertion') ||
      /^Basic /i.test(req.headers.authorization ?? '')
    )
      throw new OAuthError(
        'invalid_client',
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
      );
    this.sweep();
    if (grantType === 'authorization_code') {
      const code = field('code');
      const redirectUri = field('redirect_uri');
      const verifier = field('code_verifier');
      const grant = this.codes.get(code);
      if (!grant) {
        if (this.redeemed.has(code))
          throw new OAuthError(
            'invalid_grant',
            54005,
            'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
          );
        throw new OAuthError(
          'invalid_grant',
          70000,
          "The provided value for the 'code' parameter is not valid.",
        );
      }
      // one attempt per code, successful or not
      this.codes.delete(code);
      this.redeemed.set(code, grant.expiresAt);
      if (grant.expiresAt <= Date.now())
        throw new OAuthError(
          'invalid_grant',
          70008,
          'The provided authorization code or refresh token has expired due to inactivity.',
        );
      if (grant.clientId !== clientId)
        throw new OAuthError(
          'invalid_grant',
          70000,
          `The authorization code was issued to another application than '${clientId}'.`,
        );
      if (grant.redirectUri !== redirectUri)
        throw new OAuthError(
          'invalid_grant',
          500112,
          'The reply address does not match the reply address provided when requesting Authorization code.',
        );
      const challenge = base64url(createHash('sha256').update(verifier).digest());
      if (!sameText(challenge, grant.codeChallenge))
        throw new OAuthError(
          'invalid_grant',
          501481,
          'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        );
      return this.tokens(grant, grant.scope, grant.scope.includes('offline_access'), grant.nonce);
    }
    if (grantType === 'refresh_token') {
      const token = field('refresh_token');
      const grant = this.refreshTokens.get(token);
      if (!grant || grant.expiresAt <= Date.now() || grant.clientId !== clientId)
        throw new OAuthError(
          'invalid_grant',
          70000,
          'The provided grant has expired, been revoked or is not valid for this application.',
        );
      const requested = scopesOf(form.get('scope'));
      const scope = requested.length ? requested : grant.scope;
      // rotation: the token used is no longer valid
      this.refreshTokens.delete(token);
      return this.tokens(grant, scope, true);
    }
    throw new OAuthError(
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  }

  /** The token answer for a user and a client. */
  private tokens(grant: Grant, scope: string[], refresh: boolean, nonce?: string): Json {
    const now = Math.floor(Date.now() / 1000);
    const { user, clientId } = grant;
    const api = scope.map((s) => API_SCOPE.exec(s)).filter((m): m is RegExpExecArray => m !== null);
    const audience = api[0]?.[1] ?? clientId;
    const names = api.filter((m) => m[1] === audience).map((m) => m[2]!);
    const oid = derivedGuid(`oid:${ENTRA_STANDIN_DIRECTORY}:${user.username}`);
    // pairwise, as Entra ID's sub: per application
    const sub = (app: string) =>
      base64url(
        createHash('sha256').update(`sub:${ENTRA_STANDIN_DIRECTORY}:${app}:${user.username}`).digest(),
      );
    const roles = user.roles.length ? { roles: [...user.roles] } : {};
    const times = { iat: now, nbf: now, exp: now + this.lifetime };
    const accessToken = this.jwt({
      aud: audience,
      iss: this.authority,
      ...times,
      name: user.name,
      oid,
      preferred_username: user.username,
      ...roles,
      ...(names.length ? { scp: names.join(' ') } : {}),
      sub: sub(audience),
      tid: ENTRA_STANDIN_DIRECTORY,
      azp: clientId,
      azpacr: '0',
      ver: '2.0',
    });
    const answer: Json = {
      token_type: 'Bearer',
      scope: scope.join(' '),
      expires_in: this.lifetime,
      ext_expires_in: this.lifetime,
      access_token: accessToken,
    };
    if (refresh) {
      const refreshToken = randomBytes(48).toString('base64url');
      this.refreshTokens.set(refreshToken, {
        clientId,
        user,
        scope,
        expiresAt: Date.now() + REFRESH_LIFETIME_MS,
      });
      answer.refresh_token = refreshToken;
      answer.refresh_token_expires_in = REFRESH_LIFETIME_MS / 1000;
    }
    if (scope.includes('openid'))
      answer.id_token = this.jwt({
        aud: clientId,
        iss: this.authority,
        ...times,
        name: user.name,
        ...(nonce !== undefined ? { nonce } : {}),
        oid,
        preferred_username: user.username,
        ...roles,
        sub: sub(clientId),
        tid: ENTRA_STANDIN_DIRECTORY,
        ver: '2.0',
      });
    return answer;
  }

  private jwt(claims: Json): string {
    const input = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.kid }))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${sign('sha256', Buffer.from(input), this.privateKey).toString('base64url')}`;
  }
}

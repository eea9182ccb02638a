import { EInvoiceError, transientFailure } from '../errors';
import type { SecretStore } from '../ports/certificate-store';
import { HttpTransportError, type HttpClient, type TlsSettings } from './http-client';

/** A secret, only ever named: its value comes from the secret store (Key Vault or the key folder). */
export interface SecretRef {
  secret: string;
}

export type AuthSettings =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: SecretRef }
  | { type: 'bearer'; token: SecretRef }
  | { type: 'apiKey'; value: SecretRef; header?: string; query?: string }
  | {
      type: 'oauth2';
      tokenUrl: string;
      clientId: string;
      clientSecret: SecretRef;
      scope?: string;
      audience?: string;
      /** Client credentials in the form body (default) or as HTTP Basic. */
      credentials?: 'body' | 'basic';
    };

export const SECRET_REF_SCHEMA = {
  type: 'object',
  required: ['secret'],
  additionalProperties: false,
  properties: { secret: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,126}$' } },
} as const;

/** A URL in a step: absolute, from a setting (`%NAME%`) or from a company parameter (`{company.name}`). */
export const STEP_URL_SCHEMA = {
  type: 'string',
  pattern: '^(https?://|%[A-Za-z0-9_]+%|\\{company\\.[A-Za-z0-9_]+\\})',
} as const;

/** A secret by name in a step: a name, or a company parameter naming one of its tenant's secrets. */
const STEP_SECRET_REF_SCHEMA = {
  type: 'object',
  required: ['secret'],
  additionalProperties: false,
  properties: {
    secret: { type: 'string', pattern: '^([A-Za-z0-9][A-Za-z0-9-]{0,126}|\\{company\\.[A-Za-z0-9_]+\\})$' },
  },
} as const;

function requiredFor(type: string, names: string[]) {
  return {
    if: { properties: { type: { const: type } }, required: ['type'] },
    then: { properties: Object.fromEntries(names.map((n) => [n, true])), required: names },
  };
}

/** The JSON Schema of `auth` in a step's parameters (secrets only by reference). */
export const AUTH_SCHEMA = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['none', 'basic', 'bearer', 'apiKey', 'oauth2'] },
    username: { type: 'string' },
    password: STEP_SECRET_REF_SCHEMA,
    token: STEP_SECRET_REF_SCHEMA,
    value: STEP_SECRET_REF_SCHEMA,
    header: { type: 'string', pattern: '^[A-Za-z0-9-]+$' },
    query: { type: 'string', minLength: 1 },
    tokenUrl: STEP_URL_SCHEMA,
    clientId: { type: 'string', minLength: 1 },
    clientSecret: STEP_SECRET_REF_SCHEMA,
    scope: { type: 'string' },
    audience: { type: 'string' },
    credentials: { enum: ['body', 'basic'] },
  },
  additionalProperties: false,
  allOf: [
    requiredFor('basic', ['username', 'password']),
    requiredFor('bearer', ['token']),
    requiredFor('apiKey', ['value']),
    requiredFor('oauth2', ['tokenUrl', 'clientId', 'clientSecret']),
  ],
} as const;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens are renewed this long before they expire. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * Applies a step's authentication to a request: headers (and query parameters) with the secrets read from
 * the secret store at call time. OAuth2 client-credentials tokens are cached until shortly before they
 * expire, per token endpoint, client and scope; `invalidate` drops one after the service refused it.
 */
export class Authenticator {
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly secrets: SecretStore,
    private readonly http: HttpClient,
    private readonly now: () => number = Date.now,
  ) {}

  async apply(
    auth: AuthSettings | undefined,
    headers: Record<string, string>,
    url: URL,
    options: { timeoutMs: number; tls?: TlsSettings; signal?: AbortSignal },
  ): Promise<void> {
    switch (auth?.type ?? 'none') {
      case 'none':
        return;
      case 'basic': {
        const a = auth as Extract<AuthSettings, { type: 'basic' }>;
        const password = await this.secrets.get(a.password.secret);
        headers.authorization = `Basic ${Buffer.from(`${a.username}:${password}`).toString('base64')}`;
        return;
      }
      case 'bearer': {
        const a = auth as Extract<AuthSettings, { type: 'bearer' }>;
        headers.authorization = `Bearer ${await this.secrets.get(a.token.secret)}`;
        return;
      }
      case 'apiKey': {
        const a = auth as Extract<AuthSettings, { type: 'apiKey' }>;
        const value = await this.secrets.get(a.value.secret);
        if (a.query) url.searchParams.set(a.query, value);
        else headers[(a.header ?? 'x-api-key').toLowerCase()] = value;
        return;
      }
      case 'oauth2': {
        const a = auth as Extract<AuthSettings, { type: 'oauth2' }>;
        headers.authorization = `Bearer ${(await this.token(a, options)).token}`;
        return;
      }
    }
  }

  /** Forgets the cached token of `auth` (the service answered 401 to it). */
  invalidate(auth: AuthSettings | undefined): void {
    if (auth?.type === 'oauth2') this.tokens.delete(tokenKey(auth));
  }

  private token(
    auth: Extract<AuthSettings, { type: 'oauth2' }>,
    options: { timeoutMs: number; tls?: TlsSettings; signal?: AbortSignal },
  ): Promise<CachedToken> {
    const key = tokenKey(auth);
    const cached = this.tokens.get(key);
    if (cached) {
      return cached.then((token) => {
        if (token.expiresAt - TOKEN_MARGIN_MS > this.now()) return token;
        if (this.tokens.get(key) === cached) this.tokens.delete(key);
        return this.token(auth, options);
      });
    }
    const fresh = this.fetchToken(auth, options);
    this.tokens.set(key, fresh);
    fresh.catch(() => {
      if (this.tokens.get(key) === fresh) this.tokens.delete(key);
    });
    return fresh;
  }

  private async fetchToken(
    auth: Extract<AuthSettings, { type: 'oauth2' }>,
    options: { timeoutMs: number; tls?: TlsSettings; signal?: AbortSignal },
  ): Promise<CachedToken> {
    const secret = await this.secrets.get(auth.clientSecret.secret);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (auth.credentials === 'basic') {
      const pair = `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      form.set('client_id', auth.clientId);
      form.set('client_secret', secret);
    }
    if (auth.scope) form.set('scope', auth.scope);
    if (auth.audience) form.set('audience', auth.audience);
    const host = new URL(auth.tokenUrl).host;
    let answer;
    try {
      answer = await this.http.send({
        url: auth.tokenUrl,
        method: 'POST',
        headers,
        body: Buffer.from(form.toString()),
        timeoutMs: options.timeoutMs,
        ...(options.tls ? { tls: options.tls } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof HttpTransportError)
        throw transientFailure('auth.token-unreachable', `Token endpoint ${host}: ${error.message}`, error);
      throw error;
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown } = {};
    try {
      body = JSON.parse(answer.body.toString('utf8')) as typeof body;
    } catch {
      // judged below
    }
    if (answer.status >= 500 || answer.status === 429)
      throw transientFailure(
        'auth.token-unavailable',
        `Token endpoint ${host} answered HTTP ${answer.status}`,
      );
    if (answer.status !== 200 || typeof body.access_token !== 'string') {
      const reason = typeof body.error === 'string' ? body.error : `HTTP ${answer.status}`;
      throw new EInvoiceError(
        'auth.token-refused',
        `Token endpoint ${host} refused the client credentials: ${reason}`,
      );
    }
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3600);
    return {
      token: body.access_token,
      expiresAt: this.now() + (Number.isFinite(lifetime) ? lifetime : 3600) * 1000,
    };
  }
}

function tokenKey(auth: Extract<AuthSettings, { type: 'oauth2' }>): string {
  return JSON.stringify([auth.tokenUrl, auth.clientId, auth.scope ?? '', auth.audience ?? '']);
}

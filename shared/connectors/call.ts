import { readFile } from 'node:fs/promises';
import type { ActionContext, ActionResult } from '../engine/action';
import { EInvoiceError } from '../errors';
import type { CertificateStore, SecretStore } from '../ports/certificate-store';
import { parseDuration } from '../util/duration';
import {
  AUTH_SCHEMA,
  SECRET_REF_SCHEMA,
  STEP_URL_SCHEMA,
  type Authenticator,
  type AuthSettings,
  type SecretRef,
} from './auth';
import { CIRCUIT_SCHEMA, endpointOf, type CircuitBreaker, type CircuitSettings } from './circuit-breaker';
import { HttpTransportError, type HttpAnswer, type HttpClient, type TlsSettings } from './http-client';

/** What the connector actions share: HTTP pools, authentication, circuits, certificates and secrets. */
export interface Connectors {
  http: HttpClient;
  auth: Authenticator;
  circuits: CircuitBreaker;
  certificates: CertificateStore;
  secrets: SecretStore;
  /** The service's clock (a poll's deadline, token lifetimes, circuits). */
  now: () => number;
}

/** Connection settings of a step that calls a web service (the `with` of `submit-http`, `poll-http`). */
export interface CallSettings {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Whole exchange, e.g. `30s` (default). */
  timeout?: string;
  tls?: {
    /** PEM trust anchors kept as a secret (a private CA). */
    ca?: SecretRef;
    /**
     * PEM trust anchors in a file of the operator's (`%SETTING%`: ICP-Brasil's chain for SEFAZ, a stand-in's
     * test CA); empty: none.
     */
    caFile?: string;
    /** Certificate store name of the client certificate (mutual TLS). */
    clientCertificate?: string;
    rejectUnauthorized?: boolean;
    minVersion?: 'TLSv1.2' | 'TLSv1.3';
  };
  auth?: AuthSettings;
  /** `false` turns the endpoint's circuit breaker off. */
  circuitBreaker?: CircuitSettings | false;
  /** Header that carries the idempotency key (default `Idempotency-Key`). */
  idempotencyHeader?: string;
}

export const CALL_PROPERTIES = {
  url: STEP_URL_SCHEMA,
  method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
  headers: {
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z0-9-]+$' },
    additionalProperties: { type: 'string', pattern: '^[^\\r\\n]*$' },
  },
  query: { type: 'object', additionalProperties: { type: 'string' } },
  timeout: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
  tls: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ca: SECRET_REF_SCHEMA,
      caFile: { type: 'string' },
      clientCertificate: { type: 'string', minLength: 1 },
      rejectUnauthorized: { type: 'boolean' },
      minVersion: { enum: ['TLSv1.2', 'TLSv1.3'] },
    },
  },
  auth: AUTH_SCHEMA,
  circuitBreaker: { anyOf: [{ const: false }, CIRCUIT_SCHEMA] },
  idempotencyHeader: { type: 'string', pattern: '^[A-Za-z0-9-]+$' },
} as const;

const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_MESSAGE = 500;

/** Retry-After as milliseconds (seconds or an HTTP date), capped at an hour. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 3_600_000) : undefined;
}

/** A short, readable reason from a service's error body (JSON `message`/`error`/`detail`/`title`, or text). */
export function readableReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    for (const key of ['message', 'error_description', 'error', 'detail', 'title']) {
      const value = parsed[key];
      if (typeof value === 'string') return value.slice(0, MAX_MESSAGE);
      // OData (Business Central): { "error": { "code", "message" } }
      if (
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { message?: unknown }).message === 'string'
      ) {
        const { code, message } = value as { code?: unknown; message: string };
        return `${typeof code === 'string' ? `${code}: ` : ''}${message}`.slice(0, MAX_MESSAGE);
      }
    }
  } catch {
    // not JSON: use the text
  }
  return body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_MESSAGE);
}

/**
 * One exchange with a web service, as a step's settings say: URL with query, headers, the idempotency key
 * and correlation id, TLS (trust anchors, client certificate), authentication (a refused OAuth2 token is
 * renewed once), the endpoint's circuit breaker. Returns the answer, or the step's result when there is
 * none to judge: `postponed` while the circuit is open, `transient` for transport failures.
 */
export async function callService(
  context: ActionContext,
  connectors: Connectors,
  settings: CallSettings,
  body?: { content: Buffer; contentType: string },
  codePrefix = 'submit',
): Promise<{ answer: HttpAnswer; url: URL } | { result: ActionResult }> {
  const url = new URL(settings.url);
  for (const [name, value] of Object.entries(settings.query ?? {})) url.searchParams.set(name, value);
  const circuit = settings.circuitBreaker === false ? undefined : (settings.circuitBreaker ?? {});
  const endpoint = endpointOf(url, circuit);
  if (circuit) {
    const waitMs = await connectors.circuits.waitMs(endpoint);
    if (waitMs > 0) {
      return {
        result: {
          outcome: 'transient',
          postpone: true,
          retryAfterMs: waitMs,
          code: 'circuit.open',
          message: `${url.host} is paused after repeated failures; trying again in ${Math.ceil(waitMs / 1000)} s`,
        },
      };
    }
  }
  const timeoutMs = parseDuration(settings.timeout ?? '30s');
  const tls = await tlsSettings(settings.tls, connectors);
  const exchange = async (): Promise<HttpAnswer> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(settings.headers ?? {})) headers[name.toLowerCase()] = value;
    headers[(settings.idempotencyHeader ?? 'Idempotency-Key').toLowerCase()] = context.idempotencyKey;
    headers['x-correlation-id'] = context.record.correlationId;
    if (body) headers['content-type'] = body.contentType;
    const target = new URL(url);
    await connectors.auth.apply(settings.auth, headers, target, {
      timeoutMs,
      ...(tls ? { tls } : {}),
      signal: context.signal,
    });
    return connectors.http.send({
      url: target.toString(),
      method: settings.method ?? (body ? 'POST' : 'GET'),
      headers,
      ...(body ? { body: body.content } : {}),
      timeoutMs,
      ...(tls ? { tls } : {}),
      signal: context.signal,
    });
  };
  let answer: HttpAnswer;
  try {
    answer = await exchange();
    if (answer.status === 401 && settings.auth?.type === 'oauth2') {
      connectors.auth.invalidate(settings.auth); // expired or revoked early: one fresh token
      answer = await exchange();
    }
  } catch (error) {
    if (!(error instanceof HttpTransportError)) throw error;
    if (circuit) await connectors.circuits.failure(endpoint, circuit);
    return {
      result: {
        outcome: 'transient',
        code: `${codePrefix}.${error.kind}`,
        message: `${url.host}: ${error.message}${error.mayHaveArrived ? ' (the request may have arrived)' : ''}`,
      },
    };
  }
  if (circuit) {
    if (answer.status >= 500 || answer.status === 429 || answer.status === 408)
      await connectors.circuits.failure(endpoint, circuit);
    else await connectors.circuits.success(endpoint);
  }
  return { answer, url };
}

/** The step's result for an answer that is not 2xx: transient for 408/425/429/5xx, else rejected. */
export function judgeStatus(answer: HttpAnswer, url: URL, codePrefix = 'submit'): ActionResult | undefined {
  if (answer.status >= 200 && answer.status < 300) return undefined;
  const text = answer.body.toString('utf8');
  const reason = `HTTP ${answer.status} from ${url.host}: ${readableReason(text) || 'no reason given'}`;
  if (TRANSIENT_STATUS.has(answer.status)) {
    const after = retryAfterMs(answer.headers['retry-after']);
    return {
      outcome: 'transient',
      code: `${codePrefix}.http-${answer.status}`,
      message: reason,
      ...(after ? { retryAfterMs: after } : {}),
    };
  }
  return { outcome: 'rejected', code: `${codePrefix}.http-${answer.status}`, message: reason };
}

async function tlsSettings(
  tls: CallSettings['tls'],
  connectors: Connectors,
): Promise<TlsSettings | undefined> {
  if (!tls) return undefined;
  const out: TlsSettings = {};
  if (tls.ca) out.ca = await connectors.secrets.get(tls.ca.secret);
  else if (tls.caFile) out.ca = await readCaFile(tls.caFile);
  if (tls.clientCertificate) out.clientCertificate = await connectors.certificates.get(tls.clientCertificate);
  if (tls.rejectUnauthorized !== undefined) out.rejectUnauthorized = tls.rejectUnauthorized;
  if (tls.minVersion) out.minVersion = tls.minVersion;
  return out;
}

/** An artifact's stored content type, for a body made of it. */
export function artifactContentType(context: ActionContext, name: string): string | undefined {
  return context.record.artifacts.find((a) => a.name === name)?.contentType;
}

/** A trust-anchor file, read when a step needs it: a file that cannot be read is the operator's to fix. */
async function readCaFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new EInvoiceError(
      'certificate.unavailable',
      `The trust anchors ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { retryable: true },
    );
  }
}

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { MAX_JSON_DEPTH, scanJson } from '../../shared/engine/input';
import { EInvoiceError, describeError, invalidInput, isEInvoiceError } from '../../shared/errors';
import { parseJson } from '../../shared/util/json';
import { services } from './services';
import { inInvocation } from './trace';

/** One located problem (`errors[]` of a problem answer, `details` of a batch item's error). */
export const PROBLEM_DETAIL_SCHEMA = {
  type: 'object',
  required: ['message'],
  properties: {
    path: {
      type: 'string',
      description: 'Where: a JSON path, `query limit`, `header x-einvoice-context`, `line 3`',
    },
    message: { type: 'string' },
    code: { type: 'string' },
    severity: { enum: ['warning'] },
  },
} as const;

/** The JSON Schema of a problem answer (RFC 9457 problem details with the service's extensions). */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', pattern: '^urn:einvoice:problem:', description: '`urn:einvoice:problem:{code}`' },
    title: { type: 'string', description: 'What went wrong, in a sentence' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: {
      type: 'string',
      pattern: '^[a-z0-9-]+(\\.[a-z0-9-]+)*$',
      description: 'Stable code of the problem (docs/api.md lists them)',
    },
    detail: { type: 'string', description: 'More about this occurrence, where it helps' },
    instance: { type: 'string', description: 'Id of the failed invocation, as logged (500 and 503 answers)' },
    errors: {
      type: 'array',
      description:
        'Each problem with where it is (a JSON path, `query limit`, `header x-einvoice-context`, …)',
      items: { $ref: '#/components/schemas/ProblemDetail' },
    },
  },
} as const;

/** RFC 9457 problem details for an error; internal errors say nothing about their cause. */
export function problem(error: unknown, context?: InvocationContext): HttpResponseInit {
  if (isEInvoiceError(error) && error.status < 500) {
    return {
      status: error.status,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({
        type: `urn:einvoice:problem:${error.code}`,
        title: error.message,
        status: error.status,
        code: error.code,
        ...(error.details.length > 0 ? { errors: error.details } : {}),
      }),
    };
  }
  const status = isEInvoiceError(error) ? error.status : 500;
  const { code, message } = describeError(error);
  // The instance id is in the answer and in the log line, so that a caller's report finds the cause.
  if (context) context.error(`request failed: ${code} (instance ${context.invocationId}): ${message}`);
  return {
    status,
    headers: {
      'content-type': 'application/problem+json',
      ...(status === 503 ? { 'retry-after': '5' } : {}),
    },
    body: JSON.stringify({
      type: `urn:einvoice:problem:${code}`,
      title: status === 503 ? 'Service temporarily unavailable' : 'Internal error',
      status,
      code,
      detail:
        status === 503
          ? 'Try again in a few seconds.'
          : 'The cause is logged under the instance id; quote it when reporting the problem.',
      ...(context ? { instance: context.invocationId } : {}),
    }),
  };
}

/** Who calls: the tenant, and how it was named. */
export interface Caller {
  /** Absent only from {@link caller}, for an Entra ID user of several tenants who named none. */
  tenantId?: string;
  via: 'api-key' | 'entra';
  /** Signed in with Entra ID: the user, and every tenant the user's roles grant. */
  user?: { username: string; name?: string };
  tenants?: string[];
}

const unauthenticated = (entra: boolean) =>
  new EInvoiceError(
    'auth.invalid-key',
    entra
      ? 'A valid API key (x-api-key) or Entra ID access token (Authorization: Bearer) is required'
      : 'A valid API key is required in the x-api-key header',
    { status: 401 },
  );

/**
 * The caller of a request: the tenant of its API key (`x-api-key`), or, where Entra ID sign-in is configured,
 * the user of its access token (`Authorization: Bearer`) with the tenants its `Tenant.<id>` roles grant, and
 * the one named in `x-tenant-id` or the only one. 401 without a valid key or token; 403 when the roles grant
 * no tenant of this service, or not the one named.
 */
export async function caller(request: HttpRequest): Promise<Caller> {
  const { tenants, entra } = services();
  const key = request.headers.get('x-api-key');
  if (key) {
    const tenantId = await tenants.authenticate(key);
    if (!tenantId) throw unauthenticated(entra !== undefined);
    return { tenantId, via: 'api-key' };
  }
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  if (!token || !entra) throw unauthenticated(entra !== undefined);
  const identity = await entra.verify(token);
  // only tenants that exist: a role left behind by a removed tenant grants nothing
  const granted: string[] = [];
  for (const tenantId of identity.tenants) if (await tenants.get(tenantId)) granted.push(tenantId);
  const user = { username: identity.username, ...(identity.name ? { name: identity.name } : {}) };
  if (granted.length === 0)
    throw new EInvoiceError(
      'auth.no-tenant',
      `${identity.username} has no role Tenant.<tenant id> for a tenant of this service`,
      { status: 403 },
    );
  const chosen = request.headers.get('x-tenant-id') ?? undefined;
  if (chosen !== undefined && !granted.includes(chosen))
    throw new EInvoiceError('auth.tenant-forbidden', `${identity.username} has no role Tenant.${chosen}`, {
      status: 403,
      details: [{ path: 'header x-tenant-id', message: `one of: ${granted.join(', ')}` }],
    });
  const tenantId = chosen ?? (granted.length === 1 ? granted[0] : undefined);
  return { ...(tenantId ? { tenantId } : {}), via: 'entra', user, tenants: granted };
}

/** The tenant of the request's caller (see {@link caller}); 401 or 403 otherwise. */
export async function authenticate(request: HttpRequest): Promise<string> {
  const { tenantId, user, tenants } = await caller(request);
  if (tenantId) return tenantId;
  throw new EInvoiceError(
    'auth.tenant-ambiguous',
    `${user!.username} may act for several tenants: name one in the x-tenant-id header`,
    { status: 403, details: [{ path: 'header x-tenant-id', message: `one of: ${tenants!.join(', ')}` }] },
  );
}

/** The request body, refused with 413 past the configured limit. */
export async function readBody(request: HttpRequest): Promise<Buffer> {
  const limit = services().settings.maxBodyBytes;
  const declared = Number(request.headers.get('content-length') ?? '0');
  const tooLarge = () =>
    new EInvoiceError('request.too-large', `The request body exceeds ${limit} bytes`, { status: 413 });
  if (declared > limit) throw tooLarge();
  const body = Buffer.from(await request.arrayBuffer());
  if (body.length > limit) throw tooLarge();
  return body;
}

/** JSON request text, parsed after the nesting check (a body nested too deep is refused before parsing). */
export function parseJsonBody(text: string): unknown {
  scanJson(text, MAX_JSON_DEPTH, 'JSON body', '/');
  const parsed = parseJson(text);
  if (!parsed.ok) {
    throw invalidInput('request.invalid-json', `The request body is not valid JSON: ${parsed.message}`, [
      { path: '/', message: parsed.message },
    ]);
  }
  return parsed.value;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: value, headers: { 'content-type': 'application/json', ...headers } };
}

/** Wraps an HTTP handler: authentication first, errors to problem+json. */
export function authenticated(
  handler: (request: HttpRequest, tenantId: string, context: InvocationContext) => Promise<HttpResponseInit>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return (request, context) =>
    inInvocation(context, async () => {
      try {
        const tenantId = await authenticate(request);
        return await handler(request, tenantId, context);
      } catch (error) {
        return problem(error, context);
      }
    });
}

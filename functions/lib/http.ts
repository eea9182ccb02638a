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

/** The tenant of the request's API key (`x-api-key`); 401 otherwise. */
export async function authenticate(request: HttpRequest): Promise<string> {
  const key = request.headers.get('x-api-key');
  const tenantId = key ? await services().tenants.authenticate(key) : undefined;
  if (!tenantId) {
    throw new EInvoiceError('auth.invalid-key', 'A valid API key is required in the x-api-key header', {
      status: 401,
    });
  }
  return tenantId;
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

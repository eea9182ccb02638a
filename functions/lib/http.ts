import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { EInvoiceError, describeError, isEInvoiceError } from '../../shared/errors';
import { services } from './services';

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
  const { code } = describeError(error);
  context?.error(`request failed: ${code}: ${describeError(error).message}`);
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

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: value, headers: { 'content-type': 'application/json', ...headers } };
}

/** Wraps an HTTP handler: authentication first, errors to problem+json. */
export function authenticated(
  handler: (request: HttpRequest, tenantId: string, context: InvocationContext) => Promise<HttpResponseInit>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    try {
      const tenantId = await authenticate(request);
      return await handler(request, tenantId, context);
    } catch (error) {
      return problem(error, context);
    }
  };
}

import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { FunctionRegistration, RegistrationRecorder } from '../../shared/runtime/registrations';

export interface HandlerRequest {
  method?: string;
  url?: string;
  body?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  query?: Record<string, string>;
}

export interface HandlerAnswer {
  status: number;
  headers: Record<string, string>;
  json: any;
}

/**
 * Calls an HTTP Function's handler as the Functions host would (an `HttpRequest` and an
 * `InvocationContext`), with the API key and a JSON content type unless `init.headers` says otherwise.
 */
export async function callHandler(
  registration: FunctionRegistration,
  apiKey: string,
  init: HandlerRequest = {},
): Promise<HandlerAnswer> {
  const request = new HttpRequest({
    method: init.method ?? 'GET',
    url: init.url ?? 'http://localhost/api/x',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
    ...(init.params ? { params: init.params } : {}),
    ...(init.query ? { query: init.query } : {}),
  });
  const response = (await registration.handler(
    request,
    new InvocationContext({ functionName: registration.name }),
  )) as HttpResponseInit;
  const raw =
    response.jsonBody !== undefined
      ? JSON.stringify(response.jsonBody)
      : (response.body as string | undefined);
  return {
    status: response.status ?? 200,
    headers: (response.headers ?? {}) as Record<string, string>,
    json: raw ? JSON.parse(raw) : undefined,
  };
}

/** The Function registered under `name` (from a recorder the test installed with jest.mock). */
export function registrationNamed(recorder: RegistrationRecorder, name: string): FunctionRegistration {
  const found = recorder.registrations.find((r) => r.name === name);
  if (!found) throw new Error(`no function ${name}`);
  return found;
}

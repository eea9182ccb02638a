import type { Action } from '../engine/action';
import { EInvoiceError } from '../errors';

/** Reads a JSON Pointer (RFC 6901) from a value. */
export function pointer(value: unknown, path: string): unknown {
  if (path === '') return value;
  if (!path.startsWith('/')) throw new RangeError(`JSON Pointer must start with "/": ${path}`);
  let current = value;
  for (const raw of path.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

type Outcomes = 'accepted' | 'rejected' | 'pending';

/**
 * `handle-response`: reads a JSON response a service gave and maps it to an outcome by rules in the flow:
 * the status at a JSON Pointer, matched against lists of values per outcome; the service's message and ids
 * are recorded (ids as variables for later steps). A status no rule names fails the step with that status.
 */
export const handleResponseAction: Action = {
  name: 'handle-response',
  stage: 'response',
  description: 'Map a service response to an outcome',
  paramsSchema: {
    type: 'object',
    required: ['status', 'outcomes'],
    additionalProperties: false,
    properties: {
      input: { type: 'string' },
      status: { type: 'string', pattern: '^(/.*)?$' },
      message: { type: 'string', pattern: '^(/.*)?$' },
      outcomes: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          accepted: { type: 'array', items: { type: 'string' } },
          rejected: { type: 'array', items: { type: 'string' } },
          pending: { type: 'array', items: { type: 'string' } },
        },
      },
      variables: { type: 'object', additionalProperties: { type: 'string', pattern: '^(/.*)?$' } },
    },
  },
  async run(context) {
    const input = (context.params.input as string | undefined) ?? 'submit-response.json';
    let response: unknown;
    try {
      response = JSON.parse((await context.readArtifact(input)).toString('utf8'));
    } catch (error) {
      if (error instanceof EInvoiceError) throw error;
      return { outcome: 'failed', code: 'response.invalid-json', message: `Response ${input} is not JSON` };
    }
    const status = pointer(response, context.params.status as string);
    const messagePath = context.params.message as string | undefined;
    const message = messagePath ? pointer(response, messagePath) : undefined;
    const variables: Record<string, string> = {};
    for (const [name, path] of Object.entries(
      (context.params.variables as Record<string, string> | undefined) ?? {},
    )) {
      const value = pointer(response, path);
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        variables[name] = String(value);
    }
    const outcomes = context.params.outcomes as Partial<Record<Outcomes, string[]>>;
    const text = typeof message === 'string' ? message.slice(0, 500) : undefined;
    for (const outcome of ['accepted', 'rejected', 'pending'] as const) {
      if (outcomes[outcome]?.includes(String(status))) {
        return { outcome, code: `response.${String(status)}`, ...(text ? { message: text } : {}), variables };
      }
    }
    return {
      outcome: 'failed',
      code: 'response.unknown-status',
      message: `The service answered status ${JSON.stringify(status)}, which no rule maps${text ? `: ${text}` : ''}`,
      variables,
    };
  },
};

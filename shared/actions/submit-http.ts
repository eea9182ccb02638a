import type { Action } from '../engine/action';
import { transientFailure } from '../errors';

const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_MESSAGE = 500;

/** Retry-After as milliseconds (seconds or an HTTP date), capped at an hour. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 3_600_000) : undefined;
}

/** A short, readable reason from a service's error body (JSON `message`/`error`/`detail`/`title`, or text). */
export function readableReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    for (const key of ['message', 'error', 'detail', 'title']) {
      const value = parsed[key];
      if (typeof value === 'string') return value.slice(0, MAX_MESSAGE);
    }
  } catch {
    // not JSON: use the text
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE);
}

/**
 * `submit-http`: sends an artifact to a web service. Every attempt carries the same `Idempotency-Key`
 * (tenant/document/step), so a receiver can drop a repeat. 2xx is accepted, 408/425/429/5xx and network
 * failures are transient (retried per the step's policy, honouring Retry-After), any other status rejects
 * the document with the service's message. The response body is kept as an artifact.
 */
export const submitHttpAction: Action = {
  name: 'submit-http',
  stage: 'submit',
  description: 'Submit an artifact to a web service over HTTP',
  paramsSchema: {
    type: 'object',
    required: ['url', 'input'],
    additionalProperties: false,
    properties: {
      url: { type: 'string', pattern: '^(https?://|%[A-Za-z0-9_]+%)' },
      method: { enum: ['POST', 'PUT'] },
      input: { type: 'string' },
      contentType: { type: 'string' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    },
  },
  async run(context) {
    const url = context.params.url as string;
    const input = context.params.input as string;
    const output = (context.params.output as string | undefined) ?? 'submit-response.json';
    const body = await context.readArtifact(input);
    const contentType =
      (context.params.contentType as string | undefined) ??
      context.record.artifacts.find((a) => a.name === input)?.contentType;
    let response: Response;
    try {
      response = await fetch(url, {
        method: (context.params.method as string | undefined) ?? 'POST',
        headers: {
          ...(context.params.headers as Record<string, string> | undefined),
          'content-type': contentType ?? 'application/octet-stream',
          'idempotency-key': context.idempotencyKey,
          'x-correlation-id': context.record.correlationId,
        },
        body: new Uint8Array(body),
        signal: context.signal,
      });
    } catch (error) {
      throw transientFailure(
        'submit.network',
        `Could not reach ${new URL(url).host}: ${(error as Error).message}`,
        error,
      );
    }
    const text = await response.text();
    await context.writeArtifact(
      output,
      text,
      response.headers.get('content-type') ?? 'application/octet-stream',
    );
    if (response.ok) return { outcome: 'accepted' };
    const reason = `HTTP ${response.status} from ${new URL(url).host}: ${readableReason(text) || response.statusText}`;
    if (TRANSIENT_STATUS.has(response.status)) {
      const after = retryAfterMs(response.headers.get('retry-after'));
      return {
        outcome: 'transient',
        code: `submit.http-${response.status}`,
        message: reason,
        ...(after ? { retryAfterMs: after } : {}),
      };
    }
    return { outcome: 'rejected', code: `submit.http-${response.status}`, message: reason };
  },
};

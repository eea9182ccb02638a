import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import type { SigningCredential } from '../ports/certificate-store';
import { currentTraceContext, inSpan, tracingEnabled } from '../telemetry/trace';

/** TLS settings of a connection: trust anchors, client certificate (mutual TLS), protocol floor. */
export interface TlsSettings {
  /** PEM certificates to trust instead of the system's (a private CA, a pinned self-signed server). */
  ca?: string;
  /** Presented to the server (mutual TLS). */
  clientCertificate?: SigningCredential;
  /** false only for a test receiver; never in production. Default true. */
  rejectUnauthorized?: boolean;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface HttpCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The whole exchange: connecting, sending, the answer's headers and body. */
  timeoutMs: number;
  tls?: TlsSettings;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Why no answer came: each is transient (the request may or may not have been processed). */
export type TransportFailure =
  'timeout' | 'reset' | 'refused' | 'dns' | 'tls' | 'aborted' | 'too-large' | 'other';

export class HttpTransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
    /** Whether the request may have reached the server (so it may have been processed). */
    readonly mayHaveArrived: boolean,
  ) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

const MAX_ANSWER_BYTES = 20 * 1024 * 1024;

function classify(error: unknown, timedOut: boolean, aborted: boolean): HttpTransportError {
  const code = (error as { code?: string }).code ?? '';
  const text = (error as Error).message ?? String(error);
  if (timedOut) return new HttpTransportError('timeout', 'no answer within the timeout', true);
  if (aborted) return new HttpTransportError('aborted', 'the step was stopped', true);
  if (code === 'ECONNREFUSED') return new HttpTransportError('refused', 'connection refused', false);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new HttpTransportError('dns', 'host name not found', false);
  if (/^ERR_TLS|CERT|SSL|DEPTH_ZERO|SELF_SIGNED/.test(code) || /certificate|SSL|TLS/i.test(text))
    return new HttpTransportError('tls', `TLS failed: ${code || text}`, false);
  if (
    code === 'ECONNRESET' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'EPIPE' ||
    /other side closed/i.test(text)
  )
    return new HttpTransportError('reset', 'connection closed without an answer', true);
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  )
    return new HttpTransportError(
      'timeout',
      'no answer within the timeout',
      code !== 'UND_ERR_CONNECT_TIMEOUT',
    );
  return new HttpTransportError('other', code || text, true);
}

/**
 * HTTP(S) calls to remote services: one connection pool per origin and TLS setting (client certificate,
 * trust anchors), kept alive between calls; an overall timeout per call. Answers are read whole (up to
 * 20 MiB). Transport failures are `HttpTransportError`s that say whether the request may have arrived.
 */
export class HttpClient {
  private readonly agents = new Map<string, Agent>();

  /**
   * With tracing on, each call is a client span (method, host, port and status: never the path, the query
   * or a header, which may name the document or hold a credential), and carries `traceparent`.
   */
  send(call: HttpCall): Promise<HttpAnswer> {
    if (!tracingEnabled()) return this.exchange(call);
    const url = new URL(call.url);
    const attributes = {
      'http.request.method': call.method,
      'server.address': url.hostname,
      'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      'url.scheme': url.protocol.replace(/:$/, ''),
    };
    return inSpan(call.method, { kind: 'client', attributes }, async (span) => {
      try {
        const answer = await this.exchange({
          ...call,
          headers: { ...call.headers, ...currentTraceContext() },
        });
        span.set({ 'http.response.status_code': answer.status });
        if (answer.status >= 400) span.fail(String(answer.status));
        return answer;
      } catch (error) {
        if (error instanceof HttpTransportError) span.fail(error.kind);
        throw error;
      }
    });
  }

  private async exchange(call: HttpCall): Promise<HttpAnswer> {
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;
    try {
      const answer = await request(call.url, {
        method: call.method as 'POST',
        headers: call.headers,
        ...(call.body !== undefined ? { body: call.body } : {}),
        dispatcher: this.agent(call.tls),
        signal,
        headersTimeout: call.timeoutMs,
        bodyTimeout: call.timeoutMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of answer.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_ANSWER_BYTES) {
          answer.body.destroy();
          throw new HttpTransportError('too-large', 'the answer is larger than 20 MiB', true);
        }
        chunks.push(chunk as Buffer);
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: answer.statusCode, headers, body: Buffer.concat(chunks) };
    } catch (error) {
      if (error instanceof HttpTransportError) throw error;
      throw classify(error, timeout.aborted, call.signal?.aborted === true);
    }
  }

  private agent(tls: TlsSettings | undefined): Agent {
    const key = tlsKey(tls);
    let agent = this.agents.get(key);
    if (!agent) {
      const client = tls?.clientCertificate;
      agent = new Agent({
        keepAliveTimeout: 10_000,
        connect: {
          ...(tls?.ca ? { ca: tls.ca } : {}),
          ...(client
            ? {
                key: client.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
                cert: client.certificates.map((c) => c.toString()).join('\n'),
              }
            : {}),
          rejectUnauthorized: tls?.rejectUnauthorized ?? true,
          ...(tls?.minVersion ? { minVersion: tls.minVersion } : {}),
        },
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
    this.agents.clear();
  }
}

/** One pool per distinct TLS setting; a rotated client certificate gets a pool of its own. */
function tlsKey(tls: TlsSettings | undefined): string {
  if (!tls) return 'default';
  const hash = createHash('sha256');
  hash.update(tls.ca ?? '');
  hash.update('\0');
  hash.update(tls.clientCertificate?.certificates[0]?.fingerprint256 ?? '');
  hash.update(`\0${String(tls.rejectUnauthorized ?? true)}\0${tls.minVersion ?? ''}`);
  return hash.digest('hex');
}

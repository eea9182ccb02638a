import { readLimitedBody } from './http-server';
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * What the sandbox decides for a submission: the first rule whose `contains` text is in the body (or a rule
 * without `contains`) gives the final status; without a match, the submission is accepted.
 */
export interface SandboxRule {
  contains?: string;
  status: 'accepted' | 'rejected';
  message?: string;
}

/** Faults injected into submissions, each a ratio of requests (0..1), drawn independently. */
export interface SandboxFaults {
  /** Added before every answer, in milliseconds. */
  latencyMs?: number;
  /** Answer 503 (without processing). */
  errorRatio?: number;
  /** Answer 429 with `Retry-After: retryAfterSeconds` (without processing). */
  throttleRatio?: number;
  retryAfterSeconds?: number;
  /** Never answer (the client's timeout decides). */
  timeoutRatio?: number;
  /** Close the connection without an answer, before processing. */
  dropRatio?: number;
  /** Process the submission, then close the connection without an answer: the client cannot know. */
  lostAnswerRatio?: number;
  /** Answer 200 with a body that is not JSON. */
  malformedRatio?: number;
}

export interface SandboxAuth {
  basic?: { username: string; password: string };
  bearer?: string;
  apiKey?: { header: string; value: string };
  /** Client credentials accepted at `POST /oauth/token`; its tokens are then required as bearer tokens. */
  oauth2?: { clientId: string; clientSecret: string; tokenLifetimeSeconds?: number };
}

export interface SandboxOptions {
  host?: string;
  port?: number;
  /** Status queries answer `pending` this many times before the final status (0: final at once). */
  pendingPolls?: number;
  rules?: SandboxRule[];
  faults?: SandboxFaults;
  auth?: SandboxAuth;
  /** HTTPS with this key and certificate (PEM); with `clientCa`, a client certificate signed by it is required. */
  tls?: { key: string; cert: string; clientCa?: string };
  /** Secret that webhook notifications to `POST /webhooks` are signed with (HMAC-SHA256). */
  webhookSecret?: string;
  /** Random numbers for fault injection (tests pass a seeded one); default Math.random. */
  random?: () => number;
}

interface Submission {
  id: string;
  idempotencyKey?: string;
  status: 'pending' | 'accepted' | 'rejected';
  final: 'accepted' | 'rejected';
  message?: string;
  polls: number;
  receivedAt: string;
  contentType?: string;
  size: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  clientCertificateSubject?: string;
}

export interface SandboxStats {
  requests: number;
  /** Distinct submissions processed (each idempotency key once). */
  submissions: number;
  accepted: number;
  rejected: number;
  /** Repeated submissions of a known idempotency key, answered with the first result. */
  replays: number;
  /** Submissions without an idempotency key (cannot be de-duplicated). */
  withoutKey: number;
  /**
   * Submissions whose content had been submitted before under another idempotency key (or none): the same
   * document processed twice. A client that keeps its key across attempts never causes one.
   */
  duplicates: number;
  faults: Record<string, number>;
  tokensIssued: number;
  webhooks: { received: number; verified: number };
}

const MAX_BODY = 25 * 1024 * 1024;

/**
 * `einvoice sandbox`: a local stand-in for an access point or a tax authority's API.
 *
 * - `POST /submissions` (any content): a submission id; `202 {id, status, message?}`, where status is
 *   `pending` when `pendingPolls` > 0, else the final status. An `Idempotency-Key` seen before returns the
 *   first answer again (`200`) and is counted as a replay, never as a second submission; the same content
 *   under another key (or none) is processed again and counted as a duplicate.
 * - `GET /submissions/{id}`: the status (`pending` for `pendingPolls` queries, then final); 404 when unknown.
 * - `GET /submissions?idempotencyKey=K`: the submission made with that key, or 404 (for reconciliation).
 * - `POST /soap`: the same over SOAP 1.1: the envelope's body is the submission; the answer is a SOAP
 *   envelope with `SubmitResponse/Status`, `Id` and `Message`.
 * - `POST /oauth/token`: OAuth2 client credentials grant, when `auth.oauth2` is configured.
 * - `POST /webhooks`: receives notifications, verifying their HMAC signature when `webhookSecret` is set.
 * - `GET /stats`: counters; `GET /requests`: the recorded requests (JSON, bodies base64).
 * Submissions (both routes) go through fault injection and authentication.
 */
export class Sandbox {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly byId = new Map<string, Submission>();
  private readonly byKey = new Map<string, Submission>();
  private readonly processedContent = new Set<string>();
  private duplicateCount = 0;
  private readonly tokens = new Map<string, number>();
  readonly requests: RecordedRequest[] = [];
  readonly webhooks: Array<{ headers: RecordedRequest['headers']; body: string; verified: boolean }> = [];
  private readonly counters = {
    requests: 0,
    accepted: 0,
    rejected: 0,
    replays: 0,
    withoutKey: 0,
    tokensIssued: 0,
    faults: {} as Record<string, number>,
  };
  private readonly random: () => number;
  url = '';

  constructor(readonly options: SandboxOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    const tls = this.options.tls;
    this.server = tls
      ? createHttpsServer(
          {
            key: tls.key,
            cert: tls.cert,
            ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
          handler,
        )
      : createHttpServer(handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, host, () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.url = `${tls ? 'https' : 'http'}://${host}:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  stats(): SandboxStats {
    return {
      requests: this.counters.requests,
      submissions: this.byId.size,
      accepted: this.counters.accepted,
      rejected: this.counters.rejected,
      replays: this.counters.replays,
      withoutKey: this.counters.withoutKey,
      duplicates: this.duplicateCount,
      faults: { ...this.counters.faults },
      tokensIssued: this.counters.tokensIssued,
      webhooks: {
        received: this.webhooks.length,
        verified: this.webhooks.filter((w) => w.verified).length,
      },
    };
  }

  /** Final submissions per status, for a test or a demo to compare with the documents it sent. */
  submissions(): Submission[] {
    return [...this.byId.values()];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readLimitedBody(req, MAX_BODY);
    if (body === undefined) {
      res.writeHead(413).end();
      return;
    }
    this.counters.requests++;
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const certificate = (req.socket as TLSSocket).getPeerCertificate?.();
    this.requests.push({
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      headers: { ...req.headers },
      body,
      ...(certificate?.subject ? { clientCertificateSubject: String(certificate.subject.CN) } : {}),
    });
    if (this.requests.length > 10_000) this.requests.shift();
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /stats') return json(res, 200, this.stats());
    if (route === 'GET /requests')
      return json(
        res,
        200,
        this.requests.map((r) => ({ ...r, body: r.body.toString('base64') })),
      );
    if (route === 'POST /oauth/token') return this.token(body, req, res);
    if (route === 'POST /webhooks') return this.webhook(body, req, res);
    const submitting = route === 'POST /submissions' || route === 'POST /soap';
    const querying = req.method === 'GET' && url.pathname.startsWith('/submissions');
    if (!submitting && !querying) return json(res, 404, { message: `No route ${route}` });
    if (!this.authorized(req)) {
      res.setHeader('www-authenticate', 'Bearer realm="sandbox"');
      return json(res, 401, { message: 'Not authenticated' });
    }
    if (this.options.faults?.latencyMs) await delay(this.options.faults.latencyMs);
    if (submitting && (await this.injectFault(req, res))) return;
    if (querying) return this.query(url, res);
    const key = header(req, 'idempotency-key');
    const known = key === undefined ? undefined : this.byKey.get(key);
    let submission: Submission;
    if (known) {
      this.counters.replays++;
      submission = known;
    } else {
      submission = this.process(body, key, header(req, 'content-type'));
      if (this.fault('lostAnswer', this.options.faults?.lostAnswerRatio)) {
        req.socket.destroy();
        return;
      }
    }
    if (route === 'POST /soap') return soap(res, submission);
    if (this.fault('malformed', this.options.faults?.malformedRatio)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "accep');
      return;
    }
    json(res, known ? 200 : 202, view(submission));
  }

  private process(body: Buffer, key: string | undefined, contentType: string | undefined): Submission {
    const text = body.toString('utf8');
    const rule = (this.options.rules ?? []).find(
      (r) => r.contains === undefined || text.includes(r.contains),
    );
    const final = rule?.status ?? 'accepted';
    const pending = (this.options.pendingPolls ?? 0) > 0;
    const submission: Submission = {
      id: `SBX-${randomUUID()}`,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      status: pending ? 'pending' : final,
      final,
      ...(rule?.message ? { message: rule.message } : {}),
      polls: 0,
      receivedAt: new Date().toISOString(),
      ...(contentType ? { contentType } : {}),
      size: body.length,
    };
    this.byId.set(submission.id, submission);
    if (key !== undefined) this.byKey.set(key, submission);
    else this.counters.withoutKey++;
    const digest = createHash('sha256').update(body).digest('hex');
    if (this.processedContent.has(digest)) this.duplicateCount++;
    this.processedContent.add(digest);
    if (final === 'accepted') this.counters.accepted++;
    else this.counters.rejected++;
    return submission;
  }

  private query(url: URL, res: ServerResponse): void {
    const key = url.searchParams.get('idempotencyKey');
    const id = decodeURIComponent(url.pathname.slice('/submissions/'.length));
    const submission = url.pathname === '/submissions' && key ? this.byKey.get(key) : this.byId.get(id);
    if (!submission) return json(res, 404, { message: 'No such submission' });
    if (submission.status === 'pending') {
      submission.polls++;
      if (submission.polls > (this.options.pendingPolls ?? 0)) submission.status = submission.final;
    }
    json(res, 200, view(submission));
  }

  /** Applies one injected fault, if the draw says so; true when the request was answered (or dropped). */
  private async injectFault(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const faults = this.options.faults ?? {};
    if (this.fault('dropped', faults.dropRatio)) {
      req.socket.destroy();
      return true;
    }
    if (this.fault('timeout', faults.timeoutRatio)) {
      await new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
      return true;
    }
    if (this.fault('throttled', faults.throttleRatio)) {
      res.setHeader('retry-after', String(faults.retryAfterSeconds ?? 1));
      json(res, 429, { message: 'Too many requests' });
      return true;
    }
    if (this.fault('unavailable', faults.errorRatio)) {
      json(res, 503, { message: 'Service temporarily unavailable' });
      return true;
    }
    return false;
  }

  /** Draws whether a fault happens, and counts it when it does. */
  private fault(name: string, ratio: number | undefined): boolean {
    if (!this.draw(ratio)) return false;
    this.counters.faults[name] = (this.counters.faults[name] ?? 0) + 1;
    return true;
  }

  private draw(ratio: number | undefined): boolean {
    return ratio !== undefined && ratio > 0 && this.random() < ratio;
  }

  private authorized(req: IncomingMessage): boolean {
    const auth = this.options.auth;
    if (!auth) return true;
    const authorization = header(req, 'authorization') ?? '';
    if (auth.basic) {
      const expected = `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`;
      if (sameText(authorization, expected)) return true;
    }
    if (auth.bearer && sameText(authorization, `Bearer ${auth.bearer}`)) return true;
    if (auth.apiKey && sameText(header(req, auth.apiKey.header) ?? '', auth.apiKey.value)) return true;
    if (auth.oauth2 && authorization.startsWith('Bearer ')) {
      const expires = this.tokens.get(authorization.slice('Bearer '.length));
      if (expires !== undefined && expires > Date.now()) return true;
    }
    return false;
  }

  private token(body: Buffer, req: IncomingMessage, res: ServerResponse): void {
    const oauth = this.options.auth?.oauth2;
    if (!oauth) return json(res, 404, { error: 'invalid_request' });
    const form = new URLSearchParams(body.toString('utf8'));
    let clientId = form.get('client_id') ?? '';
    let clientSecret = form.get('client_secret') ?? '';
    const basic = /^Basic (.+)$/.exec(header(req, 'authorization') ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (form.get('grant_type') !== 'client_credentials')
      return json(res, 400, { error: 'unsupported_grant_type' });
    if (!sameText(clientId, oauth.clientId) || !sameText(clientSecret, oauth.clientSecret))
      return json(res, 401, { error: 'invalid_client' });
    const lifetime = oauth.tokenLifetimeSeconds ?? 3600;
    const token = randomUUID();
    this.tokens.set(token, Date.now() + lifetime * 1000);
    this.counters.tokensIssued++;
    json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: lifetime });
  }

  private webhook(body: Buffer, req: IncomingMessage, res: ServerResponse): void {
    const text = body.toString('utf8');
    const verified =
      this.options.webhookSecret !== undefined &&
      verifyWebhookSignature(this.options.webhookSecret, text, header(req, 'einvoice-signature') ?? '');
    this.webhooks.push({ headers: { ...req.headers }, body: text, verified });
    if (this.options.webhookSecret !== undefined && !verified)
      return json(res, 401, { message: 'Signature does not verify' });
    res.writeHead(204).end();
  }
}

/**
 * Checks an `EInvoice-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` header, within
 * `toleranceSeconds` of now (replay protection). Receivers of the service's webhooks do the same.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  signature: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const parts = Object.fromEntries(
    signature.split(',').map((part) => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
    }),
  );
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return typeof parts.v1 === 'string' && sameText(parts.v1, expected);
}

function view(s: Submission) {
  return {
    id: s.id,
    status: s.status,
    ...(s.status !== 'pending' && s.message ? { message: s.message } : {}),
  };
}

function soap(res: ServerResponse, s: Submission): void {
  const message = s.status !== 'pending' && s.message ? `<Message>${escapeXml(s.message)}</Message>` : '';
  res
    .writeHead(200, { 'content-type': 'text/xml; charset=utf-8' })
    .end(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
        '<soap:Body><SubmitResponse xmlns="urn:einvoice:sandbox">' +
        `<Status>${s.status}</Status><Id>${s.id}</Id>${message}` +
        '</SubmitResponse></soap:Body></soap:Envelope>',
    );
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

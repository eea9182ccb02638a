import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { CronExpressionParser } from 'cron-parser';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from '../composition';
import type { Subscription } from '../ports/message-bus';
import { resolveSetting } from '../settings';
import { currentTraceContext, inSpan, type TraceCarrier } from '../telemetry/trace';
import { triggerOf, type FunctionRegistration } from './registrations';

interface Route {
  registration: FunctionRegistration;
  /** The route as registered: a span's name (`POST /api/invoices`), never the path with its ids. */
  template: string;
  methods: Set<string>;
  segments: string[];
  literals: number;
  /** The name of a last `{*name}` segment, which takes the rest of the path (as in the Functions host). */
  rest?: string;
}

export interface HostOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  env?: Record<string, string | undefined>;
  routePrefix?: string;
  /**
   * The HTTP Function that answers GET requests outside the route prefix (`/`, `/assets/...`), with the path
   * as its `path` parameter: the web console. Default `console`; none when no Function has that name.
   */
  rootFunction?: string;
  /**
   * The service's metrics in Prometheus' text format, served at `GET /metrics` to a service administrator's
   * API key (a tenant of EINVOICE_FEATURE_ADMINS): the metrics cover every tenant.
   */
  metrics?: () => Promise<string>;
}

function compileRoute(registration: FunctionRegistration, route: string, methods: string[]): Route {
  const segments = route.split('/').filter(Boolean);
  const rest = /^\{\*([A-Za-z0-9_]+)\}$/.exec(segments[segments.length - 1] ?? '')?.[1];
  return {
    registration,
    template: route,
    methods: new Set(methods.map((m) => m.toUpperCase())),
    segments: rest === undefined ? segments : segments.slice(0, -1),
    literals: segments.filter((s) => !s.startsWith('{')).length,
    ...(rest !== undefined ? { rest } : {}),
  };
}

function matchRoute(route: Route, parts: string[]): Record<string, string> | undefined {
  if (
    route.rest === undefined ? route.segments.length !== parts.length : parts.length < route.segments.length
  )
    return undefined;
  const params: Record<string, string> = {};
  if (route.rest !== undefined)
    params[route.rest] = parts.slice(route.segments.length).map(decodeURIComponent).join('/');
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i]!;
    const part = parts[i]!;
    if (segment.startsWith('{'))
      params[segment.slice(1, -1).replace(/[:?].*$/, '')] = decodeURIComponent(part);
    else if (segment.toLowerCase() !== part.toLowerCase()) return undefined;
  }
  return params;
}

function problem(res: ServerResponse, status: number, code: string, title: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: `urn:einvoice:problem:${code}`, title, status, code }));
}

/**
 * Runs the Function App's own registrations on one machine: HTTP triggers on a local server, Service Bus
 * triggers on the services' bus, timers on their NCRONTAB schedules. Nothing here knows a route or a topic:
 * all of it comes from the registrations, as in the Functions host.
 */
export class EmbeddedHost {
  private server: Server | undefined;
  private readonly routes: Route[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly services: Services,
    private readonly registrations: FunctionRegistration[],
    private readonly options: HostOptions = {},
  ) {}

  private setting(value: string): string {
    return resolveSetting(value, this.options.env ?? process.env);
  }

  private context(
    registration: FunctionRegistration,
    triggerMetadata?: Record<string, unknown>,
    trace?: TraceCarrier,
  ): InvocationContext {
    const logger = this.services.logger;
    return new InvocationContext({
      invocationId: randomUUID(),
      functionName: registration.name,
      ...(triggerMetadata ? { triggerMetadata } : {}),
      // as the Functions host gives its invocation's trace context to the worker
      ...(trace?.traceparent
        ? { traceContext: { traceParent: trace.traceparent, traceState: trace.tracestate ?? '' } }
        : {}),
      logHandler: (level, ...args) => {
        const message = args.map(String).join(' ');
        if (level === 'error' || level === 'critical')
          logger.error('runtime.error', { function: registration.name, message });
        else if (level === 'warning') logger.warn('runtime.error', { function: registration.name, message });
      },
    });
  }

  /** Starts every trigger; resolves with the HTTP address. */
  async start(): Promise<{ port: number; url: string }> {
    for (const registration of this.registrations) {
      const trigger = triggerOf(registration);
      switch (trigger.type.toLowerCase()) {
        case 'httptrigger':
          this.routes.push(
            compileRoute(
              registration,
              trigger.route ?? registration.name,
              trigger.methods ?? ['GET', 'POST'],
            ),
          );
          break;
        case 'servicebustrigger':
          this.subscribe(registration, trigger);
          break;
        case 'timertrigger':
          this.schedule(registration, trigger);
          break;
        default:
          throw new Error(
            `Function ${registration.name}: trigger ${trigger.type} is not supported by the embedded runtime`,
          );
      }
    }
    this.routes.sort((a, b) => b.literals - a.literals);
    const server = createServer((req, res) => {
      const work = this.serveHttp(req, res).catch(() => problem(res, 500, 'internal', 'Internal error'));
      this.track(work);
    });
    this.server = server;
    server.requestTimeout = 330_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 7071, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    return { port: address.port, url: `http://${this.options.host ?? '127.0.0.1'}:${address.port}` };
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const prefix = `/${this.options.routePrefix ?? 'api'}/`;
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname === '/metrics' && this.options.metrics) return this.serveMetrics(method, req, res);
    if (!url.pathname.startsWith(prefix)) {
      const root = this.routes.find((r) => r.registration.name === (this.options.rootFunction ?? 'console'));
      if (!root || !root.methods.has(method) || root.rest === undefined)
        return problem(res, 404, 'route.not-found', 'No such route');
      const path = url.pathname.split('/').filter(Boolean).map(decodeURIComponent).join('/');
      return this.invoke(root, { [root.rest]: path }, method, url, req, res);
    }
    const parts = url.pathname.slice(prefix.length).split('/').filter(Boolean);
    let methodMismatch = false;
    for (const route of this.routes) {
      const params = matchRoute(route, parts);
      if (!params) continue;
      if (!route.methods.has(method)) {
        methodMismatch = true;
        continue;
      }
      return this.invoke(route, params, method, url, req, res);
    }
    if (methodMismatch)
      return problem(res, 405, 'route.method-not-allowed', `Method ${method} is not allowed here`);
    return problem(res, 404, 'route.not-found', 'No such route');
  }

  /** `GET /metrics` for Prometheus: a service administrator's key, as a bearer token or in `x-api-key`. */
  private async serveMetrics(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (method !== 'GET')
      return problem(res, 405, 'route.method-not-allowed', `Method ${method} is not allowed here`);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const key = bearer ?? (req.headers['x-api-key'] as string | undefined);
    const tenantId = key ? await this.services.tenants.authenticate(key) : undefined;
    if (!tenantId)
      return problem(
        res,
        401,
        'auth.invalid-key',
        'A valid API key is required (Authorization: Bearer, or x-api-key)',
      );
    if (!this.services.settings.featureAdmins.includes(tenantId))
      return problem(
        res,
        403,
        'metrics.forbidden',
        'The metrics cover every tenant: only the tenants named in EINVOICE_FEATURE_ADMINS may read them',
      );
    const text = await this.options.metrics!();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(text);
  }

  /**
   * Calls an HTTP Function with the request, as the Functions host does, and writes its answer: in a server
   * span continuing the request's `traceparent`, when tracing is on.
   */
  private invoke(
    route: Route,
    params: Record<string, string>,
    method: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const template =
      route.registration.name === (this.options.rootFunction ?? 'console')
        ? '/'
        : `/${this.options.routePrefix ?? 'api'}/${route.template}`;
    return inSpan(
      `${method} ${template}`,
      {
        kind: 'server',
        parent: { traceparent: header('traceparent'), tracestate: header('tracestate') },
        root: true,
        attributes: { 'http.request.method': method, 'http.route': template, 'url.scheme': 'http' },
      },
      async (span) => {
        const status = await this.run(route, params, method, url, req, res);
        span.set({ 'http.response.status_code': status });
        if (status >= 500) span.fail(String(status));
      },
    );
  }

  private async run(
    route: Route,
    params: Record<string, string>,
    method: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<number> {
    const limit = this.services.settings.maxBodyBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        problem(res, 413, 'request.too-large', `The request body exceeds ${limit} bytes`);
        req.destroy();
        return 413;
      }
      chunks.push(chunk as Buffer);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request = new HttpRequest({
      method,
      url: `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`,
      headers,
      query: Object.fromEntries(url.searchParams),
      params,
      ...(chunks.length > 0 ? { body: { bytes: new Uint8Array(Buffer.concat(chunks)) } } : {}),
    });
    const context = this.context(route.registration, undefined, currentTraceContext());
    const result = (await route.registration.handler(request, context)) as
      HttpResponseInit | HttpResponse | undefined;
    const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? { status: 204 });
    const body = Buffer.from(await response.arrayBuffer());
    const outHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => (outHeaders[name] = value));
    res.writeHead(response.status, outHeaders);
    res.end(body);
    return response.status;
  }

  private subscribe(registration: FunctionRegistration, trigger: Record<string, unknown>): void {
    const topic = trigger.topicName as string | undefined;
    const destination = this.setting(topic ?? (trigger.queueName as string | undefined) ?? '');
    const subscription = topic ? this.setting(trigger.subscriptionName as string) : undefined;
    this.subscriptions.push(
      this.services.bus.subscribe(
        destination,
        subscription,
        async (message) => {
          await registration.handler(
            message.body,
            this.context(registration, {
              messageId: message.messageId,
              deliveryCount: message.deliveryCount,
              enqueuedTimeUtc: message.enqueuedAt.toISOString(),
              // as the Functions host gives a Service Bus message's application properties
              applicationProperties: message.applicationProperties ?? {},
            }),
          );
        },
        { concurrency: this.services.settings.busConcurrency },
      ),
    );
  }

  private schedule(registration: FunctionRegistration, trigger: Record<string, unknown>): void {
    const expression = CronExpressionParser.parse(this.setting(trigger.schedule as string));
    const arm = () => {
      if (this.stopped) return;
      const delay = Math.max(0, expression.next().toDate().getTime() - Date.now());
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const work = Promise.resolve(
          registration.handler({ isPastDue: false, scheduleStatus: {} }, this.context(registration)),
        ).catch((error: unknown) =>
          this.services.logger.error('runtime.error', {
            function: registration.name,
            message: (error as Error).message,
          }),
        );
        this.track(work);
        void work.finally(arm); // never two runs of one timer at once
      }, delay);
      this.timers.add(timer);
    };
    if (trigger.runOnStartup === true) {
      const work = Promise.resolve(
        registration.handler({ isPastDue: false, scheduleStatus: {} }, this.context(registration)),
      );
      this.track(work.catch(() => undefined));
    }
    arm();
  }

  /** Stops accepting work, lets running invocations finish, and closes the bus. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    // A server that never started listening (its port was taken) has nothing to close.
    const closed = new Promise<void>((resolve) =>
      this.server?.listening ? this.server.close(() => resolve()) : resolve(),
    );
    this.server?.closeIdleConnections();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.server?.closeAllConnections();
    for (const subscription of this.subscriptions) await subscription.close();
    await Promise.allSettled([...this.running]);
    await this.services.close();
  }
}

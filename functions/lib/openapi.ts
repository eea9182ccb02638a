import { app, type HttpHandler } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../shared/util/package-root';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A JSON Schema (2020-12, as OpenAPI 3.1 takes it). */
export type Schema = Record<string, unknown>;

export interface ParameterDoc {
  name: string;
  in: 'query' | 'header';
  description: string;
  schema: Schema;
  required?: boolean;
}

export interface ResponseDoc {
  description: string;
  /** Media type → schema; absent for an answer without a body. */
  content?: Record<string, Schema>;
  headers?: Record<string, { description: string; schema: Schema }>;
}

/** What the OpenAPI description says of one method of a route, declared next to its handler. */
export interface OperationDoc {
  summary: string;
  description?: string;
  /** No API key needed. */
  anonymous?: boolean;
  parameters?: ParameterDoc[];
  requestBody?: { description?: string; required?: boolean; content: Record<string, Schema> };
  /** Answers other than problems, by HTTP status. */
  responses: Record<string, ResponseDoc>;
  /** Problem codes the operation may answer, by HTTP status (besides 401, 500 and 503, which any may). */
  problems?: Record<string, string[]>;
}

export interface RouteOptions {
  route: string;
  methods: HttpMethod[];
  handler: HttpHandler;
  /** One entry for each method. */
  docs: Partial<Record<HttpMethod, OperationDoc>>;
}

interface DeclaredRoute extends RouteOptions {
  name: string;
}

const declared: DeclaredRoute[] = [];

/**
 * Registers an HTTP Function (as `app.http`) together with its description. Authentication is the
 * handler's (API key), so the Functions host lets every request through (`authLevel: anonymous`).
 */
export function httpRoute(name: string, options: RouteOptions): void {
  for (const method of options.methods) {
    if (!options.docs[method]) throw new TypeError(`Route ${name}: no description of ${method}`);
  }
  declared.push({ name, ...options });
  app.http(name, {
    route: options.route,
    methods: options.methods,
    authLevel: 'anonymous',
    handler: options.handler,
  });
}

/** Schemas shared by the operations, under `#/components/schemas/`. */
const components: Record<string, Schema> = {};

/** Adds a schema to the description's components (once per name); returns a reference to it. */
export function component(name: string, schema: Schema): Schema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  components[name] ??= rest;
  return { $ref: `#/components/schemas/${name}` };
}

let version: string | undefined;

/** The service's version (package.json). */
export function serviceVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}

const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function pathOf(route: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = route
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      // `{*path}` (the rest of the path) is described as the one parameter `{path}`.
      const param = /^\{\*?([^}:?*]+)[^}]*\}$/.exec(segment);
      if (!param) return segment;
      params.push(param[1]!);
      return `{${param[1]}}`;
    })
    .join('/');
  return { path: `/${path}`, params };
}

/** What any call with a key or token may be refused with: 403 only with an Entra ID token. */
const AUTH_PROBLEMS = {
  '401': ['auth.invalid-key', 'auth.invalid-token', 'auth.token-expired'],
  '403': ['auth.no-tenant', 'auth.tenant-ambiguous', 'auth.tenant-forbidden'],
};

function operation(route: DeclaredRoute, method: HttpMethod, params: string[]): Record<string, unknown> {
  const doc = route.docs[method]!;
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, h]) => [
                name,
                { description: h.description, schema: h.schema },
              ]),
            ),
          }
        : {}),
      ...(response.content
        ? {
            content: Object.fromEntries(
              Object.entries(response.content).map(([type, schema]) => [type, { schema }]),
            ),
          }
        : {}),
    };
  }
  const problems: Record<string, string[]> = { ...doc.problems };
  if (!doc.anonymous) {
    problems['401'] = [...AUTH_PROBLEMS['401'], ...(problems['401'] ?? [])];
    problems['403'] = [...AUTH_PROBLEMS['403'], ...(problems['403'] ?? [])];
  }
  for (const [status, codes] of Object.entries(problems)) {
    responses[status] = {
      description: `Problem: ${codes.map((c) => `\`${c}\``).join(', ')}`,
      content: PROBLEM_CONTENT,
    };
  }
  responses.default = {
    description:
      'Problem: `internal` (500), `store.contention` and `auth.provider-unavailable` (503), `route.not-found`, `route.method-not-allowed`',
    content: PROBLEM_CONTENT,
  };
  return {
    operationId: route.methods.length > 1 ? `${route.name}${capital(method)}` : route.name,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.anonymous ? { security: [] } : {}),
    parameters: [
      ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...(doc.parameters ?? []).map((p) => ({ ...p, required: p.required ?? false })),
    ],
    ...(doc.requestBody
      ? {
          requestBody: {
            ...(doc.requestBody.description ? { description: doc.requestBody.description } : {}),
            required: doc.requestBody.required ?? true,
            content: Object.fromEntries(
              Object.entries(doc.requestBody.content).map(([type, schema]) => [type, { schema }]),
            ),
          },
        }
      : {}),
    responses,
  };
}

function capital(method: string): string {
  return method[0] + method.slice(1).toLowerCase();
}

/** The OpenAPI 3.1 description of every route declared with `httpRoute`. */
export function openApiDocument(routePrefix = 'api'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of declared) {
    const { path, params } = pathOf(route.route);
    const item = (paths[path] ??= {});
    for (const method of route.methods) item[method.toLowerCase()] = operation(route, method, params);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'einvoice-service',
      version: serviceVersion(),
      description:
        'E-invoicing service: submit documents to flows, read their records and artifacts, act on them. ' +
        'Errors are RFC 9457 problem details with a stable code (docs/api.md lists every code).',
    },
    servers: [{ url: `/${routePrefix}` }],
    security: [{ apiKey: [] }, { entraId: [] }],
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        entraId: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An Entra ID access token of the configured app registration (EINVOICE_ENTRA_CLIENT_ID), whose `Tenant.<id>` app role grants the tenant; where Entra ID sign-in is configured',
        },
      },
      schemas: components,
    },
  };
}

import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { closeServer, listenTracked } from './http-server';
import { BINDING_SETTING_DEFAULTS } from '../settings';

/** Where `einvoice sandbox --authority bc` listens unless told otherwise (the runtime's defaults point here). */
export const BC_STANDIN_PORT = 7073;

/** The client id the stand-in accepts by default: the default of the setting `BC_CLIENT_ID`. */
export const BC_STANDIN_CLIENT_ID = 'einvoice-bc';

/** The name of the client secret in the runtime's secret store (the flows' `clientSecret.secret`). */
export const BC_SECRET_NAME = 'bc-client-secret';

/** A company in the stand-in's BC tenant. */
export interface BcCompany {
  /** Its id in the API (`companies({id})`), a GUID. */
  id: string;
  /** Its name; the stand-in also finds a company by name, as a setup without `bcCompanyId` names it. */
  name: string;
}

/** The company of the shipped setup `samples/edoc/bc-setup.json` (its `bcCompanyId`, its `companyId`). */
export const BC_SAMPLE_COMPANY: BcCompany = { id: '8f2d6a3e-4b1c-4e7a-9c5d-1a2b3c4d5e6f', name: 'CRONUS' };

/** Vendors the stand-in knows by default: those of the shipped samples and of the tests. */
export const BC_STANDIN_VENDORS: readonly string[] = ['V10000', 'V20000', 'V30000'];

export interface BcStandInOptions {
  /** Default 7073 (`BC_STANDIN_PORT`); 0 takes a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The runtime's data folder: without `clientSecret`, the client secret is the runtime's secret
   * `bc-client-secret` in `<dataDir>/keys/secrets/`, created (random, mode 0600) when absent.
   */
  dataDir?: string;
  /** The runtime's key folder when it is not `<dataDir>/keys` (the setting `EINVOICE_KEY_DIR`). */
  keyDir?: string;
  /** Default `einvoice-bc` (the default of `BC_CLIENT_ID`). */
  clientId?: string;
  /**
   * The client secret to accept. Without it and without `dataDir`/`keyDir`, a random one for this run
   * (`clientSecret` of the instance).
   */
  clientSecret?: string;
  /** Vendor numbers that exist; a document for another vendor is refused as BC refuses it. */
  vendors?: string[];
  /** Default: CRONUS (`BC_SAMPLE_COMPANY`). */
  companies?: BcCompany[];
  /** Lifetime of the access tokens it issues; default 3599 s, as Entra ID. */
  tokenLifetimeSeconds?: number;
}

/** A request to the API that creates something, as received. */
export interface BcCall {
  /** Relative to the API root: `companies(…)/purchaseInvoices`, `$batch`. */
  path: string;
  body: Record<string, unknown>;
}

/** A purchase invoice or credit memo the stand-in created. */
export interface BcDocumentCreated {
  id: string;
  number: string;
  companyId: string;
  kind: 'purchaseInvoices' | 'purchaseCreditMemos';
  status: 'Draft';
  body: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const API = '/api/v2.0';

/**
 * A Business Central stand-in: the Entra ID token endpoint (OAuth2 client credentials, in the form or as
 * HTTP Basic) and the API v2.0 routes the inbound flows use — `companies({id})/purchaseInvoices` and
 * `purchaseCreditMemos` (deep insert with lines and their dimension set lines), `$batch` (journal lines,
 * each request relative to the API root) — plus `GET companies`, `companies({id})`, its `vendors` and the
 * documents created. Unknown companies and vendors are refused with BC's OData errors.
 *
 * The client secret: given, or the runtime's own secret `bc-client-secret` in its key folder (created when
 * absent), read on every token request; so a runtime on its defaults and the stand-in agree without a
 * secret in any committed file.
 */
export class BcStandIn {
  readonly calls: BcCall[] = [];
  readonly documents: BcDocumentCreated[] = [];
  url = '';
  /** The secret file shared with the runtime, when it reads the secret from a key folder. */
  readonly secretFile: string | undefined;
  private secretCreated = false;
  private generatedSecret: string | undefined;
  private readonly tokens = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private readonly vendors: Set<string>;
  private readonly companies: BcCompany[];

  constructor(readonly options: BcStandInOptions = {}) {
    this.vendors = new Set(options.vendors ?? BC_STANDIN_VENDORS);
    this.companies = options.companies ?? [BC_SAMPLE_COMPANY];
    const keyDir = options.keyDir ?? (options.dataDir ? join(options.dataDir, 'keys') : undefined);
    if (options.clientSecret === undefined && keyDir)
      this.secretFile = resolve(keyDir, 'secrets', BC_SECRET_NAME);
  }

  get clientId(): string {
    return this.options.clientId ?? BC_STANDIN_CLIENT_ID;
  }

  /** The secret it accepts now (the file's content when it shares the runtime's). */
  get clientSecret(): string {
    if (this.options.clientSecret !== undefined) return this.options.clientSecret;
    if (this.secretFile) return readFileSync(this.secretFile, 'utf8').replace(/\r?\n$/, '');
    this.generatedSecret ??= randomBytes(24).toString('base64url');
    return this.generatedSecret;
  }

  /** The value for `BC_API_URL`. */
  get apiUrl(): string {
    return `${this.url}${API}`;
  }

  /** The value for `BC_TOKEN_URL`. */
  get tokenUrl(): string {
    return `${this.url}/tenant/oauth2/v2.0/token`;
  }

  /** Creates the shared secret file when needed, then listens; returns the base URL. */
  async start(): Promise<string> {
    this.ensureSecretFile();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.url = await listenTracked(
      this.server,
      this.options.port ?? BC_STANDIN_PORT,
      this.options.host ?? '127.0.0.1',
      this.sockets,
    );
    return this.url;
  }

  async stop(): Promise<void> {
    await closeServer(this.server, this.sockets);
  }

  /** What the runtime needs to call it: the settings pointing here and where the client secret is. */
  describe(): string {
    const setting = (name: string, value: string) =>
      `  ${name.padEnd(13)} ${value}${BINDING_SETTING_DEFAULTS[name] === value ? '  (its default)' : '  (set it: not the default)'}`;
    const secret = this.secretFile
      ? `the runtime's secret ${BC_SECRET_NAME}, in ${this.secretFile}${this.secretCreated ? ' (created with a random value)' : ''}`
      : this.options.clientSecret !== undefined
        ? `as given to the stand-in; the runtime needs the same value as its secret ${BC_SECRET_NAME}`
        : `random for this run, not stored (start it with the runtime's data folder to share the runtime's ${BC_SECRET_NAME})`;
    return [
      `Business Central stand-in (API v2.0) at ${this.url}`,
      'The runtime calls it with these settings:',
      setting('BC_API_URL', this.apiUrl),
      setting('BC_TOKEN_URL', this.tokenUrl),
      setting('BC_CLIENT_ID', this.clientId),
      `  client secret ${secret}`,
      `Companies: ${this.companies.map((c) => `${c.name} (id ${c.id})`).join(', ')}; companies({id}) takes the id or the name`,
      `Vendors: ${[...this.vendors].join(', ')}`,
      `Routes: POST ${this.tokenUrl.slice(this.url.length)}; GET ${API}/companies; ` +
        `POST ${API}/companies({id})/purchaseInvoices, purchaseCreditMemos; POST ${API}/$batch`,
    ].join('\n');
  }

  private ensureSecretFile(): void {
    if (!this.secretFile) return;
    mkdirSync(join(this.secretFile, '..'), { recursive: true, mode: 0o700 });
    try {
      // 'wx': a secret the runtime (or its operator) already has is kept.
      writeFileSync(this.secretFile, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
      this.secretCreated = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }

  private company(key: string): BcCompany | undefined {
    const id = key.replace(/^\{(.*)\}$/, '$1').toLowerCase();
    return this.companies.find((c) => c.id.toLowerCase() === id || c.name === key);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const odataError = (status: number, code: string, message: string) =>
      send(status, { error: { code, message } });
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = decodeURIComponent(url.pathname);

    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(path)) {
      if (req.method !== 'POST') return send(405, { error: 'invalid_request' });
      return send(...this.token(text, req.headers.authorization));
    }
    if (!path.startsWith(`${API}/`)) return odataError(404, 'BadRequest_NotFound', `No route ${path}`);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = bearer ? this.tokens.get(bearer) : undefined;
    if (expires === undefined || expires <= Date.now())
      return odataError(401, 'Unauthorized', 'The credentials provided are incorrect');
    const route = path.slice(API.length + 1);

    if (req.method === 'GET') return send(...this.read(route));
    if (req.method !== 'POST')
      return odataError(405, 'BadRequest_MethodNotAllowed', `${req.method} is not allowed on ${route}`);
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      return odataError(400, 'BadRequest_InvalidRequestBody', 'The request body is not JSON');
    }
    if (route === '$batch') {
      this.calls.push({ path: route, body });
      const requests = Array.isArray(body.requests)
        ? (body.requests as Array<{ id?: string; url?: string; body?: Json }>)
        : [];
      return send(200, {
        responses: requests.map((r) => {
          const company = /^companies\(([^)]+)\)\//.exec(r.url ?? '')?.[1];
          if (!company || !this.company(company))
            return {
              id: r.id,
              status: 404,
              body: { error: { code: 'BadRequest_NotFound', message: `No company ${company ?? ''}` } },
            };
          return { id: r.id, status: 201, body: { id: randomUUID(), ...r.body } };
        }),
      });
    }
    const create = /^companies\(([^)]+)\)\/(purchaseInvoices|purchaseCreditMemos)$/.exec(route);
    if (!create) return odataError(404, 'BadRequest_NotFound', `No route ${route}`);
    this.calls.push({ path: route, body });
    const company = this.company(create[1]!);
    if (!company) return odataError(404, 'BadRequest_NotFound', `The company ${create[1]!} does not exist`);
    const kind = create[2] as BcDocumentCreated['kind'];
    const lines = (body.purchaseInvoiceLines ?? body.purchaseCreditMemoLines) as unknown[] | undefined;
    if (!this.vendors.has(String(body.vendorNumber)))
      return odataError(
        400,
        'Internal_RecordNotFound',
        `The Vendor does not exist. Identification fields and values: No.='${String(body.vendorNumber)}'`,
      );
    if (!lines?.length) return odataError(400, 'BadRequest', 'A document needs lines');
    const created: BcDocumentCreated = {
      id: randomUUID(),
      number: `${kind === 'purchaseInvoices' ? 'PI' : 'PCM'}-${1001 + this.documents.length}`,
      companyId: company.id,
      kind,
      status: 'Draft',
      body,
    };
    this.documents.push(created);
    return send(201, { id: created.id, number: created.number, status: created.status, ...body });
  }

  /** The token endpoint: client credentials in the form or as HTTP Basic. */
  private token(form: string, authorization: string | undefined): [number, Json] {
    const fields = new URLSearchParams(form);
    let clientId = fields.get('client_id') ?? '';
    let clientSecret = fields.get('client_secret') ?? '';
    const basic = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
    if (basic) {
      const pair = Buffer.from(basic, 'base64').toString('utf8');
      const colon = pair.indexOf(':');
      clientId = decodeURIComponent(pair.slice(0, colon));
      clientSecret = decodeURIComponent(pair.slice(colon + 1));
    }
    if (fields.get('grant_type') !== 'client_credentials')
      return [400, { error: 'unsupported_grant_type', error_description: 'Only client_credentials' }];
    let expected: string;
    try {
      expected = this.clientSecret;
    } catch {
      return [401, { error: 'invalid_client', error_description: `The stand-in has no ${BC_SECRET_NAME}` }];
    }
    if (clientId !== this.clientId || !sameText(clientSecret, expected))
      return [401, { error: 'invalid_client', error_description: 'Invalid client id or secret' }];
    const lifetime = this.options.tokenLifetimeSeconds ?? 3599;
    const token = randomUUID();
    this.tokens.set(token, Date.now() + lifetime * 1000);
    return [200, { access_token: token, token_type: 'Bearer', expires_in: lifetime }];
  }

  /** GET: the companies, one company, its vendors, the documents created. */
  private read(route: string): [number, Json] {
    const notFound = (what: string): [number, Json] => [
      404,
      { error: { code: 'BadRequest_NotFound', message: `${what} does not exist` } },
    ];
    const companyJson = (c: BcCompany) => ({ id: c.id, name: c.name, displayName: c.name });
    if (route === 'companies') return [200, { value: this.companies.map(companyJson) }];
    const match = /^companies\(([^)]+)\)(?:\/(vendors|purchaseInvoices|purchaseCreditMemos))?$/.exec(route);
    if (!match) return notFound(`The route ${route}`);
    const company = this.company(match[1]!);
    if (!company) return notFound(`The company ${match[1]!}`);
    if (!match[2]) return [200, companyJson(company)];
    if (match[2] === 'vendors')
      return [200, { value: [...this.vendors].map((number) => ({ number, displayName: number })) }];
    return [
      200,
      {
        value: this.documents
          .filter((d) => d.companyId === company.id && d.kind === match[2])
          .map((d) => ({ id: d.id, number: d.number, status: d.status, ...d.body })),
      },
    ];
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BcCall {
  path: string;
  body: Record<string, unknown>;
}

/**
 * A Business Central stand-in for tests: the Entra token endpoint (client credentials) and the API v2.0
 * routes the inbound flows use, `companies({id})/purchaseInvoices`, `purchaseCreditMemos` (deep insert
 * with lines) and `$batch` (journal lines, their requests relative to the API root). Vendors it does not know are refused as BC refuses them.
 */
export class BcStandIn {
  readonly calls: BcCall[] = [];
  private readonly tokens = new Set<string>();
  private server: Server | undefined;
  private documents = 0;
  url = '';

  constructor(
    readonly client = { id: 'einvoice-bc', secret: 'bc-s3cret' },
    readonly vendors = new Set(['V10000', 'V20000', 'V30000']),
  ) {}

  get apiUrl(): string {
    return `${this.url}/api/v2.0`;
  }

  get tokenUrl(): string {
    return `${this.url}/tenant/oauth2/v2.0/token`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections(); // kept alive by the client's pool
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = decodeURIComponent(req.url ?? '');
    if (req.method === 'POST' && path === '/tenant/oauth2/v2.0/token') {
      const form = new URLSearchParams(text);
      if (form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret)
        return send(401, { error: 'invalid_client' });
      const token = randomUUID();
      this.tokens.add(token);
      return send(200, { access_token: token, token_type: 'Bearer', expires_in: 3599 });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !this.tokens.has(bearer))
      return send(401, {
        error: { code: 'Unauthorized', message: 'The credentials provided are incorrect' },
      });
    const route =
      /^\/api\/v2\.0\/(?:companies\(([^)]+)\)\/(purchaseInvoices|purchaseCreditMemos)|(\$batch))$/.exec(path);
    if (req.method !== 'POST' || !route)
      return send(404, { error: { code: 'BadRequest_NotFound', message: `No route ${path}` } });
    const body = JSON.parse(text) as Record<string, unknown>;
    this.calls.push({ path: route[3] ?? `companies(${route[1]})/${route[2]}`, body });
    if (route[3]) {
      const requests = body.requests as Array<{ id: string; url: string; body: Record<string, unknown> }>;
      return send(200, {
        responses: requests.map((r) => ({ id: r.id, status: 201, body: { id: randomUUID(), ...r.body } })),
      });
    }
    const lines = (body.purchaseInvoiceLines ?? body.purchaseCreditMemoLines) as unknown[] | undefined;
    const kind = route[2]!;
    if (!this.vendors.has(String(body.vendorNumber)))
      return send(400, {
        error: {
          code: 'Internal_RecordNotFound',
          message: `The Vendor does not exist. Identification fields and values: No.='${String(body.vendorNumber)}'`,
        },
      });
    if (!lines?.length)
      return send(400, { error: { code: 'BadRequest', message: 'A document needs lines' } });
    this.documents++;
    return send(201, {
      id: randomUUID(),
      number: `${kind === 'purchaseInvoices' ? 'PI' : 'PCM'}-${1000 + this.documents}`,
      status: 'Draft',
      ...body,
    });
  }
}

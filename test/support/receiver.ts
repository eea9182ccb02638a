import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ReceivedRequest {
  path: string;
  idempotencyKey: string | undefined;
  contentType: string | undefined;
  body: string;
}

/**
 * A receiving web service for tests: answers from a script (then with `fallback`), and counts the
 * submissions it accepted per idempotency key, so a test can prove that nothing was accepted twice.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly acceptedByKey = new Map<string, number>();
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly script: ScriptedResponse[] = [],
    private readonly fallback: ScriptedResponse = { status: 200, body: { status: 'accepted', id: 'R-1' } },
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.read(req).then((body) => {
        const key = req.headers['idempotency-key'] as string | undefined;
        this.requests.push({
          path: req.url ?? '',
          idempotencyKey: key,
          contentType: req.headers['content-type'],
          body,
        });
        const answer = this.script.shift() ?? this.fallback;
        if (answer.status >= 200 && answer.status < 300 && key)
          this.acceptedByKey.set(key, (this.acceptedByKey.get(key) ?? 0) + 1);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  private async read(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  duplicates(): number {
    return [...this.acceptedByKey.values()].filter((n) => n > 1).length;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

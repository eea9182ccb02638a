import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { provideServices } from '../functions/lib/services';
import type { DocumentRecord } from '../shared/model/record';
import { startEmbedded, type EmbeddedRuntime } from '../shared/runtime/embedded';
import { RegistrationRecorder } from '../shared/runtime/registrations';
import { eventually, onTeardown, tempDir } from './support/temp';

// The Function App's registrations, served by the embedded runtime in this process.
const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

jest.setTimeout(60_000);

const sample = JSON.parse(readFileSync(join(__dirname, '..', 'samples', 'invoice.json'), 'utf8'));
/** What the sample says that must never reach a span or a metric. */
const CONTENT = [
  sample.document.id,
  sample.document.seller.name,
  sample.document.buyer.name,
  sample.document.buyerReference,
  sample.document.orderReference,
];

/** A receiver standing in for an access point: accepts every submission, noting the trace context it came with. */
class Receiver {
  readonly traceparents: Array<string | undefined> = [];
  /** Submissions still to refuse with 503. */
  failures = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.traceparents.push(req.headers.traceparent as string | undefined);
        if (this.failures > 0) {
          this.failures--;
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'accepted', id: 'R-1' }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const spans = new InMemorySpanExporter();
const receiver = new Receiver();
let runtime: EmbeddedRuntime;

beforeAll(async () => {
  const receiverUrl = await receiver.start();
  onTeardown(() => receiver.stop());
  runtime = await startEmbedded(() => recorder.registrations, provideServices, {
    port: 0,
    dataDir: tempDir(),
    env: {
      EINVOICE_STORE: 'memory',
      EINVOICE_LOG_LEVEL: 'silent',
      EINVOICE_SIGNING_THREADS: '0',
      SANDBOX_URL: receiverUrl,
      OTEL_METRICS_EXPORTER: 'prometheus',
    },
    telemetry: { spanExporters: [spans] },
  });
  onTeardown(() => runtime.stop());
  provideServices(runtime.services);
});

async function submit(headers: Record<string, string> = {}): Promise<DocumentRecord> {
  const response = await fetch(`${runtime.url}/api/invoices?wait=30`, {
    method: 'POST',
    headers: { 'x-api-key': runtime.apiKey, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...sample, context: { ...sample.context, flowId: 'sandbox-submit' } }),
  });
  expect(response.status).toBe(200);
  const answer = (await response.json()) as { id: string; status: string };
  expect(answer.status).toBe('completed');
  return runtime.services.pipeline.get('local', answer.id);
}

/** The spans of one trace, once its last step's consumer span has ended. */
async function traceOf(traceId: string): Promise<ReadableSpan[]> {
  return eventually(async () => {
    const found = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    return found.some((s) => s.name === 'process response') ? found : undefined;
  }, 10_000);
}

function named(trace: ReadableSpan[], name: string): ReadableSpan {
  const found = trace.filter((s) => s.name === name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0]!;
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('traces', () => {
  const incoming = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
  let record: DocumentRecord;
  let trace: ReadableSpan[];

  beforeAll(async () => {
    record = await submit({ traceparent: `00-${incoming.traceId}-${incoming.spanId}-01` });
    trace = await traceOf(incoming.traceId);
  });

  it("continue the caller's traceparent: the intake request is a child of the caller's span", () => {
    const server = named(trace, 'POST /api/invoices');
    expect(parentOf(server)).toBe(incoming.spanId);
    expect(parentOf(named(trace, 'intake'))).toBe(server.spanContext().spanId);
    expect(record.traceparent).toMatch(new RegExp(`^00-${incoming.traceId}-[0-9a-f]{16}-01$`));
  });

  it('have spans for intake, each step and the submission in one trace, linked across every bus hop', () => {
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    // transform is a pure step of validate's stage: it runs in validate's delivery, with no message of its own
    const steps = ['validate', 'transform', 'sign', 'submit', 'response'];
    const chained = new Set(['transform']);
    let sender = named(trace, 'intake');
    let consumer: ReadableSpan | undefined;
    for (const step of steps) {
      const stepSpan = named(trace, `step ${step}`);
      expect(stepSpan.attributes).toMatchObject({
        'einvoice.document.id': record.id,
        'einvoice.step.id': step,
        'einvoice.outcome': 'accepted',
      });
      if (chained.has(step)) {
        // in the same consumer span as the step before
        expect(parentOf(stepSpan)).toBe(consumer!.spanContext().spanId);
      } else {
        // the step runs in its stage's consumer span, whose parent is the producer span of the message
        consumer = byId.get(parentOf(stepSpan)!)!;
        expect(consumer.name).toMatch(/^process /);
        const producer = byId.get(parentOf(consumer)!)!;
        expect(producer.name).toBe(`send ${consumer.name.slice('process '.length)}`);
        // ... sent by the intake or by the step before
        expect(parentOf(producer)).toBe(sender.spanContext().spanId);
      }
      sender = stepSpan;
    }
    // one message for each stage the document went through
    expect(trace.filter((s) => s.name.startsWith('send ')).length).toBe(steps.length - chained.size);
    const call = named(trace, 'POST');
    expect(parentOf(call)).toBe(named(trace, 'step submit').spanContext().spanId);
    expect(call.attributes).toMatchObject({
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
    });
    // the receiver was told the submission's span
    expect(receiver.traceparents).toContain(`00-${incoming.traceId}-${call.spanContext().spanId}-01`);
  });

  it('carry ids and codes, never the invoice content', () => {
    const values = trace.flatMap((s) => [s.name, ...Object.values(s.attributes).map(String)]);
    expect(values.length).toBeGreaterThan(30);
    for (const text of CONTENT) expect(values.filter((v) => v.includes(text))).toEqual([]);
  });

  it('start a new trace at the intake request when the caller sends none', async () => {
    const before = new Set(spans.getFinishedSpans().map((s) => s.spanContext().traceId));
    const second = await submit();
    const traceId = second.traceparent!.split('-')[1]!;
    expect(before.has(traceId)).toBe(false);
    const own = await traceOf(traceId);
    expect(parentOf(named(own, 'POST /api/invoices'))).toBeUndefined();
  });

  it("continue the document's trace in a retry scheduled for later", async () => {
    receiver.failures = 1;
    const retried = await submit();
    const traceId = retried.traceparent!.split('-')[1]!;
    const own = await traceOf(traceId);
    const submits = own.filter((s) => s.name === 'step submit');
    expect(submits.map((s) => [s.attributes['einvoice.attempt'], s.attributes['einvoice.outcome']])).toEqual([
      [1, 'transient'],
      [2, 'accepted'],
    ]);
    expect(submits[0]!.status.code).toBe(2); // ERROR, with the code only
    expect(submits[0]!.attributes['error.type']).toMatch(/^submit\./);
  });
});

describe('GET /metrics', () => {
  async function scrape(headers: Record<string, string>) {
    const response = await fetch(`${runtime.url}/metrics`, { headers });
    return { status: response.status, text: await response.text() };
  }

  it('answers a service administrator (tenant local) with the documented metrics, without content', async () => {
    await submit();
    const { status, text } = await scrape({ authorization: `Bearer ${runtime.apiKey}` });
    expect(status).toBe(200);
    const lines = text.split('\n');
    const sample = (prefix: string) => lines.filter((l) => l.startsWith(prefix));
    expect(sample('einvoice_documents_received_total{').join('\n')).toMatch(
      /einvoice_tenant_id="local".*einvoice_flow_id="sandbox-submit".* [1-9]/,
    );
    expect(sample('einvoice_documents_finished_total{').join('\n')).toMatch(/einvoice_outcome="completed"/);
    expect(sample('einvoice_step_duration_bucket{').join('\n')).toMatch(/einvoice_step_id="sign"/);
    // the retry of the document the receiver refused once
    expect(sample('einvoice_step_retries_total{').join('\n')).toMatch(/einvoice_action="submit-http".* 1$/);
    expect(sample('einvoice_queue_depth{').join('\n')).toMatch(/messaging_destination_name="submit"/);
    expect(sample('einvoice_queue_dead_lettered{').join('\n')).toMatch(/messaging_destination_name="submit"/);
    expect(sample('einvoice_circuit_state{')).toEqual([expect.stringMatching(/127\.0\.0\.1.* 0$/)]);
    for (const text of CONTENT) expect(lines.filter((l) => l.includes(text))).toEqual([]);
    expect(lines.filter((l) => l.includes('einvoice_document_id'))).toEqual([]);
  });

  it('refuses a request without a key (401) and the key of a tenant that does not administer the service (403)', async () => {
    expect((await scrape({})).status).toBe(401);
    const { apiKey } = await runtime.services.tenants.create('globex', 'Globex');
    const refused = await scrape({ 'x-api-key': apiKey });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({ code: 'metrics.forbidden' });
  });
});

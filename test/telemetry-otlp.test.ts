import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { telemetrySettings } from '../shared/settings';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { LogFields } from '../shared/log';
import { startTelemetry } from '../shared/telemetry';
import { inSpan } from '../shared/telemetry/trace';
import { onTeardown } from './support/temp';

/** A collector standing in for one: notes every OTLP/HTTP export it receives. */
async function collector(): Promise<{
  url: string;
  received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }>;
}> {
  const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/**
 * Exports from a Node process of its own, running the built service (dist/): the OTLP exporter loads Node's
 * http module with a dynamic import, which jest's module system does not run.
 */
function exportFrom(env: Record<string, string>): Promise<number | null> {
  const dist = join(__dirname, '..', 'dist', 'shared');
  if (!existsSync(join(dist, 'telemetry', 'setup.js')))
    throw new Error('dist/ is missing: run npm run build');
  const script = `
    const { telemetrySettings } = require(${JSON.stringify(join(dist, 'settings.js'))});
    const { startTelemetry } = require(${JSON.stringify(join(dist, 'telemetry', 'index.js'))});
    const { countReceived } = require(${JSON.stringify(join(dist, 'telemetry', 'metrics.js'))});
    const { inSpan } = require(${JSON.stringify(join(dist, 'telemetry', 'trace.js'))});
    (async () => {
      const telemetry = startTelemetry(telemetrySettings(process.env));
      await inSpan('intake', { attributes: { 'einvoice.tenant.id': 'acme' } }, async () => undefined);
      countReceived('acme', 'peppol-outbox');
      await telemetry.shutdown();
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('OTLP export', () => {
  it('sends spans to /v1/traces and metrics to /v1/metrics of OTEL_EXPORTER_OTLP_ENDPOINT, with its headers', async () => {
    const { url, received } = await collector();
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `${url}/`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k%3D1',
      OTEL_SERVICE_NAME: 'einvoice-test',
    };
    expect(telemetrySettings(env)).toMatchObject({ traces: ['otlp'], metrics: ['otlp'] });
    expect(await exportFrom(env)).toBe(0);
    const traces = received.find((r) => r.path === '/v1/traces');
    const metrics = received.find((r) => r.path === '/v1/metrics');
    expect(traces?.headers['x-collector-key']).toBe('k=1');
    expect(traces?.body).toContain('"name":"intake"');
    expect(traces?.body).toContain('einvoice-test');
    expect(metrics?.body).toContain('einvoice.documents.received');
  });
});

describe('telemetry settings', () => {
  it('set nothing up when no exporter is configured', () => {
    const settings = telemetrySettings({});
    expect(settings).toMatchObject({ traces: [], metrics: [] });
    expect(startTelemetry(settings)).toBeUndefined();
  });

  it('turn Azure Monitor on with a connection string, and let OTEL_*_EXPORTER and OTEL_SDK_DISABLED decide', () => {
    const connection = {
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
    };
    expect(telemetrySettings(connection)).toMatchObject({
      traces: ['azuremonitor'],
      metrics: ['azuremonitor'],
    });
    expect(
      telemetrySettings({ ...connection, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'prometheus' }),
    ).toMatchObject({
      traces: [],
      metrics: ['prometheus'],
    });
    expect(telemetrySettings({ ...connection, OTEL_SDK_DISABLED: 'true' })).toMatchObject({
      traces: [],
      metrics: [],
    });
  });

  it('refuse an unknown exporter, an endpoint that is not a URL and a ratio outside 0 to 1', () => {
    expect(() => telemetrySettings({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /^Setting OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/,
    );
    // a signal's own endpoint is named when it is the one that is wrong
    expect(() =>
      telemetrySettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'collector:4318/v1/metrics',
      }),
    ).toThrow(/^Setting OTEL_EXPORTER_OTLP_METRICS_ENDPOINT must be an http\(s\) URL/);
    expect(
      telemetrySettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces',
      }),
    ).toMatchObject({
      otlpTracesUrl: 'http://traces:4318/v1/traces',
      otlpMetricsUrl: 'http://collector:4318/v1/metrics',
    });
    expect(() => telemetrySettings({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/from 0 to 1/);
  });
});

describe('the SDK', () => {
  it("reports an export that failed in the service's log", async () => {
    const warnings: LogFields[] = [];
    const logger = {
      info: () => undefined,
      warn: (_: string, f: LogFields = {}) => void warnings.push(f),
      error: () => undefined,
    };
    const unreachable: SpanExporter = {
      // 1: ExportResultCode.FAILED
      export: (_spans, done) => done({ code: 1, error: new Error('collector unreachable') }),
      shutdown: () => Promise.resolve(),
    };
    const telemetry = startTelemetry(telemetrySettings({}), { spanExporters: [unreachable], logger })!;
    onTeardown(() => telemetry.shutdown());
    await inSpan('intake', {}, async () => undefined);
    await telemetry.flush();
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'telemetry',
        message: expect.stringContaining('collector unreachable'),
      }),
    ]);
  });
});

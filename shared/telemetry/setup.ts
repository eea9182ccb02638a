import * as api from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import type { TelemetrySettings } from '../settings';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root';
import { useMeter } from './metrics';
import { useTracer } from './trace';
import type { Telemetry, TelemetryOptions } from './index';

function sampler(settings: TelemetrySettings): Sampler {
  const ratio = new TraceIdRatioBasedSampler(settings.samplerRatio);
  switch (settings.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** Azure Monitor's exporters, loaded only when a connection string asks for them (their SDK is large). */
function azureMonitor(settings: TelemetrySettings): typeof import('../adapters/azure-monitor') {
  if (!settings.azureMonitorConnectionString)
    throw new RangeError('azuremonitor exporters need APPLICATIONINSIGHTS_CONNECTION_STRING');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../adapters/azure-monitor') as typeof import('../adapters/azure-monitor');
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The SDK reports an exception as its JSON (stack included): its message says enough. */
function errorText(message: string): string {
  try {
    const parsed: unknown = JSON.parse(message);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'message' in parsed &&
      typeof parsed.message === 'string'
    )
      return parsed.message;
  } catch {
    // not JSON: the message as it is
  }
  return message;
}

let running = false;

/**
 * Sets up the OpenTelemetry SDK: a tracer provider (registered globally, with the async-hooks context
 * manager that carries the active span across awaits) and a meter provider with the configured exporters.
 * One per process; `shutdown` flushes, unregisters and allows another (tests start several runtimes).
 */
export function start(settings: TelemetrySettings, options: TelemetryOptions = {}): Telemetry {
  if (running) throw new Error('Telemetry is already set up in this process');
  running = true;
  if (options.logger) {
    const logger = options.logger;
    // the SDK's complaints (an export that failed) in the service's log, once per occurrence, cut short
    const warn = (message: string) =>
      logger.warn('runtime.error', { code: 'telemetry', message: errorText(message).slice(0, 500) });
    api.diag.setLogger(
      { error: warn, warn, info: () => undefined, debug: () => undefined, verbose: () => undefined },
      { logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  const version = packageVersion();
  const resource = resourceFromAttributes({
    'service.name': settings.serviceName,
    'service.version': version,
  });
  const processors: SpanProcessor[] = [];
  for (const exporter of settings.traces) {
    const spans: SpanExporter =
      exporter === 'otlp'
        ? new OTLPTraceExporter({ url: settings.otlpTracesUrl, headers: settings.otlpHeaders })
        : azureMonitor(settings).azureMonitorTraceExporter(settings);
    processors.push(new BatchSpanProcessor(spans));
  }
  for (const exporter of options.spanExporters ?? []) processors.push(new SimpleSpanProcessor(exporter));
  let tracerProvider: NodeTracerProvider | undefined;
  if (processors.length > 0) {
    tracerProvider = new NodeTracerProvider({
      resource,
      sampler: sampler(settings),
      spanProcessors: processors,
    });
    // Context only: the service carries W3C trace context itself (shared/telemetry/trace.ts), and no baggage.
    tracerProvider.register({ propagator: null });
    useTracer(api, tracerProvider.getTracer('einvoice', version));
  }
  const readers: IMetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  for (const exporter of settings.metrics) {
    if (exporter === 'prometheus') {
      // Served by the embedded runtime on its own port (GET /metrics), not by a server of the exporter's.
      prometheus = new PrometheusExporter({ preventServerStart: true });
      readers.push(prometheus);
      continue;
    }
    const push: PushMetricExporter =
      exporter === 'otlp'
        ? new OTLPMetricExporter({ url: settings.otlpMetricsUrl, headers: settings.otlpHeaders })
        : azureMonitor(settings).azureMonitorMetricExporter(settings);
    readers.push(
      new PeriodicExportingMetricReader({ exporter: push, exportIntervalMillis: settings.metricIntervalMs }),
    );
  }
  readers.push(...(options.metricReaders ?? []));
  let meterProvider: MeterProvider | undefined;
  if (readers.length > 0) {
    meterProvider = new MeterProvider({ resource, readers });
    useMeter(meterProvider.getMeter('einvoice', version));
  }
  const serializer = new PrometheusSerializer();
  return {
    tracing: tracerProvider !== undefined,
    ...(prometheus
      ? {
          prometheus: async () => {
            const { resourceMetrics } = await prometheus.collect();
            return serializer.serialize(resourceMetrics);
          },
        }
      : {}),
    // An export that fails is the SDK's to report (to the logger); it never fails the service's own work.
    flush: async () => {
      await Promise.allSettled([tracerProvider?.forceFlush(), meterProvider?.forceFlush()]);
    },
    shutdown: async () => {
      useTracer(undefined);
      useMeter(undefined);
      await Promise.allSettled([tracerProvider?.shutdown(), meterProvider?.shutdown()]);
      if (tracerProvider) {
        api.trace.disable();
        api.context.disable();
      }
      if (options.logger) api.diag.disable();
      running = false;
    },
  };
}

import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { Logger } from '../log';
import type { TelemetrySettings } from '../settings';

/** Exporters a test adds to those of the settings (an in-memory span exporter, a metric reader). */
export interface TelemetryOptions {
  spanExporters?: SpanExporter[];
  metricReaders?: MetricReader[];
  /** Where the SDK's own warnings and errors go (an exporter that cannot reach its collector). */
  logger?: Logger;
}

/** The SDK while it runs. */
export interface Telemetry {
  /** Whether spans are recorded. */
  tracing: boolean;
  /** The metrics in Prometheus' text format, when `prometheus` is one of the metric exporters. */
  prometheus?: () => Promise<string>;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Exports what is buffered and stops; the service runs on with telemetry off. */
  shutdown(): Promise<void>;
}

/**
 * Sets up traces and metrics as the settings ask, or does nothing (undefined) when no exporter is
 * configured: the SDK and the exporters are then not even loaded, which saves start-up time.
 */
export function startTelemetry(
  settings: TelemetrySettings,
  options: TelemetryOptions = {},
): Telemetry | undefined {
  const wanted =
    settings.traces.length > 0 ||
    settings.metrics.length > 0 ||
    (options.spanExporters?.length ?? 0) > 0 ||
    (options.metricReaders?.length ?? 0) > 0;
  if (!wanted) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const setup = require('./setup') as typeof import('./setup');
  return setup.start(settings, options);
}

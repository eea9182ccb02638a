import { createServices, type Services } from '../../shared/composition';
import { loadSettings } from '../../shared/settings';
import { startTelemetry, type Telemetry } from '../../shared/telemetry';

let current: Services | undefined;
let telemetry: Telemetry | undefined;

/**
 * The services every Function uses, built once per process from the App Settings, with traces and metrics
 * when an exporter is configured (in Azure: Application Insights). The embedded runtime and tests provide
 * their own (same factory, other adapters) before the first invocation.
 */
export function services(): Services {
  if (!current) {
    const settings = loadSettings();
    current = createServices(settings);
    telemetry ??= startTelemetry(settings.telemetry, { logger: current.logger });
  }
  return current;
}

export function provideServices(services: Services | undefined): void {
  current = services;
}

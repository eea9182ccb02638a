import { ManagedIdentityCredential } from '@azure/identity';
import { AzureMonitorMetricExporter, AzureMonitorTraceExporter } from '@azure/monitor-opentelemetry-exporter';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { TelemetrySettings } from '../settings';

/**
 * Application Insights' ingestion, with Entra ID authentication when
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING says `Authorization=AAD` (the Function App's managed identity,
 * `ClientId=` naming a user-assigned one), as infra/main.bicep configures it.
 */
function options(settings: TelemetrySettings): ConstructorParameters<typeof AzureMonitorTraceExporter>[0] {
  const authentication = settings.azureMonitorAuthentication ?? '';
  const clientId = /(?:^|;)\s*ClientId=([^;]+)/i.exec(authentication)?.[1]?.trim();
  return {
    connectionString: settings.azureMonitorConnectionString!,
    ...(/(?:^|;)\s*Authorization=AAD/i.test(authentication)
      ? {
          credential: clientId
            ? new ManagedIdentityCredential({ clientId })
            : new ManagedIdentityCredential(),
        }
      : {}),
  };
}

export function azureMonitorTraceExporter(settings: TelemetrySettings): SpanExporter {
  return new AzureMonitorTraceExporter(options(settings));
}

export function azureMonitorMetricExporter(settings: TelemetrySettings): PushMetricExporter {
  return new AzureMonitorMetricExporter(options(settings));
}

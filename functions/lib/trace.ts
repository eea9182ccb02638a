import type { InvocationContext } from '@azure/functions';
import {
  carriedTraceContext,
  inSpan,
  tracingEnabled,
  underRemoteParent,
  type SpanAttributes,
  type TraceCarrier,
} from '../../shared/telemetry/trace';

/**
 * The trace an invocation continues: a message's application properties (`traceparent`, else a W3C
 * `Diagnostic-Id`) as the trigger metadata carries them, else the host's own trace context of the
 * invocation (the Functions host, or the embedded runtime's HTTP server span).
 */
export function invocationTrace(context: InvocationContext): TraceCarrier | undefined {
  const metadata = context.triggerMetadata ?? {};
  const properties = (metadata.applicationProperties ??
    metadata.ApplicationProperties ??
    metadata.userProperties) as Record<string, unknown> | undefined;
  const carried =
    properties &&
    carriedTraceContext((name) => (typeof properties[name] === 'string' ? properties[name] : undefined));
  if (carried) return carried;
  const host = context.traceContext;
  return host?.traceParent
    ? { traceparent: host.traceParent, ...(host.traceState ? { tracestate: host.traceState } : {}) }
    : undefined;
}

/** A message handler's work in a consumer span `process {destination}`, a child of the sender's span. */
export function consuming<T>(
  destination: string,
  context: InvocationContext,
  attributes: SpanAttributes,
  work: () => Promise<T>,
): Promise<T> {
  // tracing off: not even the trigger's metadata is read
  if (!tracingEnabled()) return work();
  return inSpan(
    `process ${destination}`,
    {
      kind: 'consumer',
      parent: invocationTrace(context),
      root: true,
      attributes: { 'messaging.destination.name': destination, ...attributes },
    },
    work,
  );
}

/** An HTTP handler's work under the invocation's trace (the spans of the use case it calls join it). */
export function inInvocation<T>(context: InvocationContext, work: () => Promise<T>): Promise<T> {
  return tracingEnabled() ? underRemoteParent(invocationTrace(context), work) : work();
}

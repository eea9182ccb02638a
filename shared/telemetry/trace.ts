import type * as Api from '@opentelemetry/api';
import { isEInvoiceError } from '../errors';

/**
 * Spans of the service, through the OpenTelemetry API. Nothing here loads the API: the SDK set-up
 * (`./setup`, loaded only when an exporter is configured) hands it over with its tracer. While tracing is
 * off each function here is one check of a variable, so the pipeline pays nothing for it.
 *
 * Attributes are ids, codes, names of steps and destinations, counts and durations: never document
 * content, party names, amounts, URLs' paths or queries, header values or error messages (which may quote
 * the document). docs/observability.md lists them.
 */
interface Tracing {
  api: typeof Api;
  tracer: Api.Tracer;
}

let tracing: Tracing | undefined;

/** Called by the SDK set-up (and with `undefined` at its shutdown). */
export function useTracer(api: typeof Api | undefined, tracer?: Api.Tracer): void {
  tracing = api && tracer ? { api, tracer } : undefined;
}

export function tracingEnabled(): boolean {
  return tracing !== undefined;
}

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** W3C trace context as it travels in HTTP headers and message application properties. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** What the span's work reports back to it. */
export interface SpanHandle {
  set(attributes: SpanAttributes): void;
  /** Marks the span failed with a stable code (never a message). */
  fail(code: string): void;
}

const NO_SPAN: SpanHandle = { set: () => undefined, fail: () => undefined };

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;

/** The span context a `traceparent` (and `tracestate`) names, or undefined when it is not a valid one. */
function parse(api: typeof Api, carrier: TraceCarrier): Api.SpanContext | undefined {
  const match = carrier.traceparent ? TRACEPARENT.exec(carrier.traceparent.trim()) : null;
  if (!match || match[1] === 'ff' || (match[1] === '00' && carrier.traceparent!.trim().length !== 55))
    return undefined;
  const spanContext: Api.SpanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: parseInt(match[4]!, 16) & 1,
    isRemote: true,
  };
  if (!api.isSpanContextValid(spanContext)) return undefined;
  if (carrier.tracestate) {
    const state = api.createTraceState(carrier.tracestate);
    if (state.serialize() !== '') spanContext.traceState = state;
  }
  return spanContext;
}

function format(spanContext: Api.SpanContext): TraceCarrier {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const state = spanContext.traceState?.serialize();
  return {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
    ...(state ? { tracestate: state } : {}),
  };
}

/** The W3C context of the active span, to send along (a message, an outbound request); undefined when off. */
export function currentTraceContext(): TraceCarrier | undefined {
  if (!tracing) return undefined;
  const span = tracing.api.trace.getActiveSpan();
  const spanContext = span?.spanContext();
  return spanContext && tracing.api.isSpanContextValid(spanContext) ? format(spanContext) : undefined;
}

/**
 * A message's application properties with the active trace context added (`traceparent`, `tracestate`);
 * the properties unchanged when tracing is off.
 */
export function withTraceContext(
  properties: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> | undefined {
  const carrier = currentTraceContext();
  return carrier ? { ...properties, ...(carrier as Record<string, string>) } : properties;
}

/**
 * The trace context a message or request carries: `traceparent`/`tracestate`, else a W3C `Diagnostic-Id`
 * (what Azure SDKs and the Functions host set on Service Bus messages).
 */
export function carriedTraceContext(get: (name: string) => string | undefined): TraceCarrier | undefined {
  const traceparent = get('traceparent') ?? get('Diagnostic-Id');
  if (!traceparent || !TRACEPARENT.test(traceparent)) return undefined;
  const tracestate = get('tracestate');
  return { traceparent, ...(tracestate ? { tracestate } : {}) };
}

export interface SpanOptions {
  kind?: SpanKindName;
  attributes?: SpanAttributes;
  /**
   * The remote parent (an incoming request's or message's context, a document's intake). Used when there is
   * no active span, and with `preferParent` when the active span belongs to another trace.
   */
  parent?: TraceCarrier;
  /**
   * Start under `parent` even inside another trace, linking the active span instead: work for a document
   * (a re-drive by the timer, a resubmission) continues the document's own trace.
   */
  preferParent?: boolean;
  /**
   * Start a trace of its own, or continue `parent`, whatever the active context: a received message or
   * request. (A bus delivers from timers and callbacks that may still hold an unrelated sender's context.)
   */
  root?: boolean;
}

function kindOf(api: typeof Api, kind: SpanKindName | undefined): Api.SpanKind {
  switch (kind) {
    case 'server':
      return api.SpanKind.SERVER;
    case 'client':
      return api.SpanKind.CLIENT;
    case 'producer':
      return api.SpanKind.PRODUCER;
    case 'consumer':
      return api.SpanKind.CONSUMER;
    default:
      return api.SpanKind.INTERNAL;
  }
}

function clean(attributes: SpanAttributes | undefined): Api.Attributes | undefined {
  if (!attributes) return undefined;
  const out: Api.Attributes = {};
  for (const name in attributes) {
    const value = attributes[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Runs `work` in a span (the active one while it runs). A throw marks the span failed with the error's
 * code (`internal` for anything but an EInvoiceError) and goes on.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: SpanHandle) => Promise<T>,
): Promise<T> {
  if (!tracing) return work(NO_SPAN);
  const { api, tracer } = tracing;
  const active = options.root ? api.ROOT_CONTEXT : api.context.active();
  const current = api.trace.getSpan(active)?.spanContext();
  const carried = options.parent?.traceparent;
  let parent = active;
  let links: Api.Link[] | undefined;
  // the remote parent counts without an active span, or (preferParent) when the active one is of another
  // trace; the trace id sits at characters 3 to 35 of a traceparent
  if (carried && (!current || (options.preferParent && carried.slice(3, 35) !== current.traceId))) {
    const remote = parse(api, options.parent!);
    if (remote) {
      if (current) links = [{ context: current }];
      parent = api.trace.setSpanContext(active, remote);
    }
  }
  const span = tracer.startSpan(
    name,
    {
      kind: kindOf(api, options.kind),
      ...(options.attributes ? { attributes: clean(options.attributes) } : {}),
      ...(links ? { links } : {}),
    },
    parent,
  );
  let failed = false;
  const handle: SpanHandle = {
    set: (attributes) => span.setAttributes(clean(attributes)!),
    fail: (code) => {
      failed = true;
      markFailed(api, span, code);
    },
  };
  try {
    return await api.context.with(api.trace.setSpan(parent, span), () => work(handle));
  } catch (error) {
    // the work's own code, when it gave one, says more than the error's type
    if (!failed) handle.fail(isEInvoiceError(error) ? error.code : 'internal');
    throw error;
  } finally {
    span.end();
  }
}

/** Adds attributes to the active span, if there is one. */
export function annotateSpan(attributes: SpanAttributes): void {
  if (!tracing) return;
  tracing.api.trace.getActiveSpan()?.setAttributes(clean(attributes)!);
}

/** Marks the active span failed with a stable code (never a message), if there is one. */
export function failSpan(code: string): void {
  const span = tracing?.api.trace.getActiveSpan();
  if (span) markFailed(tracing!.api, span, code);
}

function markFailed(api: typeof Api, span: Api.Span, code: string): void {
  span.setAttribute('error.type', code);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
}

/**
 * Runs `work` under a remote parent when no span is active (an invocation whose host traced the request:
 * the work's spans become the host's children), else as it is.
 */
export function underRemoteParent<T>(parent: TraceCarrier | undefined, work: () => Promise<T>): Promise<T> {
  if (!tracing || !parent) return work();
  const { api } = tracing;
  const active = api.context.active();
  const remote = parse(api, parent);
  if (!remote || api.trace.getSpan(active)) return work();
  return api.context.with(api.trace.setSpanContext(active, remote), work);
}

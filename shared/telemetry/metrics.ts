import type * as Api from '@opentelemetry/api';
import type { QueueStats } from '../ports/message-bus';

/**
 * The service's metrics, through the OpenTelemetry API. As with spans, nothing is loaded or recorded until
 * the SDK set-up hands a meter over. Attributes are bounded: tenant, flow, step and action ids, outcomes,
 * destinations, circuit endpoints. Document ids never are (one series per document would have no bound).
 * docs/observability.md lists every metric.
 */
export type CircuitStateName = 'closed' | 'half-open' | 'open';

/** What the observable gauges read at each collection. */
export interface MetricSources {
  queues?: () => Promise<QueueStats[]>;
  circuits?: () => Array<{ endpoint: string; state: CircuitStateName }>;
}

interface Instruments {
  received: Api.Counter;
  finished: Api.Counter;
  stepDuration: Api.Histogram;
  retries: Api.Counter;
}

const CIRCUIT_VALUE: Record<CircuitStateName, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Step durations span milliseconds (validation) to a minute (a slow authority). */
const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

let instruments: Instruments | undefined;
const sources = new Set<MetricSources>();

/** Called by the SDK set-up with its meter (and with `undefined` at its shutdown). */
export function useMeter(meter: Api.Meter | undefined): void {
  if (!meter) {
    instruments = undefined;
    return;
  }
  instruments = {
    received: meter.createCounter('einvoice.documents.received', {
      description: 'Documents taken in',
      unit: '{document}',
    }),
    finished: meter.createCounter('einvoice.documents.finished', {
      description: 'Documents that reached a final status, by that status (outcome)',
      unit: '{document}',
    }),
    stepDuration: meter.createHistogram('einvoice.step.duration', {
      description: 'Time a step took to run its action, by outcome',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    }),
    // every attempt is counted by the duration histogram; this counts the retries alone (few), so that a
    // step's first attempts cost one recording, not two
    retries: meter.createCounter('einvoice.step.retries', {
      description: 'Attempts of steps after their first (retries), by outcome',
      unit: '{attempt}',
    }),
  };
  const depth = meter.createObservableGauge('einvoice.queue.depth', {
    description: 'Messages not yet settled per queue or topic subscription',
    unit: '{message}',
  });
  const dead = meter.createObservableGauge('einvoice.queue.dead_lettered', {
    description: 'Messages in the dead letters per queue or topic subscription',
    unit: '{message}',
  });
  const circuit = meter.createObservableGauge('einvoice.circuit.state', {
    description: 'Circuit of a remote endpoint as this process last saw it: 0 closed, 1 half-open, 2 open',
    unit: '1',
  });
  meter.addBatchObservableCallback(
    async (result) => {
      for (const source of sources) {
        for (const queue of (await source.queues?.().catch(() => [])) ?? []) {
          const attributes = {
            'messaging.destination.name': queue.destination,
            ...(queue.subscription ? { 'messaging.destination.subscription.name': queue.subscription } : {}),
          };
          result.observe(depth, queue.depth, attributes);
          result.observe(dead, queue.deadLettered, attributes);
        }
        for (const { endpoint, state } of source.circuits?.() ?? [])
          result.observe(circuit, CIRCUIT_VALUE[state], { 'einvoice.circuit.endpoint': endpoint });
      }
    },
    [depth, dead, circuit],
  );
}

/** Adds what the gauges read (a composition's bus and circuit breaker); returns its removal. */
export function addMetricSources(source: MetricSources): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

export function countReceived(tenantId: string, flowId: string): void {
  instruments?.received.add(1, { 'einvoice.tenant.id': tenantId, 'einvoice.flow.id': flowId });
}

export function countFinished(tenantId: string, flowId: string, outcome: string): void {
  instruments?.finished.add(1, {
    'einvoice.tenant.id': tenantId,
    'einvoice.flow.id': flowId,
    'einvoice.outcome': outcome,
  });
}

export function recordStep(
  step: { flowId: string; stepId: string; action: string; attempt: number },
  outcome: string,
  durationMs: number,
): void {
  if (!instruments) return;
  const attributes = {
    'einvoice.flow.id': step.flowId,
    'einvoice.step.id': step.stepId,
    'einvoice.action': step.action,
    'einvoice.outcome': outcome,
  };
  instruments.stepDuration.record(durationMs / 1000, attributes);
  if (step.attempt > 1) instruments.retries.add(1, attributes);
}

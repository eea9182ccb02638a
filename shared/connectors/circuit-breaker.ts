import { createHash } from 'node:crypto';
import { ConcurrencyError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { parseDuration } from '../util/duration';

export interface CircuitSettings {
  /** Endpoints that share a name share a circuit. Default: the URL's origin. */
  name?: string;
  /** Consecutive transient failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit pauses the endpoint. Default 30s. */
  openFor?: string;
}

export const CIRCUIT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    failureThreshold: { type: 'integer', minimum: 1, maximum: 1000 },
    openFor: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
  },
} as const;

interface CircuitState {
  endpoint: string;
  /** Transient failures since the last success. */
  failures: number;
  /** While in the future, calls wait. */
  openUntil?: string;
  updatedAt: string;
}

const TRIES = 5;

/**
 * A circuit breaker per endpoint (by default the origin: scheme, host and port), its state in the object store
 * (`circuits/{sha256}.json`) so that every stage instance sees it. After `failureThreshold` transient
 * failures in a row the endpoint is paused for `openFor`: documents wait (without spending attempts)
 * instead of calling. When the pause is over, calls go through again; the first failure opens the circuit
 * again at once, the first success closes it (a half-open state shared by all instances, not a single
 * probe).
 */
export class CircuitBreaker {
  /** Each endpoint's circuit as this process last saw it: what the `einvoice.circuit.state` gauge reports. */
  private readonly seen = new Map<string, 'closed' | 'half-open' | 'open'>();

  constructor(
    private readonly objects: ObjectStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the endpoint may be called, or 0 when it may be called now. */
  async waitMs(endpoint: string): Promise<number> {
    const state = await this.read(endpoint);
    const until = state?.value.openUntil ? Date.parse(state.value.openUntil) : 0;
    const waitMs = Math.max(0, until - this.now());
    // past its pause, a circuit that opened lets calls through until the next result decides
    this.seen.set(endpoint, waitMs > 0 ? 'open' : until > 0 ? 'half-open' : 'closed');
    return waitMs;
  }

  /** The endpoints this process called and their circuits, as last seen. */
  states(): Array<{ endpoint: string; state: 'closed' | 'half-open' | 'open' }> {
    return [...this.seen].map(([endpoint, state]) => ({ endpoint, state }));
  }

  async success(endpoint: string): Promise<void> {
    this.seen.set(endpoint, 'closed');
    await this.change(endpoint, (s) =>
      s.failures === 0 && !s.openUntil ? undefined : { ...s, failures: 0, openUntil: undefined },
    );
  }

  /** Counts a transient failure; returns true when this one opened the circuit. */
  async failure(endpoint: string, settings: CircuitSettings): Promise<boolean> {
    const threshold = settings.failureThreshold ?? 5;
    const openMs = parseDuration(settings.openFor ?? '30s');
    let opened = false;
    await this.change(endpoint, (s) => {
      const failures = s.failures + 1;
      opened = failures >= threshold;
      return {
        ...s,
        failures,
        openUntil: opened ? new Date(this.now() + openMs).toISOString() : s.openUntil,
      };
    });
    if (opened) this.seen.set(endpoint, 'open');
    return opened;
  }

  private key(endpoint: string): string {
    return `circuits/${createHash('sha256').update(endpoint).digest('hex')}.json`;
  }

  private async read(endpoint: string): Promise<{ value: CircuitState; etag: string } | undefined> {
    const stored = await this.objects.get(this.key(endpoint));
    if (!stored) return undefined;
    return { value: JSON.parse(stored.body.toString('utf8')) as CircuitState, etag: stored.etag };
  }

  /** Read, change, write with If-Match; a concurrent change is read again. Best effort after a few tries. */
  private async change(
    endpoint: string,
    mutate: (s: CircuitState) => CircuitState | undefined,
  ): Promise<void> {
    for (let i = 0; i < TRIES; i++) {
      const current = await this.read(endpoint);
      const next = mutate(current?.value ?? { endpoint, failures: 0, updatedAt: '' });
      if (!next) return;
      const { openUntil, ...rest } = next;
      const body = JSON.stringify({
        ...rest,
        ...(openUntil ? { openUntil } : {}),
        updatedAt: new Date(this.now()).toISOString(),
      });
      try {
        await this.objects.put(
          this.key(endpoint),
          body,
          current
            ? { ifMatch: current.etag, contentType: 'application/json' }
            : { ifNoneMatch: '*', contentType: 'application/json' },
        );
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
  }
}

/** The endpoint a circuit is kept for: the settings' `name`, else the URL's origin (scheme, host, port). */
export function endpointOf(url: URL, settings?: CircuitSettings): string {
  return settings?.name ?? url.origin;
}

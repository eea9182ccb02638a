import type { Flow, FlowStep } from '../../api/types';

type Outcome = 'accepted' | 'rejected' | 'pending' | 'failed';

interface Route {
  outcome: string;
  target: string;
  /** The flow gives no route: this is the engine's default (docs/flows.md). */
  byDefault: boolean;
}

/** Where a route goes, in words: a step id, or the end states the engine knows. */
function describeTarget(target: string): string {
  switch (target) {
    case 'end':
      return 'completed';
    case 'fail':
      return 'failed';
    case 'reject':
      return 'rejected';
    default:
      return `step ${target}`;
  }
}

/**
 * The routes of a step as the engine follows them (shared/engine/transitions.ts), the defaults spelled out:
 * accepted goes on to the next step (or completes after the last), rejected rejects, failed fails. Pending
 * and transient outcomes retry the step (see its retry policy) unless the flow routes pending elsewhere.
 */
export function routesOf(flow: Flow, index: number): Route[] {
  const step = flow.steps[index]!;
  const next = flow.steps[index + 1];
  const on = step.on ?? {};
  const route = (outcome: Outcome, fallback: string): Route => ({
    outcome,
    target: describeTarget(on[outcome] ?? fallback),
    byDefault: on[outcome] === undefined,
  });
  const routes = [
    route('accepted', next ? next.id : 'end'),
    route('rejected', 'reject'),
    route('failed', 'fail'),
  ];
  if (on.pending) routes.push(route('pending', on.pending));
  return routes;
}

/** The engine's retry policy when a step names none. */
const DEFAULT_RETRY = { maxAttempts: 5, backoff: 'exponential', initialDelay: '10s', maxDelay: '10m' };

function retryText(step: FlowStep): string {
  const policy = { ...DEFAULT_RETRY, ...step.retry };
  const waits = step.on?.pending ? 'transient' : 'pending, transient';
  return `Retries (${waits}): ${policy.maxAttempts} attempts, ${policy.backoff}, ${policy.initialDelay}–${policy.maxDelay}${step.retry ? '' : ' (default)'}; then as failed`;
}

/**
 * A flow as boxes in step order, each with its routes. It is an ordered list with every route written
 * out, so the drawing and the text are the same thing: nothing is only in the arrows.
 */
export function FlowDiagram({ flow }: { flow: Flow }) {
  return (
    <ol class="flow" aria-label={`Steps of ${flow.id}`}>
      {flow.steps.map((step, index) => {
        return (
          <li key={step.id} class="flow-step">
            <div class="flow-box">
              <p class="flow-step-title">
                <span class="flow-step-number">{index + 1}.</span> <strong>{step.id}</strong>{' '}
                <span class="secondary-inline">action {step.action}</span>
              </p>
              {step.description ? <p class="flow-step-description">{step.description}</p> : null}
              <ul class="flow-routes" aria-label={`Routes of step ${step.id}`}>
                {routesOf(flow, index).map((route) => (
                  <li key={route.outcome} class={route.byDefault ? 'route-default' : 'route-explicit'}>
                    <span class="route-outcome">{route.outcome}</span> <span aria-hidden="true">→</span>
                    <span class="visually-hidden"> goes to </span> {route.target}
                    {route.byDefault ? null : <span class="route-flag"> (set by the flow)</span>}
                  </li>
                ))}
              </ul>
              <p class="flow-step-policy">
                {retryText(step)}.{step.timeout ? ` Timeout ${step.timeout}.` : ''}
              </p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}

type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: string; op: string; value: unknown };

const OPS: Record<string, string> = {
  eq: 'is',
  ne: 'is not',
  in: 'is one of',
  gt: '>',
  ge: '≥',
  lt: '<',
  le: '≤',
  contains: 'contains',
  startsWith: 'starts with',
};

/** An applicability rule in words: `format is "peppol-bis3-ubl" and direction is "outbound"`. */
export function describeCondition(condition: unknown): string {
  if (typeof condition !== 'object' || condition === null) return 'always';
  const c = condition as Condition;
  if ('all' in c) return c.all.map(describeCondition).join(' and ');
  if ('any' in c) return `(${c.any.map(describeCondition).join(' or ')})`;
  if ('not' in c) return `not (${describeCondition(c.not)})`;
  if ('field' in c) return `${c.field} ${OPS[c.op] ?? c.op} ${JSON.stringify(c.value)}`;
  return JSON.stringify(condition);
}

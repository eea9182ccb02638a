import type { FlowDefinition, StepDefinition } from '../flows/types';
import type { StepOutcome } from '../model/record';
import { parseDuration } from '../util/duration';

export const DEFAULT_RETRY = {
  maxAttempts: 5,
  backoff: 'exponential',
  initialDelay: '10s',
  maxDelay: '10m',
} as const;

/** What happens to a document after a step reported an outcome. */
export type Transition =
  | { kind: 'goto'; stepId: string }
  | { kind: 'complete' }
  | { kind: 'fail'; code: string; message: string }
  | { kind: 'reject' }
  | { kind: 'retry'; delayMs: number }
  /** Run the same attempt again after `delayMs` without spending an attempt (an open circuit, a poll). */
  | { kind: 'postpone'; delayMs: number };

/** Delay before attempt `attempt + 1` of a step, with ±10 % jitter so that retries do not arrive in herds. */
export function retryDelayMs(
  step: StepDefinition,
  attempt: number,
  random: () => number = Math.random,
): number {
  const policy = { ...DEFAULT_RETRY, ...step.retry };
  const initial = parseDuration(policy.initialDelay);
  const max = parseDuration(policy.maxDelay);
  const base = policy.backoff === 'fixed' ? initial : Math.min(max, initial * 2 ** (attempt - 1));
  return Math.round(Math.min(max, base * (0.9 + 0.2 * random())));
}

export function target(
  flow: FlowDefinition,
  name: string,
  fallbackReason: { code: string; message: string },
): Transition {
  if (name === 'end') return { kind: 'complete' };
  if (name === 'fail') return { kind: 'fail', ...fallbackReason };
  if (name === 'reject') return { kind: 'reject' };
  if (!flow.steps.some((s) => s.id === name)) {
    return { kind: 'fail', code: 'flow.bad-route', message: `Route to unknown step "${name}"` };
  }
  return { kind: 'goto', stepId: name };
}

/**
 * The flow's routing rules: accepted goes to `on.accepted` or the next step (or completes after the last);
 * rejected to `on.rejected` or rejects the document; failed to `on.failed` or fails it; pending and transient
 * retry the step per its policy until attempts run out, then follow `on.failed`.
 */
export function transition(
  flow: FlowDefinition,
  step: StepDefinition,
  outcome: StepOutcome,
  attempt: number,
  reason: { code?: string; message?: string; retryAfterMs?: number },
  random?: () => number,
): Transition {
  const why = {
    code: reason.code ?? `step.${outcome}`,
    message: reason.message ?? `Step ${step.id} ${outcome}`,
  };
  switch (outcome) {
    case 'accepted': {
      if (step.on?.accepted) return target(flow, step.on.accepted, why);
      const index = flow.steps.findIndex((s) => s.id === step.id);
      const next = flow.steps[index + 1];
      return next ? { kind: 'goto', stepId: next.id } : { kind: 'complete' };
    }
    case 'rejected':
      return target(flow, step.on?.rejected ?? 'reject', why);
    case 'failed':
      return target(flow, step.on?.failed ?? 'fail', why);
    case 'pending':
    case 'transient': {
      // Waiting for a final answer is paced like a retry, unless the flow routes `pending` elsewhere.
      if (outcome === 'pending' && step.on?.pending) return target(flow, step.on.pending, why);
      const maxAttempts = step.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
      if (attempt < maxAttempts) {
        const delayMs = Math.max(retryDelayMs(step, attempt, random), reason.retryAfterMs ?? 0);
        return { kind: 'retry', delayMs };
      }
      const exhausted = {
        code: outcome === 'pending' ? 'step.deadline' : 'retry.exhausted',
        message: `${why.message} (after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
      };
      return target(flow, step.on?.failed ?? 'fail', exhausted);
    }
  }
}

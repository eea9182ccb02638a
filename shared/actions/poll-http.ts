import type { Action, ActionContext, ActionResult } from '../engine/action';
import {
  CALL_PROPERTIES,
  callService,
  judgeStatus,
  type CallSettings,
  type Connectors,
} from '../connectors/call';
import { judgeResponse, RESPONSE_RULES_PROPERTIES, type ResponseRules } from '../connectors/response-rules';
import { formatDuration, parseDuration } from '../util/duration';

/** How often and how long a step asks again (`poll-http`, `query-cfdi-status`). */
export interface PollPacing {
  /** First wait between two questions (default 10s), doubled each time with `exponential` up to `maxInterval`. */
  interval?: string;
  maxInterval?: string;
  backoff?: 'fixed' | 'exponential';
  /** No final answer this long after the step began: the document fails, saying so (default 24h). */
  deadline?: string;
}

/** The `with` properties of {@link PollPacing}. */
export const POLL_PACING_PROPERTIES = {
  interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
  maxInterval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
  backoff: { enum: ['fixed', 'exponential'] },
  deadline: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
} as const;

interface PollSettings extends CallSettings, PollPacing {
  response: ResponseRules;
  output?: string;
}

/**
 * A polling step's clock: `expired` (the document fails, with the last answer) once the deadline passed since
 * the step began; else `next`, which turns a `pending` result into one asked again after the paced interval,
 * through the bus, without spending the step's retry attempts (any other result passes as it is).
 */
export function pollClock(
  context: ActionContext,
  now: () => number,
  pacing: PollPacing,
): { expired?: ActionResult; next(result: ActionResult): ActionResult } {
  const deadline = parseDuration(pacing.deadline ?? '24h');
  const elapsed = now() - context.stepStartedAt.getTime();
  const asked = context.record.history.filter(
    (e) => e.stepId === context.step.id && e.action === context.step.action && e.outcome === 'pending',
  );
  const last = asked[asked.length - 1];
  const expired: ActionResult | undefined =
    elapsed > deadline
      ? {
          outcome: 'failed',
          code: 'poll.deadline',
          message: `No final answer within ${pacing.deadline ?? '24h'} (${asked.length} answer${asked.length === 1 ? '' : 's'} pending${last?.message ? `, last: ${last.message}` : ''})`,
        }
      : undefined;
  return {
    ...(expired ? { expired } : {}),
    next(result) {
      if (result.outcome !== 'pending') return result;
      const first = parseDuration(pacing.interval ?? '10s');
      const max = parseDuration(pacing.maxInterval ?? '5m');
      const wait =
        pacing.backoff === 'fixed' ? first : Math.min(max, first * 2 ** Math.min(asked.length, 30));
      // Never past the deadline by more than one question.
      const retryAfterMs = Math.max(1, Math.min(wait, deadline - elapsed + 1));
      return {
        ...result,
        postpone: true,
        retryAfterMs,
        message: `${result.message ? `${result.message}; ` : ''}asking again in ${formatDuration(retryAfterMs)}`,
      };
    },
  };
}

/**
 * `poll-http`: asks a status endpoint (a clearance authority's receipt, an access point's delivery status)
 * until the answer is final. `pending` answers schedule the next question through the bus after
 * `interval` (with back-off), without spending the step's retry attempts; past `deadline` the document
 * fails with the last answer. Transport failures and 5xx are transient (the retry policy); the answer is
 * judged by `response` rules as in `handle-response`, and kept as an artifact.
 */
export function pollHttpAction(connectors: Connectors): Action {
  return {
    name: 'poll-http',
    stage: 'response',
    description: 'Ask a status endpoint until its answer is final',
    paramsSchema: {
      type: 'object',
      required: ['url', 'response'],
      additionalProperties: false,
      properties: {
        ...CALL_PROPERTIES,
        response: {
          type: 'object',
          required: ['status', 'outcomes'],
          additionalProperties: false,
          properties: RESPONSE_RULES_PROPERTIES,
        },
        ...POLL_PACING_PROPERTIES,
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      },
    },
    async run(context) {
      const settings = context.params as unknown as PollSettings;
      const poll = pollClock(context, connectors.now, settings);
      if (poll.expired) return poll.expired;
      const called = await callService(context, connectors, settings, undefined, 'poll');
      if ('result' in called) return called.result;
      await context.writeArtifact(
        settings.output ?? 'status-response.json',
        called.answer.body,
        called.answer.headers['content-type'] ?? 'application/octet-stream',
      );
      const failure = judgeStatus(called.answer, called.url, 'poll');
      if (failure) return failure;
      return poll.next(judgeResponse(called.answer.body, settings.response, 'transient'));
    },
  };
}

import type { Action, ActionResult } from '../engine/action';
import type { EventEntry, EventInbox } from '../features/events';
import type { StepOutcome } from '../model/record';
import { parseDuration } from '../util/duration';

interface AwaitSettings {
  key: string;
  deadline?: string;
  check?: string;
  outcomes: Partial<Record<'accepted' | 'rejected' | 'failed', string[]>>;
  /** Event types that send the document back to a step of the flow (a name the authority refused as taken). */
  again?: Record<string, string>;
}

const DURATION = { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d)$' } as const;
const TYPES = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true } as const;

/**
 * `await-event`: waits for what the authority sends on its own about the document (a delivery receipt, a
 * rejection), correlated by `key` (e.g. `{submissionId}`, recorded by the submission step). Each event of
 * the key the document has not seen yet is recorded on it (`events`, and as the artifact `event-<n>.json`);
 * the first whose type `outcomes` maps
 * ends the step with that outcome (a rejection with the authority's codes), other types keep it waiting.
 * Without such an event the step waits (`waiting`, no attempt spent) and is woken when one arrives, or
 * looks again every `check` (default 1h) until `deadline` (default 5d, from when the step started), past
 * which it fails (`event.deadline`). An event whose type `again` names sends the document to that step instead
 * (SDI's 00002, a file name already taken: the file is numbered and sent again).
 */
export function awaitEventAction(inbox: EventInbox, now: () => number = Date.now): Action {
  return {
    name: 'await-event',
    stage: 'response',
    description: "Wait for an authority's event about the document",
    paramsSchema: {
      type: 'object',
      required: ['key', 'outcomes'],
      additionalProperties: false,
      properties: {
        key: { type: 'string', minLength: 1 },
        deadline: DURATION,
        check: DURATION,
        outcomes: {
          type: 'object',
          minProperties: 1,
          additionalProperties: false,
          properties: { accepted: TYPES, rejected: TYPES, failed: TYPES },
        },
        again: {
          type: 'object',
          minProperties: 1,
          additionalProperties: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
        },
      },
    },
    routes: (params) =>
      Object.entries((params.again as Record<string, string> | undefined) ?? {}).map(([type, step]) => ({
        path: `/again/${type}`,
        step,
      })),
    async run(context): Promise<ActionResult> {
      const settings = context.params as unknown as AwaitSettings;
      const { record, step } = context;
      if (!record.featureId)
        return {
          outcome: 'failed',
          code: 'event.no-feature',
          message: 'await-event runs in flows of a feature: events arrive per feature',
        };
      await inbox.wait(record.tenantId, record.featureId, settings.key, record.id, step.id);
      const seen = new Set((record.events ?? []).map((e) => e.id));
      const fresh: EventEntry[] = [];
      for (const event of await inbox.events(record.tenantId, record.featureId, settings.key)) {
        if (seen.has(event.id)) continue;
        // each event the document takes is one of its artifacts, numbered in the order taken
        const number = seen.size + fresh.length + 1;
        await context.writeArtifact(`event-${number}.json`, JSON.stringify(event), 'application/json');
        fresh.push({
          id: event.id,
          type: event.type,
          at: event.receivedAt,
          ...(event.codes?.length ? { codes: event.codes } : {}),
        });
        const back = settings.again?.[event.type];
        if (back !== undefined) {
          const codes = event.codes?.length ? ` (${event.codes.join(', ')})` : '';
          return {
            outcome: 'accepted',
            goto: back,
            code: `event.${event.type}`,
            message: `${event.type}${codes}${event.message ? `: ${event.message}` : ''}; again from step ${back}`,
            events: fresh,
          };
        }
        const outcome = (Object.keys(settings.outcomes) as Array<keyof AwaitSettings['outcomes']>).find((o) =>
          settings.outcomes[o]!.includes(event.type),
        );
        if (outcome) {
          const codes = event.codes?.length ? ` (${event.codes.join(', ')})` : '';
          return {
            outcome: outcome as StepOutcome,
            code: `event.${event.type}`,
            message: `${event.type}${codes}${event.message ? `: ${event.message}` : ''}`,
            ...(outcome !== 'accepted' && event.codes?.length
              ? {
                  details: event.codes.map((code) => ({
                    path: 'event',
                    code,
                    message: event.message ?? event.type,
                  })),
                }
              : {}),
            events: fresh,
          };
        }
      }
      const deadline = parseDuration(settings.deadline ?? '5d');
      const elapsed = now() - context.stepStartedAt.getTime();
      if (elapsed > deadline)
        return {
          outcome: 'failed',
          code: 'event.deadline',
          message: `No final event for ${settings.key} within ${settings.deadline ?? '5d'}`,
          events: fresh,
        };
      return {
        outcome: 'pending',
        postpone: true,
        retryAfterMs: Math.max(1, Math.min(parseDuration(settings.check ?? '1h'), deadline - elapsed + 1)),
        code: 'event.waiting',
        message: `Waiting for an event of ${settings.key}`,
        events: fresh,
      };
    },
  };
}

import type { Action, ActionContext, ActionResult } from '../engine/action';
import {
  artifactContentType,
  CALL_PROPERTIES,
  callService,
  judgeStatus,
  type CallSettings,
  type Connectors,
} from '../connectors/call';
import { BODY_SCHEMA, buildBody, type BodySettings } from '../connectors/request-body';
import { judgeResponse, RESPONSE_RULES_PROPERTIES, type ResponseRules } from '../connectors/response-rules';

/** Step codes of attempts whose request may have reached the service without its answer reaching us. */
const UNCERTAIN = /^submit\.(timeout|reset|other|aborted|too-large)$|^response\.malformed$/;

interface SubmitSettings extends CallSettings {
  input?: string;
  body?: BodySettings;
  contentType?: string;
  charset?: 'utf-8' | 'iso-8859-1';
  output?: string;
  response?: ResponseRules;
  reconcile?: CallSettings & { found?: number[] };
}

/** Whether an earlier attempt of this step may have been processed remotely without our knowing. */
function uncertain(context: ActionContext): boolean {
  if (context.resumed) return true;
  const last = [...context.record.history]
    .reverse()
    .find((e) => e.stepId === context.step.id && e.action === context.step.action);
  return last !== undefined && last.attempt < context.record.attempt && UNCERTAIN.test(last.code ?? '');
}

/**
 * `submit-http`: sends a document to a web service, fully configured in the flow: URL (with `{variable}`,
 * `{context.field}` and `%SETTING%` placeholders), method, headers, query; body: an artifact as it is
 * (`input`), a template around artifacts (a SOAP envelope), JSON (base64 inside, say) or multipart; content
 * type and charset; timeout; TLS with a client certificate; authentication none / basic / bearer / API key
 * / OAuth2 client credentials, secrets by reference only.
 *
 * Every attempt carries the same idempotency key (tenant/document/step). When an earlier attempt may have
 * reached the service unanswered (a timeout, a dropped connection, a crash of this process), `reconcile`
 * asks the service first whether it has the submission, and uses that answer instead of sending again.
 * 2xx is accepted (or judged by `response` rules), 408/425/429/5xx and transport failures are transient
 * (retried per the step's policy, Retry-After honoured), other statuses reject the document with the
 * service's message. The answer is kept as an artifact.
 */
export function submitHttpAction(connectors: Connectors): Action {
  return {
    name: 'submit-http',
    stage: 'submit',
    description: 'Submit a document to a web service over HTTP(S)',
    paramsSchema: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: {
        ...CALL_PROPERTIES,
        input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        body: BODY_SCHEMA,
        contentType: { type: 'string', pattern: '^[^\\r\\n]+$' },
        charset: { enum: ['utf-8', 'iso-8859-1'] },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        response: {
          type: 'object',
          required: ['status', 'outcomes'],
          additionalProperties: false,
          properties: RESPONSE_RULES_PROPERTIES,
        },
        reconcile: {
          type: 'object',
          required: ['url'],
          additionalProperties: false,
          properties: {
            ...CALL_PROPERTIES,
            found: { type: 'array', items: { type: 'integer', minimum: 200, maximum: 299 } },
          },
        },
      },
      oneOf: [
        { required: ['input'], properties: { input: true } },
        { required: ['body'], properties: { body: true } },
      ],
    },
    async run(context) {
      const settings = context.params as unknown as SubmitSettings;
      const output = settings.output ?? 'submit-response.json';
      const keep = async (content: Buffer, contentType: string | undefined) =>
        context.writeArtifact(output, content, contentType ?? 'application/octet-stream');
      const judge = (status: number, content: Buffer): ActionResult =>
        settings.response && status >= 200 && status < 300
          ? judgeResponse(content, settings.response, 'transient')
          : { outcome: 'accepted' };

      if (settings.reconcile && uncertain(context)) {
        const asked = await callService(context, connectors, settings.reconcile, undefined, 'reconcile');
        if ('result' in asked) return asked.result;
        const found = settings.reconcile.found ?? [200];
        if (found.includes(asked.answer.status)) {
          await keep(asked.answer.body, asked.answer.headers['content-type']);
          const result = judge(asked.answer.status, asked.answer.body);
          return {
            ...result,
            message: [result.message, 'found at the service by its idempotency key']
              .filter(Boolean)
              .join('; '),
          };
        }
        if (asked.answer.status !== 404) {
          const failure = judgeStatus(asked.answer, asked.url, 'reconcile');
          if (failure)
            return { ...failure, outcome: failure.outcome === 'transient' ? 'transient' : 'failed' };
        }
        // 404: the service never got it; send.
      }

      const source: BodySettings = settings.body ?? { artifact: settings.input! };
      const body = await buildBody(
        source,
        {
          read: (name) => context.readArtifact(name),
          contentType: (name) => artifactContentType(context, name),
        },
        {
          ...(settings.contentType ? { contentType: settings.contentType } : {}),
          ...(settings.charset ? { charset: settings.charset } : {}),
        },
      );
      const called = await callService(context, connectors, settings, body);
      if ('result' in called) return called.result;
      await keep(called.answer.body, called.answer.headers['content-type']);
      return judgeStatus(called.answer, called.url) ?? judge(called.answer.status, called.answer.body);
    },
  };
}

import type { Action } from '../engine/action';
import { judgeResponse, RESPONSE_RULES_PROPERTIES, type ResponseRules } from '../connectors/response-rules';

/**
 * `handle-response`: judges an answer a service gave (an artifact, `submit-response.json` by default) by
 * rules in the flow: the status at a path (JSON Pointer, JSONPath, or XPath for XML answers) matched
 * against lists of values per outcome (`accepted`, `rejected`, `pending`, `transient`); the service's
 * messages are recorded in readable form, ids become variables for later steps. A status no rule names, or
 * an answer that cannot be read, fails the step and says why.
 */
export const handleResponseAction: Action = {
  name: 'handle-response',
  stage: 'response',
  description: 'Map a service response to an outcome',
  paramsSchema: {
    type: 'object',
    required: ['status', 'outcomes'],
    additionalProperties: false,
    properties: { input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' }, ...RESPONSE_RULES_PROPERTIES },
  },
  async run(context) {
    const { input = 'submit-response.json', ...rules } = context.params as unknown as ResponseRules & {
      input?: string;
    };
    return judgeResponse(await context.readArtifact(input), rules, 'failed');
  },
};

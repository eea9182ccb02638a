import type { Action } from '../engine/action';
import { EInvoiceError } from '../errors';
import { pointer } from '../connectors/response-rules';

/**
 * `decode-artifact`: takes a base64 value out of a JSON artifact (a service's answer carrying the document it
 * made: a PAC's stamped CFDI) and keeps it as an artifact of its own, as the bytes it encodes.
 */
export const decodeArtifactAction: Action = {
  name: 'decode-artifact',
  stage: 'response',
  pure: true,
  description: 'Keep a base64 value of a JSON artifact as an artifact of its own',
  paramsSchema: {
    type: 'object',
    required: ['input', 'pointer', 'output'],
    additionalProperties: false,
    properties: {
      input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      pointer: { type: 'string', pattern: '^(/[^/]*)+$' },
      output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      contentType: { type: 'string', pattern: '^[^\\r\\n]+$' },
    },
  },
  async run(context) {
    const { input, output } = context.params as { input: string; output: string };
    const at = context.params.pointer as string;
    let value: unknown;
    try {
      value = pointer(JSON.parse((await context.readArtifact(input)).toString('utf8')), at)[0];
    } catch {
      throw new EInvoiceError('decode.invalid-input', `Artifact ${input} is not JSON`);
    }
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value) || value.trim() === '')
      throw new EInvoiceError('decode.not-base64', `${input}${at} holds no base64 text`);
    await context.writeArtifact(
      output,
      Buffer.from(value, 'base64'),
      (context.params.contentType as string | undefined) ?? 'application/octet-stream',
    );
    return { outcome: 'accepted' };
  },
};

import type { Action } from '../engine/action';
import { verifyXmlSignature } from '../signing/verify';

/**
 * `verify-xml`: verifies the XMLDSig signature of an inbound XML document (one signature over the whole
 * document unless the flow allows element references; SHA-1 only when the flow allows it). An invalid or
 * missing signature rejects the document, with the reasons on the record and in `verification.json`.
 */
export const verifyXmlAction: Action = {
  name: 'verify-xml',
  stage: 'transform',
  description: 'Verify the XMLDSig signature of an XML document',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      input: { type: 'string' },
      allowSha1: { type: 'boolean' },
      requireWholeDocument: { type: 'boolean' },
    },
  },
  async run(context) {
    const input = (context.params.input as string | undefined) ?? 'input.xml';
    const result = verifyXmlSignature((await context.readArtifact(input)).toString('utf8'), {
      allowSha1: context.params.allowSha1 === true,
      requireWholeDocument: context.params.requireWholeDocument !== false,
    });
    await context.writeArtifact('verification.json', JSON.stringify(result, null, 2), 'application/json');
    if (result.valid) return { outcome: 'accepted' };
    return {
      outcome: 'rejected',
      code: 'signature.invalid',
      message: `The signature does not verify (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'})`,
      details: result.problems,
    };
  },
};

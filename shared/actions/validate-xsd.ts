import type { Action } from '../engine/action';
import { EInvoiceError } from '../errors';
import { XSD_CATALOGUE, type XsdValidatorPool } from '../xml/xsd';

/**
 * `validate-xsd`: validates an XML artifact against an official schema (by id, or `auto` by its root
 * element). An invalid document is rejected with every error (line and element) on the record and in
 * `xsd-report.json`. A schema that is not installed fails the step, unless the flow says `required: false`:
 * then the step passes with a notice on the record and in the log.
 */
export function validateXsdAction(xsd: XsdValidatorPool): Action {
  return {
    name: 'validate-xsd',
    stage: 'transform',
    pure: true,
    description: 'Validate an XML document against its official XML Schema (UBL 2.1, CII D16B)',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        input: { type: 'string' },
        schema: { enum: ['auto', ...Object.keys(XSD_CATALOGUE)] },
        required: { type: 'boolean' },
      },
    },
    async run(context) {
      const input = (context.params.input as string | undefined) ?? 'input.xml';
      const xml = (await context.readArtifact(input)).toString('utf8');
      let problems;
      try {
        problems = await xsd.validate(xml, (context.params.schema as string | undefined) ?? 'auto');
      } catch (error) {
        if (
          error instanceof EInvoiceError &&
          error.code === 'schema.not-installed' &&
          context.params.required === false
        ) {
          return {
            outcome: 'accepted',
            code: 'schema.not-checked',
            message: `Not checked: ${error.message}`,
            // On the record of each document; in the log once, at start-up (schema.not-installed).
            noticeLevel: 'info',
          };
        }
        throw error;
      }
      if (problems.length === 0) return { outcome: 'accepted' };
      await context.writeArtifact(
        'xsd-report.json',
        JSON.stringify({ valid: false, problems }, null, 2),
        'application/json',
      );
      return {
        outcome: 'rejected',
        code: 'xsd.invalid',
        message: `${problems.length} XML Schema error${problems.length === 1 ? '' : 's'} in ${input}`,
        details: problems,
      };
    },
  };
}

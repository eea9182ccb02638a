import type { Action } from '../engine/action';
import type { CalculationMode } from '../model/calculation';
import { validateInvoice } from '../model/validate-invoice';
import { parseJson } from '../util/json';

/**
 * `validate`: the canonical invoice's validation gate (schema, EN 16931 business rules, calculation in
 * `fill` or `check` mode). A valid document is written, with every computed figure, to `output`; an invalid
 * one is rejected (not retried) with every problem on the record and in `validation.json`.
 */
export const validateAction: Action = {
  name: 'validate',
  stage: 'transform',
  pure: true,
  description: 'Validate the canonical invoice (schema, business rules, totals) and complete its figures',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      input: { type: 'string' },
      output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      calculation: { enum: ['fill', 'check'] },
    },
  },
  async run(context) {
    const input = (context.params.input as string | undefined) ?? 'input.json';
    const output = (context.params.output as string | undefined) ?? 'canonical.json';
    const mode = (context.params.calculation as CalculationMode | undefined) ?? 'fill';
    const parsed = parseJson((await context.readArtifact(input)).toString('utf8'));
    const result = parsed.ok
      ? validateInvoice(parsed.value, mode, { inPlace: true })
      : { valid: false, problems: [{ path: '/', message: parsed.message, code: 'json.syntax' }] };
    await context.writeArtifact(
      'validation.json',
      JSON.stringify({ valid: result.valid, mode, problems: result.problems }, null, 2),
      'application/json',
    );
    if (result.valid && 'invoice' in result && result.invoice) {
      await context.writeArtifact(output, JSON.stringify(result.invoice), 'application/json');
      return { outcome: 'accepted' };
    }
    return {
      outcome: 'rejected',
      code: 'validation.failed',
      message: `${result.problems.length} validation problem${result.problems.length === 1 ? '' : 's'}`,
      details: result.problems,
    };
  },
};

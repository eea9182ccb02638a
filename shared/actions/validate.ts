import type { Action } from '../engine/action';
import type { CalculationMode } from '../model/calculation';
import { validateInvoice } from '../model/validate-invoice';
import type { RuleSetChoice } from '../model/rule-sets';
import { parseJson } from '../util/json';

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * `validate`: the canonical invoice's validation gate (schema, EN 16931 business rules, calculation in
 * `fill` or `check` mode), with the rule sets in `rules` (`peppol`, XRechnung's BR-DE-*, PEPPOL's DE-R-*)
 * besides those the invoice's specification identifier implies, less those named `no-…`. A valid document is written, with every computed figure, to `output`; an invalid
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
      rules: {
        type: 'array',
        uniqueItems: true,
        items: { enum: ['xrechnung', 'peppol-de', 'peppol', 'no-peppol'] },
      },
    },
  },
  async run(context) {
    const input = (context.params.input as string | undefined) ?? 'input.json';
    const output = (context.params.output as string | undefined) ?? 'canonical.json';
    const mode = (context.params.calculation as CalculationMode | undefined) ?? 'fill';
    const parsed = parseJson((await context.readArtifact(input)).toString('utf8'));
    const ruleSets = (context.params.rules as RuleSetChoice[] | undefined) ?? [];
    const result = parsed.ok
      ? validateInvoice(parsed.value, mode, { inPlace: true, ruleSets })
      : { valid: false, problems: [{ path: '/', message: parsed.message, code: 'json.syntax' }] };
    await context.writeArtifact(
      'validation.json',
      JSON.stringify({ valid: result.valid, mode, problems: result.problems }, null, 2),
      'application/json',
    );
    if (result.valid && 'invoice' in result && result.invoice) {
      await context.writeArtifact(output, JSON.stringify(result.invoice), 'application/json');
      const warnings = result.problems.length;
      if (warnings === 0) return { outcome: 'accepted' };
      return {
        outcome: 'accepted',
        code: 'validation.warnings',
        message: `${plural(warnings, 'warning')}: ${[...new Set(result.problems.map((p) => p.code))].join(', ')}`,
        details: result.problems,
      };
    }
    const errors = result.problems.filter((p) => p.severity !== 'warning').length;
    return {
      outcome: 'rejected',
      code: 'validation.failed',
      message: `${plural(errors, 'validation problem')}${
        errors < result.problems.length ? ` and ${plural(result.problems.length - errors, 'warning')}` : ''
      }`,
      details: result.problems,
    };
  },
};

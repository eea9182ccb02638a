import { join } from 'node:path';
import type { ProblemDetail } from '../errors';
import { packageRoot } from '../util/package-root';
import { compileSchemaFile, toProblems } from '../validation/schema';
import { calculate, type CalculationMode, type ComputedTotals } from './calculation';
import { isoCountries } from './codes';
import type { CanonicalInvoice } from './invoice';
import { checkBusinessRules } from './rules';

export interface InvoiceValidation {
  valid: boolean;
  /** Every problem: `code` (schema keyword or business rule id), `path` (JSON Pointer), `message`. */
  problems: ProblemDetail[];
  /** The invoice with computed figures filled in; present when the schema check passed. */
  invoice?: CanonicalInvoice;
  totals?: ComputedTotals;
}

function schemaValidator() {
  return compileSchemaFile<CanonicalInvoice>(
    join(packageRoot(), 'shared', 'model', 'schemas', 'invoice.schema.json'),
  );
}

/** The schema check alone (every problem, with its JSON path). */
export function checkInvoiceSchema(value: unknown): ProblemDetail[] {
  const validate = schemaValidator();
  return validate(value) ? [] : toProblems(validate.errors);
}

/**
 * The validation gate of a canonical invoice: JSON Schema (structure, code lists, formats), then the
 * EN 16931 business rules and the calculation (rounding) checks. Reports every problem, not the first.
 */
export function validateInvoice(
  value: unknown,
  mode: CalculationMode = 'fill',
  options: { inPlace?: boolean } = {},
): InvoiceValidation {
  const validate = schemaValidator();
  if (!validate(value)) return { valid: false, problems: toProblems(validate.errors) };
  // The rules see the document as sent: they run before the calculation, which may complete it in place.
  const ruleProblems = checkBusinessRules(value, isoCountries());
  const calculation = calculate(value, mode, options);
  const problems = [...ruleProblems, ...calculation.problems];
  return { valid: problems.length === 0, problems, invoice: calculation.invoice, totals: calculation.totals };
}

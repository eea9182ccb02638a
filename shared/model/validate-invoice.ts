import { join } from 'node:path';
import type { ProblemDetail } from '../errors';
import { packageRoot } from '../util/package-root';
import { compileSchemaFile, toProblems } from '../validation/schema';
import { calculate, type CalculationMode, type ComputedTotals } from './calculation';
import { isoCountries } from './codes';
import type { CanonicalInvoice } from './invoice';
import { appliedRuleSets, type RuleSet, type RuleSetChoice } from './rule-sets';
import { checkBusinessRules } from './rules';
import { checkGermanRules } from './rules-de';
import { checkPeppolRules } from './rules-peppol';
import { withPresenceRules } from './presence-rules';

export interface InvoiceValidation {
  /** No problem is an error (warnings may be present). */
  valid: boolean;
  /**
   * Every problem: `code` (schema keyword or business rule id), `path` (JSON Pointer), `message`;
   * `severity: 'warning'` for "should" rules.
   */
  problems: ProblemDetail[];
  /** The invoice with computed figures filled in; present when the schema check passed. */
  invoice?: CanonicalInvoice;
  /** The rule sets that were applied besides EN 16931; present when the schema check passed. */
  ruleSets?: RuleSet[];
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

export interface ValidationOptions {
  /** Complete the invoice in place instead of a copy (the caller owns it). */
  inPlace?: boolean;
  /**
   * Rule sets to apply besides EN 16931 and those the invoice implies by its specification identifier (BT-24):
   * `peppol` (PEPPOL-EN16931-*, PEPPOL-COMMON-*), `xrechnung` (BR-DE-*), `peppol-de` (DE-R-*); or, as
   * `no-peppol` and so on, to leave out although the invoice implies them.
   */
  ruleSets?: readonly RuleSetChoice[];
}

/**
 * The validation gate of a canonical invoice: JSON Schema (structure, code lists, formats), then the
 * EN 16931 business rules, the rule sets that apply (`appliedRuleSets`: by the document's BT-24, plus
 * those added, less those removed), and the calculation (rounding) checks. Reports every problem, not the
 * first.
 */
export function validateInvoice(
  value: unknown,
  mode: CalculationMode = 'fill',
  options: ValidationOptions = {},
): InvoiceValidation {
  const validate = schemaValidator();
  if (!validate(value)) return { valid: false, problems: withPresenceRules(toProblems(validate.errors)) };
  // The rules see the document as sent: they run before the calculation, which may complete it in place.
  const ruleProblems = checkBusinessRules(value, isoCountries());
  const ruleSets = appliedRuleSets(value, options.ruleSets);
  for (const ruleSet of ruleSets)
    ruleProblems.push(...(ruleSet === 'peppol' ? checkPeppolRules(value) : checkGermanRules(value, ruleSet)));
  const calculation = calculate(value, mode, {
    inPlace: options.inPlace,
    peppol: ruleSets.includes('peppol'),
  });
  const problems = [...ruleProblems, ...calculation.problems];
  return {
    valid: problems.every((p) => p.severity === 'warning'),
    problems,
    invoice: calculation.invoice,
    totals: calculation.totals,
    ruleSets,
  };
}

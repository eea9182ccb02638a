import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import type { ProblemDetail } from '../errors';
import { runRules, type RuleInput } from '../rules/engine';
import { modulesOf } from '../rules/modules';
import type { HeldInvoice } from '../rules/rule';
import { cloneJson } from '../util/json';
import { packageRoot } from '../util/package-root';
import { compileSchemaFile, toProblems } from '../validation/schema';
import { calculate, type CalculationMode, type ComputedTotals } from './calculation';
import type { CanonicalInvoice } from './invoice';
import { appliedRuleSets, type RuleSet, type RuleSetChoice } from './rule-sets';

export interface InvoiceValidation {
  /** No problem is an error (warnings may be present). */
  valid: boolean;
  /**
   * Every problem: `code` (business rule id, or schema keyword for structure and types), `path` (JSON
   * Pointer), `message`, `terms`; `severity: 'warning'` for "should" rules; `location` for syntax rules.
   */
  problems: ProblemDetail[];
  /** The invoice with computed figures filled in; present when it is complete (passes the schema). */
  invoice?: CanonicalInvoice;
  /** The rule sets that were applied besides EN 16931. */
  ruleSets: RuleSet[];
  totals?: ComputedTotals;
}

let compiled: ReturnType<typeof compileSchemaFile<CanonicalInvoice>> | undefined;

/** The canonical schema's validator, compiled once. */
function schemaValidator() {
  compiled ??= compileSchemaFile<CanonicalInvoice>(
    join(packageRoot(), 'shared', 'model', 'schemas', 'invoice.schema.json'),
  );
  return compiled;
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
  /** The XML the invoice was read from, for the syntax rules (UBL-SR-*, CII-SR-*, …). */
  source?: RuleInput['source'];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Pointer segments of an Ajv instance path (`/lines/0/price` → `lines`, `0`, `price`). */
const segments = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/**
 * The document as the rules may read it: a copy without the members whose type is wrong (a number or object
 * where the schema wants text, a list where it wants one value). Text that is not a valid code, date or
 * decimal is kept: the rules that concern it judge it. The schema reports every member left out.
 */
function heldOf(value: Record<string, unknown>, errors: readonly ErrorObject[]): HeldInvoice {
  const copy = cloneJson(value);
  const wrong = errors
    .filter((e) => e.keyword === 'type' && e.instancePath !== '')
    .map((e) => segments(e.instancePath))
    // longest first: a member inside one that is removed as well goes first
    .sort((a, b) => b.length - a.length);
  for (const path of wrong) {
    let parent: unknown = copy;
    for (const step of path.slice(0, -1))
      parent =
        isObject(parent) || Array.isArray(parent) ? (parent as Record<string, unknown>)[step] : undefined;
    const last = path[path.length - 1]!;
    if (Array.isArray(parent)) {
      if (typeof parent[Number(last)] !== 'string') parent[Number(last)] = undefined;
    } else if (isObject(parent) && typeof parent[last] !== 'string') delete parent[last];
  }
  return copy;
}

/** The figures `fill` computes: line, allowance and charge amounts, the VAT breakdown, the totals. */
const COMPUTED =
  /^\/(?:lines\/\d+\/netAmount|(?:lines\/\d+\/)?(?:allowances|charges)\/\d+\/amount|vatBreakdown(?:\/.*)?|totals(?:\/.*)?)$/;

/** Whether the document has nothing at a JSON Pointer. */
function absentAt(document: unknown, pointer: string): boolean {
  let node = document;
  for (const step of segments(pointer)) {
    if (node === null || typeof node !== 'object') return true;
    node = (node as Record<string, unknown>)[step];
  }
  return node === undefined;
}

/** A partial invoice with what the calculation can compute from it; as it is where it cannot. */
function filledAsFarAsPossible(held: HeldInvoice): HeldInvoice {
  try {
    return calculate(held as unknown as CanonicalInvoice, 'fill').invoice;
  } catch {
    return held;
  }
}

/**
 * The validation gate of a canonical invoice. The rules run on whatever the document holds: EN 16931 always,
 * the rule sets that apply (`appliedRuleSets`: by the document's BT-24, plus those added, less those removed),
 * and the syntax rules of the XML it was read from. A missing term is the finding of the rule that requires
 * it; the JSON Schema reports structure and types alongside (a schema finding that a rule reports at the same
 * place already is left out). A complete document is also calculated (`fill`: the figures the client left
 * out are computed) and its figures checked. Reports every problem, not the first.
 */
export function validateInvoice(
  value: unknown,
  mode: CalculationMode = 'fill',
  options: ValidationOptions = {},
): InvoiceValidation {
  const validate = schemaValidator();
  if (!isObject(value)) {
    validate(value);
    return { valid: false, problems: toProblems(validate.errors), ruleSets: [] };
  }
  const complete = validate(value);
  const schemaProblems = complete ? [] : toProblems(validate.errors);
  const held = complete ? (value as HeldInvoice) : heldOf(value, validate.errors ?? []);
  const ruleSets = appliedRuleSets(held, options.ruleSets);
  let invoice: CanonicalInvoice | undefined;
  let totals: ComputedTotals | undefined;
  if (complete) {
    // The calculation completes the figures; what it cannot complete, the rules report (BR-24, BR-CO-18, …).
    const calculation = calculate(value, mode, { inPlace: options.inPlace });
    invoice = calculation.invoice;
    totals = calculation.totals;
  }
  // In `fill` mode the rules judge the invoice as the service completes it (the figures the client left to
  // it computed); a partial document is completed as far as it can be.
  const judged = mode === 'fill' ? (invoice ?? filledAsFarAsPossible(held)) : held;
  let ruleProblems = runRules(modulesOf(ruleSets), { invoice: judged, source: options.source });
  // In `fill` mode a figure the service computes is not reported missing while the document is too
  // incomplete to compute it: what it lacks is reported, and the figure follows once it is complete.
  if (mode === 'fill' && !complete)
    ruleProblems = ruleProblems.filter((p) => !(p.path && COMPUTED.test(p.path) && absentAt(judged, p.path)));
  // One finding per rule and place, the first reported (a rule that two checks implement says it once).
  const seen = new Set<string>();
  const unique = ruleProblems.filter((p) => {
    const key = `${p.code} ${p.path ?? p.location?.xpath}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const reported = new Set(unique.map((p) => `${p.code} ${p.path}`));
  const reportedAt = new Set(unique.map((p) => p.path));
  const problems = [
    ...unique,
    // a schema finding is left out where a rule says it already (the same rule, or any rule at that place),
    // except a value of the wrong type: the rules did not see it, and the schema says what it should be
    ...schemaProblems.filter(
      (p) => p.code === 'schema.type' || (!reported.has(`${p.code} ${p.path}`) && !reportedAt.has(p.path)),
    ),
  ];
  const valid = complete && problems.every((p) => p.severity === 'warning');
  return { valid, problems, ...(complete ? { invoice, totals } : {}), ruleSets };
}

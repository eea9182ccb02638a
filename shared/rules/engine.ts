import type { ProblemDetail } from '../errors';
import { locationOf } from '../formats/mapping-reader';
import type { XmlTreeElement } from '../xml/xml-tree';
import type { HeldInvoice, Rule, RuleContext, RuleModule } from './rule';

/** The document the rules check: the canonical invoice, and the XML it was read from when it was. */
export interface RuleInput {
  invoice: HeldInvoice;
  /** The document as received, when it was XML: its root element and syntax. */
  source?: { root: XmlTreeElement; syntax: 'ubl' | 'cii' };
}

/** Counts the runs of the rules: a fact derived from the document is valid for the run it was derived in. */
let runs = 0;

/**
 * A fact the rules derive from the document (the uses of each VAT category, say), computed once per run of the
 * rules on a document and shared by the rules that need it: rules do not change the document, but it may
 * change between runs (the calculation completes it in place), so nothing outlives the run.
 */
export function oncePerRun<D extends object, T>(derive: (document: D) => T): (document: D) => T {
  let run = -1;
  let last: D | undefined;
  let fact: T;
  return (document) => {
    if (run !== runs || last !== document) {
      fact = derive(document);
      run = runs;
      last = document;
    }
    return fact;
  };
}

/** Runs `rules` on `document`: one report function for them all, each finding of the rule being checked. */
function findingsOf<D, W>(
  rules: readonly Rule<D, W>[],
  document: D,
  where: (w: W) => Pick<ProblemDetail, 'path' | 'location'>,
  into: ProblemDetail[],
  context: RuleContext,
): void {
  let rule: Rule<D, W>;
  const report = (w: W, detail?: string) =>
    into.push({
      ...where(w),
      code: rule.id,
      message: detail ?? rule.message,
      ...(rule.severity === 'warning' ? { severity: 'warning' as const } : {}),
      terms: [...rule.terms],
    });
  // the rules judged by one walk of the document: which of them found something (see `Rule.reporting`)
  let reporting: Rule<D, W>['reporting'];
  let found: { has(id: string): boolean } | undefined;
  for (rule of rules) {
    try {
      const walk = rule.reporting;
      if (walk !== undefined) {
        if (walk !== reporting) {
          found = walk(document);
          reporting = walk;
        }
        if (!found!.has(rule.id)) continue;
      }
      rule.check(document, report, context);
    } catch (error) {
      // A rule that fails on a document it should judge is a defect of the rule, never a pass.
      into.push({
        path: '/',
        code: 'rule.failed',
        message: `Rule ${rule.id} could not be checked: ${(error as Error).message}`,
      });
    }
  }
}

/**
 * Runs the rules of `modules` that apply to the document: canonical modules always (a national module
 * when its condition holds), syntax modules when the document was read from their syntax. Each finding
 * has the rule id as `code`, its severity, terms and message, and a JSON path (canonical rules) or an XML
 * location (syntax rules).
 */
export function runRules(modules: readonly RuleModule[], input: RuleInput): ProblemDetail[] {
  runs++;
  const problems: ProblemDetail[] = [];
  const context: RuleContext = input.source
    ? { syntax: input.source.syntax, root: input.source.root.localName, document: input.source.root }
    : {};
  for (const module of modules) {
    if (module.reads === 'canonical') {
      if (module.appliesTo && !module.appliesTo(input.invoice, context)) continue;
      findingsOf(module.rules, input.invoice, (path) => ({ path }), problems, context);
    } else {
      const source = input.source;
      if (!source || source.syntax !== module.reads) continue;
      if (module.appliesTo && !module.appliesTo(source.root)) continue;
      findingsOf(
        module.rules,
        source.root,
        (el) => ({ location: { xpath: locationOf(el), line: el.line } }),
        problems,
        context,
      );
    }
  }
  return problems;
}

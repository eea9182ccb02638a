import type { SyntaxRule, SyntaxRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';
import { CII_CONTEXTS, CII_SYNTAX, ciiSpecificationIdentifier } from './syntax/cii-table';
import { compilePattern, patternRules } from './syntax/pattern';

/** BR-01 on the CII as received: the document names the specification it follows (BT-24). */
const br01: SyntaxRule = {
  id: 'BR-01',
  severity: 'fatal',
  terms: ['BT-24'],
  message:
    'The invoice must name the specification it follows (BT-24, ram:GuidelineSpecifiedDocumentContextParameter/ram:ID)',
  check(root, report) {
    if (!ciiSpecificationIdentifier(root)) report(root);
  },
};

/**
 * The syntax rules of EN 16931 on the Cross Industry Invoice, on the XML as received: the CII content that
 * EN 16931 does not use (CII-SR-*, mostly warnings), occurrence limits (CII-SR-*) and data types (CII-DT-*).
 * The table is compiled once; a document is walked once for all of them.
 */
export const ciiSyntax: SyntaxRuleModule = {
  id: 'en16931-cii-syntax',
  set: 'en16931',
  title: 'EN 16931 CII syntax rules (CII-SR-*, CII-DT-*)',
  source: EN16931_SOURCE,
  reads: 'cii',
  rules: [br01, ...patternRules(compilePattern(CII_CONTEXTS, CII_SYNTAX))],
};

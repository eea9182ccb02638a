import type { SyntaxRule, SyntaxRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';
import { compilePattern, patternRules } from './syntax/pattern';
import { UBL_CONTEXTS, UBL_SYNTAX, ublSpecificationIdentifier } from './syntax/ubl-table';

/** BR-01 on the UBL as received: the document names the specification it follows (BT-24). */
const br01: SyntaxRule = {
  id: 'BR-01',
  severity: 'fatal',
  terms: ['BT-24'],
  message: 'The invoice must name the specification it follows (BT-24, cbc:CustomizationID)',
  check(root, report) {
    if (!ublSpecificationIdentifier(root)) report(root);
  },
};

/**
 * The syntax rules of EN 16931 on UBL 2.1 invoices and credit notes, on the XML as received: occurrence
 * limits (UBL-SR-*, fatal), data types (UBL-DT-*), and the UBL content that EN 16931 does not use (UBL-CR-*,
 * warnings but two). The table is compiled once; a document is walked once for all of them.
 */
export const ublSyntax: SyntaxRuleModule = {
  id: 'en16931-ubl-syntax',
  set: 'en16931',
  title: 'EN 16931 UBL syntax rules (UBL-SR-*, UBL-DT-*, UBL-CR-*)',
  source: EN16931_SOURCE,
  reads: 'ubl',
  rules: [br01, ...patternRules(compilePattern(UBL_CONTEXTS, UBL_SYNTAX))],
};

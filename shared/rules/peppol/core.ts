import type { InvoiceRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { commonRules } from './core/common';
import { documentRules } from './core/document';

export { peppolCiiSyntax } from './core/cii-syntax';
export { peppolUblSyntax } from './core/ubl-syntax';

/**
 * PEPPOL BIS Billing 3's own rules on the canonical invoice: the identifier formats by scheme
 * (PEPPOL-COMMON-R040 … R050) and the rules whose official test reads only terms the canonical invoice holds,
 * the same way in both syntaxes (PEPPOL-EN16931-R005, R110, R111, R130). The rules that need the document as
 * written (element counts, empty elements, the business process, currency attributes, date formats, the
 * root's kind) are in `peppolUblSyntax` and `peppolCiiSyntax`; arithmetic, code lists and national rules are
 * modules of their own.
 */
export const peppolCore: InvoiceRuleModule = {
  id: 'peppol-core',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3 rules (PEPPOL-EN16931-*, PEPPOL-COMMON-*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  rules: [...documentRules, ...commonRules],
};

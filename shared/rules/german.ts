import { germanRules } from '../model/rules-de';
import type { InvoiceRuleModule } from './rule';
import { PEPPOL_SOURCE, XRECHNUNG_SOURCE } from './sources';

/**
 * The German CIUS rules: XRechnung's BR-DE-* and, with the same content, PEPPOL BIS 3's DE-R-* (which PEPPOL
 * applies when seller and buyer are both in Germany). Which set applies is decided by `appliedRuleSets`.
 */
export const germanModules: readonly InvoiceRuleModule[] = [
  {
    id: 'xrechnung',
    set: 'xrechnung',
    title: 'XRechnung (BR-DE-*)',
    source: XRECHNUNG_SOURCE,
    reads: 'canonical',
    rules: germanRules('xrechnung'),
  },
  {
    id: 'peppol-de',
    set: 'peppol-de',
    title: 'PEPPOL BIS Billing 3, Germany (DE-R-*)',
    source: PEPPOL_SOURCE,
    reads: 'canonical',
    rules: germanRules('peppol-de'),
  },
];

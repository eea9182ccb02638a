import type { InvoiceRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';
import { documentRules } from './core/document';
import { lineRules } from './core/lines';
import { partyRules } from './core/parties';
import { settlementRules } from './core/settlement';

/**
 * EN 16931's rules on what an invoice contains (BR-02 … BR-65) and the non-arithmetic consistency rules
 * (BR-CO-03, 04, 09, 18 … 24, 26), on the canonical model whatever the syntax. Left to other modules: BR-01
 * (the syntax modules: canonical JSON leaves BT-24 to the output format), the totals, amounts and prices
 * (BR-12 … 15, BR-27, 28, 31, 36, 41, 43, 45, 46, 53, BR-CO-10 … 17: the arithmetic module) and the code
 * lists (BR-CL-*). BR-CO-05 … 08 (a reason code and a reason of the same kind) are `true()` in the artefact
 * 1.3.16, and BR-CO-25 is bound to EDIFACT only: neither is a rule here.
 */
export const en16931Core: InvoiceRuleModule = {
  id: 'en16931-core',
  set: 'en16931',
  title: 'EN 16931 core rules (BR-01 … BR-65, BR-CO-*)',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: [...documentRules, ...partyRules, ...lineRules, ...settlementRules],
};

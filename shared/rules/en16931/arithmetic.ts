import type { InvoiceRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';

export const en16931Arithmetic: InvoiceRuleModule = {
  id: 'en16931-arithmetic',
  set: 'en16931',
  title: 'EN 16931 calculation rules (BR-CO-10 … BR-CO-17, BR-DEC-*)',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: [],
};

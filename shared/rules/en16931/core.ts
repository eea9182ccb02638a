import type { InvoiceRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';

export const en16931Core: InvoiceRuleModule = {
  id: 'en16931-core',
  set: 'en16931',
  title: 'EN 16931 core rules (BR-01 … BR-65, BR-CO-*)',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: [],
};

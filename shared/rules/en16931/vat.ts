import type { InvoiceRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';

export const en16931Vat: InvoiceRuleModule = {
  id: 'en16931-vat',
  set: 'en16931',
  title: 'EN 16931 VAT category rules (BR-S/Z/E/AE/IC/G/O/AF/AG/B-*)',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: [],
};

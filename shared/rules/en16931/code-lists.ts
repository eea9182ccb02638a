import type { InvoiceRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';

export const en16931CodeLists: InvoiceRuleModule = {
  id: 'en16931-code-lists',
  set: 'en16931',
  title: 'EN 16931 code lists (BR-CL-*)',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: [],
};

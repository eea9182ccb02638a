import type { InvoiceRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';

export const peppolArithmetic: InvoiceRuleModule = {
  id: 'peppol-arithmetic',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3 calculation rules',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  rules: [],
};

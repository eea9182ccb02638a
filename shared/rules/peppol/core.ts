import type { InvoiceRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';

export const peppolCore: InvoiceRuleModule = {
  id: 'peppol-core',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3 rules (PEPPOL-EN16931-*, PEPPOL-COMMON-*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  rules: [],
};

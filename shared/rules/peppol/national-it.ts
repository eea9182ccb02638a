import type { InvoiceRule, InvoiceRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { present, text } from '../values';
import { supplierCountry } from './national/countries';

/**
 * PEPPOL BIS Billing 3's rules for Italian sellers (IT-R-*): by PEPPOL's seller country (the VAT identifier
 * of the seller or its tax representative, else the seller's postal country).
 */

/** BT-32 of an Italian seller: 11 to 16 capital letters and digits (a codice fiscale or partita IVA). */
const ITALIAN_TAX_REGISTRATION = /^[A-Z0-9]{11,16}$/;

/** A line of the seller's postal address (BG-5) an Italian seller must give. */
function addressRule(
  id: string,
  term: string,
  member: 'street' | 'city' | 'postalCode',
  what: string,
): InvoiceRule {
  return {
    id,
    terms: [term],
    message: `An Italian seller must give the ${what} of its postal address (${term})`,
    check(invoice, report) {
      if (!present(invoice.seller?.address?.[member])) report(`/seller/address/${member}`);
    },
  };
}

const rules: readonly InvoiceRule[] = [
  {
    id: 'IT-R-001',
    terms: ['BT-32'],
    message:
      'An Italian seller’s tax registration identifier (BT-32) must be 11 to 16 capital letters or digits',
    check(invoice, report) {
      const id = invoice.seller?.taxRegistrationId;
      if (present(id) && !ITALIAN_TAX_REGISTRATION.test(text(id) ?? '')) report('/seller/taxRegistrationId');
    },
  },
  addressRule('IT-R-002', 'BT-35', 'street', 'first line'),
  addressRule('IT-R-003', 'BT-37', 'city', 'city'),
  addressRule('IT-R-004', 'BT-38', 'postalCode', 'post code'),
];

export const peppolItaly: InvoiceRuleModule = {
  id: 'peppol-it',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3, Italy (IT-R-*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  appliesTo: (invoice, context) => supplierCountry(invoice, context) === 'IT',
  rules,
};

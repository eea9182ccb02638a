import type { InvoiceRule, InvoiceRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { text } from '../values';
import { validNorwegianOrganisationNumber } from './national/check-digits';
import { supplierCountry } from './national/countries';

/**
 * PEPPOL BIS Billing 3's rules for Norwegian sellers (NO-R-*): by PEPPOL's seller country (the VAT
 * identifier of the seller or its tax representative, else the seller's postal country).
 */

/** After the prefix `NO`: the nine digits of the organisation number and `MVA`. */
const NORWEGIAN_VAT_BODY = /^[0-9]{9}MVA$/;

/** What Norwegian companies state as their tax registration (BT-32), the register they are entered in. */
const ENTERPRISE_REGISTER = 'Foretaksregisteret';

const rules: readonly InvoiceRule[] = [
  {
    id: 'NO-R-002',
    severity: 'warning',
    terms: ['BT-32'],
    message: `Most Norwegian sellers (limited companies, branches of foreign companies) must state "${ENTERPRISE_REGISTER}" as their tax registration (BT-32)`,
    check(invoice, report) {
      if (text(invoice.seller?.taxRegistrationId) !== ENTERPRISE_REGISTER)
        report('/seller/taxRegistrationId');
    },
  },
  {
    id: 'NO-R-001',
    terms: ['BT-31'],
    message:
      'A Norwegian seller’s VAT identifier (BT-31) must be "NO", a valid Norwegian organisation number (nine digits) and "MVA"',
    check(invoice, report) {
      const vatId = invoice.seller?.vatId;
      if (typeof vatId !== 'string' || !vatId.startsWith('NO')) return;
      const body = vatId.slice(2);
      if (!NORWEGIAN_VAT_BODY.test(body) || !validNorwegianOrganisationNumber(body.slice(0, 9)))
        report('/seller/vatId');
    },
  },
];

export const peppolNorway: InvoiceRuleModule = {
  id: 'peppol-no',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3, Norway (NO-R-*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  appliesTo: (invoice, context) => supplierCountry(invoice, context) === 'NO',
  rules,
};

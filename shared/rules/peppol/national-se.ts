import { exactCompare, type ExactDecimal } from '../../model/exact-decimal';
import type { HeldInvoice, InvoiceRule, InvoiceRuleModule, Report } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { decimal, list, present, text } from '../values';
import { validSwedishOrganisationNumber } from './national/check-digits';
import { isNumber, length } from './national/xpath';

/**
 * PEPPOL BIS Billing 3's rules for Swedish sellers (SE-R-*): they apply when the seller's postal address is
 * in Sweden (`SE`, as written); the VAT rules only when its VAT identifier is Swedish too.
 */

const sellerInSweden = (invoice: HeldInvoice) => invoice.seller?.address?.country === 'SE';
const swedishVatId = (invoice: HeldInvoice) => invoice.seller?.vatId?.startsWith('SE') === true;

/** The Swedish standard VAT rates (category S). */
const SWEDISH_RATES: readonly ExactDecimal[] = [25n, 12n, 6n].map((units) => ({ units, scale: 0 }));

/** What a Swedish seller states as its tax registration (BT-32): approved for F tax. */
const F_TAX_APPROVAL = 'GODKÄND FÖR F-SKATT';

/** The payment service provider (BT-86) that marks an account (BT-84) as a Plusgiro or Bankgiro number. */
const PLUSGIRO = 'SE:PLUSGIRO';
const BANKGIRO = 'SE:BANKGIRO';

/** Payment means codes (BT-81) Swedish sellers should not use for giro and domestic credit transfers. */
const GIRO_CODES: readonly string[] = ['50', '56'];

/** Each VAT category code and rate of the document: breakdown, document allowances and charges, lines. */
function eachCategory(
  invoice: HeldInvoice,
  visit: (category: string | undefined, rate: unknown, ratePath: string) => void,
): void {
  list(invoice.vatBreakdown).forEach((b, i) => visit(b?.category, b?.rate, `/vatBreakdown/${i}/rate`));
  list(invoice.allowances).forEach((a, i) => visit(a?.vatCategory, a?.vatRate, `/allowances/${i}/vatRate`));
  list(invoice.charges).forEach((c, i) => visit(c?.vatCategory, c?.vatRate, `/charges/${i}/vatRate`));
  list(invoice.lines).forEach((l, i) => visit(l?.vat?.category, l?.vat?.rate, `/lines/${i}/vat/rate`));
}

/** A rule on the accounts (BT-84) of credit transfers (code 30) to a Plusgiro or Bankgiro. */
function giroRule(
  id: string,
  provider: string,
  message: string,
  holds: (account: string) => boolean,
): InvoiceRule {
  return {
    id,
    severity: 'warning',
    terms: ['BT-84'],
    message,
    check(invoice, report: Report<string>) {
      if (text(invoice.payment?.meansCode) !== '30') return;
      list(invoice.payment?.creditTransfers).forEach((transfer, i) => {
        const account = transfer?.accountId;
        if (text(transfer?.serviceProviderId) === provider && present(account) && !holds(text(account) ?? ''))
          report(`/payment/creditTransfers/${i}/accountId`);
      });
    },
  };
}

const rules: readonly InvoiceRule[] = [
  {
    id: 'SE-R-001',
    terms: ['BT-31'],
    message: 'A Swedish seller’s Swedish VAT identifier (BT-31) must be 14 characters long',
    check(invoice, report) {
      if (swedishVatId(invoice) && length(text(invoice.seller?.vatId)) !== 14) report('/seller/vatId');
    },
  },
  {
    id: 'SE-R-002',
    terms: ['BT-31'],
    message: 'The twelve characters after "SE" in a Swedish seller’s VAT identifier (BT-31) must be digits',
    check(invoice, report) {
      if (swedishVatId(invoice) && !isNumber(invoice.seller!.vatId!.slice(2, 14))) report('/seller/vatId');
    },
  },
  {
    id: 'SE-R-003',
    terms: ['BT-30'],
    message: 'A Swedish seller’s organisation number (BT-30) must be numeric',
    check(invoice, report) {
      const id = invoice.seller?.legalRegistration?.id;
      if (present(id) && !isNumber(id)) report('/seller/legalRegistration/id');
    },
  },
  {
    id: 'SE-R-004',
    terms: ['BT-30'],
    message: 'A Swedish seller’s organisation number (BT-30) must be 10 characters long',
    check(invoice, report) {
      const id = invoice.seller?.legalRegistration?.id;
      if (present(id) && length(text(id)) !== 10) report('/seller/legalRegistration/id');
    },
  },
  {
    id: 'SE-R-013',
    terms: ['BT-30'],
    message: 'The last digit of a Swedish seller’s organisation number (BT-30) must be its Luhn check digit',
    check(invoice, report) {
      const id = invoice.seller?.legalRegistration?.id;
      if (present(id) && !validSwedishOrganisationNumber(text(id) ?? ''))
        report('/seller/legalRegistration/id');
    },
  },
  {
    id: 'SE-R-005',
    terms: ['BT-32'],
    message: `A Swedish seller’s tax registration (BT-32), when given, must read "Godkänd för F-skatt"`,
    check(invoice, report) {
      const seller = invoice.seller;
      if (!present(seller?.legalRegistration?.id) || !present(seller?.taxRegistrationId)) return;
      if (text(seller!.taxRegistrationId)!.toUpperCase() !== F_TAX_APPROVAL)
        report('/seller/taxRegistrationId');
    },
  },
  {
    id: 'SE-R-006',
    terms: ['BT-96', 'BT-103', 'BT-119', 'BT-152'],
    message: 'A Swedish seller’s standard VAT rate (category S) must be 25, 12 or 6 %',
    check(invoice, report) {
      if (!swedishVatId(invoice)) return;
      eachCategory(invoice, (category, rate, path) => {
        if (category !== 'S') return;
        const value = decimal(rate);
        if (value === undefined || !SWEDISH_RATES.some((r) => exactCompare(r, value) === 0)) report(path);
      });
    },
  },
  giroRule('SE-R-007', PLUSGIRO, 'A Swedish seller’s Plusgiro account (BT-84) should be numeric', (account) =>
    isNumber(account),
  ),
  giroRule(
    'SE-R-010',
    PLUSGIRO,
    'A Swedish seller’s Plusgiro account (BT-84) should be 2 to 8 characters long',
    (account) => length(account) >= 2 && length(account) <= 8,
  ),
  giroRule('SE-R-008', BANKGIRO, 'A Swedish seller’s Bankgiro account (BT-84) should be numeric', (account) =>
    isNumber(account),
  ),
  giroRule(
    'SE-R-009',
    BANKGIRO,
    'A Swedish seller’s Bankgiro account (BT-84) should be 7 or 8 characters long',
    (account) => length(account) === 7 || length(account) === 8,
  ),
  {
    id: 'SE-R-011',
    severity: 'warning',
    terms: ['BT-81', 'BT-86'],
    message: `A Swedish seller paying by Bankgiro or Plusgiro should say so with payment means 30 (BT-81) and ${BANKGIRO} or ${PLUSGIRO} as payment service provider (BT-86)`,
    check(invoice, report) {
      if (GIRO_CODES.includes(text(invoice.payment?.meansCode) ?? '')) report('/payment/meansCode');
    },
  },
  {
    id: 'SE-R-012',
    severity: 'warning',
    terms: ['BT-81'],
    message:
      'Between a Swedish seller and a Swedish buyer, a credit transfer should have payment means 30 (BT-81)',
    check(invoice, report) {
      if (invoice.buyer?.address?.country === 'SE' && text(invoice.payment?.meansCode) === '31')
        report('/payment/meansCode');
    },
  },
];

export const peppolSweden: InvoiceRuleModule = {
  id: 'peppol-se',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3, Sweden (SE-R-*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  appliesTo: sellerInSweden,
  rules,
};

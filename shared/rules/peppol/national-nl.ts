import { exactCompare } from '../../model/exact-decimal';
import type { HeldInvoice, InvoiceRule, InvoiceRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { decimal, given, list, present, text } from '../values';
import { postalCountry } from './national/countries';

/**
 * PEPPOL BIS Billing 3's rules for Dutch sellers (NL-R-*, from the Dutch CIUS NLCIUS): they apply when the
 * seller's postal address is in the Netherlands; some only when the buyer's or the tax representative's is
 * too.
 */

const sellerInNL = (invoice: HeldInvoice) => postalCountry(invoice.seller) === 'NL';
const buyerInNL = (invoice: HeldInvoice) => postalCountry(invoice.buyer) === 'NL';

/** The type codes (BT-3) of a credit note in PEPPOL BIS 3. */
const CREDIT_NOTE_TYPES: readonly string[] = ['81', '83', '381', '396', '532'];

/** The payment means (BT-81) a Dutch seller may use with a Dutch buyer. */
const DOMESTIC_PAYMENT_MEANS: readonly string[] = ['30', '48', '49', '57', '58', '59'];

/** The legal registration schemes (BT-30-1, BT-47-1) of the Netherlands: KVK and OIN. */
const DUTCH_REGISTERS: readonly string[] = [' 0106 ', ' 0190 '];

type HeldAddress = NonNullable<NonNullable<HeldInvoice['seller']>['address']>;
type HeldIdentifier = NonNullable<NonNullable<HeldInvoice['seller']>['legalRegistration']>;

const complete = (address: HeldAddress) =>
  present(address.street) && present(address.city) && present(address.postalCode);

/** A KVK or OIN number: a scheme that names 0106 or 0190, and an identifier. */
function dutchRegistration(registration: HeldIdentifier): boolean {
  const schemes = ` ${registration.scheme ?? ''} `;
  return DUTCH_REGISTERS.some((scheme) => schemes.includes(scheme)) && given(registration.id);
}

const isCreditNote = (invoice: HeldInvoice) => CREDIT_NOTE_TYPES.includes(text(invoice.typeCode) ?? '');

/** Whether the document gives payment means (BG-16): a code, or an account, card or debited account. */
function hasPaymentMeans(invoice: HeldInvoice): boolean {
  const payment = invoice.payment;
  return (
    payment !== undefined &&
    (present(payment.meansCode) ||
      list(payment.creditTransfers).length > 0 ||
      present(payment.card) ||
      present(payment.directDebit?.debitedAccountId))
  );
}

const rules: readonly InvoiceRule[] = [
  {
    id: 'NL-R-001',
    terms: ['BG-3', 'BT-25'],
    message: 'A Dutch seller’s credit note must refer to the invoice it corrects (BT-25)',
    check(invoice, report) {
      if (isCreditNote(invoice) && !list(invoice.precedingInvoices).some((p) => present(p?.id)))
        report('/precedingInvoices');
    },
  },
  {
    id: 'NL-R-002',
    terms: ['BG-5', 'BT-35', 'BT-37', 'BT-38'],
    message:
      'A Dutch seller’s postal address must give the street (BT-35), city (BT-37) and post code (BT-38)',
    check(invoice, report) {
      const address = invoice.seller?.address;
      if (address !== undefined && !complete(address)) report('/seller/address');
    },
  },
  {
    id: 'NL-R-003',
    terms: ['BT-30'],
    message:
      'A Dutch seller’s legal registration identifier (BT-30) must be a KVK or OIN number (scheme 0106 or 0190)',
    check(invoice, report) {
      const registration = invoice.seller?.legalRegistration;
      if (present(registration?.id) && !dutchRegistration(registration!)) report('/seller/legalRegistration');
    },
  },
  {
    id: 'NL-R-004',
    terms: ['BG-8', 'BT-50', 'BT-52', 'BT-53'],
    message:
      'A Dutch buyer’s postal address on a Dutch seller’s invoice must give the street (BT-50), city (BT-52) and post code (BT-53)',
    check(invoice, report) {
      const address = invoice.buyer?.address;
      if (address !== undefined && buyerInNL(invoice) && !complete(address)) report('/buyer/address');
    },
  },
  {
    id: 'NL-R-005',
    terms: ['BT-47'],
    message:
      'A Dutch buyer’s legal registration identifier (BT-47) on a Dutch seller’s invoice must be a KVK or OIN number (scheme 0106 or 0190)',
    check(invoice, report) {
      const registration = invoice.buyer?.legalRegistration;
      if (present(registration?.id) && buyerInNL(invoice) && !dutchRegistration(registration!))
        report('/buyer/legalRegistration');
    },
  },
  {
    id: 'NL-R-006',
    terms: ['BG-12', 'BT-64', 'BT-66', 'BT-67'],
    message:
      'A Dutch tax representative’s postal address on a Dutch seller’s invoice must give the street (BT-64), city (BT-66) and post code (BT-67)',
    check(invoice, report) {
      const representative = invoice.taxRepresentative;
      const address = representative?.address;
      if (address !== undefined && postalCountry(representative) === 'NL' && !complete(address))
        report('/taxRepresentative/address');
    },
  },
  {
    id: 'NL-R-007',
    terms: ['BG-16', 'BT-115'],
    message: 'A Dutch seller must give payment means (BG-16) when the buyer is to pay (BT-115)',
    check(invoice, report) {
      const totals = invoice.totals;
      if (totals === undefined || hasPaymentMeans(invoice)) return;
      const payable = decimal(totals.payable);
      // nothing to pay: an invoice's amount due is not positive, a credit note's not negative
      const sign = payable === undefined ? undefined : exactCompare(payable, { units: 0n, scale: 0 });
      const nothingToPay = sign !== undefined && (isCreditNote(invoice) ? sign >= 0 : sign <= 0);
      if (!nothingToPay) report('/payment');
    },
  },
  {
    id: 'NL-R-008',
    terms: ['BT-81'],
    message: `A Dutch seller’s payment means for a Dutch buyer (BT-81) must be one of ${DOMESTIC_PAYMENT_MEANS.join(', ')}`,
    check(invoice, report) {
      if (!buyerInNL(invoice) || !hasPaymentMeans(invoice)) return;
      if (!DOMESTIC_PAYMENT_MEANS.includes(text(invoice.payment?.meansCode) ?? ''))
        report('/payment/meansCode');
    },
  },
  {
    id: 'NL-R-009',
    terms: ['BT-132', 'BT-13'],
    message:
      'A Dutch seller’s invoice that refers to purchase order lines (BT-132) must give the purchase order (BT-13)',
    check(invoice, report) {
      if (present(invoice.orderReference)) return;
      list(invoice.lines).forEach((line, i) => {
        if (present(line?.orderLineReference)) report(`/lines/${i}/orderLineReference`);
      });
    },
  },
];

export const peppolNetherlands: InvoiceRuleModule = {
  id: 'peppol-nl',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3, the Netherlands (NL-R-*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  appliesTo: sellerInNL,
  rules,
};

import { exactCompare } from '../../model/exact-decimal';
import type { ExactDecimal } from '../../model/exact-decimal';
import type { HeldInvoice, InvoiceRule, InvoiceRuleModule, RuleContext } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { decimal, given, list, text } from '../values';
import {
  DK_BANK_TRANSFER_MEANS,
  DK_CREDIT_NOTE_TYPES,
  DK_CVR_SCHEME,
  DK_DIRECT_DEBIT_MEANS,
  DK_FIK_ACCOUNT_LENGTH,
  DK_FIK_CARD_TYPES,
  DK_FIK_MEANS,
  DK_FIK_REFERENCE_LENGTHS,
  DK_FIK_WITH_INSTRUCTION,
  DK_GIRO_ACCOUNT,
  DK_GIRO_CARD_TYPES,
  DK_GIRO_MEANS,
  DK_GIRO_REFERENCE_LENGTH,
  DK_GIRO_WITH_INSTRUCTION,
  DK_NON_VAT_TAX_REASON_CODE,
  DK_PAYMENT_MEANS,
  DK_UNSPSC_SCHEME,
  DK_UNSPSC_VERSIONS,
} from './dk/codes';

/**
 * PEPPOL BIS Billing 3's Danish rules (DK-R-*). The module applies when the seller is in Denmark (BT-40 is
 * `DK`, the schematron's `DKSupplierCountry`); most rules also need the buyer there (BT-55 `DK`).
 *
 * Where the UBL and CII bindings of a rule differ, the rules follow UBL, PEPPOL's main syntax:
 * - the payment rules (DK-R-005 … 011) apply to invoices, not credit notes (UBL binds them to `Invoice`);
 * - DK-R-007 asks for the mandate (BT-89) and the debited account (BT-91); on a CII document the CII binding
 *   (the mandate and the creditor identifier, BT-90) is checked on the XML by `peppolDenmarkCii`;
 * - DK-R-008 takes a Giro account of 7 or 8 digits, where CII takes 7 characters;
 * - DK-R-013 asks for a scheme on every seller and buyer identifier (BT-29, BT-46), where CII asks it of
 *   `GlobalID` only (a CII `ram:ID` has no scheme by definition);
 * - DK-R-004 checks every allowance and charge (document and line level), where CII checks the document's.
 * A credit note (DK-R-016, and the invoices of the payment rules) is a document whose type code (BT-3) is one
 * UBL writes as a `CreditNote`.
 */

const DK = 'DK';
const ZERO: ExactDecimal = { units: 0n, scale: 0 };

const sellerInDenmark = (doc: HeldInvoice) => doc.seller?.address?.country === DK;
const buyerInDenmark = (doc: HeldInvoice) => doc.buyer?.address?.country === DK;
const bothInDenmark = (doc: HeldInvoice) => sellerInDenmark(doc) && buyerInDenmark(doc);
const isCreditNote = (doc: HeldInvoice, context: RuleContext = {}) =>
  // UBL's artefact knows a credit note by its root element, whatever its type code
  context.syntax === 'ubl'
    ? context.root === 'CreditNote'
    : typeof doc.typeCode === 'string' && DK_CREDIT_NOTE_TYPES.has(doc.typeCode);

/** Raw text of a term (as the schematron's string functions see it), '' when absent. */
const raw = (value: unknown): string => (typeof value === 'string' ? value : '');

type Payment = NonNullable<HeldInvoice['payment']>;

/**
 * The payment instructions the payment rules judge: those of an invoice (not a credit note) from a Danish
 * seller to a Danish buyer. One canonical `payment` holds what UBL spreads over `cac:PaymentMeans`.
 */
function danishPayment(doc: HeldInvoice): Payment | undefined {
  if (!bothInDenmark(doc) || isCreditNote(doc)) return undefined;
  return doc.payment;
}

/**
 * The payee accounts of a payment (BG-17), each with its JSON path; one absent account when there is none,
 * so that a rule requiring an account reports its absence.
 */
function accountsOf(payment: Payment): Array<{ id: string; path: string }> {
  const transfers = list(payment.creditTransfers);
  if (transfers.length === 0) return [{ id: '', path: '/payment/creditTransfers/0/accountId' }];
  return transfers.map((t, i) => ({
    id: raw(t?.accountId),
    path: `/payment/creditTransfers/${i}/accountId`,
  }));
}

/** The card type prefix (kortartkode) of a payment reference: its first three characters. */
const cardType = (payment: Payment) => raw(payment.remittanceInformation).slice(0, 3);

const REMITTANCE = '/payment/remittanceInformation';

/** A text that XPath's `number()` reads as a number (xs:double lexical form, white space around allowed). */
const DOUBLE = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * DK-R-004: the reason of a non-VAT tax allowance or charge is a 4-digit tax category (a number 0 … 9999
 * written in 4 characters), or a text with a `#` that neither starts nor ends it.
 */
function isNonVatTaxReason(reason: unknown): boolean {
  const value = raw(reason);
  const normalized = text(value) ?? '';
  if (normalized.length === 4 && DOUBLE.test(value)) {
    const n = Number(value);
    if (n >= 0 && n <= 9999) return true;
  }
  return value.includes('#') && !value.startsWith('#') && !value.endsWith('#');
}

interface AllowanceLike {
  reason?: string;
  reasonCode?: string;
}

/** Every allowance and charge of the document, at document and line level, with its JSON path. */
function* allowancesAndCharges(doc: HeldInvoice): Generator<[AllowanceLike | undefined, string]> {
  for (const [i, a] of list(doc.allowances).entries()) yield [a, `/allowances/${i}`];
  for (const [i, c] of list(doc.charges).entries()) yield [c, `/charges/${i}`];
  for (const [l, line] of list(doc.lines).entries()) {
    for (const [i, a] of list(line?.allowances).entries()) yield [a, `/lines/${l}/allowances/${i}`];
    for (const [i, c] of list(line?.charges).entries()) yield [c, `/lines/${l}/charges/${i}`];
  }
}

const rules: InvoiceRule[] = [
  {
    id: 'DK-R-002',
    terms: ['BT-30'],
    message: 'A Danish seller must give its legal registration identifier (CVR number, BT-30).',
    check(doc, report) {
      if (!given(doc.seller?.legalRegistration?.id)) report('/seller/legalRegistration/id');
    },
  },
  {
    id: 'DK-R-003',
    severity: 'warning',
    terms: ['BT-158', 'BT-158-1', 'BT-158-2'],
    message:
      'An item classified by UNSPSC (scheme TST) between Danish parties should name UNSPSC version 19.05.01 or 26.08.01.',
    check(doc, report) {
      if (!bothInDenmark(doc)) return;
      for (const [l, line] of list(doc.lines).entries()) {
        const classes = list(line?.item?.classifications);
        const unspsc = classes.some((c) => c?.scheme === DK_UNSPSC_SCHEME);
        const versioned = classes.some((c) => DK_UNSPSC_VERSIONS.has(raw(c?.version)));
        if (unspsc && !versioned) report(`/lines/${l}/item/classifications`);
      }
    },
  },
  {
    id: 'DK-R-004',
    terms: ['BT-97', 'BT-98', 'BT-104', 'BT-105', 'BT-139', 'BT-140', 'BT-144', 'BT-145'],
    message:
      'An allowance or charge for a non-VAT tax between Danish parties (reason code ZZZ) must give as its reason the 4-digit tax category, or a text with a # that neither starts nor ends it.',
    check(doc, report) {
      if (!bothInDenmark(doc)) return;
      for (const [item, path] of allowancesAndCharges(doc))
        if (item?.reasonCode === DK_NON_VAT_TAX_REASON_CODE && !isNonVatTaxReason(item.reason))
          report(`${path}/reason`);
    },
  },
  {
    id: 'DK-R-005',
    terms: ['BT-81'],
    message:
      'Between Danish parties the payment means code must be one of 1, 10, 31, 42, 48, 49, 50, 58, 59, 93 and 97.',
    check(doc, report) {
      const payment = danishPayment(doc);
      if (payment && !DK_PAYMENT_MEANS.has(raw(payment.meansCode)))
        report(
          '/payment/meansCode',
          `Payment means code '${raw(payment.meansCode)}' is not one a Danish supplier may use (1, 10, 31, 42, 48, 49, 50, 58, 59, 93, 97).`,
        );
    },
  },
  {
    id: 'DK-R-006',
    terms: ['BT-81', 'BT-84', 'BT-86'],
    message:
      'Between Danish parties a bank transfer (payment means 31 or 42) must give the account number (BT-84) and the bank registration number (BT-86).',
    check(doc, report) {
      const payment = danishPayment(doc);
      if (!payment || !DK_BANK_TRANSFER_MEANS.has(raw(payment.meansCode))) return;
      const transfers = list(payment.creditTransfers);
      if (transfers.length === 0) report('/payment/creditTransfers');
      for (const [i, t] of transfers.entries()) {
        if (!given(t?.accountId)) report(`/payment/creditTransfers/${i}/accountId`);
        else if (!given(t?.serviceProviderId)) report(`/payment/creditTransfers/${i}/serviceProviderId`);
      }
    },
  },
  {
    id: 'DK-R-007',
    terms: ['BT-81', 'BT-89', 'BT-91'],
    message:
      'Between Danish parties a direct debit (payment means 49) must give the mandate reference (BT-89) and the debited account (BT-91).',
    check(doc, report, context) {
      // a CII document is judged on its XML, where PEPPOL's CII artefact binds the rule differently
      if (context.syntax === 'cii') return;
      const payment = danishPayment(doc);
      if (!payment || raw(payment.meansCode) !== DK_DIRECT_DEBIT_MEANS) return;
      const debit = payment.directDebit;
      if (!given(debit?.mandateReference)) report('/payment/directDebit/mandateReference');
      else if (!given(debit?.debitedAccountId)) report('/payment/directDebit/debitedAccountId');
    },
  },
  {
    id: 'DK-R-008',
    terms: ['BT-81', 'BT-83', 'BT-84'],
    message:
      'Between Danish parties a Giro payment (payment means 50) must give a payment reference (BT-83) starting with 01#, 04# or 15# and a Giro account number (BT-84) of 7 or 8 digits.',
    check(doc, report) {
      const payment = danishPayment(doc);
      if (!payment || raw(payment.meansCode) !== DK_GIRO_MEANS) return;
      if (!DK_GIRO_CARD_TYPES.has(cardType(payment))) return report(REMITTANCE);
      for (const account of accountsOf(payment)) if (!DK_GIRO_ACCOUNT.test(account.id)) report(account.path);
    },
  },
  {
    id: 'DK-R-009',
    terms: ['BT-81', 'BT-83'],
    message:
      'Between Danish parties a Giro payment reference (BT-83) starting with 04# or 15# must go on with the 16-digit instruction id (19 characters in all).',
    check(doc, report) {
      const payment = danishPayment(doc);
      if (!payment || raw(payment.meansCode) !== DK_GIRO_MEANS) return;
      if (
        DK_GIRO_WITH_INSTRUCTION.has(cardType(payment)) &&
        raw(payment.remittanceInformation).length !== DK_GIRO_REFERENCE_LENGTH
      )
        report(REMITTANCE);
    },
  },
  {
    id: 'DK-R-010',
    terms: ['BT-81', 'BT-83', 'BT-84'],
    message:
      'Between Danish parties a FIK payment (payment means 93) must give a payment reference (BT-83) starting with 71#, 73# or 75# and a creditor number (BT-84) of 8 characters.',
    check(doc, report) {
      const payment = danishPayment(doc);
      if (!payment || raw(payment.meansCode) !== DK_FIK_MEANS) return;
      if (!DK_FIK_CARD_TYPES.has(cardType(payment))) return report(REMITTANCE);
      for (const account of accountsOf(payment))
        if (account.id.length !== DK_FIK_ACCOUNT_LENGTH) report(account.path);
    },
  },
  {
    id: 'DK-R-011',
    terms: ['BT-81', 'BT-83'],
    message:
      'Between Danish parties a FIK payment reference (BT-83) starting with 71# or 75# must go on with the 15 or 16-digit instruction id (18 or 19 characters in all).',
    check(doc, report) {
      const payment = danishPayment(doc);
      if (!payment || raw(payment.meansCode) !== DK_FIK_MEANS) return;
      if (
        DK_FIK_WITH_INSTRUCTION.has(cardType(payment)) &&
        !DK_FIK_REFERENCE_LENGTHS.has(raw(payment.remittanceInformation).length)
      )
        report(REMITTANCE);
    },
  },
  {
    id: 'DK-R-013',
    terms: ['BT-29', 'BT-29-1', 'BT-46', 'BT-46-1'],
    message:
      'Between Danish parties every seller and buyer identifier (BT-29, BT-46) must name its identification scheme.',
    check(doc, report) {
      if (!bothInDenmark(doc)) return;
      for (const [i, id] of list(doc.seller?.identifiers).entries())
        if (id && !given(id.scheme)) report(`/seller/identifiers/${i}/scheme`);
      const buyer = doc.buyer?.identifier;
      if (buyer && !given(buyer.scheme)) report('/buyer/identifier/scheme');
    },
  },
  {
    id: 'DK-R-014',
    terms: ['BT-30', 'BT-30-1'],
    message:
      "A Danish seller's legal registration identifier (BT-30) must have the scheme 0184 (CVR number).",
    check(doc, report) {
      const registration = doc.seller?.legalRegistration;
      if (registration && text(registration.scheme) !== DK_CVR_SCHEME)
        report('/seller/legalRegistration/scheme');
    },
  },
  {
    id: 'DK-R-016',
    terms: ['BT-3', 'BT-115'],
    message: 'A credit note between Danish parties must not have a negative amount due for payment (BT-115).',
    check(doc, report, context) {
      if (!buyerInDenmark(doc) || !isCreditNote(doc, context)) return;
      const payable = decimal(doc.totals?.payable);
      if (payable && exactCompare(payable, ZERO) < 0) report('/totals/payable');
    },
  },
];

/** PEPPOL BIS Billing 3's Danish rules, for a seller in Denmark. */
export const peppolDenmark: InvoiceRuleModule = {
  id: 'peppol-dk',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3, Denmark (DK-R-*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  appliesTo: sellerInDenmark,
  rules,
};

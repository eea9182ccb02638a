import type { InvoiceRule } from '../../rule';
import { given, present, text } from '../../values';
import { eachItem, fatal } from './support';

/** Payment means codes of a credit transfer (UNTDID 4461): 30 credit transfer, 58 SEPA credit transfer. */
const CREDIT_TRANSFER_MEANS: ReadonlySet<string> = new Set(['30', '58']);

const creditTransfer = (meansCode: unknown): boolean => CREDIT_TRANSFER_MEANS.has(text(meansCode) ?? '');

/** Document level allowances and charges (BG-20, BG-21), VAT breakdown (BG-23) and payment (BG-16 … BG-18). */
export const settlementRules: readonly InvoiceRule[] = [
  fatal(
    'BR-32',
    ['BG-20', 'BT-95'],
    'BT-95 Document level allowance VAT category code is required',
    (invoice, report) => {
      eachItem(invoice.allowances, '/allowances', (allowance, path) => {
        if (!present(allowance.vatCategory)) report(`${path}/vatCategory`);
      });
    },
  ),
  ...(['BR-33', 'BR-CO-21'] as const).map((id) =>
    fatal(
      id,
      ['BG-20', 'BT-97', 'BT-98'],
      'A document level allowance (BG-20) needs a reason (BT-97), a reason code (BT-98) or both',
      (invoice, report) => {
        eachItem(invoice.allowances, '/allowances', (allowance, path) => {
          if (!present(allowance.reason) && !present(allowance.reasonCode)) report(`${path}/reason`);
        });
      },
    ),
  ),
  fatal(
    'BR-37',
    ['BG-21', 'BT-102'],
    'BT-102 Document level charge VAT category code is required',
    (invoice, report) => {
      eachItem(invoice.charges, '/charges', (charge, path) => {
        if (!present(charge.vatCategory)) report(`${path}/vatCategory`);
      });
    },
  ),
  ...(['BR-38', 'BR-CO-22'] as const).map((id) =>
    fatal(
      id,
      ['BG-21', 'BT-104', 'BT-105'],
      'A document level charge (BG-21) needs a reason (BT-104), a reason code (BT-105) or both',
      (invoice, report) => {
        eachItem(invoice.charges, '/charges', (charge, path) => {
          if (!present(charge.reason) && !present(charge.reasonCode)) report(`${path}/reason`);
        });
      },
    ),
  ),
  fatal('BR-47', ['BG-23', 'BT-118'], 'BT-118 VAT category code is required', (invoice, report) => {
    eachItem(invoice.vatBreakdown, '/vatBreakdown', (entry, path) => {
      if (!present(entry.category)) report(`${path}/category`);
    });
  }),
  fatal(
    'BR-48',
    ['BG-23', 'BT-119'],
    'BT-119 VAT category rate is required, except for category O (not subject to VAT)',
    (invoice, report) => {
      eachItem(invoice.vatBreakdown, '/vatBreakdown', (entry, path) => {
        if (!present(entry.rate) && text(entry.category) !== 'O') report(`${path}/rate`);
      });
    },
  ),
  fatal(
    'BR-CO-18',
    ['BG-23'],
    'The VAT breakdown (BG-23) is required: at least one entry',
    (invoice, report) => {
      if (!invoice.vatBreakdown?.some((entry) => present(entry))) report('/vatBreakdown');
    },
  ),
  fatal('BR-49', ['BG-16', 'BT-81'], 'BT-81 Payment means type code is required', (invoice, report) => {
    const payment = invoice.payment;
    if (!payment || present(payment.meansCode)) return;
    // What each syntax writes within its payment means (UBL PaymentMeans, CII SpecifiedTradeSettlementPaymentMeans).
    if (
      present(payment.meansText) ||
      present(payment.creditTransfers) ||
      present(payment.card) ||
      present(payment.directDebit?.debitedAccountId)
    )
      report('/payment/meansCode');
  }),
  fatal('BR-50', ['BG-17', 'BT-84'], 'BT-84 Payment account identifier is required', (invoice, report) => {
    const payment = invoice.payment;
    if (!payment || !creditTransfer(payment.meansCode)) return;
    eachItem(payment.creditTransfers, '/payment/creditTransfers', (transfer, path) => {
      if (!given(transfer.accountId)) report(`${path}/accountId`);
    });
  }),
  fatal(
    'BR-61',
    ['BT-81', 'BT-84'],
    'Payment by credit transfer (BT-81 30 or 58) needs the payment account identifier (BT-84)',
    (invoice, report) => {
      const payment = invoice.payment;
      if (!payment || !creditTransfer(payment.meansCode)) return;
      if (!payment.creditTransfers?.some((transfer) => present(transfer?.accountId)))
        report('/payment/creditTransfers/0/accountId');
    },
  ),
  {
    id: 'BR-51',
    severity: 'warning',
    terms: ['BT-87'],
    message:
      'The payment card primary account number (BT-87) should not be given in full: its first 6 and last 4 digits at most',
    check: (invoice, report) => {
      const number = text(invoice.payment?.card?.primaryAccountNumber);
      if (number !== undefined && number.length > 10) report('/payment/card/primaryAccountNumber');
    },
  },
];

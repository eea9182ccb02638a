import type { InvoiceRule } from '../../rule';
import { text } from '../../values';
import { isCalendarDate } from './dates';

/**
 * The PEPPOL BIS 3 rules whose official tests read the same in both syntaxes and only terms the canonical
 * invoice holds: the VAT accounting currency (R005) and the invoice line period within the invoicing
 * period (R110, R111).
 */

const vatAccountingCurrency: InvoiceRule = {
  id: 'PEPPOL-EN16931-R005',
  terms: ['BT-6', 'BT-5'],
  message: 'The VAT accounting currency (BT-6), when given, must differ from the invoice currency (BT-5)',
  check(invoice, report) {
    const vatCurrency = text(invoice.vatAccountingCurrency);
    if (vatCurrency !== undefined && vatCurrency === (text(invoice.currency) ?? ''))
      report(
        '/vatAccountingCurrency',
        `The VAT accounting currency (BT-6) must differ from the invoice currency (BT-5), both are ${vatCurrency}`,
      );
  },
};

/** A line period's date that must not lie on the wrong side of the invoicing period's (both valid dates). */
function linePeriodRule(id: string, bound: 'start' | 'end', terms: string[], message: string): InvoiceRule {
  return {
    id,
    terms,
    message,
    check(invoice, report) {
      const limit = text(invoice.invoicingPeriod?.[bound]);
      if (limit === undefined || !isCalendarDate(limit)) return;
      invoice.lines?.forEach((line, i) => {
        const date = text(line?.period?.[bound]);
        if (date === undefined || !isCalendarDate(date)) return;
        const outside = bound === 'start' ? date < limit : date > limit;
        if (outside)
          report(
            `/lines/${i}/period/${bound}`,
            `${message}: ${date} is ${bound === 'start' ? 'before' : 'after'} ${limit}`,
          );
      });
    },
  };
}

export const documentRules: readonly InvoiceRule[] = [
  vatAccountingCurrency,
  linePeriodRule(
    'PEPPOL-EN16931-R110',
    'start',
    ['BT-134', 'BT-73'],
    'An invoice line period must not start before the invoicing period (BT-134 ≥ BT-73)',
  ),
  linePeriodRule(
    'PEPPOL-EN16931-R111',
    'end',
    ['BT-135', 'BT-74'],
    'An invoice line period must not end after the invoicing period (BT-135 ≤ BT-74)',
  ),
];

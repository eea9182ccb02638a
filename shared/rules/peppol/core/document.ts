import type { InvoiceRule } from '../../rule';
import { text } from '../../values';
import { isCalendarDate } from './dates';

/**
 * The PEPPOL BIS 3 rules whose official tests read the same in both syntaxes and only terms the canonical
 * invoice holds: the VAT accounting currency (R005), the invoice line period within the invoicing
 * period (R110, R111) and the unit of the price base quantity (R130).
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

/**
 * PEPPOL-EN16931-R130 as PEPPOL's UBL artefact tests it: a base quantity with a unit (BT-150) on a line with
 * an invoiced quantity (BT-129, or only its unit BT-130) has the invoiced quantity's unit; a line quantity
 * without a unit differs from any. The CII artefact also fails a line without any billed quantity: that case
 * is `peppolCiiSyntax`'s.
 */
const baseQuantityUnit: InvoiceRule = {
  id: 'PEPPOL-EN16931-R130',
  terms: ['BT-150', 'BT-130'],
  message: 'The unit of the price base quantity (BT-150) must be the unit of the invoiced quantity (BT-130)',
  check(invoice, report) {
    invoice.lines?.forEach((line, i) => {
      const baseUnit = line?.price?.baseQuantityUnit;
      if (typeof baseUnit !== 'string') return;
      const unit = line?.unitCode;
      if (line?.quantity === undefined && unit === undefined) return;
      if (baseUnit !== unit)
        report(
          `/lines/${i}/price/baseQuantityUnit`,
          unit === undefined
            ? `The price base quantity has the unit ${baseUnit} (BT-150), the invoiced quantity none (BT-130)`
            : `The unit of the price base quantity (BT-150, ${baseUnit}) must be that of the invoiced quantity (BT-130, ${unit})`,
        );
    });
  },
};

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
  baseQuantityUnit,
];

import type { InvoiceRule } from '../../rule';
import { given, present } from '../../values';
import { eachItem, fatal } from './support';

/** A calendar date as the model writes it (xs:date without a time zone): compared as text. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `end` is before `start`, both being dates (a term that is no date is judged elsewhere). */
export function endsBeforeStart(start: unknown, end: unknown): boolean {
  if (typeof start !== 'string' || typeof end !== 'string') return false;
  const from = start.trim();
  const to = end.trim();
  return ISO_DATE.test(from) && ISO_DATE.test(to) && to < from;
}

/** What every invoice states about itself: number, dates, currencies, period, references (BG-1 … BG-3, BG-14, BG-24). */
export const documentRules: readonly InvoiceRule[] = [
  fatal('BR-02', ['BT-1'], 'BT-1 Invoice number is required', (invoice, report) => {
    if (!given(invoice.id)) report('/id');
  }),
  fatal('BR-03', ['BT-2'], 'BT-2 Invoice issue date is required', (invoice, report) => {
    if (!given(invoice.issueDate)) report('/issueDate');
  }),
  fatal('BR-04', ['BT-3'], 'BT-3 Invoice type code is required', (invoice, report) => {
    if (!given(invoice.typeCode)) report('/typeCode');
  }),
  fatal('BR-05', ['BT-5'], 'BT-5 Invoice currency code is required', (invoice, report) => {
    if (!given(invoice.currency)) report('/currency');
  }),
  fatal('BR-16', ['BG-25'], 'BG-25 Invoice line (at least one) is required', (invoice, report) => {
    if (!invoice.lines?.some((line) => present(line))) report('/lines');
  }),
  fatal(
    'BR-CO-03',
    ['BT-7', 'BT-8'],
    'The VAT point date (BT-7) and the VAT point date code (BT-8) exclude each other: give one of them',
    (invoice, report) => {
      if (present(invoice.taxPointDate) && present(invoice.vatPointDateCode)) report('/vatPointDateCode');
    },
  ),
  fatal(
    'BR-29',
    ['BT-73', 'BT-74'],
    'The invoicing period ends (BT-74) before it starts (BT-73)',
    (invoice, report) => {
      const period = invoice.invoicingPeriod;
      if (period && endsBeforeStart(period.start, period.end))
        report(
          '/invoicingPeriod/end',
          `The invoicing period ends (BT-74 ${period.end}) before it starts (BT-73 ${period.start})`,
        );
    },
  ),
  fatal(
    'BR-CO-19',
    ['BG-14', 'BT-73', 'BT-74'],
    'An invoicing period (BG-14) needs its start date (BT-73), its end date (BT-74) or both',
    (invoice, report) => {
      const period = invoice.invoicingPeriod;
      if (period && !present(period.start) && !present(period.end)) report('/invoicingPeriod');
    },
  ),
  fatal(
    'BR-55',
    ['BG-3', 'BT-25'],
    'BT-25 Preceding Invoice reference is required in each preceding invoice reference (BG-3)',
    (invoice, report) => {
      eachItem(invoice.precedingInvoices, '/precedingInvoices', (reference, path) => {
        if (!given(reference.id)) report(`${path}/id`);
      });
    },
  ),
  fatal(
    'BR-52',
    ['BG-24', 'BT-122'],
    'BT-122 Supporting document reference is required in each additional supporting document (BG-24)',
    (invoice, report) => {
      eachItem(invoice.attachments, '/attachments', (document, path) => {
        if (!given(document.id)) report(`${path}/id`);
      });
    },
  ),
  fatal(
    'BR-57',
    ['BG-15', 'BT-80'],
    'BT-80 Deliver to country code is required in a deliver-to address (BG-15)',
    (invoice, report) => {
      const address = invoice.delivery?.address;
      if (address && !present(address.country)) report('/delivery/address/country');
    },
  ),
];

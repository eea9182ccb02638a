import type { HeldInvoice, InvoiceRule, InvoiceRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { given, list, present, text } from '../values';
import { validGreekTin } from './national/check-digits';
import { accountingSupplierCountry, customerCountry, supplierCountry } from './national/countries';
import { isNonNegativeInteger, isNumber, length } from './national/xpath';

/**
 * PEPPOL BIS Billing 3's rules for Greek sellers (GR-R-*, GR-S-*). Greece is `GR` or `EL`: a seller is Greek
 * by PEPPOL's seller country (VAT identifier of the seller or its tax representative, else postal country);
 * the electronic address rule (GR-R-009) looks at the seller's own VAT identifier or postal country only.
 * The invoice number of a Greek seller is six segments separated by `|`: the seller's TIN, the issue date,
 * a serial number, the Greek document type, and two more that must not be empty.
 */

const GREEK = ['GR', 'EL'];
const isGreek = (country: string) => GREEK.includes(country);
const greekSeller = (invoice: HeldInvoice) => isGreek(supplierCountry(invoice));
const greekBuyer = (invoice: HeldInvoice) => isGreek(customerCountry(invoice));
/** The MARK and invoice URL rules ask the seller's postal address to be in Greece as well. */
const greekSellerInGreece = (invoice: HeldInvoice) =>
  greekSeller(invoice) && invoice.seller?.address?.country === 'GR';

/** The document types of the Greek tax authority's classification that an invoice number may carry. */
const GREEK_DOCUMENT_TYPES: readonly string[] = ['1.1', '1.6', '2.1', '2.4', '5.1', '5.2'];

/** The supporting document (BT-123) descriptions that mark the MARK number and the invoice's URL. */
const MARK = '##M.AR.K##';
const INVOICE_URL = '##INVOICE|URL##';

/** A day, month and four-digit year (19xx or 20xx), separated by `-`, `\`, `/`, a space or nothing. */
const SEGMENT_DATE = /^(0?[1-9]|[12][0-9]|3[01])[-\\/ ]?(0?[1-9]|1[0-2])[-\\/ ]?(19|20)[0-9]{2}/;
const POSITIVE_INTEGER_START = /^[1-9]([0-9]*)/;

/** The segments of the invoice number (BT-1) between `|`, when it is there. */
function segmentsOf(invoice: HeldInvoice): string[] | undefined {
  return typeof invoice.id === 'string' ? invoice.id.split('|') : undefined;
}

/** A rule on one segment of a Greek seller's invoice number. */
function invoiceNumberRule(
  id: string,
  message: string,
  holds: (segments: string[], invoice: HeldInvoice) => boolean,
): InvoiceRule {
  return {
    id,
    terms: ['BT-1'],
    message,
    check(invoice, report) {
      const segments = segmentsOf(invoice);
      if (segments && greekSeller(invoice) && !holds(segments, invoice)) report('/id');
    },
  };
}

/** The TIN within a VAT identifier: its nine characters after the two-letter prefix. */
const tinOf = (vatId: string | undefined) => (typeof vatId === 'string' ? vatId.slice(2, 11) : undefined);

/** A Greek VAT identifier: `EL` and a valid TIN. */
const greekVatId = (vatId: string) => vatId.startsWith('EL') && validGreekTin(vatId.slice(2));

const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a === b;

function descriptionCount(invoice: HeldInvoice, description: string): number {
  let count = 0;
  for (const document of list(invoice.attachments)) if (document?.description === description) count++;
  return count;
}

const rules: readonly InvoiceRule[] = [
  invoiceNumberRule(
    'GR-R-001-1',
    'A Greek seller’s invoice number (BT-1) must have six segments separated by "|"',
    (segments) => segments.length === 6,
  ),
  invoiceNumberRule(
    'GR-R-001-2',
    'The first segment of a Greek seller’s invoice number (BT-1) must be a valid Greek TIN, the one in the VAT identifier of the seller (BT-31) or of its tax representative (BT-63)',
    ([tin = ''], invoice) =>
      length(text(tin)) === 9 &&
      validGreekTin(tin) &&
      (same(tin, tinOf(invoice.seller?.vatId)) || same(tin, tinOf(invoice.taxRepresentative?.vatId))),
  ),
  invoiceNumberRule(
    'GR-R-001-3',
    'The second segment of a Greek seller’s invoice number (BT-1) must be a date (day/month/year) equal to the invoice issue date (BT-2)',
    (segments, invoice) => {
      const date = segments[1];
      if (date === undefined || length(text(date)) === 0 || !SEGMENT_DATE.test(date)) return false;
      const [day, month, year] = date.split('/');
      const issued = typeof invoice.issueDate === 'string' ? invoice.issueDate.split('-') : [];
      return same(day, issued[2]) && same(month, issued[1]) && same(year, issued[0]);
    },
  ),
  invoiceNumberRule(
    'GR-R-001-4',
    'The third segment of a Greek seller’s invoice number (BT-1) must be an integer that is not negative',
    ([, , serial]) => length(text(serial)) > 0 && isNumber(serial) && isNonNegativeInteger(serial),
  ),
  invoiceNumberRule(
    'GR-R-001-5',
    `The fourth segment of a Greek seller’s invoice number (BT-1) must be a Greek document type (${GREEK_DOCUMENT_TYPES.join(', ')})`,
    ([, , , type]) => length(text(type)) > 0 && GREEK_DOCUMENT_TYPES.includes(type!),
  ),
  invoiceNumberRule(
    'GR-R-001-6',
    'The fifth segment of a Greek seller’s invoice number (BT-1) must not be empty',
    (segments) => length(segments[4]) > 0,
  ),
  invoiceNumberRule(
    'GR-R-001-7',
    'The sixth segment of a Greek seller’s invoice number (BT-1) must not be empty',
    (segments) => length(segments[5]) > 0,
  ),
  {
    id: 'GR-R-002',
    terms: ['BT-28'],
    message:
      'A Greek seller must give its name (BT-28) as registered in the Greek business registry (G.E.MH.) or, for a natural person, in the tax registry',
    check(invoice, report) {
      if (greekSeller(invoice) && length(invoice.seller?.tradingName) === 0) report('/seller/tradingName');
    },
  },
  {
    id: 'GR-S-011',
    severity: 'warning',
    terms: ['BT-31'],
    message: 'A Greek seller should give its VAT identifier (BT-31): "EL" followed by its TIN',
    check(invoice, report) {
      if (!greekSeller(invoice)) return;
      const vatId = invoice.seller?.vatId;
      if (vatId === undefined || !greekVatId(vatId)) report('/seller/vatId');
    },
  },
  {
    id: 'GR-R-003',
    terms: ['BT-31'],
    message: 'A Greek seller’s VAT identifier (BT-31) must be "EL" followed by a valid TIN',
    check(invoice, report) {
      const vatId = invoice.seller?.vatId;
      if (vatId !== undefined && greekSeller(invoice) && !greekVatId(vatId)) report('/seller/vatId');
    },
  },
  {
    id: 'GR-R-004-1',
    terms: ['BG-24', 'BT-123'],
    message: `A Greek seller’s invoice must have exactly one supporting document (BG-24) described "${MARK}" (BT-123): the MARK number`,
    check(invoice, report) {
      if (greekSellerInGreece(invoice) && descriptionCount(invoice, MARK) !== 1) report('/attachments');
    },
  },
  {
    id: 'GR-S-008-1',
    severity: 'warning',
    terms: ['BG-24', 'BT-123'],
    message: `A Greek seller’s invoice should have one supporting document (BG-24) described "${INVOICE_URL}" (BT-123): the invoice’s URL`,
    check(invoice, report) {
      if (greekSellerInGreece(invoice) && descriptionCount(invoice, INVOICE_URL) !== 1)
        report('/attachments');
    },
  },
  {
    id: 'GR-R-008-2',
    terms: ['BG-24', 'BT-123'],
    message: `A Greek seller’s invoice must not have more than one supporting document (BG-24) described "${INVOICE_URL}" (BT-123)`,
    check(invoice, report) {
      if (greekSellerInGreece(invoice) && descriptionCount(invoice, INVOICE_URL) > 1) report('/attachments');
    },
  },
  {
    id: 'GR-R-004-2',
    terms: ['BT-122'],
    message:
      'The MARK number of a Greek seller’s invoice (BT-122 of the document described "##M.AR.K##") must be a positive integer',
    check(invoice, report) {
      if (!greekSellerInGreece(invoice)) return;
      list(invoice.attachments).forEach((document, i) => {
        const id = document?.id;
        if (document?.description === MARK && present(id) && !POSITIVE_INTEGER_START.test(id!))
          report(`/attachments/${i}/id`);
      });
    },
  },
  {
    id: 'GR-R-008-3',
    terms: ['BT-124'],
    message: `The supporting document described "${INVOICE_URL}" of a Greek seller’s invoice must give the URL (BT-124)`,
    check(invoice, report) {
      if (!greekSeller(invoice)) return;
      list(invoice.attachments).forEach((document, i) => {
        if (document?.description === INVOICE_URL && !given(document.externalUri))
          report(`/attachments/${i}/externalUri`);
      });
    },
  },
  {
    id: 'GR-R-005',
    terms: ['BT-45'],
    message: 'A Greek seller must give the buyer’s full name (BT-45)',
    check(invoice, report) {
      if (greekSeller(invoice) && length(invoice.buyer?.tradingName) === 0) report('/buyer/tradingName');
    },
  },
  {
    id: 'GR-R-009',
    terms: ['BT-34'],
    message:
      'A Greek seller’s electronic address (BT-34) must be its TIN, valid, with the scheme 9933 (BT-34-1)',
    check(invoice, report) {
      const endpoint = invoice.seller?.endpoint;
      if (endpoint === undefined || !isGreek(accountingSupplierCountry(invoice))) return;
      if (endpoint.scheme !== '9933' || typeof endpoint.id !== 'string' || !validGreekTin(endpoint.id))
        report('/seller/endpoint');
    },
  },
  {
    id: 'GR-R-006',
    terms: ['BT-48'],
    message: 'A Greek seller must give a Greek buyer’s VAT identifier (BT-48): "EL" followed by a valid TIN',
    check(invoice, report) {
      if (!greekSeller(invoice) || !greekBuyer(invoice)) return;
      const vatId = invoice.buyer?.vatId;
      if (vatId === undefined || !greekVatId(vatId)) report('/buyer/vatId');
    },
  },
  {
    id: 'GR-R-010',
    terms: ['BT-49'],
    message:
      'A Greek buyer’s electronic address (BT-49) on a Greek seller’s invoice must be its TIN, valid, with the scheme 9933 (BT-49-1)',
    check(invoice, report) {
      const endpoint = invoice.buyer?.endpoint;
      if (endpoint === undefined || !greekSeller(invoice) || !greekBuyer(invoice)) return;
      if (endpoint.scheme !== '9933' || typeof endpoint.id !== 'string' || !validGreekTin(endpoint.id))
        report('/buyer/endpoint');
    },
  },
];

export const peppolGreece: InvoiceRuleModule = {
  id: 'peppol-gr',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3, Greece (GR-R-*, GR-S-*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  appliesTo: (invoice) => greekSeller(invoice) || isGreek(accountingSupplierCountry(invoice)),
  rules,
};

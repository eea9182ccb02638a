import type { XmlTreeElement } from '../../../xml/xml-tree';
import type { SyntaxRule, SyntaxRuleModule } from '../../rule';
import { PEPPOL_SOURCE } from '../../sources';
import { isCalendarDate } from './dates';
import {
  PEPPOL_SPECIFICATION,
  DIRECT_DEBIT_MEANS,
  EXEMPTION_CATEGORIES,
  PROFILE_01_CREDIT_NOTE_TYPES,
  PROFILE_01_INVOICE_TYPES,
  GERMAN_ONLY_INVOICE_TYPES,
  profileOf,
} from './peppol-data';
import {
  UBL,
  allElements,
  along,
  anyEquals,
  childOf,
  childrenOf,
  hasChild,
  hasElementChild,
  isElement,
  normalized,
  normalizeSpace,
  ownText,
  parentIs,
  type Step,
} from './xml';

/**
 * The PEPPOL BIS 3 rules that read the UBL document itself: what the canonical invoice cannot hold (empty
 * elements, how many of an element there are, `cbc:ProfileID`, currency attributes, the root's kind) or
 * where PEPPOL's UBL artefact tests something its CII artefact does not. Each mirrors the context and test of
 * PEPPOL-EN16931-UBL.sch 3.0.19.
 */

const cbc = (name: string): Step => [UBL.cbc, name];
const cac = (name: string): Step => [UBL.cac, name];

const INVOICE: Step = [UBL.invoice, 'Invoice'];
const CREDIT_NOTE: Step = [UBL.creditNote, 'CreditNote'];

/** The root when it is a UBL invoice or credit note, the context of PEPPOL's document-level rules. */
function documentOf(root: XmlTreeElement): XmlTreeElement | undefined {
  return isElement(root, INVOICE) || isElement(root, CREDIT_NOTE) ? root : undefined;
}

const PROFILE_ID = cbc('ProfileID');

function profile(root: XmlTreeElement): string | undefined {
  const element = childOf(root, PROFILE_ID);
  return element === undefined ? 'Unknown' : profileOf(normalized(element));
}

/** Whether the type code lists of process 01 apply: `$profile != '01'` fails (also when it is no value at all). */
function processOne(root: XmlTreeElement): boolean {
  const found = profile(root);
  return found === undefined || found === '01';
}

const SUPPLIER_COUNTRY = [
  cac('AccountingSupplierParty'),
  cac('Party'),
  cac('PostalAddress'),
  cac('Country'),
  cbc('IdentificationCode'),
];
const CUSTOMER_COUNTRY = [
  cac('AccountingCustomerParty'),
  cac('Party'),
  cac('PostalAddress'),
  cac('Country'),
  cbc('IdentificationCode'),
];

/** Seller and buyer both with a postal address in Germany (`$supplierCountryIsDE and $customerCountryIsDE`). */
function bothGerman(root: XmlTreeElement): boolean {
  const isDe = (steps: readonly Step[]) => normalized(along(root, steps)[0]).toUpperCase() === 'DE';
  return isDe(SUPPLIER_COUNTRY) && isDe(CUSTOMER_COUNTRY);
}

/** The amounts whose currency must be the invoice currency (all but BT-111, the VAT total in accounting currency). */
const AMOUNT_NAMES = new Set([
  'Amount',
  'BaseAmount',
  'PriceAmount',
  'TaxableAmount',
  'LineExtensionAmount',
  'TaxExclusiveAmount',
  'TaxInclusiveAmount',
  'AllowanceTotalAmount',
  'ChargeTotalAmount',
  'PrepaidAmount',
  'PayableRoundingAmount',
  'PayableAmount',
]);

function inDocumentCurrency(element: XmlTreeElement): boolean {
  if (element.namespaceURI !== UBL.cbc) return false;
  if (AMOUNT_NAMES.has(element.localName)) return true;
  if (element.localName !== 'TaxAmount') return false;
  const parent = element.parentNode;
  if (parent === null) return false;
  return (
    isElement(parent, cac('TaxSubtotal')) ||
    (isElement(parent, cac('TaxTotal')) && hasChild(parent, cac('TaxSubtotal')))
  );
}

const DATE_NAMES = new Set([
  'IssueDate',
  'DueDate',
  'TaxPointDate',
  'StartDate',
  'EndDate',
  'ActualDeliveryDate',
]);

function rule(
  id: string,
  terms: string[],
  message: string,
  check: SyntaxRule['check'],
  severity?: SyntaxRule['severity'],
): SyntaxRule {
  return { id, terms, message, check, ...(severity ? { severity } : {}) };
}

const documentRules: SyntaxRule[] = [
  rule(
    'PEPPOL-EN16931-R001',
    ['BT-23'],
    'The business process (BT-23, cbc:ProfileID) must be given',
    (root, report) => {
      const document = documentOf(root);
      if (document && !hasChild(document, PROFILE_ID)) report(document);
    },
  ),
  rule(
    'PEPPOL-EN16931-R007',
    ['BT-23'],
    "The business process (BT-23) must have the form 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0', NN the process number",
    (root, report) => {
      const document = documentOf(root);
      if (!document) return;
      const found = profile(document);
      if (found === undefined || found === 'Unknown') report(childOf(document, PROFILE_ID) ?? document);
    },
  ),
  rule(
    'PEPPOL-EN16931-R002',
    ['BG-1', 'BT-22'],
    'At most one invoice note (BT-22) may be given at document level, unless seller and buyer are both in Germany',
    (root, report) => {
      const document = documentOf(root);
      if (!document) return;
      const notes = childrenOf(document, cbc('Note'));
      if (notes.length > 1 && !bothGerman(document)) report(notes[1]!);
    },
  ),
  rule(
    'PEPPOL-EN16931-R003',
    ['BT-10', 'BT-13'],
    'A buyer reference (BT-10) or a purchase order reference (BT-13) must be given',
    (root, report) => {
      const document = documentOf(root);
      if (!document) return;
      if (
        !hasChild(document, cbc('BuyerReference')) &&
        along(document, [cac('OrderReference'), cbc('ID')]).length === 0
      )
        report(document);
    },
  ),
  rule(
    'PEPPOL-EN16931-R004',
    ['BT-24'],
    `The specification identifier (BT-24) must be '${PEPPOL_SPECIFICATION}', or start with it`,
    (root, report) => {
      const document = documentOf(root);
      if (!document) return;
      const customization = childOf(document, cbc('CustomizationID'));
      const value = customization === undefined ? '' : normalizeSpace(ownText(customization));
      if (!value.startsWith(PEPPOL_SPECIFICATION)) report(customization ?? document);
    },
  ),
  rule(
    'PEPPOL-EN16931-R053',
    ['BT-110', 'BG-23'],
    'Exactly one tax total with VAT breakdowns (cac:TaxTotal with cac:TaxSubtotal) must be given',
    (root, report) => {
      const document = documentOf(root);
      if (!document) return;
      const totals = childrenOf(document, cac('TaxTotal')).filter((total) =>
        hasChild(total, cac('TaxSubtotal')),
      );
      if (totals.length !== 1) report(totals[1] ?? document);
    },
  ),
  rule(
    'PEPPOL-EN16931-R080',
    ['BT-11'],
    'At most one project reference (BT-11) may be given',
    (root, report) => {
      if (!isElement(root, CREDIT_NOTE)) return;
      const projects = childrenOf(root, cac('AdditionalDocumentReference')).filter((reference) =>
        anyEquals(childrenOf(reference, cbc('DocumentTypeCode')), '50'),
      );
      if (projects.length > 1) report(projects[1]!);
    },
  ),
];

const partyRule = (id: string, term: string, party: string, who: string) =>
  rule(
    id,
    [term],
    `The ${who} electronic address (${term}, cbc:EndpointID) must be given`,
    (root, report) => {
      for (const element of allElements(root))
        if (
          isElement(element, cac('Party')) &&
          parentIs(element, cac(party)) &&
          !hasChild(element, cbc('EndpointID'))
        )
          report(element);
    },
  );

const structureRules: SyntaxRule[] = [
  rule('PEPPOL-EN16931-R008', [], 'The document must not contain empty elements', (root, report) => {
    for (const element of allElements(root))
      if (!hasElementChild(element) && normalizeSpace(element.textContent) === '') report(element);
  }),
  partyRule('PEPPOL-EN16931-R010', 'BT-49', 'AccountingCustomerParty', "buyer's"),
  partyRule('PEPPOL-EN16931-R020', 'BT-34', 'AccountingSupplierParty', "seller's"),
  rule(
    'PEPPOL-EN16931-R051',
    ['BT-5'],
    'Every amount must be in the invoice currency (BT-5), except the VAT total in accounting currency (BT-111)',
    (root, report) => {
      const currencies = childrenOf(root, cbc('DocumentCurrencyCode')).map((code) => code.textContent);
      for (const element of allElements(root)) {
        if (!inDocumentCurrency(element)) continue;
        const currency = element.getAttribute('currencyID');
        if (currency === null || !currencies.includes(currency))
          report(
            element,
            `The amount's currency (${currency ?? 'none'}) must be the invoice currency (BT-5)`,
          );
      }
    },
  ),
  rule(
    'PEPPOL-EN16931-R061',
    ['BT-89', 'BT-81'],
    'A mandate reference (BT-89) must be given for direct debit (payment means 49 or 59)',
    (root, report) => {
      for (const means of allElements(root)) {
        if (!isElement(means, cac('PaymentMeans'))) continue;
        if (!DIRECT_DEBIT_MEANS.has(normalized(childOf(means, cbc('PaymentMeansCode'))))) continue;
        if (along(means, [cac('PaymentMandate'), cbc('ID')]).length === 0) report(means);
      }
    },
  ),
  rule(
    'PEPPOL-EN16931-R100',
    ['BT-128'],
    'An invoice line may reference at most one invoiced object (BT-128)',
    (root, report) => {
      for (const line of allElements(root))
        if (isLine(line) && childrenOf(line, cac('DocumentReference')).length > 1) report(line);
    },
  ),
  rule(
    'PEPPOL-EN16931-R101',
    ['BT-128'],
    "A document reference on an invoice line may only be the invoiced object (document type code '130')",
    (root, report) => {
      for (const line of allElements(root)) {
        if (!isLine(line)) continue;
        const references = childrenOf(line, cac('DocumentReference'));
        if (references.length === 0) continue;
        if (
          !anyEquals(
            references.flatMap((r) => childrenOf(r, cbc('DocumentTypeCode'))),
            '130',
          )
        )
          report(line);
      }
    },
  ),
  rule(
    'PEPPOL-EN16931-F001',
    ['BT-2', 'BT-7', 'BT-9', 'BT-72', 'BT-73', 'BT-74', 'BT-134', 'BT-135'],
    'A date must be a valid date written YYYY-MM-DD',
    (root, report) => {
      for (const element of allElements(root)) {
        if (element.namespaceURI !== UBL.cbc || !DATE_NAMES.has(element.localName)) continue;
        if (ownText(element).length !== 10 || !isCalendarDate(element.textContent))
          report(element, `A date must be a valid date written YYYY-MM-DD, not '${element.textContent}'`);
      }
    },
  ),
];

function isLine(element: XmlTreeElement): boolean {
  return isElement(element, cac('InvoiceLine')) || isElement(element, cac('CreditNoteLine'));
}

const typeCodeRules: SyntaxRule[] = [
  rule(
    'PEPPOL-EN16931-P0100',
    ['BT-3', 'BT-23'],
    'The invoice type code (BT-3) must be one the business process (BT-23) allows',
    (root, report) => {
      if (!processOne(root)) return;
      for (const code of allElements(root))
        if (isElement(code, cbc('InvoiceTypeCode')) && !PROFILE_01_INVOICE_TYPES.has(normalized(code)))
          report(code);
    },
  ),
  rule(
    'PEPPOL-EN16931-P0101',
    ['BT-3', 'BT-23'],
    'The credit note type code (BT-3) must be one the business process (BT-23) allows',
    (root, report) => {
      if (!processOne(root)) return;
      for (const code of allElements(root))
        if (isElement(code, cbc('CreditNoteTypeCode')) && !PROFILE_01_CREDIT_NOTE_TYPES.has(normalized(code)))
          report(code);
    },
  ),
  rule(
    'PEPPOL-EN16931-P0112',
    ['BT-3', 'BT-40', 'BT-55'],
    'Invoice type codes 326 and 384 (BT-3) may only be used when seller and buyer are both in Germany',
    (root, report) => {
      for (const code of allElements(root))
        if (
          isElement(code, cbc('InvoiceTypeCode')) &&
          GERMAN_ONLY_INVOICE_TYPES.has(normalized(code)) &&
          !bothGerman(root)
        )
          report(code);
    },
  ),
  ...Object.entries(EXEMPTION_CATEGORIES).map(([reason, { rule: id, category }]) =>
    rule(
      id,
      ['BT-121', 'BT-118'],
      `With the VAT exemption reason code ${reason} (BT-121), the VAT category (BT-118) must be ${category}`,
      (root, report) => {
        for (const element of allElements(root)) {
          if (!isElement(element, cac('TaxCategory'))) continue;
          const code = childOf(element, cbc('TaxExemptionReasonCode'));
          if (code === undefined || code.textContent.toUpperCase() !== reason) continue;
          if (normalized(childOf(element, cbc('ID'))) !== category) report(element);
        }
      },
    ),
  ),
];

/** PEPPOL BIS 3's rules on the UBL document itself; they run when the document was read from UBL. */
export const peppolUblSyntax: SyntaxRuleModule = {
  id: 'peppol-ubl-syntax',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3 rules on the UBL document (PEPPOL-EN16931-R001 … R101, F001, P01xx)',
  source: PEPPOL_SOURCE,
  reads: 'ubl',
  rules: [...documentRules, ...structureRules, ...typeCodeRules],
};

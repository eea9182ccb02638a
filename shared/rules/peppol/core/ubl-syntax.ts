import type { XmlTreeElement } from '../../../xml/xml-tree';
import type { SyntaxRule, SyntaxRuleModule } from '../../rule';
import { UBL_AMOUNTS } from '../../code-lists/xml';
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
  checkChargeIndicator,
  childOf,
  childrenOf,
  hasChild,
  everywhere,
  hasElementChild,
  isBlank,
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

/** The UBL elements the rules name, as child steps. */
const cac = {
  AccountingCustomerParty: [UBL.cac, 'AccountingCustomerParty'],
  AccountingSupplierParty: [UBL.cac, 'AccountingSupplierParty'],
  AdditionalDocumentReference: [UBL.cac, 'AdditionalDocumentReference'],
  AllowanceCharge: [UBL.cac, 'AllowanceCharge'],
  Country: [UBL.cac, 'Country'],
  CreditNoteLine: [UBL.cac, 'CreditNoteLine'],
  DocumentReference: [UBL.cac, 'DocumentReference'],
  InvoiceLine: [UBL.cac, 'InvoiceLine'],
  OrderReference: [UBL.cac, 'OrderReference'],
  Party: [UBL.cac, 'Party'],
  PaymentMandate: [UBL.cac, 'PaymentMandate'],
  PaymentMeans: [UBL.cac, 'PaymentMeans'],
  PostalAddress: [UBL.cac, 'PostalAddress'],
  Price: [UBL.cac, 'Price'],
  TaxCategory: [UBL.cac, 'TaxCategory'],
  TaxSubtotal: [UBL.cac, 'TaxSubtotal'],
  TaxTotal: [UBL.cac, 'TaxTotal'],
} as const satisfies Record<string, Step>;

const cbc = {
  BaseAmount: [UBL.cbc, 'BaseAmount'],
  BuyerReference: [UBL.cbc, 'BuyerReference'],
  ChargeIndicator: [UBL.cbc, 'ChargeIndicator'],
  CreditNoteTypeCode: [UBL.cbc, 'CreditNoteTypeCode'],
  CustomizationID: [UBL.cbc, 'CustomizationID'],
  DocumentCurrencyCode: [UBL.cbc, 'DocumentCurrencyCode'],
  DocumentTypeCode: [UBL.cbc, 'DocumentTypeCode'],
  EndpointID: [UBL.cbc, 'EndpointID'],
  ID: [UBL.cbc, 'ID'],
  IdentificationCode: [UBL.cbc, 'IdentificationCode'],
  InvoiceTypeCode: [UBL.cbc, 'InvoiceTypeCode'],
  MultiplierFactorNumeric: [UBL.cbc, 'MultiplierFactorNumeric'],
  Note: [UBL.cbc, 'Note'],
  PaymentMeansCode: [UBL.cbc, 'PaymentMeansCode'],
  ProfileID: [UBL.cbc, 'ProfileID'],
  TaxExemptionReasonCode: [UBL.cbc, 'TaxExemptionReasonCode'],
} as const satisfies Record<string, Step>;

const INVOICE: Step = [UBL.invoice, 'Invoice'];
const CREDIT_NOTE: Step = [UBL.creditNote, 'CreditNote'];

/** The root when it is a UBL invoice or credit note, the context of PEPPOL's document-level rules. */
function documentOf(root: XmlTreeElement): XmlTreeElement | undefined {
  return isElement(root, INVOICE) || isElement(root, CREDIT_NOTE) ? root : undefined;
}

const PROFILE_ID = cbc.ProfileID;

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
  cac.AccountingSupplierParty,
  cac.Party,
  cac.PostalAddress,
  cac.Country,
  cbc.IdentificationCode,
];
const CUSTOMER_COUNTRY = [
  cac.AccountingCustomerParty,
  cac.Party,
  cac.PostalAddress,
  cac.Country,
  cbc.IdentificationCode,
];

/** Seller and buyer both with a postal address in Germany (`$supplierCountryIsDE and $customerCountryIsDE`). */
function bothGerman(root: XmlTreeElement): boolean {
  const isDe = (steps: readonly Step[]) => normalized(along(root, steps)[0]).toUpperCase() === 'DE';
  return isDe(SUPPLIER_COUNTRY) && isDe(CUSTOMER_COUNTRY);
}

const cbcSteps = (names: readonly string[]): Step[] => names.map((name) => [UBL.cbc, name]);

/** The amounts whose currency must be the invoice currency, besides the VAT amounts. */
const AMOUNTS = cbcSteps(
  UBL_AMOUNTS.filter((name) => name !== 'cbc:TaxAmount').map((name) => name.slice('cbc:'.length)),
);
const TAX_AMOUNT: Step = [UBL.cbc, 'TaxAmount'];

/**
 * Every amount of PEPPOL-EN16931-R051: the amounts above, and the VAT amounts of a breakdown and of the tax
 * total that has breakdowns (not the other tax total's, BT-111 in the VAT accounting currency).
 */
function amountsOf(root: XmlTreeElement): XmlTreeElement[] {
  const found = AMOUNTS.flatMap((step) => everywhere(root, step));
  for (const amount of everywhere(root, TAX_AMOUNT)) {
    const parent = amount.parentNode;
    if (
      parent !== null &&
      (isElement(parent, cac.TaxSubtotal) ||
        (isElement(parent, cac.TaxTotal) && hasChild(parent, cac.TaxSubtotal)))
    )
      found.push(amount);
  }
  return found;
}

/** The dates PEPPOL-EN16931-F001 checks, wherever they are. */
const DATES = cbcSteps([
  'IssueDate',
  'DueDate',
  'TaxPointDate',
  'StartDate',
  'EndDate',
  'ActualDeliveryDate',
]);

function datesOf(root: XmlTreeElement): XmlTreeElement[] {
  return DATES.flatMap((step) => everywhere(root, step));
}

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
      const notes = childrenOf(document, cbc.Note);
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
        !hasChild(document, cbc.BuyerReference) &&
        along(document, [cac.OrderReference, cbc.ID]).length === 0
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
      const customization = childOf(document, cbc.CustomizationID);
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
      const totals = childrenOf(document, cac.TaxTotal).filter((total) => hasChild(total, cac.TaxSubtotal));
      if (totals.length !== 1) report(totals[1] ?? document);
    },
  ),
  rule(
    'PEPPOL-EN16931-R080',
    ['BT-11'],
    'At most one project reference (BT-11) may be given',
    (root, report) => {
      if (!isElement(root, CREDIT_NOTE)) return;
      const projects = childrenOf(root, cac.AdditionalDocumentReference).filter((reference) =>
        anyEquals(childrenOf(reference, cbc.DocumentTypeCode), '50'),
      );
      if (projects.length > 1) report(projects[1]!);
    },
  ),
];

const partyRule = (id: string, term: string, party: Step, who: string) =>
  rule(
    id,
    [term],
    `The ${who} electronic address (${term}, cbc:EndpointID) must be given`,
    (root, report) => {
      for (const element of everywhere(root, cac.Party))
        if (parentIs(element, party) && !hasChild(element, cbc.EndpointID)) report(element);
    },
  );

const structureRules: SyntaxRule[] = [
  rule('PEPPOL-EN16931-R008', [], 'The document must not contain empty elements', (root, report) => {
    for (const element of allElements(root))
      if (!hasElementChild(element) && isBlank(element)) report(element);
  }),
  partyRule('PEPPOL-EN16931-R010', 'BT-49', cac.AccountingCustomerParty, "buyer's"),
  partyRule('PEPPOL-EN16931-R020', 'BT-34', cac.AccountingSupplierParty, "seller's"),
  rule(
    'PEPPOL-EN16931-R051',
    ['BT-5'],
    'Every amount must be in the invoice currency (BT-5), except the VAT total in accounting currency (BT-111)',
    (root, report) => {
      const currencies = childrenOf(root, cbc.DocumentCurrencyCode).map((code) => code.textContent);
      for (const element of amountsOf(root)) {
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
      for (const means of everywhere(root, cac.PaymentMeans)) {
        if (!DIRECT_DEBIT_MEANS.has(normalized(childOf(means, cbc.PaymentMeansCode)))) continue;
        if (along(means, [cac.PaymentMandate, cbc.ID]).length === 0) report(means);
      }
    },
  ),
  rule(
    'PEPPOL-EN16931-R100',
    ['BT-128'],
    'An invoice line may reference at most one invoiced object (BT-128)',
    (root, report) => {
      for (const line of linesOf(root)) if (childrenOf(line, cac.DocumentReference).length > 1) report(line);
    },
  ),
  rule(
    'PEPPOL-EN16931-R101',
    ['BT-128'],
    "A document reference on an invoice line may only be the invoiced object (document type code '130')",
    (root, report) => {
      for (const line of linesOf(root)) {
        const references = childrenOf(line, cac.DocumentReference);
        if (references.length === 0) continue;
        if (
          !anyEquals(
            references.flatMap((r) => childrenOf(r, cbc.DocumentTypeCode)),
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
      for (const element of datesOf(root)) {
        if (ownText(element).length !== 10 || !isCalendarDate(element.textContent))
          report(element, `A date must be a valid date written YYYY-MM-DD, not '${element.textContent}'`);
      }
    },
  ),
];

/**
 * Whether an allowance or charge is one R043 checks: at document or line level (`Invoice/cac:AllowanceCharge`,
 * `Invoice/cac:InvoiceLine/cac:AllowanceCharge`, and the credit note's), and not one taken first by the
 * contexts of R041 (a percentage without base amount) or R042 (a base amount without percentage), which
 * precede it in the same pattern: the first rule whose context matches is the only one applied.
 */
function checkedIndicator(charge: XmlTreeElement): boolean {
  const parent = charge.parentNode;
  if (parent === null) return false;
  const atLevel =
    isElement(parent, INVOICE) ||
    isElement(parent, CREDIT_NOTE) ||
    (isElement(parent, cac.InvoiceLine) && parentIs(parent, INVOICE)) ||
    (isElement(parent, cac.CreditNoteLine) && parentIs(parent, CREDIT_NOTE));
  return atLevel && hasChild(charge, cbc.MultiplierFactorNumeric) === hasChild(charge, cbc.BaseAmount);
}

const allowanceChargeRules: SyntaxRule[] = [
  rule(
    'PEPPOL-EN16931-R043',
    ['BG-20', 'BG-21', 'BG-27', 'BG-28'],
    "The charge indicator of an allowance or charge must be 'true' or 'false'",
    (root, report) => {
      for (const charge of everywhere(root, cac.AllowanceCharge)) {
        if (!checkedIndicator(charge)) continue;
        checkChargeIndicator(charge, childOf(charge, cbc.ChargeIndicator), report);
      }
    },
  ),
  rule(
    'PEPPOL-EN16931-R044',
    ['BT-147', 'BT-148'],
    "Only an allowance may be given at price level: its charge indicator must be 'false'",
    (root, report) => {
      for (const charge of everywhere(root, cac.AllowanceCharge)) {
        if (!parentIs(charge, cac.Price)) continue;
        const indicator = childOf(charge, cbc.ChargeIndicator);
        if (normalized(indicator) !== 'false') report(indicator ?? charge);
      }
    },
  ),
];

function linesOf(root: XmlTreeElement): XmlTreeElement[] {
  return [...everywhere(root, cac.InvoiceLine), ...everywhere(root, cac.CreditNoteLine)];
}

const typeCodeRules: SyntaxRule[] = [
  rule(
    'PEPPOL-EN16931-P0100',
    ['BT-3', 'BT-23'],
    'The invoice type code (BT-3) must be one the business process (BT-23) allows',
    (root, report) => {
      if (!processOne(root)) return;
      for (const code of everywhere(root, cbc.InvoiceTypeCode))
        if (!PROFILE_01_INVOICE_TYPES.has(normalized(code))) report(code);
    },
  ),
  rule(
    'PEPPOL-EN16931-P0101',
    ['BT-3', 'BT-23'],
    'The credit note type code (BT-3) must be one the business process (BT-23) allows',
    (root, report) => {
      if (!processOne(root)) return;
      for (const code of everywhere(root, cbc.CreditNoteTypeCode))
        if (!PROFILE_01_CREDIT_NOTE_TYPES.has(normalized(code))) report(code);
    },
  ),
  rule(
    'PEPPOL-EN16931-P0112',
    ['BT-3', 'BT-40', 'BT-55'],
    'Invoice type codes 326 and 384 (BT-3) may only be used when seller and buyer are both in Germany',
    (root, report) => {
      for (const code of everywhere(root, cbc.InvoiceTypeCode))
        if (GERMAN_ONLY_INVOICE_TYPES.has(normalized(code)) && !bothGerman(root)) report(code);
    },
  ),
  ...Object.entries(EXEMPTION_CATEGORIES).map(([reason, { rule: id, category }]) =>
    rule(
      id,
      ['BT-121', 'BT-118'],
      `With the VAT exemption reason code ${reason} (BT-121), the VAT category (BT-118) must be ${category}`,
      (root, report) => {
        for (const element of everywhere(root, cac.TaxCategory)) {
          const code = childOf(element, cbc.TaxExemptionReasonCode);
          if (code === undefined || code.textContent.toUpperCase() !== reason) continue;
          if (normalized(childOf(element, cbc.ID)) !== category) report(element);
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
  rules: [...documentRules, ...structureRules, ...allowanceChargeRules, ...typeCodeRules],
};

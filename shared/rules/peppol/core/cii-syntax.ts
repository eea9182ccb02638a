import type { XmlTreeElement } from '../../../xml/xml-tree';
import type { Report, SyntaxRule, SyntaxRuleModule } from '../../rule';
import { PEPPOL_SOURCE } from '../../sources';
import { SCHEME_FORMATS, validPartitaIva } from './identifiers';
import { DIRECT_DEBIT_MEANS, PEPPOL_SPECIFICATION, PROFILE_01_CII_TYPES, profileOf } from './peppol-data';
import {
  CII,
  along,
  anyEquals,
  checkChargeIndicator,
  childOf,
  everywhere,
  childrenOf,
  hasChild,
  isElement,
  normalized,
  normalizeSpace,
  ownText,
  type Step,
} from './xml';

/**
 * The PEPPOL BIS 3 rules that read the CII document itself: what the canonical invoice cannot hold (empty
 * elements, how many of an element there are, the business process, currency attributes, date formats) or
 * what PEPPOL's CII artefact tests differently from its UBL one. Each mirrors the context and test of
 * PEPPOL-EN16931-CII.sch 3.0.19.
 */

/** The CII elements the rules name, as child steps. */
const rsm = {
  CrossIndustryInvoice: [CII.rsm, 'CrossIndustryInvoice'],
  ExchangedDocument: [CII.rsm, 'ExchangedDocument'],
  ExchangedDocumentContext: [CII.rsm, 'ExchangedDocumentContext'],
  SupplyChainTradeTransaction: [CII.rsm, 'SupplyChainTradeTransaction'],
} as const satisfies Record<string, Step>;

const ram = {
  AdditionalReferencedDocument: [CII.ram, 'AdditionalReferencedDocument'],
  ApplicableHeaderTradeAgreement: [CII.ram, 'ApplicableHeaderTradeAgreement'],
  ApplicableHeaderTradeSettlement: [CII.ram, 'ApplicableHeaderTradeSettlement'],
  BusinessProcessSpecifiedDocumentContextParameter: [
    CII.ram,
    'BusinessProcessSpecifiedDocumentContextParameter',
  ],
  BuyerOrderReferencedDocument: [CII.ram, 'BuyerOrderReferencedDocument'],
  BuyerReference: [CII.ram, 'BuyerReference'],
  BuyerTradeParty: [CII.ram, 'BuyerTradeParty'],
  DirectDebitMandateID: [CII.ram, 'DirectDebitMandateID'],
  ExchangedDocument: [CII.ram, 'ExchangedDocument'],
  GuidelineSpecifiedDocumentContextParameter: [CII.ram, 'GuidelineSpecifiedDocumentContextParameter'],
  ID: [CII.ram, 'ID'],
  IncludedNote: [CII.ram, 'IncludedNote'],
  IncludedSupplyChainTradeLineItem: [CII.ram, 'IncludedSupplyChainTradeLineItem'],
  IssuerAssignedID: [CII.ram, 'IssuerAssignedID'],
  SellerTradeParty: [CII.ram, 'SellerTradeParty'],
  SpecifiedLineTradeSettlement: [CII.ram, 'SpecifiedLineTradeSettlement'],
  SpecifiedTradePaymentTerms: [CII.ram, 'SpecifiedTradePaymentTerms'],
  SpecifiedTradeSettlementHeaderMonetarySummation: [
    CII.ram,
    'SpecifiedTradeSettlementHeaderMonetarySummation',
  ],
  SpecifiedTradeSettlementPaymentMeans: [CII.ram, 'SpecifiedTradeSettlementPaymentMeans'],
  SubjectCode: [CII.ram, 'SubjectCode'],
  TaxTotalAmount: [CII.ram, 'TaxTotalAmount'],
  TypeCode: [CII.ram, 'TypeCode'],
  URIID: [CII.ram, 'URIID'],
  URIUniversalCommunication: [CII.ram, 'URIUniversalCommunication'],
} as const satisfies Record<string, Step>;

const ROOT: Step = rsm.CrossIndustryInvoice;
const CONTEXT = rsm.ExchangedDocumentContext;
const PROCESS = ram.BusinessProcessSpecifiedDocumentContextParameter;
const INVOICE_CURRENCY: readonly Step[] = [
  rsm.SupplyChainTradeTransaction,
  ram.ApplicableHeaderTradeSettlement,
  [CII.ram, 'InvoiceCurrencyCode'],
];

/** `$profile`: the business process of the document's context, or 'Unknown'. */
function profile(root: XmlTreeElement): string | undefined {
  if (!isElement(root, ROOT)) return 'Unknown';
  const parameters = along(root, [CONTEXT, PROCESS]);
  if (parameters.length === 0) return 'Unknown';
  return profileOf(normalized(along(root, [CONTEXT, PROCESS, ram.ID])[0]));
}

/** `$documentCurrencyCode`: the header's invoice currency codes, compared as they are. */
function invoiceCurrencies(root: XmlTreeElement): string[] {
  if (!isElement(root, ROOT)) return [];
  return along(root, INVOICE_CURRENCY).map((code) => code.textContent);
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

/** A rule checked on every element named by `step`. */
function on(
  step: Step,
  id: string,
  terms: string[],
  message: string,
  check: (element: XmlTreeElement, root: XmlTreeElement, report: Report<XmlTreeElement>) => void,
): SyntaxRule {
  return rule(id, terms, message, (root, report) => {
    for (const element of everywhere(root, step)) check(element, root, report);
  });
}

const AGREEMENT = ram.ApplicableHeaderTradeAgreement;
const SETTLEMENT = ram.ApplicableHeaderTradeSettlement;
const SUMMATION = ram.SpecifiedTradeSettlementHeaderMonetarySummation;
const TAX_TOTAL = ram.TaxTotalAmount;
const REFERENCED_DOCUMENT = ram.AdditionalReferencedDocument;
const TYPE_CODE = ram.TypeCode;
const LINE_SETTLEMENT = ram.SpecifiedLineTradeSettlement;

/** The header's additional documents of one type code (`AdditionalReferencedDocument[ram:TypeCode = code]`). */
const referencesOfType = (agreement: XmlTreeElement, code: string) =>
  childrenOf(agreement, REFERENCED_DOCUMENT).filter((reference) =>
    anyEquals(childrenOf(reference, TYPE_CODE), code),
  );

const contextRules: SyntaxRule[] = [
  on(
    CONTEXT,
    'PEPPOL-EN16931-R001',
    ['BT-23'],
    'The business process (BT-23) must be given',
    (context, _root, report) => {
      if (along(context, [PROCESS, ram.ID]).length === 0) report(context);
    },
  ),
  on(
    CONTEXT,
    'PEPPOL-EN16931-R007',
    ['BT-23'],
    "The business process (BT-23) must have the form 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0', NN the process number",
    (context, root, report) => {
      const found = profile(root);
      if (found === undefined || found === 'Unknown') report(context);
    },
  ),
  on(
    CONTEXT,
    'PEPPOL-EN16931-R004',
    ['BT-24'],
    `The specification identifier (BT-24) must be '${PEPPOL_SPECIFICATION}', or start with it`,
    (context, _root, report) => {
      const id = along(context, [ram.GuidelineSpecifiedDocumentContextParameter, ram.ID])[0];
      const value = id === undefined ? '' : normalizeSpace(ownText(id));
      if (!value.startsWith(PEPPOL_SPECIFICATION)) report(id ?? context);
    },
  ),
  on(
    rsm.ExchangedDocument,
    'PEPPOL-EN16931-R002',
    ['BG-1', 'BT-21', 'BT-22'],
    'At most one invoice note (BT-22) may be given at document level, and without a subject code (BT-21)',
    (document, _root, report) => {
      const notes = childrenOf(document, ram.IncludedNote);
      if (notes.length > 1) report(notes[1]!);
      else if (notes.some((note) => hasChild(note, ram.SubjectCode))) report(notes[0]!);
    },
  ),
];

const agreementRules: SyntaxRule[] = [
  on(
    AGREEMENT,
    'PEPPOL-EN16931-R003',
    ['BT-10', 'BT-13'],
    'A buyer reference (BT-10) or a purchase order reference (BT-13) must be given',
    (agreement, _root, report) => {
      if (
        !hasChild(agreement, ram.BuyerReference) &&
        along(agreement, [ram.BuyerOrderReferencedDocument, ram.IssuerAssignedID]).length === 0
      )
        report(agreement);
    },
  ),
  on(
    AGREEMENT,
    'PEPPOL-EN16931-R006',
    ['BT-18'],
    'At most one invoiced object (BT-18) may be given at document level',
    (agreement, _root, report) => {
      const objects = referencesOfType(agreement, '130');
      if (objects.length > 1) report(objects[1]!);
    },
  ),
  on(
    AGREEMENT,
    'PEPPOL-EN16931-R080',
    ['BT-11'],
    'At most one project reference (BT-11) may be given',
    (agreement, _root, report) => {
      const projects = referencesOfType(agreement, '50');
      if (projects.length > 1) report(projects[1]!);
    },
  ),
  on(
    ram.BuyerTradeParty,
    'PEPPOL-EN16931-R010',
    ['BT-49'],
    "The buyer's electronic address (BT-49) must be given",
    (party, _root, report) => {
      if (along(party, [ram.URIUniversalCommunication, ram.URIID]).length === 0) report(party);
    },
  ),
  on(
    ram.SellerTradeParty,
    'PEPPOL-EN16931-R020',
    ['BT-34'],
    "The seller's electronic address (BT-34) must be given",
    (party, _root, report) => {
      if (along(party, [ram.URIUniversalCommunication, ram.URIID]).length === 0) report(party);
    },
  ),
];

const settlementRules: SyntaxRule[] = [
  on(
    SETTLEMENT,
    'PEPPOL-EN16931-R053',
    ['BT-110'],
    'Exactly one invoice total VAT amount (BT-110) in the invoice currency must be given',
    (settlement, root, report) => {
      const currencies = invoiceCurrencies(root);
      const totals = along(settlement, [SUMMATION, TAX_TOTAL]).filter((total) =>
        currencies.includes(total.getAttribute('currencyID') ?? '\u0000'),
      );
      if (totals.length !== 1) report(totals[1] ?? settlement);
    },
  ),
  on(
    ram.SpecifiedTradeSettlementPaymentMeans,
    'PEPPOL-EN16931-R061',
    ['BT-89', 'BT-81'],
    'A mandate reference (BT-89) must be given for direct debit (payment means 49 or 59)',
    (means, _root, report) => {
      if (!DIRECT_DEBIT_MEANS.has(normalized(childOf(means, TYPE_CODE)))) return;
      const settlement = means.parentNode;
      const mandates =
        settlement === null
          ? []
          : along(settlement, [ram.SpecifiedTradePaymentTerms, ram.DirectDebitMandateID]);
      if (mandates.length === 0) report(means);
    },
  ),
];

const LINE = ram.IncludedSupplyChainTradeLineItem;

const lineRules: SyntaxRule[] = [
  on(
    LINE,
    'PEPPOL-EN16931-R100',
    ['BT-128'],
    'An invoice line may reference at most one invoiced object (BT-128)',
    (line, _root, report) => {
      const objects = along(line, [LINE_SETTLEMENT, REFERENCED_DOCUMENT]).filter((reference) =>
        anyEquals(childrenOf(reference, TYPE_CODE), '130'),
      );
      if (objects.length > 1) report(objects[1]!);
    },
  ),
  on(
    LINE,
    'PEPPOL-EN16931-R101',
    ['BT-128'],
    "A document reference on an invoice line may only be the invoiced object (type code '130')",
    (line, _root, report) => {
      const references = along(line, [LINE_SETTLEMENT, REFERENCED_DOCUMENT]);
      if (
        references.length > 0 &&
        !anyEquals(
          references.flatMap((r) => childrenOf(r, TYPE_CODE)),
          '130',
        )
      )
        report(line);
    },
  ),
];

const INDICATOR: readonly Step[] = [
  [CII.ram, 'ChargeIndicator'],
  [CII.udt, 'Indicator'],
];

/** R043's test on the first charge indicator. */
function checkIndicator(charge: XmlTreeElement, report: Report<XmlTreeElement>): void {
  checkChargeIndicator(charge, along(charge, INDICATOR)[0], report);
}

const CALCULATION_PERCENT: Step = [CII.ram, 'CalculationPercent'];
const BASIS_AMOUNT: Step = [CII.ram, 'BasisAmount'];
const R043 = 'PEPPOL-EN16931-R043';
const R043_MESSAGE = "The charge indicator of an allowance or charge must be 'true' or 'false'";

const BASIS_QUANTITY: Step = [CII.ram, 'BasisQuantity'];
const NET_PRICE: Step = [CII.ram, 'NetPriceProductTradePrice'];
const GROSS_PRICE: Step = [CII.ram, 'GrossPriceProductTradePrice'];
const BILLED_QUANTITY: readonly Step[] = [
  [CII.ram, 'SpecifiedLineTradeDelivery'],
  [CII.ram, 'BilledQuantity'],
];

const allowanceChargeRules: SyntaxRule[] = [
  // An allowance or charge with a percentage and no base amount, or the reverse, is taken by the contexts of
  // R041 and R042, which come first in the same pattern: R043 is not applied to it. A price's allowance or
  // charge (BT-147) is checked whatever it carries.
  rule(R043, ['BG-20', 'BG-21', 'BG-27', 'BG-28', 'BT-147'], R043_MESSAGE, (root, report) => {
    for (const charge of everywhere(root, [CII.ram, 'SpecifiedTradeAllowanceCharge']))
      if (hasChild(charge, CALCULATION_PERCENT) === hasChild(charge, BASIS_AMOUNT))
        checkIndicator(charge, report);
    for (const charge of everywhere(root, [CII.ram, 'AppliedTradeAllowanceCharge']))
      checkIndicator(charge, report);
  }),
];

// PEPPOL's CII artefact has no R044 (no charge at price level): CII has no element for one in EN 16931.

const priceRules: SyntaxRule[] = [
  // The canonical rule compares the units of the price base quantity (BT-150) and the invoiced quantity
  // (BT-130) when the line has a quantity, as PEPPOL's UBL artefact does; its CII artefact also fails a
  // base quantity unit on a line without any billed quantity, which the canonical invoice cannot tell apart.
  on(
    BASIS_QUANTITY,
    'PEPPOL-EN16931-R130',
    ['BT-150', 'BT-130'],
    'The unit of the price base quantity (BT-150) must be the unit of the invoiced quantity (BT-130)',
    (quantity, _root, report) => {
      const price = quantity.parentNode;
      if (quantity.getAttribute('unitCode') === null || price === null) return;
      if (!isElement(price, NET_PRICE) && !isElement(price, GROSS_PRICE)) return;
      const line = price.parentNode?.parentNode;
      if (line == null || along(line, BILLED_QUANTITY).length === 0)
        report(
          quantity,
          'A price base quantity unit (BT-150) is given on a line without an invoiced quantity (BT-130)',
        );
    },
  ),
];

const DATE_PATTERN = /20[0-9]{6}/;

const formatRules: SyntaxRule[] = [
  // The official context is `ram:ExchangedDocument/ram:TypeCode`, in the ram namespace, where CII has
  // rsm:ExchangedDocument: as released, the rule never applies to a CII invoice, and neither does it here.
  on(
    ram.TypeCode,
    'PEPPOL-EN16931-P0100',
    ['BT-3', 'BT-23'],
    'The invoice type code (BT-3) must be one the business process (BT-23) allows',
    (code, root, report) => {
      const parent = code.parentNode;
      if (parent === null || !isElement(parent, ram.ExchangedDocument)) return;
      const found = profile(root);
      if ((found === undefined || found === '01') && !PROFILE_01_CII_TYPES.has(normalized(code)))
        report(code);
    },
  ),
  on(
    [CII.udt, 'DateTimeString'],
    'PEPPOL-EN16931-F001',
    ['BT-2', 'BT-7', 'BT-9', 'BT-72', 'BT-73', 'BT-74', 'BT-134', 'BT-135'],
    "A date must be written YYYYMMDD, with format '102'",
    (date, _root, report) => {
      const text = ownText(date);
      const valid =
        normalizeSpace(date.getAttribute('format') ?? '') === '102' &&
        text.length === 8 &&
        DATE_PATTERN.test(normalizeSpace(text));
      if (!valid) report(date);
    },
  ),
  rule(
    'PEPPOL-COMMON-R048',
    ['BT-34', 'BT-49'],
    'An Italian Partita IVA as electronic address (scheme 9906) should be IT followed by eleven digits with a valid check digit',
    (root, report) => {
      for (const element of everywhere(root, ram.URIID))
        if (
          element.getAttribute('schemeID') === '9906' &&
          !validPartitaIva(normalizeSpace(element.textContent))
        )
          report(element);
    },
    'warning',
  ),
];

const ID: Step = [CII.ram, 'ID'];
const GLOBAL_ID: Step = [CII.ram, 'GlobalID'];
const SHIP_TO: Step = [CII.ram, 'ShipToTradeParty'];
const PRODUCT: Step = [CII.ram, 'SpecifiedTradeProduct'];

/**
 * PEPPOL's CII artefact checks the identifier formats on every `ram:ID` and `ram:GlobalID` with the scheme,
 * its UBL artefact only on the parties' (which the canonical rules check in both): in CII the deliver-to
 * location (BT-71) and the item's standard identifier (BT-157) are checked as well.
 */
const ciiOnlyIdentifierRules: SyntaxRule[] = Object.entries(SCHEME_FORMATS)
  .filter(([, format]) => !format.endpointsOnly)
  .map(([scheme, format]) =>
    rule(
      format.rule,
      ['BT-71', 'BT-157'],
      format.message,
      (root, report) => {
        for (const step of [ID, GLOBAL_ID])
          for (const element of everywhere(root, step)) {
            const parent = element.parentNode;
            if (parent === null || !(isElement(parent, SHIP_TO) || isElement(parent, PRODUCT))) continue;
            if (element.getAttribute('schemeID') !== scheme) continue;
            const value = format.raw ? element.textContent : normalizeSpace(element.textContent);
            if (!format.valid(value)) report(element);
          }
      },
      format.severity === 'warning' ? 'warning' : undefined,
    ),
  );

/** PEPPOL BIS 3's rules on the CII document itself; they run when the document was read from CII. */
export const peppolCiiSyntax: SyntaxRuleModule = {
  id: 'peppol-cii-syntax',
  set: 'peppol',
  title:
    'PEPPOL BIS Billing 3 rules on the CII document (PEPPOL-EN16931-R001 … R130, F001, P0100, PEPPOL-COMMON-*)',
  source: PEPPOL_SOURCE,
  reads: 'cii',
  rules: [
    ...contextRules,
    ...agreementRules,
    ...settlementRules,
    ...lineRules,
    ...allowanceChargeRules,
    ...priceRules,
    ...formatRules,
    ...ciiOnlyIdentifierRules,
  ],
};

import type { InvoiceRule, InvoiceRuleModule, SyntaxRule, SyntaxRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';
import { codeRules, type CodePlace, type CodeRuleSpec } from '../code-lists/canonical';
import { codeTest, expectedOf } from '../code-lists/code-lists';
import {
  CII_NAMESPACES,
  childNamed,
  hasAncestor,
  UBL_NAMESPACES,
  xmlCodeRule,
  type XmlCodeSpec,
  CII_CONTEXTS,
  UBL_AMOUNTS,
} from '../code-lists/xml';
import type { XmlTreeElement } from '../../xml/xml-tree';

/**
 * The code-list rules of EN 16931 (BR-CL-01 … BR-CL-26), with the code lists of the validation artefacts
 * 1.3.16 (`../code-lists/en16931/*.json`). Codes are compared as the artefacts compare them: white space
 * normalised, one token, case as written (VAT exemption reason codes in upper case, MIME codes exactly).
 *
 * The canonical module judges the business terms wherever the invoice comes from. UBL and CII documents
 * also get the syntax modules below, which judge what the canonical invoice cannot hold: the `currencyID`
 * of every amount (BR-CL-03), codes on elements the reader leaves out (an identifier without text but with
 * a scheme), codes at places that are no business term, and, in UBL, the type code list of the document's
 * kind (Invoice or CreditNote). Where the two syntaxes name a term differently, the canonical module follows
 * UBL (BT-118 is BR-CL-17 there, BR-CL-18 in CII).
 */

const currency = codeTest('en16931/iso-4217');
const icd = codeTest('en16931/iso-6523-icd');
const country = codeTest('en16931/iso-3166-1');
const vatCategory = codeTest('en16931/untdid-5305');
const allowanceReason = codeTest('en16931/untdid-5189');
const chargeReason = codeTest('en16931/untdid-7161');
const unit = codeTest('en16931/unece-rec-20-21');
const reference = codeTest('en16931/untdid-1153');
const exemption = codeTest('en16931/vatex', 'any-case');
const mime = codeTest('en16931/mime', 'exact');
const eas = codeTest('en16931/eas');
const typeCode = codeTest('en16931/untdid-1001');
const invoiceTypeCode = codeTest('en16931/untdid-1001-invoice');
const creditNoteTypeCode = codeTest('en16931/untdid-1001-credit-note');
const vatPointDate = codeTest('en16931/untdid-2005');
const vatPointDateCii = codeTest('en16931/untdid-2475');
const paymentMeans = codeTest('en16931/untdid-4461');
const itemClassification = codeTest('en16931/untdid-7143');
const noteSubject = codeTest('en16931/untdid-4451');

/** A seller's or payee's identifier may also be a SEPA creditor identifier (BR-CL-10). */
const icdOrSepa = (text: string) => icd(text) || text.trim() === 'SEPA';

const at = (accepts: (text: string) => boolean, ...paths: string[]): CodePlace[] => {
  const expected = expectedOf(accepts);
  return paths.map((path) => ({ at: path, accepts, ...(expected ? { expected } : {}) }));
};

interface Meaning {
  readonly id: string;
  readonly terms: readonly string[];
  readonly message: string;
}

/** What each rule requires, shared by the canonical and the syntax rules of the same id. */
const RULE: Record<string, Meaning> = Object.fromEntries(
  (
    [
      [
        'BR-CL-01',
        ['BT-3'],
        'The invoice type code (BT-3) must be a UNTDID 1001 code for invoices or credit notes.',
      ],
      [
        'BR-CL-03',
        ['BT-5', 'BT-6'],
        'The currency of an amount (currencyID) must be an ISO 4217 alphabetic code.',
      ],
      ['BR-CL-04', ['BT-5'], 'The invoice currency code (BT-5) must be an ISO 4217 alphabetic code.'],
      ['BR-CL-05', ['BT-6'], 'The VAT accounting currency code (BT-6) must be an ISO 4217 alphabetic code.'],
      [
        'BR-CL-06',
        ['BT-8'],
        'The VAT point date code (BT-8) must be one of the UNTDID 2005 codes 3, 35 and 432 (in CII the UNTDID 2475 codes 5, 29 and 72).',
      ],
      [
        'BR-CL-07',
        ['BT-18-1', 'BT-128-1'],
        'The scheme of an object identifier (BT-18-1, BT-128-1) must be a UNTDID 1153 code.',
      ],
      ['BR-CL-08', ['BT-21'], 'An invoice note subject code (BT-21) must be a UNTDID 4451 code.'],
      [
        'BR-CL-10',
        ['BT-29-1', 'BT-46-1', 'BT-60-1'],
        'The scheme of a party identifier (BT-29-1, BT-46-1, BT-60-1) must be an ISO 6523 ICD code (or SEPA, for the seller and the payee).',
      ],
      [
        'BR-CL-11',
        ['BT-30-1', 'BT-47-1', 'BT-61-1'],
        'The scheme of a legal registration identifier (BT-30-1, BT-47-1, BT-61-1) must be an ISO 6523 ICD code.',
      ],
      [
        'BR-CL-13',
        ['BT-158-1'],
        'The scheme of an item classification identifier (BT-158-1) must be a UNTDID 7143 code.',
      ],
      [
        'BR-CL-14',
        ['BT-40', 'BT-55', 'BT-69', 'BT-80'],
        'The country code of an address must be an ISO 3166-1 alpha-2 code.',
      ],
      ['BR-CL-15', ['BT-159'], 'The item country of origin (BT-159) must be an ISO 3166-1 alpha-2 code.'],
      ['BR-CL-16', ['BT-81'], 'The payment means type code (BT-81) must be a UNTDID 4461 code.'],
      [
        'BR-CL-17',
        ['BT-95', 'BT-102', 'BT-118'],
        'A VAT category code (BT-95, BT-102, BT-118) must be one of the UNTDID 5305 codes EN 16931 uses.',
      ],
      [
        'BR-CL-18',
        ['BT-151'],
        'The invoiced item VAT category code (BT-151) must be one of the UNTDID 5305 codes EN 16931 uses.',
      ],
      [
        'BR-CL-19',
        ['BT-98', 'BT-140'],
        'An allowance reason code (BT-98, BT-140) must be a UNTDID 5189 code.',
      ],
      ['BR-CL-20', ['BT-105', 'BT-145'], 'A charge reason code (BT-105, BT-145) must be a UNTDID 7161 code.'],
      [
        'BR-CL-21',
        ['BT-157-1'],
        'The scheme of an item standard identifier (BT-157-1) must be an ISO 6523 ICD code.',
      ],
      ['BR-CL-22', ['BT-121'], 'A VAT exemption reason code (BT-121) must be a VATEX code (in any case).'],
      [
        'BR-CL-23',
        ['BT-130', 'BT-150'],
        'A unit of measure code (BT-130, BT-150) must be a UN/ECE Recommendation 20 or 21 code.',
      ],
      [
        'BR-CL-24',
        ['BT-125-1'],
        'The MIME code of an attached document (BT-125-1) must be one of the media types EN 16931 allows.',
      ],
      [
        'BR-CL-25',
        ['BT-34-1', 'BT-49-1'],
        'The scheme of an electronic address (BT-34-1, BT-49-1) must be an EAS code.',
      ],
      [
        'BR-CL-26',
        ['BT-71-1'],
        'The scheme of the deliver to location identifier (BT-71-1) must be an ISO 6523 ICD code.',
      ],
    ] as const
  ).map(([id, terms, message]) => [id, { id, terms, message }]),
);

const meaning = (id: string): Meaning => {
  const found = RULE[id];
  if (!found) throw new TypeError(`No meaning for ${id}`);
  return found;
};

const canonical = (id: string, ...places: CodePlace[][]): CodeRuleSpec => ({
  ...meaning(id),
  places: places.flat(),
});

const canonicalRules: readonly InvoiceRule[] = codeRules([
  canonical('BR-CL-01', at(typeCode, '/typeCode')),
  canonical('BR-CL-04', at(currency, '/currency')),
  canonical('BR-CL-05', at(currency, '/vatAccountingCurrency')),
  canonical('BR-CL-06', at(vatPointDate, '/vatPointDateCode')),
  canonical('BR-CL-07', at(reference, '/invoicedObject/scheme', '/lines/*/object/scheme')),
  canonical('BR-CL-08', at(noteSubject, '/notes/*/subjectCode')),
  canonical(
    'BR-CL-10',
    at(icdOrSepa, '/seller/identifiers/*/scheme', '/payee/identifier/scheme'),
    at(icd, '/buyer/identifier/scheme'),
  ),
  canonical(
    'BR-CL-11',
    at(
      icd,
      '/seller/legalRegistration/scheme',
      '/buyer/legalRegistration/scheme',
      '/payee/legalRegistration/scheme',
    ),
  ),
  canonical('BR-CL-13', at(itemClassification, '/lines/*/item/classifications/*/scheme')),
  canonical(
    'BR-CL-14',
    at(
      country,
      '/seller/address/country',
      '/buyer/address/country',
      '/taxRepresentative/address/country',
      '/delivery/address/country',
    ),
  ),
  canonical('BR-CL-15', at(country, '/lines/*/item/originCountry')),
  canonical('BR-CL-16', at(paymentMeans, '/payment/meansCode')),
  canonical(
    'BR-CL-17',
    at(vatCategory, '/vatBreakdown/*/category', '/allowances/*/vatCategory', '/charges/*/vatCategory'),
  ),
  canonical('BR-CL-18', at(vatCategory, '/lines/*/vat/category')),
  canonical('BR-CL-19', at(allowanceReason, '/allowances/*/reasonCode', '/lines/*/allowances/*/reasonCode')),
  canonical('BR-CL-20', at(chargeReason, '/charges/*/reasonCode', '/lines/*/charges/*/reasonCode')),
  canonical('BR-CL-21', at(icd, '/lines/*/item/standardId/scheme')),
  canonical('BR-CL-22', at(exemption, '/vatBreakdown/*/exemptionReasonCode')),
  canonical('BR-CL-23', at(unit, '/lines/*/unitCode', '/lines/*/price/baseQuantityUnit')),
  canonical('BR-CL-24', at(mime, '/attachments/*/content/mimeCode')),
  canonical('BR-CL-25', at(eas, '/seller/endpoint/scheme', '/buyer/endpoint/scheme')),
  canonical('BR-CL-26', at(icd, '/delivery/locationId/scheme')),
]);

export const en16931CodeLists: InvoiceRuleModule = {
  id: 'en16931-code-lists',
  set: 'en16931',
  title: 'EN 16931 code lists (BR-CL-*)',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: canonicalRules,
};

// ---------------------------------------------------------------------------------------------------------
// UBL

const CBC = UBL_NAMESPACES.cbc!;

/** The line of a document of either kind: `cac:InvoiceLine` in an Invoice, `cac:CreditNoteLine` in a CreditNote. */
const ublLines = (rest: string): string[] => [
  `/Invoice/cac:InvoiceLine/${rest}`,
  `/CreditNote/cac:CreditNoteLine/${rest}`,
];
const SUPPLIER = '/*/cac:AccountingSupplierParty/cac:Party';
const CUSTOMER = '/*/cac:AccountingCustomerParty/cac:Party';

/** `cbc:ChargeIndicator = false()` (or `true()`): the indicator read as an xs:boolean. */
const ublChargeIndicator =
  (charge: boolean) =>
  (el: XmlTreeElement): boolean => {
    const parent = el.parentNode;
    if (!parent) return false;
    const values = charge ? ['true', '1'] : ['false', '0'];
    return parent.childNodes.some(
      (c) =>
        c.nodeType === 1 &&
        c.localName === 'ChargeIndicator' &&
        c.namespaceURI === CBC &&
        values.includes(c.textContent.trim()),
    );
  };

/** A document reference of type 130 (an invoiced object identifier). */
const isObjectReference = (el: XmlTreeElement): boolean =>
  el.parentNode?.childNodes.some(
    (c) =>
      c.nodeType === 1 &&
      c.localName === 'DocumentTypeCode' &&
      c.namespaceURI === CBC &&
      c.textContent === '130',
  ) ?? false;

type XmlSpec = Omit<XmlCodeSpec, 'id' | 'terms' | 'message'>;

const ubl = (id: string, spec: XmlSpec): SyntaxRule =>
  xmlCodeRule({ ...meaning(id), expected: expectedOf(spec.accepts), ...spec }, UBL_NAMESPACES);

const ublRules: readonly SyntaxRule[] = [
  ubl('BR-CL-01', {
    context: ['cbc:InvoiceTypeCode', 'cbc:CreditNoteTypeCode'],
    accepts: (text, el) =>
      el.localName === 'InvoiceTypeCode' ? invoiceTypeCode(text) : creditNoteTypeCode(text),
    readAt: ['/Invoice/cbc:InvoiceTypeCode', '/CreditNote/cbc:CreditNoteTypeCode'],
    canonicalReports: (text) => !typeCode(text),
  }),
  ubl('BR-CL-03', {
    context: UBL_AMOUNTS,
    attribute: 'currencyID',
    needsAttribute: false,
    accepts: currency,
  }),
  ubl('BR-CL-04', {
    context: ['cbc:DocumentCurrencyCode'],
    accepts: currency,
    readAt: ['/*/cbc:DocumentCurrencyCode'],
  }),
  ubl('BR-CL-05', {
    context: ['cbc:TaxCurrencyCode'],
    accepts: currency,
    readAt: ['/*/cbc:TaxCurrencyCode'],
  }),
  ubl('BR-CL-06', {
    context: ['cac:InvoicePeriod/cbc:DescriptionCode'],
    accepts: vatPointDate,
    readAt: ['/*/cac:InvoicePeriod[1]/cbc:DescriptionCode'],
  }),
  ubl('BR-CL-07', {
    context: ['cac:AdditionalDocumentReference/cbc:ID', 'cac:DocumentReference/cbc:ID'],
    when: isObjectReference,
    attribute: 'schemeID',
    accepts: reference,
    readAt: ['/*/cac:AdditionalDocumentReference/cbc:ID', ...ublLines('cac:DocumentReference/cbc:ID')],
  }),
  ubl('BR-CL-10', {
    context: ['cac:PartyIdentification/cbc:ID'],
    attribute: 'schemeID',
    accepts: (text, el) =>
      icd(text) ||
      (text.trim() === 'SEPA' &&
        hasAncestor(el, UBL_NAMESPACES.cac!, ['AccountingSupplierParty', 'PayeeParty'])),
    readAt: [
      `${SUPPLIER}/cac:PartyIdentification/cbc:ID`,
      `${CUSTOMER}/cac:PartyIdentification[1]/cbc:ID`,
      '/*/cac:PayeeParty/cac:PartyIdentification[1]/cbc:ID',
    ],
  }),
  ubl('BR-CL-11', {
    context: ['cac:PartyLegalEntity/cbc:CompanyID'],
    attribute: 'schemeID',
    accepts: icd,
    readAt: [
      `${SUPPLIER}/cac:PartyLegalEntity[1]/cbc:CompanyID`,
      `${CUSTOMER}/cac:PartyLegalEntity[1]/cbc:CompanyID`,
      '/*/cac:PayeeParty/cac:PartyLegalEntity[1]/cbc:CompanyID',
    ],
  }),
  ubl('BR-CL-13', {
    context: ['cac:CommodityClassification/cbc:ItemClassificationCode'],
    attribute: 'listID',
    accepts: itemClassification,
    readAt: ublLines('cac:Item[1]/cac:CommodityClassification/cbc:ItemClassificationCode'),
  }),
  ubl('BR-CL-14', {
    context: ['cac:Country/cbc:IdentificationCode'],
    accepts: country,
    readAt: [
      `${SUPPLIER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode`,
      `${CUSTOMER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode`,
      '/*/cac:TaxRepresentativeParty/cac:PostalAddress/cac:Country/cbc:IdentificationCode',
      '/*/cac:Delivery[1]/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode',
    ],
  }),
  ubl('BR-CL-15', {
    context: ['cac:OriginCountry/cbc:IdentificationCode'],
    accepts: country,
    readAt: ublLines('cac:Item[1]/cac:OriginCountry/cbc:IdentificationCode'),
  }),
  ubl('BR-CL-16', {
    context: ['cac:PaymentMeans/cbc:PaymentMeansCode'],
    accepts: paymentMeans,
    readAt: ['/*/cac:PaymentMeans[1]/cbc:PaymentMeansCode'],
  }),
  ubl('BR-CL-17', {
    context: ['cac:TaxCategory/cbc:ID'],
    accepts: vatCategory,
    readAt: [
      '/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID',
      '/*/cac:AllowanceCharge/cac:TaxCategory/cbc:ID',
    ],
  }),
  ubl('BR-CL-18', {
    context: ['cac:ClassifiedTaxCategory/cbc:ID'],
    accepts: vatCategory,
    readAt: ublLines('cac:Item[1]/cac:ClassifiedTaxCategory/cbc:ID'),
  }),
  ubl('BR-CL-19', {
    context: ['cac:AllowanceCharge/cbc:AllowanceChargeReasonCode'],
    when: ublChargeIndicator(false),
    accepts: allowanceReason,
    readAt: [
      '/*/cac:AllowanceCharge/cbc:AllowanceChargeReasonCode',
      ...ublLines('cac:AllowanceCharge/cbc:AllowanceChargeReasonCode'),
    ],
  }),
  ubl('BR-CL-20', {
    context: ['cac:AllowanceCharge/cbc:AllowanceChargeReasonCode'],
    when: ublChargeIndicator(true),
    accepts: chargeReason,
    readAt: [
      '/*/cac:AllowanceCharge/cbc:AllowanceChargeReasonCode',
      ...ublLines('cac:AllowanceCharge/cbc:AllowanceChargeReasonCode'),
    ],
  }),
  ubl('BR-CL-21', {
    context: ['cac:StandardItemIdentification/cbc:ID'],
    attribute: 'schemeID',
    accepts: icd,
    readAt: ublLines('cac:Item[1]/cac:StandardItemIdentification[1]/cbc:ID'),
  }),
  ubl('BR-CL-22', {
    context: ['cbc:TaxExemptionReasonCode'],
    accepts: exemption,
    readAt: ['/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode'],
  }),
  ubl('BR-CL-23', {
    context: ['cbc:InvoicedQuantity', 'cbc:BaseQuantity', 'cbc:CreditedQuantity'],
    attribute: 'unitCode',
    accepts: unit,
    readAt: [
      ...ublLines('cbc:InvoicedQuantity'),
      ...ublLines('cbc:CreditedQuantity'),
      ...ublLines('cac:Price/cbc:BaseQuantity'),
    ],
  }),
  ubl('BR-CL-24', {
    context: ['cbc:EmbeddedDocumentBinaryObject'],
    attribute: 'mimeCode',
    accepts: mime,
    readAt: ['/*/cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject'],
  }),
  ubl('BR-CL-25', {
    context: ['cbc:EndpointID'],
    attribute: 'schemeID',
    accepts: eas,
    readAt: [`${SUPPLIER}/cbc:EndpointID`, `${CUSTOMER}/cbc:EndpointID`],
  }),
  ubl('BR-CL-26', {
    context: ['cac:DeliveryLocation/cbc:ID'],
    attribute: 'schemeID',
    accepts: icd,
    readAt: ['/*/cac:Delivery[1]/cac:DeliveryLocation/cbc:ID'],
  }),
];

export const en16931UblCodeLists: SyntaxRuleModule = {
  id: 'en16931-ubl-code-lists',
  set: 'en16931',
  title: 'EN 16931 code lists in UBL, where the canonical invoice holds no code (BR-CL-*)',
  source: EN16931_SOURCE,
  reads: 'ubl',
  rules: ublRules,
};

// ---------------------------------------------------------------------------------------------------------
// CII

const RAM = CII_NAMESPACES.ram!;
const UDT = CII_NAMESPACES.udt!;
const { TRANSACTION, AGREEMENT, SETTLEMENT } = CII_CONTEXTS;
const SHIP_TO = `${TRANSACTION}/ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty`;
const LINE = `${TRANSACTION}/ram:IncludedSupplyChainTradeLineItem`;
const SELLER = `${AGREEMENT}/ram:SellerTradeParty`;
const BUYER = `${AGREEMENT}/ram:BuyerTradeParty`;
const PAYEE = `${SETTLEMENT}/ram:PayeeTradeParty`;

/** `ram:ChargeIndicator/udt:Indicator = false()` (or `true()`), the indicator read as an xs:boolean. */
const ciiChargeIndicator =
  (charge: boolean) =>
  (el: XmlTreeElement): boolean => {
    const indicator = el.parentNode && childNamed(el.parentNode, RAM, 'ChargeIndicator');
    const values = charge ? ['true', '1'] : ['false', '0'];
    return (
      indicator?.childNodes.some(
        (c) =>
          c.nodeType === 1 &&
          c.localName === 'Indicator' &&
          c.namespaceURI === UDT &&
          values.includes(c.textContent.trim()),
      ) ?? false
    );
  };

const cii = (id: string, spec: XmlSpec): SyntaxRule =>
  xmlCodeRule({ ...meaning(id), expected: expectedOf(spec.accepts), ...spec }, CII_NAMESPACES);

const ciiRules: readonly SyntaxRule[] = [
  cii('BR-CL-01', {
    context: ['rsm:ExchangedDocument/ram:TypeCode'],
    accepts: typeCode,
    readAt: ['/*/rsm:ExchangedDocument/ram:TypeCode'],
  }),
  cii('BR-CL-03', { context: ['ram:TaxTotalAmount'], attribute: 'currencyID', accepts: currency }),
  cii('BR-CL-04', {
    context: ['ram:InvoiceCurrencyCode'],
    accepts: currency,
    readAt: [`${SETTLEMENT}/ram:InvoiceCurrencyCode`],
  }),
  cii('BR-CL-05', {
    context: ['ram:TaxCurrencyCode'],
    accepts: currency,
    readAt: [`${SETTLEMENT}/ram:TaxCurrencyCode`],
  }),
  // the reader copies this code into BT-8 unchanged, where the canonical rule expects a UNTDID 2005 code
  cii('BR-CL-06', {
    context: ['ram:DueDateTypeCode'],
    accepts: vatPointDateCii,
    readAt: [`${SETTLEMENT}/ram:ApplicableTradeTax/ram:DueDateTypeCode`],
    canonicalReports: (text) => !vatPointDate(text),
  }),
  cii('BR-CL-07', {
    context: ['ram:ReferenceTypeCode'],
    accepts: reference,
    readAt: [
      `${AGREEMENT}/ram:AdditionalReferencedDocument/ram:ReferenceTypeCode`,
      `${LINE}/ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument/ram:ReferenceTypeCode`,
    ],
    // only the reference of type 130 is an object identifier (BT-18, BT-128)
    readIf: (el) =>
      el.parentNode !== null && childNamed(el.parentNode, RAM, 'TypeCode')?.textContent.trim() === '130',
  }),
  cii('BR-CL-08', {
    context: ['ram:SubjectCode'],
    accepts: noteSubject,
    readAt: ['/*/rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode'],
  }),
  cii('BR-CL-10', {
    context: ['ram:GlobalID'],
    when: (el) => !hasAncestor(el, RAM, ['SpecifiedTradeProduct', 'ShipToTradeParty']),
    attribute: 'schemeID',
    accepts: icd,
    readAt: [`${SELLER}/ram:GlobalID`, `${BUYER}/ram:GlobalID[1]`, `${PAYEE}/ram:GlobalID[1]`],
    // the canonical rule takes SEPA for the seller and the payee, as UBL does
    canonicalReports: (text, el) =>
      !icd(text) && !(text === 'SEPA' && hasAncestor(el, RAM, ['SellerTradeParty', 'PayeeTradeParty'])),
  }),
  cii('BR-CL-11', {
    context: ['ram:ID'],
    when: (el) => !hasAncestor(el, RAM, ['SpecifiedTaxRegistration']),
    attribute: 'schemeID',
    accepts: icd,
    readAt: [
      `${SELLER}/ram:SpecifiedLegalOrganization[1]/ram:ID`,
      `${BUYER}/ram:SpecifiedLegalOrganization[1]/ram:ID`,
      `${PAYEE}/ram:SpecifiedLegalOrganization[1]/ram:ID`,
    ],
  }),
  cii('BR-CL-13', {
    context: ['ram:ClassCode'],
    attribute: 'listID',
    accepts: itemClassification,
    readAt: [`${LINE}/ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode`],
  }),
  cii('BR-CL-14', {
    context: ['ram:CountryID'],
    accepts: country,
    readAt: [
      `${SELLER}/ram:PostalTradeAddress/ram:CountryID`,
      `${BUYER}/ram:PostalTradeAddress/ram:CountryID`,
      `${AGREEMENT}/ram:SellerTaxRepresentativeTradeParty/ram:PostalTradeAddress/ram:CountryID`,
      `${SHIP_TO}/ram:PostalTradeAddress/ram:CountryID`,
    ],
  }),
  cii('BR-CL-15', {
    context: ['ram:OriginTradeCountry/ram:ID'],
    accepts: country,
    readAt: [`${LINE}/ram:SpecifiedTradeProduct/ram:OriginTradeCountry[1]/ram:ID`],
  }),
  cii('BR-CL-16', {
    context: ['ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode'],
    accepts: paymentMeans,
    readAt: [`${SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans[1]/ram:TypeCode`],
  }),
  cii('BR-CL-17', {
    context: ['ram:CategoryTradeTax/ram:CategoryCode'],
    accepts: vatCategory,
    readAt: [`${SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax/ram:CategoryCode`],
  }),
  // the VAT breakdown's category (BT-118) is BR-CL-17 for the canonical rules, so it is judged here too
  cii('BR-CL-18', {
    context: ['ram:ApplicableTradeTax/ram:CategoryCode'],
    accepts: vatCategory,
    readAt: [`${LINE}/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax[1]/ram:CategoryCode`],
  }),
  cii('BR-CL-19', {
    context: ['ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode'],
    when: ciiChargeIndicator(false),
    accepts: allowanceReason,
    readAt: [
      `${SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode`,
      `${LINE}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode`,
    ],
  }),
  cii('BR-CL-20', {
    context: ['ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode'],
    when: ciiChargeIndicator(true),
    accepts: chargeReason,
    readAt: [
      `${SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode`,
      `${LINE}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode`,
    ],
  }),
  cii('BR-CL-21', {
    context: ['ram:SpecifiedTradeProduct/ram:GlobalID'],
    attribute: 'schemeID',
    accepts: icd,
    readAt: [`${LINE}/ram:SpecifiedTradeProduct/ram:GlobalID[1]`],
  }),
  cii('BR-CL-22', {
    context: ['ram:ExemptionReasonCode'],
    accepts: exemption,
    readAt: [`${SETTLEMENT}/ram:ApplicableTradeTax/ram:ExemptionReasonCode`],
  }),
  cii('BR-CL-23', {
    context: ['ram:BasisQuantity', 'ram:BilledQuantity'],
    attribute: 'unitCode',
    accepts: unit,
    readAt: [
      `${LINE}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity`,
      `${LINE}/ram:SpecifiedLineTradeAgreement/ram:GrossPriceProductTradePrice/ram:BasisQuantity`,
      `${LINE}/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity`,
    ],
  }),
  cii('BR-CL-24', {
    context: ['ram:AttachmentBinaryObject'],
    attribute: 'mimeCode',
    accepts: mime,
    readAt: [`${AGREEMENT}/ram:AdditionalReferencedDocument/ram:AttachmentBinaryObject`],
  }),
  cii('BR-CL-25', {
    context: ['ram:URIUniversalCommunication/ram:URIID'],
    attribute: 'schemeID',
    accepts: eas,
    readAt: [
      `${SELLER}/ram:URIUniversalCommunication/ram:URIID`,
      `${BUYER}/ram:URIUniversalCommunication/ram:URIID`,
    ],
  }),
  cii('BR-CL-26', {
    context: ['ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:GlobalID'],
    attribute: 'schemeID',
    accepts: icd,
    readAt: [`${SHIP_TO}/ram:GlobalID[1]`],
  }),
];

export const en16931CiiCodeLists: SyntaxRuleModule = {
  id: 'en16931-cii-code-lists',
  set: 'en16931',
  title: 'EN 16931 code lists in CII, where the canonical invoice holds no code (BR-CL-*)',
  source: EN16931_SOURCE,
  reads: 'cii',
  rules: ciiRules,
};

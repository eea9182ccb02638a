import type { InvoiceRule, InvoiceRuleModule, SyntaxRule, SyntaxRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { codeRules, type CodePlace } from '../code-lists/canonical';
import { codeTest, expectedOf, normalizeSpace } from '../code-lists/code-lists';
import {
  CII_CONTEXTS,
  CII_NAMESPACES,
  childNamed,
  UBL_AMOUNTS,
  UBL_NAMESPACES,
  xmlCodeRule,
  type XmlCodeSpec,
} from '../code-lists/xml';
import type { XmlTreeElement } from '../../xml/xml-tree';

/**
 * PEPPOL BIS Billing 3's code-list rules (PEPPOL-EN16931-CL001 … CL008), with the lists of release 3.0.19
 * (`../code-lists/peppol/*.json`). PEPPOL compares a code with `normalize-space(.) = $code`, an attribute
 * exactly as written. (The type codes of the billing profile 01, P0100 and P0101, are rules of the PEPPOL
 * core modules, on the XML.)
 *
 * As for EN 16931 (`../en16931/code-lists.ts`), the canonical module judges the business terms and the
 * syntax modules what the canonical invoice does not hold: the `currencyID` of every amount (CL007), codes
 * on elements without text, and codes at places that are no business term.
 */

const mime = codeTest('peppol/mime', 'exact');
const allowanceReason = codeTest('peppol/untdid-5189');
const chargeReason = codeTest('peppol/untdid-7161');
const vatPointDate = codeTest('peppol/untdid-2005');
const currency = codeTest('peppol/iso-4217', 'exact');
const eas = codeTest('peppol/eas', 'exact');

const at = (accepts: (text: string) => boolean, ...paths: string[]): CodePlace[] => {
  const expected = expectedOf(accepts);
  return paths.map((path) => ({ at: path, accepts, ...(expected ? { expected } : {}) }));
};

interface Meaning {
  readonly id: string;
  readonly terms: readonly string[];
  readonly message: string;
}

const CL001: Meaning = {
  id: 'PEPPOL-EN16931-CL001',
  terms: ['BT-125-1'],
  message: 'The MIME code of an attached document (BT-125-1) must be one of the media types PEPPOL allows.',
};
const CL002: Meaning = {
  id: 'PEPPOL-EN16931-CL002',
  terms: ['BT-98', 'BT-140'],
  message: 'An allowance reason code (BT-98, BT-140) must be one of the UNTDID 5189 codes PEPPOL allows.',
};
const CL003: Meaning = {
  id: 'PEPPOL-EN16931-CL003',
  terms: ['BT-105', 'BT-145'],
  message: 'A charge reason code (BT-105, BT-145) must be a UNTDID 7161 code.',
};
const CL006: Meaning = {
  id: 'PEPPOL-EN16931-CL006',
  terms: ['BT-8'],
  message: 'The VAT point date code (BT-8) must be one of the UNTDID 2005 codes 3, 35 and 432.',
};
const CL007: Meaning = {
  id: 'PEPPOL-EN16931-CL007',
  terms: ['BT-5', 'BT-6'],
  message: 'The currency of an amount (currencyID) must be an ISO 4217 code PEPPOL lists.',
};
const CL008: Meaning = {
  id: 'PEPPOL-EN16931-CL008',
  terms: ['BT-34-1', 'BT-49-1'],
  message: 'The scheme of an electronic address (BT-34-1, BT-49-1) must be an EAS code that PEPPOL accepts.',
};

const canonicalRules: readonly InvoiceRule[] = codeRules([
  { ...CL001, places: at(mime, '/attachments/*/content/mimeCode') },
  { ...CL002, places: at(allowanceReason, '/allowances/*/reasonCode', '/lines/*/allowances/*/reasonCode') },
  { ...CL003, places: at(chargeReason, '/charges/*/reasonCode', '/lines/*/charges/*/reasonCode') },
  { ...CL006, places: at(vatPointDate, '/vatPointDateCode') },
  { ...CL008, places: at(eas, '/seller/endpoint/scheme', '/buyer/endpoint/scheme') },
]);

export const peppolCodeLists: InvoiceRuleModule = {
  id: 'peppol-code-lists',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3 code lists (PEPPOL-EN16931-CL*)',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  rules: canonicalRules,
};

// ---------------------------------------------------------------------------------------------------------
// UBL

type XmlSpec = Omit<XmlCodeSpec, 'id' | 'terms' | 'message'>;

const CBC = UBL_NAMESPACES.cbc!;
const SUPPLIER = '/*/cac:AccountingSupplierParty/cac:Party';
const CUSTOMER = '/*/cac:AccountingCustomerParty/cac:Party';
const ublLines = (rest: string): string[] => [
  `/Invoice/cac:InvoiceLine/${rest}`,
  `/CreditNote/cac:CreditNoteLine/${rest}`,
];

/** `cbc:ChargeIndicator = 'false'` (or `'true'`): compared as text, as PEPPOL does. */
const ublChargeIndicator =
  (text: 'true' | 'false') =>
  (el: XmlTreeElement): boolean =>
    el.parentNode?.childNodes.some(
      (c) =>
        c.nodeType === 1 &&
        c.localName === 'ChargeIndicator' &&
        c.namespaceURI === CBC &&
        c.textContent === text,
    ) ?? false;

const ubl = (meaning: Meaning, spec: XmlSpec): SyntaxRule =>
  xmlCodeRule({ ...meaning, expected: expectedOf(spec.accepts), ...spec }, UBL_NAMESPACES);

const ublRules: readonly SyntaxRule[] = [
  ubl(CL001, {
    context: ['cbc:EmbeddedDocumentBinaryObject'],
    attribute: 'mimeCode',
    accepts: mime,
    readAt: ['/*/cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject'],
  }),
  ubl(CL002, {
    context: ['cac:AllowanceCharge/cbc:AllowanceChargeReasonCode'],
    when: ublChargeIndicator('false'),
    accepts: allowanceReason,
    readAt: [
      '/*/cac:AllowanceCharge/cbc:AllowanceChargeReasonCode',
      ...ublLines('cac:AllowanceCharge/cbc:AllowanceChargeReasonCode'),
    ],
  }),
  ubl(CL003, {
    context: ['cac:AllowanceCharge/cbc:AllowanceChargeReasonCode'],
    when: ublChargeIndicator('true'),
    accepts: chargeReason,
    readAt: [
      '/*/cac:AllowanceCharge/cbc:AllowanceChargeReasonCode',
      ...ublLines('cac:AllowanceCharge/cbc:AllowanceChargeReasonCode'),
    ],
  }),
  ubl(CL006, {
    context: ['cac:InvoicePeriod/cbc:DescriptionCode'],
    accepts: vatPointDate,
    readAt: ['/*/cac:InvoicePeriod[1]/cbc:DescriptionCode'],
  }),
  ubl(CL007, { context: UBL_AMOUNTS, attribute: 'currencyID', needsAttribute: false, accepts: currency }),
  ubl(CL008, {
    context: ['cbc:EndpointID'],
    attribute: 'schemeID',
    accepts: eas,
    readAt: [`${SUPPLIER}/cbc:EndpointID`, `${CUSTOMER}/cbc:EndpointID`],
  }),
];

export const peppolUblCodeLists: SyntaxRuleModule = {
  id: 'peppol-ubl-code-lists',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3 code lists in UBL, where the canonical invoice holds no code',
  source: PEPPOL_SOURCE,
  reads: 'ubl',
  rules: ublRules,
};

// ---------------------------------------------------------------------------------------------------------
// CII

const RAM = CII_NAMESPACES.ram!;
const UDT = CII_NAMESPACES.udt!;
const { TRANSACTION, AGREEMENT, SETTLEMENT } = CII_CONTEXTS;
const LINE_SETTLEMENT = `${TRANSACTION}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement`;

/** `normalize-space(ram:ChargeIndicator/udt:Indicator) = 'false'` (or `'true'`). */
const ciiChargeIndicator =
  (text: 'true' | 'false') =>
  (el: XmlTreeElement): boolean => {
    const indicator = el.parentNode && childNamed(el.parentNode, RAM, 'ChargeIndicator');
    const value = indicator && childNamed(indicator, UDT, 'Indicator');
    return value !== undefined && value !== null && normalizeSpace(value.textContent) === text;
  };

const cii = (meaning: Meaning, spec: XmlSpec): SyntaxRule =>
  xmlCodeRule({ ...meaning, expected: expectedOf(spec.accepts), ...spec }, CII_NAMESPACES);

const ciiRules: readonly SyntaxRule[] = [
  cii(CL001, {
    context: ['ram:AttachmentBinaryObject'],
    attribute: 'mimeCode',
    accepts: mime,
    readAt: [`${AGREEMENT}/ram:AdditionalReferencedDocument/ram:AttachmentBinaryObject`],
  }),
  cii(CL002, {
    context: ['ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode'],
    when: ciiChargeIndicator('false'),
    accepts: allowanceReason,
    readAt: [
      `${SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode`,
      `${LINE_SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode`,
    ],
  }),
  cii(CL003, {
    context: ['ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode'],
    when: ciiChargeIndicator('true'),
    accepts: chargeReason,
    readAt: [
      `${SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode`,
      `${LINE_SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode`,
    ],
  }),
  cii(CL007, { context: ['ram:TaxTotalAmount'], attribute: 'currencyID', accepts: currency }),
  cii(CL008, {
    context: [
      'ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID',
      'ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID',
    ],
    attribute: 'schemeID',
    needsAttribute: false,
    accepts: eas,
    readAt: [
      `${AGREEMENT}/ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID`,
      `${AGREEMENT}/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID`,
    ],
  }),
];

export const peppolCiiCodeLists: SyntaxRuleModule = {
  id: 'peppol-cii-code-lists',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3 code lists in CII, where the canonical invoice holds no code',
  source: PEPPOL_SOURCE,
  reads: 'cii',
  rules: ciiRules,
};

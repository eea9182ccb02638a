import { UBL_NS } from '../../../xml/namespaces';
import type { XmlTreeElement } from '../../../xml/xml-tree';
import { childrenNamed, normalizeSpace, type ElementTest, type PathSyntax } from './paths';
import type { Assertion, ContextRow } from './pattern';
import { UBL_RESTRICTIONS } from './ubl-restrictions';

/**
 * The syntax rules of EN 16931 on UBL 2.1 (invoice and credit note) as data: occurrence limits (UBL-SR-*),
 * data type rules (UBL-DT-*) and content restrictions (UBL-CR-*), by context in the order of the official
 * pattern (an element is judged by the first context that matches it).
 */

const cbc = (el: XmlTreeElement, local: string) => childrenNamed(el, UBL_NS.cbc, local);
const cac = (el: XmlTreeElement, local: string) => childrenNamed(el, UBL_NS.cac, local);

/** An `xs:boolean` as XPath casts element text to it; undefined when the text is not one. */
function booleanValue(text: string): boolean | undefined {
  const value = text.trim();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}

/** `cbc:ChargeIndicator = true()` / `false()`. */
const chargeIndicatorIs =
  (wanted: boolean): ElementTest =>
  (el) =>
    cbc(el, 'ChargeIndicator').some((c) => booleanValue(c.textContent) === wanted);

/** The tax scheme identifiers of a party tax scheme, upper-cased (`cac:TaxScheme/upper-case(cbc:ID)`). */
const taxSchemes = (el: XmlTreeElement) =>
  cac(el, 'TaxScheme').map((s) => (cbc(s, 'ID')[0]?.textContent ?? '').toUpperCase());

const schemeIsSepa = (el: XmlTreeElement) => (el.getAttribute('schemeID') ?? '').toUpperCase() === 'SEPA';

const documentTypeCodes = (el: XmlTreeElement) => cbc(el, 'DocumentTypeCode').map((c) => c.textContent);

/** Whether an element has an ancestor `cac:Price` with a `cac:AllowanceCharge`. */
function underDiscountedPrice(el: XmlTreeElement): boolean {
  for (let node = el.parentNode; node; node = node.parentNode)
    if (
      node.localName === 'Price' &&
      node.namespaceURI === UBL_NS.cac &&
      cac(node, 'AllowanceCharge').length > 0
    )
      return true;
  return false;
}

/** The predicates the paths of the table name. */
const TESTS: Record<string, ElementTest> = {
  /** An allowance (`cbc:ChargeIndicator` false). */
  allowance: chargeIndicatorIs(false),
  /** A charge (`cbc:ChargeIndicator` true). */
  charge: chargeIndicatorIs(true),
  /** A party tax scheme whose tax scheme is VAT (in any case). */
  vat: (el) => taxSchemes(el).some((s) => s === 'VAT'),
  /** A party tax scheme with a tax scheme other than VAT (one without identifier included). */
  notVat: (el) => taxSchemes(el).some((s) => s !== 'VAT'),
  /** An identifier whose scheme is SEPA (the bank assigned creditor identifier). */
  sepa: schemeIsSepa,
  notSepa: (el) => !schemeIsSepa(el),
  /** A document reference to the invoiced object (document type code 130). */
  invoicedObject: (el) => documentTypeCodes(el).some((c) => c === '130'),
  /** A document reference of another type, or of none. */
  otherDocument: (el) => {
    const codes = documentTypeCodes(el);
    return codes.length === 0 || codes.some((c) => c !== '130');
  },
  /** An amount other than a price, outside a price's discount. */
  amount: (el) => !el.localName.endsWith('PriceAmount') && !underDiscountedPrice(el),
  notPaymentMeansCode: (el) => !(el.localName === 'PaymentMeansCode' && el.namespaceURI === UBL_NS.cbc),
};

/** The prefixes the table's paths use: the official schematron's (`ubl:` and `cn:` for the two roots). */
export const UBL_SYNTAX: PathSyntax = {
  namespaces: { ...UBL_NS, ubl: UBL_NS.invoice, cn: UBL_NS.creditNote },
  tests: TESTS,
};

/** The document element of a credit note (the official `../cn:CreditNote` from it). */
const isCreditNote: ElementTest = (el) =>
  el.localName === 'CreditNote' && el.namespaceURI === UBL_NS.creditNote;

/**
 * The payee's name rules (UBL-SR-19 … 21) hold only where some payee name differs from some seller name: a
 * payee without a name, or named as the seller, breaks them (the official test compares the two lists).
 */
function payeeNamedOtherThanSeller(payee: XmlTreeElement): boolean {
  const payeeNames = cac(payee, 'PartyName').flatMap((n) => cbc(n, 'Name').map((e) => e.textContent));
  const root = payee.parentNode;
  const sellerNames = root
    ? cac(root, 'AccountingSupplierParty')
        .flatMap((s) => cac(s, 'Party'))
        .flatMap((p) => cac(p, 'PartyLegalEntity'))
        .flatMap((l) => cbc(l, 'RegistrationName').map((e) => e.textContent))
    : [];
  return payeeNames.some((p) => sellerNames.some((s) => s !== p));
}

const payeeNames = (el: XmlTreeElement) => cac(el, 'PartyName').flatMap((n) => cbc(n, 'Name'));

/** An amount has at most two digits after its decimal point (the text after the first `.`). */
function twoFractionDigits(el: XmlTreeElement): boolean {
  const value = el.textContent;
  const point = value.indexOf('.');
  return point < 0 || value.length - point - 1 <= 2;
}

/** Attributes of UBL's data types that EN 16931 does not use (UBL-DT-08 … 28, warnings). */
const UNUSED_ATTRIBUTES: ReadonlyArray<readonly [number, string]> = [
  [8, 'schemeName'],
  [9, 'schemeAgencyName'],
  [10, 'schemeDataURI'],
  [11, 'schemeURI'],
  [12, 'format'],
  [13, 'unitCodeListIdentifier'],
  [14, 'unitCodeListAgencyIdentifier'],
  [15, 'unitCodeListAgencyName'],
  [16, 'listAgencyName'],
  [17, 'listName'],
  [19, 'languageID'],
  [20, 'listURI'],
  [21, 'listSchemeURI'],
  [22, 'languageLocaleID'],
  [23, 'uri'],
  [24, 'currencyCodeListVersionID'],
  [25, 'characterSetCode'],
  [26, 'encodingCode'],
  [27, 'schemeAgencyID'],
  [28, 'listAgencyID'],
];

const two = (n: number) => String(n).padStart(2, '0');
const three = (n: number) => String(n).padStart(3, '0');

const SELLER = 'cac:AccountingSupplierParty/cac:Party';
const BUYER = 'cac:AccountingCustomerParty/cac:Party';

/** The rules on the document element: occurrence limits, unused attributes, content restrictions. */
const DOCUMENT: Assertion[] = [
  {
    id: 'UBL-SR-01',
    severity: 'fatal',
    terms: ['BT-12'],
    atMost: ['cac:ContractDocumentReference/cbc:ID', 1],
    message: 'The contract reference (BT-12) may be given only once',
  },
  {
    id: 'UBL-SR-02',
    severity: 'fatal',
    terms: ['BT-15'],
    atMost: ['cac:ReceiptDocumentReference/cbc:ID', 1],
    message: 'The receiving advice reference (BT-15) may be given only once',
  },
  {
    id: 'UBL-SR-03',
    severity: 'fatal',
    terms: ['BT-16'],
    atMost: ['cac:DespatchDocumentReference/cbc:ID', 1],
    message: 'The despatch advice reference (BT-16) may be given only once',
  },
  {
    id: 'UBL-SR-04',
    severity: 'fatal',
    terms: ['BT-18'],
    atMost: ['cac:AdditionalDocumentReference[invoicedObject]/cbc:ID', 1],
    message: 'The invoiced object identifier (BT-18) may be given only once',
  },
  {
    id: 'UBL-SR-05',
    severity: 'fatal',
    terms: ['BT-20'],
    atMost: ['cac:PaymentTerms/cbc:Note', 1],
    message: 'The payment terms (BT-20) may be given only once',
  },
  {
    id: 'UBL-SR-08',
    severity: 'fatal',
    terms: ['BG-14'],
    atMost: ['cac:InvoicePeriod', 1],
    message: 'The invoicing period (BG-14) may be given only once',
  },
  {
    id: 'UBL-SR-09',
    severity: 'fatal',
    terms: ['BT-27'],
    atMost: [`${SELLER}/cac:PartyLegalEntity/cbc:RegistrationName`, 1],
    message: 'The seller name (BT-27) may be given only once',
  },
  {
    id: 'UBL-SR-10',
    severity: 'fatal',
    terms: ['BT-28'],
    atMost: [`${SELLER}/cac:PartyName/cbc:Name`, 1],
    message: 'The seller trading name (BT-28) may be given only once',
  },
  {
    id: 'UBL-SR-11',
    severity: 'fatal',
    terms: ['BT-30'],
    atMost: [`${SELLER}/cac:PartyLegalEntity/cbc:CompanyID`, 1],
    message: 'The seller legal registration identifier (BT-30) may be given only once',
  },
  {
    id: 'UBL-SR-12',
    severity: 'fatal',
    terms: ['BT-31'],
    atMost: [`${SELLER}/cac:PartyTaxScheme[vat]/cbc:CompanyID`, 1],
    message: 'The seller VAT identifier (BT-31) may be given only once',
  },
  {
    id: 'UBL-SR-13',
    severity: 'fatal',
    terms: ['BT-32'],
    atMost: [`${SELLER}/cac:PartyTaxScheme[notVat]/cbc:CompanyID`, 1],
    message: 'The seller tax registration identifier (BT-32) may be given only once',
  },
  {
    id: 'UBL-SR-14',
    severity: 'fatal',
    terms: ['BT-33'],
    atMost: [`${SELLER}/cac:PartyLegalEntity/cbc:CompanyLegalForm`, 1],
    message: 'The seller additional legal information (BT-33) may be given only once',
  },
  {
    id: 'UBL-SR-15',
    severity: 'fatal',
    terms: ['BT-44'],
    atMost: [`${BUYER}/cac:PartyLegalEntity/cbc:RegistrationName`, 1],
    message: 'The buyer name (BT-44) may be given only once',
  },
  {
    id: 'UBL-SR-16',
    severity: 'fatal',
    terms: ['BT-46'],
    atMost: [`${BUYER}/cac:PartyIdentification/cbc:ID`, 1],
    message: 'The buyer identifier (BT-46) may be given only once',
  },
  {
    id: 'UBL-SR-17',
    severity: 'fatal',
    terms: ['BT-47'],
    atMost: [`${BUYER}/cac:PartyLegalEntity/cbc:CompanyID`, 1],
    message: 'The buyer legal registration identifier (BT-47) may be given only once',
  },
  {
    id: 'UBL-SR-18',
    severity: 'fatal',
    terms: ['BT-48'],
    atMost: [`${BUYER}/cac:PartyTaxScheme[vat]/cbc:CompanyID`, 1],
    message: 'The buyer VAT identifier (BT-48) may be given only once',
  },
  {
    id: 'UBL-SR-24',
    severity: 'fatal',
    terms: ['BG-13'],
    atMost: ['cac:Delivery', 1],
    message: 'The delivery information (BG-13) may be given only once',
  },
  {
    id: 'UBL-SR-29',
    severity: 'fatal',
    terms: ['BT-90'],
    atMost: ['//cac:PartyIdentification/cbc:ID[sepa]', 1],
    message: 'The bank assigned creditor identifier (BT-90, scheme SEPA) may be given only once',
  },
  {
    id: 'UBL-SR-39',
    severity: 'fatal',
    terms: ['BT-11'],
    atMost: ['cac:ProjectReference/cbc:ID', 1],
    message: 'The project reference (BT-11) may be given only once',
  },
  {
    id: 'UBL-SR-40',
    severity: 'fatal',
    terms: ['BT-45'],
    atMost: [`${BUYER}/cac:PartyName/cbc:Name`, 1],
    message: 'The buyer trading name (BT-45) may be given only once',
  },
  {
    id: 'UBL-SR-44',
    severity: 'fatal',
    terms: ['BT-83'],
    oneValue: '//cbc:PaymentID',
    message: 'Every payment means must carry the same remittance information (BT-83), if any',
  },
  {
    id: 'UBL-SR-45',
    severity: 'fatal',
    terms: ['BT-9'],
    atMost: ['cac:PaymentMeans/cbc:PaymentDueDate', 1],
    message: 'The payment due date (BT-9) may be given only once',
  },
  {
    id: 'UBL-SR-46',
    severity: 'fatal',
    terms: ['BT-82'],
    atMost: ['cac:PaymentMeans/cbc:PaymentMeansCode/@name', 1],
    message: 'The payment means text (BT-82) may be given only once',
  },
  {
    id: 'UBL-SR-47',
    severity: 'fatal',
    terms: ['BT-81'],
    oneValue: '//cbc:PaymentMeansCode',
    message: 'Every payment means must have the same payment means type code (BT-81)',
  },
  {
    id: 'UBL-SR-49',
    severity: 'fatal',
    terms: ['BT-8'],
    atMost: ['cac:InvoicePeriod/cbc:DescriptionCode', 1],
    message: 'The value added tax point date code (BT-8) may be given only once',
  },
  {
    id: 'UBL-SR-54',
    severity: 'fatal',
    terms: ['BG-18'],
    atMost: ['cac:PaymentMeans/cac:CardAccount', 1],
    message: 'The payment card information (BG-18) may be given only once',
  },
  {
    id: 'UBL-SR-55',
    severity: 'fatal',
    terms: ['BG-19'],
    atMost: ['cac:PaymentMeans/cac:PaymentMandate', 1],
    message: 'The direct debit mandate (BG-19) may be given only once',
  },
  {
    id: 'UBL-SR-56',
    severity: 'fatal',
    terms: ['BT-17'],
    atMost: ['cac:OriginatorDocumentReference/cbc:ID', 1],
    message: 'The tender or lot reference (BT-17) may be given only once',
  },
  ...UNUSED_ATTRIBUTES.map(([n, name]): Assertion => ({
    id: `UBL-DT-${two(n)}`,
    severity: 'warning',
    absent: `//@${name}`,
    message: `The attribute ${name} is not used by EN 16931 and should be left out`,
  })),
  {
    id: 'UBL-DT-18',
    severity: 'warning',
    absent: '//*[notPaymentMeansCode]/@name',
    message:
      'The attribute name is used by EN 16931 only on the payment means code and should be left out elsewhere',
  },
  {
    id: 'UBL-CR-002',
    severity: 'warning',
    holds: (el) => {
      const versions = cbc(el, 'UBLVersionID');
      return versions.length === 0 || versions.some((v) => v.textContent === '2.1');
    },
    message: 'The UBL version identifier should be left out or be 2.1',
  },
  ...UBL_RESTRICTIONS.map(([n, path]): Assertion => ({
    id: `UBL-CR-${three(n)}`,
    severity: 'warning',
    absent: path,
  })),
  {
    id: 'UBL-CR-412',
    severity: 'warning',
    absent: 'cac:PaymentMeans/cbc:PaymentDueDate',
    unless: isCreditNote,
    message:
      'An invoice gives its payment due date in cbc:DueDate; cac:PaymentMeans/cbc:PaymentDueDate should be left out',
  },
  {
    id: 'UBL-CR-665',
    severity: 'warning',
    absent: '//cac:AdditionalDocumentReference[otherDocument]/cbc:ID/@schemeID',
    message:
      'Only the invoiced object identifier (document type code 130) may have a scheme identifier; others should not',
  },
  {
    id: 'UBL-CR-666',
    severity: 'fatal',
    terms: ['BT-18'],
    absent: '//cac:AdditionalDocumentReference[invoicedObject]/cac:Attachment',
    message: 'The invoiced object reference (document type code 130) must not have an attachment',
  },
  {
    id: 'UBL-CR-673',
    severity: 'fatal',
    terms: ['BT-18'],
    absent: '//cac:AdditionalDocumentReference[invoicedObject]/cbc:DocumentDescription',
    message: 'The invoiced object reference (document type code 130) must not have a description',
  },
];

/** The contexts of the UBL syntax rules, in the official order. */
export const UBL_CONTEXTS: readonly ContextRow[] = [
  {
    context: '//cac:PostalAddress | //cac:Address',
    asserts: [
      {
        id: 'UBL-SR-51',
        severity: 'fatal',
        terms: ['BT-162', 'BT-163', 'BT-164', 'BT-165'],
        atMost: ['cac:AddressLine', 1],
        message: 'An address may have only one third address line (cac:AddressLine)',
      },
    ],
  },
  {
    context: SELLER,
    asserts: [
      {
        id: 'UBL-SR-42',
        severity: 'fatal',
        terms: ['BT-31', 'BT-32'],
        atMost: ['cac:PartyTaxScheme', 2],
        message:
          'The seller may have at most two party tax schemes (VAT identifier and tax registration identifier)',
      },
    ],
  },
  {
    context: 'cac:AdditionalDocumentReference',
    asserts: [
      {
        id: 'UBL-SR-33',
        severity: 'fatal',
        terms: ['BT-123'],
        atMost: ['cbc:DocumentDescription', 1],
        message: 'The supporting document description (BT-123) may be given only once',
      },
      {
        id: 'UBL-SR-43',
        severity: 'fatal',
        terms: ['BT-18-1'],
        message:
          'Only the invoiced object identifier (document type code 130, or 50 in a credit note) may have a scheme identifier',
        holds: (el) => {
          const codes = documentTypeCodes(el);
          if (codes.includes('130')) return true;
          const root = rootOf(el);
          if (root.localName === 'CreditNote' && codes.includes('50')) return true;
          return codes.length === 0 && !cbc(el, 'ID').some((id) => id.hasAttribute('schemeID'));
        },
      },
    ],
  },
  {
    context: '//*Amount[amount]',
    asserts: [
      {
        id: 'UBL-DT-01',
        severity: 'fatal',
        holds: twoFractionDigits,
        message: 'An amount may have at most two digits after the decimal point',
      },
    ],
  },
  {
    context: '//*BinaryObject',
    asserts: [
      {
        id: 'UBL-DT-06',
        severity: 'fatal',
        terms: ['BT-125-1'],
        present: ['@mimeCode'],
        message: 'An attached document must have a MIME code (mimeCode)',
      },
      {
        id: 'UBL-DT-07',
        severity: 'fatal',
        terms: ['BT-125-2'],
        present: ['@filename'],
        message: 'An attached document must have a file name (filename)',
      },
    ],
  },
  {
    context: 'cac:Delivery',
    asserts: [
      {
        id: 'UBL-SR-25',
        severity: 'fatal',
        terms: ['BT-70'],
        atMost: ['cac:DeliveryParty/cac:PartyName/cbc:Name', 1],
        message: 'The deliver to party name (BT-70) may be given only once',
      },
    ],
  },
  {
    context: 'cac:AllowanceCharge[allowance]',
    asserts: [
      {
        id: 'UBL-SR-30',
        severity: 'fatal',
        terms: ['BT-97', 'BT-139'],
        atMost: ['cbc:AllowanceChargeReason', 1],
        message: 'An allowance may have only one reason (BT-97, BT-139)',
      },
    ],
  },
  {
    context: 'cac:AllowanceCharge[charge]',
    asserts: [
      {
        id: 'UBL-SR-31',
        severity: 'fatal',
        terms: ['BT-104', 'BT-144'],
        atMost: ['cbc:AllowanceChargeReason', 1],
        message: 'A charge may have only one reason (BT-104, BT-144)',
      },
    ],
  },
  {
    context: 'cac:PartyTaxScheme',
    asserts: [
      {
        id: 'UBL-SR-53',
        severity: 'fatal',
        terms: ['BT-31', 'BT-32', 'BT-48', 'BT-63'],
        present: ['cac:TaxScheme/cbc:ID', 'cbc:CompanyID'],
        message:
          'A party tax scheme must have both its tax scheme identifier and the tax identifier (cbc:CompanyID)',
      },
    ],
  },
  { context: '/ubl:Invoice | /cn:CreditNote', asserts: DOCUMENT },
  {
    context: 'cac:InvoiceLine | cac:CreditNoteLine',
    label: 'line',
    asserts: [
      {
        id: 'UBL-SR-34',
        severity: 'fatal',
        terms: ['BT-127'],
        atMost: ['cbc:Note', 1],
        message: 'A line may have only one note (BT-127)',
      },
      {
        id: 'UBL-SR-35',
        severity: 'fatal',
        terms: ['BT-132'],
        atMost: ['cac:OrderLineReference/cbc:LineID', 1],
        message: 'A line may reference only one purchase order line (BT-132)',
      },
      {
        id: 'UBL-SR-36',
        severity: 'fatal',
        terms: ['BG-26'],
        atMost: ['cac:InvoicePeriod', 1],
        message: 'A line may have only one invoice line period (BG-26)',
      },
      {
        id: 'UBL-SR-37',
        severity: 'fatal',
        terms: ['BT-147'],
        atMost: ['cac:Price/cac:AllowanceCharge/cbc:Amount', 1],
        message: 'A line may have only one item price discount (BT-147)',
      },
      {
        id: 'UBL-SR-48',
        severity: 'fatal',
        terms: ['BG-30'],
        exactlyOne: 'cac:Item/cac:ClassifiedTaxCategory',
        message: 'A line must have exactly one classified tax category (BG-30)',
      },
      {
        id: 'UBL-SR-50',
        severity: 'fatal',
        terms: ['BT-154'],
        atMost: ['cac:Item/cbc:Description', 1],
        message: 'A line may have only one item description (BT-154)',
      },
      {
        id: 'UBL-SR-52',
        severity: 'fatal',
        terms: ['BT-128'],
        atMost: ['cac:DocumentReference', 1],
        message: 'A line may have only one object identifier reference (BT-128)',
      },
    ],
  },
  {
    context: 'cac:PayeeParty',
    asserts: [
      {
        id: 'UBL-SR-19',
        severity: 'fatal',
        terms: ['BT-59'],
        holds: (el) => payeeNames(el).length <= 1 && payeeNamedOtherThanSeller(el),
        message:
          'The payee, when it is not the seller, must have exactly one name (BT-59) other than the seller name',
      },
      {
        id: 'UBL-SR-20',
        severity: 'fatal',
        terms: ['BT-60'],
        holds: (el) =>
          cac(el, 'PartyIdentification')
            .flatMap((p) => cbc(p, 'ID'))
            .filter((id) => !schemeIsSepa(id)).length <= 1 && payeeNamedOtherThanSeller(el),
        message:
          'The payee, when it is not the seller, may have only one identifier (BT-60), and must be named other than the seller',
      },
      {
        id: 'UBL-SR-21',
        severity: 'fatal',
        terms: ['BT-61'],
        holds: (el) =>
          cac(el, 'PartyLegalEntity').flatMap((p) => cbc(p, 'CompanyID')).length <= 1 &&
          payeeNamedOtherThanSeller(el),
        message:
          'The payee, when it is not the seller, may have only one legal registration identifier (BT-61), and must be named other than the seller',
      },
    ],
  },
  {
    context: 'cac:PaymentMeans',
    asserts: [
      {
        id: 'UBL-SR-26',
        severity: 'fatal',
        terms: ['BT-83'],
        atMost: ['cbc:PaymentID', 1],
        message: 'A payment means may have only one remittance information (BT-83)',
      },
      {
        id: 'UBL-SR-27',
        severity: 'fatal',
        terms: ['BT-81'],
        atMost: ['cbc:PaymentMeansCode', 1],
        message: 'A payment means may have only one payment means type code (BT-81)',
      },
      {
        id: 'UBL-SR-28',
        severity: 'fatal',
        terms: ['BT-89'],
        atMost: ['cac:PaymentMandate/cbc:ID', 1],
        message: 'A payment means may have only one mandate reference identifier (BT-89)',
      },
    ],
  },
  {
    context: 'cac:BillingReference',
    asserts: [
      {
        id: 'UBL-SR-06',
        severity: 'fatal',
        terms: ['BG-3'],
        atMost: ['cac:InvoiceDocumentReference', 1],
        message: 'A billing reference may reference only one preceding invoice (BG-3)',
      },
      {
        id: 'UBL-SR-07',
        severity: 'fatal',
        terms: ['BT-25'],
        present: ['cac:InvoiceDocumentReference/cbc:ID'],
        message: 'A preceding invoice reference must have the preceding invoice number (BT-25)',
      },
    ],
  },
  {
    context: 'cac:TaxRepresentativeParty',
    asserts: [
      {
        id: 'UBL-SR-22',
        severity: 'fatal',
        terms: ['BT-62'],
        atMost: ['cac:PartyName/cbc:Name', 1],
        message: 'The seller tax representative name (BT-62) may be given only once',
      },
      {
        id: 'UBL-SR-23',
        severity: 'fatal',
        terms: ['BT-63'],
        atMost: ['cac:PartyTaxScheme/cbc:CompanyID', 1],
        message: 'The seller tax representative VAT identifier (BT-63) may be given only once',
      },
    ],
  },
  {
    context: 'cac:TaxSubtotal',
    asserts: [
      {
        id: 'UBL-SR-32',
        severity: 'fatal',
        terms: ['BT-120'],
        atMost: ['cac:TaxCategory/cbc:TaxExemptionReason', 1],
        message: 'A VAT breakdown may have only one VAT exemption reason text (BT-120)',
      },
    ],
  },
];

function rootOf(el: XmlTreeElement): XmlTreeElement {
  let node = el;
  while (node.parentNode) node = node.parentNode;
  return node;
}

/** BT-24 as the official BR-01 reads it in UBL: the first `cbc:CustomizationID`, with text. */
export function ublSpecificationIdentifier(root: XmlTreeElement): XmlTreeElement | undefined {
  const id = cbc(root, 'CustomizationID')[0];
  return id && normalizeSpace(id.textContent) !== '' ? id : undefined;
}

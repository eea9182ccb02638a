import { CII_NS } from '../../../xml/namespaces';
import type { XmlTreeElement } from '../../../xml/xml-tree';
import { childrenNamed, normalizeSpace, type ElementTest, type PathSyntax } from './paths';
import type { Assertion, ContextRow } from './pattern';

/**
 * The syntax rules of EN 16931 on the UN/CEFACT Cross Industry Invoice (D16B) as data: the content EN 16931
 * does not use (CII-SR-*, mostly warnings), occurrence limits (CII-SR-*, fatal) and data type rules
 * (CII-DT-*), by context in the order of the official pattern: an element is judged by the first context
 * that matches it. So the rules on the attributes of the document type code (CII-DT-010 … 012) never apply,
 * as in the official artefact: the context of every `ram:TypeCode` (CII-DT-008, 009) comes first.
 */

const ram = (el: XmlTreeElement, local: string) => childrenNamed(el, CII_NS.ram, local);

/** The elements a relative path of `ram:` steps reaches. */
function ramPath(el: XmlTreeElement, steps: readonly string[]): XmlTreeElement[] {
  let current = [el];
  for (const step of steps) current = current.flatMap((e) => ram(e, step));
  return current;
}

const isNamed =
  (local: string): ElementTest =>
  (el) =>
    el.localName === local && el.namespaceURI === CII_NS.ram;

/** The type codes of a referenced document, as written. */
const typeCodes = (el: XmlTreeElement) => ram(el, 'TypeCode').map((c) => c.textContent);

/** `normalize-space(ram:TypeCode) = code`: the (first) type code, white space normalised. */
const typeCodeIs =
  (code: string): ElementTest =>
  (el) => {
    const first = ram(el, 'TypeCode')[0];
    return first !== undefined && normalizeSpace(first.textContent) === code;
  };

/** `ram:TypeCode = code` for one of the type codes, as written. */
const someTypeCodeIs =
  (code: string): ElementTest =>
  (el) =>
    typeCodes(el).includes(code);

/** An additional referenced document with one of these type codes (as written). */
const additionalDocument =
  (...codes: string[]): ElementTest =>
  (el) =>
    isNamed('AdditionalReferencedDocument')(el) && typeCodes(el).some((c) => codes.includes(c));

const supportingDocument = additionalDocument('916');
const typedAdditionalDocument = additionalDocument('50', '130', '916');
const invoicedObjectDocument = additionalDocument('130');

/** An element inside the settlement of the document (not of a line). */
const inHeaderSettlement: ElementTest = (el) => {
  for (let node = el.parentNode; node; node = node.parentNode)
    if (node.localName === 'ApplicableHeaderTradeSettlement' && node.namespaceURI === CII_NS.ram) return true;
  return false;
};

/** Whether some invoiced quantity of a line has a unit code (the official condition of CII-DT-033), by document. */
const UNIT_GIVEN = {};
const billedQuantityHasUnit: ElementTest = (el) => {
  let root = el;
  while (root.parentNode) root = root.parentNode;
  return root.memo(
    UNIT_GIVEN,
    () =>
      root.localName === 'CrossIndustryInvoice' &&
      root.namespaceURI === CII_NS.rsm &&
      childrenNamed(root, CII_NS.rsm, 'SupplyChainTradeTransaction')
        .flatMap((t) =>
          ramPath(t, ['IncludedSupplyChainTradeLineItem', 'SpecifiedLineTradeDelivery', 'BilledQuantity']),
        )
        .some((q) => q.hasAttribute('unitCode')),
  );
};

/** An `udt:Indicator` as XPath casts it to a boolean; undefined when it is not one. */
function indicator(el: XmlTreeElement): boolean | undefined {
  const value = el.textContent.trim();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}

/**
 * CII-SR-119: the discount on the gross price is an allowance with its amount, or there is neither indicator
 * nor amount.
 */
const priceDiscountIsAllowance: ElementTest = (el) => {
  const discounts = ramPath(el, ['GrossPriceProductTradePrice', 'AppliedTradeAllowanceCharge']);
  const indicators = discounts.flatMap((d) => ram(d, 'ChargeIndicator'));
  const amounts = discounts.flatMap((d) => ram(d, 'ActualAmount'));
  const allowance = indicators.some((i) =>
    childrenNamed(i, CII_NS.udt, 'Indicator').some((v) => indicator(v) === false),
  );
  return (allowance && amounts.length > 0) || (indicators.length === 0 && amounts.length === 0);
};

/** Not both of two children in the parties (contacts) a path reaches. */
const notBoth =
  (path: string, first: string, second: string): ElementTest =>
  (el) => {
    const steps = path.split('/').map((s) => s.replace(/^ram:/, ''));
    const reached = ramPath(el, steps);
    const has = (name: string) => reached.some((r) => ram(r, name.replace(/^ram:/, '')).length > 0);
    return !(has(first) && has(second));
  };

/** `udt:DateTimeString` in format 102: YYYYMMDD, white space around allowed; the year in any script's digits. */
const DATE_102 = /^[ \t\n\r]*\p{Nd}{4}(?:1[0-2]|0[1-9])(?:3[01]|[12][0-9]|0[1-9])[ \t\n\r]*$/u;

/** The predicates the paths of the table name. */
const TESTS: Record<string, ElementTest> = {
  notTaxTotalAmount: (el) => !isNamed('TaxTotalAmount')(el),
  format102: (el) => el.getAttribute('format') === '102',
  /** A referenced document of the invoiced object (type code 130, white space normalised). */
  invoicedObject: typeCodeIs('130'),
  /** The same, as written (`ram:TypeCode = '130'`). */
  invoicedObjectExactly: someTypeCodeIs('130'),
  /** A referenced tender or lot (type code 50, as written). */
  tenderOrLot: someTypeCodeIs('50'),
  /** A supporting document (type code 916, white space normalised). */
  supportingDocumentCode: typeCodeIs('916'),
  /** A credit transfer (30, 58) without the IBAN or proprietary identifier of the account. */
  creditTransferWithoutAccount: (el) =>
    (typeCodeIs('30')(el) || typeCodeIs('58')(el)) &&
    !ram(el, 'PayeePartyCreditorFinancialAccount').some(
      (a) => ram(a, 'IBANID').length > 0 || ram(a, 'ProprietaryID').length > 0,
    ),
};

export const CII_SYNTAX: PathSyntax = { namespaces: CII_NS, tests: TESTS };

const absent = (
  severity: Assertion['severity'],
  rows: ReadonlyArray<readonly [string, string]>,
): Assertion[] => rows.map(([id, path]) => ({ id, severity, absent: path }));

const DOCUMENT = '/rsm:CrossIndustryInvoice';
const TRANSACTION = `${DOCUMENT}/rsm:SupplyChainTradeTransaction`;
const LINE = `${TRANSACTION}/ram:IncludedSupplyChainTradeLineItem`;

/** The contexts of the CII syntax rules, in the official order. */
export const CII_CONTEXTS: readonly ContextRow[] = [
  {
    context: '//ram:SpecifiedTradeSettlementPaymentMeans',
    label: 'ram:SpecifiedTradeSettlementPaymentMeans',
    asserts: [...absent('warning', [['CII-SR-464', 'ram:PayerSpecifiedDebtorFinancialInstitution']])],
  },
  {
    context: `${DOCUMENT}/rsm:ExchangedDocumentContext`,
    label: 'rsm:ExchangedDocumentContext',
    asserts: [
      {
        id: 'CII-SR-003',
        severity: 'warning',
        atMost: ['ram:BusinessProcessSpecifiedDocumentContextParameter', 1],
      },
      {
        id: 'CII-SR-009',
        severity: 'fatal',
        terms: ['BT-24'],
        exactlyOne: 'ram:GuidelineSpecifiedDocumentContextParameter',
        message: 'The document context must have exactly one guideline parameter (for BT-24)',
      },
      {
        id: 'CII-SR-010',
        severity: 'fatal',
        terms: ['BT-24'],
        exactlyOne: 'ram:GuidelineSpecifiedDocumentContextParameter/ram:ID',
        message: 'The specification identifier (BT-24) must be given exactly once',
      },
      ...absent('warning', [
        ['CII-SR-001', 'ram:SpecifiedTransactionID'],
        ['CII-SR-002', 'ram:TestIndicator'],
        ['CII-SR-006', 'ram:BIMSpecifiedDocumentContextParameter'],
        ['CII-SR-007', 'ram:ScenarioSpecifiedDocumentContextParameter'],
        ['CII-SR-008', 'ram:ApplicationSpecifiedDocumentContextParameter'],
        ['CII-SR-011', 'ram:SubsetSpecifiedDocumentContextParameter'],
        ['CII-SR-012', 'ram:MessageStandardSpecifiedDocumentContextParameter'],
      ]),
    ],
  },
  {
    context: `${DOCUMENT}/rsm:ExchangedDocument`,
    label: 'rsm:ExchangedDocument',
    asserts: [
      {
        id: 'CII-SR-014',
        severity: 'fatal',
        terms: ['BT-3'],
        exactlyOne: 'ram:TypeCode',
        message: 'The invoice type code (BT-3) must be given exactly once',
      },
      ...absent('warning', [
        ['CII-SR-013', 'ram:Name'],
        ['CII-SR-015', 'ram:IssueDateTime/udt:DateTime'],
        ['CII-SR-016', 'ram:CopyIndicator'],
        ['CII-SR-017', 'ram:Purpose'],
        ['CII-SR-018', 'ram:ControlRequirementIndicator'],
        ['CII-SR-019', 'ram:LanguageID'],
        ['CII-SR-020', 'ram:PurposeCode'],
        ['CII-SR-021', 'ram:RevisionDateTime'],
        ['CII-SR-022', 'ram:VersionID'],
        ['CII-SR-023', 'ram:GlobalID'],
        ['CII-SR-024', 'ram:RevisionID'],
        ['CII-SR-025', 'ram:PreviousRevisionID'],
        ['CII-SR-026', 'ram:CategoryCode'],
        ['CII-SR-027', 'ram:IncludedNote/ram:Subject'],
        ['CII-SR-028', 'ram:IncludedNote/ram:ContentCode'],
        ['CII-SR-032', 'ram:IncludedNote/ram:ID'],
        ['CII-SR-033', 'ram:EffectiveSpecifiedPeriod'],
        ['CII-SR-034', 'ram:IssuerTradeParty'],
      ]),
    ],
  },
  {
    context: `${DOCUMENT}/rsm:ExchangedDocument/ram:IncludedNote`,
    label: 'rsm:ExchangedDocument/ram:IncludedNote',
    asserts: [{ id: 'CII-SR-030', severity: 'warning', terms: ['BT-22'], atMost: ['ram:Content', 1] }],
  },
  {
    context: LINE,
    label: 'ram:IncludedSupplyChainTradeLineItem',
    asserts: [
      ...absent('warning', [
        ['CII-SR-035', 'ram:DescriptionCode'],
        ['CII-SR-036', 'ram:ParentLineID'],
        ['CII-SR-037', 'ram:LineStatusCode'],
        ['CII-SR-038', 'ram:LineStatusReasonCode'],
        ['CII-SR-221', 'ram:IncludedSubordinateTradeLineItem'],
      ]),
    ],
  },
  {
    context: `${LINE}/ram:AssociatedDocumentLineDocument`,
    label: 'ram:AssociatedDocumentLineDocument',
    asserts: [
      { id: 'CII-SR-039', severity: 'warning', terms: ['BT-127'], atMost: ['ram:IncludedNote', 1] },
      {
        id: 'CII-SR-040',
        severity: 'warning',
        terms: ['BT-127'],
        atMost: ['ram:IncludedNote/ram:Content', 1],
      },
      ...absent('warning', [
        ['CII-SR-041', 'ram:IncludedNote/ram:SubjectCode'],
        ['CII-SR-042', 'ram:IncludedNote/ram:ID'],
        ['CII-SR-043', 'ram:IncludedNote/ram:Subject'],
        ['CII-SR-044', 'ram:IncludedNote/ram:ContentCode'],
      ]),
    ],
  },
  {
    context: `${LINE}/ram:SpecifiedTradeProduct`,
    label: 'ram:SpecifiedTradeProduct',
    asserts: [
      {
        id: 'CII-SR-046',
        severity: 'fatal',
        terms: ['BT-157-1'],
        holds: (el) => {
          const ids = ram(el, 'GlobalID');
          return ids.length === 0 || ids.some((id) => id.hasAttribute('schemeID'));
        },
        message: 'The item standard identifier (BT-157) must have its scheme identifier (BT-157-1)',
      },
      {
        id: 'CII-SR-090',
        severity: 'fatal',
        terms: ['BT-159'],
        holds: (el) => {
          const countries = ram(el, 'OriginTradeCountry');
          return countries.length === 0 || countries.flatMap((c) => ram(c, 'ID')).length === 1;
        },
        message: 'The item country of origin (BT-159) must have exactly one country code',
      },
      ...absent('warning', [
        ['CII-SR-045', 'ram:ID'],
        ['CII-SR-048', 'ram:ManufacturerAssignedID'],
        ['CII-SR-049', 'ram:TradeName'],
        ['CII-SR-050', 'ram:TypeCode'],
        ['CII-SR-051', 'ram:NetWeightMeasure'],
        ['CII-SR-052', 'ram:GrossWeightMeasure'],
        ['CII-SR-053', 'ram:ProductGroupID'],
        ['CII-SR-054', 'ram:EndItemTypeCode'],
        ['CII-SR-055', 'ram:EndItemName'],
        ['CII-SR-056', 'ram:AreaDensityMeasure'],
        ['CII-SR-057', 'ram:UseDescription'],
        ['CII-SR-058', 'ram:BrandName'],
        ['CII-SR-059', 'ram:SubBrandName'],
        ['CII-SR-060', 'ram:DrainedNetWeightMeasure'],
        ['CII-SR-061', 'ram:VariableMeasureIndicator'],
        ['CII-SR-062', 'ram:ColourCode'],
        ['CII-SR-063', 'ram:ColourDescription'],
        ['CII-SR-064', 'ram:Designation'],
        ['CII-SR-065', 'ram:FormattedCancellationAnnouncedLaunchDateTime'],
        ['CII-SR-066', 'ram:FormattedLatestProductDataChangeDateTime'],
        ['CII-SR-067', 'ram:ApplicableProductCharacteristic/ram:ID'],
        ['CII-SR-068', 'ram:ApplicableProductCharacteristic/ram:TypeCode'],
        ['CII-SR-070', 'ram:ApplicableProductCharacteristic/ram:ValueMeasure'],
        ['CII-SR-071', 'ram:ApplicableProductCharacteristic/ram:MeasurementMethodCode'],
        ['CII-SR-073', 'ram:ApplicableProductCharacteristic/ram:ValueCode'],
        ['CII-SR-074', 'ram:ApplicableProductCharacteristic/ram:ValueDateTime'],
        ['CII-SR-075', 'ram:ApplicableProductCharacteristic/ram:ValueIndicator'],
        ['CII-SR-076', 'ram:ApplicableProductCharacteristic/ram:ContentTypeCode'],
        ['CII-SR-077', 'ram:ApplicableProductCharacteristic/ram:ValueSpecifiedBinaryFile'],
        ['CII-SR-078', 'ram:ApplicableProductCharacteristic/ram:ApplicableProductCharacteristicCondition'],
        ['CII-SR-079', 'ram:ApplicableProductCharacteristic/ram:ApplicableReferencedStandard'],
        ['CII-SR-080', 'ram:ApplicableMaterialGoodsCharacteristic'],
        ['CII-SR-081', 'ram:DesignatedProductClassification/ram:SystemID'],
        ['CII-SR-082', 'ram:DesignatedProductClassification/ram:SystemName'],
        ['CII-SR-083', 'ram:DesignatedProductClassification/ram:ClassName'],
        ['CII-SR-084', 'ram:DesignatedProductClassification/ram:SubClassCode'],
        ['CII-SR-085', 'ram:DesignatedProductClassification/ram:ClassProductCharacteristic'],
        ['CII-SR-086', 'ram:DesignatedProductClassification/ram:ApplicableReferencedStandard'],
        ['CII-SR-087', 'ram:IndividualTradeProductInstance'],
        ['CII-SR-088', 'ram:CertificationEvidenceReferenceReferencedDocument'],
        ['CII-SR-089', 'ram:InspectionReferenceReferencedDocument'],
        ['CII-SR-091', 'ram:OriginTradeCountry/ram:Name'],
        ['CII-SR-092', 'ram:OriginTradeCountry/ram:SubordinateTradeCountrySubDivision'],
        ['CII-SR-093', 'ram:LinearSpatialDimension'],
        ['CII-SR-094', 'ram:MinimumLinearSpatialDimension'],
        ['CII-SR-095', 'ram:MaximumLinearSpatialDimension'],
        ['CII-SR-096', 'ram:ManufacturerTradeParty'],
        ['CII-SR-097', 'ram:PresentationSpecifiedBinaryFile'],
        ['CII-SR-098', 'ram:MSDSReferenceReferencedDocument'],
        ['CII-SR-099', 'ram:AdditionalReferenceReferencedDocument'],
        ['CII-SR-100', 'ram:LegalRightsOwnerTradeParty'],
        ['CII-SR-101', 'ram:BrandOwnerTradeParty'],
        ['CII-SR-102', 'ram:IncludedReferencedProduct'],
        ['CII-SR-103', 'ram:InformationNote'],
      ]),
    ],
  },
  {
    context: `${LINE}/ram:SpecifiedTradeProduct/ram:ApplicableProductCharacteristic`,
    label: 'ram:ApplicableProductCharacteristic',
    asserts: [
      {
        id: 'CII-SR-069',
        severity: 'fatal',
        terms: ['BT-160'],
        exactlyOne: 'ram:Description',
        message: 'An item attribute must have exactly one name (BT-160)',
      },
      {
        id: 'CII-SR-072',
        severity: 'fatal',
        terms: ['BT-161'],
        exactlyOne: 'ram:Value',
        message: 'An item attribute must have exactly one value (BT-161)',
      },
    ],
  },
  {
    context: `${LINE}/ram:SpecifiedLineTradeAgreement`,
    label: 'ram:SpecifiedLineTradeAgreement',
    asserts: [
      {
        id: 'CII-SR-439',
        severity: 'fatal',
        terms: ['BT-146'],
        exactlyOne: 'ram:NetPriceProductTradePrice/ram:ChargeAmount',
        message: 'A line must have exactly one item net price (BT-146)',
      },
      {
        id: 'CII-SR-119',
        severity: 'warning',
        terms: ['BT-147'],
        holds: priceDiscountIsAllowance,
        message:
          'An item price discount (BT-147) must be an allowance (charge indicator false) with its amount',
      },
      {
        id: 'CII-SR-441',
        severity: 'fatal',
        terms: ['BT-146'],
        atMost: ['ram:NetPriceProductTradePrice/ram:ChargeAmount', 1],
        message: 'The item net price (BT-146) may be given only once',
      },
      ...absent('warning', [
        ['CII-SR-104', 'ram:BuyerReference'],
        ['CII-SR-105', 'ram:BuyerRequisitionerTradeParty'],
        ['CII-SR-106', 'ram:ApplicableTradeDeliveryTerms'],
        ['CII-SR-107', 'ram:SellerOrderReferencedDocument'],
        ['CII-SR-108', 'ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID'],
        ['CII-SR-109', 'ram:QuotationReferencedDocument'],
        ['CII-SR-110', 'ram:ContractReferencedDocument'],
        ['CII-SR-111', 'ram:DemandForecastReferencedDocument'],
        ['CII-SR-112', 'ram:PromotionalDealReferencedDocument'],
        ['CII-SR-113', 'ram:AdditionalReferencedDocument'],
        ['CII-SR-114', 'ram:GrossPriceProductTradePrice/ram:TypeCode'],
        ['CII-SR-115', 'ram:GrossPriceProductTradePrice/ram:MinimumQuantity'],
        ['CII-SR-116', 'ram:GrossPriceProductTradePrice/ram:MaximumQuantity'],
        ['CII-SR-117', 'ram:GrossPriceProductTradePrice/ram:ChangeReason'],
        ['CII-SR-118', 'ram:GrossPriceProductTradePrice/ram:OrderUnitConversionFactorNumeric'],
        ['CII-SR-120', 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ID'],
        ['CII-SR-121', 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:SequenceNumeric'],
        [
          'CII-SR-122',
          'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:CalculationPercent',
        ],
        ['CII-SR-123', 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:BasisAmount'],
        ['CII-SR-124', 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:BasisQuantity'],
        [
          'CII-SR-125',
          'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:PrepaidIndicator',
        ],
        ['CII-SR-126', 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:UnitBasisAmount'],
        ['CII-SR-127', 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ReasonCode'],
        ['CII-SR-128', 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:Reason'],
        ['CII-SR-129', 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:TypeCode'],
        [
          'CII-SR-130',
          'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:CategoryTradeTax',
        ],
        [
          'CII-SR-131',
          'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ActualTradeCurrencyExchange',
        ],
        ['CII-SR-445', 'ram:GrossPriceProductTradePrice/ram:IncludedTradeTax'],
        ['CII-SR-132', 'ram:GrossPriceProductTradePrice/ram:ValiditySpecifiedPeriod'],
        ['CII-SR-133', 'ram:GrossPriceProductTradePrice/ram:DeliveryTradeLocation'],
        ['CII-SR-134', 'ram:GrossPriceProductTradePrice/ram:TradeComparisonReferencePrice'],
        ['CII-SR-135', 'ram:GrossPriceProductTradePrice/ram:AssociatedReferencedDocument'],
        ['CII-SR-136', 'ram:NetPriceProductTradePrice/ram:TypeCode'],
        ['CII-SR-138', 'ram:NetPriceProductTradePrice/ram:MinimumQuantity'],
        ['CII-SR-139', 'ram:NetPriceProductTradePrice/ram:MaximumQuantity'],
        ['CII-SR-140', 'ram:NetPriceProductTradePrice/ram:ChangeReason'],
        ['CII-SR-141', 'ram:NetPriceProductTradePrice/ram:OrderUnitConversionFactorNumeric'],
        ['CII-SR-142', 'ram:NetPriceProductTradePrice/ram:AppliedTradeAllowanceCharge'],
        ['CII-SR-446', 'ram:NetPriceProductTradePrice/ram:IncludedTradeTax'],
        ['CII-SR-143', 'ram:NetPriceProductTradePrice/ram:ValiditySpecifiedPeriod'],
        ['CII-SR-144', 'ram:NetPriceProductTradePrice/ram:DeliveryTradeLocation'],
        ['CII-SR-145', 'ram:NetPriceProductTradePrice/ram:TradeComparisonReferencePrice'],
        ['CII-SR-146', 'ram:NetPriceProductTradePrice/ram:AssociatedReferencedDocument'],
        ['CII-SR-147', 'ram:RequisitionerReferencedDocument'],
        ['CII-SR-148', 'ram:ItemSellerTradeParty'],
        ['CII-SR-149', 'ram:ItemBuyerTradeParty'],
        ['CII-SR-150', 'ram:IncludedSpecifiedMarketplace'],
        ['CII-SR-447', 'ram:UltimateCustomerOrderReferencedDocument'],
      ]),
    ],
  },
  {
    context: '//ram:SpecifiedTradeAllowanceCharge',
    label: 'ram:SpecifiedTradeAllowanceCharge',
    asserts: [
      {
        id: 'CII-SR-463',
        severity: 'fatal',
        present: ['ram:ChargeIndicator'],
        message: 'An allowance or charge must have its charge indicator',
      },
      {
        id: 'CII-SR-471',
        severity: 'fatal',
        terms: ['BT-96', 'BT-103'],
        atMost: ['ram:RateApplicablePercent', 1],
        message: 'An allowance or charge may have only one VAT rate',
      },
      {
        id: 'CII-SR-472',
        severity: 'fatal',
        terms: ['BT-95', 'BT-102'],
        atMost: ['ram:CategoryTradeTax', 1],
        message: 'An allowance or charge may have only one VAT category',
      },
      {
        id: 'CII-SR-473',
        severity: 'fatal',
        terms: ['BT-92', 'BT-99', 'BT-136', 'BT-141'],
        atMost: ['ram:ActualAmount', 1],
        message: 'An allowance or charge may have only one amount',
      },
    ],
  },
  {
    context: '//ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge',
    label: 'ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge',
    asserts: [
      {
        id: 'CII-SR-440',
        severity: 'fatal',
        terms: ['BT-147'],
        atMost: ['ram:ActualAmount', 1],
        message: 'The item price discount (BT-147) may be given only once',
      },
    ],
  },
  {
    context: `${LINE}/ram:SpecifiedLineTradeDelivery`,
    label: 'ram:SpecifiedLineTradeDelivery',
    asserts: [
      ...absent('warning', [
        ['CII-SR-151', 'ram:RequestedQuantity'],
        ['CII-SR-152', 'ram:ReceivedQuantity'],
        ['CII-SR-153', 'ram:ChargeFreeQuantity'],
        ['CII-SR-154', 'ram:PackageQuantity'],
        ['CII-SR-155', 'ram:ProductUnitQuantity'],
        ['CII-SR-156', 'ram:PerPackageUnitQuantity'],
        ['CII-SR-157', 'ram:NetWeightMeasure'],
        ['CII-SR-158', 'ram:GrossWeightMeasure'],
        ['CII-SR-159', 'ram:TheoreticalWeightMeasure'],
        ['CII-SR-160', 'ram:DespatchedQuantity'],
        ['CII-SR-161', 'ram:SpecifiedDeliveryAdjustment'],
        ['CII-SR-162', 'ram:IncludedSupplyChainPackaging'],
        ['CII-SR-163', 'ram:RelatedSupplyChainConsignment'],
        ['CII-SR-164', 'ram:ShipToTradeParty'],
        ['CII-SR-165', 'ram:UltimateShipToTradeParty'],
        ['CII-SR-166', 'ram:ShipFromTradeParty'],
        ['CII-SR-167', 'ram:ActualDespatchSupplyChainEvent'],
        ['CII-SR-168', 'ram:ActualPickUpSupplyChainEvent'],
        ['CII-SR-169', 'ram:RequestedDeliverySupplyChainEvent'],
        ['CII-SR-170', 'ram:ActualDeliverySupplyChainEvent'],
        ['CII-SR-171', 'ram:ActualReceiptSupplyChainEvent'],
        ['CII-SR-172', 'ram:AdditionalReferencedDocument'],
        ['CII-SR-173', 'ram:DespatchAdviceReferencedDocument'],
        ['CII-SR-174', 'ram:ReceivingAdviceReferencedDocument'],
        ['CII-SR-175', 'ram:DeliveryNoteReferencedDocument'],
        ['CII-SR-176', 'ram:ConsumptionReportReferencedDocument'],
        ['CII-SR-177', 'ram:PackingListReferencedDocument'],
      ]),
    ],
  },
  {
    context: `${LINE}/ram:SpecifiedLineTradeSettlement`,
    label: 'ram:SpecifiedLineTradeSettlement',
    asserts: [
      { id: 'CII-SR-454', severity: 'warning', terms: ['BG-30'], exactlyOne: 'ram:ApplicableTradeTax' },
      {
        id: 'CII-SR-474',
        severity: 'warning',
        terms: ['BT-128'],
        atMost: ['ram:AdditionalReferencedDocument[invoicedObject]', 1],
        message: 'A line should reference only one invoiced object (BT-128, type code 130)',
      },
      ...absent('warning', [
        ['CII-SR-178', 'ram:PaymentReference'],
        ['CII-SR-179', 'ram:InvoiceIssuerReference'],
        ['CII-SR-180', 'ram:TotalAdjustmentAmount'],
        ['CII-SR-181', 'ram:DiscountIndicator'],
        ['CII-SR-182', 'ram:ApplicableTradeTax/ram:CalculatedAmount'],
        ['CII-SR-183', 'ram:SpecifiedTradeAllowanceCharge/ram:ChargeIndicator/udt:IndicatorString'],
        ['CII-SR-184', 'ram:SpecifiedTradeAllowanceCharge/ram:ID'],
        ['CII-SR-185', 'ram:SpecifiedTradeAllowanceCharge/ram:SequenceNumeric'],
        ['CII-SR-186', 'ram:SpecifiedTradeAllowanceCharge/ram:CalculationPercent/@format'],
        ['CII-SR-187', 'ram:SpecifiedTradeAllowanceCharge/ram:BasisQuantity'],
        ['CII-SR-188', 'ram:SpecifiedTradeAllowanceCharge/ram:PrepaidIndicator'],
        ['CII-SR-189', 'ram:SpecifiedTradeAllowanceCharge/ram:UnitBasisAmount'],
        ['CII-SR-190', 'ram:SpecifiedTradeAllowanceCharge/ram:TypeCode'],
        ['CII-SR-191', 'ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax'],
        ['CII-SR-192', 'ram:SpecifiedTradeAllowanceCharge/ram:ActualTradeCurrencyExchange'],
        ['CII-SR-193', 'ram:SpecifiedTradeAllowanceCharge/ram:ID'],
        ['CII-SR-194', 'ram:SubtotalCalculatedTradeTax'],
        ['CII-SR-195', 'ram:SpecifiedLogisticsServiceCharge'],
        ['CII-SR-196', 'ram:SpecifiedTradePaymentTerms'],
        ['CII-SR-197', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:ChargeTotalAmount'],
        ['CII-SR-198', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:AllowanceTotalAmount'],
        ['CII-SR-199', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:TaxBasisTotalAmount'],
        ['CII-SR-200', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:TaxTotalAmount'],
        ['CII-SR-201', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:GrandTotalAmount'],
        ['CII-SR-202', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:InformationAmount'],
        ['CII-SR-203', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:TotalAllowanceChargeAmount'],
        [
          'CII-SR-204',
          'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:TotalRetailValueInformationAmount',
        ],
        ['CII-SR-205', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:GrossLineTotalAmount'],
        ['CII-SR-206', 'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:NetLineTotalAmount'],
        [
          'CII-SR-207',
          'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:NetIncludingTaxesLineTotalAmount',
        ],
        [
          'CII-SR-208',
          'ram:SpecifiedTradeSettlementLineMonetarySummation/ram:ProductWeightLossInformationAmount',
        ],
        ['CII-SR-209', 'ram:SpecifiedFinancialAdjustment'],
        ['CII-SR-210', 'ram:InvoiceReferencedDocument'],
        ['CII-SR-212', 'ram:PayableSpecifiedTradeAccountingAccount'],
        ['CII-SR-213', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:SetTriggerCode'],
        ['CII-SR-214', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:TypeCode'],
        ['CII-SR-215', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:AmountTypeCode'],
        ['CII-SR-216', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:Name'],
        ['CII-SR-217', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:CostReferenceDimensionPattern'],
        ['CII-SR-218', 'ram:PurchaseSpecifiedTradeAccountingAccount'],
        ['CII-SR-219', 'ram:SalesSpecifiedTradeAccountingAccount'],
        ['CII-SR-220', 'ram:SpecifiedTradeSettlementFinancialCard'],
      ]),
    ],
  },
  {
    context: `${TRANSACTION}/ram:ApplicableHeaderTradeAgreement`,
    label: 'ram:ApplicableHeaderTradeAgreement',
    asserts: [
      {
        id: 'CII-SR-450',
        severity: 'warning',
        terms: ['BT-46'],
        holds: notBoth('ram:BuyerTradeParty', 'ram:ID', 'ram:GlobalID'),
        message: 'The buyer identifier (BT-46) should be given as ram:ID or as ram:GlobalID, not both',
      },
      {
        id: 'CII-SR-455',
        severity: 'fatal',
        terms: ['BG-6'],
        atMost: ['ram:SellerTradeParty/ram:DefinedTradeContact', 1],
        message: 'The seller contact (BG-6) may be given only once',
      },
      {
        id: 'CII-SR-456',
        severity: 'fatal',
        terms: ['BG-9'],
        atMost: ['ram:BuyerTradeParty/ram:DefinedTradeContact', 1],
        message: 'The buyer contact (BG-9) may be given only once',
      },
      {
        id: 'CII-SR-457',
        severity: 'warning',
        terms: ['BT-17'],
        atMost: ['ram:AdditionalReferencedDocument[tenderOrLot]', 1],
        message: 'The tender or lot reference (BT-17, type code 50) should be given only once',
      },
      {
        id: 'CII-SR-458',
        severity: 'warning',
        terms: ['BT-18'],
        atMost: ['ram:AdditionalReferencedDocument[invoicedObjectExactly]', 1],
        message: 'The invoiced object identifier (BT-18, type code 130) should be given only once',
      },
      {
        id: 'CII-SR-459',
        severity: 'fatal',
        terms: ['BT-34'],
        atMost: ['ram:SellerTradeParty/ram:URIUniversalCommunication', 1],
        message: 'The seller electronic address (BT-34) may be given only once',
      },
      {
        id: 'CII-SR-460',
        severity: 'fatal',
        terms: ['BT-49'],
        atMost: ['ram:BuyerTradeParty/ram:URIUniversalCommunication', 1],
        message: 'The buyer electronic address (BT-49) may be given only once',
      },
      {
        id: 'CII-SR-465',
        severity: 'warning',
        terms: ['BT-41'],
        holds: notBoth(
          'ram:SellerTradeParty/ram:DefinedTradeContact',
          'ram:PersonName',
          'ram:DepartmentName',
        ),
        message: 'The seller contact point (BT-41) should be a person name or a department name, not both',
      },
      {
        id: 'CII-SR-466',
        severity: 'warning',
        terms: ['BT-56'],
        holds: notBoth('ram:BuyerTradeParty/ram:DefinedTradeContact', 'ram:PersonName', 'ram:DepartmentName'),
        message: 'The buyer contact point (BT-56) should be a person name or a department name, not both',
      },
      {
        id: 'CII-SR-475',
        severity: 'warning',
        terms: ['BT-123'],
        atMost: ['ram:AdditionalReferencedDocument[supportingDocumentCode]/ram:Name', 1],
        message: 'A supporting document should have only one description (BT-123)',
      },
      {
        id: 'CII-SR-476',
        severity: 'warning',
        terms: ['BT-125'],
        atMost: ['ram:AdditionalReferencedDocument[supportingDocumentCode]/ram:AttachmentBinaryObject', 1],
        message: 'A supporting document should have only one attached document (BT-125)',
      },
      ...absent('warning', [
        ['CII-SR-442', 'ram:Reference'],
        ['CII-SR-222', 'ram:SellerTradeParty/ram:RoleCode'],
        ['CII-SR-223', 'ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:LegalClassificationCode'],
        ['CII-SR-224', 'ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:Name'],
        ['CII-SR-225', 'ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:PostalTradeAddress'],
        ['CII-SR-226', 'ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:AuthorizedLegalRegistration'],
        ['CII-SR-227', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:ID'],
        ['CII-SR-228', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:TypeCode'],
        ['CII-SR-229', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:JobTitle'],
        ['CII-SR-230', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:Responsibility'],
        ['CII-SR-231', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:PersonID'],
        [
          'CII-SR-232',
          'ram:SellerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:URIID',
        ],
        [
          'CII-SR-233',
          'ram:SellerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:ChannelCode',
        ],
        [
          'CII-SR-234',
          'ram:SellerTradeParty/ram:DefinedTradeContact/ram:DirectTelephoneUniversalCommunication',
        ],
        [
          'CII-SR-235',
          'ram:SellerTradeParty/ram:DefinedTradeContact/ram:MobileTelephoneUniversalCommunication',
        ],
        ['CII-SR-236', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:FaxUniversalCommunication'],
        [
          'CII-SR-237',
          'ram:SellerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:ChannelCode',
        ],
        [
          'CII-SR-238',
          'ram:SellerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:CompleteNumber',
        ],
        ['CII-SR-239', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:TelexUniversalCommunication'],
        ['CII-SR-240', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:VOIPUniversalCommunication'],
        [
          'CII-SR-241',
          'ram:SellerTradeParty/ram:DefinedTradeContact/ram:InstantMessagingUniversalCommunication',
        ],
        ['CII-SR-242', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:SpecifiedNote'],
        ['CII-SR-243', 'ram:SellerTradeParty/ram:DefinedTradeContact/ram:SpecifiedContactPerson'],
        ['CII-SR-244', 'ram:SellerTradeParty/ram:URIUniversalCommunication/ram:ChannelCode'],
        ['CII-SR-245', 'ram:SellerTradeParty/ram:URIUniversalCommunication/ram:CompleteNumber'],
        ['CII-SR-246', 'ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:AssociatedRegisteredTax'],
        ['CII-SR-247', 'ram:SellerTradeParty/ram:EndPointURIUniversalCommunication'],
        ['CII-SR-248', 'ram:SellerTradeParty/ram:LogoAssociatedSpecifiedBinaryFile'],
        ['CII-SR-249', 'ram:BuyerTradeParty/ram:RoleCode'],
        ['CII-SR-250', 'ram:BuyerTradeParty/ram:Description'],
        ['CII-SR-251', 'ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:LegalClassificationCode'],
        ['CII-SR-252', 'ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:Name'],
        ['CII-SR-254', 'ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:PostalTradeAddress'],
        ['CII-SR-255', 'ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:AuthorizedLegalRegistration'],
        ['CII-SR-256', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:ID'],
        ['CII-SR-257', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:TypeCode'],
        ['CII-SR-258', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:JobTitle'],
        ['CII-SR-259', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:Responsibility'],
        ['CII-SR-260', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:PersonID'],
        [
          'CII-SR-261',
          'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:URIID',
        ],
        [
          'CII-SR-262',
          'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:ChannelCode',
        ],
        [
          'CII-SR-263',
          'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:DirectTelephoneUniversalCommunication',
        ],
        [
          'CII-SR-264',
          'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:MobileTelephoneUniversalCommunication',
        ],
        ['CII-SR-265', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:FaxUniversalCommunication'],
        [
          'CII-SR-266',
          'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:ChannelCode',
        ],
        [
          'CII-SR-267',
          'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:CompleteNumber',
        ],
        ['CII-SR-268', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:TelexUniversalCommunication'],
        ['CII-SR-269', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:VOIPUniversalCommunication'],
        [
          'CII-SR-270',
          'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:InstantMessagingUniversalCommunication',
        ],
        ['CII-SR-271', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:SpecifiedNote'],
        ['CII-SR-272', 'ram:BuyerTradeParty/ram:DefinedTradeContact/ram:SpecifiedContactPerson'],
        ['CII-SR-273', 'ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:ChannelCode'],
        ['CII-SR-274', 'ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:CompleteNumber'],
        ['CII-SR-275', 'ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:AssociatedRegisteredTax'],
        ['CII-SR-276', 'ram:BuyerTradeParty/ram:EndPointURIUniversalCommunication'],
        ['CII-SR-277', 'ram:BuyerTradeParty/ram:LogoAssociatedSpecifiedBinaryFile'],
        ['CII-SR-278', 'ram:SalesAgentTradeParty'],
        ['CII-SR-279', 'ram:BuyerRequisitionerTradeParty'],
        ['CII-SR-280', 'ram:BuyerAssignedAccountantTradeParty'],
        ['CII-SR-281', 'ram:SellerAssignedAccountantTradeParty'],
        ['CII-SR-282', 'ram:SellerTaxRepresentativeTradeParty/ram:ID'],
        ['CII-SR-283', 'ram:SellerTaxRepresentativeTradeParty/ram:GlobalID'],
        ['CII-SR-284', 'ram:SellerTaxRepresentativeTradeParty/ram:RoleCode'],
        ['CII-SR-285', 'ram:SellerTaxRepresentativeTradeParty/ram:Description'],
        ['CII-SR-286', 'ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedLegalOrganization'],
        ['CII-SR-287', 'ram:SellerTaxRepresentativeTradeParty/ram:DefinedTradeContact'],
        ['CII-SR-288', 'ram:SellerTaxRepresentativeTradeParty/ram:URIUniversalCommunication'],
        [
          'CII-SR-289',
          'ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedTaxRegistration/ram:AssociatedRegisteredTax',
        ],
        ['CII-SR-290', 'ram:SellerTaxRepresentativeTradeParty/ram:EndPointURIUniversalCommunication'],
        ['CII-SR-291', 'ram:SellerTaxRepresentativeTradeParty/ram:LogoAssociatedSpecifiedBinaryFile'],
        ['CII-SR-292', 'ram:ProductEndUserTradeParty'],
        ['CII-SR-293', 'ram:ApplicableTradeDeliveryTerms'],
        ['CII-SR-294', 'ram:SellerOrderReferencedDocument/ram:LineID'],
        ['CII-SR-295', 'ram:BuyerOrderReferencedDocument/ram:LineID'],
        ['CII-SR-296', 'ram:QuotationReferencedDocument'],
        ['CII-SR-297', 'ram:OrderResponseReferencedDocument'],
        ['CII-SR-298', 'ram:ContractReferencedDocument/ram:LineID'],
        ['CII-SR-299', 'ram:DemandForecastReferencedDocument'],
        ['CII-SR-300', 'ram:SupplyInstructionReferencedDocument'],
        ['CII-SR-301', 'ram:PromotionalDealReferencedDocument'],
        ['CII-SR-302', 'ram:PriceListReferencedDocument'],
        ['CII-SR-303', 'ram:AdditionalReferencedDocument/ram:LineID'],
        ['CII-SR-304', 'ram:RequisitionerReferencedDocument'],
        ['CII-SR-305', 'ram:BuyerAgentTradeParty'],
        ['CII-SR-306', 'ram:PurchaseConditionsReferencedDocument'],
        ['CII-SR-307', 'ram:SpecifiedProcuringProject/ram:Description'],
        ['CII-SR-448', 'ram:UltimateCustomerOrderReferencedDocument'],
      ]),
    ],
  },
  {
    context: `${TRANSACTION}/ram:ApplicableHeaderTradeDelivery`,
    label: 'ram:ApplicableHeaderTradeDelivery',
    asserts: [
      {
        id: 'CII-SR-449',
        severity: 'warning',
        terms: ['BT-71'],
        holds: notBoth('ram:ShipToTradeParty', 'ram:ID', 'ram:GlobalID'),
        message:
          'The deliver to location identifier (BT-71) should be given as ram:ID or as ram:GlobalID, not both',
      },
      ...absent('warning', [
        ['CII-SR-308', 'ram:RelatedSupplyChainConsignment'],
        ['CII-SR-309', 'ram:ShipToTradeParty/ram:RoleCode'],
        ['CII-SR-310', 'ram:ShipToTradeParty/ram:Description'],
        ['CII-SR-311', 'ram:ShipToTradeParty/ram:SpecifiedLegalOrganization'],
        ['CII-SR-312', 'ram:ShipToTradeParty/ram:DefinedTradeContact'],
        ['CII-SR-313', 'ram:ShipToTradeParty/ram:URIUniversalCommunication'],
        ['CII-SR-314', 'ram:ShipToTradeParty/ram:SpecifiedTaxRegistration'],
        ['CII-SR-315', 'ram:ShipToTradeParty/ram:EndPointURIUniversalCommunication'],
        ['CII-SR-316', 'ram:ShipToTradeParty/ram:LogoAssociatedSpecifiedBinaryFile'],
        ['CII-SR-317', 'ram:UltimateShipToTradeParty'],
        ['CII-SR-318', 'ram:ShipFromTradeParty'],
        ['CII-SR-319', 'ram:ActualDespatchSupplyChainEvent'],
        ['CII-SR-320', 'ram:ActualPickUpSupplyChainEvent'],
        ['CII-SR-321', 'ram:ActualDeliverySupplyChainEvent/ram:ID'],
        ['CII-SR-322', 'ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTime'],
        ['CII-SR-323', 'ram:ActualDeliverySupplyChainEvent/ram:TypeCode'],
        ['CII-SR-324', 'ram:ActualDeliverySupplyChainEvent/ram:Description'],
        ['CII-SR-325', 'ram:ActualDeliverySupplyChainEvent/ram:DescriptionBinaryObject'],
        ['CII-SR-326', 'ram:ActualDeliverySupplyChainEvent/ram:UnitQuantity'],
        ['CII-SR-327', 'ram:ActualDeliverySupplyChainEvent/ram:LatestOccurrenceDateTime'],
        ['CII-SR-328', 'ram:ActualDeliverySupplyChainEvent/ram:EarliestOccurrenceDateTime'],
        ['CII-SR-329', 'ram:ActualDeliverySupplyChainEvent/ram:OccurrenceSpecifiedPeriod'],
        ['CII-SR-330', 'ram:ActualDeliverySupplyChainEvent/ram:OccurrenceLogisticsLocation'],
        ['CII-SR-331', 'ram:ActualReceiptSupplyChainEvent'],
        ['CII-SR-332', 'ram:AdditionalReferencedDocument'],
        ['CII-SR-333', 'ram:DespatchAdviceReferencedDocument/ram:LineID'],
        ['CII-SR-334', 'ram:DespatchAdviceReferencedDocument/ram:LineID'],
        ['CII-SR-335', 'ram:DeliveryNoteReferencedDocument'],
        ['CII-SR-336', 'ram:ConsumptionReportReferencedDocument'],
        ['CII-SR-337', 'ram:PreviousDeliverySupplyChainEvent'],
        ['CII-SR-338', 'ram:PackingListReferencedDocument'],
      ]),
    ],
  },
  {
    context: `${TRANSACTION}/ram:ApplicableHeaderTradeSettlement`,
    label: 'ram:ApplicableHeaderTradeSettlement',
    asserts: [
      {
        id: 'CII-SR-451',
        severity: 'warning',
        terms: ['BT-60'],
        holds: notBoth('ram:PayeeTradeParty', 'ram:ID', 'ram:GlobalID'),
        message: 'The payee identifier (BT-60) should be given as ram:ID or as ram:GlobalID, not both',
      },
      {
        id: 'CII-SR-452',
        severity: 'warning',
        terms: ['BT-20'],
        atMost: ['ram:SpecifiedTradePaymentTerms', 1],
      },
      {
        id: 'CII-SR-453',
        severity: 'warning',
        terms: ['BT-20'],
        atMost: ['ram:SpecifiedTradePaymentTerms/ram:Description', 1],
      },
      {
        id: 'CII-SR-461',
        severity: 'fatal',
        terms: ['BT-7'],
        atMost: ['ram:ApplicableTradeTax/ram:TaxPointDate', 1],
        message: 'The value added tax point date (BT-7) may be given only once',
      },
      {
        id: 'CII-SR-462',
        severity: 'fatal',
        terms: ['BT-8'],
        oneValue: '//ram:ApplicableTradeTax/ram:DueDateTypeCode',
        message: 'Every VAT breakdown must have the same value added tax point date code (BT-8), if any',
      },
      {
        id: 'CII-SR-470',
        severity: 'fatal',
        terms: ['BT-84'],
        absent: 'ram:SpecifiedTradeSettlementPaymentMeans[creditTransferWithoutAccount]',
        message:
          'A credit transfer (payment means 30 or 58) must have the payment account identifier (BT-84)',
      },
      ...absent('warning', [
        ['CII-SR-339', 'ram:DuePayableAmount'],
        ['CII-SR-340', 'ram:CreditorReferenceTypeCode'],
        ['CII-SR-341', 'ram:CreditorReferenceType'],
        ['CII-SR-342', 'ram:CreditorReferenceIssuerID'],
        ['CII-SR-344', 'ram:PaymentCurrencyCode'],
        ['CII-SR-345', 'ram:InvoiceIssuerReference'],
        ['CII-SR-346', 'ram:InvoiceDateTime'],
        ['CII-SR-347', 'ram:NextInvoiceDateTime'],
        ['CII-SR-348', 'ram:CreditReasonCode'],
        ['CII-SR-349', 'ram:CreditReason'],
        ['CII-SR-350', 'ram:InvoicerTradeParty'],
        ['CII-SR-351', 'ram:InvoiceeTradeParty'],
        ['CII-SR-352', 'ram:PayeeTradeParty/ram:RoleCode'],
        ['CII-SR-353', 'ram:PayeeTradeParty/ram:Description'],
        ['CII-SR-354', 'ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:LegalClassificationCode'],
        ['CII-SR-355', 'ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:Name'],
        ['CII-SR-356', 'ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:TradingBusinessName'],
        ['CII-SR-357', 'ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:PostalTradeAddress'],
        ['CII-SR-358', 'ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:AuthorizedLegalRegistration'],
        ['CII-SR-359', 'ram:PayeeTradeParty/ram:DefinedTradeContact'],
        ['CII-SR-360', 'ram:PayeeTradeParty/ram:PostalTradeAddress'],
        ['CII-SR-361', 'ram:PayeeTradeParty/ram:URIUniversalCommunication'],
        ['CII-SR-362', 'ram:PayeeTradeParty/ram:SpecifiedTaxRegistration'],
        ['CII-SR-363', 'ram:PayeeTradeParty/ram:EndPointURIUniversalCommunication'],
        ['CII-SR-364', 'ram:PayeeTradeParty/ram:LogoAssociatedSpecifiedBinaryFile'],
        ['CII-SR-365', 'ram:PayerTradeParty'],
        ['CII-SR-366', 'ram:TaxApplicableTradeCurrencyExchange'],
        ['CII-SR-367', 'ram:InvoiceApplicableTradeCurrencyExchange'],
        ['CII-SR-368', 'ram:PaymentApplicableTradeCurrencyExchange'],
        ['CII-SR-369', 'ram:SpecifiedTradeSettlementPaymentMeans/ram:PaymentChannelCode'],
        ['CII-SR-370', 'ram:SpecifiedTradeSettlementPaymentMeans/ram:GuaranteeMethodCode'],
        ['CII-SR-371', 'ram:SpecifiedTradeSettlementPaymentMeans/ram:PaymentMethodCode'],
        ['CII-SR-443', 'ram:SpecifiedTradeSettlementPaymentMeans/ram:ID'],
        [
          'CII-SR-372',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:MicrochipIndicator',
        ],
        [
          'CII-SR-373',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:TypeCode',
        ],
        [
          'CII-SR-375',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:ExpiryDate',
        ],
        [
          'CII-SR-376',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:VerificationNumeric',
        ],
        [
          'CII-SR-377',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:ValidFromDateTime',
        ],
        [
          'CII-SR-378',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:CreditLimitAmount',
        ],
        [
          'CII-SR-379',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:CreditAvailableAmount',
        ],
        [
          'CII-SR-380',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:InterestRatePercent',
        ],
        [
          'CII-SR-381',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:Description',
        ],
        [
          'CII-SR-382',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerPartyDebtorFinancialAccount/ram:AccountName',
        ],
        [
          'CII-SR-444',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerPartyDebtorFinancialAccount/ram:ProprietaryID',
        ],
        [
          'CII-SR-384',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerSpecifiedDebtorFinancialInstitution/ram:ClearingSystemName',
        ],
        [
          'CII-SR-385',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerSpecifiedDebtorFinancialInstitution/ram:Name',
        ],
        [
          'CII-SR-386',
          'ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerSpecifiedDebtorFinancialInstitution/ram:LocationFinancialInstitutionAddress',
        ],
        ['CII-SR-388', 'ram:SpecifiedTradeAllowanceCharge/ram:ID'],
        ['CII-SR-389', 'ram:SpecifiedTradeAllowanceCharge/ram:SequenceNumeric'],
        ['CII-SR-390', 'ram:SpecifiedTradeAllowanceCharge/ram:BasisQuantity'],
        ['CII-SR-391', 'ram:SpecifiedTradeAllowanceCharge/ram:PrepaidIndicator'],
        ['CII-SR-392', 'ram:SpecifiedTradeAllowanceCharge/ram:UnitBasisAmount'],
        ['CII-SR-393', 'ram:SpecifiedTradeAllowanceCharge/ram:TypeCode'],
        ['CII-SR-394', 'ram:SpecifiedTradeAllowanceCharge/ram:ActualTradeCurrencyExchange'],
        ['CII-SR-395', 'ram:SubtotalCalculatedTradeTax'],
        ['CII-SR-396', 'ram:SpecifiedLogisticsServiceCharge'],
        ['CII-SR-397', 'ram:SpecifiedTradePaymentTerms/ram:ID'],
        ['CII-SR-398', 'ram:SpecifiedTradePaymentTerms/ram:FromEventCode'],
        ['CII-SR-399', 'ram:SpecifiedTradePaymentTerms/ram:SettlementPeriodMeasure'],
        ['CII-SR-400', 'ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTime'],
        ['CII-SR-401', 'ram:SpecifiedTradePaymentTerms/ram:TypeCode'],
        ['CII-SR-402', 'ram:SpecifiedTradePaymentTerms/ram:InstructionTypeCode'],
        ['CII-SR-404', 'ram:SpecifiedTradePaymentTerms/ram:PartialPaymentPercent'],
        ['CII-SR-405', 'ram:SpecifiedTradePaymentTerms/ram:PaymentMeansID'],
        ['CII-SR-406', 'ram:SpecifiedTradePaymentTerms/ram:PartialPaymentAmount'],
        ['CII-SR-407', 'ram:SpecifiedTradePaymentTerms/ram:ApplicableTradePaymentPenaltyTerms'],
        ['CII-SR-408', 'ram:SpecifiedTradePaymentTerms/ram:ApplicableTradePaymentDiscountTerms'],
        ['CII-SR-409', 'ram:SpecifiedTradePaymentTerms/ram:PayeeTradeParty'],
        ['CII-SR-421', 'ram:SpecifiedFinancialAdjustment'],
        ['CII-SR-422', 'ram:InvoiceReferencedDocument/ram:LineID'],
        ['CII-SR-423', 'ram:ProFormaInvoiceReferencedDocument'],
        ['CII-SR-424', 'ram:LetterOfCreditReferencedDocument'],
        ['CII-SR-425', 'ram:FactoringAgreementReferencedDocument'],
        ['CII-SR-426', 'ram:FactoringListReferencedDocument'],
        ['CII-SR-427', 'ram:PayableSpecifiedTradeAccountingAccount'],
        ['CII-SR-428', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:SetTriggerCode'],
        ['CII-SR-429', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:TypeCode'],
        ['CII-SR-430', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:AmountTypeCode'],
        ['CII-SR-431', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:Name'],
        ['CII-SR-432', 'ram:ReceivableSpecifiedTradeAccountingAccount/ram:CostReferenceDimensionPattern'],
        ['CII-SR-433', 'ram:PurchaseSpecifiedTradeAccountingAccount'],
        ['CII-SR-434', 'ram:SalesSpecifiedTradeAccountingAccount'],
        ['CII-SR-435', 'ram:SpecifiedTradeSettlementFinancialCard'],
        ['CII-SR-436', 'ram:SpecifiedAdvancePayment'],
        ['CII-SR-437', 'ram:UltimatePayeeTradeParty'],
      ]),
    ],
  },
  {
    context: `${TRANSACTION}/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation`,
    label: 'ram:SpecifiedTradeSettlementHeaderMonetarySummation',
    asserts: [
      { id: 'CII-SR-477', severity: 'fatal', terms: ['BT-106'], atMost: ['ram:LineTotalAmount', 1] },
      { id: 'CII-SR-478', severity: 'fatal', terms: ['BT-108'], atMost: ['ram:ChargeTotalAmount', 1] },
      { id: 'CII-SR-479', severity: 'fatal', terms: ['BT-107'], atMost: ['ram:AllowanceTotalAmount', 1] },
      { id: 'CII-SR-480', severity: 'fatal', terms: ['BT-109'], atMost: ['ram:TaxBasisTotalAmount', 1] },
      { id: 'CII-SR-481', severity: 'fatal', terms: ['BT-114'], atMost: ['ram:RoundingAmount', 1] },
      { id: 'CII-SR-482', severity: 'fatal', terms: ['BT-112'], atMost: ['ram:GrandTotalAmount', 1] },
      { id: 'CII-SR-483', severity: 'fatal', atMost: ['ram:InformationAmount', 1] },
      { id: 'CII-SR-484', severity: 'fatal', terms: ['BT-113'], atMost: ['ram:TotalPrepaidAmount', 1] },
      { id: 'CII-SR-485', severity: 'fatal', atMost: ['ram:TotalDiscountAmount', 1] },
      { id: 'CII-SR-486', severity: 'fatal', atMost: ['ram:TotalAllowanceChargeAmount', 1] },
      { id: 'CII-SR-487', severity: 'fatal', terms: ['BT-115'], atMost: ['ram:DuePayableAmount', 1] },
      { id: 'CII-SR-488', severity: 'fatal', atMost: ['ram:RetailValueExcludingTaxInformationAmount', 1] },
      { id: 'CII-SR-489', severity: 'fatal', atMost: ['ram:TotalDepositFeeInformationAmount', 1] },
      {
        id: 'CII-SR-490',
        severity: 'fatal',
        atMost: ['ram:ProductValueExcludingTobaccoTaxInformationAmount', 1],
      },
      { id: 'CII-SR-491', severity: 'fatal', atMost: ['ram:TotalRetailValueInformationAmount', 1] },
      { id: 'CII-SR-492', severity: 'fatal', atMost: ['ram:GrossLineTotalAmount', 1] },
      { id: 'CII-SR-493', severity: 'fatal', atMost: ['ram:NetLineTotalAmount', 1] },
      { id: 'CII-SR-494', severity: 'fatal', atMost: ['ram:NetIncludingTaxesLineTotalAmount', 1] },
      ...absent('warning', [
        ['CII-SR-411', 'ram:InformationAmount'],
        ['CII-SR-412', 'ram:TotalDiscountAmount'],
        ['CII-SR-413', 'ram:TotalAllowanceChargeAmount'],
        ['CII-SR-414', 'ram:RetailValueExcludingTaxInformationAmount'],
        ['CII-SR-415', 'ram:TotalDepositFeeInformationAmount'],
        ['CII-SR-416', 'ram:ProductValueExcludingTobaccoTaxInformationAmount'],
        ['CII-SR-417', 'ram:TotalRetailValueInformationAmount'],
        ['CII-SR-418', 'ram:GrossLineTotalAmount'],
        ['CII-SR-419', 'ram:NetLineTotalAmount'],
        ['CII-SR-420', 'ram:NetIncludingTaxesLineTotalAmount'],
      ]),
    ],
  },
  {
    context: DOCUMENT,
    label: 'rsm:CrossIndustryInvoice',
    asserts: [
      {
        id: 'CII-SR-467',
        severity: 'fatal',
        terms: ['BT-81'],
        oneValue: '//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode',
        normalize: true,
        message: 'Every payment means must have the same payment means type code (BT-81)',
      },
      {
        id: 'CII-SR-468',
        severity: 'fatal',
        terms: ['BT-82'],
        oneValue: '//ram:SpecifiedTradeSettlementPaymentMeans/ram:Information',
        normalize: true,
        message: 'Every payment means must have the same payment means text (BT-82)',
      },
      {
        id: 'CII-SR-469',
        severity: 'fatal',
        terms: ['BT-83'],
        atMost: ['//ram:ApplicableHeaderTradeSettlement/ram:PaymentReference', 1],
        message: 'The remittance information (BT-83) may be given only once',
      },
      ...absent('fatal', [
        ['CII-DT-013', '@languageID'],
        ['CII-DT-014', '@languageLocaleID'],
      ]),
      ...absent('warning', [['CII-SR-438', 'ram:ValuationBreakdownStatement']]),
    ],
  },
  {
    context: '//*DocumentContextParameter',
    label: 'the document context parameter',
    asserts: [
      ...absent('warning', [
        ['CII-SR-04', 'ram:Value'],
        ['CII-SR-05', 'ram:SpecifiedDocumentVersion'],
      ]),
    ],
  },
  {
    context: [
      `${DOCUMENT}/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID`,
      `${DOCUMENT}/rsm:ExchangedDocument/ram:ID`,
      `${LINE}/ram:AssociatedDocumentLineDocument/ram:LineID`,
      `${LINE}/ram:SpecifiedTradeProduct/ram:SellerAssignedID`,
    ].join(' | '),
    label: 'the specification, invoice, line or item seller identifier',
    asserts: [
      ...absent('fatal', [
        ['CII-DT-001', '@schemeName'],
        ['CII-DT-002', '@schemeAgencyName'],
        ['CII-DT-003', '@schemeDataURI'],
        ['CII-DT-004', '@schemeURI'],
        ['CII-DT-005', '@schemeID'],
        ['CII-DT-006', '@schemeAgencyID'],
        ['CII-DT-007', '@schemeVersionID'],
      ]),
    ],
  },
  {
    context: '//ram:*ID',
    label: 'an identifier',
    asserts: [
      ...absent('fatal', [
        ['CII-DT-101', '@schemeName'],
        ['CII-DT-102', '@schemeAgencyName'],
        ['CII-DT-103', '@schemeDataURI'],
        ['CII-DT-104', '@schemeURI'],
      ]),
    ],
  },
  {
    context: '//ram:TypeCode',
    label: 'ram:TypeCode',
    asserts: [
      ...absent('fatal', [
        ['CII-DT-008', '@name'],
        ['CII-DT-009', '@listURI'],
      ]),
    ],
  },
  {
    context: `${DOCUMENT}/rsm:ExchangedDocument/ram:TypeCode`,
    label: 'rsm:ExchangedDocument/ram:TypeCode',
    asserts: [
      ...absent('fatal', [
        ['CII-DT-010', '@listID'],
        ['CII-DT-011', '@listAgencyID'],
        ['CII-DT-012', '@listVersionID'],
      ]),
    ],
  },
  {
    context: `${LINE}/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode`,
    label: 'the line VAT category code',
    asserts: [
      ...absent('warning', [
        ['CII-DT-045', '@listID'],
        ['CII-DT-046', '@listAgencyID'],
        ['CII-DT-047', '@listVersionID'],
        ['CII-DT-048', '@listURI'],
      ]),
    ],
  },
  {
    context: '//ram:*ReferencedDocument',
    label: 'a referenced document',
    asserts: [
      {
        id: 'CII-DT-015',
        severity: 'fatal',
        absent: 'ram:URIID',
        unless: supportingDocument,
        message:
          'Only a supporting document (type code 916) may have an external document location (ram:URIID)',
      },
      {
        id: 'CII-DT-018',
        severity: 'fatal',
        absent: 'ram:TypeCode',
        unless: typedAdditionalDocument,
        message: 'Only an additional referenced document of type 50, 130 or 916 may have a type code',
      },
      {
        id: 'CII-DT-021',
        severity: 'fatal',
        absent: 'ram:Name',
        unless: supportingDocument,
        message: 'Only a supporting document (type code 916) may have a description (ram:Name)',
      },
      {
        id: 'CII-DT-022',
        severity: 'fatal',
        absent: 'ram:AttachmentBinaryObject',
        unless: supportingDocument,
        message: 'Only a supporting document (type code 916) may have an attached document',
      },
      {
        id: 'CII-DT-024',
        severity: 'fatal',
        absent: 'ram:ReferenceTypeCode',
        unless: invoicedObjectDocument,
        message:
          'Only the invoiced object (type code 130) may have a scheme identifier (ram:ReferenceTypeCode)',
      },
      {
        id: 'CII-DT-027',
        severity: 'fatal',
        absent: 'ram:FormattedIssueDateTime',
        unless: isNamed('InvoiceReferencedDocument'),
        message: 'Only the preceding invoice reference may have an issue date (ram:FormattedIssueDateTime)',
      },
      ...absent('fatal', [
        ['CII-DT-016', 'ram:StatusCode'],
        ['CII-DT-017', 'ram:CopyIndicator'],
        ['CII-DT-019', 'ram:GlobalID'],
        ['CII-DT-020', 'ram:RevisionID'],
        ['CII-DT-023', 'ram:Information'],
        ['CII-DT-025', 'ram:SectionName'],
        ['CII-DT-026', 'ram:PreviousRevisionID'],
        ['CII-DT-028', 'ram:EffectiveSpecifiedPeriod'],
        ['CII-DT-029', 'ram:IssuerTradeParty'],
        ['CII-DT-030', 'ram:AttachedSpecifiedBinaryFile'],
      ]),
    ],
  },
  {
    context: '//ram:*Amount[notTaxTotalAmount]',
    label: 'an amount other than the VAT total',
    asserts: [
      ...absent('fatal', [
        ['CII-DT-031', '@currencyID'],
        ['CII-DT-032', '@currencyCodeListVersionID'],
      ]),
    ],
  },
  {
    context: '//ram:*Quantity',
    label: 'a quantity',
    asserts: [
      {
        id: 'CII-DT-033',
        severity: 'fatal',
        absent: '@unitCode',
        unless: billedQuantityHasUnit,
        message: 'A quantity may have a unit code only where the invoiced quantity of a line has one',
      },
      ...absent('fatal', [
        ['CII-DT-034', '@unitCodeListID'],
        ['CII-DT-035', '@unitCodeListAgencyID'],
        ['CII-DT-036', '@unitCodeListAgencyName'],
      ]),
    ],
  },
  {
    context: '//ram:*TradeTax',
    label: 'a trade tax',
    asserts: [
      {
        id: 'CII-DT-037',
        severity: 'fatal',
        absent: 'ram:TypeCode',
        unless: (el) => ram(el, 'TypeCode').some((c) => c.textContent === 'VAT'),
        message: 'A trade tax type code must be VAT',
      },
      {
        id: 'CII-DT-041',
        severity: 'warning',
        absent: 'ram:BasisAmount',
        unless: inHeaderSettlement,
        message: 'Only the VAT breakdown of the document gives a taxable amount (ram:BasisAmount)',
      },
      {
        id: 'CII-DT-052',
        severity: 'warning',
        absent: 'ram:ExemptionReasonCode',
        unless: isNamed('ApplicableTradeTax'),
        message: 'Only an applicable trade tax gives a VAT exemption reason code',
      },
      {
        id: 'CII-DT-098',
        severity: 'warning',
        absent: 'ram:ExemptionReason',
        unless: isNamed('ApplicableTradeTax'),
        message: 'Only an applicable trade tax gives a VAT exemption reason',
      },
      {
        id: 'CII-DT-054',
        severity: 'warning',
        absent: 'ram:TaxPointDate',
        unless: inHeaderSettlement,
        message: 'Only the VAT breakdown of the document gives the value added tax point date',
      },
      {
        id: 'CII-DT-058',
        severity: 'warning',
        absent: 'ram:DueDateTypeCode',
        unless: inHeaderSettlement,
        message: 'Only the VAT breakdown of the document gives the value added tax point date code',
      },
      ...absent('warning', [
        ['CII-DT-038', 'ram:CalculatedRate'],
        ['CII-DT-039', 'ram:CalculationSequenceNumeric'],
        ['CII-DT-040', 'ram:BasisQuantity'],
        ['CII-DT-042', 'ram:UnitBasisAmount'],
        ['CII-DT-043', 'ram:LineTotalBasisAmount'],
        ['CII-DT-044', 'ram:AllowanceChargeBasisAmount'],
        ['CII-DT-049', 'ram:CurrencyCode'],
        ['CII-DT-050', 'ram:Jurisdiction'],
        ['CII-DT-051', 'ram:CustomsDutyIndicator'],
        ['CII-DT-053', 'ram:TaxBasisAllowanceRate'],
        ['CII-DT-055', 'ram:Type'],
        ['CII-DT-056', 'ram:InformationAmount'],
        ['CII-DT-057', 'ram:CategoryName'],
        ['CII-DT-059', 'ram:RateApplicablePercent/@format'],
        ['CII-DT-060', 'ram:SpecifiedTradeAccountingAccount'],
        ['CII-DT-061', 'ram:ServiceSupplyTradeCountry'],
        ['CII-DT-062', 'ram:BuyerRepayableTaxSpecifiedTradeAccountingAccount'],
        ['CII-DT-063', 'ram:SellerPayableTaxSpecifiedTradeAccountingAccount'],
        ['CII-DT-064', 'ram:SellerRefundableTaxSpecifiedTradeAccountingAccount'],
        ['CII-DT-065', 'ram:BuyerDeductibleTaxSpecifiedTradeAccountingAccount'],
        ['CII-DT-066', 'ram:BuyerNonDeductibleTaxSpecifiedTradeAccountingAccount'],
        ['CII-DT-067', 'ram:PlaceApplicableTradeLocation'],
      ]),
    ],
  },
  {
    context: '//ram:BillingSpecifiedPeriod',
    label: 'ram:BillingSpecifiedPeriod',
    asserts: [
      ...absent('fatal', [
        ['CII-DT-068', 'ram:StartDateTime/udt:DateTime'],
        ['CII-DT-069', 'ram:DurationMeasure'],
        ['CII-DT-070', 'ram:InclusiveIndicator'],
        ['CII-DT-071', 'ram:Description'],
        ['CII-DT-072', 'ram:EndDateTime/udt:DateTime'],
        ['CII-DT-073', 'ram:CompleteDateTime'],
        ['CII-DT-074', 'ram:OpenIndicator'],
        ['CII-DT-075', 'ram:SeasonCode'],
        ['CII-DT-076', 'ram:ID'],
        ['CII-DT-077', 'ram:Name'],
        ['CII-DT-078', 'ram:SequenceNumeric'],
        ['CII-DT-079', 'ram:StartDateFlexibilityCode'],
        ['CII-DT-080', 'ram:ContinuousIndicator'],
        ['CII-DT-081', 'ram:PurposeCode'],
      ]),
    ],
  },
  {
    context: '//ram:PostalTradeAddress',
    label: 'ram:PostalTradeAddress',
    asserts: [
      ...absent('fatal', [
        ['CII-DT-082', 'ram:ID'],
        ['CII-DT-083', 'ram:PostOfficeBox'],
        ['CII-DT-084', 'ram:BuildingName'],
        ['CII-DT-086', 'ram:LineFour'],
        ['CII-DT-087', 'ram:LineFive'],
        ['CII-DT-088', 'ram:StreetName'],
        ['CII-DT-089', 'ram:CitySubDivisionName'],
        ['CII-DT-090', 'ram:CountryName'],
        ['CII-DT-091', 'ram:CountrySubDivisionID'],
        ['CII-DT-092', 'ram:AttentionOf'],
        ['CII-DT-093', 'ram:CareOf'],
        ['CII-DT-094', 'ram:BuildingNumber'],
        ['CII-DT-095', 'ram:DepartmentName'],
        ['CII-DT-096', 'ram:AdditionalStreetName'],
      ]),
    ],
  },
  {
    context: '//udt:DateTimeString[format102]',
    label: 'a date',
    asserts: [
      {
        id: 'CII-DT-097',
        severity: 'fatal',
        holds: (el) => DATE_102.test(el.textContent),
        message: 'A date in format 102 must be written YYYYMMDD (month 01 to 12, day 01 to 31)',
      },
    ],
  },
];

/** BT-24 as the official BR-01 reads it in CII: the guideline parameter's identifier, with text. */
export function ciiSpecificationIdentifier(root: XmlTreeElement): XmlTreeElement | undefined {
  const id = childrenNamed(root, CII_NS.rsm, 'ExchangedDocumentContext')
    .flatMap((c) => ram(c, 'GuidelineSpecifiedDocumentContextParameter'))
    .flatMap((p) => ram(p, 'ID'))[0];
  return id && normalizeSpace(id.textContent) !== '' ? id : undefined;
}

import type { ProblemDetail } from '../shared/errors';
import { runRules } from '../shared/rules/engine';
import { peppolCiiSyntax, peppolCore, peppolUblSyntax } from '../shared/rules/peppol/core';
import {
  validAbn,
  validBelgianEnterprise,
  validCodiceFiscale,
  validDanishCvr,
  validGln,
  validIpaCode,
  validNorwegianOrganisation,
  validPartitaIva,
  validSwedishOrganisation,
} from '../shared/rules/peppol/core/identifiers';
import type { HeldInvoice } from '../shared/rules/rule';
import { parseXmlTree } from '../shared/xml/xml-tree';

/** The PEPPOL core rules' findings on a partial canonical invoice: `rule path`, with ` (warning)` for warnings. */
function canonical(invoice: HeldInvoice): string[] {
  return runRules([peppolCore], { invoice }).map(found);
}

const found = (p: ProblemDetail) =>
  `${p.code} ${p.path ?? p.location?.xpath ?? ''}${p.severity === 'warning' ? ' (warning)' : ''}`;

const UBL_NS =
  'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" ' +
  'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"';
const CII_NS =
  'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" ' +
  'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" ' +
  'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"';

/** The rule ids the UBL syntax rules report on a UBL invoice (or credit note) with this content. */
function ubl(content: string, root: 'Invoice' | 'CreditNote' = 'Invoice'): string[] {
  const xml = `<${root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:${root}-2" ${UBL_NS}>${content}</${root}>`;
  return runRules([peppolUblSyntax], { invoice: {}, source: { root: parseXmlTree(xml), syntax: 'ubl' } }).map(
    (p) => p.code!,
  );
}

/** The rule ids the CII syntax rules report on a CII invoice with this content. */
function cii(content: string): string[] {
  const xml = `<rsm:CrossIndustryInvoice ${CII_NS}>${content}</rsm:CrossIndustryInvoice>`;
  return runRules([peppolCiiSyntax], { invoice: {}, source: { root: parseXmlTree(xml), syntax: 'cii' } }).map(
    (p) => p.code!,
  );
}

describe('identifier formats by scheme (PEPPOL-COMMON-R040 … R050)', () => {
  it('checks the check digits as PEPPOL computes them', () => {
    expect([validGln('5790000435975'), validGln('5790000435976'), validGln('57900004359A5')]).toEqual([
      true,
      false,
      false,
    ]);
    expect([validNorwegianOrganisation('974760673'), validNorwegianOrganisation('974760674')]).toEqual([
      true,
      false,
    ]);
    expect([validDanishCvr('12345678'), validDanishCvr('DK12345678'), validDanishCvr('DK1234567')]).toEqual([
      true,
      true,
      false,
    ]);
    expect([validBelgianEnterprise('0739484052'), validBelgianEnterprise('0739484059')]).toEqual([
      true,
      false,
    ]);
    expect([validIpaCode('F7VRDL'), validIpaCode('F7VRD-')]).toEqual([true, false]);
    expect([
      validCodiceFiscale('97735020584'),
      validCodiceFiscale('RSSMRA85T10A562S'),
      validCodiceFiscale('RSSMRA85T10A5629'),
    ]).toEqual([true, true, false]);
    expect([
      validPartitaIva('IT02985591201'),
      validPartitaIva('IT02985591202'),
      validPartitaIva('SE1'),
    ]).toEqual([true, false, true]);
    expect([validSwedishOrganisation('2021005489'), validSwedishOrganisation('2021005480')]).toEqual([
      true,
      false,
    ]);
    expect([validAbn('51824753556'), validAbn('51824753550')]).toEqual([true, false]);
  });

  it('reports an identifier of a checked scheme in the wrong format, where it is', () => {
    expect(
      canonical({
        seller: {
          endpoint: { scheme: '0088', id: '5790000435976' },
          identifiers: [{ scheme: '0192', id: '974760674' }],
        },
        buyer: { legalRegistration: { scheme: '0208', id: '0739484059' } },
      }),
    ).toEqual([
      'PEPPOL-COMMON-R040 /seller/endpoint/id',
      'PEPPOL-COMMON-R041 /seller/identifiers/0/id',
      'PEPPOL-COMMON-R043 /buyer/legalRegistration/id',
    ]);
  });

  it('accepts identifiers in the right format, and leaves other schemes alone', () => {
    expect(
      canonical({
        seller: {
          endpoint: { scheme: '0088', id: '5790000435975' },
          legalRegistration: { scheme: '0002', id: 'x' },
        },
        buyer: {
          endpoint: { scheme: '0007', id: '2021005489' },
          identifier: { scheme: '0151', id: '51824753556' },
        },
        payee: { legalRegistration: { scheme: '0184', id: 'DK12345678' } },
      }),
    ).toEqual([]);
  });

  it("gives the Italian formats as warnings, and the Codice Fiscale's EAS 9907 on electronic addresses only", () => {
    expect(
      canonical({
        seller: { endpoint: { scheme: '9907', id: 'ABC' }, legalRegistration: { scheme: '9907', id: 'ABC' } },
        buyer: { legalRegistration: { scheme: '0211', id: 'IT1' } },
      }),
    ).toEqual([
      'PEPPOL-COMMON-R046 /seller/endpoint/id (warning)',
      'PEPPOL-COMMON-R047 /buyer/legalRegistration/id (warning)',
    ]);
  });

  it('reads a Danish CVR number as it is written, white space included', () => {
    expect(canonical({ buyer: { legalRegistration: { scheme: '0184', id: ' 12345678' } } })).toEqual([
      'PEPPOL-COMMON-R042 /buyer/legalRegistration/id',
    ]);
  });
});

describe('PEPPOL rules on the canonical invoice', () => {
  it('R005: the VAT accounting currency must differ from the invoice currency', () => {
    expect(canonical({ currency: 'NOK', vatAccountingCurrency: 'NOK' })).toEqual([
      'PEPPOL-EN16931-R005 /vatAccountingCurrency',
    ]);
    expect(canonical({ currency: 'NOK', vatAccountingCurrency: 'SEK' })).toEqual([]);
    expect(canonical({ currency: 'NOK' })).toEqual([]);
  });

  it('R110, R111: a line period lies within the invoicing period', () => {
    const invoicingPeriod = { start: '2017-10-01', end: '2017-10-31' };
    expect(
      canonical({
        invoicingPeriod,
        lines: [
          { period: { start: '2017-10-01', end: '2017-10-31' } },
          { period: { start: '2017-09-30', end: '2017-11-01' } },
        ],
      }),
    ).toEqual(['PEPPOL-EN16931-R110 /lines/1/period/start', 'PEPPOL-EN16931-R111 /lines/1/period/end']);
    // without an invoicing period (or a date that is none) there is nothing to be within
    expect(canonical({ lines: [{ period: { start: '2017-09-30' } }] })).toEqual([]);
    expect(
      canonical({ invoicingPeriod: { start: '2017-10-01' }, lines: [{ period: { start: '2017-09-31' } }] }),
    ).toEqual([]);
  });

  it('R130: the price base quantity has the unit of the invoiced quantity', () => {
    expect(
      canonical({
        lines: [
          { quantity: '10', unitCode: 'H87', price: { baseQuantity: '1', baseQuantityUnit: 'H87' } },
          { quantity: '10', unitCode: 'H87', price: { baseQuantity: '1', baseQuantityUnit: 'KGM' } },
          { quantity: '10', price: { baseQuantityUnit: 'KGM' } },
        ],
      }),
    ).toEqual([
      'PEPPOL-EN16931-R130 /lines/1/price/baseQuantityUnit',
      'PEPPOL-EN16931-R130 /lines/2/price/baseQuantityUnit',
    ]);
    // no base quantity unit, or no invoiced quantity to compare with
    expect(canonical({ lines: [{ quantity: '10', unitCode: 'H87', price: { baseQuantity: '1' } }] })).toEqual(
      [],
    );
    expect(canonical({ lines: [{ price: { baseQuantityUnit: 'KGM' } }] })).toEqual([]);
  });
});

const PROFILE_01 = '<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>';
const SPECIFICATION =
  '<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>';

describe('PEPPOL rules on the UBL document', () => {
  const only = (id: string, found: string[]) => found.filter((f) => f === id);

  it('R001, R007: the business process is given, in PEPPOL form', () => {
    expect(only('PEPPOL-EN16931-R001', ubl('<cbc:ProfileID/>'))).toEqual([]);
    expect(only('PEPPOL-EN16931-R001', ubl(''))).toEqual(['PEPPOL-EN16931-R001']);
    expect(only('PEPPOL-EN16931-R007', ubl(PROFILE_01))).toEqual([]);
    expect(
      only('PEPPOL-EN16931-R007', ubl('<cbc:ProfileID>urn:fdc:peppol.eu:2017:billing</cbc:ProfileID>')),
    ).toEqual(['PEPPOL-EN16931-R007']);
  });

  it('R002: one note, or more when seller and buyer are both German', () => {
    const notes = '<cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note>';
    const country = (party: string, code: string) =>
      `<cac:${party}><cac:Party><cac:PostalAddress><cac:Country><cbc:IdentificationCode>${code}</cbc:IdentificationCode></cac:Country></cac:PostalAddress></cac:Party></cac:${party}>`;
    expect(only('PEPPOL-EN16931-R002', ubl(notes))).toEqual(['PEPPOL-EN16931-R002']);
    expect(
      only(
        'PEPPOL-EN16931-R002',
        ubl(notes + country('AccountingSupplierParty', 'DE') + country('AccountingCustomerParty', 'de')),
      ),
    ).toEqual([]);
    expect(only('PEPPOL-EN16931-R002', ubl('<cbc:Note>a</cbc:Note>'))).toEqual([]);
  });

  it('R003, R004: a buyer or order reference, and the PEPPOL specification identifier', () => {
    expect(only('PEPPOL-EN16931-R003', ubl('<cbc:BuyerReference/>'))).toEqual([]);
    expect(only('PEPPOL-EN16931-R003', ubl('<cac:OrderReference/>'))).toEqual(['PEPPOL-EN16931-R003']);
    expect(only('PEPPOL-EN16931-R004', ubl(SPECIFICATION))).toEqual([]);
    expect(
      only('PEPPOL-EN16931-R004', ubl('<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>')),
    ).toEqual(['PEPPOL-EN16931-R004']);
  });

  it('R008: no empty elements', () => {
    expect(only('PEPPOL-EN16931-R008', ubl('<cbc:Note> </cbc:Note><cbc:ID schemeID="x"/>'))).toHaveLength(2);
    expect(only('PEPPOL-EN16931-R008', ubl('<cbc:Note>a</cbc:Note>'))).toEqual([]);
  });

  it('R010, R020: the parties have electronic addresses', () => {
    const parties =
      '<cac:AccountingSupplierParty><cac:Party><cbc:EndpointID/></cac:Party></cac:AccountingSupplierParty>' +
      '<cac:AccountingCustomerParty><cac:Party/></cac:AccountingCustomerParty>';
    const found = ubl(parties);
    expect(only('PEPPOL-EN16931-R010', found)).toEqual(['PEPPOL-EN16931-R010']);
    expect(only('PEPPOL-EN16931-R020', found)).toEqual([]);
  });

  it('R051: amounts are in the invoice currency, except the VAT total in accounting currency', () => {
    const document = (lineCurrency: string) =>
      '<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>' +
      '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1</cbc:TaxAmount><cac:TaxSubtotal/></cac:TaxTotal>' +
      '<cac:TaxTotal><cbc:TaxAmount currencyID="NOK">10</cbc:TaxAmount></cac:TaxTotal>' +
      `<cac:InvoiceLine><cbc:LineExtensionAmount currencyID="${lineCurrency}">1</cbc:LineExtensionAmount></cac:InvoiceLine>`;
    expect(only('PEPPOL-EN16931-R051', ubl(document('EUR')))).toEqual([]);
    expect(only('PEPPOL-EN16931-R051', ubl(document('NOK')))).toEqual(['PEPPOL-EN16931-R051']);
  });

  it('R053: exactly one tax total with VAT breakdowns', () => {
    const total =
      '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1</cbc:TaxAmount><cac:TaxSubtotal/></cac:TaxTotal>';
    expect(only('PEPPOL-EN16931-R053', ubl(total))).toEqual([]);
    expect(only('PEPPOL-EN16931-R053', ubl(total + total))).toEqual(['PEPPOL-EN16931-R053']);
    expect(only('PEPPOL-EN16931-R053', ubl(''))).toEqual(['PEPPOL-EN16931-R053']);
  });

  it('R061: direct debit needs a mandate reference', () => {
    const means = (mandate: string) =>
      `<cac:PaymentMeans><cbc:PaymentMeansCode> 59 </cbc:PaymentMeansCode>${mandate}</cac:PaymentMeans>`;
    expect(
      only('PEPPOL-EN16931-R061', ubl(means('<cac:PaymentMandate><cbc:ID>M1</cbc:ID></cac:PaymentMandate>'))),
    ).toEqual([]);
    expect(only('PEPPOL-EN16931-R061', ubl(means('')))).toEqual(['PEPPOL-EN16931-R061']);
  });

  it('R080: one project reference, on a credit note', () => {
    const project =
      '<cac:AdditionalDocumentReference><cbc:DocumentTypeCode>50</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>';
    expect(only('PEPPOL-EN16931-R080', ubl(project + project, 'CreditNote'))).toEqual([
      'PEPPOL-EN16931-R080',
    ]);
    expect(only('PEPPOL-EN16931-R080', ubl(project, 'CreditNote'))).toEqual([]);
    // as released, PEPPOL's UBL artefact checks it on credit notes only
    expect(only('PEPPOL-EN16931-R080', ubl(project + project))).toEqual([]);
  });

  it('R100, R101: one line document reference, the invoiced object', () => {
    const reference = (code: string) =>
      `<cac:DocumentReference><cbc:DocumentTypeCode>${code}</cbc:DocumentTypeCode></cac:DocumentReference>`;
    const line = (content: string) => ubl(`<cac:InvoiceLine>${content}</cac:InvoiceLine>`);
    expect(
      line(reference('130')).filter((f) => f === 'PEPPOL-EN16931-R100' || f === 'PEPPOL-EN16931-R101'),
    ).toEqual([]);
    expect(only('PEPPOL-EN16931-R100', line(reference('130') + reference('130')))).toEqual([
      'PEPPOL-EN16931-R100',
    ]);
    expect(only('PEPPOL-EN16931-R101', line(reference('916')))).toEqual(['PEPPOL-EN16931-R101']);
  });

  it('R043: the charge indicator of a document or line allowance or charge is true or false', () => {
    const charge = (indicator: string, more = '') =>
      `<cac:AllowanceCharge><cbc:ChargeIndicator>${indicator}</cbc:ChargeIndicator>${more}</cac:AllowanceCharge>`;
    expect(only('PEPPOL-EN16931-R043', ubl(charge(' false ') + charge('true')))).toEqual([]);
    expect(only('PEPPOL-EN16931-R043', ubl(charge('0')))).toEqual(['PEPPOL-EN16931-R043']);
    expect(only('PEPPOL-EN16931-R043', ubl(`<cac:InvoiceLine>${charge('1')}</cac:InvoiceLine>`))).toEqual([
      'PEPPOL-EN16931-R043',
    ]);
    expect(
      only(
        'PEPPOL-EN16931-R043',
        ubl(`<cac:CreditNoteLine>${charge('0')}</cac:CreditNoteLine>`, 'CreditNote'),
      ),
    ).toEqual(['PEPPOL-EN16931-R043']);
    // a percentage without base amount (or the reverse) is R041's (R042's) alone, as the schematron applies
    // only the first matching rule; a price allowance is R044's
    const percentOnly = '<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>';
    const baseOnly = '<cbc:BaseAmount currencyID="EUR">100</cbc:BaseAmount>';
    expect(only('PEPPOL-EN16931-R043', ubl(charge('0', percentOnly) + charge('0', baseOnly)))).toEqual([]);
    expect(only('PEPPOL-EN16931-R043', ubl(charge('0', percentOnly + baseOnly)))).toEqual([
      'PEPPOL-EN16931-R043',
    ]);
    expect(
      only(
        'PEPPOL-EN16931-R043',
        ubl(`<cac:InvoiceLine><cac:Price>${charge('0')}</cac:Price></cac:InvoiceLine>`),
      ),
    ).toEqual([]);
  });

  it('R044: no charge at price level', () => {
    const price = (indicator: string) =>
      `<cac:InvoiceLine><cac:Price><cac:AllowanceCharge><cbc:ChargeIndicator>${indicator}</cbc:ChargeIndicator></cac:AllowanceCharge></cac:Price></cac:InvoiceLine>`;
    expect(only('PEPPOL-EN16931-R044', ubl(price('false')))).toEqual([]);
    expect(only('PEPPOL-EN16931-R044', ubl(price('true')))).toEqual(['PEPPOL-EN16931-R044']);
    expect(only('PEPPOL-EN16931-R044', ubl(price('0')))).toEqual(['PEPPOL-EN16931-R044']);
  });

  it('F001: dates are valid and written YYYY-MM-DD', () => {
    expect(
      only(
        'PEPPOL-EN16931-F001',
        ubl('<cbc:IssueDate>2024-02-29</cbc:IssueDate><cbc:DueDate>2024-03-31</cbc:DueDate>'),
      ),
    ).toEqual([]);
    expect(
      only(
        'PEPPOL-EN16931-F001',
        ubl('<cbc:IssueDate>2023-02-29</cbc:IssueDate><cbc:DueDate>2024-03-31T10:00:00</cbc:DueDate>'),
      ),
    ).toEqual(['PEPPOL-EN16931-F001', 'PEPPOL-EN16931-F001']);
  });

  it('P0100, P0101, P0112: type codes by business process and country', () => {
    expect(
      only('PEPPOL-EN16931-P0100', ubl(`${PROFILE_01}<cbc:InvoiceTypeCode>381</cbc:InvoiceTypeCode>`)),
    ).toEqual(['PEPPOL-EN16931-P0100']);
    expect(
      only('PEPPOL-EN16931-P0100', ubl(`${PROFILE_01}<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>`)),
    ).toEqual([]);
    expect(
      only(
        'PEPPOL-EN16931-P0101',
        ubl(`${PROFILE_01}<cbc:CreditNoteTypeCode>380</cbc:CreditNoteTypeCode>`, 'CreditNote'),
      ),
    ).toEqual(['PEPPOL-EN16931-P0101']);
    // another business process: the lists of process 01 do not apply
    expect(
      only(
        'PEPPOL-EN16931-P0101',
        ubl(
          '<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:02:1.0</cbc:ProfileID><cbc:CreditNoteTypeCode>380</cbc:CreditNoteTypeCode>',
          'CreditNote',
        ),
      ),
    ).toEqual([]);
    expect(only('PEPPOL-EN16931-P0112', ubl('<cbc:InvoiceTypeCode>384</cbc:InvoiceTypeCode>'))).toEqual([
      'PEPPOL-EN16931-P0112',
    ]);
  });

  it('P0104 … P0111: the VAT category an exemption reason code requires', () => {
    const category = (id: string, reason: string) =>
      `<cac:TaxTotal><cac:TaxSubtotal><cac:TaxCategory><cbc:ID>${id}</cbc:ID><cbc:TaxExemptionReasonCode>${reason}</cbc:TaxExemptionReasonCode></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>`;
    expect(ubl(category('S', 'vatex-eu-ic')).filter((f) => f.startsWith('PEPPOL-EN16931-P01'))).toEqual([
      'PEPPOL-EN16931-P0106',
    ]);
    expect(ubl(category('K', 'VATEX-EU-IC')).filter((f) => f.startsWith('PEPPOL-EN16931-P01'))).toEqual([]);
    expect(ubl(category('E', 'VATEX-EU-F')).filter((f) => f.startsWith('PEPPOL-EN16931-P01'))).toEqual([]);
  });

  it('does not read a document that is not a UBL invoice or credit note as one', () => {
    const root = parseXmlTree('<Order xmlns="urn:x"><ID>1</ID></Order>');
    expect(runRules([peppolUblSyntax], { invoice: {}, source: { root, syntax: 'ubl' } })).toEqual([]);
  });
});

describe('PEPPOL rules on the CII document', () => {
  const only = (id: string, found: string[]) => found.filter((f) => f === id);
  const context = (process: string) =>
    `<rsm:ExchangedDocumentContext><ram:BusinessProcessSpecifiedDocumentContextParameter>${process}</ram:BusinessProcessSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>`;
  const settlement = (content: string) =>
    `<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeSettlement>${content}</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction>`;

  it('R001, R007: the business process is given, in PEPPOL form', () => {
    expect(only('PEPPOL-EN16931-R001', cii(context('<ram:ID/>')))).toEqual([]);
    expect(only('PEPPOL-EN16931-R001', cii(context('')))).toEqual(['PEPPOL-EN16931-R001']);
    expect(
      only(
        'PEPPOL-EN16931-R007',
        cii(context('<ram:ID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</ram:ID>')),
      ),
    ).toEqual([]);
    expect(only('PEPPOL-EN16931-R007', cii(context('<ram:ID>billing</ram:ID>')))).toEqual([
      'PEPPOL-EN16931-R007',
    ]);
  });

  it('R002: one note, without a subject code', () => {
    const notes = (content: string) => cii(`<rsm:ExchangedDocument>${content}</rsm:ExchangedDocument>`);
    expect(
      only('PEPPOL-EN16931-R002', notes('<ram:IncludedNote><ram:Content>a</ram:Content></ram:IncludedNote>')),
    ).toEqual([]);
    expect(
      only(
        'PEPPOL-EN16931-R002',
        notes('<ram:IncludedNote><ram:SubjectCode>AAI</ram:SubjectCode></ram:IncludedNote>'),
      ),
    ).toEqual(['PEPPOL-EN16931-R002']);
  });

  it('R006: one invoiced object at document level', () => {
    const object =
      '<ram:AdditionalReferencedDocument><ram:TypeCode>130</ram:TypeCode></ram:AdditionalReferencedDocument>';
    const agreement = (content: string) =>
      cii(
        `<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>${content}</ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>`,
      );
    expect(only('PEPPOL-EN16931-R006', agreement(object))).toEqual([]);
    expect(only('PEPPOL-EN16931-R006', agreement(object + object))).toEqual(['PEPPOL-EN16931-R006']);
  });

  it('R053: one VAT total in the invoice currency', () => {
    const total = (currency: string) =>
      settlement(
        `<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode><ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:TaxTotalAmount currencyID="${currency}">1</ram:TaxTotalAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>`,
      );
    expect(only('PEPPOL-EN16931-R053', cii(total('EUR')))).toEqual([]);
    expect(only('PEPPOL-EN16931-R053', cii(total('NOK')))).toEqual(['PEPPOL-EN16931-R053']);
  });

  it('R061: direct debit needs a mandate reference in the payment terms', () => {
    const means =
      '<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>49</ram:TypeCode></ram:SpecifiedTradeSettlementPaymentMeans>';
    expect(
      only(
        'PEPPOL-EN16931-R061',
        cii(
          settlement(
            `${means}<ram:SpecifiedTradePaymentTerms><ram:DirectDebitMandateID/></ram:SpecifiedTradePaymentTerms>`,
          ),
        ),
      ),
    ).toEqual([]);
    expect(only('PEPPOL-EN16931-R061', cii(settlement(means)))).toEqual(['PEPPOL-EN16931-R061']);
  });

  it('R043: the charge indicator of an allowance or charge is true or false, at price level too', () => {
    const indicator = (value: string) =>
      `<ram:ChargeIndicator><udt:Indicator>${value}</udt:Indicator></ram:ChargeIndicator>`;
    const charge = (value: string, more = '') =>
      `<ram:SpecifiedTradeAllowanceCharge>${indicator(value)}${more}</ram:SpecifiedTradeAllowanceCharge>`;
    expect(only('PEPPOL-EN16931-R043', cii(settlement(charge('false') + charge('true'))))).toEqual([]);
    expect(only('PEPPOL-EN16931-R043', cii(settlement(charge('0'))))).toEqual(['PEPPOL-EN16931-R043']);
    const applied = (value: string) =>
      `<ram:GrossPriceProductTradePrice><ram:AppliedTradeAllowanceCharge>${indicator(value)}</ram:AppliedTradeAllowanceCharge></ram:GrossPriceProductTradePrice>`;
    expect(only('PEPPOL-EN16931-R043', cii(applied('false')))).toEqual([]);
    expect(only('PEPPOL-EN16931-R043', cii(applied('0')))).toEqual(['PEPPOL-EN16931-R043']);
    // a percentage without base amount is R041's alone, as the schematron applies only the first matching rule
    const percentOnly = '<ram:CalculationPercent>10</ram:CalculationPercent>';
    expect(only('PEPPOL-EN16931-R043', cii(settlement(charge('0', percentOnly))))).toEqual([]);
  });

  it('R130: a price base quantity unit on a line without any billed quantity (the canonical rule compares them)', () => {
    const line = (delivery: string) =>
      `<rsm:SupplyChainTradeTransaction><ram:IncludedSupplyChainTradeLineItem>${delivery}<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:BasisQuantity unitCode="H87">1</ram:BasisQuantity></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement></ram:IncludedSupplyChainTradeLineItem></rsm:SupplyChainTradeTransaction>`;
    expect(only('PEPPOL-EN16931-R130', cii(line('')))).toEqual(['PEPPOL-EN16931-R130']);
    const delivery =
      '<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="KGM">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>';
    expect(only('PEPPOL-EN16931-R130', cii(line(delivery)))).toEqual([]);
  });

  it('F001: dates are written YYYYMMDD with format 102', () => {
    expect(
      only('PEPPOL-EN16931-F001', cii('<udt:DateTimeString format="102">20170101</udt:DateTimeString>')),
    ).toEqual([]);
    expect(
      only('PEPPOL-EN16931-F001', cii('<udt:DateTimeString format="101">20170101</udt:DateTimeString>')),
    ).toEqual(['PEPPOL-EN16931-F001']);
  });

  it('checks the identifier formats of the deliver-to location and the item too, as PEPPOL does in CII', () => {
    const shipTo = (gln: string) =>
      `<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeDelivery><ram:ShipToTradeParty><ram:GlobalID schemeID="0088">${gln}</ram:GlobalID></ram:ShipToTradeParty></ram:ApplicableHeaderTradeDelivery></rsm:SupplyChainTradeTransaction>`;
    expect(only('PEPPOL-COMMON-R040', cii(shipTo('5790000435975')))).toEqual([]);
    expect(only('PEPPOL-COMMON-R040', cii(shipTo('5790000435976')))).toEqual(['PEPPOL-COMMON-R040']);
  });

  it('COMMON-R048: a Partita IVA as electronic address (EAS 9906), a warning', () => {
    const party = (id: string) =>
      `<ram:SellerTradeParty><ram:URIUniversalCommunication><ram:URIID schemeID="9906">${id}</ram:URIID></ram:URIUniversalCommunication></ram:SellerTradeParty>`;
    expect(only('PEPPOL-COMMON-R048', cii(party('IT02985591201')))).toEqual([]);
    const xml = `<rsm:CrossIndustryInvoice ${CII_NS}>${party('IT029')}</rsm:CrossIndustryInvoice>`;
    const problems = runRules([peppolCiiSyntax], {
      invoice: {},
      source: { root: parseXmlTree(xml), syntax: 'cii' },
    });
    expect(problems.filter((p) => p.code === 'PEPPOL-COMMON-R048').map((p) => p.severity)).toEqual([
      'warning',
    ]);
  });
});

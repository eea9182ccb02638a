import { runRules } from '../shared/rules/engine';
import { ciiSyntax } from '../shared/rules/en16931/cii-syntax';
import { compilePattern } from '../shared/rules/en16931/syntax/pattern';
import { UBL_SYNTAX } from '../shared/rules/en16931/syntax/ubl-table';
import { ublSyntax } from '../shared/rules/en16931/ubl-syntax';
import { parseXmlTree } from '../shared/xml/xml-tree';

/**
 * The syntax rules of EN 16931 read the XML as received: the UBL module (UBL-SR-*, UBL-DT-*, UBL-CR-*,
 * BR-01) and the CII module (CII-SR-*, CII-DT-*, BR-01), each family with a fragment that breaks a rule and
 * one that keeps it. Their agreement with the official artefacts is measured by `rules-agreement.test.ts`.
 */

const UBL_NS =
  'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" ' +
  'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" ' +
  'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" ' +
  'xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"';

const invoice = (body: string) => `<Invoice ${UBL_NS}>${body}</Invoice>`;
const creditNote = (body: string) =>
  `<CreditNote ${UBL_NS.replace('Invoice-2', 'CreditNote-2')}>${body}</CreditNote>`;

const CII_NS =
  'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" ' +
  'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" ' +
  'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"';

const cii = (body: string) => `<rsm:CrossIndustryInvoice ${CII_NS}>${body}</rsm:CrossIndustryInvoice>`;

const CONTEXT =
  '<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>' +
  '<ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>' +
  '</rsm:ExchangedDocumentContext>';

function findings(xml: string) {
  const root = parseXmlTree(xml);
  const syntax = root.localName === 'CrossIndustryInvoice' ? 'cii' : 'ubl';
  return runRules([syntax === 'cii' ? ciiSyntax : ublSyntax], { invoice: {}, source: { root, syntax } });
}

/** The findings of one rule: their severity and XPath. */
function of(rule: string, xml: string) {
  return findings(xml)
    .filter((p) => p.code === rule)
    .map((p) => ({ severity: p.severity ?? 'fatal', xpath: p.location?.xpath }));
}

const fires = (rule: string, xml: string) => of(rule, xml).length > 0;

describe('UBL syntax rules', () => {
  it('BR-01: the specification identifier (BT-24) is given', () => {
    expect(of('BR-01', invoice('<cbc:ID>1</cbc:ID>'))).toEqual([{ severity: 'fatal', xpath: '/Invoice' }]);
    expect(fires('BR-01', invoice('<cbc:CustomizationID> </cbc:CustomizationID>'))).toBe(true);
    expect(
      fires('BR-01', invoice('<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>')),
    ).toBe(false);
  });

  it('UBL-SR: a term given more often than once is reported where it repeats', () => {
    const seller = (names: string[]) =>
      invoice(
        `<cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>${names
          .map((n) => `<cbc:RegistrationName>${n}</cbc:RegistrationName>`)
          .join('')}</cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>`,
      );
    expect(of('UBL-SR-09', seller(['A', 'B']))).toEqual([
      {
        severity: 'fatal',
        xpath: '/Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName[2]',
      },
    ]);
    expect(fires('UBL-SR-09', seller(['A']))).toBe(false);
  });

  it('UBL-SR-12: the VAT identifier counts the party tax schemes whose scheme is VAT', () => {
    const schemes = (ids: string[]) =>
      invoice(
        `<cac:AccountingSupplierParty><cac:Party>${ids
          .map(
            (id) =>
              `<cac:PartyTaxScheme><cbc:CompanyID>X</cbc:CompanyID><cac:TaxScheme><cbc:ID>${id}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>`,
          )
          .join('')}</cac:Party></cac:AccountingSupplierParty>`,
      );
    expect(fires('UBL-SR-12', schemes(['VAT', 'vat']))).toBe(true);
    expect(fires('UBL-SR-12', schemes(['VAT', 'FC']))).toBe(false);
    expect(fires('UBL-SR-42', schemes(['VAT', 'FC', 'X']))).toBe(true);
  });

  it('UBL-SR-48: each line has exactly one classified tax category, in invoices and credit notes', () => {
    const line = (categories: number) =>
      `<cac:Item>${'<cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID></cac:ClassifiedTaxCategory>'.repeat(categories)}</cac:Item>`;
    expect(fires('UBL-SR-48', invoice(`<cac:InvoiceLine>${line(0)}</cac:InvoiceLine>`))).toBe(true);
    expect(fires('UBL-SR-48', creditNote(`<cac:CreditNoteLine>${line(2)}</cac:CreditNoteLine>`))).toBe(true);
    expect(fires('UBL-SR-48', invoice(`<cac:InvoiceLine>${line(1)}</cac:InvoiceLine>`))).toBe(false);
  });

  it('UBL-SR-07 and UBL-SR-53: what must be there', () => {
    expect(
      fires(
        'UBL-SR-07',
        invoice('<cac:BillingReference><cac:InvoiceDocumentReference/></cac:BillingReference>'),
      ),
    ).toBe(true);
    expect(
      fires(
        'UBL-SR-07',
        invoice(
          '<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>1</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>',
        ),
      ),
    ).toBe(false);
    expect(
      fires(
        'UBL-SR-53',
        invoice(
          '<cac:PartyTaxScheme><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>',
        ),
      ),
    ).toBe(true);
  });

  it('UBL-SR-44 and UBL-SR-47: one remittance information, one payment means code, however often given', () => {
    const means = (...ids: string[]) =>
      invoice(
        ids
          .map(
            (id) =>
              `<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>${id}</cbc:PaymentID></cac:PaymentMeans>`,
          )
          .join(''),
      );
    expect(fires('UBL-SR-44', means('P1', 'P2'))).toBe(true);
    expect(fires('UBL-SR-44', means('P1', 'P1', 'P1'))).toBe(false);
    expect(fires('UBL-SR-47', means('P1', 'P1'))).toBe(false);
  });

  it('UBL-SR-19: a payee named as the seller breaks the payee rules', () => {
    const doc = (payee: string) =>
      invoice(
        '<cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>Seller</cbc:RegistrationName>' +
          `</cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty><cac:PayeeParty><cac:PartyName><cbc:Name>${payee}</cbc:Name></cac:PartyName></cac:PayeeParty>`,
      );
    expect(fires('UBL-SR-19', doc('Seller'))).toBe(true);
    expect(fires('UBL-SR-19', doc('Factor'))).toBe(false);
  });

  it('UBL-DT-01: amounts have at most two decimals, prices and price discounts aside', () => {
    expect(
      of(
        'UBL-DT-01',
        invoice(
          '<cac:LegalMonetaryTotal><cbc:PayableAmount>1.005</cbc:PayableAmount></cac:LegalMonetaryTotal>',
        ),
      ),
    ).toEqual([{ severity: 'fatal', xpath: '/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount' }]);
    const price =
      '<cac:InvoiceLine><cac:Price><cbc:PriceAmount>1.2345</cbc:PriceAmount>' +
      '<cac:AllowanceCharge><cbc:Amount>0.125</cbc:Amount><cbc:BaseAmount>1.3595</cbc:BaseAmount></cac:AllowanceCharge></cac:Price></cac:InvoiceLine>';
    expect(fires('UBL-DT-01', invoice(price))).toBe(false);
  });

  it('UBL-DT-06/07: an attached document has its MIME code and file name', () => {
    const attachment = (attributes: string) =>
      invoice(
        `<cac:AdditionalDocumentReference><cbc:ID>1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject ${attributes}>AA==</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>`,
      );
    expect(fires('UBL-DT-06', attachment('filename="a.pdf"'))).toBe(true);
    expect(fires('UBL-DT-07', attachment('filename="a.pdf"'))).toBe(false);
    expect(fires('UBL-DT-06', attachment('mimeCode="application/pdf" filename="a.pdf"'))).toBe(false);
  });

  it('UBL-DT-08 … 28: unused attributes anywhere are warnings, the payment means name is allowed', () => {
    expect(
      of(
        'UBL-DT-08',
        invoice(
          '<cac:Delivery><cac:DeliveryLocation><cbc:ID schemeName="x">1</cbc:ID></cac:DeliveryLocation></cac:Delivery>',
        ),
      ),
    ).toEqual([{ severity: 'warning', xpath: '/Invoice/cac:Delivery/cac:DeliveryLocation/cbc:ID' }]);
    expect(
      fires(
        'UBL-DT-18',
        invoice(
          '<cac:PaymentMeans><cbc:PaymentMeansCode name="Transfer">30</cbc:PaymentMeansCode></cac:PaymentMeans>',
        ),
      ),
    ).toBe(false);
    expect(fires('UBL-DT-18', invoice('<cbc:Note name="x">n</cbc:Note>'))).toBe(true);
  });

  it('UBL-CR: content EN 16931 does not use is a warning, on invoice and credit note lines alike', () => {
    expect(of('UBL-CR-005', invoice('<cbc:UUID>1</cbc:UUID>'))).toEqual([
      { severity: 'warning', xpath: '/Invoice/cbc:UUID' },
    ]);
    expect(fires('UBL-CR-001', invoice('<ext:UBLExtensions/>'))).toBe(true);
    expect(
      fires('UBL-CR-515', creditNote('<cac:CreditNoteLine><cbc:UUID>1</cbc:UUID></cac:CreditNoteLine>')),
    ).toBe(true);
    expect(fires('UBL-CR-005', invoice('<cbc:ID>1</cbc:ID>'))).toBe(false);
    expect(fires('UBL-CR-002', invoice('<cbc:UBLVersionID>2.1</cbc:UBLVersionID>'))).toBe(false);
    expect(fires('UBL-CR-002', invoice('<cbc:UBLVersionID>2.2</cbc:UBLVersionID>'))).toBe(true);
  });

  it('UBL-CR-412: the payment due date in the payment means is for credit notes only', () => {
    const means = '<cac:PaymentMeans><cbc:PaymentDueDate>2026-01-01</cbc:PaymentDueDate></cac:PaymentMeans>';
    expect(fires('UBL-CR-412', invoice(means))).toBe(true);
    expect(fires('UBL-CR-412', creditNote(means))).toBe(false);
  });

  it('UBL-CR-666: the invoiced object reference has no attachment (fatal)', () => {
    const reference = (code: string) =>
      invoice(
        `<cac:AdditionalDocumentReference><cbc:ID>1</cbc:ID><cbc:DocumentTypeCode>${code}</cbc:DocumentTypeCode><cac:Attachment/></cac:AdditionalDocumentReference>`,
      );
    expect(of('UBL-CR-666', reference('130')).map((f) => f.severity)).toEqual(['fatal']);
    expect(fires('UBL-CR-666', reference('916'))).toBe(false);
  });
});

describe('CII syntax rules', () => {
  it('BR-01: the specification identifier (BT-24) is given', () => {
    expect(of('BR-01', cii(''))).toEqual([{ severity: 'fatal', xpath: '/rsm:CrossIndustryInvoice' }]);
    expect(fires('BR-01', cii(CONTEXT))).toBe(false);
  });

  it('CII-SR: content EN 16931 does not use is a warning; a required element missing is fatal', () => {
    const document = (inner: string) =>
      cii(`${CONTEXT}<rsm:ExchangedDocument>${inner}</rsm:ExchangedDocument>`);
    expect(of('CII-SR-013', document('<ram:TypeCode>380</ram:TypeCode><ram:Name>x</ram:Name>'))).toEqual([
      { severity: 'warning', xpath: '/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:Name' },
    ]);
    expect(fires('CII-SR-013', document('<ram:TypeCode>380</ram:TypeCode>'))).toBe(false);
    expect(fires('CII-SR-014', document(''))).toBe(true);
    expect(fires('CII-SR-014', document('<ram:TypeCode>380</ram:TypeCode>'))).toBe(false);
    expect(fires('CII-SR-009', cii('<rsm:ExchangedDocumentContext/>'))).toBe(true);
  });

  it('CII-SR-467: every payment means has the same type code, white space aside', () => {
    const means = (...codes: string[]) =>
      cii(
        `<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeSettlement>${codes
          .map(
            (c) =>
              `<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>${c}</ram:TypeCode></ram:SpecifiedTradeSettlementPaymentMeans>`,
          )
          .join('')}</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction>`,
      );
    expect(fires('CII-SR-467', means('30', '58'))).toBe(true);
    expect(fires('CII-SR-467', means('30', ' 30 '))).toBe(false);
  });

  it('CII-DT: a referenced document has a name only when it is a supporting document', () => {
    const reference = (code: string) =>
      cii(
        `<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement><ram:AdditionalReferencedDocument><ram:IssuerAssignedID>1</ram:IssuerAssignedID><ram:TypeCode>${code}</ram:TypeCode><ram:Name>Timesheet</ram:Name></ram:AdditionalReferencedDocument></ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>`,
      );
    expect(fires('CII-DT-021', reference('130'))).toBe(true);
    expect(fires('CII-DT-021', reference('916'))).toBe(false);
  });

  it('CII-DT-008 … 012: the first matching context judges an element, as in the official pattern', () => {
    const typeCode = (attributes: string) =>
      cii(`<rsm:ExchangedDocument><ram:TypeCode ${attributes}>380</ram:TypeCode></rsm:ExchangedDocument>`);
    expect(fires('CII-DT-008', typeCode('name="Invoice"'))).toBe(true);
    // the document type code is a ram:TypeCode first: the rules of its own context never apply
    expect(fires('CII-DT-010', typeCode('listID="1001"'))).toBe(false);
  });

  it('CII-DT-097: a date in format 102 is YYYYMMDD', () => {
    const date = (value: string) =>
      cii(
        `<rsm:ExchangedDocument><ram:IssueDateTime><udt:DateTimeString format="102">${value}</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>`,
      );
    expect(fires('CII-DT-097', date('2026-01-31'))).toBe(true);
    expect(fires('CII-DT-097', date('20261331'))).toBe(true);
    expect(fires('CII-DT-097', date(' 20260131 '))).toBe(false);
  });
});

describe('syntax rule tables', () => {
  it('are checked when compiled: a path they cannot read is a TypeError at start-up', () => {
    const table = (path: string) => [
      { context: 'cac:Item', asserts: [{ id: 'X-1', severity: 'warning' as const, absent: path }] },
    ];
    expect(() => compilePattern(table('foo:Bar'), UBL_SYNTAX)).toThrow(/unknown prefix foo/);
    expect(() => compilePattern(table('cac:Bar[nothing]'), UBL_SYNTAX)).toThrow(/unknown predicate nothing/);
    expect(() => compilePattern(table('cac:Bar'), UBL_SYNTAX)).not.toThrow();
  });

  it('give every rule of the official patterns once, with its severity', () => {
    const ids = (rules: ReadonlyArray<{ id: string }>) => rules.map((r) => r.id);
    const ubl = ids(ublSyntax.rules);
    expect(new Set(ubl).size).toBe(ubl.length);
    expect(ubl.filter((id) => id.startsWith('UBL-CR-'))).toHaveLength(678);
    expect(ubl.filter((id) => id.startsWith('UBL-SR-'))).toHaveLength(54);
    expect(ubl.filter((id) => id.startsWith('UBL-DT-'))).toHaveLength(24);
    const ciiIds = ids(ciiSyntax.rules);
    expect(new Set(ciiIds).size).toBe(ciiIds.length);
    expect(ciiIds.filter((id) => id.startsWith('CII-'))).toHaveLength(583);
    expect(ublSyntax.rules.find((r) => r.id === 'UBL-CR-666')?.severity).toBe('fatal');
    expect(ublSyntax.rules.find((r) => r.id === 'UBL-CR-001')?.severity).toBe('warning');
  });
});

import { shippedFormats } from '../shared/formats/mapping';
import { calculate } from '../shared/model/calculation';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { PEPPOL_BIS3_SPECIFICATION } from '../shared/model/rule-sets';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import { en16931Arithmetic } from '../shared/rules/en16931/arithmetic';
import { runRules } from '../shared/rules/engine';
import { peppolArithmetic, peppolUblArithmetic } from '../shared/rules/peppol/arithmetic';
import type { HeldInvoice, InvoiceRuleModule } from '../shared/rules/rule';
import { parseXmlTree } from '../shared/xml/xml-tree';

/**
 * The calculation rules of EN 16931 (`en16931-arithmetic`) and PEPPOL BIS 3 (`peppol-arithmetic`) on
 * partial documents, as the official rules judge whatever a document holds; and the calculation, which
 * only completes what a client left out.
 */

/** `rule path` of each finding of one rule of a module on a partial document. */
function findings(module: InvoiceRuleModule, rule: string, invoice: HeldInvoice): string[] {
  return runRules([module], { invoice })
    .filter((p) => p.code === rule)
    .map((p) => `${p.code} ${p.path ?? ''}`);
}
const en = (rule: string, invoice: HeldInvoice) => findings(en16931Arithmetic, rule, invoice);
const peppol = (rule: string, invoice: HeldInvoice) => findings(peppolArithmetic, rule, invoice);

describe('EN 16931: the amounts a document must give', () => {
  it('BR-12 … BR-15: the document totals, a group every document has', () => {
    expect(en('BR-12', {})).toEqual(['BR-12 /totals/lineExtension']);
    expect(en('BR-12', { totals: { lineExtension: '0' } })).toEqual([]);
    expect(en('BR-13', { totals: { lineExtension: '10' } })).toEqual(['BR-13 /totals/taxExclusive']);
    expect(en('BR-14', { totals: { taxInclusive: '10' } })).toEqual([]);
    expect(en('BR-15', { totals: { taxInclusive: '10' } })).toEqual(['BR-15 /totals/payable']);
  });

  it('BR-31, BR-36, BR-41, BR-43: each allowance and charge its amount', () => {
    const doc: HeldInvoice = {
      allowances: [{ amount: '1' }, { baseAmount: '10', percentage: '5' }],
      charges: [{ reason: 'Freight' }],
      lines: [{ allowances: [{ amount: '1' }], charges: [{ amount: '2' }, {}] }],
    };
    expect(en('BR-31', doc)).toEqual(['BR-31 /allowances/1/amount']);
    expect(en('BR-36', doc)).toEqual(['BR-36 /charges/0/amount']);
    expect(en('BR-41', doc)).toEqual([]);
    expect(en('BR-43', doc)).toEqual(['BR-43 /lines/0/charges/1/amount']);
  });

  it('BR-45, BR-46: each VAT breakdown its taxable and tax amount', () => {
    const doc: HeldInvoice = { vatBreakdown: [{ taxableAmount: '100' }, { taxAmount: '19' }] };
    expect(en('BR-45', doc)).toEqual(['BR-45 /vatBreakdown/1/taxableAmount']);
    expect(en('BR-46', doc)).toEqual(['BR-46 /vatBreakdown/0/taxAmount']);
  });

  it('BR-27, BR-28: prices not below zero (a line without a net price fails BR-27 too)', () => {
    const prices = (net?: string, gross?: string): HeldInvoice => ({
      lines: [{ price: { ...(net ? { net } : {}), ...(gross ? { gross } : {}) } }],
    });
    expect(en('BR-27', prices('0'))).toEqual([]);
    expect(en('BR-27', prices('-0.01'))).toEqual(['BR-27 /lines/0/price/net']);
    expect(en('BR-27', prices(undefined, '10'))).toEqual(['BR-27 /lines/0/price/net']);
    expect(en('BR-28', prices('1', '0'))).toEqual([]);
    expect(en('BR-28', prices('1', '-1'))).toEqual(['BR-28 /lines/0/price/gross']);
  });

  it('BR-53: with a VAT accounting currency, the VAT total in it', () => {
    const doc = (totals: HeldInvoice['totals'], accounting = 'NOK'): HeldInvoice => ({
      currency: 'EUR',
      vatAccountingCurrency: accounting,
      totals,
    });
    expect(en('BR-53', doc({ vat: '10' }))).toEqual(['BR-53 /totals/vatInAccountingCurrency']);
    expect(en('BR-53', doc({ vat: '10', vatInAccountingCurrency: '110' }))).toEqual([]);
    // the same currency as the invoice: BT-110 is that total
    expect(en('BR-53', doc({ vat: '10' }, 'EUR'))).toEqual([]);
  });
});

describe('EN 16931: how the totals add up', () => {
  it('BR-CO-10: the sum of the line net amounts', () => {
    const lines = [{ netAmount: '110.00' }, { netAmount: '-90.005' }];
    expect(en('BR-CO-10', { totals: { lineExtension: '20.00' }, lines })).toEqual([]);
    const off = runRules([en16931Arithmetic], { invoice: { totals: { lineExtension: '20.01' }, lines } });
    expect(off.find((p) => p.code === 'BR-CO-10')?.message).toMatch(/sent 20\.01, expected 20\.00/);
  });

  it('BR-CO-11, BR-CO-12: the sums of document level allowances and charges', () => {
    const allowances = [{ amount: '100' }, { amount: '1000.0' }];
    expect(en('BR-CO-11', { allowances, totals: { allowances: '1100.00' } })).toEqual([]);
    expect(en('BR-CO-11', { allowances, totals: {} })).toEqual(['BR-CO-11 /totals/allowances']);
    expect(en('BR-CO-12', { totals: { charges: '0.00' } })).toEqual([]);
    expect(en('BR-CO-12', { totals: { charges: '1.00' } })).toEqual(['BR-CO-12 /totals/charges']);
  });

  it('BR-CO-13: the total without VAT', () => {
    const totals = (taxExclusive: string) => ({
      totals: { lineExtension: '1000', allowances: '100', charges: '200', taxExclusive },
    });
    expect(en('BR-CO-13', totals('1100'))).toEqual([]);
    expect(en('BR-CO-13', totals('1000'))).toEqual(['BR-CO-13 /totals/taxExclusive']);
    expect(en('BR-CO-13', { totals: { lineExtension: '5', taxExclusive: '5.00' } })).toEqual([]);
  });

  it('BR-CO-14: the total VAT amount, where a document has it and a breakdown', () => {
    const doc = (vat?: string): HeldInvoice => ({
      totals: vat === undefined ? {} : { vat },
      vatBreakdown: [{ taxAmount: '250' }, { taxAmount: '150.00' }],
    });
    expect(en('BR-CO-14', doc('400'))).toEqual([]);
    expect(en('BR-CO-14', doc('300'))).toEqual(['BR-CO-14 /totals/vat']);
    expect(en('BR-CO-14', doc())).toEqual([]);
  });

  it('BR-CO-15: the total with VAT, from the one VAT total in the invoice currency', () => {
    const doc = (totals: HeldInvoice['totals'], extra: HeldInvoice = {}): HeldInvoice => ({
      currency: 'NOK',
      totals,
      ...extra,
    });
    expect(en('BR-CO-15', doc({ vat: '100', taxExclusive: '-100', taxInclusive: '0.0' }))).toEqual([]);
    expect(en('BR-CO-15', doc({ vat: '100', taxExclusive: '-100', taxInclusive: '0.01' }))).toEqual([
      'BR-CO-15 /totals/taxInclusive',
    ]);
    // two VAT totals in the invoice currency
    const twice = doc(
      { vat: '700', vatInAccountingCurrency: '715', taxExclusive: '5000', taxInclusive: '5700' },
      { vatAccountingCurrency: 'NOK' },
    );
    expect(en('BR-CO-15', twice)).toEqual(['BR-CO-15 /totals/taxInclusive']);
    // none, and no VAT to add (as CII's binding takes it)
    expect(en('BR-CO-15', doc({ taxExclusive: '3200', taxInclusive: '3200' }))).toEqual([]);
    expect(en('BR-CO-15', doc({ taxExclusive: '3200', taxInclusive: '3300' }))).toEqual([
      'BR-CO-15 /totals/taxInclusive',
    ]);
    expect(en('BR-CO-15', doc({ vat: '100', taxExclusive: '3200', taxInclusive: '3200' }))).toEqual([
      'BR-CO-15 /totals/taxInclusive',
    ]);
  });

  it('BR-CO-16: the amount due, with the paid and rounding amounts', () => {
    const due = (payable: string) => ({
      totals: { taxInclusive: '1200.78', prepaid: '1000.0', rounding: '0.22', payable },
    });
    expect(en('BR-CO-16', due('201'))).toEqual([]);
    expect(en('BR-CO-16', due('200.78'))).toEqual(['BR-CO-16 /totals/payable']);
    expect(en('BR-CO-16', { totals: { taxInclusive: '10', payable: '10.0' } })).toEqual([]);
  });

  it('BR-CO-17: the tax of a VAT breakdown, within one unit; none at a rate of zero', () => {
    const tax = (taxAmount: string, rate = '25', taxableAmount = '1000') =>
      en('BR-CO-17', { vatBreakdown: [{ category: 'S', rate, taxableAmount, taxAmount }] });
    expect(tax('250.99')).toEqual([]);
    // exactly one unit: UBL's binding (and canonical JSON) refuses it, CII's takes it
    expect(tax('251')).toEqual(['BR-CO-17 /vatBreakdown/0/taxAmount']);
    const cii = parseXmlTree(
      '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>',
    );
    const inCii = runRules([en16931Arithmetic], {
      invoice: { vatBreakdown: [{ category: 'S', rate: '25', taxableAmount: '1000', taxAmount: '251' }] },
      source: { root: cii, syntax: 'cii' },
    }).filter((p) => p.code === 'BR-CO-17');
    expect(inCii).toEqual([]);
    expect(tax('251.01')).toEqual(['BR-CO-17 /vatBreakdown/0/taxAmount']);
    expect(tax('-250', '25', '-1000')).toEqual([]);
    // a rate of zero: a tax amount that rounds to zero (halves upwards)
    expect(tax('0.49', '0')).toEqual([]);
    expect(tax('-0.5', '0')).toEqual([]);
    expect(tax('0.5', '0')).toEqual(['BR-CO-17 /vatBreakdown/0/taxAmount']);
  });
});

describe('EN 16931: at most two decimals on amounts (BR-DEC-*)', () => {
  it('as written, trailing zeros counted; BR-DEC-13 and BR-DEC-15 by value', () => {
    const doc: HeldInvoice = {
      totals: { lineExtension: '10.500', vat: '10.500', payable: 10.25 },
      lines: [{ netAmount: '1.123' }],
      allowances: [{ baseAmount: '100.001' }],
    };
    const codes = runRules([en16931Arithmetic], { invoice: doc })
      .filter((p) => p.code?.startsWith('BR-DEC'))
      .map((p) => `${p.code} ${p.path ?? ''}`);
    expect(codes).toEqual([
      'BR-DEC-02 /allowances/0/baseAmount',
      'BR-DEC-09 /totals/lineExtension',
      'BR-DEC-23 /lines/0/netAmount',
    ]);
  });
});

describe('PEPPOL BIS 3: calculation rules', () => {
  it('R040 … R042: an allowance or charge amount from its base amount and percentage', () => {
    const doc = (entry: Record<string, string>): HeldInvoice => ({ lines: [{ charges: [entry] }] });
    expect(
      peppol('PEPPOL-EN16931-R040', doc({ baseAmount: '50', percentage: '200', amount: '99.98' })),
    ).toEqual([]);
    expect(
      peppol('PEPPOL-EN16931-R040', doc({ baseAmount: '50', percentage: '200', amount: '100.03' })),
    ).toEqual(['PEPPOL-EN16931-R040 /lines/0/charges/0/amount']);
    // a missing amount counts as 0
    expect(peppol('PEPPOL-EN16931-R040', { allowances: [{ baseAmount: '50', percentage: '1' }] })).toEqual([
      'PEPPOL-EN16931-R040 /allowances/0/amount',
    ]);
    expect(peppol('PEPPOL-EN16931-R041', { allowances: [{ percentage: '1' }] })).toEqual([
      'PEPPOL-EN16931-R041 /allowances/0/baseAmount',
    ]);
    expect(peppol('PEPPOL-EN16931-R042', { charges: [{ baseAmount: '1' }] })).toEqual([
      'PEPPOL-EN16931-R042 /charges/0/percentage',
    ]);
    expect(peppol('PEPPOL-EN16931-R042', { charges: [{ baseAmount: '1', percentage: '2' }] })).toEqual([]);
  });

  it('R046: the net price is the gross price less the discount', () => {
    const price = (p: Record<string, string>): HeldInvoice => ({ lines: [{ price: p }] });
    expect(peppol('PEPPOL-EN16931-R046', price({ gross: '100', discount: '10', net: '90' }))).toEqual([]);
    expect(peppol('PEPPOL-EN16931-R046', price({ discount: '10', net: '90.01' }))).toEqual([]);
    expect(peppol('PEPPOL-EN16931-R046', price({ gross: '100', discount: '10', net: '90.01' }))).toEqual([
      'PEPPOL-EN16931-R046 /lines/0/price/net',
    ]);
  });

  it('R120: the line net amount, within 0.02; a missing one counts as 0', () => {
    const line = (netAmount?: string): HeldInvoice => ({
      lines: [
        {
          quantity: '10',
          ...(netAmount ? { netAmount } : {}),
          price: { net: '20', baseQuantity: '2' },
          allowances: [{ amount: '30' }],
          charges: [{ amount: '10' }, { amount: '10' }],
        },
      ],
    });
    expect(peppol('PEPPOL-EN16931-R120', line('90.02'))).toEqual([]);
    expect(peppol('PEPPOL-EN16931-R120', line('89.97'))).toEqual(['PEPPOL-EN16931-R120 /lines/0/netAmount']);
    expect(peppol('PEPPOL-EN16931-R120', line())).toEqual(['PEPPOL-EN16931-R120 /lines/0/netAmount']);
  });

  it('R121: a price base quantity above zero', () => {
    const base = (baseQuantity: string): HeldInvoice => ({ lines: [{ price: { baseQuantity } }] });
    expect(peppol('PEPPOL-EN16931-R121', base('0.5'))).toEqual([]);
    expect(peppol('PEPPOL-EN16931-R121', base('0'))).toEqual([
      'PEPPOL-EN16931-R121 /lines/0/price/baseQuantity',
    ]);
  });

  it('R054, R055: the VAT total in accounting currency, given with its currency, of the same sign', () => {
    const doc = (totals: HeldInvoice['totals'], vatAccountingCurrency?: string): HeldInvoice => ({
      currency: 'EUR',
      ...(vatAccountingCurrency ? { vatAccountingCurrency } : {}),
      totals,
    });
    expect(peppol('PEPPOL-EN16931-R054', doc({ vat: '10', vatInAccountingCurrency: '100' }, 'SEK'))).toEqual(
      [],
    );
    expect(peppol('PEPPOL-EN16931-R054', doc({ vat: '10' }, 'SEK'))).toEqual([
      'PEPPOL-EN16931-R054 /totals/vatInAccountingCurrency',
    ]);
    expect(peppol('PEPPOL-EN16931-R054', doc({ vat: '10' }))).toEqual([]);
    expect(peppol('PEPPOL-EN16931-R055', doc({ vat: '10', vatInAccountingCurrency: '100' }, 'SEK'))).toEqual(
      [],
    );
    expect(peppol('PEPPOL-EN16931-R055', doc({ vat: '10', vatInAccountingCurrency: '-100' }, 'SEK'))).toEqual(
      ['PEPPOL-EN16931-R055 /totals/vatInAccountingCurrency'],
    );
  });
});

describe('the calculation completes what a client leaves out, and judges nothing', () => {
  const base = (): CanonicalInvoice => {
    const invoice = sampleInvoice(1);
    invoice.lines = [
      {
        id: '1',
        quantity: '3',
        unitCode: 'C62',
        price: { gross: '12', discount: '2' },
        vat: { category: 'S', rate: '19' },
        item: { name: 'Item' },
        charges: [{ baseAmount: '30', percentage: '10', reason: 'Packing' }],
      },
    ];
    invoice.allowances = [
      { baseAmount: '33', percentage: '10', vatCategory: 'S', vatRate: '19', reason: 'x' },
    ];
    return invoice;
  };

  it('fills net prices, amounts from base and percentage, line net amounts, the breakdown and the totals', () => {
    const { invoice, problems } = calculate(base(), 'fill');
    expect(problems).toEqual([]);
    expect(invoice.lines[0]).toMatchObject({ price: { net: '10' }, netAmount: '33.00' });
    expect(invoice.lines[0]!.charges![0]!.amount).toBe('3.00');
    expect(invoice.allowances![0]!.amount).toBe('3.30');
    expect(invoice.vatBreakdown).toEqual([
      { category: 'S', rate: '19', taxableAmount: '29.70', taxAmount: '5.64' },
    ]);
    expect(invoice.totals).toEqual({
      lineExtension: '33.00',
      allowances: '3.30',
      taxExclusive: '29.70',
      vat: '5.64',
      taxInclusive: '35.34',
      payable: '35.34',
    });
    // the completed invoice keeps every calculation rule
    expect(runRules([en16931Arithmetic, peppolArithmetic], { invoice: invoice })).toEqual([]);
  });

  it('keeps what was sent, a figure that does not add up and a breakdown entry no line uses included', () => {
    const sent = base();
    sent.totals = { lineExtension: '40.00' };
    sent.vatBreakdown = [{ category: 'Z', rate: '0', taxableAmount: '5.00', taxAmount: '0.00' }];
    const { invoice, problems } = calculate(sent, 'fill');
    expect(problems).toEqual([]);
    expect(invoice.totals).toMatchObject({ lineExtension: '40.00', taxExclusive: '36.70' });
    expect(invoice.vatBreakdown!.map((b) => b.category)).toEqual(['Z', 'S']);
    // the rules say what does not add up
    expect(
      validateInvoice(sent, 'fill')
        .problems.map((p) => p.code)
        .filter((c) => c === 'BR-CO-10' || c === 'BR-Z-08'),
    ).toEqual(expect.arrayContaining(['BR-CO-10', 'BR-Z-08']));
  });

  it('completes a partial document as far as its figures allow', () => {
    const partial = base() as unknown as HeldInvoice;
    partial.lines!.push({ id: '2', price: { net: '5' }, vat: { category: 'S', rate: '19' } });
    const { invoice } = calculate(partial as unknown as CanonicalInvoice, 'fill');
    // the first line is complete; the second has no quantity, so neither the sums nor the breakdown are known
    expect(invoice.lines[0]!.netAmount).toBe('33.00');
    expect(invoice.lines[1]!.netAmount).toBeUndefined();
    expect(invoice.allowances![0]!.amount).toBe('3.30');
    expect(invoice.totals).toEqual({ allowances: '3.30' });
    expect(invoice.vatBreakdown).toBeUndefined();
  });

  it('in check mode the missing figures are the rules’ findings on the document as sent', () => {
    const codes = validateInvoice(base(), 'check').problems.map((p) => p.code);
    expect(codes).toEqual(
      expect.arrayContaining(['BR-12', 'BR-13', 'BR-14', 'BR-15', 'BR-27', 'BR-31', 'BR-43']),
    );
    expect(validateInvoice(base(), 'fill').problems).toEqual([]);
  });
});

describe('rendering refuses figures that do not add up', () => {
  const ubl = () => shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;

  it('by EN 16931 and, for PEPPOL BIS 3, PEPPOL BIS 3 calculation rules', () => {
    const invoice = sampleInvoice(1);
    invoice.totals = { lineExtension: '1.00' };
    expect(() => ubl().render(invoice)).toThrow(
      expect.objectContaining({
        code: 'transform.inconsistent',
        details: expect.arrayContaining([expect.objectContaining({ code: 'BR-CO-10' })]),
      }),
    );
    const line = sampleInvoice(1);
    line.process = { specification: PEPPOL_BIS3_SPECIFICATION };
    line.lines[0]!.netAmount = '1.00';
    expect(() => ubl().render(line)).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([expect.objectContaining({ code: 'PEPPOL-EN16931-R120' })]),
      }),
    );
    expect(ubl().render(sampleInvoice(1))).toContain('<cbc:PayableAmount');
  });
});

describe('PEPPOL BIS 3: R040 … R042 on allowances and charges the canonical model cannot hold', () => {
  const ubl = (body: string) =>
    parseXmlTree(
      `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">${body}</Invoice>`,
    );
  const codes = (root: ReturnType<typeof parseXmlTree>) =>
    runRules([peppolUblArithmetic], { invoice: {}, source: { root, syntax: 'ubl' } }).map((p) => p.code);

  it('judges one without a charge indicator, on the XML', () => {
    const off = ubl(
      '<cac:AllowanceCharge><cbc:MultiplierFactorNumeric>200</cbc:MultiplierFactorNumeric><cbc:BaseAmount>50</cbc:BaseAmount><cbc:Amount>100.03</cbc:Amount></cac:AllowanceCharge>',
    );
    expect(codes(off)).toEqual(['PEPPOL-EN16931-R040']);
    const line = ubl(
      '<cac:InvoiceLine><cac:AllowanceCharge><cbc:MultiplierFactorNumeric>1</cbc:MultiplierFactorNumeric></cac:AllowanceCharge></cac:InvoiceLine>',
    );
    expect(codes(line)).toEqual(['PEPPOL-EN16931-R041']);
  });

  it('leaves allowances and charges the canonical rules judge, and price discounts, alone', () => {
    const known = ubl(
      '<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:BaseAmount>50</cbc:BaseAmount></cac:AllowanceCharge>',
    );
    expect(codes(known)).toEqual([]);
    const price = ubl(
      '<cac:InvoiceLine><cac:Price><cac:AllowanceCharge><cbc:BaseAmount>50</cbc:BaseAmount></cac:AllowanceCharge></cac:Price></cac:InvoiceLine>',
    );
    expect(codes(price)).toEqual([]);
  });
});

describe('PEPPOL BIS 3: R054 on the VAT totals as received', () => {
  const UBL = (body: string) =>
    parseXmlTree(
      `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">${body}</Invoice>`,
    );
  const r054 = (body: string) =>
    runRules([peppolUblArithmetic], { invoice: {}, source: { root: UBL(body), syntax: 'ubl' } })
      .filter((p) => p.code === 'PEPPOL-EN16931-R054')
      .map((p) => p.location?.xpath);
  const withBreakdown = '<cac:TaxTotal><cac:TaxSubtotal/></cac:TaxTotal>';
  const withoutBreakdown = '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">1</cbc:TaxAmount></cac:TaxTotal>';

  it('one VAT total without breakdown exactly when a VAT accounting currency code is there, even empty', () => {
    expect(r054(withBreakdown)).toEqual([]);
    expect(r054(`<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>${withBreakdown}${withoutBreakdown}`)).toEqual(
      [],
    );
    expect(r054(`<cbc:TaxCurrencyCode/>${withBreakdown}`)).toEqual(['/Invoice']);
    expect(r054(`${withBreakdown}${withoutBreakdown}`)).toEqual(['/Invoice/cac:TaxTotal[2]']);
  });

  it('judges a document read from XML there, not on the canonical invoice', () => {
    const invoice = { currency: 'EUR', vatAccountingCurrency: 'SEK' };
    expect(peppol('PEPPOL-EN16931-R054', invoice)).toEqual([
      'PEPPOL-EN16931-R054 /totals/vatInAccountingCurrency',
    ]);
    const read = runRules([peppolArithmetic], {
      invoice,
      source: { root: UBL(withBreakdown), syntax: 'ubl' },
    }).filter((p) => p.code === 'PEPPOL-EN16931-R054');
    expect(read).toEqual([]);
  });
});

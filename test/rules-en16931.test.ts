import { shippedFormats } from '../shared/formats/mapping';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { validateInvoice } from '../shared/model/validate-invoice';

/**
 * The canonical schema refuses nothing EN 16931 allows; where the standard limits a value, the limit is a
 * rule finding with the official id (BR-DEC-*, BR-CL-*), not a schema refusal.
 */

const format = (id: string) => shippedFormats().find((f) => f.id === id)!;
const codes = (invoice: unknown, mode: 'fill' | 'check' = 'fill') =>
  validateInvoice(invoice, mode).problems.map(
    (p) => `${p.severity === 'warning' ? 'warning ' : ''}${p.code}`,
  );

function invoice(change: (i: CanonicalInvoice) => void = () => undefined): CanonicalInvoice {
  const i = sampleInvoice(1);
  change(i);
  return i;
}

describe('what EN 16931 allows, the schema takes', () => {
  it('prices, quantities and rates with any number of decimals, written back as they are', () => {
    const many = invoice((i) => {
      i.lines = [
        {
          id: '1',
          quantity: '1000.123456789',
          unitCode: 'C62',
          price: { net: '0.0123456789012', baseQuantity: '1.5' },
          vat: { category: 'S', rate: '19' },
          item: { name: 'Bulk item' },
        },
      ];
    });
    const result = validateInvoice(many);
    expect(result.problems).toEqual([]);
    // 1000.123456789 × 0.0123456789012 ÷ 1.5 = 8.2314…
    expect(result.invoice!.lines[0]!.netAmount).toBe('8.23');
    for (const id of ['peppol-bis3-ubl', 'en16931-cii']) {
      const xml = format(id).render(result.invoice!);
      expect(xml).toContain('>0.0123456789012<');
      expect(xml).toContain('>1000.123456789<');
      expect(format(id).parse!(xml).lines[0]!.price.net).toBe('0.0123456789012');
    }
  });

  it('amounts with more than two decimals are a BR-DEC finding, not a schema refusal', () => {
    expect(codes(invoice((i) => (i.lines[0]!.netAmount = '72.12345')))).toContain('BR-DEC-23');
    const base = invoice((i) => {
      i.allowances = [
        { baseAmount: '100.123', percentage: '2', vatCategory: 'S', vatRate: '19', reason: 'x' },
      ];
    });
    expect(codes(base)).toContain('BR-DEC-02');
  });

  it('electronic addresses and email addresses of any form', () => {
    expect(codes(invoice((i) => (i.seller.contact = { name: 'A', email: 'XX' })))).toEqual([]);
  });

  it('payment means: UNTDID 4461 as BR-CL-16 has it', () => {
    const means = (code: string) =>
      codes(invoice((i) => (i.payment = { ...i.payment!, meansCode: code }))).filter((c) =>
        c.includes('BR-CL-16'),
      );
    expect(means('98')).toEqual([]);
    expect(means('ZZZ')).toEqual([]);
    expect(means('71')).toEqual(['BR-CL-16']);
    expect(means('99')).toEqual(['BR-CL-16']);
  });

  it('VAT exemption reason codes in any case (BR-CL-22 compares in upper case)', () => {
    const reason = (code: string) =>
      codes(
        invoice((i) => {
          i.lines = i.lines.map((l) => ({ ...l, vat: { category: 'E' as const, rate: '0' } }));
          i.vatBreakdown = [{ category: 'E', rate: '0', exemptionReasonCode: code }];
        }),
      );
    expect(reason('vatex-eu-132-1a')).toEqual([]);
    expect(reason('EXEMPT')).toEqual(['BR-CL-22']);
  });

  it('card numbers: BR-51 warns when more than the last digits seem given', () => {
    const card = (number: string) =>
      validateInvoice(
        invoice((i) => (i.payment = { meansCode: '48', card: { primaryAccountNumber: number } })),
      );
    expect(card('XXXX1234').problems).toEqual([]);
    const full = card('4111111111111111');
    expect(full.valid).toBe(true);
    expect(full.problems.map((p) => `${p.severity} ${p.code}`)).toEqual(['warning BR-51']);
  });

  it('type codes and currencies of the official code lists', () => {
    expect(codes(invoice((i) => (i.typeCode = '471')))).toEqual([]);
    expect(codes(invoice((i) => (i.currency = 'CNH')))).toEqual([]);
  });

  it('an attachment as a reference alone, without embedded content', () => {
    const reference = invoice(
      (i) => (i.attachments = [{ id: 'TS-1', externalUri: 'https://example.com/time sheet.pdf' }]),
    );
    expect(codes(reference)).toEqual([]);
  });
});

describe('EN 16931 arithmetic rules with their official tolerance', () => {
  it('BR-S-08/09 and BR-CO-17: less than one unit either way', () => {
    // the sample: one line, S 7 %, taxable 9.99, tax 0.70
    const tax = (value: string) =>
      codes(invoice((i) => (i.vatBreakdown = [{ category: 'S', rate: '7', taxAmount: value }])));
    expect(tax('1.69')).toEqual([]);
    // exactly one unit off: UBL's BR-CO-17 refuses it (CII's takes it, for a document read from CII)
    expect(tax('1.70').sort()).toEqual(['BR-CO-17', 'BR-S-09']);
    expect(tax('1.71').sort()).toEqual(['BR-CO-17', 'BR-S-09']);
    const taxable = (value: string) =>
      codes(invoice((i) => (i.vatBreakdown = [{ category: 'S', rate: '7', taxableAmount: value }])));
    expect(taxable('10.98')).not.toContain('BR-S-08');
    expect(taxable('10.99')).toContain('BR-S-08');
  });

  it('BR-Z-09: a zero rated category has no tax', () => {
    const zero = invoice((i) => {
      i.lines = i.lines.map((l) => ({ ...l, vat: { category: 'Z' as const, rate: '0' } }));
      i.vatBreakdown = [{ category: 'Z', rate: '0', taxAmount: '0.30' }];
    });
    expect(codes(zero)).toEqual(['BR-Z-09']);
  });

  it('no line net amount rule of its own: PEPPOL-EN16931-R120 belongs to PEPPOL BIS 3', () => {
    const off = invoice((i) => (i.lines[0]!.netAmount = '1.00'));
    expect(codes(off)).not.toContain('PEPPOL-EN16931-R120');
    expect(validateInvoice(off, 'fill', { ruleSets: ['peppol'] }).problems.map((p) => p.code)).toContain(
      'PEPPOL-EN16931-R120',
    );
  });
});

describe('reading', () => {
  it('an element without text is an absent term: its attributes are not read either', () => {
    const cii = format('en16931-cii');
    const xml = cii.render(validateInvoice(invoice()).invoice!);
    const emptied = xml.replace(
      /(<ram:BuyerTradeParty>[\s\S]*?<ram:URIID schemeID="[^"]*")>[^<]*<\/ram:URIID>/,
      '$1/>',
    );
    expect(emptied).not.toBe(xml);
    const read = cii.read!(emptied);
    expect(read.invoice.buyer.endpoint).toBeUndefined();
    expect(read.unread).toEqual([]);
  });
});

import { validateInvoice } from '../shared/model/validate-invoice';
import { sampleInvoice } from '../shared/model/sample-invoice';

const codes = (value: unknown) =>
  validateInvoice(value).problems.map((p) => `${p.code} ${p.path}: ${p.message}`);

describe('missing terms are reported by the EN 16931 rule they break', () => {
  it('a document without a seller breaks BR-06 and BR-08, and BR-S-02 (no seller VAT identifier)', () => {
    const invoice: Record<string, unknown> = { ...sampleInvoice(1) };
    delete invoice.seller;
    expect(codes(invoice)).toEqual([
      'BR-06 /seller: BT-27 Seller name is required',
      'BR-08 /seller: BG-5 Seller postal address is required',
      "BR-S-02 /seller/vatId: VAT category S (standard rated) needs the seller's VAT identifier (BT-31) or tax registration identifier (BT-32), or the seller tax representative's VAT identifier (BT-63)",
    ]);
  });

  it('a line without quantity and unit: BR-22 and BR-23 at the line', () => {
    const invoice = sampleInvoice(2) as unknown as { lines: Array<Record<string, unknown>> };
    delete invoice.lines[1]!.quantity;
    delete invoice.lines[1]!.unitCode;
    expect(codes(invoice)).toEqual([
      'BR-22 /lines/1/quantity: BT-129 Invoiced quantity is required',
      'BR-23 /lines/1/unitCode: BT-130 Invoiced quantity unit of measure code is required',
    ]);
  });

  it('a member no presence rule names keeps its schema finding', () => {
    const invoice = { ...sampleInvoice(1), notes: [{ subjectCode: 'AAI' }] };
    expect(codes(invoice)).toEqual(['schema.required /notes/0/text: is required']);
  });
});

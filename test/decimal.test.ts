import { computeTotals } from '../shared/model/totals';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { add, dec, format, mul, percent, round } from '../shared/util/decimal';

describe('decimal arithmetic', () => {
  it('adds without float error', () => {
    expect(format(add(dec('0.1'), dec('0.2')))).toBe('0.3');
    expect(format(add(dec(0.1), dec(0.2)), 2)).toBe('0.30');
  });

  it('rounds half away from zero', () => {
    expect(format(round(dec('2.345'), 2))).toBe('2.35');
    expect(format(round(dec('-2.345'), 2))).toBe('-2.35');
    expect(format(round(dec('2.344'), 2))).toBe('2.34');
    expect(format(dec('1.005'), 2)).toBe('1.01');
  });

  it('multiplies and takes percentages exactly', () => {
    expect(format(mul(dec('3'), dec('19.99')))).toBe('59.97');
    expect(format(percent(dec('59.97'), dec('19')), 2)).toBe('11.39');
    expect(format(mul(dec('1.1'), dec('1.1')))).toBe('1.21');
  });

  it('refuses what is not a decimal', () => {
    expect(() => dec('1e5x')).toThrow(RangeError);
    expect(() => dec(Number.NaN)).toThrow(RangeError);
    expect(() => dec('0.123456789')).toThrow(/Too many decimals/);
  });
});

describe('invoice totals', () => {
  it('computes lines, VAT per rate and document totals consistently (BR-CO-10, BR-CO-14, BR-CO-15)', () => {
    const invoice = sampleInvoice(20);
    const totals = computeTotals(invoice);
    expect(totals.lineExtension).toBe(add(...totals.lines.map((l) => l.net)));
    expect(totals.tax).toBe(add(...totals.breakdown.map((b) => b.tax)));
    expect(totals.taxInclusive).toBe(totals.taxExclusive + totals.tax);
    expect(totals.breakdown.map((b) => `${b.category}:${format(b.rate!)}`).sort()).toEqual(['S:19', 'S:7']);
    for (const group of totals.breakdown)
      expect(group.tax).toBe(round(percent(group.taxable, group.rate!), 2));
  });
});

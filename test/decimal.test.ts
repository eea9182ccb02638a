import { add, dec, div, format, mul, percent, round } from '../shared/util/decimal';

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

  it('multiplies, divides and takes percentages exactly', () => {
    expect(format(mul(dec('3'), dec('19.99')))).toBe('59.97');
    expect(format(percent(dec('59.97'), dec('19')), 2)).toBe('11.39');
    expect(format(mul(dec('1.1'), dec('1.1')))).toBe('1.21');
    expect(format(div(dec('10'), dec('3')))).toBe('3.33333333');
    expect(() => div(dec('1'), 0n)).toThrow(RangeError);
  });

  it('refuses what is not a decimal', () => {
    expect(() => dec('1e5x')).toThrow(RangeError);
    expect(() => dec(Number.NaN)).toThrow(RangeError);
    expect(() => dec('0.123456789')).toThrow(/Too many decimals/);
  });
});

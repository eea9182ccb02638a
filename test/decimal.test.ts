import { add, dec, div, format, mul, percent, round } from '../shared/util/decimal';
import { exact, pow10 } from '../shared/model/exact-decimal';

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

describe('exact decimals as written', () => {
  it('reads a text once: the same frozen value for the same text, every decimal of a long one', () => {
    const first = exact('1234.50');
    expect(first).toEqual({ units: 123450n, scale: 2 });
    expect(exact('1234.50')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(exact(' -0.5 ')).toEqual({ units: -5n, scale: 1 });
    // longer than the texts kept: read every time, exactly
    expect(exact('0.0000123456789012')).toEqual({ units: 123456789012n, scale: 16 });
    expect(exact('12345678901234567890.5')).toEqual({ units: 123456789012345678905n, scale: 1 });
    expect(exact('1e3')).toBeUndefined();
    expect(exact('1e3')).toBeUndefined();
    expect(exact('')).toBeUndefined();
    expect(exact(2.5)).toEqual({ units: 25n, scale: 1 });
  });

  it('powers of ten, from the table and past it', () => {
    expect(pow10(0)).toBe(1n);
    expect(pow10(8)).toBe(100_000_000n);
    expect(pow10(70)).toBe(10n ** 70n);
  });
});

import { exactCompare, exactSub, pow10, type ExactDecimal } from '../../../model/exact-decimal';

/** The exact decimal arithmetic the VAT rules need, as XPath computes with `xs:decimal`. */

export const ZERO: ExactDecimal = { units: 0n, scale: 0 };
const ONE: ExactDecimal = { units: 1n, scale: 0 };

export function plus(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  const scale = Math.max(a.scale, b.scale);
  return {
    units: a.units * pow10(scale - a.scale) + b.units * pow10(scale - b.scale),
    scale,
  };
}

export function times(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function absolute(a: ExactDecimal): ExactDecimal {
  return a.units < 0n ? { units: -a.units, scale: a.scale } : a;
}

/** XPath's `round()`: to the nearest whole number, a half towards positive infinity (floor of x + ½). */
export function roundHalfUp(a: ExactDecimal): bigint {
  const denominator = 2n * pow10(a.scale);
  const numerator = 2n * a.units + pow10(a.scale);
  const quotient = numerator / denominator;
  // BigInt division truncates towards zero: one less for a negative inexact quotient
  return numerator < 0n && quotient * denominator !== numerator ? quotient - 1n : quotient;
}

/** |a − b| < 1: within the tolerance EN 16931 gives the taxable and tax amounts of S, L and M. */
export function withinLessThanOne(a: ExactDecimal, b: ExactDecimal): boolean {
  return exactCompare(absolute(exactSub(a, b)), ONE) < 0;
}

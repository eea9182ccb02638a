import { dec, decimalText, divRound, type Decimal } from '../util/decimal';

/**
 * Decimals as written, with as many fraction digits as they have: EN 16931 sets no maximum on quantities,
 * prices, percentages or rates, so a price of 0.0000123456789 is read, compared and written as it is.
 * `units / 10^scale` is the value. The money arithmetic (`util/decimal`, 8 places) takes them rounded.
 */
export interface ExactDecimal {
  units: bigint;
  scale: number;
}

const PATTERN = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Texts read before, with their value: the rules read the same amounts, rates and quantities many times
 * over (and an invoice repeats them). Values are frozen, so sharing them is safe; the cache is emptied when
 * it is full. Only short texts are kept: V8 may represent a longer piece of a document's text as a slice
 * of the whole, and a cached key would keep the whole document alive.
 */
const known = new Map<string, Readonly<ExactDecimal> | null>();
const KNOWN_MAX = 4096;
const KNOWN_LENGTH = 12;

/** The exact value of a decimal text or number; undefined when it is not one. */
export function exact(value: string | number): ExactDecimal | undefined {
  if (typeof value === 'number') return parse(numberText(value));
  if (value.length > KNOWN_LENGTH) return parse(value.trim());
  const cached = known.get(value);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parse(value.trim());
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(value, parsed ?? null);
  return parsed;
}

function parse(text: string | undefined): ExactDecimal | undefined {
  const match = PATTERN.exec(text ?? '');
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  return Object.freeze({ units: sign === '-' ? -units : units, scale: fraction.length });
}

function numberText(value: number): string | undefined {
  return Number.isFinite(value) ? decimalText(value) : undefined;
}

/** 10^0 … 10^63, computed once: the scales of written decimals. */
const POWERS: readonly bigint[] = Array.from({ length: 64 }, (_, n) => 10n ** BigInt(n));

/** 10^n, exactly. */
export const pow10 = (n: number): bigint => POWERS[n] ?? 10n ** BigInt(n);

function aligned(a: ExactDecimal, b: ExactDecimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * pow10(scale - a.scale), b.units * pow10(scale - b.scale), scale];
}

export function exactSub(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  const [x, y, scale] = aligned(a, b);
  return { units: x - y, scale };
}

export function exactCompare(a: ExactDecimal, b: ExactDecimal): number {
  const [x, y] = aligned(a, b);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Rounded half away from zero to `decimals` places (kept as is when it has no more). */
export function exactRound(value: ExactDecimal, decimals: number): ExactDecimal {
  if (value.scale <= decimals) return value;
  return { units: divRound(value.units, pow10(value.scale - decimals)), scale: decimals };
}

/** The value in the 8-place money arithmetic, rounded half away from zero where it has more places. */
export function toMoneyDecimal(value: ExactDecimal): Decimal {
  const rounded = exactRound(value, 8);
  return rounded.units * pow10(8 - rounded.scale);
}

/** `dec`, for any number of decimals: values with more than 8 are rounded to 8 (half away from zero). */
export function decimalOf(value: string | number): Decimal {
  const parsed = exact(value);
  return parsed === undefined ? dec(value) : toMoneyDecimal(parsed);
}

/** The shortest text of the value: no leading `+`, no trailing fraction zeros, `0` for negative zero. */
export function exactText(value: ExactDecimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  const whole = digits.slice(0, digits.length - value.scale);
  const fraction = digits.slice(digits.length - value.scale).replace(/0+$/, '');
  const text = `${whole}${fraction ? `.${fraction}` : ''}`;
  return negative && text !== '0' ? `-${text}` : text;
}

/** The text with exactly `decimals` places (rounded half away from zero). */
export function exactFixed(value: ExactDecimal, decimals: number): string {
  const rounded = exactRound(value, decimals);
  const units = rounded.units * pow10(decimals - rounded.scale);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const text =
    decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(digits.length - decimals)}`;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/**
 * Quantity × price ÷ base quantity, exactly, as a fraction: `numerator / denominator` (denominator > 0).
 * Base quantity 0 counts as 1, as PEPPOL-EN16931-R120 takes it.
 */
export function lineBase(
  quantity: ExactDecimal,
  price: ExactDecimal,
  baseQuantity: ExactDecimal | undefined,
): { numerator: bigint; denominator: bigint } {
  const base = baseQuantity && baseQuantity.units !== 0n ? baseQuantity : { units: 1n, scale: 0 };
  // q/10^a × p/10^b ÷ (B/10^c) = q·p·10^c / (B·10^(a+b))
  let numerator = quantity.units * price.units * pow10(base.scale);
  let denominator = base.units * pow10(quantity.scale + price.scale);
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  return { numerator, denominator };
}

/** A fraction plus an 8-place money decimal, rounded half away from zero to `decimals` places. */
export function roundFraction(
  fraction: { numerator: bigint; denominator: bigint },
  plus: Decimal,
  decimals: number,
): Decimal {
  // (n/d + m/10^8) at 10^decimals: (n·10^8 + m·d)·10^decimals / (d·10^8)
  const n = fraction.numerator * pow10(8) + plus * fraction.denominator;
  const d = fraction.denominator * pow10(8);
  return divRound(n * pow10(decimals), d) * pow10(8 - decimals);
}

/** A decimal text with its sign turned, digits as they are (`12.50` → `-12.50`, `-3` → `3`, `0.00` → `0.00`). */
export function negatedText(text: string): string {
  if (exact(text) === undefined) throw new RangeError(`Not a decimal number: "${text}"`);
  const unsigned = text.replace(/^[+-]/, '');
  if (/^[0.]*$/.test(unsigned)) return unsigned;
  return text.startsWith('-') ? unsigned : `-${unsigned}`;
}

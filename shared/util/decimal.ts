/**
 * Exact decimal arithmetic for money, on BigInt with 8 fractional digits. Floats are never used for
 * amounts: 0.1 + 0.2 must be 0.30, and rounding is half away from zero as EN 16931 expects.
 */
export type Decimal = bigint;

const DIGITS = 8;
const SCALE = 10n ** BigInt(DIGITS);
const PATTERN = /^([+-])?(\d+)(?:\.(\d+))?$/;

export function isDecimalText(value: string): boolean {
  return PATTERN.test(value);
}

/** Parses `12.50`, `-3`, or a finite number (through its shortest decimal text). */
export function dec(value: string | number): Decimal {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const match = PATTERN.exec(text);
  if (!match) throw new RangeError(`Not a decimal number: "${text}"`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > DIGITS) throw new RangeError(`Too many decimals (max ${DIGITS}): "${text}"`);
  const units = BigInt(whole!) * SCALE + BigInt(fraction.padEnd(DIGITS, '0'));
  return sign === '-' ? -units : units;
}

/**
 * The exact decimal text of a finite number, never in exponent notation (`1e21` → `1000000000000000000000`,
 * `1.5e-7` → `0.00000015`): the shortest text that reads back as the same number.
 */
export function decimalText(value: number): string {
  const text = String(value);
  const exponent = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exponent) return text;
  const [, sign, head, tail = '', power] = exponent;
  const digits = `${head}${tail}`;
  const point = 1 + Number(power); // digits before the decimal point
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`Not a finite number: ${value}`);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(DIGITS).replace(/\.?0+$/, '');
}

/** numerator / denominator rounded half away from zero to an integer. */
export function divRound(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (2n * d);
  return negative ? -q : q;
}

export function add(...values: Decimal[]): Decimal {
  return values.reduce((a, b) => a + b, 0n);
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return divRound(a * b, SCALE);
}

/** a × b / 100, for percentages. */
export function percent(a: Decimal, rate: Decimal): Decimal {
  return divRound(a * rate, 100n * SCALE);
}

/** a ÷ b, rounded half away from zero to the internal precision (8 places). */
export function div(a: Decimal, b: Decimal): Decimal {
  if (b === 0n) throw new RangeError('Division by zero');
  return divRound(a * SCALE, b);
}

/** Number of decimal places a decimal text or number is written with. */
export function decimalPlaces(value: string | number): number {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

/** 10^(8 - decimals) for 0 … 8 decimals: the step of {@link round}, computed once. */
const STEPS: readonly bigint[] = Array.from(
  { length: DIGITS + 1 },
  (_, decimals) => 10n ** BigInt(DIGITS - decimals),
);

/** Rounds to `decimals` places, half away from zero. */
export function round(value: Decimal, decimals = 2): Decimal {
  const step = STEPS[decimals] ?? 10n ** BigInt(DIGITS - decimals);
  return divRound(value, step) * step;
}

/** Formats with exactly `decimals` places (rounding half away from zero), or the shortest form when omitted. */
export function format(value: Decimal, decimals?: number): string {
  const v = decimals === undefined ? value : round(value, decimals);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const whole = abs / SCALE;
  let fraction = (abs % SCALE).toString().padStart(DIGITS, '0');
  fraction = decimals === undefined ? fraction.replace(/0+$/, '') : fraction.slice(0, decimals);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

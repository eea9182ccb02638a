/**
 * Check digits of national identifiers, computed on the digits as integers (never on the number they form).
 * Each takes the identifier as written and is false for anything that is not in its form.
 */

const ZERO = 48;

/** The value of the ASCII digit at `index`; undefined when there is none or it is not a digit. */
function digitAt(value: string, index: number): number | undefined {
  const code = value.charCodeAt(index) - ZERO;
  return code >= 0 && code <= 9 ? code : undefined;
}

const DIGITS = /^[0-9]+$/;
const NOT_ALL_ZERO = /[1-9]/;

/**
 * A Norwegian organisation number (nine digits, not all zero): the body's digits weigh 2, 3, 4, 5, 6, 7 from
 * the right, and the check digit is 11 less the weighted sum modulo 11 (0 when that is 11).
 */
export function validNorwegianOrganisationNumber(value: string): boolean {
  if (!DIGITS.test(value) || !NOT_ALL_ZERO.test(value)) return false;
  let sum = 0;
  for (let i = value.length - 2, weight = 0; i >= 0; i--, weight++)
    sum += digitAt(value, i)! * ((weight % 6) + 2);
  return (11 - (sum % 11)) % 11 === digitAt(value, value.length - 1);
}

/**
 * A Swedish organisation number: digits only, the tenth the Luhn check digit of the first nine (from the
 * right, every other digit doubled and its digits added). Digits after the tenth are not looked at.
 */
export function validSwedishOrganisationNumber(value: string): boolean {
  if (!DIGITS.test(value)) return false;
  const body = value.slice(0, 9);
  let sum = 0;
  for (let position = 1; position <= body.length; position++) {
    const digit = digitAt(body, body.length - position)!;
    sum += position % 2 === 1 ? ((digit * 2) % 10) + Math.floor((digit * 2) / 10) : digit;
  }
  const check = digitAt(value, 9);
  return check !== undefined && (10 - (sum % 10)) % 10 === check;
}

/**
 * A Greek tax identification number (AFM): its first nine characters digits, the first eight weighing
 * 256, 128, … 2, and the ninth the weighted sum modulo 11, modulo 10. Characters after the ninth are not
 * looked at.
 */
export function validGreekTin(value: string): boolean {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const digit = digitAt(value, i);
    if (digit === undefined) return false;
    sum += digit * 2 ** (8 - i);
  }
  return (sum % 11) % 10 === digitAt(value, 8);
}

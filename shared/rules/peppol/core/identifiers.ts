import type { RuleSeverity } from '../../rule';

/**
 * The identifier formats PEPPOL checks by the identifier's scheme (ISO 6523 ICD or EAS code): the format of
 * the number and its check digits, as the functions of PEPPOL BIS 3's schematron compute them. Each takes
 * the identifier with its white space normalised, except the Danish CVR rule, which reads it as it is.
 */

const ALL_DIGITS = /^[0-9]+$/;
const NINE_DIGITS = /^[0-9]{9}$/;
const TEN_DIGITS = /^[0-9]{10}$/;
const ELEVEN_DIGITS = /^[0-9]{11}$/;
const LETTERS_AND_DIGITS = /^[A-Za-z0-9]*$/;
const LETTERS = /^[A-Za-z]*$/;
/** What `castable as xs:integer` accepts: an optional sign and digits, with white space around. */
const INTEGER_LEXICAL = /^[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*$/;

const digitAt = (value: string, index: number) => value.charCodeAt(index) - 48;

/** GS1 check digit (GLN): from the right, the digits before the check digit weigh 3, 1, 3, … */
export function validGln(value: string): boolean {
  if (!ALL_DIGITS.test(value)) return false;
  const last = value.length - 1;
  let sum = 0;
  for (let i = 0; i < last; i++) sum += digitAt(value, last - 1 - i) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === digitAt(value, last);
}

/** Norwegian organisation number: nine digits, weights 2 … 7 from the right, modulus 11, above zero. */
export function validNorwegianOrganisation(value: string): boolean {
  if (!NINE_DIGITS.test(value) || Number(value) <= 0) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += digitAt(value, 7 - i) * ((i % 6) + 2);
  return (11 - (sum % 11)) % 11 === digitAt(value, 8);
}

/** Danish CVR: `DK` and eight digits, or eight digits (the text as it is, white space included). */
export function validDanishCvr(value: string): boolean {
  const body = value.length === 10 && value.startsWith('DK') ? value.slice(2) : value;
  return body.length === 8 && ALL_DIGITS.test(body);
}

/** Belgian enterprise number: ten digits, the last two 97 less the first eight modulo 97. */
export function validBelgianEnterprise(value: string): boolean {
  if (!TEN_DIGITS.test(value)) return false;
  return Number(value.slice(8)) === 97 - (Number(value.slice(0, 8)) % 97);
}

/** Italian IPA code: six letters or digits. */
export function validIpaCode(value: string): boolean {
  return value.length === 6 && LETTERS_AND_DIGITS.test(value);
}

/**
 * Italian Codice Fiscale: eleven characters that read as an integer (a company's), or sixteen in the layout
 * of a person's code (six letters, two digits, a letter, two digits, three of any kind, a digit, a letter).
 */
export function validCodiceFiscale(value: string): boolean {
  if (value.length === 11) return INTEGER_LEXICAL.test(value);
  if (value.length !== 16) return false;
  return (
    LETTERS.test(value.slice(0, 6)) &&
    INTEGER_LEXICAL.test(value.slice(6, 8)) &&
    LETTERS.test(value.slice(8, 9)) &&
    INTEGER_LEXICAL.test(value.slice(9, 11)) &&
    INTEGER_LEXICAL.test(value.slice(14, 15)) &&
    LETTERS.test(value.slice(15, 16))
  );
}

/** Doubled digits of the Partita IVA's check (2d, less 9 from 10 on). */
const DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/**
 * Italian VAT number (Partita IVA): with the prefix `IT` (or `it`), eleven digits whose sum, every second
 * digit doubled, ends in 0. Numbers of other countries pass.
 */
export function validPartitaIva(value: string): boolean {
  const country = value.slice(0, 2);
  if (country !== 'IT' && country !== 'it') return true;
  const code = value.slice(2);
  if (!ELEVEN_DIGITS.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += i % 2 === 1 ? DOUBLED[digitAt(code, i)]! : digitAt(code, i);
  return sum % 10 === 0;
}

/** Swedish organisation number: ten digits, the last the Luhn check digit of the first nine. */
export function validSwedishOrganisation(value: string): boolean {
  if (!TEN_DIGITS.test(value)) return false;
  let sum = 0;
  for (let position = 1; position <= 9; position++) {
    const digit = digitAt(value, 9 - position);
    sum += position % 2 === 1 ? DOUBLED[digit]! : digit;
  }
  return (10 - (sum % 10)) % 10 === digitAt(value, 9);
}

const ABN_WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

/** Australian Business Number: eleven digits; with the first less one, the weighted sum divides by 89. */
export function validAbn(value: string): boolean {
  if (!ELEVEN_DIGITS.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += (digitAt(value, i) - (i === 0 ? 1 : 0)) * ABN_WEIGHTS[i]!;
  return sum % 89 === 0;
}

/** The format PEPPOL requires of identifiers with one scheme. */
export interface SchemeFormat {
  /** The PEPPOL-COMMON rule that checks it. */
  rule: string;
  severity: RuleSeverity;
  /** What the rule requires, in the service's words. */
  message: string;
  /** Checked on electronic addresses only (BT-34, BT-49), not on party identifiers. */
  endpointsOnly?: boolean;
  /** Reads the identifier as it is, not with its white space normalised. */
  raw?: boolean;
  valid(value: string): boolean;
}

/**
 * The schemes PEPPOL checks on electronic addresses, party identifiers and legal registration identifiers
 * in both syntaxes. PEPPOL-COMMON-R048 (Partita IVA as EAS 9906) is a rule of the CII artefact only, and is
 * checked by the CII syntax rules.
 */
export const SCHEME_FORMATS: Readonly<Record<string, SchemeFormat>> = {
  '0088': {
    rule: 'PEPPOL-COMMON-R040',
    severity: 'fatal',
    message: 'A GLN (scheme 0088) must be digits ending in a valid GS1 check digit',
    valid: validGln,
  },
  '0192': {
    rule: 'PEPPOL-COMMON-R041',
    severity: 'fatal',
    message:
      'A Norwegian organisation number (scheme 0192) must be nine digits with a valid modulus 11 check digit',
    valid: validNorwegianOrganisation,
  },
  '0184': {
    rule: 'PEPPOL-COMMON-R042',
    severity: 'fatal',
    message: 'A Danish CVR number (scheme 0184) must be eight digits, optionally preceded by DK',
    raw: true,
    valid: validDanishCvr,
  },
  '0208': {
    rule: 'PEPPOL-COMMON-R043',
    severity: 'fatal',
    message:
      'A Belgian enterprise number (scheme 0208) must be ten digits with valid modulus 97 check digits',
    valid: validBelgianEnterprise,
  },
  '0201': {
    rule: 'PEPPOL-COMMON-R044',
    severity: 'warning',
    message: 'An Italian IPA code (scheme 0201) should be six letters or digits',
    valid: validIpaCode,
  },
  '0210': {
    rule: 'PEPPOL-COMMON-R045',
    severity: 'warning',
    message:
      'An Italian Codice Fiscale (scheme 0210) should be 11 digits or 16 characters in the layout of a personal code',
    valid: validCodiceFiscale,
  },
  '9907': {
    rule: 'PEPPOL-COMMON-R046',
    severity: 'warning',
    message:
      'An Italian Codice Fiscale as electronic address (scheme 9907) should be 11 digits or 16 characters in the layout of a personal code',
    endpointsOnly: true,
    valid: validCodiceFiscale,
  },
  '0211': {
    rule: 'PEPPOL-COMMON-R047',
    severity: 'warning',
    message:
      'An Italian Partita IVA (scheme 0211) should be IT followed by eleven digits with a valid check digit',
    valid: validPartitaIva,
  },
  '0007': {
    rule: 'PEPPOL-COMMON-R049',
    severity: 'fatal',
    message: 'A Swedish organisation number (scheme 0007) must be ten digits with a valid Luhn check digit',
    valid: validSwedishOrganisation,
  },
  '0151': {
    rule: 'PEPPOL-COMMON-R050',
    severity: 'fatal',
    message: 'An Australian Business Number (scheme 0151) must be eleven digits passing the modulus 89 check',
    valid: validAbn,
  },
};

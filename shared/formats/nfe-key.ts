import { randomInt } from 'node:crypto';
import { invalidInput, type ProblemDetail } from '../errors';

/**
 * The access key (chave de acesso) of a Brazilian NF-e (model 55) or NFC-e (model 65), as the Manual de
 * Orientação do Contribuinte 7.0 lays it out: 44 characters,
 *
 * | cUF | AAMM | CNPJ/CPF | mod | serie | nNF | tpEmis | cNF | cDV |
 * | 2   | 4    | 14       | 2   | 3     | 9   | 1      | 8   | 1   |
 *
 * the issuer's state, the year and month of issue, the issuer (a CPF left-padded with zeros), the model,
 * series and number, the form of issue, a random code and a modulo 11 check digit. From July 2026 a CNPJ
 * may hold letters in its first 12 places (Nota Técnica 2025.001, the alphanumeric CNPJ): the key then
 * does too, and its check digit counts each character as its ASCII code minus 48, which leaves every
 * numeric key's digit as it was. The document's `infNFe/@Id` is `NFe` followed by the key.
 */

/** The IBGE code of each state (UF) and the Distrito Federal, as `ide/cUF` and a key's first two digits carry it. */
export const UF_CODES = {
  RO: '11',
  AC: '12',
  AM: '13',
  RR: '14',
  PA: '15',
  AP: '16',
  TO: '17',
  MA: '21',
  PI: '22',
  CE: '23',
  RN: '24',
  PB: '25',
  PE: '26',
  AL: '27',
  SE: '28',
  BA: '29',
  MG: '31',
  ES: '32',
  RJ: '33',
  SP: '35',
  PR: '41',
  SC: '42',
  RS: '43',
  MS: '50',
  MT: '51',
  GO: '52',
  DF: '53',
} as const satisfies Readonly<Record<string, string>>;

/** A state's abbreviation (`SP`). */
export type Uf = keyof typeof UF_CODES;

const UF_OF_CODE: ReadonlyMap<string, Uf> = new Map(
  (Object.entries(UF_CODES) as Array<[Uf, string]>).map(([uf, code]) => [code, uf]),
);

/** The state whose IBGE code is `cUF` (`35` → `SP`), or undefined for a code that is no state's. */
export function ufOfCode(cUF: string): Uf | undefined {
  return UF_OF_CODE.get(cUF);
}

/**
 * The forms of issue (`tpEmis`) a key may carry: 1 normal, 2 contingency on security paper (FS-IA),
 * 3 Regime Especial NFF (formerly SCAN), 4 EPEC, 5 FS-DA, 6 SVC-AN, 7 SVC-RS, 9 NFC-e offline. There is no 8.
 */
export const TP_EMIS: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 7, 9]);

/** The models an access key of this layout names: 55 NF-e, 65 NFC-e. */
export type NfeModel = '55' | '65';

const isModel = (value: unknown): value is NfeModel => value === '55' || value === '65';

/** What an access key is made of. */
export interface AccessKeyParts {
  /** The IBGE code of the issuer's state (`35`): one of {@link UF_CODES}. */
  cUF: string;
  /** The year of issue, its last two digits (2024 → 24), 0 to 99. */
  year: number;
  /** The month of issue, 1 to 12. */
  month: number;
  /**
   * The issuer: a CNPJ of 14 characters (the first 12 may be letters A-Z from July 2026, the last two are
   * digits), or a CPF of 11 digits. A key holds a CPF left-padded with zeros to 14, and parsing gives those 14
   * characters back: a key does not say which of the two it holds.
   */
  cnpjCpf: string;
  mod: NfeModel;
  /** The series, 0 to 999. */
  serie: number;
  /** The document's number, 1 to 999 999 999. */
  nNF: number;
  /** The form of issue: one of {@link TP_EMIS}. */
  tpEmis: number;
  /** The random code: 8 digits (see {@link newCNF}). */
  cNF: string;
  /** The check digit. Composing checks it when given; parsing always gives it. */
  cDV?: string;
}

/** The places of the parts in a key: 0-based start and length, and the path a problem with it is reported at. */
const LAYOUT = {
  cUF: { start: 0, length: 2, path: '/cUF' },
  AAMM: { start: 2, length: 4, path: '/year' },
  cnpjCpf: { start: 6, length: 14, path: '/cnpjCpf' },
  mod: { start: 20, length: 2, path: '/mod' },
  serie: { start: 22, length: 3, path: '/serie' },
  nNF: { start: 25, length: 9, path: '/nNF' },
  tpEmis: { start: 34, length: 1, path: '/tpEmis' },
  cNF: { start: 35, length: 8, path: '/cNF' },
  cDV: { start: 43, length: 1, path: '/cDV' },
} as const;

type LayoutPart = keyof typeof LAYOUT;

const KEY_LENGTH = 44;

/** Positions as the MOC numbers them (1-based, inclusive). */
function positions(part: LayoutPart): string {
  const { start, length } = LAYOUT[part];
  return length === 1 ? `position ${start + 1}` : `positions ${start + 1}-${start + length}`;
}

/**
 * The modulo 11 check digit of `text` as the NF-e and the CNPJ compute it: each character counts as its
 * ASCII code minus 48 ('0'-'9' are 0-9, 'A' is 17, 'Z' 42), weighted 2, 3, … up to `maxWeight` from the
 * right and then again from 2; a remainder of 0 or 1 gives 0, any other r gives 11 − r.
 */
function mod11(text: string, maxWeight: number): number {
  let sum = 0;
  let weight = 2;
  for (let i = text.length - 1; i >= 0; i--) {
    sum += (text.charCodeAt(i) - 48) * weight;
    weight = weight === maxWeight ? 2 : weight + 1;
  }
  const remainder = sum % 11;
  return remainder < 2 ? 0 : 11 - remainder;
}

/** A key's first 43 characters: digits, and letters A-Z only where a CNPJ may have them. */
const FIRST_43 = /^[0-9]{6}[0-9A-Z]{12}[0-9]{25}$/;

/**
 * The check digit (cDV) of an access key from its first 43 characters: modulo 11, weights 2 to 9 from the
 * right, a remainder of 0 or 1 giving 0. The characters of an alphanumeric CNPJ count as their ASCII code
 * minus 48 ('A' is 17). Throws a RangeError when `first43` is not 43 characters of that form (digits, with
 * upper-case letters only in the CNPJ's first 12 places).
 */
export function accessKeyCheckDigit(first43: string): string {
  if (!FIRST_43.test(first43))
    throw new RangeError(
      'An access key without its check digit is 43 characters: digits, with letters A-Z only in positions 7-18 (the CNPJ)',
    );
  return String(mod11(first43, 9));
}

const CNPJ_BODY = /^[0-9A-Z]{12}$/;
const CNPJ = /^[0-9A-Z]{12}[0-9]{2}$/;
const CPF = /^[0-9]{11}$/;

/**
 * The two check digits of a CNPJ from its first 12 characters, numeric or alphanumeric (Receita Federal's rule
 * for both: each character as its ASCII code minus 48, modulo 11 with weights 2 to 9 from the right, a
 * remainder below 2 giving 0; the second digit over the 12 and the first digit). `12ABC34501DE` gives `35`.
 * Throws a RangeError unless `first12` is 12 characters 0-9 or A-Z (upper case: a CNPJ has no lower case).
 */
export function cnpjCheckDigits(first12: string): string {
  if (!CNPJ_BODY.test(first12))
    throw new RangeError('The body of a CNPJ is 12 characters, digits or upper-case letters A-Z');
  const first = mod11(first12, 9);
  return `${first}${mod11(first12 + String(first), 9)}`;
}

/** Whether every character of `text` is the same one: such numbers pass modulo 11 and are no one's. */
const repeated = (text: string) => [...text].every((c) => c === text[0]);

/**
 * Whether `cnpj` is a CNPJ with the right check digits: 14 characters without punctuation, the first 12 digits
 * or upper-case letters (the alphanumeric CNPJ), the last two digits. A CNPJ of one repeated digit
 * (00000000000000) is refused; no registry is asked whether the CNPJ exists.
 */
export function isValidCnpj(cnpj: string): boolean {
  return CNPJ.test(cnpj) && !repeated(cnpj) && cnpjCheckDigits(cnpj.slice(0, 12)) === cnpj.slice(12);
}

/**
 * Whether `cpf` is a CPF with the right check digits: 11 digits without punctuation, the first check digit
 * modulo 11 of the first 9 with weights 10 down to 2, the second of the first 10 with weights 11 down to 2 (a
 * remainder below 2 giving 0). A CPF of one repeated digit (11111111111) is refused.
 */
export function isValidCpf(cpf: string): boolean {
  if (!CPF.test(cpf) || repeated(cpf)) return false;
  // weights that only grow (up to 10 and 11) are modulo 11 with no wrap-around
  const first = mod11(cpf.slice(0, 9), Infinity);
  const second = mod11(cpf.slice(0, 9) + String(first), Infinity);
  return cpf.slice(9) === `${first}${second}`;
}

const isWhole = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** Thrown for a key or parts that do not make a key; every problem located in `details`. */
function malformed(what: string, problems: ProblemDetail[]): never {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw invalidInput('nfe.key-invalid', `${what}: ${problems[0]!.message}${more}`, problems);
}

function wrongCheckDigit(written: string, expected: string): never {
  const message = `The access key's check digit (cDV, ${positions('cDV')}) is ${written}, but its first 43 characters give ${expected}`;
  throw invalidInput('nfe.key-check-digit', message, [{ path: LAYOUT.cDV.path, message }]);
}

/**
 * The access key of `parts`, with its check digit computed: the numbers zero-padded to their widths, a CPF
 * padded to 14. When `parts.cDV` is given it must be the computed digit. Throws `nfe.key-invalid` (status 400)
 * when a part is out of its range or form, every such part in the error's details (path `/serie`, …), and
 * `nfe.key-check-digit` for a `cDV` that is not the computed one. The issuer's own check digits are not
 * checked here ({@link isValidCnpj}, {@link isValidCpf}); nor is cNF's rule against easy guesses ({@link isAcceptableCNF}).
 */
export function composeAccessKey(parts: AccessKeyParts): string {
  const problems: ProblemDetail[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  if (typeof parts.cUF !== 'string' || !UF_OF_CODE.has(parts.cUF))
    problem('/cUF', `cUF ${show(parts.cUF)} is not the IBGE code of a state`);
  if (!isWhole(parts.year, 0, 99)) problem('/year', `year ${show(parts.year)} is not two digits (0 to 99)`);
  if (!isWhole(parts.month, 1, 12)) problem('/month', `month ${show(parts.month)} is not 1 to 12`);
  const issuer = typeof parts.cnpjCpf === 'string' ? parts.cnpjCpf : '';
  if (!CNPJ.test(issuer) && !CPF.test(issuer))
    problem(
      '/cnpjCpf',
      `cnpjCpf ${show(parts.cnpjCpf)} is neither a CNPJ (14 characters, the last two digits) nor a CPF (11 digits)`,
    );
  if (!isModel(parts.mod)) problem('/mod', `mod ${show(parts.mod)} is neither 55 (NF-e) nor 65 (NFC-e)`);
  if (!isWhole(parts.serie, 0, 999)) problem('/serie', `serie ${show(parts.serie)} is not 0 to 999`);
  if (!isWhole(parts.nNF, 1, 999_999_999)) problem('/nNF', `nNF ${show(parts.nNF)} is not 1 to 999999999`);
  if (!TP_EMIS.includes(parts.tpEmis))
    problem('/tpEmis', `tpEmis ${show(parts.tpEmis)} is not one of ${TP_EMIS.join(', ')}`);
  if (typeof parts.cNF !== 'string' || !/^[0-9]{8}$/.test(parts.cNF))
    problem('/cNF', `cNF ${show(parts.cNF)} is not 8 digits`);
  if (parts.cDV !== undefined && (typeof parts.cDV !== 'string' || !/^[0-9]$/.test(parts.cDV)))
    problem('/cDV', `cDV ${show(parts.cDV)} is not one digit`);
  if (problems.length > 0) malformed('These parts make no access key', problems);
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  const first43 =
    parts.cUF +
    pad(parts.year, 2) +
    pad(parts.month, 2) +
    issuer.padStart(14, '0') +
    parts.mod +
    pad(parts.serie, 3) +
    pad(parts.nNF, 9) +
    String(parts.tpEmis) +
    parts.cNF;
  const cDV = accessKeyCheckDigit(first43);
  if (parts.cDV !== undefined && parts.cDV !== cDV) wrongCheckDigit(parts.cDV, cDV);
  return first43 + cDV;
}

export interface ParseAccessKeyOptions {
  /**
   * Whether a check digit that is not the computed one is refused (`nfe.key-check-digit`); default true. With
   * false the parts of a damaged key are still read, to say what else is wrong with it.
   */
  verifyCheckDigit?: boolean;
}

/**
 * The parts of an access key, its form and check digit checked. Throws `nfe.key-invalid` (status 400) for a
 * key that is not 44 characters of the layout (digits, letters A-Z only in the CNPJ's first 12 places) or
 * whose state, month, model, number or form of issue is no valid one, every problem in the error's details
 * (path `/cUF`, `/month`, …; the message names the positions); then `nfe.key-check-digit` when the last digit
 * is not the one the first 43 characters give, the message saying which it should be. The issuer's own check
 * digits and cNF's rule against easy guesses are not checked (an older key may have cNF equal to nNF).
 */
export function parseAccessKey(key: string, options: ParseAccessKeyOptions = {}): AccessKeyParts {
  if (typeof key !== 'string' || key.length !== KEY_LENGTH)
    malformed('This is no access key', [
      {
        path: '',
        message: `an access key is ${KEY_LENGTH} characters, this is ${typeof key === 'string' ? key.length : typeof key}`,
      },
    ]);
  const problems: ProblemDetail[] = [];
  const read = (part: LayoutPart) => key.slice(LAYOUT[part].start, LAYOUT[part].start + LAYOUT[part].length);
  const problem = (part: LayoutPart, message: string, path: string = LAYOUT[part].path) =>
    problems.push({ path, message: `${part} (${positions(part)}) ${message}` });
  const digits = (part: LayoutPart) => {
    const ok = /^[0-9]+$/.test(read(part));
    if (!ok) problem(part, `is ${JSON.stringify(read(part))}: digits only`);
    return ok;
  };

  if (digits('cUF') && !UF_OF_CODE.has(read('cUF')))
    problem('cUF', `is ${read('cUF')}: not the IBGE code of a state`);
  const aamm = read('AAMM');
  if (digits('AAMM')) {
    const month = Number(aamm.slice(2));
    if (month < 1 || month > 12)
      problem('AAMM', `is ${aamm}: month ${aamm.slice(2)} is not 01 to 12`, '/month');
  }
  const issuer = read('cnpjCpf');
  if (!CNPJ.test(issuer))
    problem('cnpjCpf', `is ${JSON.stringify(issuer)}: 12 digits or letters A-Z, then 2 digits`);
  const mod = read('mod');
  if (digits('mod') && !isModel(mod)) problem('mod', `is ${mod}: neither 55 (NF-e) nor 65 (NFC-e)`);
  digits('serie');
  if (digits('nNF') && Number(read('nNF')) === 0) problem('nNF', 'is 000000000: a number starts at 1');
  if (digits('tpEmis') && !TP_EMIS.includes(Number(read('tpEmis'))))
    problem('tpEmis', `is ${read('tpEmis')}: not one of ${TP_EMIS.join(', ')}`);
  digits('cNF');
  digits('cDV');
  // a bad model is one of the problems; naming it again lets the type follow
  if (problems.length > 0 || !isModel(mod)) malformed('The access key is malformed', problems);

  const cDV = read('cDV');
  if (options.verifyCheckDigit !== false) {
    const expected = accessKeyCheckDigit(key.slice(0, 43));
    if (cDV !== expected) wrongCheckDigit(cDV, expected);
  }
  return {
    cUF: read('cUF'),
    year: Number(aamm.slice(0, 2)),
    month: Number(aamm.slice(2)),
    cnpjCpf: issuer,
    mod,
    serie: Number(read('serie')),
    nNF: Number(read('nNF')),
    tpEmis: Number(read('tpEmis')),
    cNF: read('cNF'),
    cDV,
  };
}

/**
 * The codes rule B03-10 of the MOC refuses as cNF (rejection 897): one digit eight times, and every run of
 * eight ascending digits that wraps from 9 to 0 (12345678, …, 90123456, 01234567).
 */
const GUESSABLE_CNF: ReadonlySet<string> = new Set([
  ...'0123456789'.split('').map((d) => d.repeat(8)),
  ...Array.from({ length: 10 }, (_, i) => '01234567890123456789'.slice(i, i + 8)),
]);

/**
 * Whether `cNF` may be the random code of the document numbered `nNF` (rule B03-10, rejection 897 "Código
 * numérico em formato inválido"): 8 digits, not the number itself (`00000030` for nNF 30), and none of the
 * sequences the rule lists (00000000 … 99999999, 12345678 … 01234567).
 */
export function isAcceptableCNF(cNF: string, nNF: number): boolean {
  return /^[0-9]{8}$/.test(cNF) && !GUESSABLE_CNF.has(cNF) && Number(cNF) !== nNF;
}

/** A source of randomness as `Math.random`: a number from 0 (inclusive) to 1 (exclusive). */
export type RandomSource = () => number;

/** Draws before giving up: with a fair source, 20 refused codes in 10^8 make a second draw already rare. */
const MAX_DRAWS = 64;

/**
 * A new random code (cNF) for the document numbered `nNF`: 8 digits drawn from `random` (default: the
 * operating system's cryptographic source), drawn again while {@link isAcceptableCNF} refuses them. The code
 * keeps a key from being guessed from the issuer's number sequence, so a predictable source defeats it: inject
 * one only in tests. Throws a RangeError when `nNF` is not 1 to 999 999 999 or `random` gives a number outside
 * [0, 1), and an Error when `random` gives only refused codes.
 */
export function newCNF(nNF: number, random?: RandomSource): string {
  if (!isWhole(nNF, 1, 999_999_999)) throw new RangeError(`nNF ${String(nNF)} is not 1 to 999999999`);
  const draw = random
    ? () => {
        const value = random();
        if (!(value >= 0 && value < 1))
          throw new RangeError(`The random source gave ${value}, not a number in [0, 1)`);
        return Math.floor(value * 100_000_000);
      }
    : () => randomInt(100_000_000);
  for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
    const cNF = String(draw()).padStart(8, '0');
    if (isAcceptableCNF(cNF, nNF)) return cNF;
  }
  throw new Error(`The random source gave ${MAX_DRAWS} codes in a row that cNF may not be`);
}

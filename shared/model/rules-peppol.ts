import type { ProblemDetail } from '../errors';
import type { CanonicalInvoice } from './invoice';

/**
 * The PEPPOL BIS Billing 3 rules that are not arithmetic (those, PEPPOL-EN16931-R040/R041/R042/R046/R120/
 * R121, are in `calculate` with `peppol: true`): the unit of a price's base quantity (R130) and the formats
 * of the identifiers PEPPOL checks by their scheme (PEPPOL-COMMON-R040 … R050). Each is checked as the
 * official PEPPOL schematron checks it; those it flags as warnings are warnings here.
 */

interface CommonRule {
  id: string;
  warning?: boolean;
  /** Electronic addresses only (PEPPOL-COMMON-R046 is a rule of EndpointID alone). */
  endpointsOnly?: boolean;
  valid(value: string): boolean;
  message: string;
}

const digits = (text: string) => [...text].map((c) => c.charCodeAt(0) - 48);
const isInteger = (text: string) => /^\s*[+-]?\d+\s*$/.test(text);

/** GS1 check digit: from the right, the body's digits weigh 3, 1, 3, … */
function validGln(value: string): boolean {
  if (!/^[0-9]+$/.test(value)) return false;
  const body = digits(value.slice(0, -1)).reverse();
  const sum = body.reduce((s, d, i) => s + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === Number(value.slice(-1));
}

/** Norwegian organisation number: weights 2 … 7 from the right, modulus 11. */
function validMod11(value: string): boolean {
  if (!/^[0-9]{9}$/.test(value) || Number(value) <= 0) return false;
  const body = digits(value.slice(0, -1)).reverse();
  const sum = body.reduce((s, d, i) => s + d * ((i % 6) + 2), 0);
  return (11 - (sum % 11)) % 11 === Number(value.slice(-1));
}

/** Belgian enterprise number: the last two digits are 97 − (the first eight mod 97). */
function validBelgian(value: string): boolean {
  if (!/^[0-9]{10}$/.test(value)) return false;
  return Number(value.slice(8)) === 97 - (Number(value.slice(0, 8)) % 97);
}

/** Swedish organisation number: ten digits, the last a Luhn check digit of the first nine. */
function validSwedish(value: string): boolean {
  if (!/^[0-9]{10}$/.test(value)) return false;
  const body = digits(value.slice(0, 9)).reverse();
  const sum = body.reduce((s, d, i) => s + (i % 2 === 0 ? ((d * 2) % 10) + Math.floor((d * 2) / 10) : d), 0);
  return (10 - (sum % 10)) % 10 === Number(value[9]);
}

/** Australian Business Number: eleven digits, weighted sum (first digit less one) divisible by 89. */
function validAbn(value: string): boolean {
  if (!/^[0-9]{11}$/.test(value)) return false;
  const weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
  const d = digits(value);
  d[0] = d[0]! - 1;
  return d.reduce((s, x, i) => s + x * weights[i]!, 0) % 89 === 0;
}

/** Italian Codice Fiscale: 16 characters in the letters-and-digits layout of a person's code, or 11 digits. */
function validCodiceFiscale(value: string): boolean {
  if (value.length === 11) return isInteger(value);
  if (value.length !== 16) return false;
  const letters = (s: string) => /^[A-Za-z]*$/.test(s);
  return (
    letters(value.slice(0, 6)) &&
    isInteger(value.slice(6, 8)) &&
    letters(value.slice(8, 9)) &&
    isInteger(value.slice(9, 11)) &&
    isInteger(value.slice(14, 15)) &&
    letters(value.slice(15, 16))
  );
}

/** Italian VAT number: with prefix IT, 11 digits whose Luhn-like sum is divisible by 10; others pass. */
function validPartitaIva(value: string): boolean {
  const country = value.slice(0, 2);
  if (country !== 'IT' && country !== 'it') return true;
  const code = value.slice(2);
  if (code.length !== 11 || !/^\d+$/.test(code)) return false;
  const doubled = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
  const sum = digits(code).reduce((s, d, i) => s + (i % 2 === 1 ? doubled[d]! : d), 0);
  return sum % 10 === 0;
}

const COMMON_RULES: Record<string, CommonRule> = {
  '0088': {
    id: 'PEPPOL-COMMON-R040',
    valid: validGln,
    message: 'GLN must have a valid format according to GS1 rules',
  },
  '0192': {
    id: 'PEPPOL-COMMON-R041',
    valid: validMod11,
    message: 'Norwegian organization number MUST be stated in the correct format',
  },
  '0184': {
    id: 'PEPPOL-COMMON-R042',
    valid: (v) => /^DK[0-9]{8}$/.test(v) || /^[0-9]{8}$/.test(v),
    message: 'Danish organization number (CVR) MUST be stated in the correct format',
  },
  '0208': {
    id: 'PEPPOL-COMMON-R043',
    valid: validBelgian,
    message: 'Belgian enterprise number MUST be stated in the correct format',
  },
  '0201': {
    id: 'PEPPOL-COMMON-R044',
    warning: true,
    valid: (v) => /^[A-Za-z0-9]{6}$/.test(v),
    message: 'IPA Code (Codice Univoco Unità Organizzativa) must be stated in the correct format',
  },
  '0210': {
    id: 'PEPPOL-COMMON-R045',
    warning: true,
    valid: validCodiceFiscale,
    message: 'Tax Code (Codice Fiscale) must be stated in the correct format',
  },
  '9907': {
    id: 'PEPPOL-COMMON-R046',
    warning: true,
    endpointsOnly: true,
    valid: validCodiceFiscale,
    message: 'Tax Code (Codice Fiscale) must be stated in the correct format',
  },
  '0211': {
    id: 'PEPPOL-COMMON-R047',
    warning: true,
    valid: validPartitaIva,
    message: 'Italian VAT Code (Partita Iva) must be stated in the correct format',
  },
  '0007': {
    id: 'PEPPOL-COMMON-R049',
    valid: validSwedish,
    message: 'Swedish organization number MUST be stated in the correct format',
  },
  '0151': {
    id: 'PEPPOL-COMMON-R050',
    valid: validAbn,
    message: 'Australian Business Number (ABN) MUST be stated in the correct format',
  },
};

/** The identifiers with a scheme that PEPPOL checks: electronic addresses, party and legal identifiers. */
function schemedIdentifiers(
  invoice: CanonicalInvoice,
): Array<{ path: string; id: string; scheme: string; endpoint: boolean }> {
  const found: Array<{ path: string; id: string; scheme: string; endpoint: boolean }> = [];
  const add = (path: string, value: { id?: string; scheme?: string } | undefined, endpoint = false) => {
    if (value?.id !== undefined && value.scheme !== undefined)
      found.push({ path, id: value.id, scheme: value.scheme.trim(), endpoint });
  };
  add('/seller/endpoint', invoice.seller?.endpoint, true);
  add('/buyer/endpoint', invoice.buyer?.endpoint, true);
  (invoice.seller?.identifiers ?? []).forEach((id, i) => add(`/seller/identifiers/${i}`, id));
  add('/buyer/identifier', invoice.buyer?.identifier);
  add('/payee/identifier', invoice.payee?.identifier);
  add('/seller/legalRegistration', invoice.seller?.legalRegistration);
  add('/buyer/legalRegistration', invoice.buyer?.legalRegistration);
  add('/payee/legalRegistration', invoice.payee?.legalRegistration);
  return found;
}

/** The PEPPOL BIS 3 rules besides the arithmetic ones, for a document PEPPOL's rules apply to. */
export function checkPeppolRules(invoice: CanonicalInvoice): ProblemDetail[] {
  const problems: ProblemDetail[] = [];
  (invoice.lines ?? []).forEach((line, i) => {
    if (line.price?.baseQuantityUnit && line.unitCode && line.price.baseQuantityUnit !== line.unitCode) {
      problems.push({
        path: `/lines/${i}/price/baseQuantityUnit`,
        code: 'PEPPOL-EN16931-R130',
        message: 'BT-150 Base quantity unit must equal BT-130 invoiced quantity unit',
      });
    }
  });
  for (const { path, id, scheme, endpoint } of schemedIdentifiers(invoice)) {
    const rule = COMMON_RULES[scheme];
    if (!rule || (rule.endpointsOnly && !endpoint)) continue;
    // PEPPOL-COMMON-R042 reads the value as it is; the others with their spaces normalised.
    const value = rule.id === 'PEPPOL-COMMON-R042' ? id : id.trim().replace(/\s+/g, ' ');
    if (!rule.valid(value)) {
      problems.push({
        path: `${path}/id`,
        code: rule.id,
        message: `${rule.message} (scheme ${scheme}): "${id}"`,
        ...(rule.warning ? { severity: 'warning' as const } : {}),
      });
    }
  }
  return problems;
}

/** The ids of the PEPPOL rules the service implements. */
export const PEPPOL_RULE_IDS: readonly string[] = [
  'PEPPOL-EN16931-R040',
  'PEPPOL-EN16931-R041',
  'PEPPOL-EN16931-R042',
  'PEPPOL-EN16931-R046',
  'PEPPOL-EN16931-R120',
  'PEPPOL-EN16931-R121',
  'PEPPOL-EN16931-R130',
  ...new Set(Object.values(COMMON_RULES).map((r) => r.id)),
];

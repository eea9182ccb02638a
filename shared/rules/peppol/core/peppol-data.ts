import { PEPPOL_BIS3_SPECIFICATION } from '../../../model/rule-sets';

/** The tables and values PEPPOL BIS 3's own rules test against (3.0.19). */

/** What BT-24 must start with (PEPPOL-EN16931-R004). */
export const PEPPOL_SPECIFICATION = PEPPOL_BIS3_SPECIFICATION;

/**
 * The business process as PEPPOL's schematron reads it (`$profile`): BT-23 that contains
 * `urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0` (a regular expression without anchors, its dots matching
 * any character) gives its seventh `:`-separated part (`01`), possibly none; any other value gives 'Unknown'.
 */
const PROFILE_PATTERN = /urn:fdc:peppol.eu:2017:poacc:billing:([0-9]{2}):1.0/;

export function profileOf(businessProcess: string): string | undefined {
  if (!PROFILE_PATTERN.test(businessProcess)) return 'Unknown';
  return businessProcess.split(':')[6];
}

/** Payment means codes for direct debit, which need a mandate reference (PEPPOL-EN16931-R061). */
export const DIRECT_DEBIT_MEANS: ReadonlySet<string> = new Set(['49', '59']);

/** The invoice type codes (BT-3) of business process 01 in UBL's `cbc:InvoiceTypeCode` (P0100). */
export const PROFILE_01_INVOICE_TYPES: ReadonlySet<string> = new Set(
  '71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 393 395 553 575 623 780 817 870 875 876 877'.split(
    ' ',
  ),
);

/** The credit note type codes of business process 01 in UBL's `cbc:CreditNoteTypeCode` (P0101). */
export const PROFILE_01_CREDIT_NOTE_TYPES: ReadonlySet<string> = new Set('381 396 81 83 532'.split(' '));

/** The document type codes of business process 01 in CII's `ram:TypeCode`: both lists (P0100). */
export const PROFILE_01_CII_TYPES: ReadonlySet<string> = new Set([
  ...PROFILE_01_INVOICE_TYPES,
  ...PROFILE_01_CREDIT_NOTE_TYPES,
]);

/** Invoice type codes only German seller and buyer may use (P0112). */
export const GERMAN_ONLY_INVOICE_TYPES: ReadonlySet<string> = new Set(['326', '384']);

/** The VAT category each VATEX exemption reason code requires (P0104 … P0111). */
export const EXEMPTION_CATEGORIES: Readonly<Record<string, { rule: string; category: string }>> = {
  'VATEX-EU-G': { rule: 'PEPPOL-EN16931-P0104', category: 'G' },
  'VATEX-EU-O': { rule: 'PEPPOL-EN16931-P0105', category: 'O' },
  'VATEX-EU-IC': { rule: 'PEPPOL-EN16931-P0106', category: 'K' },
  'VATEX-EU-AE': { rule: 'PEPPOL-EN16931-P0107', category: 'AE' },
  'VATEX-EU-D': { rule: 'PEPPOL-EN16931-P0108', category: 'E' },
  'VATEX-EU-F': { rule: 'PEPPOL-EN16931-P0109', category: 'E' },
  'VATEX-EU-I': { rule: 'PEPPOL-EN16931-P0110', category: 'E' },
  'VATEX-EU-J': { rule: 'PEPPOL-EN16931-P0111', category: 'E' },
};

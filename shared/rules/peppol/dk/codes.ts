import { CREDIT_NOTE_TYPES } from '../../../model/type-codes';
/**
 * The code lists and fixed values of PEPPOL BIS Billing 3's Danish rules (DK-R-*), as the 3.0.19 schematron
 * states them. Data, read by `national-dk.ts`.
 */

/** DK-R-005: the payment means codes (UNTDID 4461, BT-81) a Danish supplier may use towards a Danish buyer. */
export const DK_PAYMENT_MEANS: ReadonlySet<string> = new Set([
  '1',
  '10',
  '31',
  '42',
  '48',
  '49',
  '50',
  '58',
  '59',
  '93',
  '97',
]);

/** DK-R-006: bank transfer codes that need the payee's account (BT-84) and its registration number (BT-86). */
export const DK_BANK_TRANSFER_MEANS: ReadonlySet<string> = new Set(['31', '42']);

/** DK-R-007: direct debit. */
export const DK_DIRECT_DEBIT_MEANS = '49';

/** DK-R-008, DK-R-009: Giro (girokort). */
export const DK_GIRO_MEANS = '50';

/** DK-R-010, DK-R-011: FIK (fælles indbetalingskort). */
export const DK_FIK_MEANS = '93';

/** DK-R-008: the card type prefixes (kortartkode) a Giro payment reference (BT-83) starts with. */
export const DK_GIRO_CARD_TYPES: ReadonlySet<string> = new Set(['01#', '04#', '15#']);

/** DK-R-009: the Giro card types whose reference carries a 16 digit instruction id (19 characters in all). */
export const DK_GIRO_WITH_INSTRUCTION: ReadonlySet<string> = new Set(['04#', '15#']);
export const DK_GIRO_REFERENCE_LENGTH = 19;

/** DK-R-010: the card type prefixes a FIK payment reference (BT-83) starts with. */
export const DK_FIK_CARD_TYPES: ReadonlySet<string> = new Set(['71#', '73#', '75#']);

/** DK-R-011: the FIK card types whose reference carries a 15 or 16 digit instruction id (18 or 19 characters). */
export const DK_FIK_WITH_INSTRUCTION: ReadonlySet<string> = new Set(['71#', '75#']);
export const DK_FIK_REFERENCE_LENGTHS: ReadonlySet<number> = new Set([18, 19]);

/** DK-R-008: a Giro account number (BT-84) is 7 or 8 digits. */
export const DK_GIRO_ACCOUNT = /^[0-9]{7,8}$/;

/** DK-R-010: a FIK creditor number (BT-84) is 8 characters long. */
export const DK_FIK_ACCOUNT_LENGTH = 8;

/** DK-R-003: UNSPSC (item classification scheme `TST`, BT-158-1) and the versions (BT-158-2) to use. */
export const DK_UNSPSC_SCHEME = 'TST';
export const DK_UNSPSC_VERSIONS: ReadonlySet<string> = new Set([
  '19.05.01',
  '19.0501',
  '26.08.01',
  '26.0801',
]);

/** DK-R-004: the reason code (UNTDID 5189 / 7161, BT-98 / BT-105) of an allowance or charge for a non-VAT tax. */
export const DK_NON_VAT_TAX_REASON_CODE = 'ZZZ';

/** DK-R-014: the scheme of the Danish CVR number (ISO 6523 ICD 0184), required on BT-30. */
export const DK_CVR_SCHEME = '0184';

/**
 * DK-R-016: the document type codes (UNTDID 1001, BT-3) of a credit note, those that UBL writes as a
 * `CreditNote` document.
 */
export const DK_CREDIT_NOTE_TYPES: ReadonlySet<string> = CREDIT_NOTE_TYPES;

/**
 * What EN 16931 requires of each VAT category, as its rules BR-x-01 … BR-x-10 state it: one row per
 * category, one column per rule number. The rules of `vat.ts` are built from this table; the official
 * artefacts word the same requirement the same way for the categories that share a value here.
 */

/**
 * BR-x-01, the VAT breakdown of a category that lines, allowances or charges use:
 * - `at-least-one`: one entry at least, and no entry without such a use (S, L, M);
 * - `exactly-one`: exactly one entry when the category appears anywhere, the breakdown included.
 */
export type BreakdownDemand = 'at-least-one' | 'exactly-one';

/**
 * BR-x-02 … 04, the seller's identifiers a use of the category needs:
 * - `tax-id`: the seller's VAT identifier (BT-31) or tax registration identifier (BT-32), or the tax
 *   representative's VAT identifier (BT-63);
 * - `vat-id`: BT-31 or BT-63;
 * - `no-vat-id`: none of BT-31, BT-63 and the buyer's BT-48 (not subject to VAT).
 */
export type SellerDemand = 'tax-id' | 'vat-id' | 'no-vat-id';

/** BR-x-02 … 04, the buyer's identifiers besides: BT-48 or BT-47 (reverse charge), BT-48 alone. */
export type BuyerDemand = 'vat-or-legal-id' | 'vat-id';

/** BR-x-05 … 07, the rate of a line, allowance or charge: above 0, 0, 0 or above, or none at all. */
export type RateDemand = 'positive' | 'zero' | 'not-negative' | 'none';

/**
 * BR-x-08, the taxable amount of a breakdown entry against the lines, charges and allowances of its
 * category:
 * - `per-rate, used`: those of its rate, within less than 1 either way, and some line, allowance or charge
 *   of the category has that rate (S);
 * - `per-rate`: those of its rate, within less than 1 either way, and the invoice has lines (L, M);
 * - `whole category`: all of the category whatever their rate, exactly, and the invoice has lines.
 */
export type TaxableDemand = 'per-rate, used' | 'per-rate' | 'whole category';

/** BR-x-09, the tax amount of a breakdown entry: its taxable amount × rate (within less than 1), or 0. */
export type TaxDemand = 'taxable × rate' | 'zero';

/** BR-x-10, the exemption reason (BT-120) and code (BT-121) of a breakdown entry. */
export type ExemptionDemand = 'forbidden' | 'required';

export interface VatCategoryRules {
  /** The VAT category code (UNTDID 5305), BT-95, BT-102, BT-118, BT-151. */
  readonly code: string;
  /** The family of its rules: `BR-S`, `BR-IC` for K, `BR-AF` for L, … */
  readonly prefix: string;
  /** Its name in the rules' messages. */
  readonly name: string;
  readonly breakdown: BreakdownDemand;
  readonly seller: SellerDemand;
  readonly buyer?: BuyerDemand;
  readonly rate: RateDemand;
  readonly taxable: TaxableDemand;
  readonly tax: TaxDemand;
  readonly exemption: ExemptionDemand;
}

export const VAT_CATEGORY_RULES: readonly VatCategoryRules[] = [
  {
    code: 'S',
    prefix: 'BR-S',
    name: 'standard rated',
    breakdown: 'at-least-one',
    seller: 'tax-id',
    rate: 'positive',
    taxable: 'per-rate, used',
    tax: 'taxable × rate',
    exemption: 'forbidden',
  },
  {
    code: 'Z',
    prefix: 'BR-Z',
    name: 'zero rated',
    breakdown: 'exactly-one',
    seller: 'tax-id',
    rate: 'zero',
    taxable: 'whole category',
    tax: 'zero',
    exemption: 'forbidden',
  },
  {
    code: 'E',
    prefix: 'BR-E',
    name: 'exempt from VAT',
    breakdown: 'exactly-one',
    seller: 'tax-id',
    rate: 'zero',
    taxable: 'whole category',
    tax: 'zero',
    exemption: 'required',
  },
  {
    code: 'AE',
    prefix: 'BR-AE',
    name: 'reverse charge',
    breakdown: 'exactly-one',
    seller: 'tax-id',
    buyer: 'vat-or-legal-id',
    rate: 'zero',
    taxable: 'whole category',
    tax: 'zero',
    exemption: 'required',
  },
  {
    code: 'K',
    prefix: 'BR-IC',
    name: 'intra-community supply',
    breakdown: 'exactly-one',
    seller: 'vat-id',
    buyer: 'vat-id',
    rate: 'zero',
    taxable: 'whole category',
    tax: 'zero',
    exemption: 'required',
  },
  {
    code: 'G',
    prefix: 'BR-G',
    name: 'export outside the EU',
    breakdown: 'exactly-one',
    seller: 'vat-id',
    rate: 'zero',
    taxable: 'whole category',
    tax: 'zero',
    exemption: 'required',
  },
  {
    code: 'O',
    prefix: 'BR-O',
    name: 'not subject to VAT',
    breakdown: 'exactly-one',
    seller: 'no-vat-id',
    rate: 'none',
    taxable: 'whole category',
    tax: 'zero',
    exemption: 'required',
  },
  {
    code: 'L',
    prefix: 'BR-AF',
    name: 'IGIC (Canary Islands)',
    breakdown: 'at-least-one',
    seller: 'tax-id',
    rate: 'not-negative',
    taxable: 'per-rate',
    tax: 'taxable × rate',
    exemption: 'forbidden',
  },
  {
    code: 'M',
    prefix: 'BR-AG',
    name: 'IPSI (Ceuta and Melilla)',
    breakdown: 'at-least-one',
    seller: 'tax-id',
    rate: 'not-negative',
    taxable: 'per-rate',
    tax: 'taxable × rate',
    exemption: 'forbidden',
  },
];

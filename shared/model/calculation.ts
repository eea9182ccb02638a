import type { ProblemDetail } from '../errors';
import { format, percent, round, type Decimal } from '../util/decimal';
import { cloneJson } from '../util/json';
import type { HeldInvoice } from '../rules/rule';
import {
  exact,
  exactSub,
  exactText,
  lineBase,
  roundFraction,
  toMoneyDecimal,
  type ExactDecimal,
} from './exact-decimal';
import type { CanonicalInvoice, VatBreakdown, VatCategoryCode } from './invoice';

/**
 * `fill`: compute what the client omitted (line net amounts, allowance and charge amounts from base and
 * percentage, the VAT breakdown, the document totals, the exemption reason a category implies).
 * `check`: the client is the calculator of record; what it omitted is still computed for the result, and
 * the figures EN 16931 makes mandatory are reported missing by the rules.
 */
export type CalculationMode = 'fill' | 'check';

export interface VatGroup {
  category: VatCategoryCode;
  rate?: Decimal;
  taxable: Decimal;
  tax: Decimal;
  exemptionReason?: string;
  exemptionReasonCode?: string;
}

export interface ComputedTotals {
  lineNet: Decimal[];
  lineNetPrice: Decimal[];
  allowances: Decimal[];
  charges: Decimal[];
  breakdown: VatGroup[];
  lineExtension: Decimal;
  allowanceTotal: Decimal;
  chargeTotal: Decimal;
  taxExclusive: Decimal;
  vat: Decimal;
  taxInclusive: Decimal;
  prepaid: Decimal;
  rounding: Decimal;
  payable: Decimal;
}

export interface CalculationOptions {
  /** Complete the invoice in place instead of a copy (the caller owns it). */
  inPlace?: boolean;
}

export interface CalculationResult {
  /** The invoice with every computed figure filled in (amounts as 2-decimal strings). */
  invoice: CanonicalInvoice;
  totals: ComputedTotals;
  /**
   * What the calculation met that it could not complete: a line without any price (BR-26), allowances and
   * charges without a reason (BR-33, BR-38, BR-42, BR-44), and in `check` mode a missing line net amount
   * (BR-24), VAT breakdown (BR-CO-18) or breakdown entry (BR-x-01). The `en16931-core` and `en16931-vat`
   * modules make these checks too; they stay here while callers still take them from the calculation.
   * How the figures add up is judged by the rule modules alone (`en16931-arithmetic`, `en16931-vat`,
   * `peppol-arithmetic`), on the document as sent or as completed here.
   */
  problems: ProblemDetail[];
}

/** The rule family of each VAT category in EN 16931 (BR-S-xx, BR-IC-xx for intra-community supply, …). */
export const CATEGORY_RULES: Record<VatCategoryCode, string> = {
  S: 'BR-S',
  Z: 'BR-Z',
  E: 'BR-E',
  AE: 'BR-AE',
  K: 'BR-IC',
  G: 'BR-G',
  O: 'BR-O',
  L: 'BR-AF',
  M: 'BR-AG',
  B: 'BR-B',
};

/** Exemption reasons filled in when the client gives none, where the category says it unambiguously. */
const DEFAULT_EXEMPTION: Partial<Record<VatCategoryCode, { code: string; text: string }>> = {
  AE: { code: 'VATEX-EU-AE', text: 'Reverse charge' },
  K: { code: 'VATEX-EU-IC', text: 'Intra-community supply' },
  G: { code: 'VATEX-EU-G', text: 'Export outside the EU' },
  O: { code: 'VATEX-EU-O', text: 'Not subject to VAT' },
};

/** One cent in the money arithmetic (8 places). */
const CENT = 1_000_000n;

/**
 * An amount as two-decimal text (`format(value, 2)`). The figures written are already rounded to cents, and
 * for those the text is made without rounding again.
 */
const money = (value: Decimal): string => {
  if (value % CENT !== 0n) return format(value, 2);
  const negative = value < 0n;
  const cents = ((negative ? -value : value) / CENT).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${cents.slice(0, -2)}.${cents.slice(-2)}`;
};

/** A figure whose value may not be known (absent where it is needed, or not a decimal). */
type Known = Decimal | undefined;

/** The exact value of a decimal the document holds; undefined when it holds none or not one. */
const exactOf = (value: unknown): ExactDecimal | undefined =>
  typeof value === 'string' || typeof value === 'number' ? exact(value) : undefined;

/** A decimal the document holds, in the money arithmetic (8 places); undefined when it holds none or not one. */
const valueOf = (value: unknown): Known => {
  const parsed = exactOf(value);
  return parsed === undefined ? undefined : toMoneyDecimal(parsed);
};

/** The sum, when every value is known. */
function sumOf(values: readonly Known[]): Known {
  let sum = 0n;
  for (const value of values) {
    if (value === undefined) return undefined;
    sum += value;
  }
  return sum;
}

/** A figure the client sent (its value), or the computed one written into the invoice in its place. */
function settle(sent: unknown, computed: Known, write: (text: string) => void): Known {
  if (sent !== undefined && sent !== null) return valueOf(sent);
  if (computed !== undefined) write(money(computed));
  return computed;
}

/** The key of a VAT group, by category and rate (none for category O); undefined for a rate that is not one. */
function groupKey(category: string, rate: unknown): string | undefined {
  if (category === 'O' || rate === undefined || rate === null) return `${category}:`;
  const value = rateKey(rate);
  return value === undefined ? undefined : `${category}:${value}`;
}

/** Rates as group keys show them, kept: a document has a few rates, each on many lines. */
const rateKeys = new Map<unknown, string | undefined>();

/** A rate as its group key shows it (the shortest text of its value); undefined for one that is not a rate. */
function rateKey(rate: unknown): string | undefined {
  if (typeof rate !== 'string' || rate.length > 24) {
    const value = valueOf(rate);
    return value === undefined ? undefined : format(value);
  }
  if (rateKeys.has(rate)) return rateKeys.get(rate);
  const value = valueOf(rate);
  const key = value === undefined ? undefined : format(value);
  if (rateKeys.size >= 256) rateKeys.clear();
  rateKeys.set(rate, key);
  return key;
}

interface Group {
  category: VatCategoryCode;
  rate?: Decimal;
  taxable: Known;
}

type AmountEntry = { amount?: unknown; baseAmount?: unknown; percentage?: unknown };

/**
 * Completes an invoice's figures with EN 16931 rounding (two decimals, half away from zero, at line net
 * amount, allowance/charge amount and VAT category tax amount). A figure the client sent is kept, and the
 * figures computed from it use it as sent: a sum that does not add up is the finding of the rule it breaks
 * (the rule modules judge the figures), not corrected here. A partial document (not yet schema-valid) is
 * completed as far as its figures allow: what depends on a missing or malformed figure is left out.
 */
export function calculate(
  source: CanonicalInvoice,
  mode: CalculationMode = 'fill',
  options: CalculationOptions = {},
): CalculationResult {
  // In place only for a caller that owns the document (it was just parsed); others keep theirs unchanged.
  const invoice = options.inPlace === true ? source : cloneJson(source);
  // Read as the rules read it: any member may be missing.
  const doc = invoice as HeldInvoice;
  const problems: ProblemDetail[] = [];
  const problem = (path: string, code: string, message: string) => problems.push({ path, code, message });

  /** An allowance or charge amount: as sent, or base amount × percentage / 100 when it is left out. */
  const amountOf = (entry: AmountEntry | undefined): Known => {
    if (!entry) return 0n;
    if (entry.amount === undefined) {
      const base = valueOf(entry.baseAmount);
      const percentage = valueOf(entry.percentage);
      if (base !== undefined && percentage !== undefined)
        entry.amount = money(round(percent(base, percentage), 2));
    }
    // without an amount, nothing to add (BR-31, BR-36, BR-41, BR-43 report it)
    return entry.amount === undefined ? 0n : valueOf(entry.amount);
  };
  const reasonless = (entry: { reason?: string; reasonCode?: string } | undefined) =>
    !!entry && !entry.reason && !entry.reasonCode;

  // Lines: net price, line allowances and charges, line net amount (BT-131).
  const lineNet: Known[] = [];
  const lineNetPrice: Decimal[] = [];
  const lines = doc.lines ?? [];
  lines.forEach((line, i) => {
    const at = `/lines/${i}`;
    const price = line?.price;
    // Prices and quantities as written, however many decimals they have (EN 16931 sets no maximum).
    let net = exactOf(price?.net);
    if (price && price.net === undefined && price.gross !== undefined) {
      const gross = exactOf(price.gross);
      const discount = price.discount === undefined ? { units: 0n, scale: 0 } : exactOf(price.discount);
      if (gross && discount) {
        net = exactSub(gross, discount);
        price.net = exactText(net);
      }
    }
    if (line && price?.net === undefined && price?.gross === undefined) {
      problem(`${at}/price/net`, 'BR-26', 'BT-146 Item net price is required');
    }
    lineNetPrice.push(net ? toMoneyDecimal(net) : 0n);
    const allowances = (line?.allowances ?? []).map(amountOf);
    const charges = (line?.charges ?? []).map(amountOf);
    (line?.allowances ?? []).forEach((a, j) => {
      if (reasonless(a))
        problem(
          `${at}/allowances/${j}`,
          'BR-42',
          'Each invoice line allowance needs a reason (BT-139) or a reason code (BT-140)',
        );
    });
    (line?.charges ?? []).forEach((c, j) => {
      if (reasonless(c))
        problem(
          `${at}/charges/${j}`,
          'BR-44',
          'Each invoice line charge needs a reason (BT-144) or a reason code (BT-145)',
        );
    });
    if (line && line.netAmount === undefined && mode === 'check') {
      problem(`${at}/netAmount`, 'BR-24', 'BT-131 Invoice line net amount is required');
    }
    // Quantity × net price ÷ base quantity (0 counts as 1), exactly; the line's charges and allowances, each
    // sum rounded to two decimals.
    const quantity = exactOf(line?.quantity);
    const baseQuantity = exactOf(price?.baseQuantity);
    const chargeSum = sumOf(charges);
    const allowanceSum = sumOf(allowances);
    const computed =
      quantity &&
      net &&
      (price?.baseQuantity === undefined || baseQuantity) &&
      chargeSum !== undefined &&
      allowanceSum !== undefined
        ? roundFraction(
            lineBase(quantity, net, baseQuantity),
            // most lines have neither: nothing to round
            chargeSum === 0n && allowanceSum === 0n ? 0n : round(chargeSum, 2) - round(allowanceSum, 2),
            2,
          )
        : undefined;
    lineNet.push(line ? settle(line.netAmount, computed, (t) => (line.netAmount = t)) : undefined);
  });

  // Document level allowances (BG-20) and charges (BG-21).
  const documentLevel = (kind: 'allowances' | 'charges') =>
    (doc[kind] ?? []).map((entry, j) => {
      if (reasonless(entry)) {
        const isAllowance = kind === 'allowances';
        problem(
          `/${kind}/${j}`,
          isAllowance ? 'BR-33' : 'BR-38',
          `Each document level ${isAllowance ? 'allowance' : 'charge'} needs a reason or a reason code`,
        );
      }
      return amountOf(entry);
    });
  const allowances = documentLevel('allowances');
  const charges = documentLevel('charges');

  // VAT breakdown (BG-23): one group per category and rate, from lines, allowances and charges. A use
  // without a category or with a rate that is not a decimal, or a group whose taxable amount is not known,
  // leaves the breakdown incomplete (no VAT total is computed from it).
  const groups = new Map<string, Group>();
  let breakdownKnown = true;
  const addTo = (category: string | undefined, rate: unknown, amount: Known) => {
    const key = category === undefined ? undefined : groupKey(category, rate);
    if (category === undefined || key === undefined) {
      breakdownKnown = false;
      return;
    }
    let group = groups.get(key);
    if (!group) {
      const value = category === 'O' ? undefined : valueOf(rate);
      group = {
        category: category as VatCategoryCode,
        ...(value === undefined ? {} : { rate: value }),
        taxable: 0n,
      };
      groups.set(key, group);
    }
    group.taxable = group.taxable === undefined || amount === undefined ? undefined : group.taxable + amount;
  };
  lines.forEach((line, i) => addTo(line?.vat?.category, line?.vat?.rate, lineNet[i]));
  (doc.charges ?? []).forEach((c, j) => addTo(c?.vatCategory, c?.vatRate, charges[j]));
  (doc.allowances ?? []).forEach((a, j) => {
    const amount = allowances[j];
    addTo(a?.vatCategory, a?.vatRate, amount === undefined ? undefined : -amount);
  });

  const sentBreakdown = doc.vatBreakdown ?? [];
  if (mode === 'check' && sentBreakdown.length === 0) {
    problem('/vatBreakdown', 'BR-CO-18', 'The VAT breakdown (BG-23) is required: at least one entry');
  }
  // The document's entries in its own order, each completed from its group (the first of a category and
  // rate; an entry that matches no line, allowance or charge is kept as sent); groups it did not state follow.
  const breakdown: VatGroup[] = [];
  const stated = new Set<string>();
  const complete = (entry: NonNullable<HeldInvoice['vatBreakdown']>[number], group: Group) => {
    const taxable = settle(
      entry.taxableAmount,
      group.taxable === undefined ? undefined : round(group.taxable, 2),
      (t) => (entry.taxableAmount = t),
    );
    const tax = settle(
      entry.taxAmount,
      taxable === undefined ? undefined : round(percent(taxable, group.rate ?? 0n), 2),
      (t) => (entry.taxAmount = t),
    );
    const fallback = DEFAULT_EXEMPTION[group.category];
    if (mode === 'fill' && fallback && !entry.exemptionReason && !entry.exemptionReasonCode) {
      entry.exemptionReason = fallback.text;
      entry.exemptionReasonCode = fallback.code;
    }
    breakdown.push({
      category: group.category,
      ...(group.rate === undefined ? {} : { rate: group.rate }),
      taxable: taxable ?? 0n,
      tax: tax ?? 0n,
      ...(entry.exemptionReason ? { exemptionReason: entry.exemptionReason } : {}),
      ...(entry.exemptionReasonCode ? { exemptionReasonCode: entry.exemptionReasonCode } : {}),
    });
  };
  sentBreakdown.forEach((entry, index) => {
    const key = entry?.category === undefined ? undefined : groupKey(entry.category, entry.rate);
    if (!entry || key === undefined) return;
    const group = groups.get(key);
    if (stated.has(key)) {
      problem(
        `/vatBreakdown/${index}`,
        'BR-CO-18',
        `VAT breakdown has ${entry.category} ${String(entry.rate ?? '')} twice`,
      );
    } else if (group) complete(entry, group);
    stated.add(key);
  });
  const filledBreakdown = [...sentBreakdown];
  if (breakdownKnown) {
    for (const [key, group] of groups) {
      if (stated.has(key)) continue;
      if (mode === 'check') {
        problem(
          '/vatBreakdown',
          `${CATEGORY_RULES[group.category]}-01`,
          `The VAT breakdown has no entry for category ${group.category}${group.rate === undefined ? '' : ` at ${format(group.rate)} %`}, which lines, allowances or charges use`,
        );
      }
      // a group whose taxable amount is not known (a partial document) is left for the client to state
      if (group.taxable === undefined) {
        breakdownKnown = false;
        continue;
      }
      const entry: VatBreakdown = {
        category: group.category,
        ...(group.rate === undefined ? {} : { rate: format(group.rate) }),
      };
      complete(entry, group);
      filledBreakdown.push(entry);
    }
  }
  if (filledBreakdown.length > 0) doc.vatBreakdown = filledBreakdown;

  // Document totals (BG-22), each from the figures the document states.
  const totals = (doc.totals ??= {});
  const rounded = (value: Known) => (value === undefined ? undefined : round(value, 2));
  const lineExtension = settle(
    totals.lineExtension,
    rounded(sumOf(lineNet)),
    (t) => (totals.lineExtension = t),
  );
  const allowanceTotal =
    allowances.length > 0 || totals.allowances !== undefined
      ? settle(totals.allowances, rounded(sumOf(allowances)), (t) => (totals.allowances = t))
      : 0n;
  const chargeTotal =
    charges.length > 0 || totals.charges !== undefined
      ? settle(totals.charges, rounded(sumOf(charges)), (t) => (totals.charges = t))
      : 0n;
  const taxExclusive = settle(
    totals.taxExclusive,
    lineExtension === undefined || allowanceTotal === undefined || chargeTotal === undefined
      ? undefined
      : round(lineExtension - allowanceTotal + chargeTotal, 2),
    (t) => (totals.taxExclusive = t),
  );
  // the sum of the breakdown's tax amounts, once every line, allowance and charge is in it
  const taxes = filledBreakdown.map((entry) =>
    entry?.taxAmount === undefined ? undefined : valueOf(entry.taxAmount),
  );
  const vat = settle(totals.vat, breakdownKnown ? rounded(sumOf(taxes)) : undefined, (t) => (totals.vat = t));
  const taxInclusive = settle(
    totals.taxInclusive,
    taxExclusive === undefined || vat === undefined ? undefined : round(taxExclusive + vat, 2),
    (t) => (totals.taxInclusive = t),
  );
  const prepaid = totals.prepaid === undefined ? 0n : valueOf(totals.prepaid);
  const rounding = totals.rounding === undefined ? 0n : valueOf(totals.rounding);
  const payable = settle(
    totals.payable,
    taxInclusive === undefined || prepaid === undefined || rounding === undefined
      ? undefined
      : round(taxInclusive - prepaid + rounding, 2),
    (t) => (totals.payable = t),
  );

  // Figures not known (a partial document) count as 0 here.
  const zero = (value: Known) => value ?? 0n;
  return {
    invoice,
    totals: {
      lineNet: lineNet.map(zero),
      lineNetPrice,
      allowances: allowances.map(zero),
      charges: charges.map(zero),
      breakdown,
      lineExtension: zero(lineExtension),
      allowanceTotal: zero(allowanceTotal),
      chargeTotal: zero(chargeTotal),
      taxExclusive: zero(taxExclusive),
      vat: zero(vat),
      taxInclusive: zero(taxInclusive),
      prepaid: zero(prepaid),
      rounding: zero(rounding),
      payable: zero(payable),
    },
    problems,
  };
}

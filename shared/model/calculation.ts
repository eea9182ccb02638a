import type { ProblemDetail } from '../errors';
import { add, format, percent, round, type Decimal } from '../util/decimal';
import { cloneJson } from '../util/json';
import {
  decimalOf as dec,
  exact,
  exactSub,
  exactText,
  lineBase,
  roundFraction,
  type ExactDecimal,
} from './exact-decimal';
import type {
  AllowanceCharge,
  CanonicalInvoice,
  InvoiceLine,
  VatBreakdown,
  VatCategoryCode,
} from './invoice';

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
  /**
   * No longer read: PEPPOL BIS 3's calculation rules are the `peppol-arithmetic` rule module's. Accepted
   * until the callers stop passing it.
   */
  peppol?: boolean;
}

export interface CalculationResult {
  /** The invoice with every computed figure filled in (amounts as 2-decimal strings). */
  invoice: CanonicalInvoice;
  totals: ComputedTotals;
  /**
   * What the calculation could not complete, for the checks the rule modules do not make yet: a line
   * without any price (BR-26), allowances and charges without a reason (BR-33, BR-38, BR-42, BR-44), and in
   * `check` mode a missing line net amount (BR-24), VAT breakdown (BR-CO-18) or breakdown entry (BR-x-01).
   * How the figures add up is judged by the rule modules (`en16931-arithmetic`, `en16931-vat`,
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

const money = (value: Decimal): string => format(value, 2);

/** The key of a VAT group: category and rate (none for category O, which has no rate). */
const groupKey = (category: string, rate: string | number | undefined): string =>
  `${category}:${category === 'O' || rate === undefined ? '' : format(dec(rate))}`;

/** A figure the client sent, or the computed one written into the invoice in its place. */
function settle(
  sent: string | number | undefined,
  computed: Decimal,
  write: (text: string) => void,
): Decimal {
  if (sent !== undefined) return dec(sent);
  write(money(computed));
  return computed;
}

/**
 * Completes an invoice's figures with EN 16931 rounding (two decimals, half away from zero, at line net
 * amount, allowance/charge amount and VAT category tax amount). A figure the client sent is kept, and the
 * figures computed from it use it as sent: a sum that does not add up is the finding of the rule it breaks
 * (the rule modules judge the figures), not corrected here. Expects a schema-valid invoice.
 */
export function calculate(
  source: CanonicalInvoice,
  mode: CalculationMode = 'fill',
  options: CalculationOptions = {},
): CalculationResult {
  // In place only for a caller that owns the document (it was just parsed); others keep theirs unchanged.
  const invoice = options.inPlace === true ? source : cloneJson(source);
  const problems: ProblemDetail[] = [];
  const problem = (path: string, code: string, message: string) => problems.push({ path, code, message });

  /** An allowance or charge amount: as sent, or base amount × percentage / 100 when it is left out. */
  const amountOf = (entry: {
    amount?: string | number;
    baseAmount?: string | number;
    percentage?: string | number;
  }) => {
    if (entry.amount === undefined && entry.baseAmount !== undefined && entry.percentage !== undefined) {
      entry.amount = money(round(percent(dec(entry.baseAmount), dec(entry.percentage)), 2));
    }
    // without an amount, nothing to add (BR-31, BR-36, BR-41, BR-43 report it)
    return entry.amount === undefined ? 0n : dec(entry.amount);
  };

  // Lines: net price, line allowances and charges, line net amount (BT-131).
  const lineNet: Decimal[] = [];
  const lineNetPrice: Decimal[] = [];
  invoice.lines.forEach((line: InvoiceLine, i) => {
    const at = `/lines/${i}`;
    const price = line.price;
    // Prices and quantities as written, however many decimals they have (EN 16931 sets no maximum).
    let net: ExactDecimal;
    if (price.net !== undefined) net = exact(price.net)!;
    else if (price.gross !== undefined) {
      const gross = exact(price.gross)!;
      net = price.discount === undefined ? gross : exactSub(gross, exact(price.discount)!);
      price.net = exactText(net);
    } else {
      problem(`${at}/price/net`, 'BR-26', 'BT-146 Item net price is required');
      net = { units: 0n, scale: 0 };
    }
    lineNetPrice.push(dec(exactText(net)));
    const allowances = (line.allowances ?? []).map(amountOf);
    const charges = (line.charges ?? []).map(amountOf);
    (line.allowances ?? []).forEach((a, j) => {
      if (!a.reason && !a.reasonCode)
        problem(
          `${at}/allowances/${j}`,
          'BR-42',
          'Each invoice line allowance needs a reason (BT-139) or a reason code (BT-140)',
        );
    });
    (line.charges ?? []).forEach((c, j) => {
      if (!c.reason && !c.reasonCode)
        problem(
          `${at}/charges/${j}`,
          'BR-44',
          'Each invoice line charge needs a reason (BT-144) or a reason code (BT-145)',
        );
    });
    if (line.netAmount === undefined && mode === 'check') {
      problem(`${at}/netAmount`, 'BR-24', 'BT-131 Invoice line net amount is required');
    }
    // Quantity × net price ÷ base quantity (0 counts as 1), exactly; the line's charges and allowances, each
    // sum rounded to two decimals.
    const baseQuantity = price.baseQuantity === undefined ? undefined : exact(price.baseQuantity)!;
    const base = lineBase(exact(line.quantity)!, net, baseQuantity);
    const adjustments = round(add(...charges), 2) - round(add(...allowances), 2);
    lineNet.push(settle(line.netAmount, roundFraction(base, adjustments, 2), (t) => (line.netAmount = t)));
  });

  // Document level allowances (BG-20) and charges (BG-21).
  const documentLevel = (entries: AllowanceCharge[] | undefined, kind: 'allowances' | 'charges') =>
    (entries ?? []).map((entry, j) => {
      if (!entry.reason && !entry.reasonCode) {
        const isAllowance = kind === 'allowances';
        problem(
          `/${kind}/${j}`,
          isAllowance ? 'BR-33' : 'BR-38',
          `Each document level ${isAllowance ? 'allowance' : 'charge'} needs a reason or a reason code`,
        );
      }
      return amountOf(entry);
    });
  const allowances = documentLevel(invoice.allowances, 'allowances');
  const charges = documentLevel(invoice.charges, 'charges');

  // VAT breakdown (BG-23): one group per category and rate, from lines, allowances and charges.
  const groups = new Map<string, VatGroup>();
  const addTo = (category: VatCategoryCode, rate: string | number | undefined, amount: Decimal) => {
    const key = groupKey(category, rate);
    const group = groups.get(key) ?? {
      category,
      ...(category === 'O' || rate === undefined ? {} : { rate: dec(rate) }),
      taxable: 0n,
      tax: 0n,
    };
    group.taxable += amount;
    groups.set(key, group);
  };
  invoice.lines.forEach((line, i) => addTo(line.vat.category, line.vat.rate, lineNet[i]!));
  (invoice.charges ?? []).forEach((c, j) => addTo(c.vatCategory, c.vatRate, charges[j]!));
  (invoice.allowances ?? []).forEach((a, j) => addTo(a.vatCategory, a.vatRate, -allowances[j]!));

  const sentBreakdown = invoice.vatBreakdown ?? [];
  if (mode === 'check' && sentBreakdown.length === 0) {
    problem('/vatBreakdown', 'BR-CO-18', 'The VAT breakdown (BG-23) is required: at least one entry');
  }
  // The document's entries in its own order, each completed from its group (the first of a category and
  // rate; an entry that matches no line, allowance or charge is kept as sent); groups it did not state follow.
  const breakdown: VatGroup[] = [];
  const stated = new Set<string>();
  const complete = (entry: VatBreakdown, group: VatGroup) => {
    const taxable = settle(entry.taxableAmount, round(group.taxable, 2), (t) => (entry.taxableAmount = t));
    const tax = settle(
      entry.taxAmount,
      round(percent(taxable, group.rate ?? 0n), 2),
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
      taxable,
      tax,
      ...(entry.exemptionReason ? { exemptionReason: entry.exemptionReason } : {}),
      ...(entry.exemptionReasonCode ? { exemptionReasonCode: entry.exemptionReasonCode } : {}),
    });
  };
  sentBreakdown.forEach((entry, index) => {
    const key = groupKey(entry.category, entry.rate);
    const group = groups.get(key);
    if (stated.has(key)) {
      problem(
        `/vatBreakdown/${index}`,
        'BR-CO-18',
        `VAT breakdown has ${entry.category} ${entry.rate ?? ''} twice`,
      );
    } else if (group) complete(entry, group);
    stated.add(key);
  });
  const filledBreakdown: VatBreakdown[] = [...sentBreakdown];
  for (const [key, group] of groups) {
    if (stated.has(key)) continue;
    if (mode === 'check') {
      problem(
        '/vatBreakdown',
        `${CATEGORY_RULES[group.category]}-01`,
        `The VAT breakdown has no entry for category ${group.category}${group.rate === undefined ? '' : ` at ${format(group.rate)} %`}, which lines, allowances or charges use`,
      );
    }
    const entry: VatBreakdown = {
      category: group.category,
      ...(group.rate === undefined ? {} : { rate: format(group.rate) }),
    };
    complete(entry, group);
    filledBreakdown.push(entry);
  }
  invoice.vatBreakdown = filledBreakdown;

  // Document totals (BG-22), each from the figures the document states.
  const totals = (invoice.totals ??= {});
  const lineExtension = settle(
    totals.lineExtension,
    round(add(...lineNet), 2),
    (t) => (totals.lineExtension = t),
  );
  const allowanceTotal =
    invoice.allowances?.length || totals.allowances !== undefined
      ? settle(totals.allowances, round(add(...allowances), 2), (t) => (totals.allowances = t))
      : 0n;
  const chargeTotal =
    invoice.charges?.length || totals.charges !== undefined
      ? settle(totals.charges, round(add(...charges), 2), (t) => (totals.charges = t))
      : 0n;
  const taxExclusive = settle(
    totals.taxExclusive,
    round(lineExtension - allowanceTotal + chargeTotal, 2),
    (t) => (totals.taxExclusive = t),
  );
  const taxes = filledBreakdown.map((entry) => (entry.taxAmount === undefined ? 0n : dec(entry.taxAmount)));
  const vat = settle(totals.vat, round(add(...taxes), 2), (t) => (totals.vat = t));
  const taxInclusive = settle(
    totals.taxInclusive,
    round(taxExclusive + vat, 2),
    (t) => (totals.taxInclusive = t),
  );
  const prepaid = totals.prepaid === undefined ? 0n : dec(totals.prepaid);
  const rounding = totals.rounding === undefined ? 0n : dec(totals.rounding);
  const payable = settle(
    totals.payable,
    round(taxInclusive - prepaid + rounding, 2),
    (t) => (totals.payable = t),
  );

  return {
    invoice,
    totals: {
      lineNet,
      lineNetPrice,
      allowances,
      charges,
      breakdown,
      lineExtension,
      allowanceTotal,
      chargeTotal,
      taxExclusive,
      vat,
      taxInclusive,
      prepaid,
      rounding,
      payable,
    },
    problems,
  };
}

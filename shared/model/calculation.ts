import type { ProblemDetail } from '../errors';
import { add, decimalPlaces, format, percent, round, type Decimal } from '../util/decimal';
import { cloneJson } from '../util/json';
import {
  decimalOf as dec,
  exact,
  exactCompare,
  exactSub,
  exactText,
  lineBase,
  roundFraction,
  withinSlack,
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
 * percentage, the VAT breakdown, the document totals) and check what it sent.
 * `check`: the client is the calculator of record: the figures EN 16931 makes mandatory must be sent, and
 * every figure is checked.
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
   * Apply PEPPOL BIS 3's arithmetic rules (PEPPOL-EN16931-R040, R041, R042, R046, R120, R121) besides
   * EN 16931's: for a PEPPOL BIS 3 document, or one that is to become one.
   */
  peppol?: boolean;
}

/** PEPPOL's tolerance on line net amounts (R120) and allowance or charge amounts (R040). */
const PEPPOL_SLACK = dec('0.02');
/** EN 16931's tolerance where its rules allow one (BR-CO-17, BR-S-08/09, BR-AF-08/09, BR-AG-08/09). */
const ONE = dec('1');
/** The categories whose taxable and tax amounts EN 16931 checks within one unit (rates other than zero). */
const TOLERANT_CATEGORIES: ReadonlySet<VatCategoryCode> = new Set(['S', 'L', 'M']);
/** The categories whose tax amount is zero (BR-x-09). */
const ZERO_TAX_CATEGORIES: ReadonlySet<VatCategoryCode> = new Set(['Z', 'E', 'AE', 'K', 'G', 'O']);

export interface CalculationResult {
  /** The invoice with every computed figure filled in (amounts as 2-decimal strings). */
  invoice: CanonicalInvoice;
  totals: ComputedTotals;
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
const abs = (value: Decimal): Decimal => (value < 0n ? -value : value);
const UNIT = 1_00000000n;
/** XPath's round(): to the nearest whole number, halves towards positive infinity. */
function xpathRound(value: Decimal): bigint {
  const shifted = value + UNIT / 2n;
  const quotient = shifted / UNIT;
  return shifted < 0n && quotient * UNIT !== shifted ? quotient - 1n : quotient;
}
const groupKey = (category: string, rate: Decimal | undefined): string =>
  `${category}:${rate === undefined ? '' : format(rate)}`;

/**
 * Computes and checks an invoice's figures with EN 16931 rounding (two decimals, half away from zero, at
 * line net amount, allowance/charge amount and VAT category tax amount), naming the business rule a
 * mismatch breaks, each as the official rule checks it (with its tolerance, where it has one). PEPPOL BIS 3's
 * line and allowance rules only with `peppol`. Expects a schema-valid invoice.
 */
export function calculate(
  source: CanonicalInvoice,
  mode: CalculationMode = 'fill',
  options: CalculationOptions = {},
): CalculationResult {
  const peppol = options.peppol === true;
  // In place only for a caller that owns the document (it was just parsed); others keep theirs unchanged.
  const invoice = options.inPlace === true ? source : cloneJson(source);
  const problems: ProblemDetail[] = [];
  const problem = (path: string, code: string, message: string) => problems.push({ path, code, message });

  /** Amounts may carry at most two decimals (BR-DEC-xx). */
  const amountText = (value: string | number | undefined, path: string, term: string, rule: string) => {
    if (value !== undefined && decimalPlaces(value) > 2) {
      problem(path, rule, `${term} may have at most 2 decimals, got ${String(value)}`);
    }
  };

  /**
   * The figure the document states: the sent one (checked against `expected`) or, when absent, the computed
   * one. Downstream sums use the document's figures, as the rules relate the figures in the document.
   */
  const settle = (
    sent: string | number | undefined,
    expected: Decimal,
    at: {
      path: string;
      term: string;
      rule: string;
      decRule: string;
      requiredRule?: string;
      label: string;
      /** Whether the sent figure is what the rule accepts (default: equal to the expected one, rounded). */
      accepts?: (value: Decimal) => boolean;
      /** The expected figure as the message gives it. */
      expectedText?: string;
    },
    write: (text: string) => void,
  ): Decimal => {
    if (sent === undefined) {
      if (mode === 'check' && at.requiredRule) {
        problem(at.path, at.requiredRule, `${at.term} ${at.label} is required (expected ${money(expected)})`);
      }
      write(money(expected));
      return expected;
    }
    amountText(sent, at.path, at.term, at.decRule);
    const value = dec(sent);
    if (at.rule && !(at.accepts ?? ((v: Decimal) => v === expected))(value)) {
      problem(
        at.path,
        at.rule,
        `${at.term} ${at.label}: sent ${String(sent)}, expected ${at.expectedText ?? money(expected)}`,
      );
    }
    return value;
  };

  /**
   * An allowance or charge amount, from base × percentage when omitted; PEPPOL's rules on the three
   * (PEPPOL-EN16931-R040..R042) with `peppol`.
   */
  const allowanceAmount = (
    entry: { amount?: string | number; baseAmount?: string | number; percentage?: string | number },
    path: string,
    terms: { amount: string; base: string; percentage: string; requiredRule: string },
  ): Decimal => {
    if (peppol && entry.percentage !== undefined && entry.baseAmount === undefined) {
      problem(
        `${path}/baseAmount`,
        'PEPPOL-EN16931-R041',
        `${terms.base} is required with ${terms.percentage}`,
      );
    }
    if (peppol && entry.baseAmount !== undefined && entry.percentage === undefined) {
      problem(
        `${path}/percentage`,
        'PEPPOL-EN16931-R042',
        `${terms.percentage} is required with ${terms.base}`,
      );
    }
    if (entry.baseAmount !== undefined && entry.percentage !== undefined) {
      const product = percent(dec(entry.baseAmount), dec(entry.percentage));
      const expected = round(product, 2);
      if (entry.amount === undefined) {
        entry.amount = money(expected);
        return expected;
      }
      // PEPPOL-EN16931-R040: within 0.02 of base × percentage / 100 (not rounded)
      const difference = dec(entry.amount) - product;
      if (peppol && (difference < 0n ? -difference : difference) > PEPPOL_SLACK) {
        problem(
          `${path}/amount`,
          'PEPPOL-EN16931-R040',
          `${terms.amount}: sent ${String(entry.amount)}, expected ${format(product)} ± 0.02 (${terms.base} × ${terms.percentage} / 100)`,
        );
      }
    }
    if (entry.amount === undefined) {
      problem(`${path}/amount`, terms.requiredRule, `${terms.amount} is required`);
      return 0n;
    }
    return dec(entry.amount);
  };

  // Lines: net price, line allowances and charges, line net amount (BT-131).
  const lineNet: Decimal[] = [];
  const lineNetPrice: Decimal[] = [];
  invoice.lines.forEach((line: InvoiceLine, i) => {
    const at = `/lines/${i}`;
    const price = line.price;
    // Prices and quantities as written, however many decimals they have (EN 16931 sets no maximum).
    let net: ExactDecimal;
    if (price.net === undefined && price.gross === undefined) {
      problem(`${at}/price/net`, 'BR-26', 'BT-146 Item net price is required');
      net = { units: 0n, scale: 0 };
    } else if (price.gross !== undefined) {
      const gross = exact(price.gross)!;
      const expected = price.discount === undefined ? gross : exactSub(gross, exact(price.discount)!);
      if (price.net === undefined) price.net = exactText(expected);
      else if (peppol && exactCompare(exact(price.net)!, expected) !== 0) {
        // PEPPOL-EN16931-R046: exactly the gross price less the discount
        problem(
          `${at}/price/net`,
          'PEPPOL-EN16931-R046',
          `BT-146 Item net price: sent ${String(price.net)}, expected ${exactText(expected)} (BT-148 gross price − BT-147 discount)`,
        );
      }
      net = exact(price.net)!;
      if (gross.units < 0n)
        problem(`${at}/price/gross`, 'BR-28', 'BT-148 Item gross price must not be negative');
    } else {
      net = exact(price.net!)!;
    }
    if (net.units < 0n) problem(`${at}/price/net`, 'BR-27', 'BT-146 Item net price must not be negative');
    const baseQuantity = price.baseQuantity === undefined ? undefined : exact(price.baseQuantity)!;
    if (peppol && baseQuantity !== undefined && baseQuantity.units <= 0n) {
      problem(
        `${at}/price/baseQuantity`,
        'PEPPOL-EN16931-R121',
        'BT-149 Item price base quantity must be above zero',
      );
    }
    lineNetPrice.push(dec(exactText(net)));
    const allowances = (line.allowances ?? []).map((a, j) =>
      allowanceAmount(a, `${at}/allowances/${j}`, {
        amount: 'BT-136 Invoice line allowance amount',
        base: 'BT-137',
        percentage: 'BT-138',
        requiredRule: 'BR-41',
      }),
    );
    const charges = (line.charges ?? []).map((c, j) =>
      allowanceAmount(c, `${at}/charges/${j}`, {
        amount: 'BT-141 Invoice line charge amount',
        base: 'BT-142',
        percentage: 'BT-143',
        requiredRule: 'BR-43',
      }),
    );
    (line.allowances ?? []).forEach((a, j) => {
      amountText(a.amount, `${at}/allowances/${j}/amount`, 'BT-136', 'BR-DEC-24');
      amountText(a.baseAmount, `${at}/allowances/${j}/baseAmount`, 'BT-137', 'BR-DEC-25');
      if (!a.reason && !a.reasonCode)
        problem(
          `${at}/allowances/${j}`,
          'BR-42',
          'Each invoice line allowance needs a reason (BT-139) or a reason code (BT-140)',
        );
    });
    (line.charges ?? []).forEach((c, j) => {
      amountText(c.amount, `${at}/charges/${j}/amount`, 'BT-141', 'BR-DEC-27');
      amountText(c.baseAmount, `${at}/charges/${j}/baseAmount`, 'BT-142', 'BR-DEC-28');
      if (!c.reason && !c.reasonCode)
        problem(
          `${at}/charges/${j}`,
          'BR-44',
          'Each invoice line charge needs a reason (BT-144) or a reason code (BT-145)',
        );
    });
    // Quantity × net price ÷ base quantity (0 counts as 1), exactly; the line's charges and allowances, each
    // sum rounded to two decimals, as PEPPOL-EN16931-R120 takes them.
    const base = lineBase(exact(line.quantity)!, net, baseQuantity);
    const adjustments = round(add(...charges), 2) - round(add(...allowances), 2);
    const expected = roundFraction(base, adjustments, 2);
    if (
      peppol &&
      mode === 'check' &&
      line.netAmount === undefined &&
      !withinSlack(0n, base, adjustments, PEPPOL_SLACK)
    ) {
      // PEPPOL-EN16931-R120 takes a missing line net amount as 0 (BR-24 reports it missing)
      problem(
        `${at}/netAmount`,
        'PEPPOL-EN16931-R120',
        `BT-131 Invoice line net amount: none sent, expected ${money(expected)}`,
      );
    }
    lineNet.push(
      settle(
        line.netAmount,
        expected,
        {
          path: `${at}/netAmount`,
          term: 'BT-131',
          // EN 16931 has no rule on the line net amount's figure; PEPPOL's allows 0.02 either way.
          rule: peppol ? 'PEPPOL-EN16931-R120' : '',
          decRule: 'BR-DEC-23',
          requiredRule: 'BR-24',
          label: 'Invoice line net amount',
          accepts: (value) => withinSlack(value, base, adjustments, PEPPOL_SLACK),
          expectedText: `${money(expected)} ± 0.02 (BT-129 quantity × BT-146 net price ÷ BT-149 base quantity + charges − allowances)`,
        },
        (t) => (line.netAmount = t),
      ),
    );
  });

  // Document level allowances (BG-20) and charges (BG-21).
  const documentLevel = (entries: AllowanceCharge[] | undefined, kind: 'allowances' | 'charges') =>
    (entries ?? []).map((entry, j) => {
      const path = `/${kind}/${j}`;
      const isAllowance = kind === 'allowances';
      amountText(
        entry.amount,
        `${path}/amount`,
        isAllowance ? 'BT-92' : 'BT-99',
        isAllowance ? 'BR-DEC-01' : 'BR-DEC-05',
      );
      amountText(
        entry.baseAmount,
        `${path}/baseAmount`,
        isAllowance ? 'BT-93' : 'BT-100',
        isAllowance ? 'BR-DEC-02' : 'BR-DEC-06',
      );
      if (!entry.reason && !entry.reasonCode) {
        problem(
          path,
          isAllowance ? 'BR-33' : 'BR-38',
          `Each document level ${isAllowance ? 'allowance' : 'charge'} needs a reason or a reason code`,
        );
      }
      return allowanceAmount(
        entry,
        path,
        isAllowance
          ? {
              amount: 'BT-92 Document level allowance amount',
              base: 'BT-93',
              percentage: 'BT-94',
              requiredRule: 'BR-31',
            }
          : {
              amount: 'BT-99 Document level charge amount',
              base: 'BT-100',
              percentage: 'BT-101',
              requiredRule: 'BR-36',
            },
      );
    });
  const allowances = documentLevel(invoice.allowances, 'allowances');
  const charges = documentLevel(invoice.charges, 'charges');

  // VAT breakdown (BG-23): one group per category and rate, from lines, allowances and charges.
  const groups = new Map<string, VatGroup & { sources: number }>();
  const addTo = (category: VatCategoryCode, rateValue: string | number | undefined, amount: Decimal) => {
    const rate = category === 'O' ? undefined : rateValue === undefined ? undefined : dec(rateValue);
    const key = groupKey(category, rate);
    const group = groups.get(key) ?? {
      category,
      ...(rate === undefined ? {} : { rate }),
      taxable: 0n,
      tax: 0n,
      sources: 0,
    };
    group.taxable += amount;
    group.sources++;
    groups.set(key, group);
  };
  invoice.lines.forEach((line, i) => addTo(line.vat.category, line.vat.rate, lineNet[i]!));
  (invoice.charges ?? []).forEach((c, j) => addTo(c.vatCategory, c.vatRate, charges[j]!));
  (invoice.allowances ?? []).forEach((a, j) => addTo(a.vatCategory, a.vatRate, -allowances[j]!));

  const sentBreakdown = invoice.vatBreakdown ?? [];
  if (mode === 'check' && sentBreakdown.length === 0) {
    problem('/vatBreakdown', 'BR-CO-18', 'The VAT breakdown (BG-23) is required: at least one entry');
  }
  const sentByKey = new Map<string, { entry: VatBreakdown; index: number }>();
  sentBreakdown.forEach((entry, index) => {
    const key = groupKey(
      entry.category,
      entry.category === 'O' || entry.rate === undefined ? undefined : dec(entry.rate),
    );
    if (sentByKey.has(key))
      problem(
        `/vatBreakdown/${index}`,
        'BR-CO-18',
        `VAT breakdown has ${entry.category} ${entry.rate ?? ''} twice`,
      );
    sentByKey.set(key, { entry, index });
    if (!groups.has(key)) {
      problem(
        `/vatBreakdown/${index}`,
        `${CATEGORY_RULES[entry.category]}-08`,
        `VAT breakdown entry ${entry.category} ${entry.rate === undefined ? '' : String(entry.rate)} matches no line, allowance or charge`,
      );
    }
  });

  const breakdown: VatGroup[] = [];
  const filledBreakdown: VatBreakdown[] = [];
  // The document's own order of its breakdown entries is kept; groups it did not state follow.
  const sentKeys = [...sentByKey].sort((a, b) => a[1].index - b[1].index).map(([key]) => key);
  const orderedKeys = [...new Set([...sentKeys.filter((key) => groups.has(key)), ...groups.keys()])];
  for (const key of orderedKeys) {
    const group = groups.get(key)!;
    const rules = CATEGORY_RULES[group.category];
    const sent = sentByKey.get(key);
    const path = sent ? `/vatBreakdown/${sent.index}` : '/vatBreakdown';
    if (!sent && mode === 'check') {
      problem(
        path,
        `${rules}-01`,
        `The VAT breakdown has no entry for category ${group.category}${group.rate === undefined ? '' : ` at ${format(group.rate)} %`}, which lines, allowances or charges use`,
      );
    }
    const entry: VatBreakdown = sent
      ? sent.entry
      : { category: group.category, ...(group.rate === undefined ? {} : { rate: format(group.rate) }) };
    // BR-S-08, BR-AF-08, BR-AG-08 allow less than one unit either way; the other categories none.
    const tolerant = TOLERANT_CATEGORIES.has(group.category);
    const taxable = settle(
      entry.taxableAmount,
      round(group.taxable, 2),
      {
        path: `${path}/taxableAmount`,
        term: 'BT-116',
        rule: `${rules}-08`,
        decRule: 'BR-DEC-19',
        requiredRule: sent ? 'BR-45' : undefined,
        label: `VAT category taxable amount (${group.category})`,
        accepts: (value) => (tolerant ? abs(value - group.taxable) < ONE : value === group.taxable),
        ...(tolerant ? { expectedText: `${money(group.taxable)} (within less than 1)` } : {}),
      },
      (t) => (entry.taxableAmount = t),
    );
    const expectedTax = round(percent(taxable, group.rate ?? 0n), 2);
    // BR-CO-17: a rate that rounds to zero, or none, has a tax amount that rounds to zero; any other is within
    // less than one unit of |taxable amount| × rate / 100, rounded to two decimals.
    const zeroRate = group.rate === undefined || xpathRound(group.rate) === 0n;
    const expectedAbs = round(percent(abs(taxable), group.rate ?? 0n), 2);
    const withinOne = (value: Decimal) => abs(value) - ONE < expectedAbs && abs(value) + ONE > expectedAbs;
    const tax = settle(
      entry.taxAmount,
      expectedTax,
      {
        path: `${path}/taxAmount`,
        term: 'BT-117',
        rule: 'BR-CO-17',
        decRule: 'BR-DEC-20',
        requiredRule: sent ? 'BR-46' : undefined,
        label: `VAT category tax amount (${group.category})`,
        accepts: (value) => (zeroRate ? xpathRound(value) === 0n : withinOne(value)),
        expectedText: zeroRate
          ? '0 (rounded to a whole number)'
          : `${money(expectedTax)} (within less than 1)`,
      },
      (t) => (entry.taxAmount = t),
    );
    if (entry.taxAmount !== undefined && sent?.entry.taxAmount !== undefined) {
      if (tolerant && !withinOne(tax)) {
        problem(
          `${path}/taxAmount`,
          `${rules}-09`,
          `BT-117 VAT category tax amount (${group.category}): sent ${String(entry.taxAmount)}, expected ${money(expectedTax)} (within less than 1)`,
        );
      }
      if (ZERO_TAX_CATEGORIES.has(group.category) && tax !== 0n) {
        problem(
          `${path}/taxAmount`,
          `${rules}-09`,
          `BT-117 VAT category tax amount (${group.category}) must be 0, got ${String(entry.taxAmount)}`,
        );
      }
    }
    const fallback = DEFAULT_EXEMPTION[group.category];
    if (!entry.exemptionReason && !entry.exemptionReasonCode && fallback) {
      if (mode === 'fill') {
        entry.exemptionReason = fallback.text;
        entry.exemptionReasonCode = fallback.code;
      } else {
        problem(
          `${path}/exemptionReason`,
          `${rules}-10`,
          `A VAT breakdown with category ${group.category} needs an exemption reason (BT-120) or code (BT-121)`,
        );
      }
    }
    if (group.category === 'E' && !entry.exemptionReason && !entry.exemptionReasonCode) {
      problem(
        `${path}/exemptionReason`,
        'BR-E-10',
        'A VAT breakdown with category E needs an exemption reason (BT-120) or code (BT-121)',
      );
    }
    filledBreakdown.push(entry);
    breakdown.push({
      category: group.category,
      ...(group.rate === undefined ? {} : { rate: group.rate }),
      taxable,
      tax,
      ...(entry.exemptionReason ? { exemptionReason: entry.exemptionReason } : {}),
      ...(entry.exemptionReasonCode ? { exemptionReasonCode: entry.exemptionReasonCode } : {}),
    });
  }
  invoice.vatBreakdown = filledBreakdown;

  // Document totals (BG-22).
  const totals = (invoice.totals ??= {});
  const lineExtension = settle(
    totals.lineExtension,
    round(add(...lineNet), 2),
    {
      path: '/totals/lineExtension',
      term: 'BT-106',
      rule: 'BR-CO-10',
      decRule: 'BR-DEC-09',
      requiredRule: 'BR-12',
      label: 'Sum of invoice line net amounts',
    },
    (t) => (totals.lineExtension = t),
  );
  const allowanceTotal =
    invoice.allowances?.length || totals.allowances !== undefined
      ? settle(
          totals.allowances,
          round(add(...allowances), 2),
          {
            path: '/totals/allowances',
            term: 'BT-107',
            rule: 'BR-CO-11',
            decRule: 'BR-DEC-10',
            label: 'Sum of allowances on document level',
          },
          (t) => (totals.allowances = t),
        )
      : 0n;
  const chargeTotal =
    invoice.charges?.length || totals.charges !== undefined
      ? settle(
          totals.charges,
          round(add(...charges), 2),
          {
            path: '/totals/charges',
            term: 'BT-108',
            rule: 'BR-CO-12',
            decRule: 'BR-DEC-11',
            label: 'Sum of charges on document level',
          },
          (t) => (totals.charges = t),
        )
      : 0n;
  const taxExclusive = settle(
    totals.taxExclusive,
    round(lineExtension - allowanceTotal + chargeTotal, 2),
    {
      path: '/totals/taxExclusive',
      term: 'BT-109',
      rule: 'BR-CO-13',
      decRule: 'BR-DEC-12',
      requiredRule: 'BR-13',
      label: 'Invoice total amount without VAT',
    },
    (t) => (totals.taxExclusive = t),
  );
  const vat = settle(
    totals.vat,
    round(add(...breakdown.map((g) => g.tax)), 2),
    {
      path: '/totals/vat',
      term: 'BT-110',
      rule: 'BR-CO-14',
      decRule: 'BR-DEC-13',
      label: 'Invoice total VAT amount',
    },
    (t) => (totals.vat = t),
  );
  const taxInclusive = settle(
    totals.taxInclusive,
    round(taxExclusive + vat, 2),
    {
      path: '/totals/taxInclusive',
      term: 'BT-112',
      rule: 'BR-CO-15',
      decRule: 'BR-DEC-14',
      requiredRule: 'BR-14',
      label: 'Invoice total amount with VAT',
    },
    (t) => (totals.taxInclusive = t),
  );
  const prepaid = totals.prepaid === undefined ? 0n : dec(totals.prepaid);
  const rounding = totals.rounding === undefined ? 0n : dec(totals.rounding);
  amountText(totals.prepaid, '/totals/prepaid', 'BT-113', 'BR-DEC-16');
  amountText(totals.rounding, '/totals/rounding', 'BT-114', 'BR-DEC-17');
  amountText(totals.vatInAccountingCurrency, '/totals/vatInAccountingCurrency', 'BT-111', 'BR-DEC-15');
  const payable = settle(
    totals.payable,
    round(taxInclusive - prepaid + rounding, 2),
    {
      path: '/totals/payable',
      term: 'BT-115',
      rule: 'BR-CO-16',
      decRule: 'BR-DEC-18',
      requiredRule: 'BR-15',
      label: 'Amount due for payment',
    },
    (t) => (totals.payable = t),
  );

  if (
    invoice.vatAccountingCurrency !== undefined &&
    invoice.vatAccountingCurrency !== invoice.currency &&
    totals.vatInAccountingCurrency === undefined
  ) {
    problem(
      '/totals/vatInAccountingCurrency',
      'BR-53',
      'BT-111 Invoice total VAT amount in accounting currency is required when BT-6 VAT accounting currency is given',
    );
  }

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

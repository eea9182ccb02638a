import type { ProblemDetail } from '../errors';
import { add, dec, decimalPlaces, div, format, mul, percent, round, type Decimal } from '../util/decimal';
import { cloneJson } from '../util/json';
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
const groupKey = (category: string, rate: Decimal | undefined): string =>
  `${category}:${rate === undefined ? '' : format(rate)}`;

/**
 * Computes and checks an invoice's figures with EN 16931 rounding (two decimals, half away from zero, at
 * line net amount, allowance/charge amount and VAT category tax amount), naming the business rule a
 * mismatch breaks. Expects a schema-valid invoice.
 */
export function calculate(
  source: CanonicalInvoice,
  mode: CalculationMode = 'fill',
  options: { inPlace?: boolean } = {},
): CalculationResult {
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
    at: { path: string; term: string; rule: string; decRule: string; requiredRule?: string; label: string },
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
    if (round(value, 2) !== expected) {
      problem(at.path, at.rule, `${at.term} ${at.label}: sent ${String(sent)}, expected ${money(expected)}`);
    }
    return value;
  };

  /** An allowance or charge amount, from base × percentage when omitted (PEPPOL-EN16931-R040..R042). */
  const allowanceAmount = (
    entry: { amount?: string | number; baseAmount?: string | number; percentage?: string | number },
    path: string,
    terms: { amount: string; base: string; percentage: string; requiredRule: string },
  ): Decimal => {
    if (entry.percentage !== undefined && entry.baseAmount === undefined) {
      problem(
        `${path}/baseAmount`,
        'PEPPOL-EN16931-R041',
        `${terms.base} is required with ${terms.percentage}`,
      );
    }
    if (entry.baseAmount !== undefined && entry.percentage === undefined && entry.amount === undefined) {
      problem(
        `${path}/percentage`,
        'PEPPOL-EN16931-R042',
        `${terms.percentage} is required with ${terms.base} when ${terms.amount} is omitted`,
      );
    }
    if (entry.baseAmount !== undefined && entry.percentage !== undefined) {
      const expected = round(percent(dec(entry.baseAmount), dec(entry.percentage)), 2);
      if (entry.amount === undefined) {
        entry.amount = money(expected);
        return expected;
      }
      if (round(dec(entry.amount), 2) !== expected) {
        problem(
          `${path}/amount`,
          'PEPPOL-EN16931-R040',
          `${terms.amount}: sent ${String(entry.amount)}, expected ${money(expected)} (${terms.base} × ${terms.percentage} / 100)`,
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
    let net: Decimal;
    if (price.net === undefined && price.gross === undefined) {
      problem(`${at}/price/net`, 'BR-26', 'BT-146 Item net price is required');
      net = 0n;
    } else if (price.gross !== undefined) {
      const expected = dec(price.gross) - (price.discount === undefined ? 0n : dec(price.discount));
      if (price.net === undefined) price.net = format(expected);
      else if (dec(price.net) !== expected) {
        problem(
          `${at}/price/net`,
          'PEPPOL-EN16931-R046',
          `BT-146 Item net price: sent ${String(price.net)}, expected ${format(expected)} (BT-148 gross price − BT-147 discount)`,
        );
      }
      net = dec(price.net);
      if (dec(price.gross) < 0n)
        problem(`${at}/price/gross`, 'BR-28', 'BT-148 Item gross price must not be negative');
    } else {
      net = dec(price.net!);
    }
    if (net < 0n) problem(`${at}/price/net`, 'BR-27', 'BT-146 Item net price must not be negative');
    let baseQuantity = 1_00000000n;
    if (price.baseQuantity !== undefined) {
      baseQuantity = dec(price.baseQuantity);
      if (baseQuantity <= 0n) {
        problem(
          `${at}/price/baseQuantity`,
          'PEPPOL-EN16931-R121',
          'BT-149 Item price base quantity must be above zero',
        );
        baseQuantity = 1_00000000n;
      }
    }
    lineNetPrice.push(net);
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
      if (!a.reason && !a.reasonCode)
        problem(
          `${at}/allowances/${j}`,
          'BR-42',
          'Each invoice line allowance needs a reason (BT-139) or a reason code (BT-140)',
        );
    });
    (line.charges ?? []).forEach((c, j) => {
      amountText(c.amount, `${at}/charges/${j}/amount`, 'BT-141', 'BR-DEC-27');
      if (!c.reason && !c.reasonCode)
        problem(
          `${at}/charges/${j}`,
          'BR-44',
          'Each invoice line charge needs a reason (BT-144) or a reason code (BT-145)',
        );
    });
    const expected = round(
      div(mul(dec(line.quantity), net), baseQuantity) + add(...charges) - add(...allowances),
      2,
    );
    lineNet.push(
      settle(
        line.netAmount,
        expected,
        {
          path: `${at}/netAmount`,
          term: 'BT-131',
          rule: 'PEPPOL-EN16931-R120',
          decRule: 'BR-DEC-23',
          requiredRule: 'BR-24',
          label: 'Invoice line net amount',
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
      },
      (t) => (entry.taxableAmount = t),
    );
    const expectedTax = round(percent(taxable, group.rate ?? 0n), 2);
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
      },
      (t) => (entry.taxAmount = t),
    );
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
    add(...lineNet),
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
          add(...allowances),
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
          add(...charges),
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
    lineExtension - allowanceTotal + chargeTotal,
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
    add(...breakdown.map((g) => g.tax)),
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
    taxExclusive + vat,
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
    taxInclusive - prepaid + rounding,
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

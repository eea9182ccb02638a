import type { ExactDecimal } from '../../model/exact-decimal';
import {
  absolute,
  compare,
  documentLevel,
  figure,
  figures,
  hundredth,
  lineLevel,
  minus,
  plus,
  roundHalfUp,
  same,
  shown,
  times,
  total,
  ZERO,
  type AllowanceAt,
} from '../en16931/arithmetic';
import type { HeldInvoice, InvoiceRule, InvoiceRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { list, present, text } from '../values';

/**
 * PEPPOL BIS Billing 3's calculation rules: allowance and charge amounts from base amount and percentage
 * (PEPPOL-EN16931-R040 … R042), the net price from the gross price and discount (R046), the line net amount
 * (R120) and its price base quantity (R121), and the VAT total in accounting currency (R054, R055). As
 * PEPPOL's schematron reads them: a missing line net amount, price or allowance amount counts as 0, a
 * missing quantity or base quantity (or one of 0) as 1; a figure that is not a decimal leaves the rule silent.
 */

const SLACK: ExactDecimal = { units: 2n, scale: 2 }; // 0.02
const ONE: ExactDecimal = { units: 1n, scale: 0 };

/** Every allowance and charge, of the document and of its lines (not the price discount). */
const allAllowancesAndCharges = (doc: HeldInvoice): AllowanceAt[] => [
  ...documentLevel(doc, 'allowances'),
  ...documentLevel(doc, 'charges'),
  ...lineLevel(doc, 'allowances'),
  ...lineLevel(doc, 'charges'),
];

/** |a − b| ≤ 0.02 */
const withinSlack = (a: ExactDecimal, b: ExactDecimal) => compare(absolute(minus(a, b)), SLACK) <= 0;

const amountFromPercentage: InvoiceRule = {
  id: 'PEPPOL-EN16931-R040',
  terms: ['BT-92', 'BT-93', 'BT-94', 'BT-99', 'BT-100', 'BT-101', 'BT-136', 'BT-137', 'BT-138', 'BT-141'],
  message:
    'An allowance or charge with a base amount and a percentage must have the amount base amount × percentage / 100 (within 0.02)',
  check(doc, report) {
    for (const { entry, path } of allAllowancesAndCharges(doc)) {
      const base = figure(entry.baseAmount);
      const percentage = figure(entry.percentage);
      const amount = figure(entry.amount);
      if (!base || !percentage || amount === undefined) continue;
      const expected = times(base, hundredth(percentage));
      if (!withinSlack(amount ?? ZERO, expected))
        report(
          `${path}/amount`,
          `The allowance or charge amount: ${amount === null ? 'none sent' : `sent ${shown(amount)}`}, expected ${shown(expected)} ± 0.02 (base amount × percentage / 100)`,
        );
    }
  },
};

const baseWithPercentage: InvoiceRule = {
  id: 'PEPPOL-EN16931-R041',
  terms: ['BT-93', 'BT-94', 'BT-100', 'BT-101', 'BT-137', 'BT-138', 'BT-142', 'BT-143'],
  message: 'An allowance or charge with a percentage must give the base amount it applies to',
  check(doc, report) {
    for (const { entry, path } of allAllowancesAndCharges(doc))
      if (present(entry.percentage) && !present(entry.baseAmount)) report(`${path}/baseAmount`);
  },
};

const percentageWithBase: InvoiceRule = {
  id: 'PEPPOL-EN16931-R042',
  terms: ['BT-93', 'BT-94', 'BT-100', 'BT-101', 'BT-137', 'BT-138', 'BT-142', 'BT-143'],
  message: 'An allowance or charge with a base amount must give the percentage applied to it',
  check(doc, report) {
    for (const { entry, path } of allAllowancesAndCharges(doc))
      if (present(entry.baseAmount) && !present(entry.percentage)) report(`${path}/percentage`);
  },
};

const netFromGrossPrice: InvoiceRule = {
  id: 'PEPPOL-EN16931-R046',
  terms: ['BT-146', 'BT-147', 'BT-148'],
  message:
    'With a gross price (BT-148), the item net price (BT-146) must be the gross price less the discount (BT-147)',
  check(doc, report) {
    list(doc.lines).forEach((line, i) => {
      const price = line?.price;
      const gross = figure(price?.gross);
      if (!price || !gross) return;
      // a gross price alone is written with a discount of 0
      const discount = figure(price.discount);
      const net = figure(price.net);
      if (discount === undefined || net === undefined) return;
      const expected = minus(gross, discount ?? ZERO);
      if (net === null || !same(net, expected))
        report(
          `/lines/${i}/price/net`,
          `BT-146 Item net price: ${net === null ? 'none sent' : `sent ${shown(net)}`}, expected ${shown(expected)} (BT-148 gross price − BT-147 discount)`,
        );
    });
  },
};

const lineNetAmount: InvoiceRule = {
  id: 'PEPPOL-EN16931-R120',
  terms: ['BT-131', 'BT-129', 'BT-146', 'BT-149', 'BT-136', 'BT-141'],
  message:
    'The invoice line net amount (BT-131) must be quantity × net price ÷ price base quantity + line charges − line allowances (within 0.02)',
  check(doc, report) {
    list(doc.lines).forEach((line, i) => {
      if (!line) return;
      const net = figure(line.netAmount);
      const quantity = figure(line.quantity);
      const price = figure(line.price?.net);
      const base = figure(line.price?.baseQuantity);
      const allowances = figures(list(line.allowances), (a) => a.amount);
      const charges = figures(list(line.charges), (c) => c.amount);
      if (net === undefined || quantity === undefined || price === undefined || base === undefined) return;
      if (!allowances || !charges) return;
      const perUnit = base && base.units !== 0n ? base : ONE;
      // net − (charges − allowances) = quantity × price ÷ base, within 0.02: times |base| to stay exact
      const adjustments = minus(roundHalfUp(total(charges), 2), roundHalfUp(total(allowances), 2));
      const left = times(minus(net ?? ZERO, adjustments), perUnit);
      const right = times(quantity ?? ONE, price ?? ZERO);
      if (compare(absolute(minus(left, right)), times(SLACK, absolute(perUnit))) <= 0) return;
      const expected = plus(quotient(right, perUnit, 2), adjustments);
      report(
        `/lines/${i}/netAmount`,
        `BT-131 Invoice line net amount: ${net === null ? 'none sent' : `sent ${shown(net)}`}, expected ${shown(expected)} ± 0.02 (BT-129 quantity × BT-146 net price ÷ BT-149 base quantity + charges − allowances)`,
      );
    });
  },
};

/** a ÷ b to `places` decimals (half towards positive infinity), for messages. */
function quotient(a: ExactDecimal, b: ExactDecimal, places: number): ExactDecimal {
  // a/10^x ÷ (b/10^y) at 10^places, as a decimal with two more places then rounded
  const extra = places + 2;
  const numerator = a.units * 10n ** BigInt(b.scale + extra);
  const denominator = b.units * 10n ** BigInt(a.scale);
  return roundHalfUp({ units: numerator / denominator, scale: extra }, places);
}

const positiveBaseQuantity: InvoiceRule = {
  id: 'PEPPOL-EN16931-R121',
  terms: ['BT-149'],
  message: 'The item price base quantity (BT-149) must be above zero',
  check(doc, report) {
    list(doc.lines).forEach((line, i) => {
      const base = figure(line?.price?.baseQuantity);
      if (base && base.units <= 0n) report(`/lines/${i}/price/baseQuantity`);
    });
  },
};

const vatTotalInAccountingCurrency: InvoiceRule = {
  id: 'PEPPOL-EN16931-R054',
  terms: ['BT-6', 'BT-111'],
  message:
    'A VAT total in another currency than the invoice currency (BT-111) must be given exactly when the VAT accounting currency (BT-6) is',
  check(doc, report) {
    const accounting = text(doc.vatAccountingCurrency);
    // BT-111 counts when its currency is not the invoice's (the currency of BT-110)
    const other = present(doc.totals?.vatInAccountingCurrency) && accounting !== text(doc.currency);
    if (Boolean(accounting) !== other) report('/totals/vatInAccountingCurrency');
  },
};

const sameSign: InvoiceRule = {
  id: 'PEPPOL-EN16931-R055',
  terms: ['BT-110', 'BT-111'],
  message:
    'The invoice total VAT amount (BT-110) and the one in accounting currency (BT-111) must have the same sign',
  check(doc, report) {
    if (!text(doc.vatAccountingCurrency)) return;
    const vat = figure(doc.totals?.vat);
    const inAccounting = figure(doc.totals?.vatInAccountingCurrency);
    if (vat === undefined || inAccounting === undefined) return;
    const holds =
      vat !== null &&
      inAccounting !== null &&
      ((vat.units <= 0n && inAccounting.units <= 0n) || (vat.units >= 0n && inAccounting.units >= 0n));
    if (!holds) report('/totals/vatInAccountingCurrency');
  },
};

export const peppolArithmetic: InvoiceRuleModule = {
  id: 'peppol-arithmetic',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3 calculation rules',
  source: PEPPOL_SOURCE,
  reads: 'canonical',
  rules: [
    amountFromPercentage,
    baseWithPercentage,
    percentageWithBase,
    netFromGrossPrice,
    lineNetAmount,
    positiveBaseQuantity,
    vatTotalInAccountingCurrency,
    sameSign,
  ],
};

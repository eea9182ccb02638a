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
import { oncePerRun } from '../engine';
import { CII_NS, UBL_NS } from '../../xml/namespaces';
import { childrenNamed, type XmlTreeElement } from '../../xml/xml-tree';
import type { HeldInvoice, InvoiceRule, InvoiceRuleModule, SyntaxRule, SyntaxRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { decimal, list, present, text } from '../values';

/**
 * PEPPOL BIS Billing 3's calculation rules: allowance and charge amounts from base amount and percentage
 * (PEPPOL-EN16931-R040 … R042), the net price from the gross price and discount (R046), the line net amount
 * (R120) and its price base quantity (R121), and the VAT total in accounting currency (R054, R055). As
 * PEPPOL's schematron reads them: a missing line net amount, price or allowance amount counts as 0, a
 * missing quantity or base quantity (or one of 0) as 1; a figure that is not a decimal leaves the rule silent.
 */

const SLACK: ExactDecimal = { units: 2n, scale: 2 }; // 0.02
const ONE: ExactDecimal = { units: 1n, scale: 0 };
const NO_FIGURES: readonly ExactDecimal[] = [];

/** Every allowance and charge, of the document and of its lines (not the price discount); once per run. */
const allAllowancesAndCharges = oncePerRun((doc: HeldInvoice): readonly AllowanceAt[] => [
  ...documentLevel(doc, 'allowances'),
  ...documentLevel(doc, 'charges'),
  ...lineLevel(doc, 'allowances'),
  ...lineLevel(doc, 'charges'),
]);

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
      const allowances = line.allowances ? figures(line.allowances, (a) => a.amount) : NO_FIGURES;
      const charges = line.charges ? figures(line.charges, (c) => c.amount) : NO_FIGURES;
      if (net === undefined || quantity === undefined || price === undefined || base === undefined) return;
      if (!allowances || !charges) return;
      const perUnit = base && base.units !== 0n ? base : ONE;
      // net − (charges − allowances) = quantity × price ÷ base, within 0.02: times |base| to stay exact
      // (a line without any is the usual case: nothing to add or take off)
      const adjusted = allowances.length > 0 || charges.length > 0;
      const adjustments = adjusted
        ? minus(roundHalfUp(total(charges), 2), roundHalfUp(total(allowances), 2))
        : ZERO;
      const left = times(adjusted ? minus(net ?? ZERO, adjustments) : (net ?? ZERO), perUnit);
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
  check(doc, report, context) {
    // a document read from XML is judged on its elements (empty ones and every total counted)
    if (context.syntax) return;
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

// ---------------------------------------------------------------------------------------------------------
// R040 … R042 on allowances and charges of no known kind

/**
 * An allowance or charge whose charge indicator is missing or is not a boolean is neither an allowance nor a
 * charge to the canonical model (the reader leaves it unread), while PEPPOL's R040 … R042 judge every
 * `AllowanceCharge` of the document and its lines. These rules judge exactly those on the XML as received;
 * the canonical rules above judge the others.
 */
interface UnknownKindSyntax {
  /** The allowances and charges of the document and its lines whose kind the canonical model cannot hold. */
  find(root: XmlTreeElement): XmlTreeElement[];
  /** The percentage, base amount and amount children of one. */
  percentage: readonly [string, string];
  base: readonly [string, string];
  amount: readonly [string, string];
}

/** The boolean spellings the reader takes as a charge indicator (xsd:boolean). */
const INDICATORS: ReadonlySet<string> = new Set(['true', 'false', '1', '0']);

const firstNamed = (parent: XmlTreeElement, [namespace, localName]: readonly [string, string]) =>
  childrenNamed(parent, namespace, localName)[0];

/** Whether one of the indicator elements has a boolean value, as the reader takes it. */
const hasKind = (indicators: readonly XmlTreeElement[]) =>
  indicators.some((indicator) => INDICATORS.has(indicator.textContent.trim()));

const UBL_UNKNOWN_KIND: UnknownKindSyntax = {
  find(root) {
    const lines = [
      ...childrenNamed(root, UBL_NS.cac, 'InvoiceLine'),
      ...childrenNamed(root, UBL_NS.cac, 'CreditNoteLine'),
    ];
    return [root, ...lines]
      .flatMap((parent) => childrenNamed(parent, UBL_NS.cac, 'AllowanceCharge'))
      .filter((entry) => !hasKind(childrenNamed(entry, UBL_NS.cbc, 'ChargeIndicator')));
  },
  percentage: [UBL_NS.cbc, 'MultiplierFactorNumeric'],
  base: [UBL_NS.cbc, 'BaseAmount'],
  amount: [UBL_NS.cbc, 'Amount'],
};

const CII_UNKNOWN_KIND: UnknownKindSyntax = {
  find(root) {
    const found: XmlTreeElement[] = [];
    const walk = (element: XmlTreeElement) => {
      for (const node of element.childNodes) {
        if (node.nodeType !== 1) continue;
        if (node.localName === 'SpecifiedTradeAllowanceCharge' && node.namespaceURI === CII_NS.ram) {
          const indicators = childrenNamed(node, CII_NS.ram, 'ChargeIndicator').flatMap((indicator) =>
            childrenNamed(indicator, CII_NS.udt, 'Indicator'),
          );
          if (!hasKind(indicators)) found.push(node);
        }
        walk(node);
      }
    };
    walk(root);
    return found;
  },
  percentage: [CII_NS.ram, 'CalculationPercent'],
  base: [CII_NS.ram, 'BasisAmount'],
  amount: [CII_NS.ram, 'ActualAmount'],
};

/** One rule of the canonical set, judged on the allowances and charges of no known kind of one syntax. */
function onUnknownKind(
  canonical: InvoiceRule,
  syntax: UnknownKindSyntax,
  breaks: (
    percentage: XmlTreeElement | undefined,
    base: XmlTreeElement | undefined,
    amount: XmlTreeElement | undefined,
  ) => boolean,
): SyntaxRule {
  return {
    id: canonical.id,
    terms: canonical.terms,
    message: canonical.message,
    check(root, report) {
      for (const entry of syntax.find(root))
        if (
          breaks(
            firstNamed(entry, syntax.percentage),
            firstNamed(entry, syntax.base),
            firstNamed(entry, syntax.amount),
          )
        )
          report(entry);
    },
  };
}

/** R040 on the elements: the amount (0 when absent) within 0.02 of base × percentage / 100. */
const amountBreaks = (
  percentage: XmlTreeElement | undefined,
  base: XmlTreeElement | undefined,
  amount: XmlTreeElement | undefined,
): boolean => {
  if (!percentage || !base) return false;
  const factor = decimal(percentage.textContent);
  const baseAmount = decimal(base.textContent);
  const sent = amount ? decimal(amount.textContent) : ZERO;
  if (!factor || !baseAmount || !sent) return false;
  return !withinSlack(sent, times(baseAmount, hundredth(factor)));
};

function syntaxRules(syntax: UnknownKindSyntax, accountingTotal: SyntaxRule): SyntaxRule[] {
  return [
    onUnknownKind(amountFromPercentage, syntax, amountBreaks),
    onUnknownKind(baseWithPercentage, syntax, (percentage, base) => !!percentage && !base),
    onUnknownKind(percentageWithBase, syntax, (percentage, base) => !percentage && !!base),
    accountingTotal,
  ];
}

/**
 * R054 on UBL: as many VAT totals without a VAT breakdown as there are VAT accounting currency codes (one
 * or none), every `cac:TaxTotal` and `cbc:TaxCurrencyCode` counted, empty ones too.
 */
const ublAccountingTotal: SyntaxRule = {
  id: vatTotalInAccountingCurrency.id,
  terms: vatTotalInAccountingCurrency.terms,
  message: vatTotalInAccountingCurrency.message,
  check(root, report) {
    const withoutBreakdown = childrenNamed(root, UBL_NS.cac, 'TaxTotal').filter(
      (total) => childrenNamed(total, UBL_NS.cac, 'TaxSubtotal').length === 0,
    );
    const wanted = childrenNamed(root, UBL_NS.cbc, 'TaxCurrencyCode').length > 0 ? 1 : 0;
    if (withoutBreakdown.length !== wanted) report(withoutBreakdown[wanted] ?? root);
  },
};

/**
 * R054 on CII: as many VAT total amounts in a currency other than the invoice's as there are VAT accounting
 * currency codes (one or none).
 */
const ciiAccountingTotal: SyntaxRule = {
  id: vatTotalInAccountingCurrency.id,
  terms: vatTotalInAccountingCurrency.terms,
  message: vatTotalInAccountingCurrency.message,
  check(root, report) {
    const transaction = childrenNamed(root, CII_NS.rsm, 'SupplyChainTradeTransaction');
    for (const settlement of transaction.flatMap((t) =>
      childrenNamed(t, CII_NS.ram, 'ApplicableHeaderTradeSettlement'),
    )) {
      const currency = firstNamed(settlement, [CII_NS.ram, 'InvoiceCurrencyCode'])?.textContent.trim();
      const others = childrenNamed(settlement, CII_NS.ram, 'SpecifiedTradeSettlementHeaderMonetarySummation')
        .flatMap((summation) => childrenNamed(summation, CII_NS.ram, 'TaxTotalAmount'))
        .filter((total) => total.hasAttribute('currencyID') && total.getAttribute('currencyID') !== currency);
      const wanted = childrenNamed(settlement, CII_NS.ram, 'TaxCurrencyCode').length > 0 ? 1 : 0;
      if (others.length !== wanted) report(others[wanted] ?? settlement);
    }
  },
};

export const peppolUblArithmetic: SyntaxRuleModule = {
  id: 'peppol-ubl-arithmetic',
  set: 'peppol',
  title:
    'PEPPOL BIS Billing 3 calculation rules on UBL allowances and charges of no known kind (R040 … R042)',
  source: PEPPOL_SOURCE,
  reads: 'ubl',
  rules: syntaxRules(UBL_UNKNOWN_KIND, ublAccountingTotal),
};

export const peppolCiiArithmetic: SyntaxRuleModule = {
  id: 'peppol-cii-arithmetic',
  set: 'peppol',
  title:
    'PEPPOL BIS Billing 3 calculation rules on CII allowances and charges of no known kind (R040 … R042)',
  source: PEPPOL_SOURCE,
  reads: 'cii',
  rules: syntaxRules(CII_UNKNOWN_KIND, ciiAccountingTotal),
};

import { decimalText } from '../../util/decimal';
import { exactFixed, exactText, pow10, type ExactDecimal } from '../../model/exact-decimal';
import { oncePerRun } from '../engine';
import type { HeldInvoice, InvoiceRule, InvoiceRuleModule, Report } from '../rule';
import { EN16931_SOURCE } from '../sources';
import { decimal, list, present, text } from '../values';

/**
 * EN 16931's calculation rules: the document totals and how they add up (BR-12 … BR-15, BR-CO-10 … BR-CO-16),
 * the tax amount of each VAT breakdown (BR-CO-17), the amounts a breakdown, an allowance or a charge must have
 * (BR-31, BR-36, BR-41, BR-43, BR-45, BR-46), prices that are not negative (BR-27, BR-28), the VAT total in
 * accounting currency (BR-53) and at most two decimals on amounts (BR-DEC-*). Each predicate follows the
 * official bindings on whatever the document holds: a figure that is absent is compared as XPath compares
 * an empty sequence (the comparison fails), a figure that is not a decimal leaves the rule silent (the cast
 * fails; the schema reports the figure). The document totals (BG-22) are a group every document has.
 *
 * The rules do not know the syntax a document came in. Where EN 16931's UBL and CII bindings differ, a rule
 * reports what both break (BR-CO-14: a VAT total and a breakdown that do not add up; BR-CO-17: CII's bounds
 * include one unit) or, for a document without a VAT total, what CII breaks (BR-CO-15: the total with VAT
 * may equal the total without). BR-DEC-13 and BR-DEC-15 judge the value as the CII binding does: the UBL
 * binding's predicate can never fail.
 */

// ---------------------------------------------------------------------------------------------------------
// Exact decimals, as XPath computes with xs:decimal

export const ZERO: ExactDecimal = { units: 0n, scale: 0 };

export function plus(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  if (a.scale === b.scale) return { units: a.units + b.units, scale: a.scale };
  const scale = Math.max(a.scale, b.scale);
  return { units: a.units * pow10(scale - a.scale) + b.units * pow10(scale - b.scale), scale };
}

export function minus(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  return plus(a, { units: -b.units, scale: b.scale });
}

/** -1, 0 or 1 as a is less than, equal to or more than b. */
export function compare(a: ExactDecimal, b: ExactDecimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.units * pow10(scale - a.scale);
  const y = b.units * pow10(scale - b.scale);
  return x === y ? 0 : x < y ? -1 : 1;
}

export function times(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function absolute(a: ExactDecimal): ExactDecimal {
  return a.units < 0n ? { units: -a.units, scale: a.scale } : a;
}

/** a / 100 (a percentage as a fraction), exactly. */
export function hundredth(a: ExactDecimal): ExactDecimal {
  return { units: a.units, scale: a.scale + 2 };
}

export function same(a: ExactDecimal, b: ExactDecimal): boolean {
  return compare(a, b) === 0;
}

/**
 * XPath's `round(a × 10^places) div 10^places`: to the nearest, a half towards positive infinity
 * (`round(-2.5)` is -2).
 */
export function roundHalfUp(a: ExactDecimal, places: number): ExactDecimal {
  if (a.scale <= places) return a;
  const step = pow10(a.scale - places);
  const shifted = a.units + step / 2n;
  const quotient = shifted / step;
  // BigInt division truncates towards zero: one less for a negative inexact quotient (floor)
  return {
    units: shifted < 0n && quotient * step !== shifted ? quotient - 1n : quotient,
    scale: places,
  };
}

/** The sum of the decimals given (XPath `sum()`: 0 for none). */
export function total(values: Iterable<ExactDecimal>): ExactDecimal {
  let sum = ZERO;
  for (const value of values) sum = plus(sum, value);
  return sum;
}

/** An amount as the messages show it: two decimals, or all it has when it has more. */
export function shown(a: ExactDecimal): string {
  return a.scale <= 2 ? exactFixed(a, 2) : exactText(a);
}

/** The exact value of a decimal text of at most 15 digits, read without a regex; undefined for any other. */
function shortDecimal(value: string): ExactDecimal | undefined {
  const length = value.length;
  let i = 0;
  let negative = false;
  let code = value.charCodeAt(0);
  if (code === 45 || code === 43) {
    negative = code === 45;
    i = 1;
  }
  let digits = 0;
  let units = 0;
  let scale = -1;
  for (; i < length; i++) {
    code = value.charCodeAt(i);
    if (code === 46) {
      if (scale >= 0 || digits === 0) return undefined;
      scale = 0;
    } else if (code >= 48 && code <= 57 && digits < 15) {
      units = units * 10 + (code - 48);
      digits++;
      if (scale >= 0) scale++;
    } else return undefined;
  }
  if (digits === 0 || scale === 0) return undefined;
  const big = BigInt(units);
  return { units: negative ? -big : big, scale: scale < 0 ? 0 : scale };
}

/**
 * A figure of the document as a rule reads it: `null` when it is absent, its exact value, or `undefined`
 * when it is there but not a decimal (the rule stays silent).
 */
export function figure(value: unknown): ExactDecimal | null | undefined {
  if (value === undefined || value === null) return null;
  // `decimal` keeps the short texts it has read (the figures of an invoice, read by many rules): only a
  // longer text is worth reading here first, as it would read it with a regex; the value is the same
  return (typeof value === 'string' && value.length > 12 ? shortDecimal(value) : undefined) ?? decimal(value);
}

/**
 * The figures of a list as XPath sums them (absent ones left out); `undefined` when one is not a decimal.
 */
export function figures<T>(
  items: readonly (T | undefined)[],
  of: (item: T) => unknown,
): ExactDecimal[] | undefined {
  const values: ExactDecimal[] = [];
  for (const item of items) {
    if (item === undefined || item === null) continue;
    const value = figure(of(item));
    if (value === undefined) return undefined;
    if (value !== null) values.push(value);
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------------
// Where the amounts are

type Totals = NonNullable<HeldInvoice['totals']>;
type TotalsMember = keyof Totals;
type AllowanceLike = { amount?: unknown; baseAmount?: unknown; percentage?: unknown };

/** An allowance or charge of the document or of a line, with its JSON Pointer. */
export interface AllowanceAt {
  readonly entry: AllowanceLike;
  readonly path: string;
}

/** The document level allowances (`allowances`) or charges (`charges`). */
export function documentLevel(doc: HeldInvoice, kind: 'allowances' | 'charges'): readonly AllowanceAt[] {
  return allowancesAndCharges(doc)[kind];
}

/** The allowances (`allowances`) or charges (`charges`) of every line. */
export function lineLevel(doc: HeldInvoice, kind: 'allowances' | 'charges'): readonly AllowanceAt[] {
  const found = allowancesAndCharges(doc);
  return kind === 'allowances' ? found.lineAllowances : found.lineCharges;
}

/** The allowances and charges of the document and of its lines, found once per run: a dozen rules read them. */
const allowancesAndCharges = oncePerRun((doc: HeldInvoice) => ({
  allowances: findDocumentLevel(doc, 'allowances'),
  charges: findDocumentLevel(doc, 'charges'),
  lineAllowances: findLineLevel(doc, 'allowances'),
  lineCharges: findLineLevel(doc, 'charges'),
}));

function findDocumentLevel(doc: HeldInvoice, kind: 'allowances' | 'charges'): AllowanceAt[] {
  const found: AllowanceAt[] = [];
  list(doc[kind]).forEach((entry, j) => {
    if (entry) found.push({ entry, path: `/${kind}/${j}` });
  });
  return found;
}

function findLineLevel(doc: HeldInvoice, kind: 'allowances' | 'charges'): AllowanceAt[] {
  const found: AllowanceAt[] = [];
  list(doc.lines).forEach((line, i) => {
    list(line?.[kind]).forEach((entry, j) => {
      if (entry) found.push({ entry, path: `/lines/${i}/${kind}/${j}` });
    });
  });
  return found;
}

const TERM: Record<TotalsMember, string> = {
  lineExtension: 'BT-106 Sum of Invoice line net amount',
  allowances: 'BT-107 Sum of allowances on document level',
  charges: 'BT-108 Sum of charges on document level',
  taxExclusive: 'BT-109 Invoice total amount without VAT',
  vat: 'BT-110 Invoice total VAT amount',
  vatInAccountingCurrency: 'BT-111 Invoice total VAT amount in accounting currency',
  taxInclusive: 'BT-112 Invoice total amount with VAT',
  prepaid: 'BT-113 Paid amount',
  rounding: 'BT-114 Rounding amount',
  payable: 'BT-115 Amount due for payment',
};

const ONE: ExactDecimal = { units: 1n, scale: 0 };

const sentOrMissing = (value: ExactDecimal | null) => (value === null ? 'none sent' : `sent ${shown(value)}`);

// ---------------------------------------------------------------------------------------------------------
// Presence of the amounts (BR-12 … BR-15, BR-31, BR-36, BR-41, BR-43, BR-45, BR-46)

const totalPresence = (id: string, member: TotalsMember, term: string, name: string): InvoiceRule => ({
  id,
  terms: ['BG-22', term],
  message: `The document totals must give the ${name} (${term})`,
  check(doc, report) {
    if (!present(doc.totals?.[member])) report(`/totals/${member}`);
  },
});

const amountPresence = (
  id: string,
  at: (doc: HeldInvoice) => readonly AllowanceAt[],
  group: string,
  term: string,
  name: string,
): InvoiceRule => ({
  id,
  terms: [group, term],
  message: `Each ${name} (${group}) must give its amount (${term})`,
  check(doc, report) {
    for (const { entry, path } of at(doc)) if (!present(entry.amount)) report(`${path}/amount`);
  },
});

const breakdownPresence = (
  id: string,
  member: 'taxableAmount' | 'taxAmount',
  term: string,
  name: string,
): InvoiceRule => ({
  id,
  terms: ['BG-23', term],
  message: `Each VAT breakdown (BG-23) must give the ${name} (${term})`,
  check(doc, report) {
    list(doc.vatBreakdown).forEach((entry, i) => {
      if (entry && !present(entry[member])) report(`/vatBreakdown/${i}/${member}`);
    });
  },
});

// ---------------------------------------------------------------------------------------------------------
// Prices (BR-27, BR-28) and the VAT total in accounting currency (BR-53)

const netPriceNotNegative: InvoiceRule = {
  id: 'BR-27',
  terms: ['BT-146'],
  message: 'The item net price (BT-146) must not be negative',
  check(doc, report) {
    list(doc.lines).forEach((line, i) => {
      if (!line) return;
      const net = figure(line.price?.net);
      // the official test compares the price with 0: a line without one fails it too
      if (net === null)
        report(`/lines/${i}/price/net`, 'The item net price (BT-146) is missing: it cannot be 0 or more');
      else if (net && net.units < 0n)
        report(
          `/lines/${i}/price/net`,
          `The item net price (BT-146) must not be negative: ${exactText(net)}`,
        );
    });
  },
};

const grossPriceNotNegative: InvoiceRule = {
  id: 'BR-28',
  terms: ['BT-148'],
  message: 'The item gross price (BT-148) must not be negative',
  check(doc, report) {
    list(doc.lines).forEach((line, i) => {
      const gross = figure(line?.price?.gross);
      if (gross && gross.units < 0n)
        report(
          `/lines/${i}/price/gross`,
          `The item gross price (BT-148) must not be negative: ${exactText(gross)}`,
        );
    });
  },
};

const vatInAccountingCurrency: InvoiceRule = {
  id: 'BR-53',
  terms: ['BT-6', 'BT-111'],
  message:
    'With a VAT accounting currency (BT-6), the invoice total VAT amount in that currency (BT-111) must be given',
  check(doc, report) {
    const accounting = text(doc.vatAccountingCurrency);
    if (!accounting) return;
    const totals = doc.totals;
    // a VAT total in that currency: BT-111, or BT-110 when the two currencies are the same
    const inIt =
      present(totals?.vatInAccountingCurrency) || (present(totals?.vat) && text(doc.currency) === accounting);
    if (!inIt) report('/totals/vatInAccountingCurrency');
  },
};

// ---------------------------------------------------------------------------------------------------------
// How the totals add up (BR-CO-10 … BR-CO-16) and the tax of each VAT breakdown (BR-CO-17)

/** `report` with "sent …, expected …" for the figure at a totals member. */
function mismatch(
  report: Report<string>,
  member: TotalsMember,
  sent: ExactDecimal | null,
  expected: string,
): void {
  report(`/totals/${member}`, `${TERM[member]}: ${sentOrMissing(sent)}, expected ${expected}`);
}

const lineNetSum: InvoiceRule = {
  id: 'BR-CO-10',
  terms: ['BT-106', 'BT-131'],
  message: 'The sum of invoice line net amounts (BT-106) must be the sum of the line net amounts (BT-131)',
  check(doc, report) {
    const sent = figure(doc.totals?.lineExtension);
    const nets = figures(list(doc.lines), (line) => line.netAmount);
    if (sent === undefined || nets === undefined) return;
    const expected = roundHalfUp(total(nets), 2);
    if (sent === null || !same(sent, expected)) mismatch(report, 'lineExtension', sent, shown(expected));
  },
};

const documentLevelSum = (
  id: string,
  member: 'allowances' | 'charges',
  sumTerm: string,
  amountTerm: string,
  name: string,
): InvoiceRule => ({
  id,
  terms: [sumTerm, amountTerm],
  message: `The sum of ${name}s on document level (${sumTerm}) must be the sum of their amounts (${amountTerm})`,
  check(doc, report) {
    const sent = figure(doc.totals?.[member]);
    const entries = list(doc[member]);
    const amounts = figures(entries, (entry) => entry.amount);
    if (sent === undefined || amounts === undefined) return;
    // without any allowance (charge), the sum may be left out
    if (sent === null && !entries.some((entry) => entry)) return;
    const expected = roundHalfUp(total(amounts), 2);
    if (sent === null || !same(sent, expected)) mismatch(report, member, sent, shown(expected));
  },
});

const totalWithoutVat: InvoiceRule = {
  id: 'BR-CO-13',
  terms: ['BT-109', 'BT-106', 'BT-107', 'BT-108'],
  message:
    'The invoice total without VAT (BT-109) must be the sum of line net amounts (BT-106) less the allowances (BT-107) plus the charges (BT-108)',
  check(doc, report) {
    const totals = doc.totals;
    const sent = figure(totals?.taxExclusive);
    const lines = figure(totals?.lineExtension);
    const allowances = figure(totals?.allowances);
    const charges = figure(totals?.charges);
    if (sent === undefined || lines === undefined || allowances === undefined || charges === undefined)
      return;
    if (lines === null) {
      mismatch(report, 'taxExclusive', sent, 'BT-106 less BT-107 plus BT-108, but BT-106 is missing');
      return;
    }
    const exact =
      allowances === null && charges === null
        ? lines
        : roundHalfUp(minus(plus(lines, charges ?? ZERO), allowances ?? ZERO), 2);
    if (sent === null || !same(sent, exact)) mismatch(report, 'taxExclusive', sent, shown(exact));
  },
};

const totalVat: InvoiceRule = {
  id: 'BR-CO-14',
  terms: ['BT-110', 'BT-117'],
  message: 'The invoice total VAT amount (BT-110) must be the sum of the VAT category tax amounts (BT-117)',
  check(doc, report) {
    // UBL checks the VAT total that carries the breakdown, CII the VAT total in the invoice currency: a
    // document breaks the rule by both when it has the two and they do not add up
    const entries = list(doc.vatBreakdown);
    const sent = figure(doc.totals?.vat);
    if (!sent || !entries.some((entry) => entry)) return;
    const taxes = figures(entries, (entry) => entry.taxAmount);
    if (taxes === undefined) return;
    const expected = roundHalfUp(total(taxes), 2);
    if (!same(sent, expected)) mismatch(report, 'vat', sent, shown(expected));
  },
};

const totalWithVat: InvoiceRule = {
  id: 'BR-CO-15',
  terms: ['BT-112', 'BT-109', 'BT-110'],
  message:
    'The invoice total with VAT (BT-112) must be the total without VAT (BT-109) plus the total VAT amount (BT-110)',
  check(doc, report) {
    const currency = text(doc.currency);
    if (!currency) return;
    const totals = doc.totals;
    const sent = figure(totals?.taxInclusive);
    const withoutVat = figure(totals?.taxExclusive);
    if (sent === undefined || withoutVat === undefined) return;
    // the VAT totals in the invoice currency: BT-110, and BT-111 when its currency is the invoice's
    const inCurrency = [
      ...(present(totals?.vat) ? [totals?.vat] : []),
      ...(present(totals?.vatInAccountingCurrency) && text(doc.vatAccountingCurrency) === currency
        ? [totals?.vatInAccountingCurrency]
        : []),
    ];
    // without any, CII's binding takes a total with VAT equal to the total without (no VAT to add)
    if (inCurrency.length === 0 && sent && withoutVat && same(sent, withoutVat)) return;
    if (inCurrency.length !== 1) {
      report(
        '/totals/taxInclusive',
        `${TERM.taxInclusive} needs exactly one invoice total VAT amount in ${currency}, the document has ${inCurrency.length}`,
      );
      return;
    }
    const vat = figure(inCurrency[0]);
    if (vat === undefined) return;
    if (withoutVat === null || vat === null) {
      mismatch(report, 'taxInclusive', sent, 'BT-109 plus BT-110, but BT-109 is missing');
      return;
    }
    const expected = roundHalfUp(plus(withoutVat, vat), 2);
    if (sent === null || !same(sent, expected)) mismatch(report, 'taxInclusive', sent, shown(expected));
  },
};

const amountDue: InvoiceRule = {
  id: 'BR-CO-16',
  terms: ['BT-115', 'BT-112', 'BT-113', 'BT-114'],
  message:
    'The amount due for payment (BT-115) must be the total with VAT (BT-112) less the paid amount (BT-113) plus the rounding amount (BT-114)',
  check(doc, report) {
    const totals = doc.totals;
    const sent = figure(totals?.payable);
    const withVat = figure(totals?.taxInclusive);
    const prepaid = figure(totals?.prepaid);
    const rounding = figure(totals?.rounding);
    if (sent === undefined || withVat === undefined || prepaid === undefined || rounding === undefined)
      return;
    if (withVat === null) {
      mismatch(report, 'payable', sent, 'BT-112 less BT-113 plus BT-114, but BT-112 is missing');
      return;
    }
    // as the official rule compares them: the amount due less the rounding amount with the total less the
    // paid amount, each rounded to two decimals
    const owed = prepaid === null ? withVat : roundHalfUp(minus(withVat, prepaid), 2);
    const holds =
      sent !== null &&
      (rounding === null ? same(sent, owed) : same(roundHalfUp(minus(sent, rounding), 2), owed));
    if (!holds) mismatch(report, 'payable', sent, shown(plus(owed, rounding ?? ZERO)));
  },
};

const categoryTax: InvoiceRule = {
  id: 'BR-CO-17',
  terms: ['BT-117', 'BT-116', 'BT-119'],
  message:
    'The VAT category tax amount (BT-117) must be the taxable amount (BT-116) times the rate (BT-119) / 100, rounded to two decimals (within one unit)',
  check(doc, report, context) {
    // UBL's artefact takes less than one unit either way, CII's one unit at most
    const within = context.syntax === 'cii' ? 0 : -1;
    list(doc.vatBreakdown).forEach((entry, i) => {
      if (!entry) return;
      const tax = figure(entry.taxAmount);
      const taxable = figure(entry.taxableAmount);
      const rate = figure(entry.rate);
      if (tax === undefined || taxable === undefined || rate === undefined) return;
      const path = `/vatBreakdown/${i}/taxAmount`;
      const category = text(entry.category);
      const what = `BT-117 VAT category tax amount${category ? ` (${category})` : ''}`;
      // a rate that rounds to zero, or none: a tax amount that rounds to zero
      if (rate === null || roundHalfUp(rate, 0).units === 0n) {
        if (tax === null || roundHalfUp(tax, 0).units !== 0n)
          report(path, `${what}: ${sentOrMissing(tax)}, expected 0 (rounded to a whole number)`);
        return;
      }
      if (taxable === null) {
        report(path, `${what}: the taxable amount (BT-116) it is computed from is missing`);
        return;
      }
      const expected = roundHalfUp(times(absolute(taxable), hundredth(rate)), 2);
      const size = tax === null ? undefined : absolute(tax);
      const holds =
        size !== undefined &&
        compare(minus(size, ONE), expected) <= within &&
        compare(plus(size, ONE), expected) >= -within;
      if (!holds)
        report(
          path,
          `${what}: ${sentOrMissing(tax)}, expected ${taxable.units < 0n ? '-' : ''}${shown(expected)} (within 1)`,
        );
    });
  },
};

// ---------------------------------------------------------------------------------------------------------
// At most two decimals on amounts (BR-DEC-*)

/** Where a BR-DEC rule looks: the amounts of one term, each with its JSON Pointer. */
type AmountsOf = (doc: HeldInvoice) => Array<readonly [path: string, value: unknown]>;

const ofTotals = (member: TotalsMember): AmountsOf => {
  const path = `/totals/${member}`;
  return (doc) => [[path, doc.totals?.[member]]];
};
const ofEntries =
  (at: (doc: HeldInvoice) => readonly AllowanceAt[], member: 'amount' | 'baseAmount'): AmountsOf =>
  (doc) =>
    at(doc).map(({ entry, path }) => [`${path}/${member}`, entry[member]] as const);
const ofBreakdown =
  (member: 'taxableAmount' | 'taxAmount'): AmountsOf =>
  (doc) =>
    list(doc.vatBreakdown).map((entry, i) => [`/vatBreakdown/${i}/${member}`, entry?.[member]] as const);
const ofLineNets: AmountsOf = (doc) =>
  list(doc.lines).map((line, i) => [`/lines/${i}/netAmount`, line?.netAmount] as const);

/** The decimals a term is written with (`substring-after(., '.')`). */
function writtenDecimals(value: unknown): number {
  const written = typeof value === 'number' ? decimalText(value) : text(value);
  const dot = written?.indexOf('.') ?? -1;
  return dot < 0 ? 0 : written!.length - dot - 1;
}

/** The decimals a value needs (trailing zeros not counted), as CII's BR-DEC-13 and BR-DEC-15 compare. */
function neededDecimals(value: unknown): number {
  const exact = decimal(value);
  return exact === undefined ? 0 : (exactText(exact).split('.')[1]?.length ?? 0);
}

/**
 * The BR-DEC rules: id, term, name and where the amounts are. BR-DEC-13 and BR-DEC-15 judge the value (as
 * EN 16931's CII binding does; its UBL binding never fires them), the others the text as written.
 */
const DECIMAL_RULES: ReadonlyArray<
  readonly [id: string, term: string, name: string, of: AmountsOf, byValue?: true]
> = [
  [
    'BR-DEC-01',
    'BT-92',
    'document level allowance amount',
    ofEntries((d) => documentLevel(d, 'allowances'), 'amount'),
  ],
  [
    'BR-DEC-02',
    'BT-93',
    'document level allowance base amount',
    ofEntries((d) => documentLevel(d, 'allowances'), 'baseAmount'),
  ],
  [
    'BR-DEC-05',
    'BT-99',
    'document level charge amount',
    ofEntries((d) => documentLevel(d, 'charges'), 'amount'),
  ],
  [
    'BR-DEC-06',
    'BT-100',
    'document level charge base amount',
    ofEntries((d) => documentLevel(d, 'charges'), 'baseAmount'),
  ],
  ['BR-DEC-09', 'BT-106', 'sum of invoice line net amounts', ofTotals('lineExtension')],
  ['BR-DEC-10', 'BT-107', 'sum of allowances on document level', ofTotals('allowances')],
  ['BR-DEC-11', 'BT-108', 'sum of charges on document level', ofTotals('charges')],
  ['BR-DEC-12', 'BT-109', 'invoice total amount without VAT', ofTotals('taxExclusive')],
  ['BR-DEC-13', 'BT-110', 'invoice total VAT amount', ofTotals('vat'), true],
  ['BR-DEC-14', 'BT-112', 'invoice total amount with VAT', ofTotals('taxInclusive')],
  [
    'BR-DEC-15',
    'BT-111',
    'invoice total VAT amount in accounting currency',
    ofTotals('vatInAccountingCurrency'),
    true,
  ],
  ['BR-DEC-16', 'BT-113', 'paid amount', ofTotals('prepaid')],
  ['BR-DEC-17', 'BT-114', 'rounding amount', ofTotals('rounding')],
  ['BR-DEC-18', 'BT-115', 'amount due for payment', ofTotals('payable')],
  ['BR-DEC-19', 'BT-116', 'VAT category taxable amount', ofBreakdown('taxableAmount')],
  ['BR-DEC-20', 'BT-117', 'VAT category tax amount', ofBreakdown('taxAmount')],
  ['BR-DEC-23', 'BT-131', 'invoice line net amount', ofLineNets],
  [
    'BR-DEC-24',
    'BT-136',
    'invoice line allowance amount',
    ofEntries((d) => lineLevel(d, 'allowances'), 'amount'),
  ],
  [
    'BR-DEC-25',
    'BT-137',
    'invoice line allowance base amount',
    ofEntries((d) => lineLevel(d, 'allowances'), 'baseAmount'),
  ],
  ['BR-DEC-27', 'BT-141', 'invoice line charge amount', ofEntries((d) => lineLevel(d, 'charges'), 'amount')],
  [
    'BR-DEC-28',
    'BT-142',
    'invoice line charge base amount',
    ofEntries((d) => lineLevel(d, 'charges'), 'baseAmount'),
  ],
];

const decimalRules: InvoiceRule[] = DECIMAL_RULES.map(([id, term, name, of, byValue]) => ({
  id,
  terms: [term],
  message: `The ${name} (${term}) may have at most 2 decimals`,
  check(doc, report) {
    for (const [path, value] of of(doc)) {
      if (!present(value)) continue;
      if ((byValue ? neededDecimals(value) : writtenDecimals(value)) > 2)
        report(path, `The ${name} (${term}) may have at most 2 decimals, got ${text(value) ?? ''}`);
    }
  },
}));

export const en16931Arithmetic: InvoiceRuleModule = {
  id: 'en16931-arithmetic',
  set: 'en16931',
  title:
    'EN 16931 calculation rules (BR-12 … BR-15, BR-CO-10 … BR-CO-17, BR-DEC-* and the amounts they need)',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: [
    totalPresence('BR-12', 'lineExtension', 'BT-106', 'sum of invoice line net amounts'),
    totalPresence('BR-13', 'taxExclusive', 'BT-109', 'invoice total amount without VAT'),
    totalPresence('BR-14', 'taxInclusive', 'BT-112', 'invoice total amount with VAT'),
    totalPresence('BR-15', 'payable', 'BT-115', 'amount due for payment'),
    netPriceNotNegative,
    grossPriceNotNegative,
    amountPresence(
      'BR-31',
      (d) => documentLevel(d, 'allowances'),
      'BG-20',
      'BT-92',
      'document level allowance',
    ),
    amountPresence('BR-36', (d) => documentLevel(d, 'charges'), 'BG-21', 'BT-99', 'document level charge'),
    amountPresence('BR-41', (d) => lineLevel(d, 'allowances'), 'BG-27', 'BT-136', 'invoice line allowance'),
    amountPresence('BR-43', (d) => lineLevel(d, 'charges'), 'BG-28', 'BT-141', 'invoice line charge'),
    breakdownPresence('BR-45', 'taxableAmount', 'BT-116', 'VAT category taxable amount'),
    breakdownPresence('BR-46', 'taxAmount', 'BT-117', 'VAT category tax amount'),
    vatInAccountingCurrency,
    lineNetSum,
    documentLevelSum('BR-CO-11', 'allowances', 'BT-107', 'BT-92', 'allowance'),
    documentLevelSum('BR-CO-12', 'charges', 'BT-108', 'BT-99', 'charge'),
    totalWithoutVat,
    totalVat,
    totalWithVat,
    amountDue,
    categoryTax,
    ...decimalRules,
  ],
};

import { exactCompare, exactText, type ExactDecimal } from '../../model/exact-decimal';
import type { HeldInvoice, InvoiceRule, InvoiceRuleModule, Report } from '../rule';
import { oncePerRun } from '../engine';
import { EN16931_SOURCE } from '../sources';
import { decimal, list, present, text } from '../values';
import { VAT_CATEGORY_RULES, type VatCategoryRules } from './vat/categories';
import { absolute, plus, roundHalfUp, times, withinLessThanOne, ZERO } from './vat/figures';

/**
 * The rules of EN 16931 per VAT category (BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G, BR-O, BR-AF, BR-AG: 01 … 10),
 * built from the table of what each category requires (`vat/categories.ts`), and the few that only one
 * category has (BR-IC-11/12, BR-O-11 … 14, BR-B-01/02). The predicates follow the official UBL binding: a
 * category is the normalised text of its code; a rate or amount that is not a decimal counts as absent.
 */

/** Where a VAT category is used: on a line (BG-30), a document level allowance (BG-20) or charge (BG-21). */
type UseKind = 'line' | 'allowance' | 'charge';

interface UseKindFacts {
  /** The number of its party rule (BR-x-02 … 04) and its rate rule (BR-x-05 … 07). */
  readonly partyRule: string;
  readonly rateRule: string;
  readonly label: string;
  readonly categoryTerm: string;
  readonly rateTerm: string;
  readonly group: string;
  categoryPath(index: number): string;
  ratePath(index: number): string;
}

const USE_KINDS: Record<UseKind, UseKindFacts> = {
  line: {
    partyRule: '02',
    rateRule: '05',
    label: 'An invoice line',
    categoryTerm: 'BT-151',
    rateTerm: 'BT-152',
    group: 'BG-25',
    categoryPath: (i) => `/lines/${i}/vat/category`,
    ratePath: (i) => `/lines/${i}/vat/rate`,
  },
  allowance: {
    partyRule: '03',
    rateRule: '06',
    label: 'A document level allowance',
    categoryTerm: 'BT-95',
    rateTerm: 'BT-96',
    group: 'BG-20',
    categoryPath: (i) => `/allowances/${i}/vatCategory`,
    ratePath: (i) => `/allowances/${i}/vatRate`,
  },
  charge: {
    partyRule: '04',
    rateRule: '07',
    label: 'A document level charge',
    categoryTerm: 'BT-102',
    rateTerm: 'BT-103',
    group: 'BG-21',
    categoryPath: (i) => `/charges/${i}/vatCategory`,
    ratePath: (i) => `/charges/${i}/vatRate`,
  },
};

/** One use of a VAT category: its code (normalised text), its rate and the amount it adds to the category. */
interface VatUse {
  readonly kind: UseKind;
  readonly index: number;
  readonly category: string | undefined;
  readonly rate: unknown;
  /** The line net amount (BT-131) or the allowance or charge amount (BT-92, BT-99). */
  readonly amount: unknown;
  /** The rate and the amount as decimals (undefined when absent or not one), read once for every rule. */
  readonly rateValue: ExactDecimal | undefined;
  readonly amountValue: ExactDecimal | undefined;
}

/** A use of a VAT category, its rate and amount read. */
const useOf = (
  kind: UseKind,
  index: number,
  category: string | undefined,
  rate: unknown,
  amount: unknown,
): VatUse => ({
  kind,
  index,
  category,
  rate,
  amount,
  rateValue: decimal(rate),
  amountValue: decimal(amount),
});

/** The lines (with VAT information), allowances and charges of the document, in that order. */
const allUsesOf = oncePerRun((doc: HeldInvoice): readonly VatUse[] => {
  const uses: VatUse[] = [];
  list(doc.lines).forEach((line, index) => {
    const vat = line?.vat;
    if (vat) uses.push(useOf('line', index, text(vat.category), vat.rate, line.netAmount));
  });
  for (const kind of ['allowance', 'charge'] as const)
    list(kind === 'allowance' ? doc.allowances : doc.charges).forEach((ac, index) => {
      if (ac) uses.push(useOf(kind, index, text(ac.vatCategory), ac.vatRate, ac.amount));
    });
  return uses;
});

/** The uses of one category (or of none: `undefined`), all of them and by kind, in the document's order. */
interface CategoryUses {
  readonly all: VatUse[];
  readonly line: VatUse[];
  readonly allowance: VatUse[];
  readonly charge: VatUse[];
}

const NO_USES: CategoryUses = { all: [], line: [], allowance: [], charge: [] };

/**
 * The uses of the document by kind and by category, sorted once per run: each category has some thirty rules
 * that ask for its uses, most of them of a category the document does not use.
 */
const sortedUsesOf = oncePerRun((doc: HeldInvoice) => {
  const byKind: Record<UseKind, VatUse[]> = { line: [], allowance: [], charge: [] };
  const byCategory = new Map<string | undefined, CategoryUses>();
  for (const use of allUsesOf(doc)) {
    byKind[use.kind].push(use);
    let uses = byCategory.get(use.category);
    if (!uses) byCategory.set(use.category, (uses = { all: [], line: [], allowance: [], charge: [] }));
    uses.all.push(use);
    uses[use.kind].push(use);
  }
  return { byKind, byCategory };
});

/** The uses of VAT categories of the document, all of them or those of one kind. */
function usesOf(doc: HeldInvoice, kinds?: readonly [UseKind]): readonly VatUse[] {
  return kinds === undefined ? allUsesOf(doc) : sortedUsesOf(doc).byKind[kinds[0]];
}

/** The uses of the category `code`, all of them or those of one kind (`usesOf` of that category). */
function usesOfCategory(doc: HeldInvoice, code: string, kind?: UseKind): readonly VatUse[] {
  const uses = sortedUsesOf(doc).byCategory.get(code) ?? NO_USES;
  return kind === undefined ? uses.all : uses[kind];
}

type BreakdownEntry = NonNullable<NonNullable<HeldInvoice['vatBreakdown']>[number]>;
type PlacedEntry = { entry: BreakdownEntry; index: number };

/** The VAT breakdown entries of the document by category, with their positions. */
const entriesByCategory = oncePerRun((doc: HeldInvoice): ReadonlyMap<string | undefined, PlacedEntry[]> => {
  const byCategory = new Map<string | undefined, PlacedEntry[]>();
  list(doc.vatBreakdown).forEach((entry, index) => {
    if (!entry) return;
    const category = text(entry.category);
    const entries = byCategory.get(category);
    if (entries) entries.push({ entry, index });
    else byCategory.set(category, [{ entry, index }]);
  });
  return byCategory;
});

const NO_ENTRIES: readonly PlacedEntry[] = [];

/** The VAT breakdown entries of one category, with their positions. */
function entriesOf(doc: HeldInvoice, code: string): readonly PlacedEntry[] {
  return entriesByCategory(doc).get(code) ?? NO_ENTRIES;
}

const hasLines = (doc: HeldInvoice): boolean => list(doc.lines).some((line) => line !== undefined);

const sameRate = (use: VatUse, wanted: ExactDecimal): boolean => {
  const value = use.rateValue;
  return value !== undefined && exactCompare(value, wanted) === 0;
};

/** Lines' net amounts plus charges less allowances, of the uses given. */
function taxableSum(uses: readonly VatUse[]): ExactDecimal {
  let sum = ZERO;
  for (const use of uses) {
    const amount = use.amountValue;
    if (amount === undefined) continue;
    sum = plus(sum, use.kind === 'allowance' ? { units: -amount.units, scale: amount.scale } : amount);
  }
  return sum;
}

const show = (value: ExactDecimal | undefined): string => (value === undefined ? 'none' : exactText(value));

function rule(
  id: string,
  terms: readonly string[],
  message: string,
  check: (doc: HeldInvoice, report: Report<string>) => void,
): InvoiceRule {
  return { id, terms, message, check };
}

// BR-x-01

function breakdownRule(c: VatCategoryRules): InvoiceRule {
  const id = `${c.prefix}-01`;
  const terms = ['BG-23', 'BT-118', 'BT-151', 'BT-95', 'BT-102'];
  if (c.breakdown === 'at-least-one')
    return rule(
      id,
      terms,
      `Lines, allowances or charges of VAT category ${c.code} (${c.name}) need a VAT breakdown entry (BG-23) of that category, and such an entry needs one of them`,
      (doc, report) => {
        const used = usesOfCategory(doc, c.code).length > 0;
        const entries = entriesOf(doc, c.code);
        if (used && entries.length === 0)
          report('/vatBreakdown', `The VAT breakdown has no entry of category ${c.code} (${c.name})`);
        if (!used && entries.length > 0)
          report(
            `/vatBreakdown/${entries[0]!.index}/category`,
            `The VAT breakdown has an entry of category ${c.code} (${c.name}) that no line, allowance or charge uses`,
          );
      },
    );
  return rule(
    id,
    terms,
    `An invoice using VAT category ${c.code} (${c.name}) has exactly one VAT breakdown entry (BG-23) of that category`,
    (doc, report) => {
      const entries = entriesOf(doc, c.code);
      if (entries.length === 1) return;
      if (entries.length > 1) {
        report(
          `/vatBreakdown/${entries[1]!.index}/category`,
          `The VAT breakdown has ${entries.length} entries of category ${c.code} (${c.name}), one is wanted`,
        );
        return;
      }
      if (usesOfCategory(doc, c.code).length > 0)
        report('/vatBreakdown', `The VAT breakdown has no entry of category ${c.code} (${c.name})`);
    },
  );
}

// BR-x-02 … 04

const SELLER_TEXT = {
  'tax-id':
    "the seller's VAT identifier (BT-31) or tax registration identifier (BT-32), or the seller tax representative's VAT identifier (BT-63)",
  'vat-id': "the seller's VAT identifier (BT-31) or the seller tax representative's VAT identifier (BT-63)",
} as const;
const BUYER_TEXT = {
  'vat-or-legal-id': "the buyer's VAT identifier (BT-48) or legal registration identifier (BT-47)",
  'vat-id': "the buyer's VAT identifier (BT-48)",
} as const;
const SELLER_TERMS = { 'tax-id': ['BT-31', 'BT-32', 'BT-63'], 'vat-id': ['BT-31', 'BT-63'] } as const;
const BUYER_TERMS = { 'vat-or-legal-id': ['BT-48', 'BT-47'], 'vat-id': ['BT-48'] } as const;

function partyRule(c: VatCategoryRules, kind: UseKind): InvoiceRule {
  const facts = USE_KINDS[kind];
  const id = `${c.prefix}-${facts.partyRule}`;
  const used = (doc: HeldInvoice) => usesOfCategory(doc, c.code, kind).length > 0;
  if (c.seller === 'no-vat-id')
    return rule(
      id,
      [facts.categoryTerm, 'BT-31', 'BT-63', 'BT-48'],
      `${facts.label} of VAT category ${c.code} (${c.name}) excludes the VAT identifiers of the seller (BT-31), the seller tax representative (BT-63) and the buyer (BT-48)`,
      (doc, report) => {
        if (!used(doc)) return;
        if (present(doc.seller?.vatId)) report('/seller/vatId');
        if (present(doc.taxRepresentative?.vatId)) report('/taxRepresentative/vatId');
        if (present(doc.buyer?.vatId)) report('/buyer/vatId');
      },
    );
  const seller = c.seller;
  const buyer = c.buyer;
  return rule(
    id,
    [facts.categoryTerm, ...SELLER_TERMS[seller], ...(buyer ? BUYER_TERMS[buyer] : [])],
    `${facts.label} of VAT category ${c.code} (${c.name}) needs ${SELLER_TEXT[seller]}${buyer ? `, and ${BUYER_TEXT[buyer]}` : ''}`,
    (doc, report) => {
      if (!used(doc)) return;
      const sellerHas =
        present(doc.seller?.vatId) ||
        (seller === 'tax-id' && present(doc.seller?.taxRegistrationId)) ||
        present(doc.taxRepresentative?.vatId);
      if (!sellerHas)
        report('/seller/vatId', `VAT category ${c.code} (${c.name}) needs ${SELLER_TEXT[seller]}`);
      if (!buyer) return;
      const buyerHas =
        present(doc.buyer?.vatId) ||
        (buyer === 'vat-or-legal-id' && present(doc.buyer?.legalRegistration?.id));
      if (!buyerHas) report('/buyer/vatId', `VAT category ${c.code} (${c.name}) needs ${BUYER_TEXT[buyer]}`);
    },
  );
}

// BR-x-05 … 07

const RATE_TEXT = {
  positive: 'above 0',
  zero: '0',
  'not-negative': '0 or above',
} as const;

function rateHolds(demand: VatCategoryRules['rate'], use: VatUse): boolean {
  if (demand === 'none') return !present(use.rate);
  const value = use.rateValue;
  if (value === undefined) return false;
  const sign = value.units === 0n ? 0 : value.units > 0n ? 1 : -1;
  return demand === 'positive' ? sign > 0 : demand === 'zero' ? sign === 0 : sign >= 0;
}

function rateRule(c: VatCategoryRules, kind: UseKind): InvoiceRule {
  const facts = USE_KINDS[kind];
  const demand = c.rate;
  const message =
    demand === 'none'
      ? `${facts.label} of VAT category ${c.code} (${c.name}) has no VAT rate (${facts.rateTerm})`
      : `The VAT rate (${facts.rateTerm}) of ${facts.label.toLowerCase()} of VAT category ${c.code} (${c.name}) is ${RATE_TEXT[demand]}`;
  return rule(
    `${c.prefix}-${facts.rateRule}`,
    [facts.categoryTerm, facts.rateTerm],
    message,
    (doc, report) => {
      for (const use of usesOfCategory(doc, c.code, kind))
        if (!rateHolds(demand, use))
          report(
            facts.ratePath(use.index),
            present(use.rate)
              ? `${message}; it is ${String(use.rate)}`
              : demand === 'none'
                ? message
                : `${message}; it has none`,
          );
    },
  );
}

// BR-x-08

function taxableRule(c: VatCategoryRules): InvoiceRule {
  const id = `${c.prefix}-08`;
  const terms = ['BT-116', 'BT-118', 'BT-119', 'BT-131', 'BT-92', 'BT-99'];
  if (c.taxable === 'whole category')
    return rule(
      id,
      terms,
      `The taxable amount (BT-116) of the VAT breakdown entry of category ${c.code} (${c.name}) equals the line net amounts (BT-131) plus the document level charges (BT-99) less the document level allowances (BT-92) of that category`,
      (doc, report) => {
        const entries = entriesOf(doc, c.code);
        if (entries.length === 0) return;
        const lines = hasLines(doc);
        const sum = taxableSum(usesOfCategory(doc, c.code));
        for (const { entry, index } of entries) {
          const taxable = decimal(entry.taxableAmount);
          if (lines && taxable !== undefined && exactCompare(taxable, sum) === 0) continue;
          report(
            `/vatBreakdown/${index}/taxableAmount`,
            lines
              ? `The taxable amount of category ${c.code} is ${show(taxable)}; its lines, charges and allowances make ${exactText(sum)}`
              : `A VAT breakdown entry of category ${c.code} needs invoice lines its taxable amount adds up`,
          );
        }
      },
    );
  const used = c.taxable === 'per-rate, used';
  return rule(
    id,
    terms,
    `The taxable amount (BT-116) of a VAT breakdown entry of category ${c.code} (${c.name}) equals, within less than 1, the line net amounts (BT-131) plus the document level charges (BT-99) less the document level allowances (BT-92) of that category at its rate (BT-119)${used ? ', of which there is one at least' : ''}`,
    (doc, report) => {
      const entries = entriesOf(doc, c.code);
      if (entries.length === 0) return;
      const uses = usesOfCategory(doc, c.code);
      const lines = hasLines(doc);
      for (const { entry, index } of entries) {
        const rate = decimal(entry.rate);
        if (rate === undefined) continue; // the rule holds for every rate the entry has: here none
        const atRate = uses.filter((use) => sameRate(use, rate));
        const sum = taxableSum(atRate);
        const taxable = decimal(entry.taxableAmount);
        const basis = used ? atRate.length > 0 : lines;
        if (basis && taxable !== undefined && withinLessThanOne(taxable, sum)) continue;
        report(
          `/vatBreakdown/${index}/taxableAmount`,
          basis
            ? `The taxable amount of category ${c.code} at ${exactText(rate)} % is ${show(taxable)}; its lines, charges and allowances make ${exactText(sum)}`
            : used
              ? `No line, allowance or charge has category ${c.code} at ${exactText(rate)} %, which the VAT breakdown names`
              : `A VAT breakdown entry of category ${c.code} needs invoice lines its taxable amount adds up`,
        );
      }
    },
  );
}

// BR-x-09

function taxRule(c: VatCategoryRules): InvoiceRule {
  const id = `${c.prefix}-09`;
  if (c.tax === 'zero')
    return rule(
      id,
      ['BT-117', 'BT-118'],
      `The tax amount (BT-117) of a VAT breakdown entry of category ${c.code} (${c.name}) is 0`,
      (doc, report) => {
        for (const { entry, index } of entriesOf(doc, c.code)) {
          const tax = decimal(entry.taxAmount);
          if (tax === undefined || tax.units !== 0n)
            report(
              `/vatBreakdown/${index}/taxAmount`,
              `The tax amount of category ${c.code} (${c.name}) is ${show(tax)}, 0 is wanted`,
            );
        }
      },
    );
  return rule(
    id,
    ['BT-117', 'BT-116', 'BT-118', 'BT-119'],
    `The tax amount (BT-117) of a VAT breakdown entry of category ${c.code} (${c.name}) equals, within less than 1, its taxable amount (BT-116) × its rate (BT-119) ÷ 100, rounded to two decimals`,
    (doc, report) => {
      for (const { entry, index } of entriesOf(doc, c.code)) {
        const tax = decimal(entry.taxAmount);
        const taxable = decimal(entry.taxableAmount);
        const rate = decimal(entry.rate);
        // |taxable| × rate ÷ 100 rounded to cents (halves up), as whole cents
        const expected =
          taxable && rate ? { units: roundHalfUp(times(absolute(taxable), rate)), scale: 2 } : undefined;
        if (tax && expected && withinLessThanOne(absolute(tax), expected)) continue;
        report(
          `/vatBreakdown/${index}/taxAmount`,
          expected
            ? `The tax amount of category ${c.code} at ${show(rate)} % is ${show(tax)}; ${show(taxable)} × ${show(rate)} % makes ${exactText(expected)}`
            : `A VAT breakdown entry of category ${c.code} needs a tax amount (BT-117), a taxable amount (BT-116) and a rate (BT-119)`,
        );
      }
    },
  );
}

// BR-x-10

function exemptionRule(c: VatCategoryRules): InvoiceRule {
  const id = `${c.prefix}-10`;
  const terms = ['BT-118', 'BT-120', 'BT-121'];
  if (c.exemption === 'forbidden')
    return rule(
      id,
      terms,
      `A VAT breakdown entry of category ${c.code} (${c.name}) has neither an exemption reason (BT-120) nor an exemption reason code (BT-121)`,
      (doc, report) => {
        for (const { entry, index } of entriesOf(doc, c.code)) {
          if (present(entry.exemptionReason)) report(`/vatBreakdown/${index}/exemptionReason`);
          else if (present(entry.exemptionReasonCode)) report(`/vatBreakdown/${index}/exemptionReasonCode`);
        }
      },
    );
  return rule(
    id,
    terms,
    `A VAT breakdown entry of category ${c.code} (${c.name}) has an exemption reason (BT-120) or an exemption reason code (BT-121)`,
    (doc, report) => {
      for (const { entry, index } of entriesOf(doc, c.code))
        if (!present(entry.exemptionReason) && !present(entry.exemptionReasonCode))
          report(`/vatBreakdown/${index}/exemptionReason`);
    },
  );
}

function categoryRules(c: VatCategoryRules): InvoiceRule[] {
  return [
    breakdownRule(c),
    partyRule(c, 'line'),
    partyRule(c, 'allowance'),
    partyRule(c, 'charge'),
    rateRule(c, 'line'),
    rateRule(c, 'allowance'),
    rateRule(c, 'charge'),
    taxableRule(c),
    taxRule(c),
    exemptionRule(c),
  ];
}

// The rules of one category only

const hasEntryOf = (doc: HeldInvoice, code: string): boolean => entriesOf(doc, code).length > 0;

const INTRA_COMMUNITY: readonly InvoiceRule[] = [
  rule(
    'BR-IC-11',
    ['BT-118', 'BT-72', 'BG-14'],
    'An invoice with a VAT breakdown entry of category K (intra-community supply) has an actual delivery date (BT-72) or an invoicing period (BG-14)',
    (doc, report) => {
      if (!hasEntryOf(doc, 'K')) return;
      const date = doc.delivery?.date;
      if (typeof date === 'string' && date.length > 1) return;
      // any member of the invoicing period element counts, the VAT point date code (BT-8) too in UBL
      if (present(doc.invoicingPeriod?.start) || present(doc.invoicingPeriod?.end)) return;
      if (present(doc.vatPointDateCode)) return;
      report('/delivery/date');
    },
  ),
  rule(
    'BR-IC-12',
    ['BT-118', 'BT-80'],
    'An invoice with a VAT breakdown entry of category K (intra-community supply) has a deliver-to country code (BT-80)',
    (doc, report) => {
      if (!hasEntryOf(doc, 'K')) return;
      const country = doc.delivery?.address?.country;
      if (typeof country !== 'string' || country.length <= 1) report('/delivery/address/country');
    },
  ),
];

const NOT_SUBJECT: readonly InvoiceRule[] = [
  rule(
    'BR-O-11',
    ['BT-118', 'BG-23'],
    'An invoice with a VAT breakdown entry of category O (not subject to VAT) has no VAT breakdown entry of another category',
    (doc, report) => {
      if (!hasEntryOf(doc, 'O')) return;
      list(doc.vatBreakdown).forEach((entry, index) => {
        if (present(entry?.category) && text(entry?.category) !== 'O')
          report(`/vatBreakdown/${index}/category`);
      });
    },
  ),
  ...(['line', 'allowance', 'charge'] as const).map((kind, i) => {
    const facts = USE_KINDS[kind];
    return rule(
      `BR-O-${12 + i}`,
      ['BT-118', facts.categoryTerm],
      `An invoice with a VAT breakdown entry of category O (not subject to VAT) has no ${facts.label.replace(/^An? /, '').toLowerCase()} (${facts.group}) of another VAT category (${facts.categoryTerm})`,
      (doc, report) => {
        if (!hasEntryOf(doc, 'O')) return;
        for (const use of usesOf(doc, [kind]))
          if ((use.category !== undefined || present(use.rate)) && use.category !== 'O')
            report(facts.categoryPath(use.index));
      },
    );
  }),
];

/** Every country code of the document (`//cbc:IdentificationCode` in UBL), with its place. */
function countriesOf(doc: HeldInvoice): Array<[string, unknown]> {
  const countries: Array<[string, unknown]> = [
    ['/seller/address/country', doc.seller?.address?.country],
    ['/buyer/address/country', doc.buyer?.address?.country],
    ['/taxRepresentative/address/country', doc.taxRepresentative?.address?.country],
    ['/delivery/address/country', doc.delivery?.address?.country],
  ];
  list(doc.lines).forEach((line, index) =>
    countries.push([`/lines/${index}/item/originCountry`, line?.item?.originCountry]),
  );
  return countries.filter(([, country]) => present(country));
}

/** Whether category `code` appears at all: in the breakdown, on a line, a document allowance or charge. */
const appears = (doc: HeldInvoice, code: string): boolean =>
  entriesOf(doc, code).length > 0 || usesOfCategory(doc, code).length > 0;

/** Where category B (split payment) or S appears: breakdown, lines, document allowances and charges. */
function placesOf(doc: HeldInvoice, code: string): string[] {
  const places: string[] = [];
  list(doc.vatBreakdown).forEach((entry, index) => {
    if (text(entry?.category) === code) places.push(`/vatBreakdown/${index}/category`);
  });
  for (const use of usesOf(doc))
    if (use.category === code) places.push(USE_KINDS[use.kind].categoryPath(use.index));
  return places;
}

const SPLIT_PAYMENT: readonly InvoiceRule[] = [
  rule(
    'BR-B-01',
    ['BT-151', 'BT-95', 'BT-102', 'BT-118', 'BT-40', 'BT-55'],
    'An invoice with VAT category B (split payment) is a domestic Italian invoice: every country code in it is IT',
    (doc, report) => {
      if (!appears(doc, 'B')) return;
      const foreign = countriesOf(doc).find(([, country]) => country !== 'IT');
      if (foreign)
        report(
          foreign[0],
          `Split payment (category B) is for Italian invoices; ${String(foreign[1])} is not IT`,
        );
    },
  ),
  rule(
    'BR-B-02',
    ['BT-151', 'BT-95', 'BT-102', 'BT-118'],
    'An invoice with VAT category B (split payment) has no line, allowance, charge or VAT breakdown entry of category S (standard rated)',
    (doc, report) => {
      if (!appears(doc, 'B')) return;
      const standard = placesOf(doc, 'S');
      if (standard.length > 0) report(standard[0]!);
    },
  ),
];

const RULES: readonly InvoiceRule[] = [
  ...VAT_CATEGORY_RULES.flatMap(categoryRules),
  ...INTRA_COMMUNITY,
  ...NOT_SUBJECT,
  ...SPLIT_PAYMENT,
];

export const en16931Vat: InvoiceRuleModule = {
  id: 'en16931-vat',
  set: 'en16931',
  title: 'EN 16931 VAT category rules (BR-S/Z/E/AE/IC/G/O/AF/AG/B-*)',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: RULES,
};

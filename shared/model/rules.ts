import type { ProblemDetail } from '../errors';
import { CATEGORY_RULES } from './calculation';
import { decimalOf as dec } from './exact-decimal';
import type { CanonicalInvoice, VatCategoryCode } from './invoice';

/** Credit note type codes (UNTDID 1001). */
export const CREDIT_NOTE_TYPES: ReadonlySet<string> = new Set([
  '81',
  '83',
  '261',
  '262',
  '296',
  '308',
  '381',
  '396',
  '420',
  '458',
  '502',
  '503',
  '532',
]);

/** Payment means codes (UNTDID 4461) that EN 16931 accepts (BR-CL-16): 1 … 70, 74 … 78, 91 … 98 and ZZZ. */
export function isPaymentMeansCode(code: string): boolean {
  if (code === 'ZZZ') return true;
  if (!/^[1-9][0-9]?$/.test(code)) return false;
  const n = Number(code);
  return n <= 70 || (n >= 74 && n <= 78) || (n >= 91 && n <= 98);
}

/**
 * The form of a VAT exemption reason code (BR-CL-22, which compares in upper case): VATEX-, a scheme (EU or a
 * country), a reference. Every code of the CEF VATEX list has it; membership of the list is not checked.
 */
const VATEX_FORM = /^VATEX-[A-Z]+-[A-Z0-9-]+$/;

const ZERO_RATED: ReadonlySet<VatCategoryCode> = new Set(['Z', 'E', 'AE', 'K', 'G']);
const VAT_PREFIXES_OUTSIDE_ISO = new Set(['EL']); // Greece uses EL in VAT identifiers

/**
 * The EN 16931 business rules that are not arithmetic (those are in `calculate`): conditional
 * requirements, VAT category rules, consistency of dates and parties. Each problem names its rule id and
 * the JSON path. Expects a schema-valid invoice.
 */
export function checkBusinessRules(
  invoice: CanonicalInvoice,
  isoCountries: ReadonlySet<string>,
): ProblemDetail[] {
  const problems: ProblemDetail[] = [];
  const problem = (path: string, code: string, message: string) => problems.push({ path, code, message });
  const seller = invoice.seller;
  const buyer = invoice.buyer;

  if (invoice.taxPointDate !== undefined && invoice.vatPointDateCode !== undefined) {
    problem(
      '/vatPointDateCode',
      'BR-CO-03',
      'BT-7 Value added tax point date and BT-8 its code are mutually exclusive',
    );
  }
  if (!seller.identifiers?.length && !seller.legalRegistration && !seller.vatId) {
    problem(
      '/seller',
      'BR-CO-26',
      'The seller needs an identifier (BT-29), a legal registration identifier (BT-30) or a VAT identifier (BT-31)',
    );
  }
  for (const [path, vatId] of [
    ['/seller/vatId', seller.vatId],
    ['/buyer/vatId', buyer.vatId],
    ['/taxRepresentative/vatId', invoice.taxRepresentative?.vatId],
  ] as const) {
    if (vatId && !isoCountries.has(vatId.slice(0, 2)) && !VAT_PREFIXES_OUTSIDE_ISO.has(vatId.slice(0, 2))) {
      problem(path, 'BR-CO-09', `VAT identifier ${vatId} must start with an ISO 3166-1 alpha-2 country code`);
    }
  }
  if (
    invoice.invoicingPeriod?.start &&
    invoice.invoicingPeriod.end &&
    invoice.invoicingPeriod.end < invoice.invoicingPeriod.start
  ) {
    problem(
      '/invoicingPeriod/end',
      'BR-29',
      'BT-74 Invoicing period end date must not be before BT-73 start date',
    );
  }
  invoice.lines.forEach((line, i) => {
    if (line.period?.start && line.period.end && line.period.end < line.period.start) {
      problem(
        `/lines/${i}/period/end`,
        'BR-30',
        'BT-135 Invoice line period end date must not be before BT-134 start date',
      );
    }
  });
  const means = invoice.payment?.meansCode;
  if (means !== undefined && !isPaymentMeansCode(means.trim())) {
    problem(
      '/payment/meansCode',
      'BR-CL-16',
      `Payment means code ${means} is not one of UNTDID 4461 (1 … 70, 74 … 78, 91 … 98, ZZZ)`,
    );
  }
  const card = invoice.payment?.card?.primaryAccountNumber;
  if (card !== undefined && card.trim().replace(/\s+/g, ' ').length > 10) {
    problems.push({
      path: '/payment/card/primaryAccountNumber',
      code: 'BR-51',
      message:
        'BT-87 Payment card primary account number should never be the full number (10 characters at most)',
      severity: 'warning',
    });
  }
  (invoice.vatBreakdown ?? []).forEach((entry, i) => {
    const code = entry.exemptionReasonCode;
    if (code !== undefined && !VATEX_FORM.test(code.trim().toUpperCase())) {
      problem(
        `/vatBreakdown/${i}/exemptionReasonCode`,
        'BR-CL-22',
        `VAT exemption reason code ${code} is not a VATEX code`,
      );
    }
  });
  if ((means === '30' || means === '58') && !invoice.payment?.creditTransfers?.length) {
    problem(
      '/payment/creditTransfers',
      'BR-61',
      'Payment means 30/58 (credit transfer) needs a payment account identifier (BT-84)',
    );
  }
  if (invoice.taxRepresentative && !invoice.taxRepresentative.vatId) {
    problem(
      '/taxRepresentative/vatId',
      'BR-56',
      'The seller tax representative needs a VAT identifier (BT-63)',
    );
  }
  if (invoice.delivery?.address && !invoice.delivery.address.country) {
    problem('/delivery/address/country', 'BR-57', 'A deliver-to address needs a country code (BT-80)');
  }

  // VAT categories: rates and party identifiers per category (BR-x-02 … BR-x-07).
  const used = new Map<VatCategoryCode, string>();
  const checkRate = (
    category: VatCategoryCode,
    rate: string | number | undefined,
    path: string,
    rule: string,
  ) => {
    const rules = CATEGORY_RULES[category];
    if (!used.has(category)) used.set(category, path);
    if (category === 'O') {
      if (rate !== undefined)
        problem(path, `${rules}-${rule}`, 'Category O (not subject to VAT) carries no VAT rate');
      return;
    }
    if (rate === undefined) {
      problem(
        path,
        category === 'S' ? `BR-S-${rule}` : `${rules}-${rule}`,
        `Category ${category} needs a VAT rate`,
      );
      return;
    }
    const value = dec(rate);
    if (category === 'S' && value <= 0n)
      problem(path, `BR-S-${rule}`, 'Category S (standard rated) needs a VAT rate above zero');
    if (ZERO_RATED.has(category) && value !== 0n)
      problem(path, `${rules}-${rule}`, `Category ${category} has a VAT rate of 0`);
  };
  invoice.lines.forEach((line, i) =>
    checkRate(line.vat.category, line.vat.rate, `/lines/${i}/vat/rate`, '05'),
  );
  (invoice.allowances ?? []).forEach((a, j) =>
    checkRate(a.vatCategory, a.vatRate, `/allowances/${j}/vatRate`, '06'),
  );
  (invoice.charges ?? []).forEach((c, j) =>
    checkRate(c.vatCategory, c.vatRate, `/charges/${j}/vatRate`, '07'),
  );

  const sellerVat = Boolean(seller.vatId || invoice.taxRepresentative?.vatId);
  for (const [category, path] of used) {
    const rules = CATEGORY_RULES[category];
    if (['S', 'Z', 'E', 'G', 'L', 'M'].includes(category) && !sellerVat && !seller.taxRegistrationId) {
      problem(
        '/seller/vatId',
        `${rules}-02`,
        `Category ${category} needs the seller's VAT identifier (BT-31), tax registration (BT-32) or tax representative's VAT identifier (BT-63)`,
      );
    }
    if (category === 'AE') {
      if (!sellerVat && !seller.taxRegistrationId)
        problem(
          '/seller/vatId',
          'BR-AE-02',
          "Reverse charge needs the seller's VAT identifier (BT-31 or BT-63)",
        );
      if (!buyer.vatId && !buyer.legalRegistration)
        problem(
          '/buyer/vatId',
          'BR-AE-02',
          "Reverse charge needs the buyer's VAT identifier (BT-48) or legal registration identifier (BT-47)",
        );
    }
    if (category === 'K') {
      if (!sellerVat)
        problem(
          '/seller/vatId',
          'BR-IC-02',
          "An intra-community supply needs the seller's VAT identifier (BT-31 or BT-63)",
        );
      if (!buyer.vatId)
        problem(
          '/buyer/vatId',
          'BR-IC-02',
          "An intra-community supply needs the buyer's VAT identifier (BT-48)",
        );
      if (!invoice.delivery?.date && !invoice.invoicingPeriod) {
        problem(
          '/delivery/date',
          'BR-IC-11',
          'An intra-community supply needs the actual delivery date (BT-72) or the invoicing period (BG-14)',
        );
      }
      if (!invoice.delivery?.address?.country) {
        problem(
          '/delivery/address/country',
          'BR-IC-12',
          'An intra-community supply needs the deliver-to country (BT-80)',
        );
      }
    }
    if (category === 'O') {
      if (seller.vatId || invoice.taxRepresentative?.vatId || buyer.vatId) {
        problem(
          path,
          'BR-O-02',
          'Category O (not subject to VAT) excludes VAT identifiers of seller, tax representative and buyer',
        );
      }
      if (used.size > 1)
        problem(path, 'BR-O-11', 'An invoice with category O contains no other VAT category');
    }
  }
  return problems;
}

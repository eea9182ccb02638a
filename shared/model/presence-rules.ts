import type { ProblemDetail } from '../errors';

/**
 * EN 16931's presence rules (BR-02 … BR-65, BR-CO-04): what a document or one of its groups must contain.
 * The canonical JSON Schema checks presence as `required`; this table gives each such finding its official
 * rule id and business terms, so that a missing term is reported as the standard names it. Paths are the
 * canonical JSON paths of the missing member, list positions as `*`. A missing group breaks every rule
 * about what it must contain (a document without a seller: BR-06 and BR-08).
 */
const PRESENCE_RULES: Readonly<Record<string, ReadonlyArray<readonly [rule: string, what: string]>>> = {
  '/id': [['BR-02', 'BT-1 Invoice number']],
  '/issueDate': [['BR-03', 'BT-2 Invoice issue date']],
  '/typeCode': [['BR-04', 'BT-3 Invoice type code']],
  '/currency': [['BR-05', 'BT-5 Invoice currency code']],
  '/seller': [
    ['BR-06', 'BT-27 Seller name'],
    ['BR-08', 'BG-5 Seller postal address'],
  ],
  '/seller/name': [['BR-06', 'BT-27 Seller name']],
  '/seller/address': [['BR-08', 'BG-5 Seller postal address']],
  '/seller/address/country': [['BR-09', 'BT-40 Seller country code']],
  '/seller/endpoint/scheme': [['BR-62', 'BT-34-1 Seller electronic address scheme identifier']],
  '/buyer': [
    ['BR-07', 'BT-44 Buyer name'],
    ['BR-10', 'BG-8 Buyer postal address'],
  ],
  '/buyer/name': [['BR-07', 'BT-44 Buyer name']],
  '/buyer/address': [['BR-10', 'BG-8 Buyer postal address']],
  '/buyer/address/country': [['BR-11', 'BT-55 Buyer country code']],
  '/buyer/endpoint/scheme': [['BR-63', 'BT-49-1 Buyer electronic address scheme identifier']],
  '/payee/name': [['BR-17', 'BT-59 Payee name']],
  '/taxRepresentative/name': [['BR-18', 'BT-62 Seller tax representative name']],
  '/taxRepresentative/address': [['BR-19', 'BG-12 Seller tax representative postal address']],
  '/taxRepresentative/address/country': [['BR-20', 'BT-69 Tax representative country code']],
  '/taxRepresentative/vatId': [['BR-56', 'BT-63 Seller tax representative VAT identifier']],
  '/precedingInvoices/*/id': [['BR-55', 'BT-25 Preceding Invoice reference']],
  '/delivery/address/country': [['BR-57', 'BT-80 Deliver to country code']],
  '/payment/meansCode': [['BR-49', 'BT-81 Payment means type code']],
  '/payment/creditTransfers/*/accountId': [['BR-50', 'BT-84 Payment account identifier']],
  '/allowances/*/vatCategory': [['BR-32', 'BT-95 Document level allowance VAT category code']],
  '/charges/*/vatCategory': [['BR-37', 'BT-102 Document level charge VAT category code']],
  '/vatBreakdown/*/category': [['BR-47', 'BT-118 VAT category code']],
  '/attachments/*/id': [['BR-52', 'BT-122 Supporting document reference']],
  '/lines': [['BR-16', 'BG-25 Invoice line (at least one)']],
  '/lines/*/id': [['BR-21', 'BT-126 Invoice line identifier']],
  '/lines/*/quantity': [['BR-22', 'BT-129 Invoiced quantity']],
  '/lines/*/unitCode': [['BR-23', 'BT-130 Invoiced quantity unit of measure code']],
  '/lines/*/price': [['BR-26', 'BT-146 Item net price']],
  '/lines/*/vat': [['BR-CO-04', 'BT-151 Invoiced item VAT category code']],
  '/lines/*/vat/category': [['BR-CO-04', 'BT-151 Invoiced item VAT category code']],
  '/lines/*/item': [['BR-25', 'BT-153 Item name']],
  '/lines/*/item/name': [['BR-25', 'BT-153 Item name']],
  '/lines/*/item/attributes/*/name': [['BR-54', 'BT-160 Item attribute name']],
  '/lines/*/item/attributes/*/value': [['BR-54', 'BT-161 Item attribute value']],
  '/lines/*/item/classifications/*/scheme': [
    ['BR-65', 'BT-158-1 Item classification identifier scheme identifier'],
  ],
};

/**
 * Schema findings of a missing member, named by the EN 16931 rule they break (one finding per rule);
 * every other finding as it is.
 */
export function withPresenceRules(problems: readonly ProblemDetail[]): ProblemDetail[] {
  return problems.flatMap((problem) => {
    if (problem.code !== 'schema.required' || problem.path === undefined) return [problem];
    const rules = PRESENCE_RULES[problem.path.replace(/\/\d+(?=\/|$)/g, '/*')];
    if (!rules) return [problem];
    return rules.map(([rule, what]) => ({ ...problem, code: rule, message: `${what} is required` }));
  });
}

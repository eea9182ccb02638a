import type { HeldInvoice, InvoiceRule } from '../rules/rule';

/**
 * The German CIUS rules: XRechnung's BR-DE-* and, with the same content, PEPPOL BIS 3's DE-R-* (which
 * PEPPOL applies when seller and buyer are both in Germany). Each rule has both ids; which one a problem
 * carries depends on the rule set that asked for it. "Should" rules are warnings: they are reported, they
 * do not make the invoice invalid.
 */
export type GermanRuleSet = 'xrechnung' | 'peppol-de';

export const XRECHNUNG_SPECIFICATION_MARK = 'urn:xeinkauf.de:kosit:xrechnung';

/** The rule sets an invoice asks for by itself: its specification identifier (BT-24), its parties. */
export function impliedGermanRuleSets(invoice: HeldInvoice): GermanRuleSet[] {
  const specification = invoice.process?.specification ?? '';
  if (specification.includes(XRECHNUNG_SPECIFICATION_MARK)) return ['xrechnung'];
  if (
    specification.includes('urn:fdc:peppol.eu:2017:poacc:billing:3.0') &&
    invoice.seller?.address?.country === 'DE' &&
    invoice.buyer?.address?.country === 'DE'
  )
    return ['peppol-de'];
  return [];
}

/** Invoice type codes XRechnung expects (BR-DE-17). */
const GERMAN_TYPE_CODES = new Set(['326', '380', '384', '389', '381', '875', '876', '877']);
/** Categories that need the seller's VAT or tax registration identifier, or a tax representative (BR-DE-16). */
const CATEGORIES_NEEDING_SELLER_TAX_ID: ReadonlySet<string | undefined> = new Set([
  'S',
  'Z',
  'E',
  'AE',
  'K',
  'G',
  'L',
  'M',
]);
const CREDIT_TRANSFER = new Set(['30', '58']);
const PAYMENT_CARD = new Set(['48', '54', '55']);
const DIRECT_DEBIT = new Set(['59']);
const SKONTO_LINE = /^#SKONTO#TAGE=[0-9]+#PROZENT=[0-9]+\.[0-9]{2}(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$/;

/** ISO 13616 check: country, check digits, BBAN; mod 97 of the rearranged number is 1. */
export function isValidIban(value: string): boolean {
  const iban = value.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  return remainder === 1;
}

/**
 * BR-DE-28: exactly one @, two characters at least on each side, neither a dot nor a space next to it, no dot
 * first or last; and a domain with a dot (the official unit tests warn about `name@host`).
 */
function plausibleEmail(email: string): boolean {
  const parts = email.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts as [string, string];
  return (
    local.length >= 2 &&
    domain.length >= 2 &&
    !/[\s.]$/.test(local) &&
    !/^[\s.]/.test(domain) &&
    !email.startsWith('.') &&
    !email.endsWith('.') &&
    domain.includes('.') &&
    !/\s/.test(email)
  );
}

/** BR-DE-18: every payment-terms line that starts with # is a Skonto statement; the last one ends its line. */
function skontoProblem(terms: string): string | undefined {
  const lines = terms.split(/\r?\n/).map((line) => line.trim());
  const statements = lines.filter((line) => line.startsWith('#'));
  const wrong = statements.find((line) => !SKONTO_LINE.test(line));
  if (wrong !== undefined)
    return `"${wrong.slice(0, 80)}" is not #SKONTO#TAGE=n#PROZENT=n.nn[#BASISBETRAG=n.nn]#`;
  if (statements.length > 0 && !/#[ \t]*\r?\n\s*$/.test(terms))
    return 'The last Skonto statement does not end with a line break';
  return undefined;
}

interface GermanRule {
  /** XRechnung id, PEPPOL id. */
  ids: [string, string];
  warning?: boolean;
  check(invoice: HeldInvoice, report: (path: string, message: string) => void): void;
}

const RULES: GermanRule[] = [
  {
    ids: ['BR-DE-1', 'DE-R-001'],
    check: (i, report) => i.payment || report('/payment', 'Payment instructions (BG-16) must be given'),
  },
  {
    ids: ['BR-DE-2', 'DE-R-002'],
    check: (i, report) =>
      i.seller?.contact || report('/seller/contact', 'The seller contact (BG-6) must be given'),
  },
  {
    ids: ['BR-DE-3', 'DE-R-003'],
    check: (i, report) =>
      i.seller?.address?.city || report('/seller/address/city', 'The seller city (BT-37) must be given'),
  },
  {
    ids: ['BR-DE-4', 'DE-R-004'],
    check: (i, report) =>
      i.seller?.address?.postalCode ||
      report('/seller/address/postalCode', 'The seller post code (BT-38) must be given'),
  },
  {
    ids: ['BR-DE-5', 'DE-R-005'],
    check: (i, report) =>
      i.seller?.contact?.name ||
      report('/seller/contact/name', 'The seller contact point (BT-41) must be given'),
  },
  {
    ids: ['BR-DE-6', 'DE-R-006'],
    check: (i, report) =>
      i.seller?.contact?.phone ||
      report('/seller/contact/phone', 'The seller contact telephone number (BT-42) must be given'),
  },
  {
    ids: ['BR-DE-7', 'DE-R-007'],
    check: (i, report) =>
      i.seller?.contact?.email ||
      report('/seller/contact/email', 'The seller contact email address (BT-43) must be given'),
  },
  {
    ids: ['BR-DE-8', 'DE-R-008'],
    check: (i, report) =>
      i.buyer?.address?.city || report('/buyer/address/city', 'The buyer city (BT-52) must be given'),
  },
  {
    ids: ['BR-DE-9', 'DE-R-009'],
    check: (i, report) =>
      i.buyer?.address?.postalCode ||
      report('/buyer/address/postalCode', 'The buyer post code (BT-53) must be given'),
  },
  {
    ids: ['BR-DE-10', 'DE-R-010'],
    check: (i, report) =>
      !i.delivery?.address ||
      i.delivery.address.city ||
      report('/delivery/address/city', 'A deliver-to address (BG-15) needs the deliver-to city (BT-77)'),
  },
  {
    ids: ['BR-DE-11', 'DE-R-011'],
    check: (i, report) =>
      !i.delivery?.address ||
      i.delivery.address.postalCode ||
      report(
        '/delivery/address/postalCode',
        'A deliver-to address (BG-15) needs the deliver-to post code (BT-78)',
      ),
  },
  {
    ids: ['BR-DE-14', 'DE-R-014'],
    check: (i, report) =>
      (i.vatBreakdown ?? []).forEach(
        (b, n) =>
          b.category === 'O' || // not subject to VAT: BR-O-05 forbids a rate
          b.rate !== undefined ||
          report(
            `/vatBreakdown/${n}/rate`,
            `The VAT category rate (BT-119) of category ${b.category} must be given`,
          ),
      ),
  },
  {
    ids: ['BR-DE-15', 'DE-R-015'],
    check: (i, report) =>
      i.buyerReference?.trim() ||
      report(
        '/buyerReference',
        'The buyer reference (BT-10, the Leitweg-ID for public buyers) must be given',
      ),
  },
  {
    ids: ['BR-DE-16', 'DE-R-016'],
    check: (i, report) => {
      const categories = [
        ...(i.lines ?? []).map((l) => l.vat?.category),
        ...(i.allowances ?? []).map((a) => a.vatCategory),
        ...(i.charges ?? []).map((c) => c.vatCategory),
        ...(i.vatBreakdown ?? []).map((b) => b.category),
      ];
      const needing = categories.find((c) => CATEGORIES_NEEDING_SELLER_TAX_ID.has(c));
      if (needing && !i.seller?.vatId && !i.seller?.taxRegistrationId && !i.taxRepresentative)
        report(
          '/seller/vatId',
          `VAT category ${needing} needs the seller VAT identifier (BT-31), tax registration identifier (BT-32) or a tax representative (BG-11)`,
        );
    },
  },
  {
    ids: ['BR-DE-17', 'DE-R-017'],
    warning: true,
    check: (i, report) =>
      i.typeCode === undefined ||
      GERMAN_TYPE_CODES.has(i.typeCode) ||
      report(
        '/typeCode',
        `Invoice type code ${i.typeCode} should be one of ${[...GERMAN_TYPE_CODES].join(', ')}`,
      ),
  },
  {
    ids: ['BR-DE-18', 'DE-R-018'],
    check: (i, report) => {
      const problem = i.paymentTerms === undefined ? undefined : skontoProblem(i.paymentTerms);
      if (problem) report('/paymentTerms', `Skonto in payment terms (BT-20): ${problem}`);
    },
  },
  {
    ids: ['BR-DE-19', 'DE-R-019'],
    warning: true,
    check: (i, report) => {
      if (i.payment?.meansCode !== '58') return;
      (i.payment.creditTransfers ?? []).forEach(
        (t, n) =>
          t.accountId === undefined ||
          isValidIban(t.accountId) ||
          report(
            `/payment/creditTransfers/${n}/accountId`,
            'With SEPA credit transfer (58), BT-84 should be a valid IBAN',
          ),
      );
    },
  },
  {
    ids: ['BR-DE-20', 'DE-R-020'],
    warning: true,
    check: (i, report) => {
      const account = i.payment?.directDebit?.debitedAccountId;
      if (i.payment?.meansCode === '59' && account !== undefined && !isValidIban(account))
        report(
          '/payment/directDebit/debitedAccountId',
          'With SEPA direct debit (59), BT-91 should be a valid IBAN',
        );
    },
  },
  {
    ids: ['BR-DE-22', 'DE-R-022'],
    check: (i, report) => {
      const seen = new Set<string>();
      (i.attachments ?? []).forEach((a, n) => {
        const name = a.content?.filename?.toLowerCase();
        if (name === undefined) return;
        if (seen.has(name))
          report(
            `/attachments/${n}/content/filename`,
            `Attached document filename "${a.content!.filename}" is not unique (BT-125)`,
          );
        seen.add(name);
      });
    },
  },
  ...paymentMeansRules(),
  {
    ids: ['BR-DE-26', 'DE-R-026'],
    warning: true,
    check: (i, report) =>
      i.typeCode !== '384' ||
      i.precedingInvoices?.some((p) => p.id?.trim()) ||
      report('/precedingInvoices', 'A corrected invoice (384) should reference the preceding invoice (BG-3)'),
  },
  {
    ids: ['BR-DE-27', 'DE-R-027'],
    warning: true,
    check: (i, report) => {
      // Also when there is none (BR-DE-6 makes that an error besides): the official unit tests say so.
      const phone = i.seller?.contact?.phone ?? '';
      if ((phone.match(/[0-9]/g) ?? []).length < 3)
        report(
          '/seller/contact/phone',
          'The seller contact telephone number (BT-42) should have 3 digits at least',
        );
    },
  },
  {
    ids: ['BR-DE-28', 'DE-R-028'],
    warning: true,
    check: (i, report) => {
      const email = i.seller?.contact?.email;
      if (email !== undefined && !plausibleEmail(email))
        report(
          '/seller/contact/email',
          'The seller contact email address (BT-43) should have exactly one @, two characters at least on each side, no dot or space next to it, no dot first or last, and a dot in the domain',
        );
    },
  },
  {
    ids: ['BR-DE-30', 'DE-R-030'],
    check: (i, report) =>
      !directDebitGiven(i) ||
      i.payment?.directDebit?.creditorId ||
      report(
        '/payment/directDebit/creditorId',
        'A direct debit (BG-19) needs the bank assigned creditor identifier (BT-90)',
      ),
  },
  {
    ids: ['BR-DE-31', 'DE-R-031'],
    check: (i, report) =>
      !directDebitGiven(i) ||
      i.payment?.directDebit?.debitedAccountId ||
      report(
        '/payment/directDebit/debitedAccountId',
        'A direct debit (BG-19) needs the debited account identifier (BT-91)',
      ),
  },
];

/**
 * Whether the direct debit group (BG-19) is given. The canonical model keeps the creditor identifier (BT-90)
 * in it, but in the syntaxes BT-90 belongs to the seller or payee party: BG-19 is given when the mandate
 * (BT-89) or the debited account (BT-91) is, as the official unit tests read it.
 */
function directDebitGiven(i: HeldInvoice): boolean {
  const debit = i.payment?.directDebit;
  return debit?.mandateReference !== undefined || debit?.debitedAccountId !== undefined;
}

/** BR-DE-23/24/25: the payment means code decides which one of BG-17, BG-18, BG-19 is given. */
function paymentMeansRules(): GermanRule[] {
  const groups = [
    {
      codes: CREDIT_TRANSFER,
      n: 23,
      name: 'credit transfer (BG-17)',
      path: '/payment/creditTransfers',
      given: (i: HeldInvoice) => (i.payment?.creditTransfers?.length ?? 0) > 0,
    },
    {
      codes: PAYMENT_CARD,
      n: 24,
      name: 'payment card information (BG-18)',
      path: '/payment/card',
      given: (i: HeldInvoice) => i.payment?.card !== undefined,
    },
    {
      codes: DIRECT_DEBIT,
      n: 25,
      name: 'direct debit (BG-19)',
      path: '/payment/directDebit',
      given: directDebitGiven,
    },
  ];
  return groups.flatMap((group) => [
    {
      ids: [`BR-DE-${group.n}-a`, `DE-R-0${group.n}-1`] as [string, string],
      check: (i: HeldInvoice, report: (path: string, message: string) => void) => {
        if (i.payment && group.codes.has(i.payment.meansCode ?? '') && !group.given(i))
          report(group.path, `Payment means ${i.payment.meansCode} needs ${group.name}`);
      },
    },
    {
      ids: [`BR-DE-${group.n}-b`, `DE-R-0${group.n}-2`] as [string, string],
      check: (i: HeldInvoice, report: (path: string, message: string) => void) => {
        if (!i.payment || !group.codes.has(i.payment.meansCode ?? '')) return;
        for (const other of groups)
          if (other !== group && other.given(i))
            report(other.path, `Payment means ${i.payment.meansCode} excludes ${other.name}`);
      },
    },
  ]);
}

/** The German rules of a rule set, with that set's ids, as rules of the rule engine. */
export function germanRules(ruleSet: GermanRuleSet): InvoiceRule[] {
  return RULES.map((rule) => {
    const id = ruleSet === 'xrechnung' ? rule.ids[0] : rule.ids[1];
    return {
      id,
      ...(rule.warning ? { severity: 'warning' as const } : {}),
      terms: GERMAN_RULES[rule.ids[0]]![0],
      message: GERMAN_RULES[rule.ids[0]]![1],
      check: (invoice, report) => rule.check(invoice, (path, message) => report(path, message)),
    };
  });
}

/** Each German rule's business terms and what it requires, by its XRechnung id. */
const GERMAN_RULES: Record<string, [terms: string[], message: string]> = {
  'BR-DE-1': [['BG-16'], 'Payment instructions (BG-16) must be given'],
  'BR-DE-2': [['BG-6'], 'The seller contact (BG-6) must be given'],
  'BR-DE-3': [['BT-37'], 'The seller city (BT-37) must be given'],
  'BR-DE-4': [['BT-38'], 'The seller post code (BT-38) must be given'],
  'BR-DE-5': [['BT-41'], 'The seller contact point (BT-41) must be given'],
  'BR-DE-6': [['BT-42'], 'The seller contact telephone number (BT-42) must be given'],
  'BR-DE-7': [['BT-43'], 'The seller contact email address (BT-43) must be given'],
  'BR-DE-8': [['BT-52'], 'The buyer city (BT-52) must be given'],
  'BR-DE-9': [['BT-53'], 'The buyer post code (BT-53) must be given'],
  'BR-DE-10': [['BG-15', 'BT-77'], 'A deliver-to address (BG-15) needs the deliver-to city (BT-77)'],
  'BR-DE-11': [['BG-15', 'BT-78'], 'A deliver-to address (BG-15) needs the deliver-to post code (BT-78)'],
  'BR-DE-14': [['BT-119'], 'Each VAT breakdown entry must give its VAT category rate (BT-119)'],
  'BR-DE-15': [['BT-10'], 'The buyer reference (BT-10, the Leitweg-ID for public buyers) must be given'],
  'BR-DE-16': [
    ['BT-31', 'BT-32', 'BG-11'],
    'A VAT category other than O needs the seller VAT identifier (BT-31), tax registration identifier (BT-32) or a tax representative (BG-11)',
  ],
  'BR-DE-17': [['BT-3'], 'The invoice type code (BT-3) should be one XRechnung expects'],
  'BR-DE-18': [['BT-20'], 'Skonto statements in the payment terms (BT-20) must follow the agreed layout'],
  'BR-DE-19': [['BT-84'], 'With SEPA credit transfer (58), the account (BT-84) should be a valid IBAN'],
  'BR-DE-20': [['BT-91'], 'With SEPA direct debit (59), the debited account (BT-91) should be a valid IBAN'],
  'BR-DE-22': [['BT-125'], 'Attached documents must have distinct filenames (BT-125)'],
  'BR-DE-23-a': [['BT-81', 'BG-17'], 'Credit transfer (30, 58) needs credit transfer information (BG-17)'],
  'BR-DE-23-b': [
    ['BT-81', 'BG-17'],
    'Credit transfer (30, 58) excludes card (BG-18) and direct debit (BG-19)',
  ],
  'BR-DE-24-a': [['BT-81', 'BG-18'], 'Card payment (48, 54, 55) needs payment card information (BG-18)'],
  'BR-DE-24-b': [
    ['BT-81', 'BG-18'],
    'Card payment (48, 54, 55) excludes credit transfer (BG-17) and direct debit (BG-19)',
  ],
  'BR-DE-25-a': [['BT-81', 'BG-19'], 'Direct debit (59) needs direct debit information (BG-19)'],
  'BR-DE-25-b': [['BT-81', 'BG-19'], 'Direct debit (59) excludes credit transfer (BG-17) and card (BG-18)'],
  'BR-DE-26': [['BT-3', 'BG-3'], 'A corrected invoice (384) should reference the preceding invoice (BG-3)'],
  'BR-DE-27': [['BT-42'], 'The seller contact telephone number (BT-42) should have 3 digits at least'],
  'BR-DE-28': [['BT-43'], 'The seller contact email address (BT-43) should be a plausible address'],
  'BR-DE-30': [['BT-90'], 'A direct debit (BG-19) needs the bank assigned creditor identifier (BT-90)'],
  'BR-DE-31': [['BT-91'], 'A direct debit (BG-19) needs the debited account identifier (BT-91)'],
};

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProblemDetail } from '../shared/errors';
import { shippedFormats } from '../shared/formats/mapping';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { appliedRuleSets, PEPPOL_BIS3_SPECIFICATION } from '../shared/model/rule-sets';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import { runRules } from '../shared/rules/engine';
import { peppolArithmetic } from '../shared/rules/peppol/arithmetic';
import { peppolCore } from '../shared/rules/peppol/core';
import { describeWithCorpus } from './support/corpus';
import { readUnitTests } from './support/unit-tests';

const ubl = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;

/** The tests of an official unit-test file: what each asserts, and its (partial) document. */
const unitTests = readUnitTests;

/** The PEPPOL rules on the canonical invoice that this suite checks: identifiers, R130, and the calculation. */
const MODULES = [peppolCore, peppolArithmetic];
const PEPPOL_RULE_IDS: readonly string[] = [
  ...new Set(
    MODULES.flatMap((m) => m.rules.map((r) => r.id)).filter(
      (id) => /^PEPPOL-COMMON-/.test(id) || /^PEPPOL-EN16931-R(04[0-6]|12[01]|130)$/.test(id),
    ),
  ),
];

/**
 * The PEPPOL rules of a unit test's partial document: the identifier rules, and the calculation rules of the
 * `peppol-arithmetic` module on its lines and allowances.
 */
function peppolProblems(xml: string): ProblemDetail[] {
  // An allowance or charge without its indicator is an allowance to the reader, as in these tests
  const withIndicators = xml.replace(
    /<cac:AllowanceCharge>([\s\S]*?)<\/cac:AllowanceCharge>/g,
    (whole: string, body: string) =>
      body.includes('ChargeIndicator')
        ? whole
        : `<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>${body}</cac:AllowanceCharge>`,
  );
  const invoice = ubl.parse!(withIndicators) as Partial<CanonicalInvoice> & Record<string, unknown>;
  invoice.lines = (invoice.lines ?? []).map((line) => ({
    ...line,
    quantity: line.quantity ?? '1',
    price: line.price ?? {},
    vat: line.vat ?? { category: 'S', rate: '25' },
  }));
  for (const key of ['allowances', 'charges'] as const)
    invoice[key] = (invoice[key] ?? []).map((a) => ({ ...a, vatCategory: a.vatCategory ?? 'S' }));
  const full = invoice as CanonicalInvoice;
  return runRules(MODULES, { invoice: full });
}

describeWithCorpus(
  "PEPPOL rules against PEPPOL's unit tests",
  ['peppol-bis-invoice-3/rules/unit-UBL-PEPPOL'],
  (corpus) => {
    const dir = join(corpus, 'peppol-bis-invoice-3', 'rules', 'unit-UBL-PEPPOL');
    const files = readdirSync(dir).filter((name) => PEPPOL_RULE_IDS.some((id) => name === `${id}.xml`));
    const tests = files.sort().flatMap((name) => unitTests(join(dir, name)));

    it('has unit tests for the rules the service implements', () => {
      expect(files.length).toBeGreaterThanOrEqual(14);
      expect(tests.length).toBeGreaterThanOrEqual(70);
    });

    it.each(tests.map((t) => [`${t.file.split('/').pop()!} #${t.index + 1}`, t] as const))(
      '%s',
      (_name, test) => {
        const problems = peppolProblems(test.document);
        for (const { kind, rule } of test.expect) {
          if (!PEPPOL_RULE_IDS.includes(rule)) continue;
          const found = problems.filter((p) => p.code === rule);
          if (kind === 'success') expect({ rule, found }).toEqual({ rule, found: [] });
          else
            expect({ rule, severities: [...new Set(found.map((p) => p.severity ?? 'error'))] }).toEqual({
              rule,
              severities: [kind],
            });
        }
      },
    );
  },
);

describe('which rule sets apply', () => {
  const withSpecification = (specification?: string) => {
    const invoice = sampleInvoice(1);
    invoice.process = specification === undefined ? {} : { specification };
    return invoice;
  };

  // The sample's seller and buyer are both in Germany: PEPPOL's German rules (peppol-de) come with PEPPOL BIS 3.
  it('PEPPOL BIS 3 by the specification identifier, extensions built on it included', () => {
    expect(appliedRuleSets(withSpecification(PEPPOL_BIS3_SPECIFICATION))).toEqual(['peppol', 'peppol-de']);
    expect(
      appliedRuleSets(withSpecification(`${PEPPOL_BIS3_SPECIFICATION}#conformant#urn:example:extension`)),
    ).toEqual(['peppol', 'peppol-de']);
    expect(appliedRuleSets(withSpecification('urn:cen.eu:en16931:2017'))).toEqual([]);
    expect(appliedRuleSets(withSpecification())).toEqual([]);
  });

  it('XRechnung is its own CIUS, with or without its extension, not PEPPOL BIS 3', () => {
    const cius = 'urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0';
    expect(appliedRuleSets(withSpecification(cius))).toEqual(['xrechnung']);
    expect(
      appliedRuleSets(withSpecification(`${cius}#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0`)),
    ).toEqual(['xrechnung']);
  });

  it('added and removed by the caller', () => {
    expect(appliedRuleSets(withSpecification(), ['peppol'])).toEqual(['peppol']);
    expect(appliedRuleSets(withSpecification(PEPPOL_BIS3_SPECIFICATION), ['no-peppol'])).toEqual([
      'peppol-de',
    ]);
    expect(appliedRuleSets(withSpecification(), ['peppol', 'no-peppol'])).toEqual([]);
  });
});

describe('PEPPOL-EN16931-R120 as the official rule checks it', () => {
  /** A PEPPOL invoice of one line: 3 × 19.99, net amount as given. */
  const invoice = (netAmount: string, extra: Partial<CanonicalInvoice['lines'][number]> = {}) => {
    const i = sampleInvoice(1);
    i.process = { specification: PEPPOL_BIS3_SPECIFICATION };
    i.lines = [
      {
        id: '1',
        quantity: '3',
        unitCode: 'C62',
        price: { net: '19.99' },
        vat: { category: 'S', rate: '19' },
        item: { name: 'Item' },
        netAmount,
        ...extra,
      },
    ];
    return i;
  };
  const r120 = (i: CanonicalInvoice, ruleSets: Array<'peppol' | 'no-peppol'> = []) =>
    validateInvoice(i, 'fill', { ruleSets }).problems.filter((p) => p.code === 'PEPPOL-EN16931-R120');

  it('allows 0.02 either way, not more', () => {
    expect(r120(invoice('59.97'))).toEqual([]);
    expect(r120(invoice('59.99'))).toEqual([]);
    expect(r120(invoice('59.95'))).toEqual([]);
    expect(r120(invoice('60.00'))).toEqual([expect.objectContaining({ path: '/lines/0/netAmount' })]);
    expect(r120(invoice('59.94'))).toHaveLength(1);
  });

  it('takes quantity × price ÷ base quantity exactly, with any number of decimals', () => {
    // 1000 × 0.0123456789 ÷ 1 = 12.3456789: 12.35 within 0.02
    const many = invoice('12.35', { quantity: '1000', price: { net: '0.0123456789' } });
    expect(r120(many)).toEqual([]);
    expect(
      validateInvoice(many, 'check').problems.filter((p) => p.severity !== 'warning'),
    ).not.toContainEqual(expect.objectContaining({ code: 'schema.pattern' }));
    // base quantity 0 counts as 1, as the official rule takes it (R121 reports the base quantity)
    const zero = invoice('59.97', { price: { net: '19.99', baseQuantity: '0' } });
    expect(r120(zero)).toEqual([]);
    expect(validateInvoice(zero).problems.map((p) => p.code)).toContain('PEPPOL-EN16931-R121');
  });

  it('does not apply to an invoice that is not a PEPPOL BIS 3 one, unless asked for', () => {
    const plain = invoice('60.00');
    plain.process = { specification: 'urn:cen.eu:en16931:2017' };
    expect(r120(plain)).toEqual([]);
    expect(r120(plain, ['peppol'])).toHaveLength(1);
    expect(r120(invoice('60.00'), ['no-peppol'])).toEqual([]);
  });
});

describe('PEPPOL-COMMON identifier rules', () => {
  it('check the identifiers of their scheme, wherever PEPPOL looks for them', () => {
    const i = sampleInvoice(1);
    i.process = { specification: PEPPOL_BIS3_SPECIFICATION };
    i.seller.endpoint = { id: '5790000436057', scheme: '0088' }; // a valid GLN
    i.buyer.endpoint = { id: '5790000436058', scheme: '0088' };
    i.seller.legalRegistration = { id: '1234567890', scheme: '0007' };
    i.buyer.identifier = { id: '12345678', scheme: '0184' };
    i.payee = { name: 'Payee', legalRegistration: { id: '0203201340', scheme: '0208' } };
    const codes = runRules([peppolCore], { invoice: i }).map((p) => `${p.code} ${p.path}`);
    expect(codes).toEqual([
      'PEPPOL-COMMON-R040 /buyer/endpoint/id',
      'PEPPOL-COMMON-R049 /seller/legalRegistration/id',
    ]);
  });
});

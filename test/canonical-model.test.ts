import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { calculate } from '../shared/model/calculation';
import { PEPPOL_BIS3_SPECIFICATION } from '../shared/model/rule-sets';
import type { CanonicalInvoice, InvoiceLine, VatCategoryCode } from '../shared/model/invoice';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import { fullInvoice } from './support/full-invoice';
import { tempDir } from './support/temp';

const ROOT = join(__dirname, '..');
const SAMPLES = join(ROOT, 'samples');
const sampleFiles = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));

function sample(name: string): CanonicalInvoice {
  return (JSON.parse(readFileSync(join(SAMPLES, name), 'utf8')) as { document: CanonicalInvoice }).document;
}

describe('an invoice using every business term', () => {
  it('passes the schema, the business rules and the calculation, in fill and then check mode', () => {
    const result = validateInvoice(fullInvoice(), 'fill');
    expect(result.problems).toEqual([]);
    expect(result.invoice!.lines[0]).toMatchObject({ netAmount: '91.50', price: { net: '50' } });
    expect(result.invoice!.allowances![0]!.amount).toBe('5.00');
    expect(validateInvoice(result.invoice, 'check').problems).toEqual([]);
  });
});

describe('samples', () => {
  it('cover the scenarios a finance team sends', () => {
    expect(sampleFiles).toEqual(
      expect.arrayContaining([
        'invoice.json',
        'credit-note.json',
        'reverse-charge.json',
        'intra-community-supply.json',
        'exempt-lines.json',
        'mixed-rates.json',
        'allowance-charge.json',
        'prepayment.json',
        'foreign-currency.json',
        'attachments.json',
      ]),
    );
  });

  it.each(sampleFiles)('%s passes the schema, the business rules and the calculation', (file) => {
    const result = validateInvoice(sample(file), 'fill');
    expect(result.problems).toEqual([]);
    // What fill mode completed passes check mode: the figures are consistent by the rules' own terms.
    expect(validateInvoice(result.invoice, 'check').problems).toEqual([]);
  });
});

/** Cents from a 2-decimal amount text, independent of the service's decimal arithmetic. */
function cents(text: string | number | undefined): bigint {
  const value = String(text ?? '0');
  expect(value).toMatch(/^-?\d+\.\d{2}$/);
  const negative = value.startsWith('-');
  const [whole, fraction] = value.replace('-', '').split('.');
  const result = BigInt(whole!) * 100n + BigInt(fraction!);
  return negative ? -result : result;
}

/** round(amountCents × ratePercent / 100), half away from zero, on integers. */
function taxCents(taxable: bigint, rate: string): bigint {
  const [whole, fraction = ''] = rate.split('.');
  const rateMillis = BigInt(whole!) * 1000n + BigInt(fraction.padEnd(3, '0').slice(0, 3)); // rate × 1000
  const numerator = taxable * rateMillis;
  const denominator = 100_000n;
  const sign = numerator < 0n ? -1n : 1n;
  const abs = numerator < 0n ? -numerator : numerator;
  return sign * ((abs * 2n + denominator) / (2n * denominator));
}

/** A small seeded generator, so a failure names a reproducible seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RATES: Array<[VatCategoryCode, string]> = [
  ['S', '19'],
  ['S', '7'],
  ['S', '5.5'],
  ['S', '20'],
  ['Z', '0'],
  ['E', '0'],
  ['AE', '0'],
  ['K', '0'],
];

function generated(seed: number): CanonicalInvoice {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const invoice = sampleInvoice(1, `GEN-${seed}`);
  const lineCount = 1 + Math.floor(random() * 150);
  invoice.lines = Array.from({ length: lineCount }, (_, i): InvoiceLine => {
    const [category, rate] = pick(RATES);
    const line: InvoiceLine = {
      id: String(i + 1),
      quantity: (random() * 1000).toFixed(pick([0, 1, 2, 4])),
      unitCode: 'C62',
      price: { net: (random() * 500).toFixed(pick([2, 3, 4])) },
      vat: { category, rate },
      item: { name: `Generated item ${i + 1}` },
    };
    if (random() < 0.2) line.price.baseQuantity = pick(['10', '100', '0.5']);
    if (random() < 0.2) line.allowances = [{ amount: (random() * 5).toFixed(2), reason: 'Discount' }];
    if (random() < 0.1) line.charges = [{ amount: (random() * 5).toFixed(2), reason: 'Handling' }];
    return line;
  });
  const used = [...new Set(invoice.lines.map((l) => `${l.vat.category}:${l.vat.rate}`))];
  if (random() < 0.5) {
    const [category, rate] = used[0]!.split(':') as [VatCategoryCode, string];
    invoice.allowances = [
      {
        baseAmount: '1000.00',
        percentage: (random() * 10).toFixed(2),
        vatCategory: category,
        vatRate: rate,
        reason: 'Volume discount',
      },
    ];
  }
  if (random() < 0.5) {
    const [category, rate] = pick(used).split(':') as [VatCategoryCode, string];
    invoice.charges = [
      { amount: (random() * 100).toFixed(2), vatCategory: category, vatRate: rate, reason: 'Freight' },
    ];
  }
  if (used.some((u) => u.startsWith('E:')))
    invoice.vatBreakdown = [{ category: 'E', rate: '0', exemptionReason: 'Exempt' }];
  // Intra-community supplies need the delivery date and the deliver-to country (BR-IC-11, BR-IC-12).
  invoice.delivery = { date: '2026-10-30', address: { city: 'Lyon', country: 'FR' } };
  if (random() < 0.3) invoice.totals = { prepaid: (random() * 50).toFixed(2), rounding: '0.01' };
  return invoice;
}

describe('the calculation (fill mode) satisfies the EN 16931 arithmetic rules', () => {
  const seeds = Array.from({ length: 60 }, (_, i) => 1000 + i * 7919);

  it.each(seeds)('generated invoice, seed %i', (seed) => {
    const source = generated(seed);
    const { invoice, problems } = calculate(source, 'fill');
    expect(problems).toEqual([]);
    const t = invoice.totals!;
    const lineNets = invoice.lines.map((l) => cents(l.netAmount));
    const allowances = (invoice.allowances ?? []).map((a) => cents(a.amount));
    const charges = (invoice.charges ?? []).map((c) => cents(c.amount));
    const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

    expect(cents(t.lineExtension)).toBe(sum(lineNets)); // BR-CO-10
    if (allowances.length) expect(cents(t.allowances)).toBe(sum(allowances)); // BR-CO-11
    if (charges.length) expect(cents(t.charges)).toBe(sum(charges)); // BR-CO-12
    expect(cents(t.taxExclusive)).toBe(cents(t.lineExtension) - sum(allowances) + sum(charges)); // BR-CO-13
    const breakdown = invoice.vatBreakdown!;
    expect(cents(t.vat)).toBe(sum(breakdown.map((b) => cents(b.taxAmount)))); // BR-CO-14
    expect(cents(t.taxInclusive)).toBe(cents(t.taxExclusive) + cents(t.vat)); // BR-CO-15
    expect(cents(t.payable)).toBe(
      cents(t.taxInclusive) - cents(t.prepaid ?? '0.00') + cents(t.rounding ?? '0.00'),
    ); // BR-CO-16

    for (const group of breakdown) {
      const matchesGroup = (category: string, rate: string | number | undefined) =>
        category === group.category && Number(rate) === Number(group.rate);
      const taxable =
        sum(
          invoice.lines
            .filter((l) => matchesGroup(l.vat.category, l.vat.rate))
            .map((l) => cents(l.netAmount)),
        ) +
        sum(
          (invoice.charges ?? [])
            .filter((c) => matchesGroup(c.vatCategory, c.vatRate))
            .map((c) => cents(c.amount)),
        ) -
        sum(
          (invoice.allowances ?? [])
            .filter((a) => matchesGroup(a.vatCategory, a.vatRate))
            .map((a) => cents(a.amount)),
        );
      expect(cents(group.taxableAmount)).toBe(taxable); // BR-S-08, BR-Z-08, BR-E-08, BR-AE-08, BR-IC-08
      expect(cents(group.taxAmount)).toBe(taxCents(taxable, String(group.rate))); // BR-S-09, BR-CO-17; 0 for Z, E, AE, K
    }
    // Each line: quantity × net price / base quantity + charges − allowances, rounded (PEPPOL-EN16931-R120).
    invoice.lines.forEach((line) => {
      const exact =
        (Number(line.quantity) * Number(line.price.net)) / Number(line.price.baseQuantity ?? 1) +
        Number(line.charges?.[0]?.amount ?? 0) -
        Number(line.allowances?.[0]?.amount ?? 0);
      expect(Math.abs(Number(line.netAmount) - exact)).toBeLessThanOrEqual(0.005 + 1e-6);
    });
    expect(validateInvoice(invoice, 'check').problems).toEqual([]);
  });

  it('rounds the VAT per category and rate, not per line (the one-cent case)', () => {
    const invoice = sampleInvoice(1);
    invoice.lines = [1, 2, 3].map((i) => ({
      id: String(i),
      quantity: '1',
      unitCode: 'C62',
      price: { net: '0.07' },
      vat: { category: 'S' as const, rate: '19' },
      item: { name: 'Tiny' },
    }));
    // Per line: 0.0133 → 0.01, three times 0.03. Per category and rate: 0.21 × 19 % = 0.0399 → 0.04 (BR-CO-17).
    const { invoice: filled } = calculate(invoice, 'fill');
    expect(filled.vatBreakdown).toEqual([
      expect.objectContaining({ taxableAmount: '0.21', taxAmount: '0.04' }),
    ]);
    expect(filled.totals).toMatchObject({ vat: '0.04', taxInclusive: '0.25' });
  });
});

/** The first problem with this rule code, or fail with everything that was found. */
function problemsOf(invoice: unknown, mode: 'fill' | 'check' = 'fill') {
  return validateInvoice(invoice, mode).problems;
}

describe('bad input: every problem with its code, path and a sentence', () => {
  const base = () => sample('invoice.json');

  it('reports missing mandatory terms, all of them', () => {
    const invoice = base() as unknown as Record<string, any>;
    delete invoice.currency;
    delete invoice.seller.name;
    delete invoice.lines[0].item.name;
    const problems = problemsOf(invoice);
    expect(problems).toEqual(
      expect.arrayContaining([
        // named by the EN 16931 rule each missing term breaks
        expect.objectContaining({
          path: '/currency',
          code: 'BR-05',
          message: 'BT-5 Invoice currency code is required',
        }),
        expect.objectContaining({
          path: '/seller/name',
          code: 'BR-06',
          message: 'BT-27 Seller name is required',
        }),
        expect.objectContaining({
          path: '/lines/0/item/name',
          code: 'BR-25',
          message: 'BT-153 Item name is required',
        }),
      ]),
    );
  });

  it('reports wrong code values with the allowed values', () => {
    const invoice = base() as unknown as Record<string, any>;
    invoice.currency = 'EUX';
    invoice.typeCode = '999';
    invoice.buyer.address.country = 'XX';
    invoice.lines[1].vat.category = 'X';
    const paths = problemsOf(invoice).map((p) => [p.path, p.code]);
    // each by the code-list rule it breaks (BR-CL-*), in place of the schema's enum finding
    expect(paths).toEqual(
      expect.arrayContaining([
        ['/currency', 'BR-CL-04'],
        ['/typeCode', 'BR-CL-01'],
        ['/buyer/address/country', 'BR-CL-14'],
        ['/lines/1/vat/category', 'BR-CL-18'],
      ]),
    );
    const message = (path: string) => problemsOf(invoice).find((p) => p.path === path)!.message;
    expect(message('/currency')).toContain('"EUX" is not a code of ISO 4217');
    expect(message('/lines/1/vat/category')).toContain('"X" is not one of "AE", "L", "M", "E", "S"');
  });

  it('reports wrong dates', () => {
    const invoice = base() as unknown as Record<string, any>;
    invoice.issueDate = '2026-02-30';
    invoice.dueDate = '02/12/2026';
    expect(problemsOf(invoice)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/issueDate', code: 'schema.format' }),
        expect.objectContaining({ path: '/dueDate', code: 'schema.format' }),
      ]),
    );
  });

  it('refuses negative prices; accepts a correcting line with a negative quantity in a credit note', () => {
    const invoice = base();
    invoice.lines[0]!.price.net = '-1.00';
    expect(problemsOf(invoice)).toContainEqual(
      expect.objectContaining({ path: '/lines/0/price/net', code: 'BR-27' }),
    );
    // As PEPPOL's own base-creditnote-correction example does.
    const creditNote = sample('credit-note.json');
    creditNote.lines[0]!.quantity = `-${creditNote.lines[0]!.quantity}`;
    delete creditNote.lines[0]!.netAmount;
    delete creditNote.totals;
    delete creditNote.vatBreakdown;
    expect(problemsOf(creditNote)).toEqual([]);
  });

  it.each<[string, (i: CanonicalInvoice) => void, string, string, RegExp]>([
    [
      'sum of line net amounts',
      (i) => (i.totals = { lineExtension: '166.91' }),
      'BR-CO-10',
      '/totals/lineExtension',
      /sent 166\.91, expected 166\.90/,
    ],
    [
      'total without VAT',
      (i) => (i.totals = { taxExclusive: '160.00' }),
      'BR-CO-13',
      '/totals/taxExclusive',
      /expected 166\.90/,
    ],
    ['total VAT', (i) => (i.totals = { vat: '30.50' }), 'BR-CO-14', '/totals/vat', /expected 30\.51/],
    [
      'total with VAT',
      (i) => (i.totals = { taxInclusive: '197.40' }),
      'BR-CO-15',
      '/totals/taxInclusive',
      /expected 197\.41/,
    ],
    [
      'amount due',
      (i) => (i.totals = { payable: '197.42' }),
      'BR-CO-16',
      '/totals/payable',
      /expected 197\.41/,
    ],
    [
      'line net amount of a PEPPOL BIS 3 invoice, beyond 0.02',
      (i) => {
        i.process = { specification: PEPPOL_BIS3_SPECIFICATION };
        i.lines[1]!.netAmount = '46.69';
      },
      'PEPPOL-EN16931-R120',
      '/lines/1/netAmount',
      /expected 46\.72 ± 0\.02/,
    ],
    [
      'category taxable amount, by one or more',
      (i) => (i.vatBreakdown = [{ category: 'S', rate: '19', taxableAmount: '157.91' }]),
      'BR-S-08',
      '/vatBreakdown/0/taxableAmount',
      /156\.91/,
    ],
    [
      'category tax amount, by more than one',
      (i) => (i.vatBreakdown = [{ category: 'S', rate: '19', taxAmount: '30.82' }]),
      'BR-CO-17',
      '/vatBreakdown/0/taxAmount',
      /sent 30\.82, expected 29\.81/,
    ],
    [
      'three decimals',
      (i) => (i.totals = { lineExtension: '166.900' }),
      'BR-DEC-09',
      '/totals/lineExtension',
      /at most 2 decimals/,
    ],
  ])(
    'names the figure, what was sent and expected, and the rule: %s',
    (_name, mutate, code, path, message) => {
      const invoice = base();
      mutate(invoice);
      const found = problemsOf(invoice).find((p) => p.code === code);
      expect(found).toMatchObject({ path, code });
      expect(found!.message).toMatch(message);
    },
  );

  it.each<[string, (i: CanonicalInvoice) => void, string, string]>([
    ['standard rate of zero', (i) => (i.lines[0]!.vat.rate = '0'), 'BR-S-05', '/lines/0/vat/rate'],
    [
      'exempt without a reason',
      (i) => (i.lines[0]!.vat = { category: 'E', rate: '0' }),
      'BR-E-10',
      '/vatBreakdown/0/exemptionReason',
    ],
    [
      'intra-community supply without delivery',
      (i) => (i.lines = i.lines.map((l) => ({ ...l, vat: { category: 'K' as const, rate: '0' } }))),
      'BR-IC-11',
      '/delivery/date',
    ],
    [
      'not subject to VAT with VAT ids',
      (i) => (i.lines = i.lines.map((l) => ({ ...l, vat: { category: 'O' as const } }))),
      'BR-O-02',
      '/seller/vatId',
    ],
    [
      'credit transfer without an account',
      (i) => delete i.payment!.creditTransfers,
      'BR-61',
      '/payment/creditTransfers/0/accountId',
    ],
    [
      'seller without any identifier',
      (i) => {
        delete i.seller.vatId;
        delete i.seller.legalRegistration;
      },
      'BR-CO-26',
      '/seller',
    ],
    [
      'percentage allowance without base, in a PEPPOL BIS 3 invoice',
      (i) => {
        i.process = { specification: PEPPOL_BIS3_SPECIFICATION };
        i.allowances = [{ percentage: '2', vatCategory: 'S', vatRate: '19', reason: 'x' }];
      },
      'PEPPOL-EN16931-R041',
      '/allowances/0/baseAmount',
    ],
    [
      'allowance without reason',
      (i) => (i.allowances = [{ amount: '1.00', vatCategory: 'S', vatRate: '19' }]),
      'BR-33',
      '/allowances/0/reason',
    ],
    [
      'period ending before it starts',
      (i) => (i.invoicingPeriod = { start: '2026-11-30', end: '2026-11-01' }),
      'BR-29',
      '/invoicingPeriod/end',
    ],
  ])('applies the business rule for %s', (_name, mutate, code, path) => {
    const invoice = base();
    mutate(invoice);
    expect(problemsOf(invoice)).toContainEqual(expect.objectContaining({ code, path }));
  });

  it('requires the mandatory figures in check mode, naming the rule', () => {
    const codes = problemsOf(base(), 'check').map((p) => p.code);
    expect(codes).toEqual(
      expect.arrayContaining(['BR-12', 'BR-13', 'BR-14', 'BR-15', 'BR-24', 'BR-CO-18', 'BR-S-01']),
    );
  });
});

describe('einvoice validate', () => {
  const run = promisify(execFile);
  const cli = join(ROOT, 'bin', 'einvoice.js');

  it('passes every sample', async () => {
    const { stdout } = await run(process.execPath, [
      cli,
      'validate',
      ...sampleFiles.map((f) => join(SAMPLES, f)),
    ]);
    expect(stdout.trim().split('\n')).toHaveLength(sampleFiles.length);
    expect(stdout).not.toContain('INVALID');
  });

  it('exits 1 on a broken document, with located errors (and as JSON)', async () => {
    const broken = sample('invoice.json') as unknown as Record<string, any>;
    broken.totals = { payable: '1.00' };
    broken.lines[0].unitCode = 'not a unit';
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, JSON.stringify({ context: {}, document: broken }));
    const error = (await run(process.execPath, [cli, 'validate', file]).catch((e: unknown) => e)) as {
      code: number;
      stdout: string;
    };
    expect(error.code).toBe(1);
    expect(error.stdout).toContain('INVALID');
    expect(error.stdout).toContain('/lines/0/unitCode');
    const json = (await run(process.execPath, [cli, 'validate', '--json', file]).catch(
      (e: unknown) => e,
    )) as { stdout: string };
    const report = JSON.parse(json.stdout) as Array<{
      valid: boolean;
      problems: Array<{ code: string; path: string }>;
    }>;
    expect(report[0]!.valid).toBe(false);
    // a unit that is not a UN/ECE Recommendation 20/21 code is BR-CL-23's finding
    expect(report[0]!.problems).toContainEqual(
      expect.objectContaining({ code: 'BR-CL-23', path: '/lines/0/unitCode' }),
    );
  });
});

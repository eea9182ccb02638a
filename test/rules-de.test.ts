import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedFormats } from '../shared/formats/mapping';
import { sampleInvoice } from '../shared/model/sample-invoice';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { isValidIban, type GermanRuleSet } from '../shared/model/rules-de';
import { runRules } from '../shared/rules/engine';
import { germanModules } from '../shared/rules/german';
import type { HeldInvoice } from '../shared/rules/rule';

/** The module of a German rule set. */
const german = (set: GermanRuleSet) => germanModules.find((m) => m.set === set)!;
const checkGermanRules = (invoice: HeldInvoice, set: GermanRuleSet) => runRules([german(set)], { invoice });
import { validateInvoice } from '../shared/model/validate-invoice';
import { packageRoot } from '../shared/util/package-root';
import { describeWithCorpus } from './support/corpus';
import { tempDir } from './support/temp';
import { readUnitTests } from './support/unit-tests';

const ubl = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;

/** The tests of an official unit-test file: what each asserts, and its (partial) document. */
const unitTests = readUnitTests;

describeWithCorpus(
  "German CIUS rules against PEPPOL's DE-R unit tests",
  ['peppol-bis-invoice-3/rules/unit-UBL-DE'],
  (corpus) => {
    const dir = join(corpus, 'peppol-bis-invoice-3', 'rules', 'unit-UBL-DE');
    const tests = readdirSync(dir)
      .filter((name) => name.endsWith('.xml'))
      .sort()
      .flatMap((name) => unitTests(join(dir, name)));

    it('covers every rule the unit tests name, and the unit tests cover every rule', () => {
      const tested = new Set(tests.flatMap((t) => t.expect.map((e) => e.rule)));
      const implemented = new Set(german('peppol-de').rules.map((r) => r.id));
      expect([...tested].filter((r) => !implemented.has(r))).toEqual([]);
      // DE-R-023/024/025-2 (the other payment groups absent) have error tests; all others at least one.
      expect([...implemented].filter((r) => !tested.has(r))).toEqual([]);
      expect(tests.length).toBeGreaterThanOrEqual(55);
    });

    it.each(tests.map((t) => [`${t.file.split('/').pop()!} #${t.index + 1}`, t] as const))(
      '%s',
      (_name, test) => {
        const invoice = ubl.parse!(test.document);
        const problems = checkGermanRules(invoice, 'peppol-de');
        for (const { kind, rule } of test.expect) {
          const found = problems.filter((p) => p.code === rule);
          if (kind === 'success') expect({ rule, found }).toEqual({ rule, found: [] });
          else
            expect({ rule, severities: found.map((p) => p.severity ?? 'error') }).toEqual({
              rule,
              severities: [kind],
            });
        }
      },
    );
  },
);

describe('German CIUS rules', () => {
  /** A sample invoice that meets XRechnung: contact, buyer reference, IBAN. */
  function germanInvoice(): CanonicalInvoice {
    const invoice = sampleInvoice(2);
    invoice.process = {
      ...invoice.process,
      specification: 'urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0',
    };
    invoice.buyerReference = '04011000-12345-03';
    invoice.seller.contact = { name: 'Erika Muster', phone: '+49 30 1234567', email: 'rechnung@example.de' };
    invoice.payment = { meansCode: '58', creditTransfers: [{ accountId: 'DE75512108001245126199' }] };
    return invoice;
  }

  it('checks IBANs by ISO 13616 (mod 97)', () => {
    expect(isValidIban('DE75512108001245126199')).toBe(true);
    expect(isValidIban('DE75 5121 0800 1245 1261 99')).toBe(true);
    expect(isValidIban('DE75512108001245126198')).toBe(false);
    expect(isValidIban('DE7551210800')).toBe(false);
  });

  it('apply by the specification identifier, with the XRechnung rule ids, and pass a complete invoice', () => {
    const result = validateInvoice(germanInvoice());
    expect(result.problems).toEqual([]);
    const missing = germanInvoice();
    delete missing.buyerReference;
    missing.seller.contact = { name: 'Erika Muster', phone: '12', email: 'rechnung@example.de' };
    const checked = validateInvoice(missing);
    expect(checked.valid).toBe(false);
    expect(checked.problems).toEqual([
      expect.objectContaining({ code: 'BR-DE-15', path: '/buyerReference' }),
      expect.objectContaining({ code: 'BR-DE-27', path: '/seller/contact/phone', severity: 'warning' }),
    ]);
  });

  it('apply when asked for, and leave other invoices alone', () => {
    const plain = sampleInvoice(1);
    delete plain.buyerReference; // EN 16931 needs BT-10 or an order reference (BT-13), XRechnung needs BT-10
    plain.orderReference = 'PO-1';
    expect(validateInvoice(plain).problems).toEqual([]);
    const codes = validateInvoice(plain, 'fill', { ruleSets: ['xrechnung'] }).problems.map((p) => p.code);
    expect(codes).toEqual(['BR-DE-15']);
  });

  it('make warnings alone leave the invoice valid', () => {
    const invoice = germanInvoice();
    invoice.typeCode = '383'; // a debit note: XRechnung "should" not
    const result = validateInvoice(invoice);
    expect(result.valid).toBe(true);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'BR-DE-17', severity: 'warning' })]);
  });

  it('read Skonto statements in the payment terms line by line', () => {
    const invoice = germanInvoice();
    invoice.paymentTerms = '#SKONTO#TAGE=7#PROZENT=2.00#\n#SKONTO#TAGE=14#PROZENT=1.00#BASISBETRAG=10.00#\n';
    expect(checkGermanRules(invoice, 'xrechnung')).toEqual([]);
    invoice.paymentTerms = '#SKONTO#TAGE=7#PROZENT=2#\n';
    expect(checkGermanRules(invoice, 'xrechnung')).toEqual([
      expect.objectContaining({
        code: 'BR-DE-18',
        message: expect.stringContaining('#SKONTO#TAGE=7#PROZENT=2#'),
      }),
    ]);
    invoice.paymentTerms = 'Zahlbar sofort\n#SKONTO#TAGE=7#PROZENT=2.00#';
    expect(checkGermanRules(invoice, 'xrechnung')).toEqual([
      expect.objectContaining({ code: 'BR-DE-18', message: expect.stringContaining('line break') }),
    ]);
  });
});

describe('einvoice validate and convert with the German rules', () => {
  const cli = join(packageRoot(), 'bin', 'einvoice.js');
  const run = (args: string[]): { status: number; stdout: string; stderr: string } => {
    const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const dir = tempDir();
  const withoutBuyerReference = join(dir, 'no-bt10.json');
  const plain = sampleInvoice(1);
  delete plain.buyerReference;
  plain.orderReference = 'PO-1';
  writeFileSync(withoutBuyerReference, JSON.stringify(plain));

  it('convert applies the rules the target mapping declares', () => {
    expect(run(['convert', withoutBuyerReference, '--to', 'peppol-bis3-ubl']).status).toBe(0);
    const xrechnung = run(['convert', withoutBuyerReference, '--to', 'xrechnung-ubl']);
    expect(xrechnung).toMatchObject({ status: 1, stdout: '' });
    expect(xrechnung.stderr).toContain('BR-DE-15 /buyerReference');
  });

  it('validate --rules reports errors and warnings; warnings alone pass', () => {
    const checked = run(['validate', withoutBuyerReference, '--rules', 'peppol-de']);
    expect(checked.status).toBe(1);
    expect(checked.stdout).toContain('DE-R-015 /buyerReference');
    const debitNote = join(dir, 'debit-note.json');
    writeFileSync(debitNote, JSON.stringify({ ...sampleInvoice(1), typeCode: '383' }));
    const warned = run(['validate', debitNote, '--rules', 'xrechnung']);
    expect(warned.stdout).toContain('warning BR-DE-17 /typeCode');
    expect(warned.status).toBe(0);
    // An unknown rule set is a usage error (exit 2) naming the option and the known sets.
    expect(run(['validate', debitNote, '--rules', 'xrechnung,bogus'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--rules must be one or more of xrechnung, peppol-de'),
    });
  });
});

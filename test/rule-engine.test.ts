import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runRules } from '../shared/rules/engine';
import { RULE_MODULES, modulesOf } from '../shared/rules/modules';
import type { InvoiceRuleModule, SyntaxRuleModule } from '../shared/rules/rule';
import { EN16931_SOURCE } from '../shared/rules/sources';
import { validateInvoice } from '../shared/model/validate-invoice';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { parseXmlTree } from '../shared/xml/xml-tree';

/** The rule engine: modules of rules as data, run on whatever a document holds. */

const canonical: InvoiceRuleModule = {
  id: 'test-canonical',
  set: 'en16931',
  title: 'test',
  source: EN16931_SOURCE,
  reads: 'canonical',
  rules: [
    {
      id: 'T-01',
      terms: ['BT-1'],
      message: 'An invoice number is needed',
      check: (invoice, report) => void (invoice.id === undefined && report('/id')),
    },
    {
      id: 'T-02',
      severity: 'warning',
      terms: ['BT-131'],
      message: 'Lines should have a net amount',
      check: (invoice, report) =>
        (invoice.lines ?? []).forEach(
          (line, i) =>
            line.netAmount === undefined && report(`/lines/${i}/netAmount`, `Line ${i + 1} has none`),
        ),
    },
    {
      id: 'T-03',
      terms: [],
      message: 'Fails',
      check: () => {
        throw new Error('boom');
      },
    },
  ],
};

const national: InvoiceRuleModule = {
  ...canonical,
  id: 'test-national',
  appliesTo: (invoice) => invoice.seller?.address?.country === 'DK',
  rules: [canonical.rules[0]!],
};

const syntax: SyntaxRuleModule = {
  id: 'test-ubl',
  set: 'en16931',
  title: 'test',
  source: EN16931_SOURCE,
  reads: 'ubl',
  rules: [
    {
      id: 'T-SR-01',
      terms: [],
      message: 'No note',
      check: (root, report) => {
        for (const child of root.childNodes)
          if (child.nodeType === 1 && child.localName === 'Note') report(child);
      },
    },
  ],
};

describe('the rule engine', () => {
  it('reports each breach with the rule id, severity, terms and path; a failing rule is a finding, not a pass', () => {
    const problems = runRules([canonical], {
      invoice: { lines: [{ id: '1' }, { id: '2', netAmount: '1' }] },
    });
    expect(problems).toEqual([
      { path: '/id', code: 'T-01', message: 'An invoice number is needed', terms: ['BT-1'] },
      {
        path: '/lines/0/netAmount',
        code: 'T-02',
        message: 'Line 1 has none',
        severity: 'warning',
        terms: ['BT-131'],
      },
      { path: '/', code: 'rule.failed', message: 'Rule T-03 could not be checked: boom' },
    ]);
  });

  it('runs a module with a condition only where it holds', () => {
    expect(runRules([national], { invoice: { seller: { address: { country: 'SE' } } } })).toEqual([]);
    expect(runRules([national], { invoice: { seller: { address: { country: 'DK' } } } })).toHaveLength(1);
  });

  it('runs a syntax module on the XML of its syntax only, located by XPath and line', () => {
    const root = parseXmlTree(
      '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"\n xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">\n<cbc:Note>x</cbc:Note></Invoice>',
    );
    expect(runRules([syntax], { invoice: {} })).toEqual([]);
    expect(runRules([syntax], { invoice: {}, source: { root, syntax: 'cii' } })).toEqual([]);
    expect(runRules([syntax], { invoice: {}, source: { root, syntax: 'ubl' } })).toEqual([
      { location: { xpath: '/Invoice/cbc:Note', line: 3 }, code: 'T-SR-01', message: 'No note', terms: [] },
    ]);
  });
});

describe('the shipped rule modules', () => {
  const rules = RULE_MODULES.flatMap((m) =>
    m.rules.map((r) => ({ module: m.id, set: m.set, reads: m.reads, rule: r })),
  );

  it('have unique module ids, and within a rule set unique rule ids (a syntax rule once per syntax)', () => {
    expect(new Set(RULE_MODULES.map((m) => m.id)).size).toBe(RULE_MODULES.length);
    // A rule once per set and what it reads: a rule the official artefacts bind to each syntax is in each
    // syntax's module (and a syntax may check on its elements what the canonical module checks on the model).
    const keys = rules.map(({ set, reads, rule }) => `${set} ${reads} ${rule.id}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('give every rule an official-looking id, business terms and a message', () => {
    const bad = rules.filter(
      ({ rule }) =>
        !/^[A-Z][A-Z0-9]*(-[A-Za-z0-9]+)+$/.test(rule.id) ||
        rule.message.trim() === '' ||
        !rule.terms.every((t) => /^B[TG]-\d+(-\d+)?$/.test(t)),
    );
    expect(bad.map(({ module, rule }) => `${module} ${rule.id}`)).toEqual([]);
  });

  it('apply EN 16931 always and the other sets when asked', () => {
    const sets = (chosen: Parameters<typeof modulesOf>[0]) => [
      ...new Set(modulesOf(chosen).map((m) => m.set)),
    ];
    expect(sets([])).toEqual(['en16931']);
    expect(sets(['peppol']).sort()).toEqual(['en16931', 'peppol']);
  });
});

describe('validation of a partial document', () => {
  it('runs the rules on what it holds and reports the schema on structure and types alongside', () => {
    const invoice = sampleInvoice(1) as unknown as Record<string, unknown>;
    delete invoice.id; // BR-02, reported once, by its rule id
    (invoice.seller as Record<string, unknown>).name = 42; // a number where text is expected
    const { valid, problems, invoice: completed } = validateInvoice(invoice, 'fill');
    expect(valid).toBe(false);
    expect(completed).toBeUndefined();
    const codes = problems.map((p) => `${p.code} ${p.path}`);
    expect(codes).toContain('BR-02 /id');
    expect(codes).toContain('schema.type /seller/name');
    expect(codes.filter((c) => c.endsWith(' /id'))).toHaveLength(1);
    // completed as far as it can be, the figures the client left to the service are not missing
    expect(codes.filter((c) => /^BR-(1[2-5]|CO-1\d|S-0[189]) /.test(c))).toEqual([]);
  });

  it('keeps the caller’s document as it was', () => {
    const invoice = sampleInvoice(1) as unknown as Record<string, unknown>;
    (invoice.seller as Record<string, unknown>).name = 42;
    validateInvoice(invoice, 'check');
    expect((invoice.seller as Record<string, unknown>).name).toBe(42);
  });
});

/** docs/rules-catalogue.md: every rule of every module, generated from the modules (`npm run generate`). */
function catalogue(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '# Rule catalogue',
    '',
    'Generated from the rule modules (`shared/rules/`) by `npm run generate`; do not edit. How the rules are',
    'chosen and reported: [rules.md](rules.md). The same list: `einvoice rules --set SET`.',
    '',
  ];
  for (const module of RULE_MODULES) {
    lines.push(
      `## ${module.title}`,
      '',
      `Module \`${module.id}\`, rule set \`${module.set}\`, reads ${module.reads === 'canonical' ? 'the canonical invoice' : `the ${module.reads.toUpperCase()} XML as received`}; ` +
        `agrees with ${module.source.artefact} ${module.source.version} (${module.source.url}). ${module.rules.length} rules.`,
      '',
    );
    if (module.rules.length === 0) continue;
    lines.push('| rule | severity | terms | requires |', '|---|---|---|---|');
    for (const rule of module.rules)
      lines.push(
        `| ${rule.id} | ${rule.severity ?? 'fatal'} | ${rule.terms.join(', ')} | ${cell(rule.message)} |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}

describe('docs/rules-catalogue.md', () => {
  const file = join(__dirname, '..', 'docs', 'rules-catalogue.md');
  it('lists every rule of every module as the modules declare it', () => {
    if (process.env.UPDATE_GENERATED === '1') writeFileSync(file, catalogue());
    expect(readFileSync(file, 'utf8')).toBe(catalogue());
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegistries } from '../shared/composition';
import {
  compileMappings,
  loadMapping,
  mappingFormat,
  shippedFormats,
  type MappingDefinition,
  type MappingNode,
} from '../shared/formats/mapping';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import { packageRoot } from '../shared/util/package-root';
import { tempDir } from './support/temp';

const noCertificates = { get: () => Promise.reject(new Error('not used')) };

function tiny(root: MappingNode, fragments?: Record<string, MappingNode[]>): MappingDefinition {
  return {
    id: 'tiny',
    description: 'test',
    output: 'xml',
    contentType: 'application/xml',
    extension: 'xml',
    calculate: false,
    xml: { declaration: false },
    root,
    ...(fragments ? { fragments } : {}),
  };
}

const render = (definition: MappingDefinition, data: unknown) =>
  mappingFormat(definition).render(data as CanonicalInvoice);

describe('mapping engine', () => {
  it('repeats, chooses, reads absolute paths, and leaves out empty texts, attributes and containers', () => {
    const definition = tiny({
      element: 'r',
      attributes: { xmlns: { value: 'urn:t' }, missing: { path: 'nothing' } },
      children: [
        {
          element: 'line',
          forEach: 'lines',
          children: [
            { element: 'id', text: { path: 'id' } },
            { element: 'cur', text: { path: '/currency' } },
            {
              choose: [
                { element: 'big', when: { path: 'qty', in: ['10', '20'] }, text: { path: 'qty' } },
                { element: 'small', text: { path: 'qty', format: 'decimal' } },
              ],
            },
            { element: 'note', text: { template: '#{code}#{text}' } },
          ],
        },
        { element: 'empty', children: [{ element: 'x', text: { path: 'absent' } }] },
        { element: 'amount', text: { path: 'total', format: 'amount' } },
      ],
    });
    const xml = render(definition, {
      currency: 'EUR',
      total: '7.5',
      lines: [
        { id: 'a', qty: '10', code: 'AAI', text: 'hello' },
        { id: 'b', qty: '1.500', text: 'no code' },
      ],
    });
    expect(xml).toBe(
      [
        '<r xmlns="urn:t">',
        '  <line>',
        '    <id>a</id>',
        '    <cur>EUR</cur>',
        '    <big>10</big>',
        '    <note>#AAI#hello</note>',
        '  </line>',
        '  <line>',
        '    <id>b</id>',
        '    <cur>EUR</cur>',
        '    <small>1.5</small>',
        '  </line>',
        '  <amount>7.50</amount>',
        '</r>',
        '',
      ].join('\n'),
    );
  });

  it('inserts fragments with a scope or bound names, and escapes text', () => {
    const definition = tiny(
      {
        element: 'r',
        children: [
          { element: 'seller', scope: 'seller', use: 'party' },
          { element: 'buyer', bind: { name: 'buyerName' }, use: 'party' },
        ],
      },
      { party: [{ element: 'name', text: { path: 'name' } }] },
    );
    expect(render(definition, { seller: { name: 'A & B <Ltd>' }, buyerName: 'C' })).toBe(
      '<r>\n  <seller>\n    <name>A &amp; B &lt;Ltd&gt;</name>\n  </seller>\n  <buyer>\n    <name>C</name>\n  </buyer>\n</r>\n',
    );
  });

  it('names the mapping node when a value does not fit its format', () => {
    const definition = tiny({
      element: 'r',
      children: [{ element: 'a', text: { path: 'x', format: 'amount' } }],
    });
    expect(() => render(definition, { x: 'ten' })).toThrow(
      expect.objectContaining({
        code: 'transform.invalid-value',
        message: expect.stringContaining('/root/children/0/text'),
      }),
    );
  });

  it('refuses a mapping that breaks the schema, with the file and JSON path, and an unknown fragment', () => {
    const broken = JSON.stringify({ ...tiny({ element: 'r' }), root: { element: 'r', colour: 'red' } });
    expect(() => loadMapping(broken, 'broken.json')).toThrow(
      expect.objectContaining({
        code: 'format.invalid-mapping',
        details: expect.arrayContaining([expect.objectContaining({ path: 'broken.json#/root/colour' })]),
      }),
    );
    expect(() => mappingFormat(tiny({ element: 'r', use: 'nowhere' }))).toThrow(/unknown fragment "nowhere"/);
  });
});

describe("a mapping reading the company's parameters", () => {
  const definition = tiny({
    element: 'r',
    children: [
      { element: 'endpoint', text: { template: '{company.scheme}:{company.endpointId}' } },
      { element: 'regime', text: { path: 'company.regime' } },
      { element: 'id', text: { path: 'id' } },
    ],
  });

  it('reads company.<name> from the parameters given to render, and says it does', () => {
    const format = mappingFormat(definition);
    expect(format.usesCompany).toBe(true);
    expect(
      format.render({ id: 'A-1' } as CanonicalInvoice, {
        company: { scheme: '0088', endpointId: '42', regime: 'RF01' },
      }),
    ).toBe('<r>\n  <endpoint>0088:42</endpoint>\n  <regime>RF01</regime>\n  <id>A-1</id>\n</r>\n');
    // without them the elements are empty, so left out
    expect(render(definition, { id: 'A-1' })).toBe('<r>\n  <id>A-1</id>\n</r>\n');
    expect(mappingFormat(tiny({ element: 'r', text: { path: 'id' } })).usesCompany).toBeUndefined();
  });
});

describe('mappings that extend others', () => {
  it('EN 16931 and XRechnung UBL are PEPPOL UBL with their own specification identifiers', () => {
    const byId = new Map(shippedFormats().map((f) => [f.id, f]));
    const invoice = sampleInvoice(1);
    const en16931 = byId.get('en16931-ubl')!.render(invoice);
    expect(en16931).toContain('<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>');
    expect(en16931).not.toContain('<cbc:ProfileID>');
    const xrechnung = byId.get('xrechnung-ubl')!.render(invoice);
    expect(xrechnung).toContain('urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>');
    expect(xrechnung.replace(/<cbc:CustomizationID>[^<]*/, '')).toBe(
      byId
        .get('peppol-bis3-ubl')!
        .render(invoice)
        .replace(/<cbc:CustomizationID>[^<]*/, ''),
    );
  });

  it('refuses a circle of extensions, an unknown base and an unset parameter', () => {
    const a = { id: 'a', description: 'a', extends: 'b' };
    const b = { id: 'b', description: 'b', extends: 'a' };
    expect(() => compileMappings([a, b])).toThrow(/extend each other in a circle/);
    expect(() => compileMappings([{ id: 'c', description: 'c', extends: 'nowhere' }])).toThrow(
      /unknown mapping "nowhere"/,
    );
    const unset = tiny({ element: 'r', text: { value: '${missing}' } });
    expect(() => compileMappings([unset])).toThrow(/parameter "missing"/);
  });
});

describe('non-XML outputs from mappings', () => {
  const byId = () => new Map(shippedFormats().map((f) => [f.id, f]));

  it('JSON: elements are properties, containers objects, forEach items a list (one item too)', () => {
    const json = JSON.parse(byId().get('invoice-json')!.render(sampleInvoice(1))) as {
      number: string;
      totals: { payable: string };
      lines: Array<{ id: string; netAmount: string }>;
      vat: unknown[];
    };
    expect(json.number).toBe('INV-2026-0001');
    expect(json.lines).toEqual([
      expect.objectContaining({ id: '1', netAmount: expect.stringMatching(/^\d+\.\d{2}$/) }),
    ]);
    expect(json.vat).toHaveLength(1);
    expect(json.totals.payable).toMatch(/^\d+\.\d{2}$/);
  });

  it('CSV: a header, a row per line, fields quoted where they must be', () => {
    const invoice = sampleInvoice(2);
    invoice.lines[0]!.item.name = 'Bolts; "M8", zinc\nplated';
    const csv = byId().get('lines-csv')!.render(invoice);
    const rows = csv.split('\r\n');
    expect(rows[0]).toBe(
      'invoice;issue_date;currency;line;item;quantity;unit;net_price;net_amount;vat_category;vat_rate',
    );
    expect(rows[1]).toContain(';"Bolts; ""M8"", zinc\nplated";');
    expect(rows.filter(Boolean)).toHaveLength(3);
  });
});

describe('fixed-width text from a mapping', () => {
  const fixed = (width: number) =>
    compileMappings([
      {
        id: 'fixed',
        description: 'fixed-width lines',
        output: 'csv',
        contentType: 'text/plain',
        extension: 'txt',
        csv: {
          rows: 'lines',
          delimiter: '',
          header: false,
          columns: [
            { name: 'line', value: { path: 'id' }, width: 4 },
            { name: 'item', value: { path: 'item.name' }, width },
            { name: 'amount', value: { path: 'netAmount', format: 'amount' }, width: 10, align: 'right' },
          ],
        },
      },
    ])[0]!;

  it('pads each field to its width, numbers to the right', () => {
    const text = fixed(30).render(sampleInvoice(2));
    const [first] = text.split('\r\n');
    expect(first).toHaveLength(44);
    expect(first).toMatch(/^1 {3}Item 1: Consulting hour {7} +\d+\.\d\d$/);
  });

  it('refuses a value longer than its field instead of cutting it', () => {
    expect(() => fixed(5).render(sampleInvoice(1))).toThrow(
      expect.objectContaining({
        code: 'transform.too-long',
        details: [expect.objectContaining({ path: 'row 1, column item' })],
      }),
    );
  });

  it('a fixed-width column without a width is refused when the mapping loads', () => {
    const broken = JSON.stringify({
      id: 'broken',
      description: 'b',
      output: 'csv',
      contentType: 'text/plain',
      extension: 'txt',
      csv: { rows: 'lines', delimiter: '', columns: [{ name: 'line', value: { path: 'id' } }] },
    });
    expect(() => loadMapping(broken, 'broken.json')).toThrow(
      expect.objectContaining({ code: 'format.invalid-mapping' }),
    );
  });
});

describe('shipped mappings', () => {
  it('load, and render a sample', () => {
    const formats = shippedFormats();
    expect(formats.map((f) => f.id)).toContain('peppol-bis3-ubl');
    const payment = JSON.parse(readFileSync(join(packageRoot(), 'samples', 'mx', 'pago.json'), 'utf8'))
      .document as CanonicalInvoice;
    // the NF-e reads its company (CRT, state) and the br.* terms of a Brazilian sale
    const sale = validateInvoice(
      JSON.parse(readFileSync(join(packageRoot(), 'samples', 'br', 'venda-interna.json'), 'utf8')).document,
      'fill',
    ).invoice as CanonicalInvoice;
    const brazil = { company: { crt: '3', uf: 'SP', cMun: '3550308', ie: '111111111119' } };
    for (const format of formats)
      expect(
        (format.id === 'nfe-400'
          ? format.render(sale, brazil)
          : format.render(format.document === 'payment' ? payment : sampleInvoice(3))
        ).length,
      ).toBeGreaterThan(0);
    // without its company, the NF-e says what it needs
    expect(() => formats.find((f) => f.id === 'nfe-400')!.render(sale)).toThrow(
      expect.objectContaining({
        code: 'transform.inconsistent',
        details: [
          expect.objectContaining({ path: 'company.crt' }),
          expect.objectContaining({ path: 'company.uf' }),
        ],
      }),
    );
    // a payment receipt's format refuses an invoice, clearly
    const pagos = formats.find((f) => f.document === 'payment')!;
    expect(() => pagos.render(sampleInvoice(3))).toThrow(
      expect.objectContaining({
        code: 'transform.inconsistent',
        details: [expect.objectContaining({ path: '/payments' })],
      }),
    );
  });
});

describe('one document currency', () => {
  it('an amount in another currency is read, and its currency reported as not read', () => {
    const ubl = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;
    const invoice = sampleInvoice(1);
    invoice.charges = [{ amount: '10', vatCategory: 'S', vatRate: '19', reason: 'Freight' }];
    const xml = ubl
      .render(invoice)
      .replace(/(<cac:AllowanceCharge>[\s\S]*?<cbc:Amount currencyID=")EUR"/, '$1NOK"');
    expect(xml).toContain('currencyID="NOK"');
    const read = ubl.read!(xml);
    expect(read.invoice.currency).toBe('EUR');
    expect(read.invoice.charges?.[0]?.amount).toBe('10.00');
    expect(read.unread).toEqual(['/Invoice/cac:AllowanceCharge/cbc:Amount/@currencyID']);
  });
});

describe('a term written once, in the first item of a list', () => {
  it('firstOf: only the first item writes it', () => {
    const definition = tiny({
      element: 'Doc',
      children: [
        {
          element: 'Tax',
          forEach: 'taxes',
          children: [
            { element: 'Rate', text: { path: 'rate' } },
            { element: 'Date', when: { path: '/taxes', firstOf: true }, text: { path: '/date' } },
          ],
        },
      ],
    });
    const xml = render(definition, { date: '2026-11-27', taxes: [{ rate: '19' }, { rate: '7' }] });
    expect(xml.match(/<Date>/g)).toHaveLength(1);
    expect(xml.indexOf('<Date>')).toBeLessThan(xml.indexOf('<Rate>7'));
  });

  it('CII writes the VAT point date (BT-7) in the first VAT breakdown entry only (CII-SR-461)', () => {
    const cii = shippedFormats().find((f) => f.id === 'en16931-cii')!;
    const invoice = sampleInvoice(2);
    invoice.taxPointDate = '2026-11-20';
    invoice.lines[1]!.vat = { category: 'S', rate: '7' };
    const xml = cii.render(invoice);
    expect(xml.match(/<ram:ApplicableTradeTax>/g)!.length).toBeGreaterThan(2);
    expect(xml.match(/<ram:TaxPointDate>/g)).toHaveLength(1);
    expect(cii.parse!(xml).taxPointDate).toBe('2026-11-20');
  });
});

describe('a template that takes only elements with its constants', () => {
  it("the tax representative's VAT identifier (BT-63) only from a VAT tax scheme", () => {
    const ubl = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;
    const invoice = sampleInvoice(1);
    invoice.taxRepresentative = {
      name: 'Rep',
      vatId: 'DE123456789',
      address: { country: 'DE' },
    };
    const xml = ubl.render(invoice);
    expect(ubl.read!(xml).invoice.taxRepresentative?.vatId).toBe('DE123456789');
    const other = xml.replace(
      /(<cac:TaxRepresentativeParty>[\s\S]*?<cac:TaxScheme>\s*<cbc:ID>)VAT(<\/cbc:ID>)/,
      '$1COM$2',
    );
    expect(other).toContain('<cbc:ID>COM</cbc:ID>');
    const read = ubl.read!(other);
    expect(read.invoice.taxRepresentative?.vatId).toBeUndefined();
    expect(read.unread).toEqual(['/Invoice/cac:TaxRepresentativeParty/cac:PartyTaxScheme']);
  });
});

describe('several VAT totals', () => {
  it('the breakdown entries of every VAT total with a breakdown are read together; BT-111 stays apart', () => {
    const ubl = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;
    const invoice = sampleInvoice(2);
    invoice.lines[1]!.vat = { category: 'S', rate: '19' };
    invoice.vatAccountingCurrency = 'SEK';
    invoice.totals = { vatInAccountingCurrency: '100.00' };
    const xml = ubl.render(validateInvoice(invoice).invoice!);
    // the second breakdown entry in a VAT total of its own, after the one in the accounting currency
    const split = xml.replace(
      /(<cac:TaxTotal>[\s\S]*?)(<cac:TaxSubtotal>[\s\S]*?<\/cac:TaxSubtotal>)(\s*<\/cac:TaxTotal>)([\s\S]*?<\/cac:TaxTotal>)/,
      '$1$3$4<cac:TaxTotal>$2</cac:TaxTotal>',
    );
    expect(split.match(/<cac:TaxTotal>/g)).toHaveLength(3);
    const read = ubl.read!(split);
    expect(read.unread).toEqual([]);
    expect(read.invoice.vatBreakdown?.map((b) => b.rate).sort()).toEqual(['19', '7']);
    expect(read.invoice.totals?.vatInAccountingCurrency).toBe('100.00');
  });
});

describe('codes of another code list in the syntax', () => {
  it('a code of the model is written as the code of the syntax and read back as the model one', () => {
    const definition = tiny({
      element: 'Doc',
      children: [{ element: 'Code', text: { path: 'code', codes: { '3': '5', '35': '29' } } }],
    });
    expect(render(definition, { code: '35' })).toContain('<Code>29</Code>');
    // a code without an entry is written as it is, for the code-list rule to judge
    expect(render(definition, { code: '7' })).toContain('<Code>7</Code>');
    const format = mappingFormat(definition);
    expect(format.read!('<Doc><Code>29</Code></Doc>').invoice).toEqual({ code: '35' });
    expect(format.read!('<Doc><Code>77</Code></Doc>').invoice).toEqual({ code: '77' });
  });

  it('CII writes the VAT point date code (BT-8) in UNTDID 2475, as EN 16931 binds it', () => {
    const cii = shippedFormats().find((f) => f.id === 'en16931-cii')!;
    const invoice = sampleInvoice(1);
    delete invoice.taxPointDate;
    invoice.vatPointDateCode = '35';
    const xml = cii.render(invoice);
    expect(xml).toContain('<ram:DueDateTypeCode>29</ram:DueDateTypeCode>');
    expect(cii.parse!(xml).vatPointDateCode).toBe('35');
  });
});

describe('a changed copy of a mapping, registered without code', () => {
  function find(node: MappingNode, element: string): MappingNode | undefined {
    if (node.element === element) return node;
    for (const child of [...(node.children ?? []), ...(node.choose ?? [])]) {
      const found = find(child, element);
      if (found) return found;
    }
    return undefined;
  }

  it('changes the output as configured, and is listed by `einvoice formats`', () => {
    const shipped = JSON.parse(
      readFileSync(join(packageRoot(), 'flows', 'peppol-bis3', 'formats', 'peppol-bis3-ubl.json'), 'utf8'),
    ) as MappingDefinition & { $schema?: string };
    const copy = structuredClone(shipped);
    copy.id = 'acme-peppol';
    copy.description = 'PEPPOL BIS 3 with Acme defaults';
    delete copy.$schema;
    const invoiceRoot = copy.root!.choose!.find((n) => n.element === 'Invoice')!;
    // a constant, a default, and an element left out
    find(invoiceRoot, 'cbc:CustomizationID')!.text = { value: 'urn:acme:customization' };
    find(invoiceRoot, 'cbc:BuyerReference')!.text = { path: 'buyerReference', default: 'ACME-DEFAULT' };
    invoiceRoot.children = invoiceRoot.children!.filter((n) => n.element !== 'cac:PaymentTerms');
    const dir = tempDir();
    writeFileSync(join(dir, 'acme-peppol.json'), JSON.stringify(copy, null, 2));

    const { formats } = createRegistries({ outboxDir: dir, formatsDir: dir }, noCertificates);
    const invoice = { ...sampleInvoice(2), paymentTerms: 'Net 30' };
    delete invoice.buyerReference;
    const original = renderPeppolUbl(invoice);
    const changed = formats.get('acme-peppol').render(invoice);
    expect(original).toContain('<cac:PaymentTerms>');
    expect(changed).not.toContain('<cac:PaymentTerms>');
    expect(changed).toContain('<cbc:CustomizationID>urn:acme:customization</cbc:CustomizationID>');
    expect(changed).toContain('<cbc:BuyerReference>ACME-DEFAULT</cbc:BuyerReference>');
    expect(original).not.toContain('ACME-DEFAULT');

    const cli = join(packageRoot(), 'bin', 'einvoice.js');
    const listed = execFileSync(process.execPath, [cli, 'formats'], {
      env: { ...process.env, EINVOICE_FORMATS_DIR: dir },
      encoding: 'utf8',
    });
    expect(listed).toMatch(/^acme-peppol\s+PEPPOL BIS 3 with Acme defaults \(reads and writes\)$/m);
    expect(listed).toMatch(/^peppol-bis3-ubl\s/m);
  });
});

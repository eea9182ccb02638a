import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandIo } from '../shared/cli/command';
import { locateXsdProblems } from '../shared/cli/commands/validate';
import { main } from '../shared/cli/main';
import { locateProblems, toFinding, type OutputFormat, type ReadDocument } from '../shared/formats/format';
import { shippedFormats } from '../shared/formats/mapping';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import { packageRoot } from '../shared/util/package-root';
import { ajv } from '../shared/validation/schema';
import { parseXmlTree, type XmlTreeElement } from '../shared/xml/xml-tree';
import { createHarness, TENANT } from './support/harness';
import { tempDir } from './support/temp';

const format = (id: string): OutputFormat => shippedFormats().find((f) => f.id === id)!;
const SAMPLE = (
  JSON.parse(readFileSync(join(packageRoot(), 'samples', 'invoice.json'), 'utf8')) as {
    document: CanonicalInvoice;
  }
).document;
const UBL = format('peppol-bis3-ubl').render(structuredClone(SAMPLE));
const CII = format('en16931-cii').render(structuredClone(SAMPLE));

/** The 1-based line of the first line holding `marker` after the first one holding `after`. */
function lineOf(xml: string, marker: string, after?: string): number {
  const lines = xml.split('\n');
  const start = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  expect(start).toBeGreaterThanOrEqual(0);
  const index = lines.findIndex((l, i) => i >= start && l.includes(marker));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

/** Replaces the first match of `pattern` (which must be there) after the first occurrence of `after`. */
function edit(xml: string, pattern: RegExp, replacement: string, after = ''): string {
  const at = xml.indexOf(after);
  const tail = xml.slice(at);
  expect(tail).toMatch(pattern);
  return xml.slice(0, at) + tail.replace(pattern, replacement);
}

/** The document read by `id` and checked as received (every figure as stated), its problems located. */
function findings(id: string, xml: string) {
  const read = format(id).read!(xml);
  const { problems } = validateInvoice(read.invoice, 'check');
  return { read, problems: locateProblems(problems, read.locate) };
}

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string | Uint8Array) => (stdout += text.toString()) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { PATH: process.env.PATH, EINVOICE_DATA_DIR: tempDir(), EINVOICE_SCHEMAS_DIR: tempDir() },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const file = (name: string, content: string) => {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
};

/** The contract of `validate --json` (docs/cli.md, validate). */
const REPORT_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['file', 'valid', 'problems'],
    properties: {
      file: { type: 'string' },
      valid: { type: 'boolean' },
      problems: {
        type: 'array',
        items: {
          type: 'object',
          required: ['code', 'severity', 'message'],
          properties: {
            code: { type: 'string', minLength: 1 },
            severity: { enum: ['fatal', 'warning', 'information'] },
            message: { type: 'string' },
            path: { type: 'string', pattern: '^/' },
            location: {
              type: 'object',
              required: ['xpath', 'line'],
              additionalProperties: false,
              properties: {
                xpath: { type: 'string', pattern: '^/' },
                line: { type: 'integer', minimum: 1 },
              },
            },
            terms: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^B[TG]-\\d+$' } },
          },
        },
      },
    },
  },
};
const checkReport = ajv().compile(REPORT_SCHEMA);

interface Report {
  file: string;
  valid: boolean;
  problems: Array<{
    code: string;
    severity: string;
    message: string;
    path?: string;
    location?: { xpath: string; line: number };
    terms?: string[];
  }>;
}

function parseReport(stdout: string): Report[] {
  const report = JSON.parse(stdout) as unknown;
  expect(checkReport(report) ? [] : checkReport.errors).toEqual([]);
  return report as Report[];
}

describe('where a finding is in the document as received', () => {
  it('UBL: a wrong document line total points at LegalMonetaryTotal/LineExtensionAmount and its line', () => {
    const xml = edit(
      UBL,
      /<cbc:LineExtensionAmount currencyID="EUR">[^<]*</,
      '<cbc:LineExtensionAmount currencyID="EUR">999.00<',
      '<cac:LegalMonetaryTotal>',
    );
    const { problems } = findings('peppol-bis3-ubl', xml);
    expect(problems).toContainEqual(
      expect.objectContaining({
        code: 'BR-CO-10',
        path: '/totals/lineExtension',
        location: {
          xpath: '/Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount',
          line: lineOf(xml, '<cbc:LineExtensionAmount', '<cac:LegalMonetaryTotal>'),
        },
        terms: expect.arrayContaining(['BT-106']),
      }),
    );
  });

  it('UBL: a wrong line net amount points at that line (the second of its name)', () => {
    const second = UBL.indexOf('<cac:InvoiceLine>', UBL.indexOf('<cac:InvoiceLine>') + 1);
    const xml =
      UBL.slice(0, second) +
      UBL.slice(second).replace(/(<cbc:LineExtensionAmount currencyID="EUR">)[^<]*</, '$1123.45<');
    const { problems } = findings('peppol-bis3-ubl', xml);
    const line = xml.slice(0, xml.indexOf('<cbc:LineExtensionAmount', second)).split('\n').length;
    expect(problems).toContainEqual(
      expect.objectContaining({
        code: 'PEPPOL-EN16931-R120',
        path: '/lines/1/netAmount',
        location: { xpath: '/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount', line },
      }),
    );
  });

  it('UBL: a seller without any identifier points at the seller party, the nearest element there is', () => {
    const party = UBL.slice(
      UBL.indexOf('<cac:AccountingSupplierParty>'),
      UBL.indexOf('</cac:AccountingSupplierParty>'),
    );
    const anonymous = party
      .replace(/\s*<cac:PartyIdentification>[\s\S]*?<\/cac:PartyIdentification>/g, '')
      .replace(/\s*<cac:PartyTaxScheme>[\s\S]*?<\/cac:PartyTaxScheme>/g, '')
      .replace(/\s*<cbc:CompanyID[^>]*>[^<]*<\/cbc:CompanyID>/g, '');
    const xml = UBL.replace(party, anonymous);
    const { problems } = findings('peppol-bis3-ubl', xml);
    expect(problems).toContainEqual(
      expect.objectContaining({
        code: 'BR-CO-26',
        path: '/seller',
        location: {
          xpath: '/Invoice/cac:AccountingSupplierParty/cac:Party',
          line: lineOf(xml, '<cac:Party>', '<cac:AccountingSupplierParty>'),
        },
        terms: ['BT-29', 'BT-30', 'BT-31'],
      }),
    );
  });

  it('CII: a wrong document line total and a seller without identifiers', () => {
    let xml = edit(
      CII,
      /<ram:LineTotalAmount>[^<]*</,
      '<ram:LineTotalAmount>999.00<',
      '<ram:SpecifiedTradeSettlementHeaderMonetarySummation>',
    );
    const seller = xml.slice(xml.indexOf('<ram:SellerTradeParty>'), xml.indexOf('</ram:SellerTradeParty>'));
    xml = xml.replace(
      seller,
      seller
        .replace(/\s*<ram:ID[^>]*>[^<]*<\/ram:ID>/g, '')
        .replace(/\s*<ram:GlobalID[^>]*>[^<]*<\/ram:GlobalID>/g, '')
        .replace(/\s*<ram:SpecifiedLegalOrganization>[\s\S]*?<\/ram:SpecifiedLegalOrganization>/g, '')
        .replace(/\s*<ram:SpecifiedTaxRegistration>[\s\S]*?<\/ram:SpecifiedTaxRegistration>/g, ''),
    );
    const { read, problems } = findings('en16931-cii', xml);
    expect(read.invoice.seller).not.toHaveProperty('vatId');
    const settlement =
      '/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement';
    expect(problems).toContainEqual(
      expect.objectContaining({
        code: 'BR-CO-10',
        path: '/totals/lineExtension',
        location: {
          xpath: `${settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:LineTotalAmount`,
          line: lineOf(xml, '<ram:LineTotalAmount>', '<ram:SpecifiedTradeSettlementHeaderMonetarySummation>'),
        },
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        code: 'BR-CO-26',
        path: '/seller',
        location: {
          xpath:
            '/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty',
          line: lineOf(xml, '<ram:SellerTradeParty>'),
        },
      }),
    );
  });

  it('a value read from an attribute points at its element with /@name', () => {
    // No TaxCurrencyCode: the VAT accounting currency (BT-6) is read from the second TaxTotal's currencyID.
    const foreign = (
      JSON.parse(readFileSync(join(packageRoot(), 'samples', 'foreign-currency.json'), 'utf8')) as {
        document: CanonicalInvoice;
      }
    ).document;
    const rendered = format('peppol-bis3-ubl').render(foreign);
    const xml = rendered
      .replace(/\s*<cbc:TaxCurrencyCode>[^<]*<\/cbc:TaxCurrencyCode>/, '')
      .replace(/(<cac:TaxTotal>\s*<cbc:TaxAmount currencyID=")[^"]*(")(?![\s\S]*<cac:TaxTotal>)/, '$1EURO$2');
    const { problems, read } = findings('peppol-bis3-ubl', xml);
    expect(read.invoice.vatAccountingCurrency).toBe('EURO');
    const taxTotals = xml.split('<cac:TaxTotal>').length - 1;
    expect(problems).toContainEqual(
      expect.objectContaining({
        path: '/vatAccountingCurrency',
        location: {
          xpath: `/Invoice/cac:TaxTotal[${taxTotals}]/cbc:TaxAmount/@currencyID`,
          line: lineOf(xml, 'currencyID="EURO"'),
        },
        terms: ['BT-6'],
      }),
    );
    // and a unit code, in either syntax
    const units = findings('peppol-bis3-ubl', UBL.replace(/unitCode="[^"]*"/, 'unitCode="not a unit"'));
    expect(units.problems).toContainEqual(
      expect.objectContaining({
        path: '/lines/0/unitCode',
        location: {
          xpath: '/Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity/@unitCode',
          line: lineOf(UBL, 'unitCode="'),
        },
        code: 'BR-CL-23',
        terms: expect.arrayContaining(['BT-130']) as string[],
      }),
    );
  });

  it('a value the document states twice points at the first element that states it', () => {
    const read = format('peppol-bis3-ubl').read!(UBL);
    expect(read.locate!('/currency')).toEqual({
      xpath: '/Invoice/cbc:DocumentCurrencyCode',
      line: lineOf(UBL, '<cbc:DocumentCurrencyCode>'),
    });
  });

  it('an object points at its element; one the document lacks, or lacks a part of, at the nearest there is', () => {
    const read: ReadDocument = format('peppol-bis3-ubl').read!(UBL);
    const locate = read.locate!;
    expect(locate('')).toEqual({ xpath: '/Invoice', line: lineOf(UBL, '<Invoice ') });
    expect(locate('/lines/0')).toEqual({
      xpath: '/Invoice/cac:InvoiceLine[1]',
      line: lineOf(UBL, '<cac:InvoiceLine>'),
    });
    expect(locate('/lines/0/item')?.xpath).toBe('/Invoice/cac:InvoiceLine[1]/cac:Item');
    // The sample's prices have a net amount only: price is the Price element, as is the gross price it lacks.
    expect(locate('/lines/0/price')?.xpath).toBe('/Invoice/cac:InvoiceLine[1]/cac:Price');
    expect(locate('/lines/0/price/gross')?.xpath).toBe('/Invoice/cac:InvoiceLine[1]/cac:Price');
    expect(locate('/lines/0/price/net')?.xpath).toBe('/Invoice/cac:InvoiceLine[1]/cac:Price/cbc:PriceAmount');
    expect(locate('/seller/endpoint/scheme')?.xpath).toBe(
      '/Invoice/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID/@schemeID',
    );
    expect(locate('/seller/nothing/here')?.xpath).toBe('/Invoice/cac:AccountingSupplierParty/cac:Party');
    expect(locate('/lines/99/netAmount')?.xpath).toBe('/Invoice');
    expect(locate('not a pointer')).toBeUndefined();
  });

  it('an empty element of a business group is kept where it is, for its rules, and shifts nothing', () => {
    const xml = UBL.replace('<cac:InvoiceLine>', '<cac:InvoiceLine></cac:InvoiceLine>\n  <cac:InvoiceLine>');
    const read = format('peppol-bis3-ubl').read!(xml);
    // the document has two lines, the first empty: BR-21 and the other rules of a line judge it
    expect(read.invoice.lines).toEqual([{}, ...format('peppol-bis3-ubl').read!(UBL).invoice.lines]);
    expect(read.locate!('/lines/1/netAmount')?.xpath).toBe(
      '/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount',
    );
    expect(read.locate!('/lines/0/id')?.xpath).toBe('/Invoice/cac:InvoiceLine[1]');
    const codes = validateInvoice(read.invoice, 'check').problems.map((p) => `${p.code} ${p.path}`);
    expect(codes).toContain('BR-21 /lines/0/id');
  });

  it('terms come from the rule message, else from the canonical model of the path', () => {
    expect(
      locateProblems([
        { code: 'BR-CO-10', path: '/totals/lineExtension', message: 'BT-106 Sum of line net amounts …' },
        { code: 'schema.pattern', path: '/lines/3/price/net', message: 'must match pattern' },
        { code: 'schema.required', path: '/seller/name', message: 'is required' },
        { code: 'x', path: '/nowhere', message: 'nothing to say' },
        { code: 'y', message: 'no path', terms: ['BG-4'] },
      ]).map((p) => p.terms),
    ).toEqual([['BT-106'], ['BT-146'], ['BT-27'], undefined, ['BG-4']]);
  });

  it('findings are reported as fatal, warning or information', () => {
    expect(toFinding({ code: 'BR-CO-10', path: '/totals', message: 'm' })).toEqual({
      code: 'BR-CO-10',
      severity: 'fatal',
      message: 'm',
      path: '/totals',
      terms: ['BG-22'],
    });
    expect(toFinding({ code: 'BR-51', message: 'BT-87 …', severity: 'warning' })).toMatchObject({
      severity: 'warning',
      terms: ['BT-87'],
    });
  });

  it('an XML Schema finding (by line) points at the element it names on that line, else the first there', () => {
    const issued = lineOf(UBL, '<cbc:IssueDate>');
    const quantity = lineOf(UBL, 'unitCode="');
    const onOneLine = UBL.replace(/>\s+</g, '><');
    const message =
      "Element '{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}IssueDate': 'x' is not a valid value of the atomic type 'xs:date'.";
    expect(
      locateXsdProblems(UBL, [
        { code: 'xsd.invalid', path: `line ${issued}`, message },
        {
          code: 'xsd.invalid',
          path: `line ${quantity}`,
          message: "Element 'Unknown', attribute 'unitCode': …",
        },
        { code: 'xsd.invalid', path: 'line 9999', message: 'beyond the end' },
      ]),
    ).toEqual([
      { code: 'xsd.invalid', message, location: { xpath: '/Invoice/cbc:IssueDate', line: issued } },
      {
        code: 'xsd.invalid',
        message: "Element 'Unknown', attribute 'unitCode': …",
        location: { xpath: '/Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity/@unitCode', line: quantity },
      },
      { code: 'xsd.invalid', path: 'line 9999', message: 'beyond the end' },
    ]);
    // the whole document on one line: the element the message names
    expect(
      locateXsdProblems(onOneLine, [{ code: 'xsd.invalid', path: 'line 1', message }])[0]!.location,
    ).toEqual({ xpath: '/Invoice/cbc:IssueDate', line: 1 });
  });
});

describe('einvoice validate and convert show where', () => {
  const wrongTotal = () =>
    edit(
      UBL,
      /<cbc:LineExtensionAmount currencyID="EUR">[^<]*</,
      '<cbc:LineExtensionAmount currencyID="EUR">999.00<',
      '<cac:LegalMonetaryTotal>',
    );

  it('validate --json prints the contract shape, with the location of each finding in an XML input', async () => {
    const xml = wrongTotal();
    const path = file('wrong-total.xml', xml);
    const { code, stdout } = await cli(['validate', '--json', path]);
    expect(code).toBe(1);
    const [report] = parseReport(stdout);
    expect(report).toMatchObject({ file: path, valid: false });
    const line = lineOf(xml, '<cbc:LineExtensionAmount', '<cac:LegalMonetaryTotal>');
    expect(report!.problems).toContainEqual({
      code: 'BR-CO-10',
      severity: 'fatal',
      message: expect.stringContaining('BT-106'),
      path: '/totals/lineExtension',
      location: { xpath: '/Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount', line },
      terms: expect.arrayContaining(['BT-106']),
    });
    for (const problem of report!.problems) expect(problem.location).toBeDefined();
  });

  it('validate prints the line and XPath in its text output; convert in its problem lines', async () => {
    const xml = wrongTotal();
    const path = file('wrong-total.xml', xml);
    const line = lineOf(xml, '<cbc:LineExtensionAmount', '<cac:LegalMonetaryTotal>');
    const where = `BR-CO-10 /totals/lineExtension (line ${line}, /Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount): `;
    const validated = await cli(['validate', path]);
    expect(validated.code).toBe(1);
    expect(validated.stdout).toContain(`  ${where}`);
    const converted = await cli(['convert', path, '--to', 'en16931-cii']);
    expect(converted.code).toBe(1);
    expect(converted.stderr).toContain(where);
  });

  it('a canonical JSON input has paths and terms, no location', async () => {
    const { code, stdout } = await cli([
      'validate',
      '--json',
      '--mode',
      'check',
      join(packageRoot(), 'samples', 'invalid', 'wrong-line-total.json'),
    ]);
    expect(code).toBe(1);
    const [report] = parseReport(stdout);
    expect(report!.problems).toContainEqual(
      expect.objectContaining({ code: 'BR-CO-10', severity: 'fatal', path: '/totals/lineExtension' }),
    );
    for (const problem of report!.problems) expect(problem).not.toHaveProperty('location');
  });

  it('a valid XML input reports no findings', async () => {
    const { code, stdout } = await cli(['validate', '--json', file('ok.xml', UBL)]);
    expect(code).toBe(0);
    expect(parseReport(stdout)).toEqual([expect.objectContaining({ valid: true, problems: [] })]);
  });
});

describe('the flow validation artifact', () => {
  it('ubl-to-bc: validation.json carries each finding with its location in the XML received', async () => {
    const h = await createHarness();
    const xml = edit(
      edit(UBL, /<cbc:CustomizationID>/, '<cbc:UBLVersionID>2.0</cbc:UBLVersionID>\n  <cbc:CustomizationID>'),
      /<cbc:LineExtensionAmount currencyID="EUR">[^<]*</,
      '<cbc:LineExtensionAmount currencyID="EUR">999.00<',
      '<cac:LegalMonetaryTotal>',
    );
    const { record } = await h.services.pipeline.submit({
      tenantId: TENANT,
      context: { direction: 'inbound', format: 'peppol-bis3-ubl', companyId: 'CRONUS' },
      content: Buffer.from(xml),
      contentType: 'application/xml',
    });
    const done = await h.settle(record.id);
    expect(done.flowId).toBe('ubl-to-bc');
    expect(done.status).toBe('rejected');
    const validation = JSON.parse(
      (await h.services.pipeline.artifact(TENANT, done.id, 'validation.json')).content.toString(),
    ) as { valid: boolean; problems: Report['problems'] };
    expect(validation.valid).toBe(false);
    expect(validation.problems).toContainEqual({
      code: 'BR-CO-10',
      severity: 'fatal',
      message: expect.any(String),
      path: '/totals/lineExtension',
      location: {
        xpath: '/Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount',
        line: lineOf(xml, '<cbc:LineExtensionAmount', '<cac:LegalMonetaryTotal>'),
      },
      terms: expect.arrayContaining(['BT-106']),
    });
    // a rule on the XML itself (the UBL syntax rules read the document the flow received): located at its
    // official context, the document element; no path
    expect(validation.problems).toContainEqual({
      code: 'UBL-CR-002',
      severity: 'warning',
      message: expect.any(String),
      location: { xpath: '/Invoice', line: lineOf(xml, '<Invoice') },
    });
  });

  it('a canonical JSON document: validation.json has the same fields, without location', async () => {
    const h = await createHarness();
    const broken = structuredClone(SAMPLE);
    broken.totals = { ...broken.totals, lineExtension: '1.00' };
    const done = await h.settle((await h.submit(broken)).id);
    expect(done.status).toBe('rejected');
    const validation = JSON.parse(
      (await h.services.pipeline.artifact(TENANT, done.id, 'validation.json')).content.toString(),
    ) as { problems: Report['problems'] };
    expect(validation.problems).toContainEqual(
      expect.objectContaining({ code: 'BR-CO-10', severity: 'fatal', path: '/totals/lineExtension' }),
    );
    for (const problem of validation.problems) expect(problem).not.toHaveProperty('location');
  });
});

describe('every value read has a location that holds it', () => {
  /** The element (and attribute) an XPath of `locate` names. */
  function resolve(root: XmlTreeElement, xpath: string): { el: XmlTreeElement; text: string } {
    const [path, attribute] = xpath.split('/@');
    const steps = path!.split('/').slice(1);
    expect(steps[0]).toBe(root.nodeName);
    let el = root;
    for (const step of steps.slice(1)) {
      const [, name, index] = /^([^[]+)(?:\[(\d+)\])?$/.exec(step)!;
      const same = el.childNodes.filter((c): c is XmlTreeElement => c.nodeType === 1 && c.nodeName === name);
      expect(same.length === 1 || index !== undefined).toBe(true);
      el = same[Number(index ?? 1) - 1]!;
      expect(el).toBeDefined();
    }
    return { el, text: attribute === undefined ? el.textContent : (el.getAttribute(attribute) ?? '') };
  }

  const holds = (text: string, value: string) =>
    text.includes(value) ||
    (text.trim() !== '' && Number(text) === Number(value)) ||
    text.trim() === value.replace(/-/g, '') ||
    ({ '1': 'true', '0': 'false' } as Record<string, string>)[text.trim()] === value;

  const leaves = (value: unknown, path = ''): Array<[string, string]> =>
    value !== null && typeof value === 'object'
      ? Object.entries(value).flatMap(([key, v]) => leaves(v, `${path}/${key}`))
      : [[path, String(value)]];

  const samples = readdirSync(join(packageRoot(), 'samples')).filter((n) => n.endsWith('.json'));
  for (const id of ['peppol-bis3-ubl', 'en16931-cii', 'xrechnung-ubl', 'xrechnung-cii']) {
    it(`${id}: every sample`, () => {
      for (const name of samples) {
        const { document } = JSON.parse(readFileSync(join(packageRoot(), 'samples', name), 'utf8')) as {
          document: CanonicalInvoice;
        };
        const xml = format(id).render(document);
        const read = format(id).read!(xml);
        const root = parseXmlTree(xml);
        for (const [path, value] of leaves(read.invoice)) {
          const location = read.locate!(path)!;
          const { el, text } = resolve(root, location.xpath);
          expect({ name, path, line: el.line }).toEqual({ name, path, line: location.line });
          expect({ name, path, xpath: location.xpath, holds: holds(text, value) }).toEqual({
            name,
            path,
            xpath: location.xpath,
            holds: true,
          });
        }
      }
    });
  }
});

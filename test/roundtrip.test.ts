import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedFormats } from '../shared/formats/mapping';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import { lostTerms } from './support/business-terms';
import { describeWithCorpus } from './support/corpus';
import { XsdValidatorPool } from '../shared/xml/xsd';

interface Syntax {
  format: string;
  folders: string[];
  /** Rule findings of examples whose figures or content break a rule (see the comments). */
  findings: Record<string, string[]>;
  /** Elements an example carries that the canonical model cannot hold as they are (see the comments). */
  unread?: Record<string, string[]>;
}

const CII_LINE =
  '/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem';
const CII_AGREEMENT =
  '/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement';
const R120 = (...lines: number[]) => lines.map((i) => `PEPPOL-EN16931-R120 /lines/${i}/netAmount`);

/**
 * Official examples whose figures break a rule: EN 16931's own examples predate PEPPOL's line rules (R120:
 * line net amount = quantity × net price ÷ base quantity + charges − allowances; R046: net price = gross
 * price − discount), one Greek example has no seller name (BT-27, BR-06), and the XRechnung test file carries
 * placeholders (XX) and a lower-case VATEX code. Parsing reports exactly these, and the service will not render
 * a document whose figures do not add up. CII examples that give the gross and the net price different base
 * quantities (the model has one, BT-149) leave the net price's unread; two of example 5's referenced documents
 * have no type code, so they cannot be told apart (a tender, an invoiced object or an attachment).
 */
const SYNTAXES: Syntax[] = [
  {
    format: 'peppol-bis3-ubl',
    folders: [
      'en16931/ubl/examples',
      'peppol-bis-invoice-3/rules/examples',
      'peppol-bis-invoice-3/rules/national-examples/GR',
      'peppol-bis-invoice-3/rules/national-examples/NO',
    ],
    findings: {
      'en16931/ubl/examples/guide-example1.xml': R120(19),
      'en16931/ubl/examples/ubl-tc434-example1.xml': R120(19),
      'en16931/ubl/examples/ubl-tc434-example10.xml': R120(19),
      'en16931/ubl/examples/guide-example2.xml': [...R120(0), 'PEPPOL-EN16931-R046 /lines/2/price/net'],
      'en16931/ubl/examples/ubl-tc434-example2.xml': [...R120(0), 'PEPPOL-EN16931-R046 /lines/2/price/net'],
      'en16931/ubl/examples/guide-example3.xml': R120(0, 1),
      'en16931/ubl/examples/ubl-tc434-example3.xml': R120(0, 1),
      'peppol-bis-invoice-3/rules/national-examples/GR/GR-base-example-TaxRepresentative.xml': [
        'schema.required /seller/name',
      ],
    },
  },
  {
    format: 'en16931-cii',
    folders: ['en16931/cii/examples'],
    findings: {
      'en16931/cii/examples/CII-BR-CO-10-RoundingIssue.xml': [
        'PEPPOL-EN16931-R046 /lines/0/price/net',
        'PEPPOL-EN16931-R046 /lines/2/price/net',
      ],
      'en16931/cii/examples/CII_business_example_01.xml': [
        ...R120(0, 1),
        'PEPPOL-EN16931-R046 /lines/2/price/net',
        ...R120(2, 3, 4),
      ],
      'en16931/cii/examples/CII_example2.xml': [
        ...R120(0, 1),
        'PEPPOL-EN16931-R046 /lines/2/price/net',
        ...R120(2, 3, 4),
      ],
      'en16931/cii/examples/CII_business_example_Z.xml': R120(2),
      'en16931/cii/examples/CII_example1.xml': R120(19),
      'en16931/cii/examples/CII_example5.xml': ['PEPPOL-EN16931-R046 /lines/0/price/net', ...R120(0)],
      'en16931/cii/examples/CII_example8.xml': R120(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      'en16931/cii/examples/CII_example9.xml': R120(0),
      'en16931/cii/examples/XRechnung-O.xml': [
        'schema.format /seller/contact/email',
        'schema.required /buyer/endpoint/id',
        'schema.pattern /vatBreakdown/0/exemptionReasonCode',
      ],
      'en16931/cii/examples/huf_example_cii.xml': [...R120(0, 1, 2), 'BR-CO-17 /vatBreakdown/0/taxAmount'],
    },
    unread: {
      'en16931/cii/examples/CII_business_example_01.xml': [
        `${CII_LINE}[1]/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity`,
        `${CII_LINE}[3]/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity`,
      ],
      'en16931/cii/examples/CII_example2.xml': [
        `${CII_LINE}[1]/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity`,
        `${CII_LINE}[3]/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity`,
      ],
      'en16931/cii/examples/CII_example5.xml': [
        `${CII_LINE}[1]/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity`,
        `${CII_AGREEMENT}/ram:AdditionalReferencedDocument[1]`,
        `${CII_AGREEMENT}/ram:AdditionalReferencedDocument[2]`,
      ],
      'en16931/cii/examples/huf_example_cii.xml': [`${CII_AGREEMENT}/ram:AdditionalReferencedDocument[1]`],
    },
  },
];

for (const syntax of SYNTAXES) {
  describeWithCorpus(`${syntax.format}: round trip over the official examples`, syntax.folders, (corpus) => {
    const format = shippedFormats().find((f) => f.id === syntax.format)!;
    const examples = syntax.folders.flatMap((folder) =>
      readdirSync(join(corpus, folder))
        .filter((name) => /\.xml$/i.test(name))
        .map((name) => `${folder}/${name}`),
    );

    it.each(examples)('%s', async (example) => {
      const { invoice: input, unread } = format.read!(readFileSync(join(corpus, example), 'utf8'));
      // every element of the example became part of the canonical invoice, but for the documented ones
      expect(unread).toEqual(syntax.unread?.[example] ?? []);
      const problems = validateInvoice(input, 'check').problems.map((p) => `${p.code} ${p.path ?? ''}`);
      expect(problems).toEqual(syntax.findings[example] ?? []);
      if (syntax.findings[example]) return; // an inconsistent document is not rendered (tested above)
      const output = format.render(input);
      expect(await xsdProblems(corpus, output)).toEqual([]);
      const again: CanonicalInvoice = format.parse!(output);
      expect(lostTerms(input, again)).toEqual([]);
    });

    it('knows every example it lists', () => {
      const listed = [...Object.keys(syntax.findings), ...Object.keys(syntax.unread ?? {})];
      expect(listed.filter((k) => !examples.includes(k))).toEqual([]);
    });
  });
}

let pool: XsdValidatorPool | undefined;
afterAll(() => pool?.close());

function xsdProblems(corpus: string, xml: string) {
  pool ??= new XsdValidatorPool(corpus);
  return pool.validate(xml);
}

describeWithCorpus(
  'cross-syntax: UBL ⇄ canonical ⇄ CII keeps every business term',
  SYNTAXES.flatMap((s) => s.folders),
  (corpus) => {
    const byId = new Map(shippedFormats().map((f) => [f.id, f]));
    const pairs = SYNTAXES.flatMap((syntax) =>
      syntax.folders.flatMap((folder) =>
        readdirSync(join(corpus, folder))
          .filter((name) => /\.xml$/i.test(name))
          .map((name) => `${folder}/${name}`)
          .filter((example) => !syntax.findings[example])
          .map((example) => [example, syntax.format] as const),
      ),
    );

    it.each(pairs)('%s', async (example, from) => {
      const source = byId.get(from)!;
      const target = byId.get(from === 'en16931-cii' ? 'peppol-bis3-ubl' : 'en16931-cii')!;
      const input = source.parse!(readFileSync(join(corpus, example), 'utf8'));
      const converted = target.render(input);
      expect(await xsdProblems(corpus, converted)).toEqual([]);
      expect(lostTerms(input, target.parse!(converted))).toEqual([]);
    });
  },
);

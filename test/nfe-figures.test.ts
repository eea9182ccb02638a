import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { isEInvoiceError, type ProblemDetail } from '../shared/errors';
import { nfeFigures, type NfeCompany, type NfeFigures, type NfeItem } from '../shared/formats/nfe-figures';
import { composeAccessKey } from '../shared/formats/nfe-key';
import type { CanonicalInvoice, InvoiceLine } from '../shared/model/invoice';
import { checkNfeTotals, NFE_CHECKS, type NfeFinding } from '../shared/rules/br/nfe-checks';
import { codeList, type CodeListId } from '../shared/rules/code-lists/code-lists';
import { describeWithCorpus } from './support/corpus';
import { validateXsd } from './support/xsd';

const NS = 'http://www.portalfiscal.inf.br/nfe';
const FIXTURES = 'nfe-sped/tests/fixtures/xml';
const SCHEMAS = 'nfe-sped/schemes/PL_009_V4';
const ROOT = join(__dirname, '..');

// ---------------------------------------------------------------------------------------------------------
// A minimal NF-e from the figures: what the checks read (the real mapping writes the whole document)

/** The elements of `tree` in its order, one a line: a string is a value, an object a group. */
function xmlOf(tree: object, indent: string): string {
  return Object.entries(tree)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) =>
      typeof value === 'string'
        ? `${indent}<${name}>${value}</${name}>`
        : `${indent}<${name}>\n${xmlOf(value as object, `${indent}  `)}\n${indent}</${name}>`,
    )
    .join('\n');
}

function detXml(item: NfeItem, indent: string): string {
  const { prod } = item;
  const tree = {
    prod: {
      cProd: item.line.id,
      cEAN: 'SEM GTIN',
      xProd: item.line.item.name,
      NCM: prod.NCM,
      CEST: prod.CEST,
      CFOP: prod.CFOP,
      uCom: 'UN',
      qCom: prod.qCom,
      vUnCom: prod.vUnCom,
      vProd: prod.vProd,
      cEANTrib: 'SEM GTIN',
      uTrib: 'UN',
      qTrib: prod.qTrib,
      vUnTrib: prod.vUnTrib,
      vFrete: prod.vFrete,
      vSeg: prod.vSeg,
      vDesc: prod.vDesc,
      vOutro: prod.vOutro,
      indTot: prod.indTot,
    },
    imposto: item.imposto,
    impostoDevol: item.impostoDevol,
  };
  return `${indent}<det nItem="${item.nItem}">\n${xmlOf(tree, `${indent}  `)}\n${indent}</det>`;
}

const detsXml = (figures: NfeFigures, indent: string) =>
  figures.det.map((item) => detXml(item, indent)).join('\n');
const totalXml = (figures: NfeFigures, indent: string) => xmlOf({ total: figures.total }, indent);

/** An NF-e of the figures with what the checks read: ide/finNFe, the items and the totals. */
function nfeXml(figures: NfeFigures): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<NFe xmlns="${NS}">
  <infNFe versao="4.00" Id="NFe35240511222333000181550010000012341123456780">
    <ide>
      <finNFe>${figures.ide.finNFe}</finNFe>
    </ide>
${detsXml(figures, '    ')}
${totalXml(figures, '    ')}
  </infNFe>
</NFe>
`;
}

/** The line (1-based) `text` first has `needle` on, after `from`. */
function lineOf(text: string, needle: string, from = 0): number {
  const at = text.indexOf(needle, from);
  expect(at).toBeGreaterThanOrEqual(0);
  return text.slice(0, at).split('\n').length;
}

/** `text` with the value of the element `name` inside ICMSTot raised by 1 (exactly, as written). */
function raiseTotal(text: string, name: string): { xml: string; line: number } {
  const tot = text.indexOf('<ICMSTot>');
  const open = text.indexOf(`<${name}>`, tot);
  const close = text.indexOf(`</${name}>`, open);
  const value = text.slice(open + name.length + 2, close);
  const [whole, fraction] = value.split('.');
  const raised = `${BigInt(whole!) + 1n}${fraction === undefined ? '' : `.${fraction}`}`;
  return {
    xml: text.slice(0, open + name.length + 2) + raised + text.slice(close),
    line: text.slice(0, open).split('\n').length,
  };
}

/** The totals each code compares, and whether a change of it also changes the sum vNF is checked against. */
const TOTAL_CODES: Record<string, { code: string; inNF: boolean }> = {
  vBC: { code: '531', inNF: false },
  vICMS: { code: '532', inNF: false },
  // a vNF that does not subtract the desonerated ICMS is accepted: raising it alone changes no accepted vNF
  vICMSDeson: { code: '795', inNF: false },
  vFCPUFDest: { code: '798', inNF: false },
  vICMSUFDest: { code: '799', inNF: false },
  vICMSUFRemet: { code: '800', inNF: false },
  vBCST: { code: '533', inNF: false },
  vST: { code: '534', inNF: true },
  vProd: { code: '564', inNF: true },
  vFrete: { code: '535', inNF: true },
  vSeg: { code: '536', inNF: true },
  vDesc: { code: '537', inNF: true },
  vII: { code: '601', inNF: true },
  vIPI: { code: '538', inNF: true },
  vPIS: { code: '602', inNF: false },
  vCOFINS: { code: '603', inNF: false },
  vOutro: { code: '604', inNF: true },
  vNF: { code: '610', inNF: true },
  vTotTrib: { code: '685', inNF: false },
};

const REQUIRED_TOTALS = Object.keys(TOTAL_CODES).filter(
  (name) => !['vFCPUFDest', 'vICMSUFDest', 'vICMSUFRemet', 'vTotTrib'].includes(name),
);

/** Every total of ICMSTot in `xml`, raised by 1, is reported with its code at its element, and nothing else is. */
function expectEveryChangedTotalCaught(xml: string, icmsTot: string): void {
  const present = Object.keys(TOTAL_CODES).filter((name) =>
    xml.includes(`<${name}>`, xml.indexOf('<ICMSTot>')),
  );
  // the totals the schema requires are there; the destination state's and vTotTrib where the document has them
  expect(present).toEqual(expect.arrayContaining(REQUIRED_TOTALS));
  for (const name of present) {
    const { code, inNF } = TOTAL_CODES[name]!;
    const { xml: changed, line } = raiseTotal(xml, name);
    const findings = checkNfeTotals(changed);
    expect([name, findings.find((f) => f.code === code)?.location]).toEqual([
      name,
      { xpath: `${icmsTot}/${name}`, line },
    ]);
    const expected = inNF && code !== '610' ? [code, '610'] : [code];
    expect([name, findings.map((f) => f.code).sort()]).toEqual([name, expected.sort()]);
  }
  // without a code of their own: the totals of the FCP-ST and the returned IPI are caught by the total of the note
  for (const name of ['vFCPST', 'vIPIDevol']) {
    const { xml: changed } = raiseTotal(xml, name);
    expect([name, checkNfeTotals(changed).map((f) => f.code)]).toEqual([name, ['610']]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Canonical invoices

const SELLER_CNPJ = '11222333000181';

function invoiceOf(
  lines: InvoiceLine[],
  buyer: { uf: string; country?: 'BR' | 'AR' },
  extensions: Record<string, string>,
  more: Partial<CanonicalInvoice> = {},
): CanonicalInvoice {
  return {
    id: '1234',
    issueDate: '2024-05-20',
    typeCode: '380',
    currency: 'BRL',
    seller: {
      name: 'Indústria Exemplo Ltda',
      legalRegistration: { id: SELLER_CNPJ },
      address: { street: 'Rua dos Testes, 1020', city: 'São Paulo', subdivision: 'SP', country: 'BR' },
    },
    buyer: {
      name: 'Cliente Exemplo',
      address: { city: 'Cidade', subdivision: buyer.uf, country: buyer.country ?? 'BR' },
    },
    extensions,
    lines,
    ...more,
  };
}

function line(
  id: string,
  quantity: string,
  net: string,
  extensions: Record<string, string>,
  more: Partial<InvoiceLine> = {},
): InvoiceLine {
  return {
    id,
    quantity,
    unitCode: 'H87',
    price: { net },
    vat: { category: 'O' },
    item: { name: `Produto ${id}` },
    extensions,
    ...more,
  };
}

const REGIME_NORMAL: NfeCompany = { crt: '3', uf: 'SP' };
const SIMPLES: NfeCompany = { crt: '1', uf: 'SP', pCredSN: '2.56' };
const PIS_COFINS_01 = { 'br.pisCst': '01', 'br.pPIS': '1.65', 'br.cofinsCst': '01', 'br.pCOFINS': '7.6' };

/** An intrastate sale of a manufacturer (CRT 3) to a taxpayer: CST 00, IPI, PIS/COFINS 01, freight for the note. */
const intrastate = invoiceOf(
  [
    line(
      '1',
      '10',
      '125.50',
      {
        'br.ncm': '84713012',
        'br.cfop': '5101',
        'br.origem': '0',
        'br.cst': '00',
        'br.pICMS': '18',
        'br.ipiCst': '50',
        'br.pIPI': '10',
        ...PIS_COFINS_01,
      },
      { allowances: [{ amount: '55.00', reason: 'Desconto comercial' }] },
    ),
    line('2', '2.5', '39.99', {
      'br.ncm': '84733049',
      'br.cfop': '5101',
      'br.origem': '0',
      'br.cst': '00',
      'br.pICMS': '18',
      'br.ipiCst': '50',
      'br.pIPI': '5',
      ...PIS_COFINS_01,
    }),
  ],
  { uf: 'SP' },
  { 'br.natOp': 'Venda de produção do estabelecimento', 'br.ieDest': '110042490114', 'br.modFrete': '0' },
  { charges: [{ amount: '30.00', reasonCode: 'FC', reason: 'Frete', vatCategory: 'O' }] },
);

/** A sale from SP to a consumer in BA who is not a taxpayer: interstate ICMS at 7 % and the difal to BA. */
const toConsumerInAnotherState = invoiceOf(
  [
    line('1', '1', '2500.00', {
      'br.ncm': '85171231',
      'br.cfop': '6102',
      'br.origem': '0',
      'br.cst': '00',
      'br.pICMS': '7',
      'br.ipiCst': '50',
      'br.pIPI': '10',
      'br.pICMSUFDest': '20.5',
      'br.pFCPUFDest': '2',
      ...PIS_COFINS_01,
    }),
    line('2', '3', '19.90', {
      'br.ncm': '85177900',
      'br.cfop': '6102',
      'br.origem': '0',
      'br.cst': '00',
      'br.pICMS': '7',
      'br.pICMSUFDest': '20.5',
      'br.pFCPUFDest': '2',
      ...PIS_COFINS_01,
    }),
  ],
  { uf: 'BA' },
  { 'br.natOp': 'Venda de mercadoria', 'br.indPres': '2' },
);

/** A Simples Nacional sale: CSOSN 101 (with the buyer's credit), 102 with a 10 % allowance, and 500. */
const SIMPLES_PIS_COFINS = { 'br.pisCst': '99', 'br.cofinsCst': '99' };
const simplesNacional = invoiceOf(
  [
    line('1', '4', '87.45', {
      'br.ncm': '61091000',
      'br.cfop': '5102',
      'br.origem': '0',
      'br.csosn': '101',
      'br.vTotTrib': '45.12',
      ...SIMPLES_PIS_COFINS,
    }),
    line(
      '2',
      '1',
      '150.00',
      {
        'br.ncm': '61102000',
        'br.cfop': '5102',
        'br.origem': '0',
        'br.csosn': '102',
        'br.vTotTrib': '17.01',
        ...SIMPLES_PIS_COFINS,
      },
      { allowances: [{ percentage: '10' }] },
    ),
    line('3', '2', '10', {
      'br.ncm': '33051000',
      'br.cfop': '5405',
      'br.origem': '0',
      'br.csosn': '500',
      'br.vTotTrib': '2.50',
      ...SIMPLES_PIS_COFINS,
    }),
  ],
  { uf: 'SP' },
  { 'br.natOp': 'Venda de mercadoria', 'br.ieDest': '110042490114' },
);

/** A manufacturer's sale under ICMS-ST (CST 10) to a reseller: MVA, the FCP on the ST, IPI in the ST base. */
const withSubstitution = invoiceOf(
  [
    line('1', '100', '12.00', {
      'br.ncm': '22030000',
      'br.cest': '0302100',
      'br.cfop': '5401',
      'br.origem': '0',
      'br.cst': '10',
      'br.pICMS': '18',
      'br.pMVAST': '40',
      'br.pICMSST': '18',
      'br.pFCPST': '2',
      'br.ipiCst': '50',
      'br.pIPI': '5',
      ...PIS_COFINS_01,
    }),
    line('2', '7', '3.19', {
      'br.ncm': '22021000',
      'br.cest': '0300700',
      'br.cfop': '5401',
      'br.origem': '0',
      'br.cst': '10',
      'br.pICMS': '18',
      'br.pMVAST': '35.5',
      'br.pICMSST': '18',
      ...PIS_COFINS_01,
    }),
  ],
  { uf: 'SP' },
  { 'br.natOp': 'Venda de produção sujeita a ST', 'br.ieDest': '110042490114' },
);

const RETURNED_KEY = composeAccessKey({
  cUF: '31',
  year: 24,
  month: 5,
  cnpjCpf: '33000167000101',
  mod: '55',
  serie: 1,
  nNF: 4321,
  tpEmis: 1,
  cNF: '12345678',
});

/** A return of goods bought for resale to the supplier in MG (finNFe 4, CFOP 6202), with the IPI returned. */
const returnToSupplier = invoiceOf(
  [
    line('1', '5', '80.00', {
      'br.ncm': '84713012',
      'br.cfop': '6202',
      'br.origem': '0',
      'br.cst': '00',
      'br.pICMS': '12',
      'br.vIPIDevol': '40.00',
      'br.pisCst': '49',
      'br.cofinsCst': '49',
    }),
  ],
  { uf: 'MG' },
  { 'br.natOp': 'Devolução de compra para comercialização', 'br.ieDest': '0623079040081' },
  { typeCode: '381', precedingInvoices: [{ id: RETURNED_KEY, issueDate: '2024-05-02' }] },
);

const EXEMPT_PIS_COFINS = { 'br.pisCst': '07', 'br.cofinsCst': '07' };
const sold = (cfop: string) => ({
  'br.ncm': '39269090',
  'br.cfop': cfop,
  'br.origem': '0',
  ...EXEMPT_PIS_COFINS,
});

/** A regime-normal sale with the other CSTs: reduced base, deferral, ST with a reduced base, ST only, 60, 41. */
const otherCsts = invoiceOf(
  [
    line('1', '1', '1000.00', { ...sold('5102'), 'br.cst': '20', 'br.pRedBC': '33.33', 'br.pICMS': '18' }),
    line('2', '1', '500.00', { ...sold('5102'), 'br.cst': '51', 'br.pICMS': '18', 'br.pDif': '33.33' }),
    line('3', '2', '100.00', {
      ...sold('5401'),
      'br.cst': '70',
      'br.pRedBC': '10',
      'br.pICMS': '18',
      'br.pMVAST': '50',
      'br.pRedBCST': '10',
      'br.pICMSST': '18',
    }),
    line('4', '1', '100.00', { ...sold('5401'), 'br.cst': '90', 'br.pMVAST': '30', 'br.pICMSST': '18' }),
    line('5', '3', '5.00', { ...sold('5405'), 'br.cst': '60' }),
    line('6', '1', '50.00', { ...sold('5102'), 'br.cst': '41' }),
  ],
  { uf: 'SP' },
  { 'br.natOp': 'Venda de mercadoria', 'br.ieDest': '110042490114' },
);

/** A Simples Nacional sale with ST (CSOSN 201 with the credit, 202) and CSOSN 900 with an own ICMS. */
const simplesWithSubstitution = invoiceOf(
  [
    line('1', '10', '20.00', {
      ...sold('5401'),
      'br.csosn': '201',
      'br.pICMS': '18',
      'br.pMVAST': '40',
      'br.pICMSST': '18',
    }),
    line('2', '1', '99.90', {
      ...sold('5401'),
      'br.csosn': '202',
      'br.pICMS': '18',
      'br.pMVAST': '35',
      'br.pICMSST': '18',
    }),
    line('3', '1', '100.00', { ...sold('5102'), 'br.csosn': '900', 'br.pICMS': '12', 'br.pCredSN': '1.25' }),
  ],
  { uf: 'SP' },
  { 'br.natOp': 'Venda de mercadoria', 'br.ieDest': '110042490114' },
);

/** The invoices above, with the company that issues each. */
const SCENARIOS: Array<[string, CanonicalInvoice, NfeCompany]> = [
  ['intrastate', intrastate, REGIME_NORMAL],
  ['difal', toConsumerInAnotherState, REGIME_NORMAL],
  ['simples', simplesNacional, SIMPLES],
  ['st', withSubstitution, REGIME_NORMAL],
  ['return', returnToSupplier, REGIME_NORMAL],
  ['other-csts', otherCsts, REGIME_NORMAL],
  ['simples-st', simplesWithSubstitution, SIMPLES],
];

/** The refusal of `invoice` (which must be refused), its problems in order. */
function refusal(invoice: CanonicalInvoice, company: NfeCompany): ProblemDetail[] {
  try {
    nfeFigures(invoice, company);
  } catch (error) {
    if (isEInvoiceError(error) && error.code === 'transform.inconsistent') return error.details;
    throw error;
  }
  throw new Error('not refused');
}

// ---------------------------------------------------------------------------------------------------------
// (b) The figures

describe('NF-e figures', () => {
  it('computes an intrastate sale of a manufacturer: CST 00, IPI, PIS/COFINS 01, the freight apportioned', () => {
    const figures = nfeFigures(intrastate, REGIME_NORMAL);
    expect(figures.ide).toEqual({
      natOp: 'Venda de produção do estabelecimento',
      tpNF: '1',
      idDest: '1',
      finNFe: '1',
      indFinal: '0',
      indPres: '9',
      NFref: [],
    });
    expect(figures.dest).toEqual({ UF: 'SP', indIEDest: '1', IE: '110042490114' });
    expect(figures.transp).toEqual({ modFrete: '0' });
    // the freight of 30.00 by vProd 1255.00 : 99.98 → 2778.64 and 221.36 cents; the cent left to the larger
    // remainder: 27.79 and 2.21. Item 1: 10 × 125.50 = 1255.00, − 55.00 + 27.79 = 1227.79 (IPI and ICMS base:
    // the buyer is a taxpayer, the IPI stays out of the ICMS base); ICMS 18 % 221.0022 → 221.00; IPI 10 %
    // 122.779 → 122.78; PIS 1.65 % 20.258535 → 20.26; COFINS 7.6 % 93.31204 → 93.31
    const [first, second] = figures.det;
    expect(first!.prod).toEqual({
      NCM: '84713012',
      CFOP: '5101',
      qCom: '10.0000',
      vUnCom: '125.50',
      vProd: '1255.00',
      qTrib: '10.0000',
      vUnTrib: '125.50',
      vFrete: '27.79',
      vDesc: '55.00',
      indTot: '1',
    });
    expect(first!.imposto).toEqual({
      ICMS: { ICMS00: { orig: '0', CST: '00', modBC: '3', vBC: '1227.79', pICMS: '18.00', vICMS: '221.00' } },
      IPI: { cEnq: '999', IPITrib: { CST: '50', vBC: '1227.79', pIPI: '10.00', vIPI: '122.78' } },
      PIS: { PISAliq: { CST: '01', vBC: '1227.79', pPIS: '1.6500', vPIS: '20.26' } },
      COFINS: { COFINSAliq: { CST: '01', vBC: '1227.79', pCOFINS: '7.6000', vCOFINS: '93.31' } },
    });
    // item 2: 2.5 × 39.99 = 99.975 → 99.98, + 2.21 = 102.19; ICMS 18.3942 → 18.39; IPI 5 % 5.1095 → 5.11;
    // PIS 1.686135 → 1.69; COFINS 7.76644 → 7.77
    expect(second!.prod).toMatchObject({ qCom: '2.5000', vUnCom: '39.99', vProd: '99.98', vFrete: '2.21' });
    expect(second!.imposto.ICMS.ICMS00).toMatchObject({ vBC: '102.19', vICMS: '18.39' });
    expect(second!.imposto.IPI?.IPITrib).toMatchObject({ vBC: '102.19', vIPI: '5.11' });
    // vNF = vProd 1354.98 − vDesc 55.00 + vFrete 30.00 + vIPI 127.89 = 1457.87
    expect(figures.total.ICMSTot).toEqual({
      vBC: '1329.98', // 1227.79 + 102.19
      vICMS: '239.39', // 221.00 + 18.39
      vICMSDeson: '0.00',
      vFCP: '0.00',
      vBCST: '0.00',
      vST: '0.00',
      vFCPST: '0.00',
      vFCPSTRet: '0.00',
      vProd: '1354.98', // 1255.00 + 99.98
      vFrete: '30.00',
      vSeg: '0.00',
      vDesc: '55.00',
      vII: '0.00',
      vIPI: '127.89', // 122.78 + 5.11
      vIPIDevol: '0.00',
      vPIS: '21.95', // 20.26 + 1.69
      vCOFINS: '101.08', // 93.31 + 7.77
      vOutro: '0.00',
      vNF: '1457.87',
    });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });

  it('computes an interstate sale to a consumer who is not a taxpayer, with the difal (ICMSUFDest)', () => {
    const figures = nfeFigures(toConsumerInAnotherState, REGIME_NORMAL);
    expect(figures.ide).toMatchObject({ idDest: '2', indFinal: '1', indPres: '2', tpNF: '1' });
    expect(figures.dest).toEqual({ UF: 'BA', indIEDest: '9' });
    // item 1: 2500.00, IPI 10 % 250.00; a consumer: the ICMS base holds the IPI, 2750.00; ICMS 7 % 192.50;
    // to BA: 2750.00 × 20.5 % = 563.75, − 192.50 = 371.25; FCP 2 % 55.00; PIS 41.25; COFINS 190.00
    expect(figures.det[0]!.imposto.ICMS).toEqual({
      ICMS00: { orig: '0', CST: '00', modBC: '3', vBC: '2750.00', pICMS: '7.00', vICMS: '192.50' },
    });
    expect(figures.det[0]!.imposto.ICMSUFDest).toEqual({
      vBCUFDest: '2750.00',
      vBCFCPUFDest: '2750.00',
      pFCPUFDest: '2.00',
      pICMSUFDest: '20.50',
      pICMSInter: '7.00',
      pICMSInterPart: '100.00',
      vFCPUFDest: '55.00',
      vICMSUFDest: '371.25',
      vICMSUFRemet: '0.00',
    });
    // item 2: 3 × 19.90 = 59.70; ICMS 7 % 4.179 → 4.18; to BA 59.70 × 20.5 % = 12.2385 → 12.24, − 4.18 = 8.06;
    // FCP 1.194 → 1.19; PIS 0.98505 → 0.99; COFINS 4.5372 → 4.54
    expect(figures.det[1]!.imposto.ICMSUFDest).toMatchObject({ vFCPUFDest: '1.19', vICMSUFDest: '8.06' });
    expect(figures.total.ICMSTot).toEqual({
      vBC: '2809.70', // 2750.00 + 59.70
      vICMS: '196.68', // 192.50 + 4.18
      vICMSDeson: '0.00',
      vFCPUFDest: '56.19', // 55.00 + 1.19
      vICMSUFDest: '379.31', // 371.25 + 8.06
      vICMSUFRemet: '0.00',
      vFCP: '0.00',
      vBCST: '0.00',
      vST: '0.00',
      vFCPST: '0.00',
      vFCPSTRet: '0.00',
      vProd: '2559.70', // 2500.00 + 59.70
      vFrete: '0.00',
      vSeg: '0.00',
      vDesc: '0.00',
      vII: '0.00',
      vIPI: '250.00',
      vIPIDevol: '0.00',
      vPIS: '42.24', // 41.25 + 0.99
      vCOFINS: '194.54', // 190.00 + 4.54
      vOutro: '0.00',
      vNF: '2809.70', // 2559.70 + 250.00: the difal is not in the note's total
    });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });

  it('computes a Simples Nacional sale: CSOSN 101 with the credit, 102, 500, and the approximate taxes', () => {
    const figures = nfeFigures(simplesNacional, SIMPLES);
    expect(figures.emit).toEqual({ CRT: '1', UF: 'SP' });
    // 4 × 87.45 = 349.80; credit at the company's 2.56 %: 8.95488 → 8.95
    expect(figures.det.map((item) => item.imposto.ICMS)).toEqual([
      { ICMSSN101: { orig: '0', CSOSN: '101', pCredSN: '2.56', vCredICMSSN: '8.95' } },
      { ICMSSN102: { orig: '0', CSOSN: '102' } },
      { ICMSSN500: { orig: '0', CSOSN: '500' } },
    ]);
    expect(figures.det[0]!.imposto.PIS).toEqual({
      PISOutr: { CST: '99', vBC: '0.00', pPIS: '0.0000', vPIS: '0.00' },
    });
    // 10 % of 150.00 = 15.00
    expect(figures.det[1]!.prod.vDesc).toBe('15.00');
    expect(figures.total.ICMSTot).toEqual({
      vBC: '0.00',
      vICMS: '0.00',
      vICMSDeson: '0.00',
      vFCP: '0.00',
      vBCST: '0.00',
      vST: '0.00',
      vFCPST: '0.00',
      vFCPSTRet: '0.00',
      vProd: '519.80', // 349.80 + 150.00 + 20.00
      vFrete: '0.00',
      vSeg: '0.00',
      vDesc: '15.00',
      vII: '0.00',
      vIPI: '0.00',
      vIPIDevol: '0.00',
      vPIS: '0.00',
      vCOFINS: '0.00',
      vOutro: '0.00',
      vNF: '504.80', // 519.80 − 15.00
      vTotTrib: '64.63', // 45.12 + 17.01 + 2.50
    });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });

  it('computes ICMS-ST (CST 10): the MVA on the value with IPI, less the own ICMS, and the FCP on the ST', () => {
    const figures = nfeFigures(withSubstitution, REGIME_NORMAL);
    // item 1: 100 × 12.00 = 1200.00; IPI 5 % 60.00; own ICMS 18 % of 1200.00 (a reseller: no IPI) 216.00;
    // ST base (1200.00 + 60.00) × 1.40 = 1764.00; ST 18 % 317.52 − 216.00 = 101.52; FCP-ST 2 % 35.28
    expect(figures.det[0]!.imposto.ICMS).toEqual({
      ICMS10: {
        orig: '0',
        CST: '10',
        modBC: '3',
        vBC: '1200.00',
        pICMS: '18.00',
        vICMS: '216.00',
        modBCST: '4',
        pMVAST: '40.00',
        vBCST: '1764.00',
        pICMSST: '18.00',
        vICMSST: '101.52',
        vBCFCPST: '1764.00',
        pFCPST: '2.00',
        vFCPST: '35.28',
      },
    });
    expect(figures.det[0]!.prod.CEST).toBe('0302100');
    // item 2: 7 × 3.19 = 22.33; own 18 % 4.0194 → 4.02; ST base 22.33 × 1.355 = 30.25715 → 30.26;
    // ST 30.26 × 18 % = 5.4468 → 5.45, − 4.02 = 1.43; PIS 0.368445 → 0.37; COFINS 1.69708 → 1.70
    expect(figures.det[1]!.imposto.ICMS.ICMS10).toMatchObject({
      vICMS: '4.02',
      vBCST: '30.26',
      vICMSST: '1.43',
    });
    expect(figures.total.ICMSTot).toEqual({
      vBC: '1222.33', // 1200.00 + 22.33
      vICMS: '220.02', // 216.00 + 4.02
      vICMSDeson: '0.00',
      vFCP: '0.00',
      vBCST: '1794.26', // 1764.00 + 30.26
      vST: '102.95', // 101.52 + 1.43
      vFCPST: '35.28',
      vFCPSTRet: '0.00',
      vProd: '1222.33',
      vFrete: '0.00',
      vSeg: '0.00',
      vDesc: '0.00',
      vII: '0.00',
      vIPI: '60.00',
      vIPIDevol: '0.00',
      vPIS: '20.17', // 19.80 + 0.37
      vCOFINS: '92.90', // 91.20 + 1.70
      vOutro: '0.00',
      vNF: '1420.56', // 1222.33 + vST 102.95 + vFCPST 35.28 + vIPI 60.00
    });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });

  it('computes a return to the supplier (finNFe 4, CFOP 6202) with the IPI returned', () => {
    const figures = nfeFigures(returnToSupplier, REGIME_NORMAL);
    expect(figures.ide).toMatchObject({ finNFe: '4', tpNF: '1', idDest: '2', indFinal: '0' });
    expect(figures.ide.NFref).toEqual([{ refNFe: RETURNED_KEY }]);
    expect(figures.dest).toEqual({ UF: 'MG', indIEDest: '1', IE: '0623079040081' });
    // 5 × 80.00 = 400.00; ICMS 12 % 48.00; the IPI of the purchase returned, 40.00
    expect(figures.det[0]!.impostoDevol).toEqual({ pDevol: '100.00', IPI: { vIPIDevol: '40.00' } });
    expect(figures.det[0]!.imposto.PIS).toEqual({
      PISOutr: { CST: '49', vBC: '0.00', pPIS: '0.0000', vPIS: '0.00' },
    });
    expect(figures.total.ICMSTot).toMatchObject({
      vBC: '400.00',
      vICMS: '48.00',
      vProd: '400.00',
      vIPI: '0.00',
      vIPIDevol: '40.00',
      vNF: '440.00', // 400.00 + vIPIDevol 40.00
    });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });

  it('takes a return received from a consumer (CFOP 1202) as an entry, tpNF 0', () => {
    const received = invoiceOf(
      [
        line('1', '1', '199.90', {
          'br.ncm': '84713012',
          'br.cfop': '1202',
          'br.origem': '0',
          'br.cst': '00',
          'br.pICMS': '18',
          'br.pisCst': '98',
          'br.cofinsCst': '98',
        }),
      ],
      { uf: 'SP' },
      { 'br.natOp': 'Devolução de venda', 'br.finNFe': '4' },
      { precedingInvoices: [{ id: RETURNED_KEY }] },
    );
    const figures = nfeFigures(received, REGIME_NORMAL);
    expect(figures.ide).toMatchObject({ tpNF: '0', idDest: '1', finNFe: '4', indFinal: '1' });
    // 199.90 × 18 % = 35.982 → 35.98
    expect(figures.total.ICMSTot).toMatchObject({ vBC: '199.90', vICMS: '35.98', vNF: '199.90' });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });

  it('computes the other CSTs: 20, 51, 70, 90 with ST only, 60 and 41', () => {
    const figures = nfeFigures(otherCsts, REGIME_NORMAL);
    expect(figures.det.map((item) => item.imposto.ICMS)).toEqual([
      // 1000.00 × (100 − 33.33) % = 666.70; × 18 % = 120.006 → 120.01
      {
        ICMS20: {
          orig: '0',
          CST: '20',
          modBC: '3',
          pRedBC: '33.33',
          vBC: '666.70',
          pICMS: '18.00',
          vICMS: '120.01',
        },
      },
      // 500.00 × 18 % = 90.00, deferred 33.33 % = 29.997 → 30.00, due 60.00
      {
        ICMS51: {
          orig: '0',
          CST: '51',
          modBC: '3',
          vBC: '500.00',
          pICMS: '18.00',
          vICMSOp: '90.00',
          pDif: '33.33',
          vICMSDif: '30.00',
          vICMS: '60.00',
        },
      },
      // 200.00 × 90 % = 180.00, × 18 % = 32.40; ST base 200.00 × 1.50 × 0.90 = 270.00, × 18 % = 48.60 − 32.40
      {
        ICMS70: {
          orig: '0',
          CST: '70',
          modBC: '3',
          pRedBC: '10.00',
          vBC: '180.00',
          pICMS: '18.00',
          vICMS: '32.40',
          modBCST: '4',
          pMVAST: '50.00',
          pRedBCST: '10.00',
          vBCST: '270.00',
          pICMSST: '18.00',
          vICMSST: '16.20',
        },
      },
      // no own ICMS: ST base 100.00 × 1.30 = 130.00, × 18 % = 23.40
      {
        ICMS90: {
          orig: '0',
          CST: '90',
          modBCST: '4',
          pMVAST: '30.00',
          vBCST: '130.00',
          pICMSST: '18.00',
          vICMSST: '23.40',
        },
      },
      { ICMS60: { orig: '0', CST: '60' } },
      { ICMS40: { orig: '0', CST: '41' } },
    ]);
    expect(figures.total.ICMSTot).toMatchObject({
      vBC: '1346.70', // 666.70 + 500.00 + 180.00
      vICMS: '212.41', // 120.01 + 60.00 + 32.40
      vBCST: '400.00', // 270.00 + 130.00
      vST: '39.60', // 16.20 + 23.40
      vProd: '1865.00', // 1000.00 + 500.00 + 200.00 + 100.00 + 15.00 + 50.00
      vPIS: '0.00',
      vNF: '1904.60', // 1865.00 + 39.60
    });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });

  it('computes the Simples Nacional with ST: CSOSN 201 and 202 deduct the own ICMS, 900 with its own', () => {
    const figures = nfeFigures(simplesWithSubstitution, SIMPLES);
    expect(figures.det.map((item) => item.imposto.ICMS)).toEqual([
      // 10 × 20.00 = 200.00; ST base × 1.40 = 280.00, × 18 % = 50.40 − own 200.00 × 18 % 36.00 = 14.40;
      // credit 2.56 % of 200.00 = 5.12
      {
        ICMSSN201: {
          orig: '0',
          CSOSN: '201',
          modBCST: '4',
          pMVAST: '40.00',
          vBCST: '280.00',
          pICMSST: '18.00',
          vICMSST: '14.40',
          pCredSN: '2.56',
          vCredICMSSN: '5.12',
        },
      },
      // 99.90 × 1.35 = 134.865 → 134.87, × 18 % = 24.2766 → 24.28 − own 99.90 × 18 % = 17.982 → 17.98: 6.30
      {
        ICMSSN202: {
          orig: '0',
          CSOSN: '202',
          modBCST: '4',
          pMVAST: '35.00',
          vBCST: '134.87',
          pICMSST: '18.00',
          vICMSST: '6.30',
        },
      },
      // own ICMS 12 % of 100.00; the item's own credit rate 1.25 %
      {
        ICMSSN900: {
          orig: '0',
          CSOSN: '900',
          modBC: '3',
          vBC: '100.00',
          pICMS: '12.00',
          vICMS: '12.00',
          pCredSN: '1.25',
          vCredICMSSN: '1.25',
        },
      },
    ]);
    expect(figures.total.ICMSTot).toMatchObject({
      vBC: '100.00',
      vICMS: '12.00',
      vBCST: '414.87', // 280.00 + 134.87
      vST: '20.70', // 14.40 + 6.30
      vProd: '399.90', // 200.00 + 99.90 + 100.00
      vNF: '420.60', // 399.90 + 20.70
    });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });

  it('divides a price by its base quantity to ten decimals, and vProd is qCom × vUnCom to cents', () => {
    const perHundred = invoiceOf(
      [
        line(
          '1',
          '1234.5678',
          '10',
          {
            'br.ncm': '73181500',
            'br.cfop': '5102',
            'br.origem': '0',
            'br.cst': '00',
            'br.pICMS': '18',
            'br.pisCst': '07',
            'br.cofinsCst': '07',
          },
          { price: { net: '10', baseQuantity: '3' } },
        ),
      ],
      { uf: 'SP' },
      { 'br.natOp': 'Venda', 'br.ieDest': '110042490114' },
    );
    const figures = nfeFigures(perHundred, REGIME_NORMAL);
    // 10 / 3 = 3.3333333333 (ten places); 1234.5678 × 3.3333333333 = 4115.22599958847… → 4115.23
    expect(figures.det[0]!.prod).toMatchObject({
      qCom: '1234.5678',
      vUnCom: '3.3333333333',
      vProd: '4115.23',
    });
    expect(figures.det[0]!.imposto.PIS).toEqual({ PISNT: { CST: '07' } });
    expect(checkNfeTotals(nfeXml(figures))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// (c) Refusals, located

describe('NF-e figures refused', () => {
  const base = { 'br.ncm': '84713012', 'br.cfop': '5102', 'br.origem': '0', ...PIS_COFINS_01 };

  it('reports every problem at once, each at its JSON path', () => {
    const invoice = invoiceOf(
      [
        line('1', '1', '10', { ...base, 'br.cst': '99' }),
        line('2', '1', '10', { ...base, 'br.ncm': '', 'br.cst': '00', 'br.pICMS': '18' }),
        line('3', '1', '10', { ...base, 'br.cst': '30' }),
        line('4', '1', '10', { ...base, 'br.csosn': '101' }),
        line('5', '1', '10', { ...base, 'br.cfop': '6102', 'br.cst': '40' }),
      ],
      { uf: 'SP' },
      { 'br.natOp': 'Venda', 'br.ieDest': '110042490114' },
      { currency: 'USD', allowances: [{ vatCategory: 'O', reason: 'no amount, no percentage' }] },
    );
    expect(refusal(invoice, REGIME_NORMAL).map(({ path, code }) => [path, code])).toEqual([
      ['/allowances/0/amount', 'nfe.missing'],
      ['/currency', 'nfe.unsupported'],
      ['/lines/4/extensions/br.cfop', 'nfe.inconsistent'],
      ['/lines/0/extensions/br.cst', 'nfe.invalid'],
      ['/lines/2/extensions/br.cst', 'nfe.unsupported'],
      ['/lines/3/extensions/br.cst', 'nfe.missing'],
      ['/lines/3/extensions/br.csosn', 'nfe.inconsistent'],
      ['/lines/1/extensions/br.ncm', 'nfe.missing'],
    ]);
  });

  it('says what is wrong in each problem', () => {
    const invoice = invoiceOf(
      [line('1', '1', '10', { ...base, 'br.cst': '99' })],
      { uf: 'SP' },
      {
        'br.natOp': 'Venda',
        'br.ieDest': '110042490114',
      },
    );
    expect(refusal(invoice, REGIME_NORMAL)).toEqual([
      {
        path: '/lines/0/extensions/br.cst',
        code: 'nfe.invalid',
        message: `br.cst "99" is not a code of ${codeList('br/cst-icms').name}`,
      },
    ]);
  });

  it('refuses a CST under the Simples Nacional and a missing CSOSN, as SEFAZ would (590)', () => {
    const invoice = invoiceOf(
      [line('1', '1', '10', { ...base, 'br.cst': '00' })],
      { uf: 'SP' },
      {
        'br.natOp': 'Venda',
        'br.ieDest': '110042490114',
      },
    );
    expect(refusal(invoice, SIMPLES).map(({ path, code }) => [path, code])).toEqual([
      ['/lines/0/extensions/br.csosn', 'nfe.missing'],
      ['/lines/0/extensions/br.cst', 'nfe.inconsistent'],
    ]);
  });

  it('refuses a sale to a consumer in another state without the destination rate, and a return without its NF-e', () => {
    const noDifal = invoiceOf(
      [line('1', '1', '10', { ...base, 'br.cfop': '6102', 'br.cst': '00', 'br.pICMS': '7' })],
      { uf: 'RJ' },
      { 'br.natOp': 'Venda' },
    );
    expect(refusal(noDifal, REGIME_NORMAL).map(({ path, code }) => [path, code])).toEqual([
      ['/lines/0/extensions/br.pICMSUFDest', 'nfe.missing'],
    ]);
    // the key of the returned NF-e with its check digit off by one
    const wrongDigit = `${RETURNED_KEY.slice(0, 43)}${(Number(RETURNED_KEY[43]) + 1) % 10}`;
    const unreferenced = { ...returnToSupplier, precedingInvoices: [{ id: wrongDigit }] };
    expect(refusal(unreferenced, REGIME_NORMAL).map(({ path, code }) => [path, code])).toEqual([
      ['/precedingInvoices/0/id', 'nfe.invalid'],
    ]);
    const { precedingInvoices: _, ...withoutReference } = returnToSupplier;
    expect(refusal(withoutReference, REGIME_NORMAL).map(({ path, code }) => [path, code])).toEqual([
      ['/precedingInvoices', 'nfe.missing'],
    ]);
  });

  it('refuses freight on the items without modFrete, and a non-taxpayer who is not a final consumer', () => {
    const { 'br.modFrete': _, ...withoutModFrete } = intrastate.extensions as Record<string, string>;
    expect(
      refusal({ ...intrastate, extensions: withoutModFrete }, REGIME_NORMAL).map(({ path, code }) => [
        path,
        code,
      ]),
    ).toEqual([['/extensions/br.modFrete', 'nfe.missing']]);
    const notFinal = invoiceOf(
      [line('1', '1', '10', { ...base, 'br.cst': '00', 'br.pICMS': '18' })],
      { uf: 'SP' },
      { 'br.natOp': 'Venda', 'br.indFinal': '0' },
    );
    expect(refusal(notFinal, REGIME_NORMAL).map(({ path, code }) => [path, code])).toEqual([
      ['/extensions/br.indFinal', 'nfe.inconsistent'],
    ]);
  });

  it('takes a wrong company configuration for a programming error', () => {
    expect(() => nfeFigures(intrastate, { crt: '5' as '1', uf: 'SP' })).toThrow(RangeError);
    expect(() => nfeFigures(intrastate, { crt: '3', uf: 'XX' as 'SP' })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The extension schema

describe('the br.* extension schema', () => {
  const schema = JSON.parse(
    readFileSync(join(ROOT, 'flows', 'br-nfe-sefaz', 'schemas', 'extensions.schema.json'), 'utf8'),
  ) as {
    $defs: Record<string, { properties: Record<string, { enum?: string[] }> }>;
  };
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  const extensionsOf = (invoice: CanonicalInvoice) => ({
    extensions: invoice.extensions,
    lines: invoice.lines.map((l) => ({ extensions: l.extensions })),
  });

  it('takes its codes from the NF-e code lists', () => {
    const list = (id: string) => codeList(id as CodeListId).codes;
    const { header, line: item } = schema.$defs as Record<
      'header' | 'line',
      { properties: Record<string, { enum?: string[] }> }
    >;
    expect(item.properties['br.cst']!.enum).toEqual(list('br/cst-icms'));
    expect(item.properties['br.csosn']!.enum).toEqual(list('br/csosn'));
    expect(item.properties['br.ipiCst']!.enum).toEqual(list('br/cst-ipi'));
    expect(item.properties['br.pisCst']!.enum).toEqual(list('br/cst-pis-cofins'));
    expect(item.properties['br.cofinsCst']!.enum).toEqual(list('br/cst-pis-cofins'));
    expect(header.properties['br.finNFe']!.enum).toEqual(list('br/fin-nfe'));
    expect(header.properties['br.indPres']!.enum).toEqual(list('br/ind-pres'));
    expect(header.properties['br.modFrete']!.enum).toEqual(list('br/mod-frete'));
    expect(header.properties['br.indIEDest']!.enum).toEqual(list('br/ind-ie-dest'));
    expect(header.properties['br.indFinal']!.enum).toEqual(list('br/ind-final'));
  });

  it('declares every br.* name the figures and the mapping read, and no other', () => {
    const source = readFileSync(join(ROOT, 'shared', 'formats', 'nfe-figures.ts'), 'utf8');
    const mapping = readFileSync(join(ROOT, 'flows', 'br-nfe-sefaz', 'formats', 'nfe-400.json'), 'utf8');
    const read = new Set([
      ...[...source.matchAll(/'(br\.[A-Za-z]+)'/g)].map((m) => m[1]!),
      ...[...mapping.matchAll(/extensions\.(br\.[A-Za-z]+)/g)].map((m) => m[1]!),
    ]);
    const declared = new Set([
      ...Object.keys(schema.$defs.header!.properties),
      ...Object.keys(schema.$defs.line!.properties),
    ]);
    expect([...read].sort()).toEqual([...declared].sort());
  });

  it('accepts the extensions of the invoices above, and refuses an unknown or malformed br.* value', () => {
    for (const [name, invoice] of SCENARIOS)
      expect([name, validate(extensionsOf(invoice)), validate.errors]).toEqual([name, true, null]);
    expect(validate({ extensions: { 'br.natop': 'Venda' } })).toBe(false);
    expect(validate({ lines: [{ extensions: { 'br.ncm': '8471301' } }] })).toBe(false);
    expect(validate({ lines: [{ extensions: { 'br.pICMS': '18.12345' } }] })).toBe(false);
    expect(validate({ lines: [{ extensions: { 'br.pICMSInter': 12 } }] })).toBe(true);
    expect(validate({ lines: [{ extensions: { 'br.pICMSInter': '18' } }] })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// (a) The checks

describe('NF-e total checks', () => {
  it('lists its codes once each, with their text', () => {
    expect(NFE_CHECKS.map((c) => c.code)).toEqual([
      '531',
      '532',
      '533',
      '534',
      '535',
      '536',
      '537',
      '538',
      '564',
      '601',
      '602',
      '603',
      '604',
      '610',
      '629',
      '685',
      '795',
      '798',
      '799',
      '800',
    ]);
    expect(NFE_CHECKS.find((c) => c.code === '531')!.description).toBe(
      'Rejeição: Total da BC ICMS difere do somatório dos itens',
    );
  });

  it('catches a changed total of a rendered NF-e with its code and location', () => {
    const xml = nfeXml(nfeFigures(withSubstitution, REGIME_NORMAL));
    const { xml: changed, line } = raiseTotal(xml, 'vICMS');
    expect(checkNfeTotals(changed)).toEqual<NfeFinding[]>([
      {
        code: '532',
        xMotivo: 'Rejeição: Total do ICMS difere do somatório dos itens',
        message: "vICMS 221.02 is not the sum of the items' vICMS (216.00 + 4.02) = 220.02",
        location: { xpath: '/NFe/infNFe/total/ICMSTot/vICMS', line },
      },
    ]);
    expect(line).toBe(lineOf(xml, '<vICMS>', xml.indexOf('<ICMSTot>')));
    expectEveryChangedTotalCaught(
      nfeXml(nfeFigures(toConsumerInAnotherState, REGIME_NORMAL)),
      '/NFe/infNFe/total/ICMSTot',
    );
  });

  it("catches an item's vProd that is not qCom × vUnCom beyond the cent the manual tolerates (629)", () => {
    const xml = nfeXml(nfeFigures(intrastate, REGIME_NORMAL));
    // item 2: 2.5 × 39.99 = 99.975, written 99.98; 99.97 is within the cent, 99.96 not
    const at = xml.indexOf('<vProd>99.98</vProd>');
    const within = xml.replace('<vProd>99.98</vProd>', '<vProd>99.97</vProd>');
    // (the totals still add up: vNF is checked against them, not against the items)
    expect(checkNfeTotals(within).map((f) => f.code)).toEqual(['564']);
    const beyond = xml.replace('<vProd>99.98</vProd>', '<vProd>99.96</vProd>');
    const finding = checkNfeTotals(beyond).find((f) => f.code === '629');
    expect(finding?.location).toEqual({
      xpath: '/NFe/infNFe/det[2]/prod/vProd',
      line: lineOf(xml, '<vProd>', at),
    });
    expect(checkNfeTotals(beyond).map((f) => f.code)).toEqual(['564', '629']);
    // a complementary NF-e is not held to it
    const complementary = beyond.replace('<finNFe>1</finNFe>', '<finNFe>2</finNFe>');
    expect(checkNfeTotals(complementary).map((f) => f.code)).toEqual(['564']);
  });

  it('accepts a vNF that does not subtract the desonerated ICMS, and skips an import', () => {
    const xml = nfeXml(nfeFigures(intrastate, REGIME_NORMAL));
    const desonerated = xml
      .replace('<vICMSDeson>0.00</vICMSDeson>', '<vICMSDeson>10.00</vICMSDeson>')
      .replace(
        '<vICMS>221.00</vICMS>',
        '<vICMS>221.00</vICMS>\n              <vICMSDeson>10.00</vICMSDeson>',
      );
    expect(checkNfeTotals(desonerated)).toEqual([]);
    const subtracted = desonerated.replace('<vNF>1457.87</vNF>', '<vNF>1447.87</vNF>');
    expect(checkNfeTotals(subtracted)).toEqual([]);
    const neither = desonerated.replace('<vNF>1457.87</vNF>', '<vNF>1450.00</vNF>');
    expect(checkNfeTotals(neither).map((f) => f.code)).toEqual(['610']);
    expect(checkNfeTotals(neither.replaceAll('<CFOP>5101</CFOP>', '<CFOP>3101</CFOP>'))).toEqual([]);
  });

  it('refuses what is not an NF-e 4.00', () => {
    const code = (xml: string) => {
      try {
        checkNfeTotals(xml);
        return 'accepted';
      } catch (error) {
        return isEInvoiceError(error) ? error.code : String(error);
      }
    };
    expect(code(`<NFe xmlns="${NS}"><infNFe versao="3.10"/></NFe>`)).toBe('nfe.not-nfe400');
    expect(code('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')).toBe(
      'nfe.not-nfe400',
    );
    expect(code('<NFe')).toBe('xml.malformed');
  });
});

describeWithCorpus('NF-e totals of the nfe-sped fixtures', [FIXTURES, SCHEMAS], (corpus) => {
  const folder = join(corpus, FIXTURES);
  const texts = new Map(
    readdirSync(folder)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .map((file) => [file, readFileSync(join(folder, file), 'utf8')]),
  );
  const withVersion = (version: string) =>
    [...texts]
      .filter(([, text]) => new RegExp(`<infNFe\\b[^>]*versao="${version.replace('.', '\\.')}"`).test(text))
      .map(([file]) => file);
  const nfe400 = withVersion('4.00');

  it('holds the NF-e 4.00 documents, models 55 and 65, bare, in an nfeProc or as sent in a lote', () => {
    expect(nfe400).toEqual([
      'exemplo_xml_envia_lote_modelo_55.xml',
      'exemplo_xml_envia_lote_modelo_65.xml',
      'nfce.xml',
      'nfce_com_qrcode.xml',
      'nfce_sem_qrcode.xml',
      'nfe_4.0.xml',
      'nfe_layout4.xml',
      'nfe_layout4_com_prot.xml',
      'nfe_layout4_contingencia_sem_assinatura.xml',
      'signNFe_modelo_55.xml',
      'signNFe_modelo_65.xml',
    ]);
  });

  // none of the fixtures has a total that does not add up
  it.each(nfe400)('%s passes every check', (file) => {
    expect(checkNfeTotals(texts.get(file)!)).toEqual([]);
  });

  it.each(nfe400)('%s: a changed total is caught with its code and location', (file) => {
    const text = texts.get(file)!;
    const root = /<(NFe|nfeProc)\b/.exec(text)![1];
    expectEveryChangedTotalCaught(text, `${root === 'nfeProc' ? '/nfeProc' : ''}/NFe/infNFe/total/ICMSTot`);
  });

  it('refuses the layout 3.10 documents (NFe.xml, 2017*.xml): SEFAZ no longer takes them', () => {
    const older = withVersion('3.10').filter((file) =>
      /^\s*(<\?xml[^>]*>\s*)?<(NFe|nfeProc)\b/.test(texts.get(file)!),
    );
    expect(older).toEqual(['2017nfe_antiga_v310.xml', '2017protocoled.xml', '2017signed.xml', 'NFe.xml']);
    for (const file of older) expect(() => checkNfeTotals(texts.get(file)!)).toThrow(/Not an NF-e 4\.00/);
  });

  it('writes figures the NF-e schema accepts, in an NF-e of the corpus', async () => {
    const template = texts.get('nfe_layout4.xml')!;
    const documents: Record<string, string> = {};
    for (const [name, invoice, company] of SCENARIOS) {
      const figures = nfeFigures(invoice, company);
      const xml = template
        .replace(/<det nItem="1">[\s\S]*<\/det>/, detsXml(figures, '        '))
        .replace(/<total>[\s\S]*<\/total>/, totalXml(figures, '        ').trimStart())
        .replace('<finNFe>1</finNFe>', `<finNFe>${figures.ide.finNFe}</finNFe>`)
        .replace('<idDest>2</idDest>', `<idDest>${figures.ide.idDest}</idDest>`)
        .replace('<indFinal>0</indFinal>', `<indFinal>${figures.ide.indFinal}</indFinal>`)
        .replace('<CRT>1</CRT>', `<CRT>${figures.emit.CRT}</CRT>`)
        .replace(
          /<indIEDest>1<\/indIEDest>\s*<IE>[0-9]+<\/IE>/,
          `<indIEDest>${figures.dest.indIEDest}</indIEDest>${figures.dest.IE ? `<IE>${figures.dest.IE}</IE>` : ''}`,
        );
      expect(checkNfeTotals(xml)).toEqual([]);
      documents[`${name}.xml`] = xml;
    }
    const results = await validateXsd(join(corpus, SCHEMAS, 'nfe_v4.00.xsd'), documents);
    expect(results.map((r) => [r.file, r.errors])).toEqual(Object.keys(documents).map((f) => [f, []]));
  });
});

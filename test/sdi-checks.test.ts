import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { checkSdiContent, SDI_CHECKS, type SdiFinding } from '../shared/rules/it/sdi-checks';
import { XSD_CATALOGUE, XsdValidatorPool } from '../shared/xml/xsd';
import { describeWithCorpus } from './support/corpus';
import { CORPUS_FATTURAPA_SCHEMAS, schemaFolder } from './support/schema-folder';

/** The date of receipt the checks are run with (00403). */
const TODAY = '2025-06-30';

const check = (xml: string): SdiFinding[] => checkSdiContent(xml, { today: TODAY });

// ---------------------------------------------------------------------------------------------------------
// A small FatturaPA 1.2 invoice, built from parts: the elements the checks read each on a line of its own,
// so that a test can say on which line a finding must be.

interface Party {
  /** IdFiscaleIVA as [IdPaese, IdCodice]; none when null. */
  vat?: [string, string] | null;
  cf?: string;
  name?: string;
}

interface BodySpec {
  type?: string;
  date?: string;
  number?: string;
  /** DatiGeneraliDocumento, after Numero: DatiRitenuta, then DatiCassaPrevidenziale, then ScontoMaggiorazione. */
  ritenute?: string[];
  funds?: string[];
  discounts?: string[];
  /** DatiGenerali/DatiFattureCollegate. */
  linked?: string[];
  lines?: string[];
  summaries?: string[];
}

interface Spec {
  versione?: string;
  format?: string;
  destination?: string;
  seller?: Party;
  buyer?: Party;
  bodies?: BodySpec[];
}

const SELLER: Party = { vat: ['IT', '01234567890'], name: 'ALPHA SRL' };
const BUYER: Party = { vat: ['IT', '09876543210'], name: 'BETA SRL' };

function party(p: Party, seller: boolean): string {
  const country = p.vat?.[0] ?? 'IT';
  return [
    '      <DatiAnagrafici>',
    ...(p.vat
      ? [
          `        <IdFiscaleIVA><IdPaese>${p.vat[0]}</IdPaese><IdCodice>${p.vat[1]}</IdCodice></IdFiscaleIVA>`,
        ]
      : []),
    ...(p.cf ? [`        <CodiceFiscale>${p.cf}</CodiceFiscale>`] : []),
    `        <Anagrafica><Denominazione>${p.name ?? 'GAMMA SRL'}</Denominazione></Anagrafica>`,
    ...(seller ? ['        <RegimeFiscale>RF01</RegimeFiscale>'] : []),
    '      </DatiAnagrafici>',
    '      <Sede>',
    '        <Indirizzo>VIA ROMA 1</Indirizzo>',
    `        <CAP>${country === 'IT' ? '00100' : '00000'}</CAP>`,
    '        <Comune>ROMA</Comune>',
    `        <Nazione>${country}</Nazione>`,
    '      </Sede>',
  ].join('\n');
}

/** One DettaglioLinee; `total` defaults to price × quantity (no discount). */
function line(o: {
  n: number;
  price: string;
  qty?: string;
  total?: string;
  rate?: string;
  nature?: string;
  ritenuta?: boolean;
  discounts?: string[];
}): string {
  const total = o.total ?? (Number(o.price) * Number(o.qty ?? '1')).toFixed(2);
  return [
    '      <DettaglioLinee>',
    `        <NumeroLinea>${o.n}</NumeroLinea>`,
    `        <Descrizione>ITEM ${o.n}</Descrizione>`,
    ...(o.qty ? [`        <Quantita>${o.qty}</Quantita>`] : []),
    `        <PrezzoUnitario>${o.price}</PrezzoUnitario>`,
    ...(o.discounts ?? []).map((d) => `        ${d}`),
    `        <PrezzoTotale>${total}</PrezzoTotale>`,
    `        <AliquotaIVA>${o.rate ?? '22.00'}</AliquotaIVA>`,
    ...(o.ritenuta ? ['        <Ritenuta>SI</Ritenuta>'] : []),
    ...(o.nature ? [`        <Natura>${o.nature}</Natura>`] : []),
    '      </DettaglioLinee>',
  ].join('\n');
}

function summary(o: {
  rate?: string;
  nature?: string;
  rounding?: string;
  base: string;
  tax: string;
  due?: string;
}): string {
  return [
    '      <DatiRiepilogo>',
    `        <AliquotaIVA>${o.rate ?? '22.00'}</AliquotaIVA>`,
    ...(o.nature ? [`        <Natura>${o.nature}</Natura>`] : []),
    ...(o.rounding ? [`        <Arrotondamento>${o.rounding}</Arrotondamento>`] : []),
    `        <ImponibileImporto>${o.base}</ImponibileImporto>`,
    `        <Imposta>${o.tax}</Imposta>`,
    `        <EsigibilitaIVA>${o.due ?? 'I'}</EsigibilitaIVA>`,
    ...(o.nature ? ['        <RiferimentoNormativo>ART. 1</RiferimentoNormativo>'] : []),
    '      </DatiRiepilogo>',
  ].join('\n');
}

function fund(o: { amount: string; rate?: string; nature?: string; ritenuta?: boolean }): string {
  return [
    '        <DatiCassaPrevidenziale>',
    '          <TipoCassa>TC22</TipoCassa>',
    '          <AlCassa>4.00</AlCassa>',
    `          <ImportoContributoCassa>${o.amount}</ImportoContributoCassa>`,
    `          <AliquotaIVA>${o.rate ?? '22.00'}</AliquotaIVA>`,
    ...(o.ritenuta ? ['          <Ritenuta>SI</Ritenuta>'] : []),
    ...(o.nature ? [`          <Natura>${o.nature}</Natura>`] : []),
    '        </DatiCassaPrevidenziale>',
  ].join('\n');
}

const RITENUTA = [
  '        <DatiRitenuta>',
  '          <TipoRitenuta>RT01</TipoRitenuta>',
  '          <ImportoRitenuta>20.00</ImportoRitenuta>',
  '          <AliquotaRitenuta>20.00</AliquotaRitenuta>',
  '          <CausalePagamento>A</CausalePagamento>',
  '        </DatiRitenuta>',
].join('\n');

/** A ScontoMaggiorazione, with its Percentuale or Importo (neither when both are absent). */
const discount = (type: string, o: { pct?: string; amount?: string } = {}): string =>
  `<ScontoMaggiorazione><Tipo>${type}</Tipo>${o.pct ? `<Percentuale>${o.pct}</Percentuale>` : ''}${o.amount ? `<Importo>${o.amount}</Importo>` : ''}</ScontoMaggiorazione>`;

const linked = (date: string): string =>
  [
    '      <DatiFattureCollegate>',
    '        <IdDocumento>FT-0</IdDocumento>',
    `        <Data>${date}</Data>`,
    '      </DatiFattureCollegate>',
  ].join('\n');

/** 2 × 50.00 at 22%: ImponibileImporto 100.00, Imposta 22.00. */
const LINES = [line({ n: 1, price: '50.00', qty: '2.00' })];
const SUMMARIES = [summary({ base: '100.00', tax: '22.00' })];

function body(b: BodySpec): string {
  return [
    '  <FatturaElettronicaBody>',
    '    <DatiGenerali>',
    '      <DatiGeneraliDocumento>',
    `        <TipoDocumento>${b.type ?? 'TD01'}</TipoDocumento>`,
    '        <Divisa>EUR</Divisa>',
    `        <Data>${b.date ?? '2025-03-01'}</Data>`,
    `        <Numero>${b.number ?? 'FT-1'}</Numero>`,
    ...(b.ritenute ?? []),
    ...(b.funds ?? []),
    ...(b.discounts ?? []).map((d) => `        ${d}`),
    '      </DatiGeneraliDocumento>',
    ...(b.linked ?? []),
    '    </DatiGenerali>',
    '    <DatiBeniServizi>',
    ...(b.lines ?? LINES),
    ...(b.summaries ?? SUMMARIES),
    '    </DatiBeniServizi>',
    '  </FatturaElettronicaBody>',
  ].join('\n');
}

function fattura(spec: Spec = {}): string {
  const format = spec.format ?? 'FPR12';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<p:FatturaElettronica versione="${spec.versione ?? format}" xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2">`,
    '  <FatturaElettronicaHeader>',
    '    <DatiTrasmissione>',
    '      <IdTrasmittente><IdPaese>IT</IdPaese><IdCodice>01234567890</IdCodice></IdTrasmittente>',
    '      <ProgressivoInvio>00001</ProgressivoInvio>',
    `      <FormatoTrasmissione>${format}</FormatoTrasmissione>`,
    `      <CodiceDestinatario>${spec.destination ?? (format === 'FPA12' ? 'UFABCD' : 'ABC1234')}</CodiceDestinatario>`,
    '    </DatiTrasmissione>',
    '    <CedentePrestatore>',
    party(spec.seller ?? SELLER, true),
    '    </CedentePrestatore>',
    '    <CessionarioCommittente>',
    party(spec.buyer ?? BUYER, false),
    '    </CessionarioCommittente>',
    '  </FatturaElettronicaHeader>',
    ...(spec.bodies ?? [{}]).map(body),
    '</p:FatturaElettronica>',
    '',
  ].join('\n');
}

/** The 1-based line of the `nth` line of `xml` that contains `needle`. */
function lineOf(xml: string, needle: string, nth = 1): number {
  let seen = 0;
  const lines = xml.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]!.includes(needle) && ++seen === nth) return i + 1;
  throw new Error(`"${needle}" (${nth}) is not in the document`);
}

const BODY = '/p:FatturaElettronica/FatturaElettronicaBody[1]';
const GOODS = `${BODY}/DatiBeniServizi`;
const DOCUMENT = `${BODY}/DatiGenerali/DatiGeneraliDocumento`;
const HEADER = '/p:FatturaElettronica/FatturaElettronicaHeader';

interface Case {
  code: string;
  title: string;
  bad: Spec;
  /** Where the finding must be: its xpath, and a text of the line it must be on (the `nth` with it). */
  at: { xpath: string; needle: string; nth?: number };
  /** The 1-based body, for a finding of a body (most); absent for the header's. */
  body?: number;
  /** Values the message must name. */
  says: string[];
  /** Every code the bad document yields, this one included, when one fault is more than one finding. */
  codes?: string[];
  /** Neighbouring documents, each without any finding. */
  good: Spec[];
}

const CASES: Case[] = [
  {
    code: '00400',
    title: 'a line at a zero rate without Natura',
    bad: {
      bodies: [
        {
          lines: [line({ n: 1, price: '100.00', rate: '0.00' })],
          summaries: [summary({ rate: '0.00', nature: 'N2.1', base: '100.00', tax: '0.00' })],
        },
      ],
    },
    at: { xpath: `${GOODS}/DettaglioLinee[1]/AliquotaIVA`, needle: '<AliquotaIVA>0.00' },
    body: 1,
    says: ['line 1', '0.00'],
    // the summary's Natura is then one that no line has
    codes: ['00400', '00444'],
    good: [
      {
        bodies: [
          {
            lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N2.1' })],
            summaries: [summary({ rate: '0.00', nature: 'N2.1', base: '100.00', tax: '0.00' })],
          },
        ],
      },
    ],
  },
  {
    code: '00401',
    title: 'a line at a non-zero rate with a Natura',
    bad: { bodies: [{ lines: [line({ n: 1, price: '50.00', qty: '2.00', nature: 'N2.1' })] }] },
    at: { xpath: `${GOODS}/DettaglioLinee[1]/Natura`, needle: '<Natura>N2.1' },
    body: 1,
    says: ['N2.1', '22.00'],
    codes: ['00401', '00444'],
    good: [
      {},
      // TD16 (domestic reverse charge integration) states the rate with its Natura N6.x
      {
        bodies: [
          {
            type: 'TD16',
            lines: [line({ n: 1, price: '50.00', qty: '2.00', nature: 'N6.3' })],
            summaries: [summary({ nature: 'N6.3', base: '100.00', tax: '22.00' })],
          },
        ],
      },
    ],
  },
  {
    code: '00403',
    title: 'an invoice dated after its receipt',
    bad: { bodies: [{ date: '2025-07-01' }] },
    at: { xpath: `${DOCUMENT}/Data`, needle: '<Data>2025-07-01' },
    body: 1,
    says: ['2025-07-01', TODAY],
    good: [{ bodies: [{ date: TODAY }] }],
  },
  {
    code: '00411',
    title: 'a line with Ritenuta SI and no DatiRitenuta',
    bad: { bodies: [{ lines: [line({ n: 1, price: '50.00', qty: '2.00', ritenuta: true })] }] },
    at: { xpath: `${GOODS}/DettaglioLinee[1]/Ritenuta`, needle: '<Ritenuta>SI' },
    body: 1,
    says: ['line 1'],
    good: [
      {
        bodies: [
          { ritenute: [RITENUTA], lines: [line({ n: 1, price: '50.00', qty: '2.00', ritenuta: true })] },
        ],
      },
    ],
  },
  {
    code: '00413',
    title: 'a cassa previdenziale at a zero rate without Natura',
    bad: {
      bodies: [
        {
          funds: [fund({ amount: '4.00', rate: '0.00' })],
          summaries: [...SUMMARIES, summary({ rate: '0.00', nature: 'N4', base: '4.00', tax: '0.00' })],
        },
      ],
    },
    at: {
      xpath: `${DOCUMENT}/DatiCassaPrevidenziale[1]/AliquotaIVA`,
      needle: '          <AliquotaIVA>0.00',
    },
    body: 1,
    says: ['TC22', '0.00'],
    codes: ['00413', '00444'],
    good: [
      {
        bodies: [
          {
            funds: [fund({ amount: '4.00', rate: '0.00', nature: 'N4' })],
            summaries: [...SUMMARIES, summary({ rate: '0.00', nature: 'N4', base: '4.00', tax: '0.00' })],
          },
        ],
      },
    ],
  },
  {
    code: '00414',
    title: 'a cassa previdenziale at a non-zero rate with a Natura',
    bad: {
      bodies: [
        {
          funds: [fund({ amount: '4.00', nature: 'N4' })],
          summaries: [summary({ base: '104.00', tax: '22.88' })],
        },
      ],
    },
    at: { xpath: `${DOCUMENT}/DatiCassaPrevidenziale[1]/Natura`, needle: '<Natura>N4' },
    body: 1,
    says: ['N4', '22.00'],
    codes: ['00414', '00444'],
    good: [
      {
        bodies: [
          { funds: [fund({ amount: '4.00' })], summaries: [summary({ base: '104.00', tax: '22.88' })] },
        ],
      },
    ],
  },
  {
    code: '00415',
    title: 'a cassa previdenziale with Ritenuta SI and no DatiRitenuta',
    bad: {
      bodies: [
        {
          funds: [fund({ amount: '4.00', ritenuta: true })],
          summaries: [summary({ base: '104.00', tax: '22.88' })],
        },
      ],
    },
    at: { xpath: `${DOCUMENT}/DatiCassaPrevidenziale[1]/Ritenuta`, needle: '<Ritenuta>SI' },
    body: 1,
    says: ['TC22'],
    good: [
      {
        bodies: [
          {
            ritenute: [RITENUTA],
            funds: [fund({ amount: '4.00', ritenuta: true })],
            summaries: [summary({ base: '104.00', tax: '22.88' })],
          },
        ],
      },
    ],
  },
  {
    code: '00417',
    title: 'a CessionarioCommittente with neither IdFiscaleIVA nor CodiceFiscale',
    bad: { buyer: { vat: null, name: 'MARIO ROSSI' } },
    at: { xpath: `${HEADER}/CessionarioCommittente/DatiAnagrafici`, needle: '<DatiAnagrafici>', nth: 2 },
    says: ['neither'],
    good: [{ buyer: { vat: null, cf: 'RSSMRA80A01H501U', name: 'MARIO ROSSI' } }],
  },
  {
    code: '00418',
    title: 'a credit note dated before the invoice it corrects',
    bad: { bodies: [{ type: 'TD04', date: '2025-03-01', linked: [linked('2025-03-02')] }] },
    at: { xpath: `${BODY}/DatiGenerali/DatiFattureCollegate[1]/Data`, needle: '<Data>2025-03-02' },
    body: 1,
    says: ['2025-03-01', '2025-03-02', 'FT-0'],
    good: [
      { bodies: [{ type: 'TD04', date: '2025-03-01', linked: [linked('2025-03-01')] }] },
      { bodies: [{ type: 'TD04', date: '2025-03-01', linked: [linked('2025-02-28')] }] },
    ],
  },
  {
    code: '00419',
    title: 'a rate of the lines without its DatiRiepilogo',
    bad: {
      bodies: [{ lines: [...LINES, line({ n: 2, price: '10.00', rate: '10.00' })] }],
    },
    at: { xpath: `${GOODS}/DettaglioLinee[2]/AliquotaIVA`, needle: '<AliquotaIVA>10.00' },
    body: 1,
    says: ['10.00', 'line 2'],
    good: [
      {
        bodies: [
          {
            lines: [...LINES, line({ n: 2, price: '10.00', rate: '10.00' })],
            summaries: [...SUMMARIES, summary({ rate: '10.00', base: '10.00', tax: '1.00' })],
          },
        ],
      },
    ],
  },
  {
    code: '00420',
    title: 'reverse charge (N6.x) with split payment (EsigibilitaIVA S)',
    bad: {
      bodies: [
        {
          lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N6.2' })],
          summaries: [summary({ rate: '0.00', nature: 'N6.2', base: '100.00', tax: '0.00', due: 'S' })],
        },
      ],
    },
    at: { xpath: `${GOODS}/DatiRiepilogo[1]/Natura`, needle: '<Natura>N6.2', nth: 2 },
    body: 1,
    says: ['N6.2', 'EsigibilitaIVA S'],
    good: [
      {
        bodies: [
          {
            lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N6.2' })],
            summaries: [summary({ rate: '0.00', nature: 'N6.2', base: '100.00', tax: '0.00', due: 'I' })],
          },
        ],
      },
    ],
  },
  {
    code: '00421',
    title: 'an Imposta more than a cent away from ImponibileImporto × AliquotaIVA',
    bad: { bodies: [{ summaries: [summary({ base: '100.00', tax: '22.02' })] }] },
    at: { xpath: `${GOODS}/DatiRiepilogo[1]/Imposta`, needle: '<Imposta>' },
    body: 1,
    says: ['22.02', '22.00'],
    // one cent away is within SDI's tolerance; 0.5 cent rounds away from zero
    good: [
      { bodies: [{ summaries: [summary({ base: '100.00', tax: '22.01' })] }] },
      {
        bodies: [
          {
            lines: [line({ n: 1, price: '0.25', rate: '10.00' })],
            summaries: [summary({ rate: '10.00', base: '0.25', tax: '0.03' })],
          },
        ],
      },
    ],
  },
  {
    code: '00422',
    title: 'an ImponibileImporto more than 1.00 away from the lines at its rate',
    bad: { bodies: [{ summaries: [summary({ base: '101.01', tax: '22.22' })] }] },
    at: { xpath: `${GOODS}/DatiRiepilogo[1]/ImponibileImporto`, needle: '<ImponibileImporto>' },
    body: 1,
    says: ['101.01', '100.00'],
    good: [
      // 1.00 away is within SDI's tolerance
      { bodies: [{ summaries: [summary({ base: '101.00', tax: '22.22' })] }] },
      // an Arrotondamento explains the difference
      { bodies: [{ summaries: [summary({ base: '101.01', rounding: '1.01', tax: '22.22' })] }] },
      // the cassa previdenziale counts with the lines at its rate
      {
        bodies: [
          { funds: [fund({ amount: '4.00' })], summaries: [summary({ base: '104.00', tax: '22.88' })] },
        ],
      },
    ],
  },
  {
    code: '00423',
    title: 'a PrezzoTotale more than a cent away from its price, discounts and quantity',
    bad: {
      bodies: [
        {
          lines: [
            line({
              n: 1,
              price: '10.00',
              qty: '3.00',
              discounts: [discount('SC', { pct: '10.00' }), discount('SC', { amount: '1.00' })],
              total: '24.02',
            }),
          ],
          summaries: [summary({ base: '24.02', tax: '5.28' })],
        },
      ],
    },
    at: { xpath: `${GOODS}/DettaglioLinee[1]/PrezzoTotale`, needle: '<PrezzoTotale>' },
    body: 1,
    says: ['24.02', '24.00', 'line 1'],
    good: [
      // 10.00 less 10% less 1.00, × 3 = 24.00; one cent away is within the tolerance
      ...['24.00', '24.01'].map((total) => ({
        bodies: [
          {
            lines: [
              line({
                n: 1,
                price: '10.00',
                qty: '3.00',
                discounts: [discount('SC', { pct: '10.00' }), discount('SC', { amount: '1.00' })],
                total,
              }),
            ],
            summaries: [summary({ base: total, tax: '5.28' })],
          },
        ],
      })),
      // a surcharge; no Quantita counts as 1
      {
        bodies: [
          {
            lines: [
              line({ n: 1, price: '100.00', discounts: [discount('MG', { pct: '5.00' })], total: '105.00' }),
            ],
            summaries: [summary({ base: '105.00', tax: '23.10' })],
          },
        ],
      },
      // 0.093 less 48% × 200 = 9.672: 9.67 once rounded, a cent from the 9.66 written
      {
        bodies: [
          {
            lines: [
              line({
                n: 1,
                price: '0.093',
                qty: '200.00',
                discounts: [discount('SC', { pct: '48.00' })],
                total: '9.66',
              }),
            ],
            summaries: [summary({ base: '9.66', tax: '2.13' })],
          },
        ],
      },
    ],
  },
  {
    code: '00424',
    title: 'an AliquotaIVA written as a fraction',
    bad: {
      bodies: [
        {
          lines: [line({ n: 1, price: '50.00', qty: '2.00', rate: '0.22' })],
          summaries: [summary({ rate: '0.22', base: '100.00', tax: '0.22' })],
        },
      ],
    },
    at: { xpath: `${GOODS}/DettaglioLinee[1]/AliquotaIVA`, needle: '<AliquotaIVA>0.22' },
    body: 1,
    says: ['0.22', '22.00'],
    // the line's and the summary's
    codes: ['00424', '00424'],
    good: [{}],
  },
  {
    code: '00425',
    title: 'a Numero without a digit',
    bad: { bodies: [{ number: 'FT-A' }] },
    at: { xpath: `${DOCUMENT}/Numero`, needle: '<Numero>' },
    body: 1,
    says: ['FT-A'],
    good: [{ bodies: [{ number: 'A1' }] }],
  },
  {
    code: '00427',
    title: 'a 6-character CodiceDestinatario with FormatoTrasmissione FPR12',
    bad: { destination: 'ABC123' },
    at: { xpath: `${HEADER}/DatiTrasmissione/CodiceDestinatario`, needle: '<CodiceDestinatario>' },
    says: ['ABC123', 'FPR12'],
    good: [{ destination: 'ABC1234' }, { format: 'FPA12', destination: 'UFABCD' }],
  },
  {
    code: '00427',
    title: 'a 7-character CodiceDestinatario with FormatoTrasmissione FPA12',
    bad: { format: 'FPA12', destination: 'ABC1234' },
    at: { xpath: `${HEADER}/DatiTrasmissione/CodiceDestinatario`, needle: '<CodiceDestinatario>' },
    says: ['ABC1234', 'FPA12'],
    good: [{ format: 'FPA12', destination: 'UFABCD' }],
  },
  {
    code: '00428',
    title: 'a FormatoTrasmissione that is not the versione of the document',
    bad: { versione: 'FPA12', destination: 'ABC1234' },
    at: { xpath: `${HEADER}/DatiTrasmissione/FormatoTrasmissione`, needle: '<FormatoTrasmissione>' },
    says: ['FPR12', 'FPA12'],
    good: [{ versione: 'FPR12' }],
  },
  {
    code: '00429',
    title: 'a DatiRiepilogo at a zero rate without Natura',
    bad: {
      bodies: [
        {
          lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N2.1' })],
          summaries: [summary({ rate: '0.00', base: '100.00', tax: '0.00' })],
        },
      ],
    },
    at: { xpath: `${GOODS}/DatiRiepilogo[1]/AliquotaIVA`, needle: '<AliquotaIVA>0.00', nth: 2 },
    body: 1,
    says: ['0.00'],
    codes: ['00429', '00444'],
    good: [
      {
        bodies: [
          {
            lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N2.1' })],
            summaries: [summary({ rate: '0.00', nature: 'N2.1', base: '100.00', tax: '0.00' })],
          },
        ],
      },
    ],
  },
  {
    code: '00430',
    title: 'a DatiRiepilogo at a non-zero rate with a Natura',
    bad: { bodies: [{ summaries: [summary({ nature: 'N2.1', base: '100.00', tax: '22.00' })] }] },
    at: { xpath: `${GOODS}/DatiRiepilogo[1]/Natura`, needle: '<Natura>N2.1' },
    body: 1,
    says: ['N2.1', '22.00'],
    codes: ['00430', '00444'],
    good: [{}],
  },
  {
    code: '00437',
    title: 'a ScontoMaggiorazione of the document with neither Percentuale nor Importo',
    bad: { bodies: [{ discounts: [discount('SC')] }] },
    at: { xpath: `${DOCUMENT}/ScontoMaggiorazione[1]/Tipo`, needle: '<ScontoMaggiorazione>' },
    body: 1,
    says: ['SC'],
    good: [{ bodies: [{ discounts: [discount('SC', { amount: '5.00' })] }] }],
  },
  {
    code: '00438',
    title: 'a ScontoMaggiorazione of a line with neither Percentuale nor Importo',
    bad: {
      bodies: [{ lines: [line({ n: 1, price: '50.00', qty: '2.00', discounts: [discount('SC')] })] }],
    },
    at: { xpath: `${GOODS}/DettaglioLinee[1]/ScontoMaggiorazione[1]/Tipo`, needle: '<ScontoMaggiorazione>' },
    body: 1,
    says: ['SC', 'line 1'],
    good: [
      {
        bodies: [
          {
            lines: [
              line({
                n: 1,
                price: '50.00',
                qty: '2.00',
                discounts: [discount('SC', { pct: '10.00' })],
                total: '90.00',
              }),
            ],
            summaries: [summary({ base: '90.00', tax: '19.80' })],
          },
        ],
      },
    ],
  },
  {
    code: '00443',
    title: 'a DatiRiepilogo rate that no line has',
    bad: { bodies: [{ summaries: [...SUMMARIES, summary({ rate: '10.00', base: '0.00', tax: '0.00' })] }] },
    at: { xpath: `${GOODS}/DatiRiepilogo[2]/AliquotaIVA`, needle: '<AliquotaIVA>10.00' },
    body: 1,
    says: ['10.00'],
    good: [{}],
  },
  {
    code: '00444',
    title: 'a Natura of the lines that no DatiRiepilogo has (and one of DatiRiepilogo that no line has)',
    bad: {
      bodies: [
        {
          lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N2.1' })],
          summaries: [summary({ rate: '0.00', nature: 'N2.2', base: '100.00', tax: '0.00' })],
        },
      ],
    },
    at: { xpath: `${GOODS}/DettaglioLinee[1]/Natura`, needle: '<Natura>N2.1' },
    body: 1,
    says: ['N2.1', 'line 1'],
    codes: ['00444', '00444'],
    good: [
      {
        bodies: [
          {
            lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N2.2' })],
            summaries: [summary({ rate: '0.00', nature: 'N2.2', base: '100.00', tax: '0.00' })],
          },
        ],
      },
    ],
  },
  {
    code: '00445',
    title: 'a generic Natura (N3, without subcode) in an invoice of 2021 or later',
    bad: {
      bodies: [
        {
          lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N3' })],
          summaries: [summary({ rate: '0.00', nature: 'N3', base: '100.00', tax: '0.00' })],
        },
      ],
    },
    at: { xpath: `${GOODS}/DettaglioLinee[1]/Natura`, needle: '<Natura>N3' },
    body: 1,
    says: ['N3', 'line 1'],
    codes: ['00445', '00445'],
    good: [
      {
        bodies: [
          {
            date: '2020-12-31',
            lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N3' })],
            summaries: [summary({ rate: '0.00', nature: 'N3', base: '100.00', tax: '0.00' })],
          },
        ],
      },
      {
        bodies: [
          {
            lines: [line({ n: 1, price: '100.00', rate: '0.00', nature: 'N3.1' })],
            summaries: [summary({ rate: '0.00', nature: 'N3.1', base: '100.00', tax: '0.00' })],
          },
        ],
      },
    ],
  },
  {
    code: '00471',
    title: 'an invoice (TD01) to its own issuer',
    bad: { buyer: { vat: ['IT', '01234567890'], name: 'ALPHA SRL' } },
    at: { xpath: `${DOCUMENT}/TipoDocumento`, needle: '<TipoDocumento>' },
    body: 1,
    says: ['TD01', 'IT01234567890'],
    good: [{}, { buyer: { vat: ['IT', '01234567890'], name: 'ALPHA SRL' }, bodies: [{ type: 'TD27' }] }],
  },
  {
    code: '00472',
    title: 'a self-invoice (TD27) to another party',
    bad: { bodies: [{ type: 'TD27' }] },
    at: { xpath: `${DOCUMENT}/TipoDocumento`, needle: '<TipoDocumento>' },
    body: 1,
    says: ['TD27', 'IT09876543210', 'IT01234567890'],
    good: [
      { buyer: { vat: ['IT', '01234567890'], name: 'ALPHA SRL' }, bodies: [{ type: 'TD21' }] },
      { buyer: { vat: null, cf: '01234567890', name: 'ALPHA SRL' }, bodies: [{ type: 'TD27' }] },
    ],
  },
  {
    code: '00473',
    title: 'an integration for a foreign purchase (TD17) with an Italian seller',
    bad: { bodies: [{ type: 'TD17' }] },
    at: { xpath: `${DOCUMENT}/TipoDocumento`, needle: '<TipoDocumento>' },
    body: 1,
    says: ['TD17', 'IT'],
    good: [
      { seller: { vat: ['FR', '12345678901'], name: 'GAMMA SARL' }, bodies: [{ type: 'TD17' }] },
      { seller: { vat: ['SM', '12345'], name: 'DELTA SRL' }, bodies: [{ type: 'TD28' }] },
    ],
  },
  {
    code: '00473',
    title: 'a purchase from San Marino (TD28) with a seller from elsewhere',
    bad: { seller: { vat: ['FR', '12345678901'], name: 'GAMMA SARL' }, bodies: [{ type: 'TD28' }] },
    at: { xpath: `${DOCUMENT}/TipoDocumento`, needle: '<TipoDocumento>' },
    body: 1,
    says: ['TD28', 'FR'],
    good: [{ seller: { vat: ['SM', '12345'], name: 'DELTA SRL' }, bodies: [{ type: 'TD28' }] }],
  },
  {
    code: '00474',
    title: 'a self-invoice for exceeding the plafond (TD21) with a line at a zero rate',
    bad: {
      buyer: { vat: ['IT', '01234567890'], name: 'ALPHA SRL' },
      bodies: [
        {
          type: 'TD21',
          lines: [...LINES, line({ n: 2, price: '10.00', rate: '0.00', nature: 'N3.5' })],
          summaries: [...SUMMARIES, summary({ rate: '0.00', nature: 'N3.5', base: '10.00', tax: '0.00' })],
        },
      ],
    },
    at: { xpath: `${GOODS}/DettaglioLinee[2]/AliquotaIVA`, needle: '<AliquotaIVA>0.00' },
    body: 1,
    says: ['line 2', '0.00', 'TD21'],
    good: [{ buyer: { vat: ['IT', '01234567890'], name: 'ALPHA SRL' }, bodies: [{ type: 'TD21' }] }],
  },
  {
    code: '00475',
    title: 'an integration (TD17) for a buyer without IdFiscaleIVA',
    bad: {
      seller: { vat: ['FR', '12345678901'], name: 'GAMMA SARL' },
      buyer: { vat: null, cf: 'RSSMRA80A01H501U', name: 'MARIO ROSSI' },
      bodies: [{ type: 'TD17' }],
    },
    at: { xpath: `${DOCUMENT}/TipoDocumento`, needle: '<TipoDocumento>' },
    body: 1,
    says: ['TD17', 'IdFiscaleIVA'],
    good: [{ seller: { vat: ['FR', '12345678901'], name: 'GAMMA SARL' }, bodies: [{ type: 'TD17' }] }],
  },
  {
    code: '00476',
    title: 'a seller and a buyer both outside Italy',
    bad: {
      seller: { vat: ['FR', '12345678901'], name: 'GAMMA SARL' },
      buyer: { vat: ['DE', '123456789'], name: 'EPSILON GMBH' },
    },
    at: {
      xpath: `${HEADER}/CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA/IdPaese`,
      needle: '<IdPaese>DE',
    },
    says: ['FR', 'DE'],
    good: [
      { seller: { vat: ['FR', '12345678901'], name: 'GAMMA SARL' } },
      {
        seller: { vat: ['FR', '12345678901'], name: 'GAMMA SARL' },
        buyer: { vat: null, cf: 'RSSMRA80A01H501U' },
      },
    ],
  },
];

describe('SDI content checks (FatturaPA 1.2)', () => {
  it('finds nothing in the base invoice', () => {
    expect(check(fattura())).toEqual([]);
  });

  describe.each(CASES.map((c) => [`${c.code}: ${c.title}`, c] as const))('%s', (_name, c) => {
    it('fires, at the element, with the values', () => {
      const xml = fattura(c.bad);
      const findings = check(xml);
      expect(findings.map((f) => f.code).sort()).toEqual([...(c.codes ?? [c.code])].sort());
      const expected: SdiFinding = {
        code: c.code,
        message: expect.any(String),
        location: { xpath: c.at.xpath, line: lineOf(xml, c.at.needle, c.at.nth) },
      };
      if (c.body !== undefined) expected.body = c.body;
      const finding = findings.find((f) => f.code === c.code);
      expect(finding).toEqual(expected);
      for (const value of c.says) expect(finding!.message).toContain(value);
    });

    it('does not fire on its neighbours', () => {
      for (const spec of c.good) {
        const xml = fattura(spec);
        expect({ spec, findings: check(xml) }).toEqual({ spec, findings: [] });
      }
    });
  });

  it('has a case for every code it checks, and lists each code once with its description', () => {
    const codes = SDI_CHECKS.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(codes);
    expect([...new Set(CASES.map((c) => c.code))].sort()).toEqual(codes);
    for (const { description } of SDI_CHECKS) expect(description.length).toBeGreaterThan(20);
  });

  it('checks a document body by body', () => {
    const xml = fattura({
      bodies: [
        {},
        { number: 'FT-2', summaries: [summary({ base: '100.00', tax: '22.05' })] },
        { number: 'FT-C' },
      ],
    });
    expect(check(xml)).toEqual([
      {
        code: '00421',
        message: expect.stringContaining('22.05'),
        location: {
          xpath: '/p:FatturaElettronica/FatturaElettronicaBody[2]/DatiBeniServizi/DatiRiepilogo[1]/Imposta',
          line: lineOf(xml, '<Imposta>22.05'),
        },
        body: 2,
      },
      {
        code: '00425',
        message: expect.stringContaining('FT-C'),
        location: {
          xpath: '/p:FatturaElettronica/FatturaElettronicaBody[3]/DatiGenerali/DatiGeneraliDocumento/Numero',
          line: lineOf(xml, '<Numero>FT-C'),
        },
        body: 3,
      },
    ]);
  });

  it('reports the findings of a document in document order', () => {
    const xml = fattura({
      destination: 'ABC123',
      bodies: [
        {
          number: 'X',
          date: '2025-07-01',
          lines: [line({ n: 1, price: '50.00', qty: '2.00', total: '99.00' })],
        },
      ],
    });
    const findings = check(xml);
    expect(findings.map((f) => f.code)).toEqual(['00427', '00403', '00425', '00423']);
    expect(findings.map((f) => f.location.line)).toEqual(
      [...findings.map((f) => f.location.line)].sort((a, b) => a - b),
    );
  });

  it('takes today in Italy as the date of receipt by default', () => {
    expect(checkSdiContent(fattura({ bodies: [{ date: '2999-01-01' }] })).map((f) => f.code)).toEqual([
      '00403',
    ]);
    expect(checkSdiContent(fattura())).toEqual([]);
    expect(() => checkSdiContent(fattura(), { today: '30/06/2025' })).toThrow(RangeError);
  });

  it('refuses a DTD, and a document that is not a FatturaPA 1.2 invoice', () => {
    const dtd = fattura().replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE p:FatturaElettronica [<!ENTITY x "y">]>',
    );
    expect(() => check(dtd)).toThrow(expect.objectContaining({ code: 'xml.dtd-forbidden' }));
    expect(() => check('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')).toThrow(
      expect.objectContaining({ code: 'sdi.not-fatturapa' }),
    );
    expect(() => check(fattura().replaceAll('docs/xsd/fatture/v1.2', 'docs/xsd/fatture/v1.1'))).toThrow(
      expect.objectContaining({ code: 'sdi.not-fatturapa' }),
    );
  });
});

const SAMPLES = 'fatturapa-samples/official/valid';
const SCHEMAS = CORPUS_FATTURAPA_SCHEMAS;

describeWithCorpus(
  'FatturaPA 1.2: the official samples and schema',
  [SAMPLES, `${SCHEMAS}/FatturaPA_v1.2.2.xsd`, `${SCHEMAS}/xmldsig-core.xsd`],
  (corpus) => {
    const samples = join(corpus, SAMPLES);
    const read = (name: string) => readFileSync(join(samples, name), 'utf8');
    /** Known not to pass the schema as published (ContattiTrasmittente after PECDestinatario). */
    const XSD_INVALID = 'IT01234567890_FPR02.xml';
    let pool: XsdValidatorPool;

    beforeAll(() => {
      pool = new XsdValidatorPool(schemaFolder(corpus));
    });
    afterAll(() => pool.close());

    it('the catalogue has the FatturaPA schema, found by the root element', () => {
      expect(XSD_CATALOGUE['fatturapa-1.2']).toEqual({
        title: 'FatturaPA 1.2.x (Agenzia delle Entrate)',
        path: 'fatturapa/FatturaPA_v1.2.2.xsd',
        root: '{http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2}FatturaElettronica',
      });
      expect(pool.resolve('auto', read('IT01234567890_FPA01.xml'))).toMatch(
        /fatturapa[/\\]FatturaPA_v1\.2\.2\.xsd$/,
      );
    });

    it('the schema folder of the tests has every schema of the catalogue, includes and imports read through it', async () => {
      for (const id of Object.keys(XSD_CATALOGUE)) expect(() => pool.resolve(id, '')).not.toThrow();
      expect(await pool.validate(renderPeppolUbl(sampleInvoice(1)))).toEqual([]);
    });

    it('five official samples pass the schema; IT01234567890_FPR02.xml does not', async () => {
      const names = readdirSync(samples).filter((n) => n.endsWith('.xml'));
      expect(names).toHaveLength(6);
      for (const name of names.filter((n) => n !== XSD_INVALID)) {
        expect({ name, problems: await pool.validate(read(name)) }).toEqual({ name, problems: [] });
      }
      expect(await pool.validate(read(XSD_INVALID), 'fatturapa-1.2')).toEqual([
        {
          code: 'xsd.invalid',
          path: `line ${lineOf(read(XSD_INVALID), '<ContattiTrasmittente/>')}`,
          message: expect.stringContaining('ContattiTrasmittente'),
        },
      ]);
    });

    it('the invoices the content checks are tested with pass the schema', async () => {
      const documents = [fattura(), ...CASES.flatMap((c) => [c.bad, ...c.good]).map((spec) => fattura(spec))];
      for (const [i, xml] of documents.entries()) {
        expect({ i, problems: await pool.validate(xml) }).toEqual({ i, problems: [] });
      }
    });

    it('the official samples pass the content checks, but for the ImponibileImporto of FPR02 and FPR03', () => {
      const names = readdirSync(samples).filter((n) => n.endsWith('.xml'));
      for (const name of [
        'IT01234567890_FPA01.xml',
        'IT01234567890_FPA02.xml',
        'IT01234567890_FPA03.xml',
        'IT01234567890_FPR01.xml',
      ]) {
        expect(names).toContain(name);
        expect({ name, findings: check(read(name)) }).toEqual({ name, findings: [] });
      }
      // Their first body summarises lines of 25.00 at 22% as ImponibileImporto 27.00 (Imposta 5.95): two
      // euros more than SDI's tolerance of one, which SDI rejects as 00422.
      for (const name of ['IT01234567890_FPR02.xml', 'IT01234567890_FPR03.xml']) {
        const xml = read(name);
        expect({ name, findings: check(xml) }).toEqual({
          name,
          findings: [
            {
              code: '00422',
              message: expect.stringMatching(/ImponibileImporto 27\.00 .*25\.00, by more than 1\.00/),
              location: {
                xpath:
                  '/p:FatturaElettronica/FatturaElettronicaBody[1]/DatiBeniServizi/DatiRiepilogo[1]/ImponibileImporto',
                line: lineOf(xml, '<ImponibileImporto>27.00'),
              },
              body: 1,
            },
          ],
        });
      }
    });
  },
);

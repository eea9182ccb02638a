import { invalidInput } from '../../errors';
import {
  exact,
  exactCompare,
  exactFixed,
  exactRound,
  exactSub,
  exactText,
  type ExactDecimal,
} from '../../model/exact-decimal';
import { parseXmlTree, type XmlTreeElement } from '../../xml/xml-tree';
import { xpathOf as xpathOfElement } from '../../xml/xpath-of';

/**
 * The content checks of the Italian Sistema di Interscambio (SDI) on a FatturaPA 1.2.x invoice that can be
 * decided from the document alone, each reported with the error code SDI gives in its receipt of rejection
 * ("ricevuta di scarto"). The codes and their meaning follow the SDI list of checks ("Elenco controlli",
 * allegato of the Specifiche tecniche FatturaPA 1.2.x):
 *
 * - 00400 / 00401: Natura absent with a zero AliquotaIVA / present with a non-zero one, in DettaglioLinee
 *   (00401 does not apply to TD16, which states the rate of the reverse-charged operation);
 * - 00403: the invoice Data later than the date of receipt;
 * - 00411 / 00415: DatiRitenuta absent while a line / a cassa previdenziale has Ritenuta SI;
 * - 00413 / 00414: Natura of a cassa previdenziale absent with a zero AliquotaIVA / present with a non-zero one;
 * - 00417: the CessionarioCommittente has neither IdFiscaleIVA nor CodiceFiscale;
 * - 00418: the invoice Data earlier than the Data of an invoice it refers to (DatiFattureCollegate);
 * - 00419: no DatiRiepilogo for an AliquotaIVA of the lines or of a cassa previdenziale;
 * - 00420: Natura N6.x (reverse charge) in DatiRiepilogo with EsigibilitaIVA S (split payment);
 * - 00421: Imposta ≠ ImponibileImporto × AliquotaIVA / 100 rounded to the cent, beyond ±0.01;
 * - 00422: ImponibileImporto ≠ the PrezzoTotale of the lines plus the ImportoContributoCassa of the casse at
 *   that rate (at a zero rate, of that Natura), plus Arrotondamento, beyond ±1.00;
 * - 00423: PrezzoTotale ≠ (PrezzoUnitario with each ScontoMaggiorazione applied in turn) × Quantita (1 when
 *   absent), beyond ±0.01 once both are rounded to the cent;
 * - 00424: an AliquotaIVA written as a fraction (0.22) rather than a percentage (22.00);
 * - 00425: a Numero without any digit;
 * - 00427: a 7-character CodiceDestinatario with FormatoTrasmissione FPA12, or a 6-character one with FPR12;
 * - 00428: a FormatoTrasmissione other than FPA12 and FPR12, or other than the root's versione attribute;
 * - 00429 / 00430: Natura absent with a zero AliquotaIVA / present with a non-zero one, in DatiRiepilogo
 *   (00430 does not apply to TD16);
 * - 00437 / 00438: a ScontoMaggiorazione with a Tipo but neither Percentuale nor Importo, of the document /
 *   of a line;
 * - 00443: a DatiRiepilogo AliquotaIVA that no line and no cassa previdenziale has (the other direction of
 *   this correspondence, a rate without its summary, is reported as 00419);
 * - 00444: a Natura of the lines or casse that no DatiRiepilogo has, or one of DatiRiepilogo that none has;
 * - 00445: the generic Natura N2, N3 or N6 (without subcode), no longer allowed for invoices dated from
 *   1 January 2021;
 * - 00471: TD01, TD02, TD03, TD06, TD16–TD20, TD24, TD25, TD28 with the same IdFiscaleIVA for the
 *   CedentePrestatore and the CessionarioCommittente;
 * - 00472: TD21 or TD27 (self-invoices) with a CessionarioCommittente other than the CedentePrestatore;
 * - 00473: TD17, TD18, TD19 with an Italian CedentePrestatore (IdPaese IT), TD28 with one not from San
 *   Marino (IdPaese other than SM);
 * - 00474: TD21 with a line at a zero AliquotaIVA;
 * - 00475: TD16–TD20, TD22, TD23, TD28 without the IdFiscaleIVA of the CessionarioCommittente;
 * - 00476: CedentePrestatore and CessionarioCommittente both with an IdPaese other than IT.
 *
 * Not checked here: what needs SDI's own records or registries (00404 and 00409, duplicates; the 003xx
 * codes, identifiers unknown to the Anagrafe Tributaria or to IPA; an inactive CodiceDestinatario), the
 * digital signature (001xx), the file name (00001–00003), conformity to the schema (00200, 00201: XSD
 * validation, `fatturapa-1.2` in the schema catalogue), and 00448, the variant of 00445 that SDI gives for
 * cross-border invoices. 00426 (PECDestinatario against CodiceDestinatario 0000000) is no longer in the list
 * since the Specifiche tecniche 1.3.
 *
 * A document with several FatturaElettronicaBody is checked body by body; each finding of a body carries
 * its 1-based index. Decimals are compared exactly, as written, never in floating point.
 */

/** The namespace of FatturaPA 1.2.x (its elements other than the root are unqualified). */
export const FATTURAPA_NAMESPACE = 'http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2';

export interface SdiFinding {
  /** The SDI error code, as its receipt of rejection gives it: `00400`. */
  code: string;
  /** What is wrong, in English, naming the values involved. */
  message: string;
  /** The element the finding is about (or, for a missing one, the element that calls for it). */
  location: { xpath: string; line: number };
  /** The 1-based index of the FatturaElettronicaBody the finding is about; absent for the header. */
  body?: number;
}

export interface SdiCheckOptions {
  /** The date of receipt, `YYYY-MM-DD` (00403); today in Italy (Europe/Rome) when absent. */
  today?: string;
}

/** The parts of the document the checks read. */
interface Invoice {
  readonly root: XmlTreeElement;
  readonly header: XmlTreeElement | undefined;
  readonly today: string;
}

/** One FatturaElettronicaBody, with the parts most checks read. */
interface Body {
  readonly index: number;
  readonly el: XmlTreeElement;
  /** DatiGenerali/DatiGeneraliDocumento. */
  readonly document: XmlTreeElement | undefined;
  readonly type: string | undefined;
  readonly date: string | undefined;
  /** DatiBeniServizi/DettaglioLinee. */
  readonly lines: readonly XmlTreeElement[];
  /** DatiBeniServizi/DatiRiepilogo. */
  readonly summaries: readonly XmlTreeElement[];
  /** DatiGeneraliDocumento/DatiCassaPrevidenziale. */
  readonly funds: readonly XmlTreeElement[];
}

type Report = (at: XmlTreeElement, message: string) => void;

/** A check of the header, run once per document. */
interface HeaderCheck {
  readonly code: string;
  readonly description: string;
  readonly scope: 'header';
  check(invoice: Invoice, report: Report): void;
}

/** A check of one body (it may read the header too), run on each FatturaElettronicaBody. */
interface BodyCheck {
  readonly code: string;
  readonly description: string;
  readonly scope: 'body';
  check(body: Body, invoice: Invoice, report: Report): void;
}

type SdiCheck = HeaderCheck | BodyCheck;

// ---------------------------------------------------------------------------------------------------------
// Reading the document

/** The unqualified element children of `el` named `name`, in document order. */
function kids(el: XmlTreeElement | undefined, name: string): XmlTreeElement[] {
  if (!el) return [];
  return el.children.filter((c) => c.localName === name && c.namespaceURI === null);
}

/** The first unqualified descendant along `path` (`child(el, 'DatiAnagrafici', 'IdFiscaleIVA')`). */
function child(el: XmlTreeElement | undefined, ...path: string[]): XmlTreeElement | undefined {
  let node = el;
  for (const name of path) node = kids(node, name)[0];
  return node;
}

/** The trimmed text of the element; undefined when it is absent or empty. */
function text(el: XmlTreeElement | undefined): string | undefined {
  const value = el?.textContent.trim();
  return value ? value : undefined;
}

/** The element's decimal value; undefined when it is absent or not a decimal (the schema's finding). */
function decimal(el: XmlTreeElement | undefined): ExactDecimal | undefined {
  const value = text(el);
  return value === undefined ? undefined : exact(value);
}

/** A date as xs:date writes it without a time zone. */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The elements that may repeat in FatturaPA 1.2.2 (maxOccurs > 1): located with their position. */
const REPEATABLE = new Set([
  'FatturaElettronicaBody',
  'Allegati',
  'AltriDatiGestionali',
  'Causale',
  'CodiceArticolo',
  'DatiCassaPrevidenziale',
  'DatiContratto',
  'DatiConvenzione',
  'DatiDDT',
  'DatiFattureCollegate',
  'DatiOrdineAcquisto',
  'DatiPagamento',
  'DatiRicezione',
  'DatiRiepilogo',
  'DatiRitenuta',
  'DatiSAL',
  'DettaglioLinee',
  'DettaglioPagamento',
  'RiferimentoNumeroLinea',
  'ScontoMaggiorazione',
]);

/** `/p:FatturaElettronica/FatturaElettronicaBody[1]/DatiBeniServizi/DettaglioLinee[2]/AliquotaIVA`. */
function xpathOf(el: XmlTreeElement): string {
  return xpathOfElement(el, (step) => REPEATABLE.has(step.localName));
}

// ---------------------------------------------------------------------------------------------------------
// Exact decimal arithmetic

const ZERO: ExactDecimal = { units: 0n, scale: 0 };
const CENT: ExactDecimal = { units: 1n, scale: 2 };
const EURO: ExactDecimal = { units: 1n, scale: 0 };
const ONE: ExactDecimal = { units: 1n, scale: 0 };

const negate = (a: ExactDecimal): ExactDecimal => ({ units: -a.units, scale: a.scale });
const plus = (a: ExactDecimal, b: ExactDecimal): ExactDecimal => exactSub(a, negate(b));
const times = (a: ExactDecimal, b: ExactDecimal): ExactDecimal => ({
  units: a.units * b.units,
  scale: a.scale + b.scale,
});
/** a × p / 100, exactly. */
const percentOf = (a: ExactDecimal, p: ExactDecimal): ExactDecimal => ({
  units: a.units * p.units,
  scale: a.scale + p.scale + 2,
});
const isZero = (a: ExactDecimal): boolean => a.units === 0n;
/** |a − b| > tolerance. */
const differs = (a: ExactDecimal, b: ExactDecimal, tolerance: ExactDecimal): boolean => {
  const diff = exactSub(a, b);
  return exactCompare(diff.units < 0n ? negate(diff) : diff, tolerance) > 0;
};
/** Money for messages: two places at least, up to eight when the value has them (`24.00`, `9.672`). */
function money(a: ExactDecimal): string {
  const value = exactRound(a, 8);
  const [whole, fraction = ''] = exactText(value).split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------
// Shared readings

/** How a message names a line: by its NumeroLinea, else its position. */
function lineName(line: XmlTreeElement): string {
  const number = text(child(line, 'NumeroLinea'));
  if (number !== undefined) return `line ${number}`;
  const parent = line.parentNode;
  return `line at position ${parent ? kids(parent, 'DettaglioLinee').indexOf(line) + 1 : 1}`;
}

function fundName(fund: XmlTreeElement): string {
  const type = text(child(fund, 'TipoCassa'));
  return `DatiCassaPrevidenziale${type ? ` ${type}` : ''}`;
}

function summaryName(summary: XmlTreeElement): string {
  const rate = text(child(summary, 'AliquotaIVA'));
  const nature = text(child(summary, 'Natura'));
  return `DatiRiepilogo at AliquotaIVA ${rate ?? '(none)'}${nature ? ` / Natura ${nature}` : ''}`;
}

/** The key a rate is compared by (`22.00` and `22` are the same rate). */
function rateKey(el: XmlTreeElement | undefined): string | undefined {
  const rate = decimal(el);
  return rate === undefined ? undefined : exactText(rate);
}

/** The lines and casse previdenziali of a body: what its DatiRiepilogo summarise. */
function taxed(body: Body): XmlTreeElement[] {
  return [...body.lines, ...body.funds];
}

function taxedName(el: XmlTreeElement): string {
  return el.localName === 'DettaglioLinee' ? lineName(el) : fundName(el);
}

function hasRitenuta(el: XmlTreeElement): boolean {
  return text(child(el, 'Ritenuta')) === 'SI';
}

/** `IT01234567890` of a DatiAnagrafici/IdFiscaleIVA; undefined without one. */
function vatId(anagrafici: XmlTreeElement | undefined): string | undefined {
  const id = child(anagrafici, 'IdFiscaleIVA');
  const country = text(child(id, 'IdPaese'));
  const code = text(child(id, 'IdCodice'));
  return country && code ? `${country}${code}`.toUpperCase() : undefined;
}

const seller = (invoice: Invoice) => child(invoice.header, 'CedentePrestatore', 'DatiAnagrafici');
const buyer = (invoice: Invoice) => child(invoice.header, 'CessionarioCommittente', 'DatiAnagrafici');

/** The element a finding about the TipoDocumento of a body is located at. */
const typeElement = (body: Body): XmlTreeElement => child(body.document, 'TipoDocumento') ?? body.el;

/** Natura with a zero rate, no Natura with a non-zero one: shared by 00400/00401, 00413/00414, 00429/00430. */
function natureCheck(
  code: string,
  description: string,
  items: (body: Body) => readonly XmlTreeElement[],
  name: (el: XmlTreeElement) => string,
  want: 'present' | 'absent',
  exceptTD16 = false,
): BodyCheck {
  return {
    code,
    description,
    scope: 'body',
    check(body, _invoice, report) {
      if (exceptTD16 && body.type === 'TD16') return;
      for (const item of items(body)) {
        const rateEl = child(item, 'AliquotaIVA');
        const rate = decimal(rateEl);
        if (!rateEl || rate === undefined) continue;
        const natureEl = child(item, 'Natura');
        const nature = text(natureEl);
        if (want === 'present' && isZero(rate) && nature === undefined)
          report(
            rateEl,
            `${name(item)} has AliquotaIVA ${text(rateEl)} without a Natura: a zero rate needs the nature of the operation`,
          );
        if (want === 'absent' && !isZero(rate) && nature !== undefined)
          report(
            natureEl!,
            `${name(item)} has Natura ${nature} with AliquotaIVA ${text(rateEl)}: a non-zero rate makes the operation taxable, without a Natura`,
          );
      }
    },
  };
}

/** 00437 / 00438: a ScontoMaggiorazione needs its Percentuale or its Importo. */
function discountCheck(
  code: string,
  description: string,
  owners: (body: Body) => XmlTreeElement[],
): BodyCheck {
  return {
    code,
    description,
    scope: 'body',
    check(body, _invoice, report) {
      for (const owner of owners(body))
        for (const discount of kids(owner, 'ScontoMaggiorazione')) {
          const type = child(discount, 'Tipo');
          if (text(type) === undefined) continue;
          if (
            text(child(discount, 'Percentuale')) === undefined &&
            text(child(discount, 'Importo')) === undefined
          )
            report(
              type!,
              `ScontoMaggiorazione ${text(type)}${owner.localName === 'DettaglioLinee' ? ` of ${lineName(owner)}` : ''} has neither a Percentuale nor an Importo`,
            );
        }
    },
  };
}

/** The three generic natures that the subcodes replaced on 1 January 2021. */
const GENERIC_NATURES = new Set(['N2', 'N3', 'N6']);

const NOT_SAME_PARTY = new Set([
  'TD01',
  'TD02',
  'TD03',
  'TD06',
  'TD16',
  'TD17',
  'TD18',
  'TD19',
  'TD20',
  'TD24',
  'TD25',
  'TD28',
]);
const SAME_PARTY = new Set(['TD21', 'TD27']);
const FOREIGN_SELLER = new Set(['TD17', 'TD18', 'TD19']);
const BUYER_VAT_ID = new Set(['TD16', 'TD17', 'TD18', 'TD19', 'TD20', 'TD22', 'TD23', 'TD28']);

// ---------------------------------------------------------------------------------------------------------
// The checks

const CHECKS: readonly SdiCheck[] = [
  natureCheck(
    '00400',
    '2.2.1.14 Natura absent with 2.2.1.12 AliquotaIVA zero (a zero rate needs the nature of the operation that justifies it)',
    (body) => body.lines,
    lineName,
    'present',
  ),
  natureCheck(
    '00401',
    '2.2.1.14 Natura present with 2.2.1.12 AliquotaIVA not zero (a non-zero rate makes the operation taxable; TD16 excepted)',
    (body) => body.lines,
    lineName,
    'absent',
    true,
  ),
  {
    code: '00403',
    description: '2.1.1.3 Data later than the date of receipt',
    scope: 'body',
    check(body, invoice, report) {
      const dateEl = child(body.document, 'Data');
      if (body.date !== undefined && body.date > invoice.today)
        report(dateEl!, `The invoice Data ${body.date} is later than the date of receipt ${invoice.today}`);
    },
  },
  {
    code: '00411',
    description:
      '2.1.1.5 DatiRitenuta absent while at least one 2.2.1 DettaglioLinee has 2.2.1.13 Ritenuta SI',
    scope: 'body',
    check(body, _invoice, report) {
      if (kids(body.document, 'DatiRitenuta').length > 0) return;
      const line = body.lines.find(hasRitenuta);
      if (line)
        report(
          child(line, 'Ritenuta')!,
          `${lineName(line)} is subject to withholding (Ritenuta SI) but the document has no DatiRitenuta`,
        );
    },
  },
  natureCheck(
    '00413',
    '2.1.1.7.7 Natura absent with 2.1.1.7.5 AliquotaIVA zero (cassa previdenziale)',
    (body) => body.funds,
    fundName,
    'present',
  ),
  natureCheck(
    '00414',
    '2.1.1.7.7 Natura present with 2.1.1.7.5 AliquotaIVA not zero (cassa previdenziale)',
    (body) => body.funds,
    fundName,
    'absent',
  ),
  {
    code: '00415',
    description: '2.1.1.5 DatiRitenuta absent while 2.1.1.7.6 Ritenuta is SI (cassa previdenziale)',
    scope: 'body',
    check(body, _invoice, report) {
      if (kids(body.document, 'DatiRitenuta').length > 0) return;
      const fund = body.funds.find(hasRitenuta);
      if (fund)
        report(
          child(fund, 'Ritenuta')!,
          `${fundName(fund)} is subject to withholding (Ritenuta SI) but the document has no DatiRitenuta`,
        );
    },
  },
  {
    code: '00417',
    description:
      '1.4.1.1 IdFiscaleIVA and 1.4.1.2 CodiceFiscale both absent (the CessionarioCommittente needs one)',
    scope: 'header',
    check(invoice, report) {
      const anagrafici = buyer(invoice);
      if (!anagrafici) return;
      if (!child(anagrafici, 'IdFiscaleIVA') && text(child(anagrafici, 'CodiceFiscale')) === undefined)
        report(anagrafici, 'The CessionarioCommittente has neither an IdFiscaleIVA nor a CodiceFiscale');
    },
  },
  {
    code: '00418',
    description:
      '2.1.1.3 Data earlier than 2.1.6.3 Data (an invoice cannot be dated before the invoice it refers to)',
    scope: 'body',
    check(body, _invoice, report) {
      if (body.date === undefined) return;
      for (const linked of kids(child(body.el, 'DatiGenerali'), 'DatiFattureCollegate')) {
        const dateEl = child(linked, 'Data');
        const date = text(dateEl);
        const id = text(child(linked, 'IdDocumento'));
        if (date !== undefined && DATE.test(date) && date > body.date)
          report(
            dateEl!,
            `The invoice Data ${body.date} is earlier than the Data ${date} of the invoice it refers to${id ? ` (IdDocumento ${id})` : ''}`,
          );
      }
    },
  },
  {
    code: '00419',
    description:
      '2.2.2 DatiRiepilogo absent for a value of 2.2.1.12 AliquotaIVA or 2.1.1.7.5 AliquotaIVA (each rate of the invoice needs its summary)',
    scope: 'body',
    check(body, _invoice, report) {
      const summarised = new Set(body.summaries.map((s) => rateKey(child(s, 'AliquotaIVA'))));
      const seen = new Set<string>();
      for (const item of taxed(body)) {
        const rateEl = child(item, 'AliquotaIVA');
        const key = rateKey(rateEl);
        if (key === undefined || summarised.has(key) || seen.has(key)) continue;
        seen.add(key);
        report(rateEl!, `No DatiRiepilogo has the AliquotaIVA ${text(rateEl)} of ${taxedName(item)}`);
      }
    },
  },
  {
    code: '00420',
    description:
      '2.2.2.2 Natura N6 (reverse charge) with 2.2.2.7 EsigibilitaIVA S (split payment): the two exclude each other',
    scope: 'body',
    check(body, _invoice, report) {
      for (const summary of body.summaries) {
        const natureEl = child(summary, 'Natura');
        const nature = text(natureEl);
        if (nature?.startsWith('N6') && text(child(summary, 'EsigibilitaIVA')) === 'S')
          report(
            natureEl!,
            `${summaryName(summary)} has Natura ${nature} (reverse charge) with EsigibilitaIVA S (split payment)`,
          );
      }
    },
  },
  {
    code: '00421',
    description:
      '2.2.2.6 Imposta not computed as the specifications say: ImponibileImporto × AliquotaIVA / 100, rounded to the cent, ±0.01',
    scope: 'body',
    check(body, _invoice, report) {
      for (const summary of body.summaries) {
        const rate = decimal(child(summary, 'AliquotaIVA'));
        const base = decimal(child(summary, 'ImponibileImporto'));
        const taxEl = child(summary, 'Imposta');
        const tax = decimal(taxEl);
        if (rate === undefined || base === undefined || tax === undefined) continue;
        const expected = exactRound(percentOf(base, rate), 2);
        if (differs(tax, expected, CENT))
          report(
            taxEl!,
            `${summaryName(summary)}: Imposta ${text(taxEl)} differs from ImponibileImporto ${text(child(summary, 'ImponibileImporto'))} × ${text(child(summary, 'AliquotaIVA'))}% = ${money(expected)} by more than 0.01`,
          );
      }
    },
  },
  {
    code: '00422',
    description:
      '2.2.2.5 ImponibileImporto not computed as the specifications say: the PrezzoTotale of the lines and the ImportoContributoCassa of the casse at that AliquotaIVA (and, at a zero rate, that Natura), plus Arrotondamento, ±1.00',
    scope: 'body',
    check(body, _invoice, report) {
      // by rate; the operations at a zero rate by their Natura too, as each Natura has its own summary
      const keyOf = (el: XmlTreeElement) => {
        const rate = decimal(child(el, 'AliquotaIVA'));
        if (rate === undefined) return undefined;
        return isZero(rate) ? `0|${text(child(el, 'Natura')) ?? ''}` : exactText(rate);
      };
      const computed = new Map<string, { sum: ExactDecimal; funds: boolean }>();
      for (const item of taxed(body)) {
        const key = keyOf(item);
        const fund = item.localName === 'DatiCassaPrevidenziale';
        const amount = decimal(child(item, fund ? 'ImportoContributoCassa' : 'PrezzoTotale'));
        if (key === undefined || amount === undefined) continue;
        const known = computed.get(key);
        computed.set(key, { sum: plus(known?.sum ?? ZERO, amount), funds: (known?.funds ?? false) || fund });
      }
      const declared = new Map<
        string,
        { first: XmlTreeElement; total: ExactDecimal; rounding: ExactDecimal }
      >();
      for (const summary of body.summaries) {
        const key = keyOf(summary);
        const base = decimal(child(summary, 'ImponibileImporto'));
        if (key === undefined || base === undefined) continue;
        const rounding = decimal(child(summary, 'Arrotondamento')) ?? ZERO;
        const known = declared.get(key);
        if (known) {
          known.total = plus(known.total, base);
          known.rounding = plus(known.rounding, rounding);
        } else declared.set(key, { first: summary, total: base, rounding });
      }
      for (const [key, { first, total, rounding }] of declared) {
        const items = computed.get(key);
        // a summary without any line or cassa at its rate (or Natura) is 00443 (or 00444)
        if (items === undefined) continue;
        const expected = plus(items.sum, rounding);
        if (differs(total, expected, EURO)) {
          const parts = [
            'the PrezzoTotale of its lines',
            ...(items.funds ? ['the ImportoContributoCassa of its casse'] : []),
            ...(isZero(rounding) ? [] : [`Arrotondamento ${money(rounding)}`]),
          ];
          report(
            child(first, 'ImponibileImporto')!,
            `${summaryName(first)}: ImponibileImporto ${money(total)} differs from ${parts.join(' plus ')}, ${money(expected)}, by more than 1.00`,
          );
        }
      }
    },
  },
  {
    code: '00423',
    description:
      '2.2.1.11 PrezzoTotale not computed as the specifications say: PrezzoUnitario with each ScontoMaggiorazione applied in turn, × Quantita, ±0.01',
    scope: 'body',
    check(body, _invoice, report) {
      for (const line of body.lines) {
        const totalEl = child(line, 'PrezzoTotale');
        const total = decimal(totalEl);
        const unitPrice = decimal(child(line, 'PrezzoUnitario'));
        if (total === undefined || unitPrice === undefined) continue;
        let price: ExactDecimal = unitPrice;
        const quantityText = text(child(line, 'Quantita'));
        const quantity = quantityText === undefined ? ONE : exact(quantityText);
        if (quantity === undefined) continue;
        for (const discount of kids(line, 'ScontoMaggiorazione')) {
          const type = text(child(discount, 'Tipo'));
          const amount = decimal(child(discount, 'Importo'));
          const percentage = decimal(child(discount, 'Percentuale'));
          // an amount is per unit, as the price it changes; it prevails over a percentage
          const change: ExactDecimal | undefined =
            amount !== undefined
              ? amount.units < 0n
                ? negate(amount)
                : amount
              : percentage !== undefined
                ? percentOf(price, percentage)
                : undefined;
          if (change === undefined || (type !== 'SC' && type !== 'MG')) continue;
          price = type === 'SC' ? exactSub(price, change) : plus(price, change);
        }
        const expected = times(price, quantity);
        if (differs(exactRound(total, 2), exactRound(expected, 2), CENT))
          report(
            totalEl!,
            `${lineName(line)}: PrezzoTotale ${text(totalEl)} differs from PrezzoUnitario ${text(child(line, 'PrezzoUnitario'))}${kids(line, 'ScontoMaggiorazione').length > 0 ? ' with its ScontoMaggiorazione' : ''} × Quantita ${quantityText ?? '1'} = ${money(expected)} by more than 0.01`,
          );
      }
    },
  },
  {
    code: '00424',
    description:
      '2.2.1.12, 2.2.2.1 or 2.1.1.7.5 AliquotaIVA not expressed as a percentage (22% is 22.00, not 0.22)',
    scope: 'body',
    check(body, _invoice, report) {
      for (const item of [...body.funds, ...body.lines, ...body.summaries]) {
        const rateEl = child(item, 'AliquotaIVA');
        const rate = decimal(rateEl);
        if (rate === undefined) continue;
        if (rate.units > 0n && exactCompare(rate, ONE) < 0)
          report(
            rateEl!,
            `${item.localName === 'DatiRiepilogo' ? summaryName(item) : taxedName(item)}: AliquotaIVA ${text(rateEl)} is a fraction; the rate is written as a percentage (${exactFixed(times(rate, { units: 100n, scale: 0 }), 2)})`,
          );
      }
    },
  },
  {
    code: '00425',
    description: '2.1.1.4 Numero without any digit (the invoice number must contain at least one)',
    scope: 'body',
    check(body, _invoice, report) {
      const numberEl = child(body.document, 'Numero');
      const number = text(numberEl);
      if (number !== undefined && !/\d/.test(number))
        report(numberEl!, `The invoice Numero "${number}" contains no digit`);
    },
  },
  {
    code: '00427',
    description:
      '1.1.4 CodiceDestinatario of 7 characters with 1.1.3 FormatoTrasmissione FPA12, or of 6 characters with FPR12',
    scope: 'header',
    check(invoice, report) {
      const transmission = child(invoice.header, 'DatiTrasmissione');
      const format = text(child(transmission, 'FormatoTrasmissione'));
      const codeEl = child(transmission, 'CodiceDestinatario');
      const code = text(codeEl);
      if (code === undefined) return;
      if (format === 'FPA12' && code.length === 7)
        report(
          codeEl!,
          `CodiceDestinatario ${code} has 7 characters, a private recipient's, but FormatoTrasmissione is FPA12: a public administration office code has 6`,
        );
      if (format === 'FPR12' && code.length === 6)
        report(
          codeEl!,
          `CodiceDestinatario ${code} has 6 characters, a public administration office code, but FormatoTrasmissione is FPR12: a private recipient's code has 7`,
        );
    },
  },
  {
    code: '00428',
    description:
      '1.1.3 FormatoTrasmissione other than FPA12 and FPR12, or not the versione attribute of the document',
    scope: 'header',
    check(invoice, report) {
      const formatEl = child(invoice.header, 'DatiTrasmissione', 'FormatoTrasmissione');
      const format = text(formatEl);
      if (format === undefined) return;
      const version = invoice.root.getAttribute('versione')?.trim();
      if (format !== 'FPA12' && format !== 'FPR12')
        report(formatEl!, `FormatoTrasmissione ${format} is neither FPA12 nor FPR12`);
      else if (version !== undefined && version !== format)
        report(formatEl!, `FormatoTrasmissione ${format} is not the versione ${version} of the document`);
    },
  },
  natureCheck(
    '00429',
    '2.2.2.2 Natura absent with 2.2.2.1 AliquotaIVA zero (DatiRiepilogo)',
    (body) => body.summaries,
    summaryName,
    'present',
  ),
  natureCheck(
    '00430',
    '2.2.2.2 Natura present with 2.2.2.1 AliquotaIVA not zero (DatiRiepilogo; TD16 excepted)',
    (body) => body.summaries,
    summaryName,
    'absent',
    true,
  ),
  discountCheck(
    '00437',
    '2.1.1.8.2 Percentuale and 2.1.1.8.3 Importo both absent with 2.1.1.8.1 Tipo given (ScontoMaggiorazione of the document)',
    (body) => (body.document ? [body.document] : []),
  ),
  discountCheck(
    '00438',
    '2.2.1.10.2 Percentuale and 2.2.1.10.3 Importo both absent with 2.2.1.10.1 Tipo given (ScontoMaggiorazione of a line)',
    (body) => [...body.lines],
  ),
  {
    code: '00443',
    description:
      'No correspondence between the values of 2.2.1.12 / 2.1.1.7.5 AliquotaIVA and those of 2.2.2.1 AliquotaIVA: here, a DatiRiepilogo rate that no line and no cassa previdenziale has',
    scope: 'body',
    check(body, _invoice, report) {
      const used = new Set(taxed(body).map((item) => rateKey(child(item, 'AliquotaIVA'))));
      for (const summary of body.summaries) {
        const rateEl = child(summary, 'AliquotaIVA');
        const key = rateKey(rateEl);
        if (key !== undefined && !used.has(key))
          report(
            rateEl!,
            `No line and no cassa previdenziale has the AliquotaIVA ${text(rateEl)} of this DatiRiepilogo`,
          );
      }
    },
  },
  {
    code: '00444',
    description:
      'No correspondence between the values of 2.2.1.14 / 2.1.1.7.7 Natura and those of 2.2.2.2 Natura (each Natura of the lines and casse needs its summary, and each of the summaries its lines or casse)',
    scope: 'body',
    check(body, _invoice, report) {
      const summarised = new Set(body.summaries.map((s) => text(child(s, 'Natura'))));
      const used = new Set(taxed(body).map((item) => text(child(item, 'Natura'))));
      const seen = new Set<string>();
      for (const item of taxed(body)) {
        const natureEl = child(item, 'Natura');
        const nature = text(natureEl);
        if (nature === undefined || summarised.has(nature) || seen.has(nature)) continue;
        seen.add(nature);
        report(natureEl!, `No DatiRiepilogo has the Natura ${nature} of ${taxedName(item)}`);
      }
      for (const summary of body.summaries) {
        const natureEl = child(summary, 'Natura');
        const nature = text(natureEl);
        if (nature !== undefined && !used.has(nature))
          report(
            natureEl!,
            `No line and no cassa previdenziale has the Natura ${nature} of this DatiRiepilogo`,
          );
      }
    },
  },
  {
    code: '00445',
    description:
      'The generic Natura N2, N3 or N6 (without subcode) is no longer allowed (invoices dated from 1 January 2021)',
    scope: 'body',
    check(body, _invoice, report) {
      if (body.date !== undefined && body.date < '2021-01-01') return;
      for (const item of [...body.funds, ...body.lines, ...body.summaries]) {
        const natureEl = child(item, 'Natura');
        const nature = text(natureEl);
        if (nature !== undefined && GENERIC_NATURES.has(nature))
          report(
            natureEl!,
            `${item.localName === 'DatiRiepilogo' ? summaryName(item) : taxedName(item)}: the generic Natura ${nature} is no longer allowed; use one of its subcodes (${nature}.1, ${nature}.2, …)`,
          );
      }
    },
  },
  {
    code: '00471',
    description:
      'For this 2.1.1.1 TipoDocumento (TD01, TD02, TD03, TD06, TD16–TD20, TD24, TD25, TD28) the CedentePrestatore cannot be the CessionarioCommittente',
    scope: 'body',
    check(body, invoice, report) {
      if (body.type === undefined || !NOT_SAME_PARTY.has(body.type)) return;
      const id = vatId(seller(invoice));
      if (id !== undefined && id === vatId(buyer(invoice)))
        report(
          typeElement(body),
          `TipoDocumento ${body.type} does not allow the same party as CedentePrestatore and CessionarioCommittente (both IdFiscaleIVA ${id})`,
        );
    },
  },
  {
    code: '00472',
    description:
      'For 2.1.1.1 TipoDocumento TD21 and TD27 (self-invoices) the CedentePrestatore must be the CessionarioCommittente',
    scope: 'body',
    check(body, invoice, report) {
      if (body.type === undefined || !SAME_PARTY.has(body.type)) return;
      const sellerId = vatId(seller(invoice));
      const buyerId = vatId(buyer(invoice));
      const sellerCf = text(child(seller(invoice), 'CodiceFiscale'));
      const buyerCf = text(child(buyer(invoice), 'CodiceFiscale'));
      const same =
        buyerId !== undefined
          ? buyerId === sellerId
          : buyerCf !== undefined && (buyerCf === sellerCf || `IT${buyerCf}` === sellerId);
      if (!same)
        report(
          typeElement(body),
          `TipoDocumento ${body.type} is a self-invoice: the CessionarioCommittente (${buyerId ?? buyerCf ?? 'unidentified'}) must be the CedentePrestatore (${sellerId ?? sellerCf ?? 'unidentified'})`,
        );
    },
  },
  {
    code: '00473',
    description:
      'For this 2.1.1.1 TipoDocumento the 1.2.1.1.1 IdPaese of the CedentePrestatore is not allowed (TD17, TD18, TD19: not IT; TD28: SM only)',
    scope: 'body',
    check(body, invoice, report) {
      const country = text(child(seller(invoice), 'IdFiscaleIVA', 'IdPaese'));
      if (body.type === undefined || country === undefined) return;
      if (FOREIGN_SELLER.has(body.type) && country === 'IT')
        report(
          typeElement(body),
          `TipoDocumento ${body.type} is for purchases from a foreign CedentePrestatore, but its IdPaese is IT`,
        );
      if (body.type === 'TD28' && country !== 'SM')
        report(
          typeElement(body),
          `TipoDocumento TD28 is for purchases from San Marino, but the CedentePrestatore's IdPaese is ${country}`,
        );
    },
  },
  {
    code: '00474',
    description: 'For 2.1.1.1 TipoDocumento TD21 no line may have a zero 2.2.1.12 AliquotaIVA',
    scope: 'body',
    check(body, _invoice, report) {
      if (body.type !== 'TD21') return;
      for (const line of body.lines) {
        const rateEl = child(line, 'AliquotaIVA');
        const rate = decimal(rateEl);
        if (rate !== undefined && isZero(rate))
          report(
            rateEl!,
            `${lineName(line)} has AliquotaIVA ${text(rateEl)}, not allowed in a TD21 self-invoice`,
          );
      }
    },
  },
  {
    code: '00475',
    description:
      'For this 2.1.1.1 TipoDocumento (TD16–TD20, TD22, TD23, TD28) the 1.4.1.1 IdFiscaleIVA of the CessionarioCommittente is required',
    scope: 'body',
    check(body, invoice, report) {
      if (body.type === undefined || !BUYER_VAT_ID.has(body.type)) return;
      if (!child(buyer(invoice), 'IdFiscaleIVA'))
        report(
          typeElement(body),
          `TipoDocumento ${body.type} requires the IdFiscaleIVA of the CessionarioCommittente, which has none`,
        );
    },
  },
  {
    code: '00476',
    description:
      '1.2.1.1.1 IdPaese and 1.4.1.1.1 IdPaese cannot both be other than IT (an invoice needs an Italian party)',
    scope: 'header',
    check(invoice, report) {
      const sellerCountry = text(child(seller(invoice), 'IdFiscaleIVA', 'IdPaese'));
      const buyerCountryEl = child(buyer(invoice), 'IdFiscaleIVA', 'IdPaese');
      const buyerCountry = text(buyerCountryEl);
      if (
        sellerCountry !== undefined &&
        buyerCountry !== undefined &&
        sellerCountry !== 'IT' &&
        buyerCountry !== 'IT'
      )
        report(
          buyerCountryEl!,
          `Neither party is Italian: the CedentePrestatore's IdPaese is ${sellerCountry} and the CessionarioCommittente's ${buyerCountry}`,
        );
    },
  },
];

/** The codes this module checks, with what each means, for documentation. */
export const SDI_CHECKS: ReadonlyArray<{ readonly code: string; readonly description: string }> = CHECKS.map(
  ({ code, description }) => ({ code, description }),
);

/** Today's date in Italy, where SDI receives the file. */
function italianToday(): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Rome',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

function bodyOf(el: XmlTreeElement, index: number): Body {
  const document = child(el, 'DatiGenerali', 'DatiGeneraliDocumento');
  const goods = child(el, 'DatiBeniServizi');
  const date = text(child(document, 'Data'));
  return {
    index,
    el,
    document,
    type: text(child(document, 'TipoDocumento')),
    date: date !== undefined && DATE.test(date) ? date : undefined,
    lines: kids(goods, 'DettaglioLinee'),
    summaries: kids(goods, 'DatiRiepilogo'),
    funds: kids(document, 'DatiCassaPrevidenziale'),
  };
}

/**
 * The findings of the SDI content checks on a FatturaPA 1.2.x invoice ([] when it passes them all), in
 * document order. The XML is parsed safely (a DTD is refused); a document that is not a FatturaPA 1.2
 * `FatturaElettronica` is refused (`sdi.not-fatturapa`). The checks read what the document has: an element
 * the schema requires but the document lacks is the schema's finding, not theirs.
 */
export function checkSdiContent(xml: string, options: SdiCheckOptions = {}): SdiFinding[] {
  const today = options.today ?? italianToday();
  if (!DATE.test(today)) throw new RangeError(`today must be a date as YYYY-MM-DD, not "${today}"`);
  const root = parseXmlTree(xml);
  if (root.localName !== 'FatturaElettronica' || root.namespaceURI !== FATTURAPA_NAMESPACE) {
    throw invalidInput(
      'sdi.not-fatturapa',
      `Not a FatturaPA 1.2 invoice: the root element is {${root.namespaceURI ?? ''}}${root.localName}`,
    );
  }
  const invoice: Invoice = { root, header: child(root, 'FatturaElettronicaHeader'), today };
  const bodies = kids(root, 'FatturaElettronicaBody').map((el, i) => bodyOf(el, i + 1));
  const found: Array<{ finding: SdiFinding; at: XmlTreeElement; order: number }> = [];
  const note = (code: string, at: XmlTreeElement, message: string, body?: number) => {
    const finding: SdiFinding = { code, message, location: { xpath: xpathOf(at), line: at.line } };
    if (body !== undefined) finding.body = body;
    found.push({ finding, at, order: found.length });
  };
  for (const check of CHECKS) {
    if (check.scope === 'header') check.check(invoice, (at, message) => note(check.code, at, message));
    else
      for (const body of bodies)
        check.check(body, invoice, (at, message) => note(check.code, at, message, body.index));
  }
  // document order; on one element, in the order of the list (by code)
  return found
    .sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column || a.order - b.order)
    .map(({ finding }) => finding);
}

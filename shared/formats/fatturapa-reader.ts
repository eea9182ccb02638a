import { invalidInput } from '../errors';
import type { CanonicalInvoice } from '../model/invoice';
import { exact, exactCompare, exactText } from '../model/exact-decimal';
import { dec, format, round } from '../util/decimal';
import { parseXmlTree, type XmlTreeElement } from '../xml/xml-tree';
import { xpathOf } from '../xml/xpath-of';
import type { ReadDocument, SourceLocation } from './format';
import { FATTURAPA_CODES, FATTURAPA_NS } from './fatturapa-codes';

/**
 * FatturaPA 1.2.x read into the canonical model: each body of a file (a lot has several) is an invoice with the
 * file's header. EN 16931 terms come from the Italian codes by the tables of fatturapa-codes.ts (TipoDocumento →
 * type code, Natura → VAT category, ModalitaPagamento → payment means); an Italian code the EN 16931 term
 * cannot carry (N6.3 besides category AE, TD24 besides 380) is kept as an `it.*` extension, so that the
 * mapping writes the same file again. Elements it does not read are listed (`unread`), never dropped silently.
 */

type Obj = Record<string, unknown>;

const BODY = 'FatturaElettronicaBody';

/** Reads the elements of one invoice, noting which it took. */
class Reader {
  private readonly taken = new Set<XmlTreeElement>();
  /** Taken with everything in it. */
  private readonly whole = new Set<XmlTreeElement>();

  child(el: XmlTreeElement | undefined, name: string): XmlTreeElement | undefined {
    if (!el) return undefined;
    for (const c of el.children) if (c.localName === name && c.namespaceURI === null) return this.take(c);
    return undefined;
  }

  all(el: XmlTreeElement | undefined, name: string): XmlTreeElement[] {
    if (!el) return [];
    return el.children
      .filter((c) => c.localName === name && c.namespaceURI === null)
      .map((c) => this.take(c));
  }

  /** The trimmed text of the child `path` (`Anagrafica/Denominazione`), if any. */
  text(el: XmlTreeElement | undefined, path: string): string | undefined {
    let at = el;
    for (const name of path.split('/')) at = this.child(at, name);
    const text = at?.textContent.trim();
    return text === undefined || text === '' ? undefined : text;
  }

  take(el: XmlTreeElement): XmlTreeElement {
    this.taken.add(el);
    return el;
  }

  /** Takes the child `name` with everything in it (what is no term of the invoice). */
  skip(el: XmlTreeElement | undefined, name: string): void {
    const child = this.child(el, name);
    if (child) this.whole.add(child);
  }

  /** The elements under `root` neither taken nor inside one taken whole (a text element), by XPath. */
  unread(root: XmlTreeElement, skip: (el: XmlTreeElement) => boolean): string[] {
    const out: string[] = [];
    const walk = (el: XmlTreeElement): void => {
      for (const c of el.children) {
        if (skip(c)) continue;
        if (!this.taken.has(c)) out.push(xpathOf(c));
        else if (!this.whole.has(c)) walk(c);
      }
    };
    walk(root);
    return out;
  }
}

/** A decimal of the document, checked, in the canonical model's normal form (`22.00` is `22`). */
function decimal(text: string | undefined, where: string): string | undefined {
  if (text === undefined) return undefined;
  const value = exact(text);
  if (value === undefined)
    throw invalidInput('convert.invalid-value', `${where}: "${text}" is not a decimal`);
  return exactText(value);
}

function set(target: Obj, key: string, value: unknown): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return;
  if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as Obj).length === 0) return;
  target[key] = value;
}

function extensions(target: Obj, values: Record<string, string | undefined>): void {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) kept[`it.${key}`] = value;
  if (Object.keys(kept).length > 0) target.extensions = { ...(target.extensions ?? {}), ...kept };
}

function party(r: Reader, el: XmlTreeElement | undefined): { party: Obj; codiceFiscale?: string } {
  const anagrafici = r.child(el, 'DatiAnagrafici');
  const out: Obj = {};
  const anagrafica = r.child(anagrafici, 'Anagrafica');
  const denominazione = r.text(anagrafica, 'Denominazione');
  const nome = r.text(anagrafica, 'Nome');
  const cognome = r.text(anagrafica, 'Cognome');
  set(out, 'name', denominazione ?? [nome, cognome].filter(Boolean).join(' '));
  const idFiscale = r.child(anagrafici, 'IdFiscaleIVA');
  if (idFiscale)
    set(out, 'vatId', `${r.text(idFiscale, 'IdPaese') ?? ''}${r.text(idFiscale, 'IdCodice') ?? ''}`);
  const sede = r.child(el, 'Sede');
  if (sede) {
    const street = [r.text(sede, 'Indirizzo'), r.text(sede, 'NumeroCivico')].filter(Boolean).join(' ');
    const address: Obj = {};
    set(address, 'street', street);
    const country = r.text(sede, 'Nazione');
    const cap = r.text(sede, 'CAP');
    // A foreign address has CAP 00000 in FatturaPA: no postal code of the model
    set(address, 'postalCode', country !== 'IT' && cap === '00000' ? undefined : cap);
    set(address, 'city', r.text(sede, 'Comune'));
    set(address, 'subdivision', r.text(sede, 'Provincia'));
    set(address, 'country', country);
    out.address = address;
  }
  const codiceFiscale = r.text(anagrafici, 'CodiceFiscale');
  return { party: out, ...(codiceFiscale ? { codiceFiscale } : {}) };
}

/** The EN 16931 VAT category of a Natura code (S without one), and the Natura kept when the category's own differs. */
function category(natura: string | undefined): { category: string; natura?: string } {
  if (natura === undefined) return { category: 'S' };
  const known =
    FATTURAPA_CODES.categoryOfNatura[natura] ?? FATTURAPA_CODES.categoryOfNatura[natura.slice(0, 2)];
  const cat = known ?? 'O';
  return FATTURAPA_CODES.naturaOfCategory[cat] === natura ? { category: cat } : { category: cat, natura };
}

function readBody(r: Reader, header: XmlTreeElement, body: XmlTreeElement): Obj {
  const invoice: Obj = {};
  const trasmissione = r.child(header, 'DatiTrasmissione');
  // The transmission's own data (who sends, the file's number, the format) are no terms of the invoice
  for (const name of ['IdTrasmittente', 'ProgressivoInvio', 'FormatoTrasmissione', 'ContattiTrasmittente'])
    r.skip(trasmissione, name);
  const generali = r.child(body, 'DatiGenerali');
  const documento = r.child(generali, 'DatiGeneraliDocumento');
  set(invoice, 'id', r.text(documento, 'Numero'));
  set(invoice, 'issueDate', r.text(documento, 'Data'));
  const tipo = r.text(documento, 'TipoDocumento');
  const typeCode = (tipo && FATTURAPA_CODES.typeCodeOfTipo[tipo]) ?? '380';
  set(invoice, 'typeCode', typeCode);
  set(invoice, 'currency', r.text(documento, 'Divisa'));
  const ext: Record<string, string | undefined> = {};
  if (tipo !== undefined && FATTURAPA_CODES.tipoOfTypeCode[typeCode] !== tipo) ext.tipoDocumento = tipo;

  const ritenute = r.all(documento, 'DatiRitenuta');
  const ritenuta = ritenute[0];
  if (ritenuta) {
    ext.tipoRitenuta = r.text(ritenuta, 'TipoRitenuta');
    ext.importoRitenuta = r.text(ritenuta, 'ImportoRitenuta');
    ext.aliquotaRitenuta = r.text(ritenuta, 'AliquotaRitenuta');
    ext.causalePagamento = r.text(ritenuta, 'CausalePagamento');
  }
  const bollo = r.child(documento, 'DatiBollo');
  if (bollo) {
    ext.bolloVirtuale = r.text(bollo, 'BolloVirtuale');
    ext.importoBollo = r.text(bollo, 'ImportoBollo');
  }
  const cassa = r.child(documento, 'DatiCassaPrevidenziale');
  if (cassa) {
    ext.tipoCassa = r.text(cassa, 'TipoCassa');
    ext.alCassa = r.text(cassa, 'AlCassa');
    ext.importoContributoCassa = r.text(cassa, 'ImportoContributoCassa');
    ext.imponibileCassa = r.text(cassa, 'ImponibileCassa');
    ext.aliquotaIVACassa = r.text(cassa, 'AliquotaIVA');
    ext.ritenutaCassa = r.text(cassa, 'Ritenuta');
    ext.naturaCassa = r.text(cassa, 'Natura');
  }
  const notes = r.all(documento, 'Causale').map((c) => ({ text: c.textContent.trim() }));
  set(invoice, 'notes', notes);
  const totale = r.text(documento, 'ImportoTotaleDocumento');
  const arrotondamento = r.text(documento, 'Arrotondamento');

  const ordine = r.all(generali, 'DatiOrdineAcquisto')[0];
  if (ordine) {
    set(invoice, 'orderReference', r.text(ordine, 'IdDocumento'));
    ext.codiceCUP = r.text(ordine, 'CodiceCUP');
    ext.codiceCIG = r.text(ordine, 'CodiceCIG');
  }
  set(invoice, 'contractReference', r.text(r.all(generali, 'DatiContratto')[0], 'IdDocumento'));
  set(
    invoice,
    'precedingInvoices',
    r.all(generali, 'DatiFattureCollegate').map((f) => {
      const preceding: Obj = {};
      set(preceding, 'id', r.text(f, 'IdDocumento'));
      set(preceding, 'issueDate', r.text(f, 'Data'));
      return preceding;
    }),
  );

  const cedente = r.child(header, 'CedentePrestatore');
  const seller = party(r, cedente);
  if (seller.codiceFiscale) seller.party.taxRegistrationId = seller.codiceFiscale;
  const contatti = r.child(cedente, 'Contatti');
  if (contatti) {
    const contact: Obj = {};
    set(contact, 'phone', r.text(contatti, 'Telefono'));
    set(contact, 'email', r.text(contatti, 'Email'));
    set(seller.party, 'contact', contact);
  }
  invoice.seller = seller.party;
  ext.regimeFiscale = r.text(r.child(cedente, 'DatiAnagrafici'), 'RegimeFiscale');

  const buyer = party(r, r.child(header, 'CessionarioCommittente'));
  if (buyer.codiceFiscale) {
    const country = (buyer.party.address as Obj | undefined)?.country;
    if (buyer.party.vatId === undefined && country === 'IT')
      buyer.party.legalRegistration = { id: buyer.codiceFiscale };
    else ext.codiceFiscaleCessionario = buyer.codiceFiscale;
  }
  const destinatario = r.text(trasmissione, 'CodiceDestinatario');
  const pec = r.text(trasmissione, 'PECDestinatario');
  if (destinatario && /^[A-Z0-9]{6}$/.test(destinatario))
    buyer.party.endpoint = { scheme: '0201', id: destinatario };
  else if (destinatario && /^[A-Z0-9]{7}$/.test(destinatario) && !/^(0000000|XXXXXXX)$/.test(destinatario))
    buyer.party.endpoint = { scheme: '0205', id: destinatario };
  else if (pec) buyer.party.endpoint = { scheme: 'EM', id: pec };
  if (pec && (buyer.party.endpoint as Obj | undefined)?.scheme !== 'EM') ext.pecDestinatario = pec;
  invoice.buyer = buyer.party;

  const beni = r.child(body, 'DatiBeniServizi');
  const allowances: Obj[] = [];
  const charges: Obj[] = [];
  const lines: Obj[] = [];
  r.all(beni, 'DettaglioLinee').forEach((el, i) => {
    const where = `${BODY}/DatiBeniServizi/DettaglioLinee[${i + 1}]`;
    // A document-level allowance (SC) or charge (AC) of EN 16931, written as a line of its own
    const kind = r.text(el, 'TipoCessionePrestazione');
    const adjustment = documentAdjustment(r, el, kind, where);
    if (adjustment) {
      (kind === 'SC' ? allowances : charges).push(adjustment);
      return;
    }
    const line: Obj = {};
    set(line, 'id', r.text(el, 'NumeroLinea'));
    const unit = r.text(el, 'UnitaMisura');
    set(line, 'quantity', decimal(r.text(el, 'Quantita'), `${where}/Quantita`) ?? '1');
    const lineExt: Record<string, string | undefined> = {};
    if (unit !== undefined && FATTURAPA_CODES.isUnitCode(unit)) line.unitCode = unit;
    else {
      line.unitCode = FATTURAPA_CODES.unitCodeOf(unit);
      lineExt.unitaMisura = unit;
    }
    const period: Obj = {};
    set(period, 'start', r.text(el, 'DataInizioPeriodo'));
    set(period, 'end', r.text(el, 'DataFinePeriodo'));
    set(line, 'period', period);
    set(line, 'price', { net: decimal(r.text(el, 'PrezzoUnitario'), `${where}/PrezzoUnitario`) });
    set(line, 'netAmount', decimal(r.text(el, 'PrezzoTotale'), `${where}/PrezzoTotale`));
    const natura = r.text(el, 'Natura');
    const cat = category(natura);
    const vat: Obj = { category: cat.category };
    set(vat, 'rate', decimal(r.text(el, 'AliquotaIVA'), `${where}/AliquotaIVA`));
    line.vat = vat;
    lineExt.natura = cat.natura;
    lineExt.ritenuta = r.text(el, 'Ritenuta');
    const item: Obj = {};
    set(item, 'name', r.text(el, 'Descrizione'));
    for (const code of r.all(el, 'CodiceArticolo')) {
      const kind = r.text(code, 'CodiceTipo');
      const value = r.text(code, 'CodiceValore');
      if (kind === FATTURAPA_CODES.buyerItemCode) set(item, 'buyerId', value);
      else if (item.sellerId === undefined) set(item, 'sellerId', value);
    }
    line.item = item;
    set(line, 'accountingReference', r.text(el, 'RiferimentoAmministrazione'));
    // EN 16931 terms FatturaPA has no place for, as the mapping writes them (TipoDato: the term's id)
    for (const other of el.children.filter((c) => c.localName === 'AltriDatiGestionali')) {
      const tipo = other.children.find((c) => c.localName === 'TipoDato')?.textContent.trim();
      const delivery = (invoice.delivery ?? {}) as Obj;
      if (tipo === 'BT-72' && delivery.date === undefined) {
        r.take(other);
        set(delivery, 'date', r.text(other, 'RiferimentoData'));
        r.skip(other, 'TipoDato');
      } else if (tipo === 'BT-80' && (delivery.address as Obj | undefined)?.country === undefined) {
        r.take(other);
        delivery.address = {
          ...(delivery.address ?? {}),
          country: r.text(other, 'RiferimentoTesto'),
        };
        r.skip(other, 'TipoDato');
      }
      set(invoice, 'delivery', delivery);
    }
    extensions(line, lineExt);
    lines.push(line);
  });
  invoice.lines = lines;
  set(invoice, 'allowances', allowances);
  set(invoice, 'charges', charges);

  const breakdown = r.all(beni, 'DatiRiepilogo').map((el, i) => {
    const where = `${BODY}/DatiBeniServizi/DatiRiepilogo[${i + 1}]`;
    const entry: Obj = {};
    const cat = category(r.text(el, 'Natura'));
    entry.category = cat.category;
    set(entry, 'rate', decimal(r.text(el, 'AliquotaIVA'), `${where}/AliquotaIVA`));
    set(entry, 'taxableAmount', decimal(r.text(el, 'ImponibileImporto'), `${where}/ImponibileImporto`));
    set(entry, 'taxAmount', decimal(r.text(el, 'Imposta'), `${where}/Imposta`));
    set(entry, 'exemptionReason', r.text(el, 'RiferimentoNormativo'));
    extensions(entry, { natura: cat.natura, esigibilitaIVA: r.text(el, 'EsigibilitaIVA') });
    return entry;
  });
  set(invoice, 'vatBreakdown', breakdown);

  const pagamento = r.all(body, 'DatiPagamento')[0];
  if (pagamento) {
    const condizioni = r.text(pagamento, 'CondizioniPagamento');
    if (condizioni !== 'TP02') ext.condizioniPagamento = condizioni;
    const dettaglio = r.all(pagamento, 'DettaglioPagamento')[0];
    const modalita = r.text(dettaglio, 'ModalitaPagamento');
    const meansCode = (modalita && FATTURAPA_CODES.meansCodeOfModalita[modalita]) ?? '1';
    if (modalita !== undefined && FATTURAPA_CODES.modalitaOfMeansCode[meansCode] !== modalita)
      ext.modalitaPagamento = modalita;
    const payment: Obj = { meansCode };
    const importo = r.text(dettaglio, 'ImportoPagamento');
    // What the buyer pays the seller: less than the total under split payment (kept to be written again)
    const [paid, total] = [importo && exact(importo), totale && exact(totale)];
    if (importo !== undefined && (!paid || !total || exactCompare(paid, total) !== 0))
      ext.importoPagamento = importo;
    const iban = r.text(dettaglio, 'IBAN');
    if (iban) {
      const transfer: Obj = { accountId: iban };
      set(transfer, 'serviceProviderId', r.text(dettaglio, 'BIC'));
      payment.creditTransfers = [transfer];
    }
    invoice.payment = payment;
    set(invoice, 'dueDate', r.text(dettaglio, 'DataScadenzaPagamento'));
  }

  set(
    invoice,
    'attachments',
    r.all(body, 'Allegati').map((a, i) => {
      const name = r.text(a, 'NomeAttachment') ?? `allegato-${i + 1}`;
      const attachment: Obj = { id: name };
      set(attachment, 'description', r.text(a, 'DescrizioneAttachment'));
      const formato = r.text(a, 'FormatoAttachment');
      attachment.content = {
        base64: (r.child(a, 'Attachment')?.textContent ?? '').replace(/\s+/g, ''),
        mimeCode: FATTURAPA_CODES.mimeOf(formato, name),
        filename: name,
      };
      return attachment;
    }),
  );

  const totals: Obj = { lineExtension: sum(lines.map((l) => l.netAmount)) };
  const allowanceTotal = sum(allowances.map((a) => a.amount));
  const chargeTotal = sum(charges.map((c) => c.amount));
  if (allowances.length > 0) totals.allowances = allowanceTotal;
  if (charges.length > 0) totals.charges = chargeTotal;
  const taxExclusive = sum([totals.lineExtension, chargeTotal, negated(allowanceTotal)]);
  totals.taxExclusive = taxExclusive;
  totals.vat = sum(breakdown.map((b) => b.taxAmount));
  const where = `${BODY}/DatiGenerali/DatiGeneraliDocumento`;
  // The document's total when it states one (BT-112), else what the summaries make
  const inclusive = decimal(totale, `${where}/ImportoTotaleDocumento`) ?? sum([taxExclusive, totals.vat]);
  totals.taxInclusive = inclusive;
  const rounding = decimal(arrotondamento, `${where}/Arrotondamento`);
  if (rounding !== undefined) totals.rounding = rounding;
  totals.payable = sum([inclusive, rounding ?? '0']);
  set(invoice, 'totals', totals);
  extensions(invoice, ext);
  return invoice;
}

/** The exact sum of decimal texts (absent ones count nothing), with two decimals. */
function sum(values: unknown[]): string {
  let total = 0n;
  for (const value of values) if (typeof value === 'string') total += dec(value);
  return format(round(total, 2), 2);
}

function negated(text: string): string {
  return format(-dec(text), 2);
}

/** A line of SC (allowance) or AC (charge) as EN 16931's document-level allowance or charge, else undefined. */
function documentAdjustment(
  r: Reader,
  el: XmlTreeElement,
  kind: string | undefined,
  where: string,
): Obj | undefined {
  if (kind !== 'SC' && kind !== 'AC') return undefined;
  const total = decimal(r.text(el, 'PrezzoTotale'), `${where}/PrezzoTotale`);
  if (total === undefined) return undefined;
  const amount = format(dec(total) < 0n ? -dec(total) : dec(total), 2);
  const adjustment: Obj = { amount };
  const natura = r.text(el, 'Natura');
  adjustment.vatCategory = category(natura).category;
  set(adjustment, 'vatRate', decimal(r.text(el, 'AliquotaIVA'), `${where}/AliquotaIVA`));
  set(adjustment, 'reason', r.text(el, 'Descrizione'));
  for (const name of ['NumeroLinea', 'PrezzoUnitario', 'Quantita', 'UnitaMisura']) r.skip(el, name);
  return adjustment;
}

function checkRoot(root: XmlTreeElement): void {
  if (root.localName !== 'FatturaElettronica' || root.namespaceURI !== FATTURAPA_NS) {
    throw invalidInput(
      'convert.unknown-document',
      `The document's root element {${root.namespaceURI ?? ''}}${root.localName} is not FatturaPA's {${FATTURAPA_NS}}FatturaElettronica`,
    );
  }
}

/** Reads a FatturaPA file of one body; a lot is split first ({@link splitFatturaPa}). */
export function readFatturaPa(content: string): ReadDocument {
  const root = parseXmlTree(content);
  checkRoot(root);
  const r = new Reader();
  const header = r.child(root, 'FatturaElettronicaHeader');
  const bodies = r.all(root, BODY);
  if (!header || bodies.length === 0)
    throw invalidInput(
      'convert.invalid-document',
      'A FatturaPA file has a FatturaElettronicaHeader and a body',
    );
  if (bodies.length > 1)
    throw invalidInput(
      'convert.lot',
      `The file is a lot of ${bodies.length} invoices: split it first (each body is a document)`,
    );
  const invoice = readBody(r, header, bodies[0]!);
  // The signature of a signed file is checked by the flow, not read into the invoice
  const unread = r.unread(root, (el) => el.localName === 'Signature');
  const body: SourceLocation = { xpath: xpathOf(bodies[0]!), line: bodies[0]!.line };
  return { invoice: invoice as unknown as CanonicalInvoice, unread, locate: () => body };
}

/**
 * The invoices of a FatturaPA file, each a file of its own with the lot's header: a file of one body as it
 * is. The bodies are cut from the text (their start and end tags), so each keeps its bytes.
 */
export function splitFatturaPa(content: string): string[] {
  const root = parseXmlTree(content);
  checkRoot(root);
  const bodies = root.children.filter((c) => c.localName === BODY);
  if (bodies.length <= 1) return [content];
  const pattern = /<FatturaElettronicaBody\b[^>]*>[\s\S]*?<\/FatturaElettronicaBody\s*>/g;
  const found = [...content.matchAll(pattern)];
  if (found.length !== bodies.length)
    throw invalidInput('convert.invalid-document', 'The bodies of the lot could not be told apart');
  const first = found[0]!.index;
  const last = found[found.length - 1]!;
  const before = content.slice(0, first);
  const after = content.slice(last.index + last[0].length);
  return found.map((m) => `${before}${m[0]}${after}`);
}

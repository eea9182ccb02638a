import { EInvoiceError } from '../../errors';
import { escapeXml } from '../../formats/xml-writer';
import type { XmlTreeElement } from '../../xml/xml-tree';
import {
  answerElement,
  childOf,
  childrenOf,
  NFE_NS,
  optionalText,
  parseSefazXml,
  pathOf,
  requiredText,
  sefazInvalid,
  sefazMalformed,
  withoutProlog,
  XMLDSIG_NS,
  type SefazXml,
} from './soap';
import { localDateTime, ufOfCode } from './ufs';

/**
 * The request and answer elements of the NF-e 4.00 web services (layouts of PL_009_V4: consStatServ,
 * enviNFe, consReciNFe, consSitNFe 4.00; envEvento, evento 1.00), and the authorised document `nfeProc`.
 * Requests are written in schema order with the NF-e namespace as the only, default namespace. Signed
 * documents (NFe, evento) are copied into a request as they are, byte for byte: their signatures cover
 * the canonical form of what they were, and any re-serialisation risks it. Answers are read with the safe
 * parser; the protocols in them (`protNFe`, `retEvento`, `procEventoNFe`) are kept as written, for the
 * authorised documents built from them.
 */

/** tpAmb: 1 produção, 2 homologação. */
export type TpAmb = '1' | '2';

const DIGITS = (n: number) => new RegExp(`^\\d{${n}}$`);
/**
 * An access key, and a CNPJ: digits, with letters A-Z in a CNPJ's first 12 places (the alphanumeric CNPJ of
 * NT 2025.001, as PL_010's TChNFe and TCnpj allow; PL_009's allow digits only).
 */
const CHAVE = /^[0-9]{6}[0-9A-Z]{12}[0-9]{26}$/;
const CNPJ = /^[0-9A-Z]{12}[0-9]{2}$/;
const RECIBO = DIGITS(15);
const PROTOCOLO = DIGITS(15);
const CSTAT = DIGITS(3);
const LOTE = /^\d{1,15}$/;
/** TString of the layouts: printable Latin-1, no white space at either end. */
const TSTRING = /^[!-\u00ff](?:[ -\u00ff]*[!-\u00ff])?$/;

/** The largest request the authorisers take (MOC: 500 KB; larger is rejected with cStat 214). */
export const MAX_REQUEST_BYTES = 500 * 1024;

/** Most NF-e in one lote (enviNFe) and most events in one envEvento, as the schemas allow. */
export const MAX_NFE_PER_LOTE = 50;
export const MAX_EVENTS_PER_LOTE = 20;

const tag = (name: string, value: string) => `<${name}>${escapeXml(value)}</${name}>`;

function need(ok: boolean, message: string, path: string): void {
  if (!ok) throw sefazInvalid(message, path);
}

function checkTpAmb(tpAmb: string): void {
  need(tpAmb === '1' || tpAmb === '2', `tpAmb "${tpAmb}" is not 1 (produção) or 2 (homologação)`, '/tpAmb');
}

// ---------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------

export interface ConsStatServRequest {
  tpAmb: TpAmb;
  /** IBGE code of the unit whose service is asked about (`43`). */
  cUF: string;
}

/**
 * `consStatServ` 4.00: the state of the authoriser's services (NFeStatusServico4).
 * Throws `sefaz.invalid-request` for a tpAmb or cUF the layout does not allow.
 */
export function buildConsStatServ(request: ConsStatServRequest): string {
  checkTpAmb(request.tpAmb);
  need(ufOfCode(request.cUF) !== undefined, `cUF "${request.cUF}" is not the IBGE code of a unit`, '/cUF');
  return (
    `<consStatServ xmlns="${NFE_NS}" versao="4.00">${tag('tpAmb', request.tpAmb)}${tag('cUF', request.cUF)}` +
    `<xServ>STATUS</xServ></consStatServ>`
  );
}

export interface EnviNFeRequest {
  /** The lote's number, 1 to 15 digits, chosen by the sender. */
  idLote: string;
  /** 1: answer synchronously with the protocol (one NF-e only); 0: answer with a receipt (nRec). */
  indSinc: '0' | '1';
  /** The signed NFe documents, as signed (an XML declaration before the element is dropped, nothing else). */
  nfe: readonly string[];
}

/** The element of a signed document: one `local` of the NF-e namespace with an enveloped ds:Signature. */
function signedElement(xml: string, local: string, what: string): string {
  const element = withoutProlog(xml);
  const { root } = parseSefazXml(element, what, 'sefaz.invalid-request');
  need(
    root.localName === local && root.namespaceURI === NFE_NS,
    `${what} is ${root.nodeName} in ${root.namespaceURI ?? 'no namespace'}, not ${local} in ${NFE_NS}`,
    '/',
  );
  need(childOf(root, 'Signature', XMLDSIG_NS) !== undefined, `${what} is not signed (no ds:Signature)`, '/');
  return element;
}

function checkSize(xml: string, what: string): string {
  const bytes = Buffer.byteLength(xml, 'utf8');
  need(
    bytes <= MAX_REQUEST_BYTES,
    `${what} is ${bytes} bytes, over the ${MAX_REQUEST_BYTES} the authorisers take`,
    '/',
  );
  return xml;
}

/**
 * `enviNFe` 4.00: a lote of signed NF-e for authorisation (NFeAutorizacao4). Each NFe is copied byte for
 * byte. Refused (`sefaz.invalid-request`): no NFe or more than 50, `indSinc` 1 with more than one NFe (the
 * authorisers reject it, cStat 764), an NFe that is not a signed NFe of the NF-e namespace, a lote over 500 KB.
 */
export function buildEnviNFe(request: EnviNFeRequest): string {
  need(LOTE.test(request.idLote), `idLote "${request.idLote}" is not 1 to 15 digits`, '/idLote');
  need(
    request.indSinc === '0' || request.indSinc === '1',
    `indSinc "${request.indSinc}" is not 0 or 1`,
    '/indSinc',
  );
  const count = request.nfe.length;
  need(
    count >= 1 && count <= MAX_NFE_PER_LOTE,
    `A lote holds 1 to ${MAX_NFE_PER_LOTE} NFe, not ${count}`,
    '/nfe',
  );
  need(
    request.indSinc === '0' || count === 1,
    'A synchronous lote (indSinc 1) holds one NFe only',
    '/indSinc',
  );
  const documents = request.nfe.map((xml, i) => signedElement(xml, 'NFe', `NFe ${i + 1} of the lote`));
  return checkSize(
    `<enviNFe xmlns="${NFE_NS}" versao="4.00">${tag('idLote', request.idLote)}${tag('indSinc', request.indSinc)}` +
      `${documents.join('')}</enviNFe>`,
    'The lote',
  );
}

export interface ConsReciNFeRequest {
  tpAmb: TpAmb;
  /** The receipt of the lote (15 digits), from retEnviNFe's infRec. */
  nRec: string;
}

/** `consReciNFe` 4.00: the result of an asynchronous lote (NFeRetAutorizacao4). */
export function buildConsReciNFe(request: ConsReciNFeRequest): string {
  checkTpAmb(request.tpAmb);
  need(RECIBO.test(request.nRec), `nRec "${request.nRec}" is not 15 digits`, '/nRec');
  return `<consReciNFe xmlns="${NFE_NS}" versao="4.00">${tag('tpAmb', request.tpAmb)}${tag('nRec', request.nRec)}</consReciNFe>`;
}

export interface ConsSitNFeRequest {
  tpAmb: TpAmb;
  /** The access key (44 digits). */
  chNFe: string;
}

/** `consSitNFe` 4.00: the state of an NF-e by its key, with its protocol and events (NFeConsultaProtocolo4). */
export function buildConsSitNFe(request: ConsSitNFeRequest): string {
  checkTpAmb(request.tpAmb);
  checkChave(request.chNFe);
  return (
    `<consSitNFe xmlns="${NFE_NS}" versao="4.00">${tag('tpAmb', request.tpAmb)}<xServ>CONSULTAR</xServ>` +
    `${tag('chNFe', request.chNFe)}</consSitNFe>`
  );
}

/**
 * Refuses a key that is not of the layout's form. The check digit is not required: the authoriser answers a
 * wrong one with its own rejection (236), and keys are made by whoever issued the NF-e (`formats/nfe-key`
 * composes and checks them).
 */
function checkChave(chNFe: string, path = '/chNFe'): void {
  need(CHAVE.test(chNFe), `chNFe "${chNFe}" is not an access key of 44 characters`, path);
}

// ---------------------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------------------

/** The fixed condition of use every CC-e carries (leiauteCCe_v1.00.xsd, the form without accents). */
export const CCE_CONDICAO_DE_USO =
  'A Carta de Correcao e disciplinada pelo paragrafo 1o-A do art. 7o do Convenio S/N, de 15 de dezembro de ' +
  '1970 e pode ser utilizada para regularizacao de erro ocorrido na emissao de documento fiscal, desde que ' +
  'o erro nao esteja relacionado com: I - as variaveis que determinam o valor do imposto tais como: base de ' +
  'calculo, aliquota, diferenca de preco, quantidade, valor da operacao ou da prestacao; II - a correcao de ' +
  'dados cadastrais que implique mudanca do remetente ou do destinatario; III - a data de emissao ou de saida.';

/** The events built here: 110111 cancelamento, 110110 carta de correção. */
export const EVENT_TYPES = {
  '110111': { descEvento: 'Cancelamento' },
  '110110': { descEvento: 'Carta de Correcao' },
} as const;

interface EventBase {
  tpAmb: TpAmb;
  /** The NF-e's access key. */
  chNFe: string;
  /** The author: the issuer's CNPJ (14 characters; letters in the first 12 from July 2026) or CPF (11 digits). */
  author: { cnpj: string } | { cpf: string };
  /** When the event happened; written in the time zone of the key's unit. */
  dhEvento: Date;
  /** The event's sequence for this NF-e and type, 1 to 20; default 1 (a cancellation has only 1). */
  nSeqEvento?: number;
  /** The receiving organ (IBGE code); default the key's unit, which authorises both events. */
  cOrgao?: string;
}

export interface CancelamentoEvent extends EventBase {
  tpEvento: '110111';
  /** The authorisation protocol of the NF-e (15 digits). */
  nProt: string;
  /** Why, 15 to 255 characters. */
  xJust: string;
}

export interface CartaCorrecaoEvent extends EventBase {
  tpEvento: '110110';
  /** The correction, 15 to 1000 characters. */
  xCorrecao: string;
}

export type SefazEvent = CancelamentoEvent | CartaCorrecaoEvent;

/** The Id of an event: "ID" + tpEvento + chNFe + nSeqEvento in two digits (cStat 572 otherwise). */
export function eventoId(tpEvento: string, chNFe: string, nSeqEvento: number): string {
  return `ID${tpEvento}${chNFe}${String(nSeqEvento).padStart(2, '0')}`;
}

function checkText(value: string, name: string, min: number, max: number): void {
  need(
    value.length >= min && value.length <= max,
    `${name} has ${value.length} characters, not ${min} to ${max}`,
    `/${name}`,
  );
  need(
    TSTRING.test(value),
    `${name} has white space at an end, a line break or a character outside Latin-1`,
    `/${name}`,
  );
}

/**
 * The unsigned `evento` 1.00 of a cancelamento (110111) or carta de correção (110110): Id = "ID" + tpEvento +
 * chNFe + nSeqEvento (two digits), dhEvento in the unit's time zone, detEvento 1.00 with its descEvento (and,
 * for the CC-e, the fixed xCondUso). Sign it on `infEvento` by its Id (an enveloped signature as the last
 * child of `evento`), then send it with `buildEnvEvento`. Throws `sefaz.invalid-request` for what the
 * layout does not allow: a bad key, author, protocol, sequence or text length.
 */
export function buildEvento(event: SefazEvent): { id: string; xml: string } {
  checkTpAmb(event.tpAmb);
  checkChave(event.chNFe);
  // the key's unit: the default cOrgao, and the time zone dhEvento is written in
  const uf = ufOfCode(event.chNFe.slice(0, 2));
  if (!uf) throw sefazInvalid(`chNFe ${event.chNFe} starts with no unit's code`, '/chNFe');
  const type = EVENT_TYPES[event.tpEvento];
  need(type !== undefined, `tpEvento "${String(event.tpEvento)}" is not 110111 or 110110`, '/tpEvento');
  const nSeqEvento = event.nSeqEvento ?? 1;
  need(
    Number.isInteger(nSeqEvento) && nSeqEvento >= 1 && nSeqEvento <= 20,
    `nSeqEvento ${nSeqEvento} is not 1 to 20`,
    '/nSeqEvento',
  );
  const cOrgao = event.cOrgao ?? event.chNFe.slice(0, 2);
  need(ufOfCode(cOrgao) !== undefined, `cOrgao "${cOrgao}" is not the IBGE code of a unit`, '/cOrgao');
  let author: string;
  if ('cnpj' in event.author) {
    need(CNPJ.test(event.author.cnpj), `CNPJ "${event.author.cnpj}" is not 14 characters of a CNPJ`, '/CNPJ');
    author = tag('CNPJ', event.author.cnpj);
  } else {
    need(DIGITS(11).test(event.author.cpf), `CPF "${event.author.cpf}" is not 11 digits`, '/CPF');
    author = tag('CPF', event.author.cpf);
  }
  if (Number.isNaN(event.dhEvento.getTime())) throw sefazInvalid('dhEvento is not a valid date', '/dhEvento');
  let detail: string;
  if (event.tpEvento === '110111') {
    need(PROTOCOLO.test(event.nProt), `nProt "${event.nProt}" is not 15 digits`, '/nProt');
    checkText(event.xJust, 'xJust', 15, 255);
    detail = `${tag('nProt', event.nProt)}${tag('xJust', event.xJust)}`;
  } else {
    checkText(event.xCorrecao, 'xCorrecao', 15, 1000);
    detail = `${tag('xCorrecao', event.xCorrecao)}${tag('xCondUso', CCE_CONDICAO_DE_USO)}`;
  }
  const id = eventoId(event.tpEvento, event.chNFe, nSeqEvento);
  const xml =
    `<evento xmlns="${NFE_NS}" versao="1.00"><infEvento Id="${id}">${tag('cOrgao', cOrgao)}` +
    `${tag('tpAmb', event.tpAmb)}${author}${tag('chNFe', event.chNFe)}` +
    `${tag('dhEvento', localDateTime(event.dhEvento, uf))}${tag('tpEvento', event.tpEvento)}` +
    `${tag('nSeqEvento', String(nSeqEvento))}<verEvento>1.00</verEvento>` +
    `<detEvento versao="1.00">${tag('descEvento', type.descEvento)}${detail}</detEvento></infEvento></evento>`;
  return { id, xml };
}

export interface EnvEventoRequest {
  /** The lote's number, 1 to 15 digits. */
  idLote: string;
  /** The signed `evento` elements, as signed. */
  eventos: readonly string[];
}

/**
 * `envEvento` 1.00: a lote of 1 to 20 signed events (NFeRecepcaoEvento4), each copied byte for byte.
 * Refused (`sefaz.invalid-request`): a bad idLote, no event or more than 20, an element that is not a
 * signed `evento`, a lote over 500 KB.
 */
export function buildEnvEvento(request: EnvEventoRequest): string {
  need(LOTE.test(request.idLote), `idLote "${request.idLote}" is not 1 to 15 digits`, '/idLote');
  const count = request.eventos.length;
  need(
    count >= 1 && count <= MAX_EVENTS_PER_LOTE,
    `A lote holds 1 to ${MAX_EVENTS_PER_LOTE} events, not ${count}`,
    '/eventos',
  );
  const eventos = request.eventos.map((xml, i) => signedElement(xml, 'evento', `Event ${i + 1} of the lote`));
  return checkSize(
    `<envEvento xmlns="${NFE_NS}" versao="1.00">${tag('idLote', request.idLote)}${eventos.join('')}</envEvento>`,
    'The lote',
  );
}

// ---------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------

/** The fields every answer has. */
export interface SefazResult {
  /** The layout version of the answer (`4.00`; `1.00` for events). */
  versao: string;
  tpAmb: string;
  verAplic: string;
  cStat: string;
  xMotivo: string;
}

/** `protNFe`: the authoriser's protocol of one NF-e. */
export interface ProtNFe {
  /** The element as the authoriser wrote it: what goes into `nfeProc`. */
  xml: string;
  versao: string;
  tpAmb: string;
  verAplic: string;
  chNFe: string;
  dhRecbto: string;
  /** The protocol number (absent in a rejection). */
  nProt?: string;
  /** The digest of the NF-e's signature as the authoriser computed it. */
  digVal?: string;
  cStat: string;
  xMotivo: string;
  /** A message of the unit to the issuer. */
  cMsg?: string;
  xMsg?: string;
}

export interface RetConsStatServ extends SefazResult {
  cUF: string;
  dhRecbto: string;
  /** Average answer time of the last 5 minutes, in seconds. */
  tMed?: string;
  /** When the service is expected back (when stopped). */
  dhRetorno?: string;
  xObs?: string;
}

export interface RetEnviNFe extends SefazResult {
  cUF: string;
  dhRecbto: string;
  /** The receipt of an asynchronous lote (103), to ask for the result with. */
  nRec?: string;
  /** Average processing time, in seconds. */
  tMed?: string;
  /** The protocol of the NF-e of a synchronous lote (104). */
  protNFe?: ProtNFe;
}

export interface RetConsReciNFe extends SefazResult {
  nRec: string;
  cUF: string;
  dhRecbto: string;
  cMsg?: string;
  xMsg?: string;
  /** The protocol of each NF-e of the lote (104). */
  protNFe: ProtNFe[];
}

/** `retEvento`: the authoriser's answer to one event. */
export interface RetEvento extends SefazResult {
  /** The element as the authoriser wrote it: what goes into `procEventoNFe`. */
  xml: string;
  id?: string;
  cOrgao: string;
  chNFe?: string;
  tpEvento?: string;
  xEvento?: string;
  nSeqEvento?: string;
  dhRegEvento: string;
  /** The event's protocol number (when registered). */
  nProt?: string;
}

/** `procEventoNFe`: an event with its answer, as the authoriser keeps it. */
export interface ProcEventoNFe {
  xml: string;
  versao: string;
  /** The signed event as written. */
  evento: string;
  retEvento: RetEvento;
}

export interface RetConsSitNFe extends SefazResult {
  cUF: string;
  dhRecbto: string;
  chNFe: string;
  protNFe?: ProtNFe;
  /** The events of the NF-e (a cancellation, 101), each as written. */
  procEventoNFe: ProcEventoNFe[];
}

export interface RetEnvEvento extends SefazResult {
  idLote: string;
  cOrgao: string;
  /** The answer to each event (128). */
  retEvento: RetEvento[];
}

/** The answer element of `text` (a SOAP answer or the element on its own), refused when it is not `local`. */
function answerOf(text: string | Buffer, local: string): { doc: SefazXml; el: XmlTreeElement } {
  const { doc, element } = answerElement(text, `The ${local} answer`);
  if (element.localName !== local)
    throw new EInvoiceError(
      'sefaz.unexpected-answer',
      `Expected ${local}, the answer is ${element.localName}`,
      {
        status: 502,
        details: [
          {
            path: pathOf(element),
            message: `${element.localName} instead of ${local}`,
            location: { xpath: pathOf(element), line: element.line },
          },
        ],
      },
    );
  return { doc, el: element };
}

function versaoOf(el: XmlTreeElement): string {
  const versao = el.getAttribute('versao');
  if (!versao) throw sefazMalformed(`${el.localName} has no versao`, el, '@versao');
  return versao;
}

function base(el: XmlTreeElement): SefazResult {
  return {
    versao: versaoOf(el),
    tpAmb: requiredText(el, 'tpAmb', /^[12]$/),
    verAplic: requiredText(el, 'verAplic'),
    cStat: requiredText(el, 'cStat', CSTAT),
    xMotivo: requiredText(el, 'xMotivo'),
  };
}

/** The optional fields that are there, by name. */
function optionals<K extends string>(el: XmlTreeElement, names: readonly K[]): Partial<Record<K, string>> {
  const found: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = optionalText(el, name);
    if (value !== undefined) found[name] = value;
  }
  return found;
}

function readProtNFe(doc: SefazXml, el: XmlTreeElement): ProtNFe {
  const inf = childOf(el, 'infProt');
  if (!inf) throw sefazMalformed('protNFe has no infProt', el, 'infProt');
  return {
    xml: doc.textOf(el),
    versao: versaoOf(el),
    tpAmb: requiredText(inf, 'tpAmb', /^[12]$/),
    verAplic: requiredText(inf, 'verAplic'),
    chNFe: requiredText(inf, 'chNFe', CHAVE),
    dhRecbto: requiredText(inf, 'dhRecbto'),
    ...optionals(inf, ['nProt', 'digVal'] as const),
    cStat: requiredText(inf, 'cStat', CSTAT),
    xMotivo: requiredText(inf, 'xMotivo'),
    ...optionals(inf, ['cMsg', 'xMsg'] as const),
  };
}

function readRetEvento(doc: SefazXml, el: XmlTreeElement): RetEvento {
  const inf = childOf(el, 'infEvento');
  if (!inf) throw sefazMalformed('retEvento has no infEvento', el, 'infEvento');
  const id = inf.getAttribute('Id');
  return {
    xml: doc.textOf(el),
    ...(id ? { id } : {}),
    versao: versaoOf(el),
    tpAmb: requiredText(inf, 'tpAmb', /^[12]$/),
    verAplic: requiredText(inf, 'verAplic'),
    cOrgao: requiredText(inf, 'cOrgao', DIGITS(2)),
    cStat: requiredText(inf, 'cStat', CSTAT),
    xMotivo: requiredText(inf, 'xMotivo'),
    ...optionals(inf, ['chNFe', 'tpEvento', 'xEvento', 'nSeqEvento'] as const),
    dhRegEvento: requiredText(inf, 'dhRegEvento'),
    ...optionals(inf, ['nProt'] as const),
  };
}

/** Reads `retConsStatServ` (NFeStatusServico4): 107 in operation, 108 stopped briefly, 109 stopped. */
export function parseRetConsStatServ(text: string | Buffer): RetConsStatServ {
  const { el } = answerOf(text, 'retConsStatServ');
  return {
    ...base(el),
    cUF: requiredText(el, 'cUF', DIGITS(2)),
    dhRecbto: requiredText(el, 'dhRecbto'),
    ...optionals(el, ['tMed', 'dhRetorno', 'xObs'] as const),
  };
}

/**
 * Reads `retEnviNFe` (NFeAutorizacao4): 103 lote received (with infRec/nRec), 104 lote processed (with the
 * protNFe of a synchronous lote), or the lote's rejection. Throws `sefaz.soap-fault`, `sefaz.malformed` or
 * `sefaz.unexpected-answer`.
 */
export function parseRetEnviNFe(text: string | Buffer): RetEnviNFe {
  const { doc, el } = answerOf(text, 'retEnviNFe');
  const infRec = childOf(el, 'infRec');
  const prot = childOf(el, 'protNFe');
  const result: RetEnviNFe = {
    ...base(el),
    cUF: requiredText(el, 'cUF', DIGITS(2)),
    dhRecbto: requiredText(el, 'dhRecbto'),
  };
  if (infRec) {
    result.nRec = requiredText(infRec, 'nRec', RECIBO);
    const tMed = optionalText(infRec, 'tMed');
    if (tMed !== undefined) result.tMed = tMed;
  }
  if (prot) result.protNFe = readProtNFe(doc, prot);
  if (result.cStat === '103' && !result.nRec)
    throw sefazMalformed('retEnviNFe 103 has no infRec/nRec', el, 'infRec');
  return result;
}

/** Reads `retConsReciNFe` (NFeRetAutorizacao4): 104 with a protNFe per NF-e, 105 in processing, 106 unknown. */
export function parseRetConsReciNFe(text: string | Buffer): RetConsReciNFe {
  const { doc, el } = answerOf(text, 'retConsReciNFe');
  return {
    ...base(el),
    nRec: requiredText(el, 'nRec', RECIBO),
    cUF: requiredText(el, 'cUF', DIGITS(2)),
    dhRecbto: requiredText(el, 'dhRecbto'),
    ...optionals(el, ['cMsg', 'xMsg'] as const),
    protNFe: childrenOf(el, 'protNFe').map((p) => readProtNFe(doc, p)),
  };
}

/**
 * Reads `retConsSitNFe` (NFeConsultaProtocolo4): 100 (150) authorised with its protNFe, 101 (151, 155)
 * cancelled with the protNFe and the cancellation's procEventoNFe, 110 (301–303) denied, 217 unknown key.
 */
export function parseRetConsSitNFe(text: string | Buffer): RetConsSitNFe {
  const { doc, el } = answerOf(text, 'retConsSitNFe');
  const prot = childOf(el, 'protNFe');
  return {
    ...base(el),
    cUF: requiredText(el, 'cUF', DIGITS(2)),
    dhRecbto: requiredText(el, 'dhRecbto'),
    chNFe: requiredText(el, 'chNFe', CHAVE),
    ...(prot ? { protNFe: readProtNFe(doc, prot) } : {}),
    procEventoNFe: childrenOf(el, 'procEventoNFe').map((proc) => {
      const evento = childOf(proc, 'evento');
      const ret = childOf(proc, 'retEvento');
      if (!evento) throw sefazMalformed('procEventoNFe has no evento', proc, 'evento');
      if (!ret) throw sefazMalformed('procEventoNFe has no retEvento', proc, 'retEvento');
      return {
        xml: doc.textOf(proc),
        versao: versaoOf(proc),
        evento: doc.textOf(evento),
        retEvento: readRetEvento(doc, ret),
      };
    }),
  };
}

/**
 * Reads `retEnvEvento` (NFeRecepcaoEvento4): 128 lote processed with a retEvento per event (135 registered
 * and linked, 136 registered without link, 155 late cancellation, or the event's rejection), or the lote's
 * rejection.
 */
export function parseRetEnvEvento(text: string | Buffer): RetEnvEvento {
  const { doc, el } = answerOf(text, 'retEnvEvento');
  return {
    ...base(el),
    idLote: requiredText(el, 'idLote', LOTE),
    cOrgao: requiredText(el, 'cOrgao', DIGITS(2)),
    retEvento: childrenOf(el, 'retEvento').map((r) => readRetEvento(doc, r)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The authorised document
// ---------------------------------------------------------------------------------------------------------

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** The cStat of a protNFe that ends an NF-e's authorisation: 100, 150 authorised; 110, 301–303 denied. */
const PROCESSED: ReadonlySet<string> = new Set(['100', '150', '110', '301', '302', '303']);

function mismatch(message: string, path: string): EInvoiceError {
  return new EInvoiceError('sefaz.protocol-mismatch', message, { status: 422, details: [{ path, message }] });
}

/**
 * The authorised (or denied) NF-e as it is kept and given to the recipient: `nfeProc` 4.00 with the NFe and
 * its protNFe, both copied byte for byte. Refused: `sefaz.protocol-mismatch` when the protocol's chNFe is not
 * the NFe's key (infNFe/@Id without "NFe") or its digVal is not the NFe's signature digest (DigestValue), so
 * that no document is paired with another's protocol; `sefaz.not-authorised` when the protocol is neither
 * an authorisation nor a denial; `sefaz.invalid-request` when the NFe is no signed NFe.
 */
export function nfeProc(signedNFe: string, protNFe: string | { xml: string }): string {
  const nfe = withoutProlog(signedNFe);
  const prot = withoutProlog(typeof protNFe === 'string' ? protNFe : protNFe.xml);
  parseSefazXml(nfe, 'The NFe', 'sefaz.invalid-request');
  parseSefazXml(prot, 'The protNFe', 'sefaz.invalid-request');
  // Checked in place: an NFe or protNFe written without its own namespace declaration takes nfeProc's.
  const xml = `${XML_DECLARATION}<nfeProc versao="4.00" xmlns="${NFE_NS}">${nfe}${prot}</nfeProc>`;
  const { root } = parseSefazXml(xml, 'The nfeProc', 'sefaz.invalid-request');
  const [nfeEl, protEl, ...rest] = root.children;
  need(
    nfeEl?.localName === 'NFe' &&
      nfeEl.namespaceURI === NFE_NS &&
      protEl?.localName === 'protNFe' &&
      protEl.namespaceURI === NFE_NS &&
      rest.length === 0,
    'nfeProc takes one NFe and one protNFe of the NF-e namespace',
    '/',
  );
  const inf = childOf(nfeEl!, 'infNFe');
  const id = inf?.getAttribute('Id') ?? '';
  need(
    id.startsWith('NFe') && CHAVE.test(id.slice(3)),
    `The NFe's infNFe/@Id "${id}" is not "NFe" and a key`,
    '/NFe/infNFe/@Id',
  );
  const signature = childOf(nfeEl!, 'Signature', XMLDSIG_NS);
  const signedInfo = signature && childOf(signature, 'SignedInfo', XMLDSIG_NS);
  const reference = signedInfo && childOf(signedInfo, 'Reference', XMLDSIG_NS);
  const digest = reference && optionalText(reference, 'DigestValue', XMLDSIG_NS);
  if (digest === undefined) throw sefazInvalid('The NFe is not signed (no DigestValue)', '/NFe/Signature');
  const infProt = childOf(protEl!, 'infProt');
  if (!infProt) throw sefazInvalid('protNFe has no infProt', '/protNFe/infProt');
  const chNFe = optionalText(infProt, 'chNFe');
  const digVal = optionalText(infProt, 'digVal');
  const cStat = optionalText(infProt, 'cStat') ?? '';
  if (chNFe !== id.slice(3))
    throw mismatch(
      `protNFe is for ${chNFe ?? 'no key'}, the NFe is ${id.slice(3)}`,
      '/protNFe/infProt/chNFe',
    );
  if (digVal !== digest)
    throw mismatch(
      `protNFe's digVal ${digVal ?? '(none)'} is not the NFe's DigestValue ${digest}`,
      '/protNFe/infProt/digVal',
    );
  if (!PROCESSED.has(cStat))
    throw new EInvoiceError(
      'sefaz.not-authorised',
      `protNFe ${cStat}: ${optionalText(infProt, 'xMotivo') ?? ''}: neither authorises nor denies the NF-e`,
      { status: 422, details: [{ path: '/protNFe/infProt/cStat', message: `cStat ${cStat}` }] },
    );
  return xml;
}

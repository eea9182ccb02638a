import { randomUUID } from 'node:crypto';
import { EInvoiceError, isEInvoiceError, type ProblemDetail } from '../../errors';
import { parseXmlTree, type XmlTreeElement } from '../../xml/xml-tree';
import type { SdiMessageType } from './messages';

/**
 * The SOAP 1.1 messages of SDICoop, the web-service channel of Italy's Sistema di Interscambio, as its
 * WSDLs publish them: SdIRiceviFile_v1.0 (the transmitter sends a file to SDI), TrasmissioneFatture_v1.1 (SDI
 * pushes the notifications of a sent file to the transmitter; one-way operations) and RicezioneFatture_v1.0
 * (SDI delivers a file with its metadata to the recipient). Document/literal: the body's one element is in the
 * types namespace, its children are unqualified. Binary fields (`File`, `Metadati`) are base64, inline or as
 * MTOM/XOP attachments.
 */

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const XOP_NS = 'http://www.w3.org/2004/08/xop/include';
/** The types of SdIRiceviFile and TrasmissioneFatture. */
export const SDI_TRASMISSIONE_TYPES_NS = 'http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types';
/** The types of RicezioneFatture. */
export const SDI_RICEZIONE_TYPES_NS = 'http://www.fatturapa.gov.it/sdi/ws/ricezione/v1.0/types';

/** The one-way operations of TrasmissioneFatture, by which SDI notifies the transmitter. */
export type TrasmissioneOperation =
  | 'RicevutaConsegna'
  | 'NotificaMancataConsegna'
  | 'NotificaScarto'
  | 'NotificaEsito'
  | 'NotificaDecorrenzaTermini'
  | 'AttestazioneTrasmissioneFattura';

/** The SOAPAction of each operation, as the WSDLs bind them (host fatturapa.it, not fatturapa.gov.it). */
export const SDI_SOAP_ACTIONS = {
  RiceviFile: 'http://www.fatturapa.it/SdIRiceviFile/RiceviFile',
  RicevutaConsegna: 'http://www.fatturapa.it/TrasmissioneFatture/RicevutaConsegna',
  NotificaMancataConsegna: 'http://www.fatturapa.it/TrasmissioneFatture/NotificaMancataConsegna',
  NotificaScarto: 'http://www.fatturapa.it/TrasmissioneFatture/NotificaScarto',
  NotificaEsito: 'http://www.fatturapa.it/TrasmissioneFatture/NotificaEsito',
  NotificaDecorrenzaTermini: 'http://www.fatturapa.it/TrasmissioneFatture/NotificaDecorrenzaTermini',
  AttestazioneTrasmissioneFattura:
    'http://www.fatturapa.it/TrasmissioneFatture/AttestazioneTrasmissioneFattura',
  RiceviFatture: 'http://www.fatturapa.it/RicezioneFatture/RiceviFattureSdI',
  RicezioneNotificaDecorrenzaTermini: 'http://www.fatturapa.it/RicezioneFatture/NotificaDecorrenzaTermini',
} as const;

/** The TrasmissioneFatture operation that carries each notification to the transmitter. */
export const TRASMISSIONE_OPERATION_OF: Record<Exclude<SdiMessageType, 'MT'>, TrasmissioneOperation> = {
  RC: 'RicevutaConsegna',
  MC: 'NotificaMancataConsegna',
  NS: 'NotificaScarto',
  NE: 'NotificaEsito',
  DT: 'NotificaDecorrenzaTermini',
  AT: 'AttestazioneTrasmissioneFattura',
};

const TRASMISSIONE_OPERATIONS = Object.values(TRASMISSIONE_OPERATION_OF);

/** A message ready for HTTP: the body, its content type and (for requests) the SOAPAction header's value. */
export interface SoapMessage {
  contentType: string;
  soapAction?: string;
  body: string | Buffer;
}

/** `fileSdIAccoglienza`: the file a transmitter sends to SDI. */
export interface RiceviFileRequest {
  nomeFile: string;
  file: Buffer;
}

/** `rispostaSdIRiceviFile`: SDI's synchronous answer to RiceviFile. */
export interface RiceviFileResponse {
  identificativoSdI: string;
  dataOraRicezione: string;
  /** EI01 empty file, EI02 service unavailable, EI03 user not enabled; absent when the file was taken. */
  errore?: 'EI01' | 'EI02' | 'EI03';
}

/** `fileSdI`: a file with the identifier SDI gave it (a notification, or the file a notification is about). */
export interface FileSdI {
  identificativoSdI: string;
  nomeFile: string;
  file: Buffer;
}

/** `fileSdIConMetadati`: an invoice file SDI delivers to its recipient, with the metadata file. */
export interface FileSdIConMetadati extends FileSdI {
  nomeFileMetadati: string;
  metadati: Buffer;
}

export type RicezioneRequest =
  | ({ operation: 'RiceviFatture' } & FileSdIConMetadati)
  | ({ operation: 'NotificaDecorrenzaTermini' } & FileSdI);

export interface SoapOptions {
  /** Send the binary fields as MTOM/XOP attachments (multipart/related) rather than inline base64. */
  mtom?: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// XML reading and writing shared with the notification files (messages.ts)
// ---------------------------------------------------------------------------------------------------------

/** `&`, `<`, `>` and quotes as entities, for text and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** The element's path from the root, by local names (`/Envelope/Body/fileSdI/NomeFile`). */
export function pathOf(el: XmlTreeElement): string {
  const names: string[] = [];
  for (let node: XmlTreeElement | null = el; node; node = node.parentNode) names.unshift(node.localName);
  return `/${names.join('/')}`;
}

/** The refusal of an SDI message that is not what it should be: where (element and line) and what. */
export function sdiMalformed(message: string, at?: XmlTreeElement, child?: string): EInvoiceError {
  const xpath = at ? `${pathOf(at)}${child ? `/${child}` : ''}` : '/';
  const detail: ProblemDetail = { path: xpath, message };
  if (at) detail.location = { xpath, line: at.line };
  return new EInvoiceError('sdi.malformed', message, { status: 400, details: [detail] });
}

/** Parses an SDI message with the safe parser (no DTD, bounded size and depth); refusals as `sdi.malformed`. */
export function parseSdiXml(text: string, what: string): XmlTreeElement {
  try {
    return parseXmlTree(text);
  } catch (error) {
    if (!isEInvoiceError(error)) throw error;
    const first = error.details[0];
    throw new EInvoiceError('sdi.malformed', `${what}: ${first?.message ?? error.message}`, {
      status: 400,
      details: error.details.map((d) => ({ ...d, code: error.code })),
      cause: error,
    });
  }
}

/** The first element child with this local name (in whatever namespace: SDI's children are unqualified). */
export function childOf(el: XmlTreeElement, local: string): XmlTreeElement | undefined {
  return el.children.find((c) => c.localName === local);
}

/** The trimmed text of a required child, or the refusal naming it. */
export function requiredText(el: XmlTreeElement, local: string): string {
  const child = childOf(el, local);
  const text = child?.textContent.trim();
  if (!child || !text) throw sdiMalformed(`${el.localName} has no ${local}`, el, local);
  return text;
}

/** The trimmed text of an optional child. */
export function optionalText(el: XmlTreeElement, local: string): string | undefined {
  const text = childOf(el, local)?.textContent.trim();
  return text === undefined || text === '' ? undefined : text;
}

// ---------------------------------------------------------------------------------------------------------
// Envelopes, MTOM/XOP
// ---------------------------------------------------------------------------------------------------------

interface ParsedEnvelope {
  /** The element in the Body (for a fault, the Fault element). */
  payload: XmlTreeElement;
  attachments: ReadonlyMap<string, Buffer>;
}

const MAX_PARTS = 64;

/** A parameter of a header value (`boundary`, `start`), unquoted. */
function headerParameter(value: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(value);
  return match ? (match[1] ?? match[2]) : undefined;
}

function stripAngles(id: string): string {
  return id.trim().replace(/^<(.*)>$/, '$1');
}

/** The parts of a multipart/related body: the root part's text and the others by Content-ID. */
function splitMultipart(
  body: Buffer,
  contentType: string,
): { root: string; attachments: Map<string, Buffer> } {
  const boundary = headerParameter(contentType, 'boundary');
  if (!boundary) throw sdiMalformed('The multipart/related message has no boundary');
  const start = headerParameter(contentType, 'start');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: Record<string, string>; content: Buffer }> = [];
  let at = body.indexOf(delimiter);
  while (at !== -1 && parts.length <= MAX_PARTS) {
    let from = at + delimiter.length;
    if (body.subarray(from, from + 2).toString() === '--') break;
    from = body.indexOf('\n', from) + 1;
    if (from === 0) break;
    const next = body.indexOf(delimiter, from);
    if (next === -1) throw sdiMalformed('The multipart/related message has no closing boundary');
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const part = body.subarray(from, end);
    let split = part.indexOf('\r\n\r\n');
    let gap = 4;
    if (split === -1) {
      split = part.indexOf('\n\n');
      gap = 2;
    }
    if (split === -1) throw sdiMalformed('A part of the multipart/related message has no headers');
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, split).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let content = part.subarray(split + gap);
    if ((headers['content-transfer-encoding'] ?? '').toLowerCase() === 'base64')
      content = Buffer.from(content.toString('latin1'), 'base64');
    parts.push({ headers, content });
    at = next;
  }
  if (parts.length === 0) throw sdiMalformed('The multipart/related message has no parts');
  if (parts.length > MAX_PARTS)
    throw sdiMalformed(`The multipart/related message has over ${MAX_PARTS} parts`);
  const rootIndex = start
    ? parts.findIndex((p) => stripAngles(p.headers['content-id'] ?? '') === stripAngles(start))
    : 0;
  if (rootIndex === -1) throw sdiMalformed(`The multipart/related message has no root part ${start}`);
  const attachments = new Map<string, Buffer>();
  parts.forEach((p, i) => {
    const id = p.headers['content-id'];
    if (i !== rootIndex && id) attachments.set(stripAngles(id), p.content);
  });
  return { root: parts[rootIndex]!.content.toString('utf8'), attachments };
}

/** The SOAP 1.1 (or 1.2) envelope's body element, from plain XML or an MTOM/XOP multipart message. */
function readEnvelope(body: string | Buffer, contentType = 'text/xml'): ParsedEnvelope {
  let text: string;
  let attachments: ReadonlyMap<string, Buffer> = new Map();
  if (/^\s*multipart\/related/i.test(contentType)) {
    const multipart = splitMultipart(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), contentType);
    text = multipart.root;
    attachments = multipart.attachments;
  } else text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  const envelope = parseSdiXml(text.replace(/^\uFEFF/, ''), 'The SOAP message is not well-formed XML');
  const soapNs = envelope.namespaceURI;
  if (envelope.localName !== 'Envelope' || (soapNs !== SOAP11_NS && soapNs !== SOAP12_NS))
    throw sdiMalformed(`The root element is ${envelope.nodeName}, not a SOAP Envelope`, envelope);
  const soapBody = envelope.children.find((c) => c.localName === 'Body' && c.namespaceURI === soapNs);
  if (!soapBody) throw sdiMalformed('The SOAP Envelope has no Body', envelope, 'Body');
  const payload = soapBody.children[0];
  if (!payload) throw sdiMalformed('The SOAP Body is empty', soapBody);
  if (payload.localName === 'Fault' && payload.namespaceURI === soapNs) throw faultError(payload);
  return { payload, attachments };
}

/** A SOAP Fault as an error: retryable when the server is at fault. */
function faultError(fault: XmlTreeElement): EInvoiceError {
  // SOAP 1.1: faultcode/faultstring; SOAP 1.2: Code/Value and Reason/Text.
  const code =
    optionalText(fault, 'faultcode') ??
    (childOf(fault, 'Code') && optionalText(childOf(fault, 'Code')!, 'Value')) ??
    'Server';
  const reason =
    optionalText(fault, 'faultstring') ??
    (childOf(fault, 'Reason') && optionalText(childOf(fault, 'Reason')!, 'Text')) ??
    '(no fault string)';
  const server = /(?:^|:)(?:Server|Receiver)$/.test(code);
  return new EInvoiceError('sdi.soap-fault', `SOAP Fault ${code}: ${reason}`, {
    status: 502,
    retryable: server,
    details: [
      { path: pathOf(fault), code, message: reason, location: { xpath: pathOf(fault), line: fault.line } },
    ],
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A base64Binary field: inline base64, or an xop:Include of an attachment. */
function binaryField(
  parent: XmlTreeElement,
  local: string,
  attachments: ReadonlyMap<string, Buffer>,
): Buffer {
  const field = childOf(parent, local);
  if (!field) throw sdiMalformed(`${parent.localName} has no ${local}`, parent, local);
  const include = field.children.find((c) => c.localName === 'Include' && c.namespaceURI === XOP_NS);
  if (include) {
    const href = include.getAttribute('href') ?? '';
    if (!href.startsWith('cid:')) throw sdiMalformed(`xop:Include href "${href}" is not a cid: URL`, include);
    let id: string;
    try {
      id = decodeURIComponent(href.slice(4));
    } catch {
      throw sdiMalformed(`xop:Include href "${href}" is not a valid cid: URL`, include);
    }
    const content = attachments.get(id);
    if (!content) throw sdiMalformed(`No MIME part has the Content-ID <${id}>`, include);
    return content;
  }
  const text = field.textContent.replace(/\s+/g, '');
  if (!BASE64.test(text) || text.length % 4 === 1) throw sdiMalformed(`${local} is not base64`, field);
  return Buffer.from(text, 'base64');
}

const TEXT_XML = 'text/xml; charset=utf-8';

/**
 * A SOAP 1.1 message with this body element; with `mtom`, the binary fields named in `binaries` become
 * attachments referenced by xop:Include, in a multipart/related message.
 */
function envelope(
  namespace: string,
  element: string,
  fields: Array<[string, string | Buffer]>,
  options: SoapOptions & { soapAction?: string } = {},
): SoapMessage {
  const attachments: Array<{ id: string; content: Buffer }> = [];
  const children = fields
    .map(([name, value]) => {
      if (!Buffer.isBuffer(value)) return `<${name}>${escapeXml(value)}</${name}>`;
      if (!options.mtom) return `<${name}>${value.toString('base64')}</${name}>`;
      const id = `${name}-${randomUUID()}@einvoice`;
      attachments.push({ id, content: value });
      return `<${name}><xop:Include xmlns:xop="${XOP_NS}" href="cid:${encodeURIComponent(id)}"/></${name}>`;
    })
    .join('');
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="${SOAP11_NS}" xmlns:types="${namespace}">` +
    `<soapenv:Header/><soapenv:Body><types:${element}>${children}</types:${element}></soapenv:Body></soapenv:Envelope>`;
  const action = options.soapAction === undefined ? {} : { soapAction: options.soapAction };
  if (attachments.length === 0) return { contentType: TEXT_XML, ...action, body: xml };
  const boundary = `MIMEBoundary_${randomUUID().replace(/-/g, '')}`;
  const root = `root-${randomUUID()}@einvoice`;
  const chunks: Buffer[] = [
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="text/xml"\r\n` +
        `Content-Transfer-Encoding: binary\r\nContent-ID: <${root}>\r\n\r\n${xml}\r\n`,
    ),
  ];
  for (const { id, content } of attachments) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Type: application/octet-stream\r\n` +
          `Content-Transfer-Encoding: binary\r\nContent-ID: <${id}>\r\n\r\n`,
      ),
      content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    contentType:
      `multipart/related; type="application/xop+xml"; boundary="${boundary}"; ` +
      `start="<${root}>"; start-info="text/xml"`,
    ...action,
    body: Buffer.concat(chunks),
  };
}

/** The value of a SOAPAction header without its quotes. */
export function soapActionOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? '').trim().replace(/^"(.*)"$/, '$1');
}

function expectPayload(payload: XmlTreeElement, namespace: string, ...names: string[]): void {
  if (payload.namespaceURI !== namespace || !names.includes(payload.localName))
    throw sdiMalformed(
      `Expected ${names.join(' or ')} in ${namespace}, found ${payload.localName} in ${payload.namespaceURI ?? 'no namespace'}`,
      payload,
    );
}

function identificativo(payload: XmlTreeElement): string {
  const id = requiredText(payload, 'IdentificativoSdI');
  if (!/^\d{1,12}$/.test(id))
    throw sdiMalformed(
      `IdentificativoSdI "${id}" is not a number of up to 12 digits`,
      payload,
      'IdentificativoSdI',
    );
  return id;
}

/** A SOAP 1.1 Fault (`soap:Client` for a request at fault, `soap:Server` otherwise), for HTTP status 500. */
export function buildSoapFault(faultcode: 'Client' | 'Server', faultstring: string): SoapMessage {
  return {
    contentType: TEXT_XML,
    body:
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP11_NS}"><soapenv:Body>` +
      `<soapenv:Fault><faultcode>soapenv:${faultcode}</faultcode><faultstring>${escapeXml(faultstring)}</faultstring>` +
      `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// SdIRiceviFile: RiceviFile
// ---------------------------------------------------------------------------------------------------------

export function buildRiceviFileRequest(request: RiceviFileRequest, options: SoapOptions = {}): SoapMessage {
  return envelope(
    SDI_TRASMISSIONE_TYPES_NS,
    'fileSdIAccoglienza',
    [
      ['NomeFile', request.nomeFile],
      ['File', request.file],
    ],
    { ...options, soapAction: SDI_SOAP_ACTIONS.RiceviFile },
  );
}

/** Reads a RiceviFile request (inline base64 or MTOM/XOP). */
export function parseRiceviFileRequest(body: string | Buffer, contentType?: string): RiceviFileRequest {
  const { payload, attachments } = readEnvelope(body, contentType);
  expectPayload(payload, SDI_TRASMISSIONE_TYPES_NS, 'fileSdIAccoglienza');
  return { nomeFile: requiredText(payload, 'NomeFile'), file: binaryField(payload, 'File', attachments) };
}

export function buildRiceviFileResponse(response: RiceviFileResponse): SoapMessage {
  const fields: Array<[string, string]> = [
    ['IdentificativoSdI', response.identificativoSdI],
    ['DataOraRicezione', response.dataOraRicezione],
  ];
  if (response.errore) fields.push(['Errore', response.errore]);
  return envelope(SDI_TRASMISSIONE_TYPES_NS, 'rispostaSdIRiceviFile', fields);
}

/** Reads SDI's answer to RiceviFile; a SOAP Fault is thrown as `sdi.soap-fault`. */
export function parseRiceviFileResponse(body: string | Buffer, contentType?: string): RiceviFileResponse {
  const { payload } = readEnvelope(body, contentType);
  expectPayload(payload, SDI_TRASMISSIONE_TYPES_NS, 'rispostaSdIRiceviFile');
  const errore = optionalText(payload, 'Errore');
  if (errore !== undefined && errore !== 'EI01' && errore !== 'EI02' && errore !== 'EI03')
    throw sdiMalformed(`Errore "${errore}" is not EI01, EI02 or EI03`, payload, 'Errore');
  return {
    identificativoSdI: identificativo(payload),
    dataOraRicezione: requiredText(payload, 'DataOraRicezione'),
    ...(errore ? { errore } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// TrasmissioneFatture: the notifications pushed to the transmitter
// ---------------------------------------------------------------------------------------------------------

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/** A TrasmissioneFatture request (`ricevutaConsegna`, `notificaScarto`, …, each a fileSdI_Type). */
export function buildTrasmissioneRequest(
  operation: TrasmissioneOperation,
  file: FileSdI,
  options: SoapOptions = {},
): SoapMessage {
  return envelope(
    SDI_TRASMISSIONE_TYPES_NS,
    lowerFirst(operation),
    [
      ['IdentificativoSdI', file.identificativoSdI],
      ['NomeFile', file.nomeFile],
      ['File', file.file],
    ],
    { ...options, soapAction: SDI_SOAP_ACTIONS[operation] },
  );
}

/**
 * Reads a TrasmissioneFatture request on the transmitter's endpoint: the operation comes from the body
 * element, or from the SOAPAction when the element is the generic `fileSdI`; when both name one, they must
 * agree. One-way operations: the endpoint answers HTTP 200 (or 202) with an empty body.
 */
export function parseTrasmissioneRequest(
  body: string | Buffer,
  options: { contentType?: string; soapAction?: string } = {},
): { operation: TrasmissioneOperation } & FileSdI {
  const { payload, attachments } = readEnvelope(body, options.contentType);
  const byElement = TRASMISSIONE_OPERATIONS.find((op) => lowerFirst(op) === payload.localName);
  expectPayload(payload, SDI_TRASMISSIONE_TYPES_NS, 'fileSdI', ...TRASMISSIONE_OPERATIONS.map(lowerFirst));
  const action = soapActionOf(options.soapAction);
  const byAction = TRASMISSIONE_OPERATIONS.find((op) => SDI_SOAP_ACTIONS[op] === action);
  if (action && !byAction)
    throw sdiMalformed(`SOAPAction "${action}" is not a TrasmissioneFatture operation`, payload);
  if (byElement && byAction && byElement !== byAction)
    throw sdiMalformed(
      `SOAPAction ${byAction} does not match the body element ${payload.localName}`,
      payload,
    );
  const operation = byElement ?? byAction;
  if (!operation) throw sdiMalformed('fileSdI without a SOAPAction: the operation is unknown', payload);
  return {
    operation,
    identificativoSdI: identificativo(payload),
    nomeFile: requiredText(payload, 'NomeFile'),
    file: binaryField(payload, 'File', attachments),
  };
}

// ---------------------------------------------------------------------------------------------------------
// RicezioneFatture: files delivered to the recipient
// ---------------------------------------------------------------------------------------------------------

export function buildRiceviFattureRequest(
  request: FileSdIConMetadati,
  options: SoapOptions = {},
): SoapMessage {
  return envelope(
    SDI_RICEZIONE_TYPES_NS,
    'fileSdIConMetadati',
    [
      ['IdentificativoSdI', request.identificativoSdI],
      ['NomeFile', request.nomeFile],
      ['File', request.file],
      ['NomeFileMetadati', request.nomeFileMetadati],
      ['Metadati', request.metadati],
    ],
    { ...options, soapAction: SDI_SOAP_ACTIONS.RiceviFatture },
  );
}

/** The recipient's NotificaDecorrenzaTermini (one-way; the body element is `fileSdI`, as the WSDL binds it). */
export function buildRicezioneDecorrenzaTermini(file: FileSdI, options: SoapOptions = {}): SoapMessage {
  return envelope(
    SDI_RICEZIONE_TYPES_NS,
    'fileSdI',
    [
      ['IdentificativoSdI', file.identificativoSdI],
      ['NomeFile', file.nomeFile],
      ['File', file.file],
    ],
    { ...options, soapAction: SDI_SOAP_ACTIONS.RicezioneNotificaDecorrenzaTermini },
  );
}

/** Reads a request on the recipient's RicezioneFatture endpoint: RiceviFatture or NotificaDecorrenzaTermini. */
export function parseRicezioneRequest(
  body: string | Buffer,
  options: { contentType?: string; soapAction?: string } = {},
): RicezioneRequest {
  const { payload, attachments } = readEnvelope(body, options.contentType);
  expectPayload(
    payload,
    SDI_RICEZIONE_TYPES_NS,
    'fileSdIConMetadati',
    'fileSdI',
    'notificaDecorrenzaTermini',
  );
  const action = soapActionOf(options.soapAction);
  const file = {
    identificativoSdI: identificativo(payload),
    nomeFile: requiredText(payload, 'NomeFile'),
    file: binaryField(payload, 'File', attachments),
  };
  if (payload.localName === 'fileSdIConMetadati') {
    if (action && action !== SDI_SOAP_ACTIONS.RiceviFatture)
      throw sdiMalformed(`SOAPAction "${action}" does not match fileSdIConMetadati`, payload);
    return {
      operation: 'RiceviFatture',
      ...file,
      nomeFileMetadati: requiredText(payload, 'NomeFileMetadati'),
      metadati: binaryField(payload, 'Metadati', attachments),
    };
  }
  if (action && action !== SDI_SOAP_ACTIONS.RicezioneNotificaDecorrenzaTermini)
    throw sdiMalformed(`SOAPAction "${action}" does not match ${payload.localName}`, payload);
  return { operation: 'NotificaDecorrenzaTermini', ...file };
}

export function buildRiceviFattureResponse(esito: 'ER01' = 'ER01'): SoapMessage {
  return envelope(SDI_RICEZIONE_TYPES_NS, 'rispostaRiceviFatture', [['Esito', esito]]);
}

/** Reads the recipient's answer to RiceviFatture (ER01: taken in charge); a SOAP Fault is thrown. */
export function parseRiceviFattureResponse(body: string | Buffer, contentType?: string): { esito: string } {
  const { payload } = readEnvelope(body, contentType);
  expectPayload(payload, SDI_RICEZIONE_TYPES_NS, 'rispostaRiceviFatture');
  return { esito: requiredText(payload, 'Esito') };
}

import { EInvoiceError, isEInvoiceError, type ProblemDetail } from '../../errors';
import { escapeXml } from '../../formats/xml-writer';
import { documentOrder, parseXmlTree, type XmlTreeElement } from '../../xml/xml-tree';
import { tagEnd } from '../../xml/safe-xml';

/**
 * The SOAP 1.2 messages of the NF-e 4.00 web services of Brazil's SEFAZ authorisers (MOC 7.0, NT 2016.002 for
 * version 4.00): the request element goes in `nfeDadosMsg`, in the namespace of the service's WSDL, without
 * the `nfeCabecMsg` header that earlier versions had; the answer element comes back in `nfeResultMsg`. The
 * request and answer elements themselves are in the NF-e namespace, unprefixed (a prefix in the data area
 * is rejected with cStat 404). Builders and parsers of those elements are in `messages.ts`.
 */

export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
/** The namespace of every NF-e document, request and answer. */
export const NFE_NS = 'http://www.portalfiscal.inf.br/nfe';
/** The namespaces of the WSDLs: this, then the service's name (`…/wsdl/NFeAutorizacao4`). */
export const NFE_WSDL_NS = 'http://www.portalfiscal.inf.br/nfe/wsdl/';
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
/** The content type of every request (SOAP 1.2). */
export const SEFAZ_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

/** The five services of an NF-e's life: the WSDL operation, and the request and answer elements. */
export const SEFAZ_SERVICES = {
  NFeStatusServico4: { operation: 'nfeStatusServicoNF', request: 'consStatServ', answer: 'retConsStatServ' },
  NFeAutorizacao4: { operation: 'nfeAutorizacaoLote', request: 'enviNFe', answer: 'retEnviNFe' },
  NFeRetAutorizacao4: {
    operation: 'nfeRetAutorizacaoLote',
    request: 'consReciNFe',
    answer: 'retConsReciNFe',
  },
  NFeConsultaProtocolo4: { operation: 'nfeConsultaNF', request: 'consSitNFe', answer: 'retConsSitNFe' },
  NFeRecepcaoEvento4: { operation: 'nfeRecepcaoEvento', request: 'envEvento', answer: 'retEnvEvento' },
} as const;

export type SefazService = keyof typeof SEFAZ_SERVICES;

export const SEFAZ_SERVICE_NAMES = Object.keys(SEFAZ_SERVICES) as SefazService[];

/** Whether `name` is one of the five services. */
export function isSefazService(name: string): name is SefazService {
  return Object.prototype.hasOwnProperty.call(SEFAZ_SERVICES, name);
}

/** A message ready for HTTP POST to the service's URL (see `endpointOf`). */
export interface SefazMessage {
  service: SefazService;
  contentType: string;
  /**
   * The WSDL's action of the operation (`http://www.portalfiscal.inf.br/nfe/wsdl/NFeAutorizacao4/nfeAutorizacaoLote`).
   * SOAP 1.2 carries it, when at all, as the `action` parameter of the content type (as nfephp's client does);
   * `contentType` leaves it out.
   */
  action: string;
  body: string;
}

/** What the envelope held: the service (from the wrapper's namespace) and the element it carried. */
export interface SefazPayload {
  /** The WSDL name of the wrapper's namespace (`NFeAutorizacao4`); undefined when it is in no WSDL namespace. */
  service: string | undefined;
  /** The local name of the element (`retEnviNFe`). */
  element: string;
  /** The element as written in the message (see {@link SefazXml.textOf}). */
  xml: string;
}

// ---------------------------------------------------------------------------------------------------------
// Reading: the safe parser, located refusals, elements as written
// ---------------------------------------------------------------------------------------------------------

/** The element's path from the root, by local names (`/Envelope/Body/nfeResultMsg/retEnviNFe`). */
export function pathOf(el: XmlTreeElement): string {
  const names: string[] = [];
  for (let node: XmlTreeElement | null = el; node; node = node.parentNode) names.unshift(node.localName);
  return `/${names.join('/')}`;
}

/**
 * The refusal of a SEFAZ message that is not what it should be, where (element and line) and what. An answer
 * the service cannot read is the authoriser's fault (502); sending it again will not mend it.
 */
export function sefazMalformed(message: string, at?: XmlTreeElement, child?: string): EInvoiceError {
  const xpath = at ? `${pathOf(at)}${child ? `/${child}` : ''}` : '/';
  const detail: ProblemDetail = { path: xpath, message };
  if (at) detail.location = { xpath, line: at.line };
  return new EInvoiceError('sefaz.malformed', message, { status: 502, details: [detail] });
}

/** A request the caller asked for that the protocol does not allow (a bad key, too many documents, …). */
export function sefazInvalid(message: string, path = '/'): EInvoiceError {
  return new EInvoiceError('sefaz.invalid-request', message, { status: 400, details: [{ path, message }] });
}

/** The text without a byte order mark, an XML declaration and white space around the element. */
export function withoutProlog(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/^\s*<\?xml[^?]*\?>/, '')
    .trim();
}

/**
 * Parses SEFAZ XML with the project's safe parser (no DTD, bounded size and depth). Refusals keep the
 * parser's location (`line 3, column 7`) and become `code` (`sefaz.malformed` for answers,
 * `sefaz.invalid-request` for what a caller hands in), with `what` saying which text it was.
 */
export function parseSefazXml(
  text: string,
  what: string,
  code: 'sefaz.malformed' | 'sefaz.invalid-request' = 'sefaz.malformed',
): SefazXml {
  const source = text.replace(/^\uFEFF/, '');
  try {
    return new SefazXml(source, parseXmlTree(source));
  } catch (error) {
    if (!isEInvoiceError(error)) throw error;
    const first = error.details[0];
    const location = /^line (\d+)/.exec(first?.path ?? '');
    throw new EInvoiceError(code, `${what} is not acceptable XML: ${first?.message ?? error.message}`, {
      status: code === 'sefaz.malformed' ? 502 : 400,
      details: error.details.map((d) => ({
        ...d,
        code: error.code,
        ...(location ? { location: { xpath: '/', line: Number(location[1]) } } : {}),
      })),
      cause: error,
    });
  }
}

/**
 * Where every element of a well-formed document starts and ends in its text, in document order. One pass
 * over the markup: comments, CDATA sections and processing instructions are skipped, attribute values may
 * hold `>`. (The text was parsed first, so it is well-formed and has no DTD.)
 */
function elementSpans(text: string): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  const open: number[] = [];
  for (let at = text.indexOf('<'); at !== -1;) {
    let close: number;
    if (text.startsWith('<!--', at)) close = text.indexOf('-->', at + 4) + 2;
    else if (text.startsWith('<![CDATA[', at)) close = text.indexOf(']]>', at + 9) + 2;
    else if (text.charCodeAt(at + 1) === 63 /* ? */) close = text.indexOf('?>', at + 2) + 1;
    else {
      close = tagEnd(text, at);
      if (close === -1) break;
      if (text.charCodeAt(at + 1) === 47 /* / */) {
        const index = open.pop();
        if (index !== undefined) ends[index] = close + 1;
      } else {
        starts.push(at);
        ends.push(close + 1);
        if (text.charCodeAt(close - 1) !== 47) open.push(starts.length - 1);
      }
    }
    if (close < 1) break;
    at = text.indexOf('<', close + 1);
  }
  return { starts, ends };
}

/**
 * A parsed SEFAZ document with its text, so that elements can be taken as they were written: a protocol
 * (`protNFe`, `retEvento`) goes into the authorised document byte for byte, as SEFAZ signed and sent it.
 */
export class SefazXml {
  private spans: { starts: number[]; ends: number[]; index: Map<XmlTreeElement, number> } | undefined;

  constructor(
    readonly text: string,
    readonly root: XmlTreeElement,
  ) {}

  /** Where `el` starts and ends in the text. */
  private span(el: XmlTreeElement): { start: number; end: number } {
    if (!this.spans) {
      const { starts, ends } = elementSpans(this.text);
      const { elements } = documentOrder(this.root);
      if (starts.length !== elements.length)
        throw new Error(`Found ${starts.length} elements in the text, the parser ${elements.length}`);
      this.spans = { starts, ends, index: new Map(elements.map((e, i) => [e, i])) };
    }
    const i = this.spans.index.get(el);
    if (i === undefined) throw new RangeError(`${el.nodeName} is not an element of this document`);
    return { start: this.spans.starts[i]!, end: this.spans.ends[i]! };
  }

  /**
   * The element as written, byte for byte, to be placed where the NF-e namespace is the default (as in
   * `nfeProc`, `procEventoNFe`, or a parent that declares it). An answer that names the namespaces with prefixes
   * declared on ancestors of the element (or a default namespace other than the NF-e one) gets exactly those
   * declarations added to the element's start tag, and nothing else changed; the answers of the authorisers
   * declare the NF-e namespace as the default on the answer element, and their protocols are copied unchanged.
   */
  textOf(el: XmlTreeElement): string {
    const { start, end } = this.span(el);
    const written = this.text.slice(start, end);
    const missing = inheritedDeclarations(el);
    if (missing.length === 0) return written;
    const at = 1 + el.nodeName.length;
    const declarations = missing
      .map(([prefix, uri]) => ` ${prefix ? `xmlns:${prefix}` : 'xmlns'}="${escapeXml(uri)}"`)
      .join('');
    return written.slice(0, at) + declarations + written.slice(at);
  }
}

/** The namespace a prefix ('' for the default) has at `el`, from its declarations and its ancestors'. */
function declared(el: XmlTreeElement | null, prefix: string): string | undefined {
  const name = prefix ? `xmlns:${prefix}` : 'xmlns';
  for (let node = el; node; node = node.parentNode) {
    const uri = node.getAttribute(name);
    if (uri !== null) return uri;
  }
  return undefined;
}

/** The prefix of a qualified name ('' for none). */
function prefixOf(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? '' : qualified.slice(0, colon);
}

/**
 * The declarations `el`'s text needs from outside it to keep its meaning where the NF-e namespace is the
 * default: prefixes its elements and attributes use that only ancestors declare, and the default namespace
 * when it is inherited and is not the NF-e one.
 */
function inheritedDeclarations(el: XmlTreeElement): Array<[string, string]> {
  const needed = new Map<string, string>();
  const own = (node: XmlTreeElement, prefix: string): boolean => {
    const name = prefix ? `xmlns:${prefix}` : 'xmlns';
    for (let n: XmlTreeElement | null = node; n; n = n.parentNode) {
      if (n.hasAttribute(name)) return true;
      if (n === el) return false;
    }
    return false;
  };
  const visit = (node: XmlTreeElement) => {
    const prefixes = [prefixOf(node.nodeName)];
    for (const name of node.attributeNames()) {
      const prefix = prefixOf(name);
      if (prefix && prefix !== 'xmlns' && prefix !== 'xml') prefixes.push(prefix);
    }
    for (const prefix of prefixes) {
      if (needed.has(prefix) || own(node, prefix)) continue;
      const uri = declared(el.parentNode, prefix);
      if (prefix === '' ? (uri ?? '') !== NFE_NS : uri !== undefined) needed.set(prefix, uri ?? '');
    }
    for (const child of node.children) visit(child);
  };
  visit(el);
  return [...needed];
}

/** The first element child with this local name in this namespace (default: the NF-e one; null for none). */
export function childOf(
  el: XmlTreeElement,
  local: string,
  namespace: string | null = NFE_NS,
): XmlTreeElement | undefined {
  return el.children.find((c) => c.localName === local && c.namespaceURI === namespace);
}

/** Every element child with this local name in this namespace (default: the NF-e one). */
export function childrenOf(
  el: XmlTreeElement,
  local: string,
  namespace: string | null = NFE_NS,
): XmlTreeElement[] {
  return el.children.filter((c) => c.localName === local && c.namespaceURI === namespace);
}

/** The text of an optional child (white space around it dropped); undefined when absent or empty. */
export function optionalText(
  el: XmlTreeElement,
  local: string,
  namespace: string | null = NFE_NS,
): string | undefined {
  const text = childOf(el, local, namespace)?.textContent.trim();
  return text === undefined || text === '' ? undefined : text;
}

/** The text of a required child, or the refusal naming it; with `pattern`, the text must match it. */
export function requiredText(el: XmlTreeElement, local: string, pattern?: RegExp): string {
  const text = optionalText(el, local);
  if (text === undefined) throw sefazMalformed(`${el.localName} has no ${local}`, el, local);
  if (pattern && !pattern.test(text))
    throw sefazMalformed(`${local} "${text}" is not ${String(pattern)}`, childOf(el, local), undefined);
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------------------

function envelope(wrapper: string, service: SefazService, element: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soap:Envelope xmlns:soap="${SOAP12_NS}"><soap:Body>` +
    `<${wrapper} xmlns="${NFE_WSDL_NS}${service}">${element}</${wrapper}>` +
    `</soap:Body></soap:Envelope>`
  );
}

function checkService(service: string): SefazService {
  if (!isSefazService(service))
    throw new EInvoiceError(
      'sefaz.unknown-service',
      `Unknown SEFAZ service "${service}"; known: ${SEFAZ_SERVICE_NAMES.join(', ')}`,
    );
  return service;
}

/** `xml` as one element of the NF-e namespace named `local`, without prolog; refused otherwise. */
function oneElement(xml: string, local: string, what: string): string {
  const element = withoutProlog(xml);
  const { root } = parseSefazXml(element, what, 'sefaz.invalid-request');
  if (root.localName !== local || root.namespaceURI !== NFE_NS)
    throw sefazInvalid(
      `${what} is ${root.nodeName} in ${root.namespaceURI ?? 'no namespace'}, not ${local} in ${NFE_NS}`,
    );
  return element;
}

/**
 * The SOAP 1.2 request of `service` carrying `body`, the service's request element (`consStatServ`,
 * `enviNFe`, … as the builders of `messages.ts` write them), copied as it is: signed documents inside keep
 * their bytes. A body that is not the service's request element is refused (`sefaz.invalid-request`), an
 * unknown service too (`sefaz.unknown-service`).
 */
export function sefazEnvelope(service: SefazService, body: string): SefazMessage {
  const known = checkService(service);
  const spec = SEFAZ_SERVICES[known];
  const element = oneElement(body, spec.request, `The body of ${known}`);
  return {
    service: known,
    contentType: SEFAZ_CONTENT_TYPE,
    action: `${NFE_WSDL_NS}${known}/${spec.operation}`,
    body: envelope('nfeDadosMsg', known, element),
  };
}

/**
 * The answer of `service` as an authoriser sends it (`nfeResultMsg` around the answer element), for stand-ins
 * of the authorisers and for tests. The answer element is copied as it is.
 */
export function sefazAnswer(service: SefazService, answer: string): string {
  const known = checkService(service);
  return envelope(
    'nfeResultMsg',
    known,
    oneElement(answer, SEFAZ_SERVICES[known].answer, `The answer of ${known}`),
  );
}

/** A SOAP 1.2 Fault (`Sender`: the request is at fault; `Receiver`: the service is), as an authoriser sends one. */
export function sefazFault(code: 'Sender' | 'Receiver', reason: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP12_NS}"><soap:Body><soap:Fault>` +
    `<soap:Code><soap:Value>soap:${code}</soap:Value></soap:Code>` +
    `<soap:Reason><soap:Text xml:lang="pt-BR">${escapeXml(reason)}</soap:Text></soap:Reason>` +
    `</soap:Fault></soap:Body></soap:Envelope>`
  );
}

/**
 * A SOAP Fault as an error, with the fault's code and reason: retryable when the service is at fault
 * (`Receiver`, SOAP 1.1 `Server`, or no code), not when the request is (`Sender`, `VersionMismatch`, …).
 */
function faultError(fault: XmlTreeElement): EInvoiceError {
  const ns = fault.namespaceURI;
  // SOAP 1.1: unqualified faultcode and faultstring; SOAP 1.2: Code/Value (Subcode/Value) and Reason/Text.
  const code11 = optionalText(fault, 'faultcode', null);
  const codeEl = childOf(fault, 'Code', ns);
  const value = codeEl && optionalText(codeEl, 'Value', ns);
  const subcodeEl = codeEl && childOf(codeEl, 'Subcode', ns);
  const subcode = subcodeEl && optionalText(subcodeEl, 'Value', ns);
  const code = code11 ?? value ?? 'Receiver';
  const reasonEl = childOf(fault, 'Reason', ns);
  const reason =
    optionalText(fault, 'faultstring', null) ??
    (reasonEl && optionalText(reasonEl, 'Text', ns)) ??
    '(no reason given)';
  const local = code.slice(code.indexOf(':') + 1);
  const retryable = local === 'Receiver' || local === 'Server';
  const xpath = pathOf(fault);
  return new EInvoiceError(
    'sefaz.soap-fault',
    `SOAP Fault ${code}${subcode ? ` (${subcode})` : ''}: ${reason}`,
    {
      status: 502,
      retryable,
      details: [{ path: xpath, code, message: reason, location: { xpath, line: fault.line } }],
    },
  );
}

/** The element in the SOAP Body, after refusing what is no envelope and throwing a Fault as an error. */
function bodyElement(doc: SefazXml, what: string): XmlTreeElement {
  const envelopeEl = doc.root;
  const soapNs = envelopeEl.namespaceURI;
  if (envelopeEl.localName !== 'Envelope' || (soapNs !== SOAP12_NS && soapNs !== SOAP11_NS))
    throw sefazMalformed(
      `${what}: the root element is ${envelopeEl.nodeName}, not a SOAP Envelope`,
      envelopeEl,
    );
  const body = childOf(envelopeEl, 'Body', soapNs);
  if (!body) throw sefazMalformed(`${what}: the SOAP Envelope has no Body`, envelopeEl, 'Body');
  const payload = body.children[0];
  if (!payload) throw sefazMalformed(`${what}: the SOAP Body is empty`, body);
  if (payload.localName === 'Fault' && payload.namespaceURI === soapNs) throw faultError(payload);
  return payload;
}

/** The service a wrapper's namespace names (`…/wsdl/NFeAutorizacao4` → `NFeAutorizacao4`). */
function serviceOf(el: XmlTreeElement): string | undefined {
  const ns = el.namespaceURI ?? '';
  return ns.startsWith(NFE_WSDL_NS) ? ns.slice(NFE_WSDL_NS.length) : undefined;
}

/**
 * The answer element of a parsed answer and the service it came from. The wrapper is `nfeResultMsg` (4.00)
 * or, from authorisers still answering as earlier versions did, an element of a WSDL namespace named
 * `…Result`. With `bare`, an answer element on its own (as stored) is taken as it is.
 */
function unwrapAnswer(
  doc: SefazXml,
  what: string,
  bare: boolean,
): { service: string | undefined; element: XmlTreeElement } {
  if (doc.root.namespaceURI === NFE_NS) {
    if (bare) return { service: undefined, element: doc.root };
    throw sefazMalformed(`${what} is a bare ${doc.root.localName}, not a SOAP Envelope`, doc.root);
  }
  const payload = bodyElement(doc, what);
  const wrapped =
    (payload.localName === 'nfeResultMsg' || payload.localName.endsWith('Result')) &&
    serviceOf(payload) !== undefined;
  if (!wrapped)
    throw sefazMalformed(
      `${what}: the SOAP Body holds ${payload.nodeName} in ${payload.namespaceURI ?? 'no namespace'}, not nfeResultMsg`,
      payload,
    );
  const element = payload.children[0];
  if (!element) throw sefazMalformed(`${what}: ${payload.localName} is empty`, payload);
  if (element.namespaceURI !== NFE_NS)
    throw sefazMalformed(
      `${what}: ${element.nodeName} is in ${element.namespaceURI ?? 'no namespace'}, not ${NFE_NS}`,
      element,
    );
  return { service: serviceOf(payload), element };
}

/**
 * The answer element of a SOAP answer, or of an answer element on its own (as stored), parsed, for the
 * parsers of `messages.ts`.
 */
export function answerElement(
  text: string | Buffer,
  what = 'The SEFAZ answer',
): { doc: SefazXml; service: string | undefined; element: XmlTreeElement } {
  const doc = parseSefazXml(Buffer.isBuffer(text) ? text.toString('utf8') : text, what);
  return { doc, ...unwrapAnswer(doc, what, true) };
}

/**
 * Reads an authoriser's SOAP answer: the element `nfeResultMsg` carries (`retEnviNFe`, …) as written, and
 * the service its namespace names. A SOAP Fault is thrown as `sefaz.soap-fault` (retryable when the service
 * is at fault); text that is not well-formed XML, or no SOAP envelope with a result, as `sefaz.malformed`
 * with the location (line and column, or the element's path and line).
 */
export function readSefazAnswer(text: string | Buffer): SefazPayload {
  const what = 'The SEFAZ answer';
  const doc = parseSefazXml(Buffer.isBuffer(text) ? text.toString('utf8') : text, what);
  const { service, element } = unwrapAnswer(doc, what, false);
  return { service, element: element.localName, xml: doc.textOf(element) };
}

/**
 * Reads a request as an authoriser receives it: the element `nfeDadosMsg` carries, as written, and the
 * service its namespace names. For stand-ins of the authorisers and for tests.
 */
export function readSefazRequest(text: string | Buffer): SefazPayload {
  const source = Buffer.isBuffer(text) ? text.toString('utf8') : text;
  const doc = parseSefazXml(source, 'The SEFAZ request');
  const payload = bodyElement(doc, 'The SEFAZ request');
  if (payload.localName !== 'nfeDadosMsg' || serviceOf(payload) === undefined)
    throw sefazMalformed(
      `The SOAP Body holds ${payload.nodeName} in ${payload.namespaceURI ?? 'no namespace'}, not nfeDadosMsg`,
      payload,
    );
  const element = payload.children[0];
  if (!element || element.namespaceURI !== NFE_NS)
    throw sefazMalformed(`nfeDadosMsg holds no element of ${NFE_NS}`, payload);
  return { service: serviceOf(payload), element: element.localName, xml: doc.textOf(element) };
}

import { EInvoiceError } from '../../errors';
import { findTimbre } from '../../signing/cfdi-cadena';
import { escapeXml } from '../../formats/xml-writer';
import { childrenNamed, parseXmlTree, type XmlTreeElement } from '../../xml/xml-tree';

/**
 * SAT's CFDI status service (ConsultaCFDIService, SOAP 1.1): the question is the "expresión impresa" of a
 * CFDI (the text of its QR code: issuer and receptor RFC, Total, UUID, the seal's last eight characters), the
 * answer its state at SAT (Vigente, Cancelado, No Encontrado), whether and how it can be cancelled, and where a
 * cancellation stands. Production: https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc.
 */

export const CONSULTA_SOAP_ACTION = 'http://tempuri.org/IConsultaCFDIService/Consulta';
const SOAP_11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const TEMPURI = 'http://tempuri.org/';
const DATA_CONTRACT = 'http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.ConsultaCfdi.Servicio';

/** What identifies a CFDI to the status service. */
export interface CfdiStatusExpression {
  /** The issuer's RFC. */
  re: string;
  /** The receptor's RFC. */
  rr: string;
  /** Total, as the CFDI writes it. */
  tt: string;
  /** The UUID of its stamp. */
  id: string;
  /** The last eight characters of its Sello. */
  fe: string;
}

/** SAT's answer. */
export interface CfdiStatus {
  /** `S - Comprobante obtenido satisfactoriamente.` or `N - 602: Comprobante no encontrado.` */
  codigoEstatus: string;
  estado: string;
  /** `Cancelable sin aceptación`, `Cancelable con aceptación`, `No cancelable`; empty when not found. */
  esCancelable: string;
  /** Empty, `En proceso`, `Cancelado sin aceptación`, `Cancelado con aceptación`, `Plazo vencido`, `Solicitud rechazada`. */
  estatusCancelacion: string;
  /** SAT's check of the issuer against its list of simulated operations (EFOS): 200 not listed, 100 listed. */
  validacionEFOS: string;
}

/** The expression as SAT prints it in the QR code: `?re=…&rr=…&tt=…&id=…&fe=…`. */
export function statusExpression(e: CfdiStatusExpression): string {
  return `?re=${e.re}&rr=${e.rr}&tt=${e.tt}&id=${e.id}&fe=${e.fe}`;
}

/**
 * What names a CFDI to SAT's status query and to a cancellation, as the CFDI writes it: issuer and receptor RFC,
 * Total, the UUID of its stamp, the seal's last eight characters; empty where the CFDI has none (an unsealed
 * or unstamped one).
 */
export function expressionParts(root: XmlTreeElement): CfdiStatusExpression {
  const namespace = root.namespaceURI ?? '';
  const one = (name: string) => childrenNamed(root, namespace, name)[0];
  return {
    re: one('Emisor')?.getAttribute('Rfc') ?? '',
    rr: one('Receptor')?.getAttribute('Rfc') ?? '',
    tt: root.getAttribute('Total') ?? '',
    id: findTimbre(root)?.getAttribute('UUID') ?? '',
    fe: (root.getAttribute('Sello') ?? '').slice(-8),
  };
}

/** The expression of a stamped CFDI, read from it; `cfdi.not-stamped` naming what it lacks. */
export function expressionOf(stampedCfdi: string): CfdiStatusExpression {
  const parts = expressionParts(parseXmlTree(stampedCfdi));
  const missing = Object.entries(parts)
    .filter(([, v]) => v === '')
    .map(([k]) => k);
  if (missing.length > 0)
    throw new EInvoiceError(
      'cfdi.not-stamped',
      `The CFDI does not say ${missing.join(', ')}: SAT's status query needs a stamped CFDI`,
      { status: 422, details: missing.map((name) => ({ path: `/${name}`, message: 'not in the CFDI' })) },
    );
  return parts;
}

/** The SOAP request for an expression. */
export function consultaRequest(e: CfdiStatusExpression): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_11}" xmlns:tem="${TEMPURI}"><soapenv:Header/><soapenv:Body>` +
    `<tem:Consulta><tem:expresionImpresa>${escapeXml(statusExpression(e))}</tem:expresionImpresa></tem:Consulta>` +
    `</soapenv:Body></soapenv:Envelope>`
  );
}

function body(xml: string, where: string): XmlTreeElement {
  const envelope = parseXmlTree(xml);
  const content = childrenNamed(envelope, SOAP_11, 'Body')[0]?.children[0];
  if (envelope.localName !== 'Envelope' || envelope.namespaceURI !== SOAP_11 || !content)
    throw new EInvoiceError('sat.bad-answer', `${where} is not a SOAP 1.1 envelope with a body`, {
      details: [{ path: `/${envelope.nodeName}`, message: 'expected soap:Envelope/soap:Body' }],
    });
  return content;
}

/** The expression a request asks about (the stand-in's side); its parts as given, unchecked. */
export function parseConsultaRequest(xml: string): Partial<CfdiStatusExpression> {
  const consulta = body(xml, 'The request');
  const expression = childrenNamed(consulta, TEMPURI, 'expresionImpresa')[0]?.textContent ?? '';
  // not URL-encoded: a seal's ending may hold + and =, taken as they are
  const parts = new Map<string, string>();
  for (const pair of expression.trim().replace(/^\?/, '').split('&')) {
    const at = pair.indexOf('=');
    if (at > 0) parts.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return Object.fromEntries(
    ['re', 'rr', 'tt', 'id', 'fe'].flatMap((name) => (parts.has(name) ? [[name, parts.get(name)!]] : [])),
  );
}

/** The SOAP answer (the stand-in's side). */
export function consultaResponse(status: CfdiStatus): string {
  const field = (name: string, value: string) =>
    value === '' ? `<a:${name}/>` : `<a:${name}>${escapeXml(value)}</a:${name}>`;
  return (
    `<s:Envelope xmlns:s="${SOAP_11}"><s:Body><ConsultaResponse xmlns="${TEMPURI}">` +
    `<ConsultaResult xmlns:a="${DATA_CONTRACT}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
    field('CodigoEstatus', status.codigoEstatus) +
    field('EsCancelable', status.esCancelable) +
    field('Estado', status.estado) +
    field('EstatusCancelacion', status.estatusCancelacion) +
    field('ValidacionEFOS', status.validacionEFOS) +
    `</ConsultaResult></ConsultaResponse></s:Body></s:Envelope>`
  );
}

/** SAT's answer, read; `sat.bad-answer` for anything else (a SOAP fault says its reason). */
export function parseConsultaResponse(xml: string): CfdiStatus {
  const response = body(xml, "SAT's answer");
  if (response.localName === 'Fault')
    throw new EInvoiceError(
      'sat.fault',
      `SAT answered a SOAP fault: ${response.children.find((el) => el.localName === 'faultstring')?.textContent ?? 'no reason given'}`,
      { retryable: true },
    );
  const result = childrenNamed(response, TEMPURI, 'ConsultaResult')[0];
  if (response.localName !== 'ConsultaResponse' || !result)
    throw new EInvoiceError('sat.bad-answer', `SAT's answer is ${response.nodeName}, not ConsultaResponse`, {
      details: [
        { path: `/Envelope/Body/${response.nodeName}`, message: 'expected ConsultaResponse/ConsultaResult' },
      ],
    });
  const text = (name: string) => (childrenNamed(result, DATA_CONTRACT, name)[0]?.textContent ?? '').trim();
  return {
    codigoEstatus: text('CodigoEstatus'),
    estado: text('Estado'),
    esCancelable: text('EsCancelable'),
    estatusCancelacion: text('EstatusCancelacion'),
    validacionEFOS: text('ValidacionEFOS'),
  };
}

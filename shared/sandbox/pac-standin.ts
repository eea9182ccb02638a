import {
  createPrivateKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  timingSafeEqual,
  verify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { consultaResponse, parseConsultaRequest } from '../connectors/sat/consulta';
import { describeError, isEInvoiceError } from '../errors';
import { cadenaTimbre, CFDI_NAMESPACE_40, TFD_NAMESPACE } from '../signing/cfdi-cadena';
import { verifyCfdiSeal, type CfdiSealVerification } from '../signing/cfdi-seal';
import { noCertificadoOf, satCertificate, satCertificateInfo } from '../signing/sat-csd';
import { escapeXml } from '../formats/xml-writer';
import { localTime } from '../util/local-time';
import { XsdValidatorPool, XSD_CATALOGUE } from '../xml/xsd';
import { parseXmlTree, type XmlTreeElement } from '../xml/xml-tree';
import { closeServer, listenTracked, readLimitedBody } from './http-server';

/** Where `einvoice sandbox --authority pac` would listen unless told otherwise. */
export const PAC_STANDIN_PORT = 7075;

/** The RfcProvCertif of the stand-in's stamps: SAT's test RFC of its own certificates (SAT PRUEBAS). */
export const PAC_STANDIN_RFC = 'SPR190613I52';

/** The receptor RFC of sales to the general public (público en general). */
export const RFC_PUBLICO_EN_GENERAL = 'XAXX010101000';

/** Where SAT's CFDI 4.0 schema is looked for in the schema folder, unless the schema catalogue names it. */
export const CFDI40_XSD_PATHS: readonly string[] = [
  'cfdi/cfdv40.xsd',
  'www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd',
  'resources/www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd',
  'sat-cfdi-xsd/resources/www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd',
];

const TFD_SCHEMA_LOCATION =
  'http://www.sat.gob.mx/TimbreFiscalDigital http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const PAGOS20_NS = 'http://www.sat.gob.mx/Pagos20';
const MEXICO_CITY = 'America/Mexico_City';
const CFDI_SCHEMA_ID = 'cfdi-4.0';
const MAX_BODY = 10 * 1024 * 1024;
const HOUR = 3_600_000;
/**
 * libxml2's error for an element of another namespace in cfdv40.xsd's strict wildcards (Complemento,
 * ComplementoConcepto, Addenda): complements are validated by their own schemas, not loaded here.
 */
const COMPLEMENT_NOT_LOADED =
  /^Element '\{(?!http:\/\/www\.sat\.gob\.mx\/cfd\/4\})[^}]*\}[^']*': No matching global element declaration available, but demanded by the strict wildcard\.$/;
const UUID_PATTERN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;
const FECHA_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** The stamping codes the stand-in answers, with the descriptions of SAT's validations. */
export const PAC_STAMP_CODES = {
  '200': 'Comprobante timbrado satisfactoriamente',
  '301': 'La estructura del comprobante es incorrecta',
  '302': 'Sello mal formado o inválido',
  '303': 'Sello no corresponde a emisor',
  '304': 'Certificado revocado o caduco',
  '305': 'La fecha de emisión no está dentro de la vigencia del CSD del Emisor',
  '306': 'El certificado no es de tipo CSD',
  '307': 'El CFDI contiene un timbre previo',
  '401': 'Fecha y hora de generación fuera de rango',
} as const;

/** The stamping code of each problem `verifyCfdiSeal` reports. */
const SEAL_PROBLEM_CODES: Record<string, keyof typeof PAC_STAMP_CODES> = {
  'cfdi.no-certificate': '302',
  'cfdi.invalid-certificate': '302',
  'cfdi.no-seal': '302',
  'cfdi.seal-invalid': '302',
  'cfdi.no-certificado-mismatch': '303',
  'cfdi.rfc-mismatch': '303',
  'cfdi.not-csd': '306',
  'cfdi.certificate-not-valid': '305',
};

/** The cancellation codes (SAT's EstatusUUID and EstatusPeticion). */
export const PAC_CANCEL_CODES = {
  '201': 'Solicitud de cancelación recibida',
  '202': 'UUID Previamente cancelado',
  '203': 'UUID No encontrado o no corresponde en el emisor',
  '204': 'UUID No aplicable para cancelación',
  '205': 'UUID No existe',
  '301': 'XML mal formado',
  '302': 'Sello mal formado o inválido',
  '304': 'Certificado revocado o caduco',
} as const;

export type MotivoCancelacion = '01' | '02' | '03' | '04';

/** SAT's EstatusCancelacion of a CFDI (empty when no cancellation was asked). */
export type EstatusCancelacion =
  | ''
  | 'En proceso'
  | 'Cancelado sin aceptación'
  | 'Cancelado con aceptación'
  | 'Plazo vencido'
  | 'Solicitud rechazada';

export type EsCancelable = 'Cancelable sin aceptación' | 'Cancelable con aceptación' | 'No cancelable';

/** The answer of `GET /cfdi40/status`, as SAT's ConsultaCFDIService gives it. */
export interface PacStatus {
  codigoEstatus: 'S - Comprobante obtenido satisfactoriamente.' | 'N - 602: Comprobante no encontrado.';
  estado: 'Vigente' | 'Cancelado' | 'No Encontrado';
  /** Empty for a CFDI not found. */
  esCancelable: EsCancelable | '';
  estatusCancelacion: EstatusCancelacion;
}

export interface PacStandInFaults {
  /** The next n stamps are made and recorded, then the connection is closed without an answer. */
  timeoutAfterStamp?: number;
  /** The next n requests to `/cfdi40/*` are answered HTTP 503 without being processed. */
  errorNext?: number;
  /** The share of requests to `/cfdi40/*` (0 to 1) answered HTTP 503 without being processed. */
  errorRate?: number;
  /** Milliseconds added before every answer to `/cfdi40/*`. */
  latencyMs?: number;
}

export interface PacStandInDelays {
  /**
   * From a cancellation that needs the receptor's acceptance to the receptor's automatic answer
   * (`cancellation.autoAnswer`), unless `POST /control/cancellations/{uuid}` answers first. Default 10000 ms.
   */
  acceptance?: number;
}

/** When a cancellation needs the receptor's acceptance, and what the receptor answers by itself. */
export interface PacCancellationRules {
  /** CFDIs whose Total (in MXN, by TipoCambio) is under this are cancelled at once. Default 1000. */
  thresholdMxn?: number;
  /** Receptors whose CFDIs are cancelled at once. Default `XAXX010101000` (público en general). */
  receptors?: string[];
  /** TipoDeComprobante values cancelled at once (SAT's list has E, T, N, P). Default none. */
  types?: string[];
  /**
   * What happens once `delays.acceptance` passes without an answer: `accept` (default: Cancelado con
   * aceptación), `reject` (Solicitud rechazada), `expire` (Plazo vencido: cancelled), `none` (stays En proceso).
   */
  autoAnswer?: 'accept' | 'reject' | 'expire' | 'none';
}

export interface PacStandInOptions {
  /** Default 7075 (`PAC_STANDIN_PORT`); 0 takes a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The folder whose `pac-standin/` keeps the state (stamps, cancellations) and the SAT certificate across
   * restarts. Without it, a temporary folder removed by `stop()`.
   */
  dataDir?: string;
  /** The schema folder (`EINVOICE_SCHEMAS_DIR`): CFDIs are checked against SAT's cfdv40.xsd when it compiles there. */
  schemasDir?: string;
  faults?: PacStandInFaults;
  delays?: PacStandInDelays;
  cancellation?: PacCancellationRules;
  /** The stand-in's clock (Fecha window, certificate validity, FechaTimbrado); default the system clock. */
  now?: () => Date;
  /** When set, every request but `GET /certificates/{noCertificado}` needs it in `x-api-key`. */
  apiKey?: string;
  /**
   * How far ahead of the clock a Fecha may be (clock skew), read in the easternmost Mexican zone (UTC-5).
   * Default 5 minutes.
   */
  futureToleranceMs?: number;
  /** The RfcProvCertif of the stamps; default `SPR190613I52`. */
  rfcProvCertif?: string;
  /** Random numbers for `errorRate` (tests pass a seeded one); default Math.random. */
  random?: () => number;
}

interface Cancellation {
  motivo: MotivoCancelacion;
  folioSustitucion?: string;
  requestedAt: string;
  status: Exclude<EstatusCancelacion, ''>;
  /** Epoch milliseconds when the receptor answers by itself, while En proceso. */
  dueAt?: number;
  answeredAt?: string;
}

interface StampRecord {
  uuid: string;
  fechaTimbrado: string;
  /** The instant it was stamped (ISO), by the stand-in's clock. */
  stampedAt: string;
  sello: string;
  selloSat: string;
  noCertificado: string;
  fecha: string;
  rfcEmisor: string;
  rfcReceptor: string;
  total: string;
  totalMxn: number;
  tipoDeComprobante: string;
  /** UUIDs this CFDI relates to (CfdiRelacionados other than substitution 04, payments' DoctoRelacionado). */
  relates: string[];
  cancellation?: Cancellation;
}

interface State {
  stamps: StampRecord[];
  counters: {
    duplicates: number;
    refused: Record<string, number>;
    unavailable: number;
    timeoutsAfterStamp: number;
    statusQueries: number;
    cancelRefused: Record<string, number>;
  };
}

/** A check that failed: the code and message of the answer. */
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const stampRefusal = (code: keyof typeof PAC_STAMP_CODES, detail?: string) =>
  new Refusal(code, detail ? `${PAC_STAMP_CODES[code]}: ${detail}` : PAC_STAMP_CODES[code]);

const cancelRefusal = (code: keyof typeof PAC_CANCEL_CODES, detail?: string) =>
  new Refusal(
    code,
    `${Number(code) >= 300 ? 'CA' : ''}${code} - ${PAC_CANCEL_CODES[code]}${detail ? `: ${detail}` : ''}`,
  );

/** The instant as Mexico City's local time, `YYYY-MM-DDTHH:mm:ss` (as CFDI dates are written). */
export function mexicoCityTime(instant: Date | number): string {
  return localTime(instant, MEXICO_CITY);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const cfdiChild = (el: XmlTreeElement | undefined, local: string) =>
  el?.children.find((c) => c.localName === local && c.namespaceURI === CFDI_NAMESPACE_40);

/** Where a start tag and its end tag are in the text. */
interface TagSpan {
  start: number;
  /** After the start tag's `>`. */
  end: number;
  selfClosing: boolean;
  closeStart?: number;
  closeEnd?: number;
}

/** The tags of the root and of its element children, found by scanning well-formed XML. */
function topLevelTags(text: string): { root: TagSpan; children: TagSpan[] } {
  let root: TagSpan | undefined;
  const children: TagSpan[] = [];
  const open: TagSpan[] = [];
  const skip = (from: number, terminator: string) => {
    const at = text.indexOf(terminator, from);
    return at === -1 ? text.length : at + terminator.length;
  };
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    if (text.startsWith('<!--', i)) i = skip(i + 4, '-->');
    else if (text.startsWith('<![CDATA[', i)) i = skip(i + 9, ']]>');
    else if (text.startsWith('<?', i)) i = skip(i + 2, '?>');
    else if (text.startsWith('<!', i)) i = skip(i + 2, '>');
    else if (text[i + 1] === '/') {
      const end = skip(i + 2, '>');
      const span = open.pop();
      if (span) {
        span.closeStart = i;
        span.closeEnd = end;
      }
      i = end;
    } else {
      let j = i + 1;
      let quote = '';
      for (; j < text.length; j++) {
        const c = text[j];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      const span: TagSpan = { start: i, end: j + 1, selfClosing: text[j - 1] === '/' };
      if (open.length === 0) root ??= span;
      else if (open.length === 1) children.push(span);
      if (!span.selfClosing) open.push(span);
      i = j + 1;
    }
    i = text.indexOf('<', i);
  }
  if (!root) throw new Error('no root element');
  return { root, children };
}

/** The white space a tag at `at` is indented with, when it starts its line; undefined otherwise. */
function indentAt(text: string, at: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const indent = text.slice(lineStart, at);
  return lineStart > 0 && /^[ \t]*$/.test(indent) ? indent : undefined;
}

/**
 * The CFDI with the TimbreFiscalDigital added in its `cfdi:Complemento` (created, before an Addenda or as the
 * last child, when absent); the rest of the text is left as it is, the new lines indented as the document is.
 */
function insertTimbre(text: string, root: XmlTreeElement, timbre: string): string {
  const tags = topLevelTags(text);
  const at = (pos: number, insert: string, removeUntil = pos) =>
    text.slice(0, pos) + insert + text.slice(removeUntil);
  const rootIndent = indentAt(text, tags.root.start) ?? '';
  const firstIndent = tags.children[0] ? indentAt(text, tags.children[0].start) : undefined;
  const unit = (firstIndent ?? '').slice(rootIndent.length) || '  ';
  const index = root.children.findIndex(
    (c) => c.localName === 'Complemento' && c.namespaceURI === CFDI_NAMESPACE_40,
  );
  if (index !== -1) {
    const span = tags.children[index]!;
    const name = root.children[index]!.nodeName;
    if (span.selfClosing) {
      const slash = text.lastIndexOf('/', span.end - 1);
      return at(slash, `>${timbre}</${name}>`, span.end);
    }
    const closeStart = span.closeStart!;
    const closeIndent = indentAt(text, closeStart);
    if (closeIndent !== undefined)
      return at(closeStart - closeIndent.length, `${closeIndent}${unit}${timbre}\n`);
    return at(closeStart, timbre);
  }
  const prefix = root.nodeName.includes(':') ? `${root.nodeName.split(':')[0]}:` : '';
  const complemento = `<${prefix}Complemento>`;
  const addenda = root.children.findIndex(
    (c) => c.localName === 'Addenda' && c.namespaceURI === CFDI_NAMESPACE_40,
  );
  const before = addenda === -1 ? tags.children.length : addenda;
  const previous = tags.children[before - 1];
  const indent = previous ? indentAt(text, previous.start) : undefined;
  if (previous && indent !== undefined) {
    const after = previous.closeEnd ?? previous.end;
    return at(
      after,
      `\n${indent}${complemento}\n${indent}${unit}${timbre}\n${indent}</${prefix}Complemento>`,
    );
  }
  const anchor = addenda === -1 ? tags.root.closeStart! : tags.children[addenda]!.start;
  return at(anchor, `${complemento}${timbre}</${prefix}Complemento>`);
}

/** The facts of a CFDI 4.0 the stand-in checks and keeps; a 301 when it is none. */
interface CfdiFacts {
  root: XmlTreeElement;
  fecha: string;
  sello: string;
  noCertificado: string;
  certificado: string;
  rfcEmisor: string;
  rfcReceptor: string;
  total: string;
  totalMxn: number;
  tipoDeComprobante: string;
  relates: string[];
  hasTimbre: boolean;
}

function readCfdi(text: string): CfdiFacts {
  let root: XmlTreeElement;
  try {
    root = parseXmlTree(text);
  } catch (error) {
    const detail = isEInvoiceError(error) ? error.details[0] : undefined;
    throw stampRefusal(
      '301',
      detail ? `${detail.message} (${detail.path ?? ''})` : describeError(error).message,
    );
  }
  if (root.localName !== 'Comprobante' || root.namespaceURI !== CFDI_NAMESPACE_40)
    throw stampRefusal('301', `el elemento raíz no es cfdi:Comprobante de ${CFDI_NAMESPACE_40}`);
  if (root.getAttribute('Version') !== '4.0')
    throw stampRefusal('301', `Version="${root.getAttribute('Version') ?? ''}" (se espera 4.0)`);
  const attr = (el: XmlTreeElement | undefined, name: string) => el?.getAttribute(name) ?? '';
  const emisor = cfdiChild(root, 'Emisor');
  const receptor = cfdiChild(root, 'Receptor');
  const facts = {
    fecha: attr(root, 'Fecha'),
    sello: attr(root, 'Sello'),
    noCertificado: attr(root, 'NoCertificado'),
    certificado: attr(root, 'Certificado'),
    rfcEmisor: attr(emisor, 'Rfc'),
    rfcReceptor: attr(receptor, 'Rfc'),
    total: attr(root, 'Total'),
    tipoDeComprobante: attr(root, 'TipoDeComprobante'),
  };
  const missing = Object.entries({
    Fecha: facts.fecha,
    Sello: facts.sello,
    NoCertificado: facts.noCertificado,
    Certificado: facts.certificado,
    Total: facts.total,
    TipoDeComprobante: facts.tipoDeComprobante,
    'Emisor/@Rfc': facts.rfcEmisor,
    'Receptor/@Rfc': facts.rfcReceptor,
  })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) throw stampRefusal('301', `falta ${missing.join(', ')}`);
  if (!FECHA_PATTERN.test(facts.fecha) || Number.isNaN(Date.parse(`${facts.fecha}Z`)))
    throw stampRefusal('301', `Fecha="${facts.fecha}" no es AAAA-MM-DDThh:mm:ss`);
  const total = Number(facts.total);
  if (!Number.isFinite(total)) throw stampRefusal('301', `Total="${facts.total}"`);
  const moneda = attr(root, 'Moneda');
  const rate = moneda === 'MXN' || moneda === 'XXX' ? 1 : Number(attr(root, 'TipoCambio') || '1');
  const relates: string[] = [];
  for (const group of root.children.filter(
    (c) => c.localName === 'CfdiRelacionados' && c.namespaceURI === CFDI_NAMESPACE_40,
  ))
    if (group.getAttribute('TipoRelacion') !== '04')
      for (const related of group.children) relates.push(attr(related, 'UUID').toUpperCase());
  const complemento = cfdiChild(root, 'Complemento');
  const visit = (el: XmlTreeElement) => {
    if (el.localName === 'DoctoRelacionado' && el.namespaceURI === PAGOS20_NS)
      relates.push(attr(el, 'IdDocumento').toUpperCase());
    for (const c of el.children) visit(c);
  };
  if (complemento) visit(complemento);
  return {
    root,
    ...facts,
    totalMxn: total * (Number.isFinite(rate) ? rate : 1),
    relates: relates.filter(Boolean),
    hasTimbre: (complemento?.children ?? []).some(
      (c) => c.localName === 'TimbreFiscalDigital' && c.namespaceURI === TFD_NAMESPACE,
    ),
  };
}

/** The schema pool, with SAT's cfdv40.xsd found outside the catalogue. */
class CfdiXsdPool extends XsdValidatorPool {
  constructor(
    schemasDir: string,
    private readonly file: string,
  ) {
    super(schemasDir);
  }

  override resolve(id: string, xml: string): string {
    return id === CFDI_SCHEMA_ID ? this.file : super.resolve(id, xml);
  }
}

/** Where the stand-in answers SAT's status service (ConsultaCFDIService), as SAT's own URL ends. */
export const CONSULTA_PATH = '/ConsultaCFDIService.svc';

/**
 * A stand-in of a Mexican PAC (proveedor autorizado de certificación) for CFDI 4.0, for local runs and tests;
 * its REST API (JSON answers) is the reference PAC protocol of the `mx-cfdi-pac` feature. Every answer is
 * JSON `{ status: "success" | "error", code, message?, ... }`; refusals are HTTP 400 with SAT's code, its own
 * faults HTTP 500, injected unavailability HTTP 503. With `apiKey`, requests need `x-api-key`.
 *
 * `POST /cfdi40/stamp` — body: the sealed CFDI (`Content-Type: application/xml`). Checks, in order:
 * 301 not well-formed, not a CFDI 4.0 Comprobante, required attributes missing, or not valid against SAT's
 * cfdv40.xsd (when the schema folder has it and it compiles; the complements' own schemas are not loaded, so
 * their elements in its wildcards are let through); 302 the Sello does not verify over the cadena
 * original with the Certificado (or either is missing or unreadable); 303 NoCertificado is not the
 * certificate's number, or Emisor/@Rfc not its RFC; 306 the certificate is an e.firma, not a CSD; 307 the same
 * Sello was stamped before: HTTP 200 with code "307" and the ORIGINAL stamp and stamped CFDI (never a second
 * UUID: a client that lost an answer sends the CFDI again, even after the 72 hours), or HTTP 400 when the CFDI
 * holds a TimbreFiscalDigital from elsewhere; 304 the certificate has expired; 305 Fecha is outside the
 * certificate's validity; 401 Fecha older than 72 hours or ahead of the clock (Fecha is a local time: read in
 * the Mexican zone, UTC-5 to UTC-8, most favourable to the issuer). Then the TimbreFiscalDigital 1.1 (UUID v4
 * in upper case, FechaTimbrado in Mexico City time, RfcProvCertif, SelloCFD, NoCertificadoSAT, SelloSAT:
 * RSA-SHA256 over the timbre's cadena original with the stand-in's SAT key) goes into `cfdi:Complemento`
 * (created before an Addenda, else as the last child, when absent), the rest of the document untouched.
 * Answer: `{ status: "success", code: "200", uuid, fechaTimbrado, noCertificadoSAT, selloSAT, cfdi }`, `cfdi`
 * the stamped XML in base64.
 *
 * `POST /cfdi40/cancel` — body JSON `{ rfcEmisor, uuid, motivo: "01"|"02"|"03"|"04", folioSustitucion?,
 * total?, rfcReceptor? }` with header `x-cancel-signature`: base64 RSA-SHA256 over the body's exact bytes with
 * the issuer's CSD key, verified with the certificate of the stamped CFDI (standing in for SAT's signed
 * cancellation request). Refusals: 301 (CA301) malformed request, motivo 01 without folioSustitucion (or one
 * that is not a UUID stamped here for the same issuer), folioSustitucion with another motivo; 205 UUID not
 * stamped here (or total, rfcReceptor not those of the CFDI); 203 rfcEmisor not the CFDI's issuer; 302
 * (CA302) signature missing or not verifying; 304 (CA304) the certificate has expired; 204 the CFDI has
 * related CFDIs in force (No cancelable). An already cancelled CFDI answers HTTP 200 with code "202" and its
 * status. Accepted: `{ status: "success", code: "201", uuid, estatusCancelacion, estado }`, cancelled at once
 * ("Cancelado sin aceptación") by the rules (`cancellation`: Total under 1000 MXN, receptor XAXX010101000),
 * else "En proceso" until the receptor answers (`POST /control/cancellations/{uuid}` `{ accept }`) or
 * `delays.acceptance` passes (`cancellation.autoAnswer`).
 *
 * `GET /cfdi40/status?re=&rr=&tt=&id=&fe=` — SAT's status query (issuer and receptor RFC, Total, UUID, last
 * 8 characters of the Sello): {@link PacStatus}; any mismatch is "No Encontrado". The same, as SAT's own
 * service answers it: `POST /ConsultaCFDIService.svc` (SOAP 1.1, shared/connectors/sat/consulta.ts).
 *
 * `GET /certificates/{noCertificado}` the SAT certificate (PEM, no key needed); `GET /stamps` the stamps,
 * `GET /stamps/{uuid}` a stamped CFDI, `GET /stats`. State (stamps, cancellations, the SAT key made at first
 * start: RSA 2048, NoCertificado in the serial as SAT writes it) lives in `<dataDir>/pac-standin/` and is
 * resumed on start.
 */
export class PacStandIn {
  url = '';
  /** The stand-in's SAT certificate (PEM), that SelloSAT verifies with; set by `start()`. */
  certificatePem = '';
  /** Its NoCertificado (the NoCertificadoSAT of the stamps); set by `start()`. */
  noCertificadoSat = '';
  /** The file holding `certificatePem`. */
  readonly certificateFile: string;
  private key: KeyObject | undefined;
  private readonly root: string;
  private readonly temporary: boolean;
  private state: State = PacStandIn.emptyState();
  private readonly byUuid = new Map<string, StampRecord>();
  private readonly bySello = new Map<string, StampRecord>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  private readonly faults: { timeoutAfterStamp: number; errorNext: number };
  private readonly clock: () => Date;
  private readonly random: () => number;
  private xsd: CfdiXsdPool | undefined;
  private xsdStatus = 'not checked (no schemasDir)';
  private readonly rules: Required<PacCancellationRules>;
  private readonly acceptanceDelay: number;

  constructor(readonly options: PacStandInOptions = {}) {
    this.temporary = options.dataDir === undefined;
    this.root = options.dataDir
      ? join(options.dataDir, 'pac-standin')
      : mkdtempSync(join(tmpdir(), 'einvoice-pac-standin-'));
    this.certificateFile = join(this.root, 'keys', 'sat.crt.pem');
    this.faults = {
      timeoutAfterStamp: options.faults?.timeoutAfterStamp ?? 0,
      errorNext: options.faults?.errorNext ?? 0,
    };
    this.clock = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.rules = {
      thresholdMxn: options.cancellation?.thresholdMxn ?? 1000,
      receptors: options.cancellation?.receptors ?? [RFC_PUBLICO_EN_GENERAL],
      types: options.cancellation?.types ?? [],
      autoAnswer: options.cancellation?.autoAnswer ?? 'accept',
    };
    this.acceptanceDelay = options.delays?.acceptance ?? 10_000;
  }

  private static emptyState(): State {
    return {
      stamps: [],
      counters: {
        duplicates: 0,
        refused: {},
        unavailable: 0,
        timeoutsAfterStamp: 0,
        statusQueries: 0,
        cancelRefused: {},
      },
    };
  }

  private get stateFile(): string {
    return join(this.root, 'state.json');
  }

  /** Loads the state and the SAT certificate (made at the first start), resumes cancellations, listens. */
  async start(): Promise<string> {
    this.stopped = false;
    mkdirSync(join(this.root, 'stamps'), { recursive: true });
    this.state = existsSync(this.stateFile)
      ? (JSON.parse(readFileSync(this.stateFile, 'utf8')) as State)
      : PacStandIn.emptyState();
    this.byUuid.clear();
    this.bySello.clear();
    for (const stamp of this.state.stamps) this.index(stamp);
    this.loadSatCertificate();
    await this.prepareXsd();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        if (!res.headersSent)
          this.sendJson(res, 500, { status: 'error', code: '500', message: describeError(error).message });
      });
    });
    this.url = await listenTracked(
      this.server,
      this.options.port ?? PAC_STANDIN_PORT,
      this.options.host ?? '127.0.0.1',
      this.sockets,
    );
    for (const stamp of this.state.stamps)
      if (stamp.cancellation?.status === 'En proceso') this.scheduleAnswer(stamp);
    return this.url;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await closeServer(this.server, this.sockets);
    await this.xsd?.close();
    if (this.temporary) rmSync(this.root, { recursive: true, force: true });
  }

  /** Routes, checks and codes, the SAT certificate, cancellation rules, delays and faults, as text. */
  describe(): string {
    const faults = this.options.faults ?? {};
    const faultList = [
      faults.timeoutAfterStamp
        ? `the next ${faults.timeoutAfterStamp} stamps are made, then left without an answer`
        : '',
      faults.errorNext ? `the next ${faults.errorNext} requests to /cfdi40/* answer 503` : '',
      faults.errorRate ? `${faults.errorRate * 100}% of requests to /cfdi40/* answer 503` : '',
      faults.latencyMs ? `${faults.latencyMs} ms before every answer to /cfdi40/*` : '',
    ].filter(Boolean);
    const auto = {
      accept: 'accepted (Cancelado con aceptación)',
      reject: 'refused (Solicitud rechazada)',
      expire: 'left to expire (Plazo vencido: cancelled)',
      none: 'never answered (stays En proceso)',
    }[this.rules.autoAnswer];
    const u = this.url;
    return [
      `PAC stand-in (CFDI 4.0 stamping, cancellation, status) at ${u}`,
      `  POST ${u}/cfdi40/stamp    the sealed CFDI (application/xml) -> {status, code, uuid, fechaTimbrado, noCertificadoSAT, selloSAT, cfdi (base64)}`,
      `  POST ${u}/cfdi40/cancel   {rfcEmisor, uuid, motivo, folioSustitucion?, total?, rfcReceptor?} + x-cancel-signature ` +
        '(base64 RSA-SHA256 of the body with the CSD key) -> {status, code: "201", estatusCancelacion}',
      `  GET  ${u}/cfdi40/status?re=&rr=&tt=&id=&fe=   {codigoEstatus, estado, esCancelable, estatusCancelacion}`,
      `  POST ${u}${CONSULTA_PATH}   SAT's status service (SOAP 1.1, expresionImpresa ?re=&rr=&tt=&id=&fe=)`,
      `  GET  ${u}/certificates/${this.noCertificadoSat || '{noCertificado}'}   the SAT certificate (PEM, ${this.certificateFile})`,
      `  POST ${u}/control/cancellations/{uuid}   {accept: true|false}: the receptor's answer to a cancellation En proceso`,
      `  GET  ${u}/stamps   GET ${u}/stamps/{uuid}   GET ${u}/stats`,
      `  ${this.options.apiKey ? 'x-api-key required (all but /certificates)' : 'no API key required'}`,
      `Stamps: RfcProvCertif ${this.rfcProvCertif}, NoCertificadoSAT ${this.noCertificadoSat || '(made at start)'}, FechaTimbrado in ${MEXICO_CITY} time`,
      `Checks, in order: 301 structure (CFDI 4.0 Comprobante; XSD: ${this.xsdStatus}), 302 Sello, ` +
        '303 NoCertificado/RFC of the certificate, 306 not a CSD, 307 same Sello stamped before (HTTP 200, the ' +
        "original stamp), 304 certificate expired, 305 Fecha outside the certificate's validity, 401 Fecha older " +
        `than 72 h or over ${Math.round(this.futureTolerance / 60_000)} min ahead (any Mexican time zone)`,
      `Cancellation without acceptance: Total under ${this.rules.thresholdMxn} MXN, receptor ${this.rules.receptors.join(', ') || '(none)'}` +
        `${this.rules.types.length ? `, TipoDeComprobante ${this.rules.types.join(', ')}` : ''}; ` +
        `otherwise En proceso, ${auto} after delays.acceptance (${this.acceptanceDelay} ms); motivo 01 needs a folioSustitucion stamped here`,
      `Faults: ${faultList.length ? faultList.join('; ') : 'none'}`,
    ].join('\n');
  }

  /** Counters: stamps, duplicates (307), refusals by code, cancellations by status, 503s, lost answers. */
  stats() {
    const cancellations: Record<string, number> = {};
    for (const stamp of this.state.stamps)
      if (stamp.cancellation)
        cancellations[stamp.cancellation.status] = (cancellations[stamp.cancellation.status] ?? 0) + 1;
    const c = this.state.counters;
    return {
      stamped: this.state.stamps.length,
      duplicates: c.duplicates,
      refused: { ...c.refused },
      unavailable: c.unavailable,
      timeoutsAfterStamp: c.timeoutsAfterStamp,
      statusQueries: c.statusQueries,
      cancellations,
      cancelRefused: { ...c.cancelRefused },
    };
  }

  /** The stamps, oldest first, with their status. */
  stamps() {
    return this.state.stamps.map((s) => ({
      uuid: s.uuid,
      fechaTimbrado: s.fechaTimbrado,
      fecha: s.fecha,
      rfcEmisor: s.rfcEmisor,
      rfcReceptor: s.rfcReceptor,
      total: s.total,
      tipoDeComprobante: s.tipoDeComprobante,
      noCertificado: s.noCertificado,
      estado: this.estado(s),
      esCancelable: this.esCancelable(s),
      estatusCancelacion: s.cancellation?.status ?? '',
      ...(s.cancellation?.motivo ? { motivo: s.cancellation.motivo } : {}),
      ...(s.cancellation?.folioSustitucion ? { folioSustitucion: s.cancellation.folioSustitucion } : {}),
    }));
  }

  /** The stamped CFDI of a UUID, as answered. */
  stampedXml(uuid: string): string | undefined {
    const stamp = this.byUuid.get(uuid.toUpperCase());
    return stamp ? readFileSync(this.stampPath(stamp), 'utf8') : undefined;
  }

  /** SAT's status query: the CFDI with these issuer and receptor RFCs, Total, UUID and Sello ending. */
  status(query: { re?: string; rr?: string; tt?: string; id?: string; fe?: string }): PacStatus {
    const stamp = this.byUuid.get((query.id ?? '').trim().toUpperCase());
    const same = (a: string | undefined, b: string) => (a ?? '').trim().toUpperCase() === b.toUpperCase();
    const found =
      stamp &&
      same(query.re, stamp.rfcEmisor) &&
      same(query.rr, stamp.rfcReceptor) &&
      query.tt !== undefined &&
      query.tt.trim() !== '' &&
      Math.abs(Number(query.tt) - Number(stamp.total)) < 0.0000005 &&
      (query.fe ?? '') === stamp.sello.slice(-8);
    if (!found)
      return {
        codigoEstatus: 'N - 602: Comprobante no encontrado.',
        estado: 'No Encontrado',
        esCancelable: '',
        estatusCancelacion: '',
      };
    return {
      codigoEstatus: 'S - Comprobante obtenido satisfactoriamente.',
      estado: this.estado(stamp),
      esCancelable: this.esCancelable(stamp),
      estatusCancelacion: stamp.cancellation?.status ?? '',
    };
  }

  private get rfcProvCertif(): string {
    return this.options.rfcProvCertif ?? PAC_STANDIN_RFC;
  }

  private get futureTolerance(): number {
    return this.options.futureToleranceMs ?? 5 * 60_000;
  }

  private index(stamp: StampRecord): void {
    this.byUuid.set(stamp.uuid, stamp);
    this.bySello.set(stamp.sello, stamp);
  }

  private save(): void {
    if (this.stopped) return;
    const temporary = `${this.stateFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state));
    renameSync(temporary, this.stateFile);
  }

  private stampPath(stamp: StampRecord): string {
    return join(this.root, 'stamps', `${stamp.uuid}.xml`);
  }

  /** The SAT key and certificate of the data folder, made at the first start. */
  private loadSatCertificate(): void {
    const dir = join(this.root, 'keys');
    const keyFile = join(dir, 'sat.key.pem');
    if (!existsSync(keyFile) || !existsSync(this.certificateFile)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const digits = `300010000005${String(Math.floor(this.random() * 1e8)).padStart(8, '0')}`;
      const now = this.clock().getTime();
      const cert = forge.pki.createCertificate();
      cert.publicKey = forge.pki.publicKeyFromPem(
        publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
      cert.serialNumber = Buffer.from(digits, 'ascii').toString('hex');
      cert.validity.notBefore = new Date(now - 86_400_000);
      cert.validity.notAfter = new Date(now + 4 * 365 * 86_400_000);
      const subject = [
        { name: 'commonName', value: 'SAT test (PAC stand-in)' },
        { name: 'organizationName', value: 'SAT test' },
        { name: 'organizationalUnitName', value: 'PAC stand-in' },
        { type: '2.5.4.45', value: this.rfcProvCertif },
      ];
      cert.setSubject(subject);
      cert.setIssuer(subject);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
      ]);
      cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
      writeFileSync(keyFile, keyPem, { mode: 0o600 });
      chmodSync(keyFile, 0o600);
      writeFileSync(this.certificateFile, forge.pki.certificateToPem(cert));
    }
    this.key = createPrivateKey(readFileSync(keyFile));
    this.certificatePem = readFileSync(this.certificateFile, 'utf8');
    this.noCertificadoSat = noCertificadoOf(this.certificatePem);
  }

  /** Finds SAT's cfdv40.xsd in the schema folder and checks that it compiles; otherwise the XSD is skipped. */
  private async prepareXsd(): Promise<void> {
    const dir = this.options.schemasDir;
    if (!dir || this.xsd) return;
    const catalogued = Object.values(XSD_CATALOGUE).find(
      (e) => e.root === `{${CFDI_NAMESPACE_40}}Comprobante`,
    );
    const candidates = [...(catalogued ? [catalogued.path] : []), ...CFDI40_XSD_PATHS];
    const found = candidates.map((path) => join(dir, path)).find((file) => existsSync(file));
    if (!found) {
      this.xsdStatus = `not checked: no cfdv40.xsd in ${dir} (looked for ${candidates.join(', ')})`;
      return;
    }
    const pool = new CfdiXsdPool(dir, found);
    const probe = `<cfdi:Comprobante xmlns:cfdi="${CFDI_NAMESPACE_40}"/>`;
    try {
      const problems = await pool.validate(probe, CFDI_SCHEMA_ID);
      // a compiled schema only has something to say about the probe's element
      const schemaProblem = problems.find((p) => !p.message.includes(`'{${CFDI_NAMESPACE_40}}Comprobante'`));
      if (schemaProblem) {
        this.xsdStatus = `not checked: ${found} does not compile (${schemaProblem.message}); SAT's catalogos/catCFDI.xsd and tipoDatos/tdCFDI/tdCFDI.xsd must be in their places beside it`;
        await pool.close();
        return;
      }
    } catch (error) {
      this.xsdStatus = `not checked: ${found} does not compile (${describeError(error).message})`;
      await pool.close();
      return;
    }
    this.xsd = pool;
    this.xsdStatus = `cfdv40.xsd from ${found}`;
  }

  private sendJson(res: ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
  }

  private refuse(res: ServerResponse, refusal: Refusal): void {
    this.sendJson(res, 400, { status: 'error', code: refusal.code, message: refusal.message });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readLimitedBody(req, MAX_BODY);
    if (body === undefined)
      return this.sendJson(res, 413, { status: 'error', code: '413', message: 'Request body too large' });
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    // SAT's repository layout: /certificates/000010/000005/04/46/50/00001000000504465028.cer (DER)
    const repository = /^\/certificates\/(?:\d{6}\/\d{6}\/\d{2}\/\d{2}\/\d{2})\/(\d{20})\.cer$/.exec(path);
    if (method === 'GET' && repository) {
      if (repository[1] !== this.noCertificadoSat)
        return this.sendJson(res, 404, { status: 'error', code: '404', message: 'No such certificate' });
      res
        .writeHead(200, { 'content-type': 'application/pkix-cert' })
        .end(new X509Certificate(this.certificatePem).raw);
      return;
    }
    const certificate = /^\/certificates\/([^/]+)$/.exec(path);
    if (method === 'GET' && certificate) {
      if (decodeURIComponent(certificate[1]!) !== this.noCertificadoSat)
        return this.sendJson(res, 404, { status: 'error', code: '404', message: 'No such certificate' });
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(this.certificatePem);
      return;
    }
    const apiKey = this.options.apiKey;
    const given = req.headers['x-api-key'];
    if (apiKey !== undefined && (typeof given !== 'string' || !sameText(given, apiKey)))
      return this.sendJson(res, 401, { status: 'error', code: 'unauthorized', message: 'Invalid x-api-key' });

    if (path.startsWith('/cfdi40/') || path === CONSULTA_PATH) {
      const faults = this.options.faults ?? {};
      if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
      const rate = faults.errorRate;
      if (this.faults.errorNext > 0 || (rate !== undefined && rate > 0 && this.random() < rate)) {
        if (this.faults.errorNext > 0) this.faults.errorNext--;
        this.state.counters.unavailable++;
        this.save();
        return this.sendJson(res, 503, {
          status: 'error',
          code: '503',
          message: 'Servicio no disponible temporalmente (stand-in)',
        });
      }
      if (path === '/cfdi40/stamp' && method === 'POST') return this.stamp(req, res, body);
      if (path === '/cfdi40/cancel' && method === 'POST') return this.cancel(req, res, body);
      if (path === '/cfdi40/status' && method === 'GET') {
        this.state.counters.statusQueries++;
        const q = url.searchParams;
        const query = Object.fromEntries(
          ['re', 'rr', 'tt', 'id', 'fe'].map((name) => [name, q.get(name) ?? undefined]),
        );
        return this.sendJson(res, 200, this.status(query));
      }
      if (path === CONSULTA_PATH && method === 'POST') return this.consulta(res, body);
    }
    if (method === 'GET' && path === '/stats') return this.sendJson(res, 200, this.stats());
    if (method === 'GET' && path === '/stamps') return this.sendJson(res, 200, this.stamps());
    const stamped = /^\/stamps\/([^/]+)$/.exec(path);
    if (method === 'GET' && stamped) {
      const xml = this.stampedXml(decodeURIComponent(stamped[1]!));
      if (xml === undefined)
        return this.sendJson(res, 404, { status: 'error', code: '404', message: 'No such UUID' });
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' }).end(xml);
      return;
    }
    const control = /^\/control\/cancellations\/([^/]+)$/.exec(path);
    if (method === 'POST' && control)
      return this.answerCancellation(res, decodeURIComponent(control[1]!), body);
    return this.sendJson(res, 404, { status: 'error', code: '404', message: `No route ${method} ${path}` });
  }

  /** `POST /ConsultaCFDIService.svc`: SAT's status service, its SOAP 1.1 protocol. */
  private consulta(res: ServerResponse, body: Buffer): void {
    this.state.counters.statusQueries++;
    let query: ReturnType<typeof parseConsultaRequest>;
    try {
      query = parseConsultaRequest(body.toString('utf8'));
    } catch (error) {
      const reason = escapeXml(describeError(error).message);
      res
        .writeHead(500, { 'content-type': 'text/xml; charset=utf-8' })
        .end(
          `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>${reason}</faultstring></s:Fault></s:Body></s:Envelope>`,
        );
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/xml; charset=utf-8' })
      .end(consultaResponse({ ...this.status(query), validacionEFOS: '200' }));
  }

  /** `POST /cfdi40/stamp`. */
  private async stamp(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    let stamp: StampRecord;
    let xml: string;
    try {
      const text = body.toString('utf8');
      const facts = readCfdi(text.replace(/^\uFEFF/, ''));
      if (this.xsd) {
        const problems = (await this.xsd.validate(text.replace(/^\uFEFF/, ''), CFDI_SCHEMA_ID)).filter(
          (p) => !COMPLEMENT_NOT_LOADED.test(p.message),
        );
        if (problems.length > 0)
          throw stampRefusal('301', `${problems[0]!.message} (${problems[0]!.path ?? ''})`);
      }
      // from here on, nothing waits: a duplicate sent at the same time finds this stamp
      const previous = this.check(text, facts);
      if (previous) {
        this.state.counters.duplicates++;
        this.save();
        return this.sendJson(res, 200, {
          status: 'success',
          code: '307',
          message: PAC_STAMP_CODES['307'],
          ...this.answerOf(previous),
        });
      }
      ({ stamp, xml } = this.makeStamp(text, facts));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      this.state.counters.refused[error.code] = (this.state.counters.refused[error.code] ?? 0) + 1;
      this.save();
      return this.refuse(res, error);
    }
    writeFileSync(this.stampPath(stamp), xml);
    this.state.stamps.push(stamp);
    this.index(stamp);
    this.save();
    if (this.faults.timeoutAfterStamp > 0) {
      this.faults.timeoutAfterStamp--;
      this.state.counters.timeoutsAfterStamp++;
      this.save();
      req.socket.destroy();
      return;
    }
    this.sendJson(res, 200, {
      status: 'success',
      code: '200',
      message: PAC_STAMP_CODES['200'],
      ...this.answerOf(stamp, xml),
    });
  }

  /** The checks after the structure: the stamp made before for this Sello, or undefined to stamp it now. */
  private check(text: string, facts: CfdiFacts): StampRecord | undefined {
    let verdict: CfdiSealVerification;
    try {
      verdict = verifyCfdiSeal(facts.root);
    } catch (error) {
      throw stampRefusal('301', describeError(error).message);
    }
    const problemOf = (code: keyof typeof PAC_STAMP_CODES) =>
      verdict.problems.find((p) => SEAL_PROBLEM_CODES[p.code ?? ''] === code);
    for (const code of ['302', '303', '306'] as const) {
      const problem = problemOf(code);
      if (problem) throw stampRefusal(code, problem.message);
    }
    const previous = this.bySello.get(facts.sello);
    if (previous) return previous;
    if (facts.hasTimbre) throw stampRefusal('307', 'timbrado por otro PAC');
    const info = satCertificateInfo(facts.certificado);
    const now = this.clock().getTime();
    if (info.validTo.getTime() < now)
      throw stampRefusal(
        '304',
        `el certificado ${info.noCertificado} venció el ${info.validTo.toISOString()}`,
      );
    const outside = problemOf('305');
    if (outside) throw stampRefusal('305', outside.message);
    const unexpected = verdict.problems[0];
    if (!verdict.valid && unexpected) throw stampRefusal('302', unexpected.message);
    // Fecha is local time in one of Mexico's zones (UTC-5 to UTC-8): the most favourable reading counts
    const local = Date.parse(`${facts.fecha}Z`);
    if (local + 8 * HOUR < now - 72 * HOUR || local + 5 * HOUR > now + this.futureTolerance)
      throw stampRefusal(
        '401',
        `Fecha ${facts.fecha}; en la Ciudad de México son las ${mexicoCityTime(now)} y se admiten 72 horas antes`,
      );
    return undefined;
  }

  /** The TimbreFiscalDigital of a CFDI that passed the checks, and the stamped CFDI. */
  private makeStamp(text: string, facts: CfdiFacts): { stamp: StampRecord; xml: string } {
    const now = this.clock();
    const uuid = randomUUID().toUpperCase();
    const fechaTimbrado = mexicoCityTime(now);
    const attributes =
      `Version="1.1" UUID="${uuid}" FechaTimbrado="${fechaTimbrado}" RfcProvCertif="${escapeXml(this.rfcProvCertif)}" ` +
      `SelloCFD="${escapeXml(facts.sello)}" NoCertificadoSAT="${this.noCertificadoSat}"`;
    const head = `<tfd:TimbreFiscalDigital xmlns:tfd="${TFD_NAMESPACE}"`;
    const cadena = cadenaTimbre(
      `${head} xmlns:xsi="${XSI_NS}" xsi:schemaLocation="${TFD_SCHEMA_LOCATION}" ${attributes}/>`,
    );
    const selloSat = sign('sha256', Buffer.from(cadena, 'utf8'), this.key!).toString('base64');
    const complemento = cfdiChild(facts.root, 'Complemento');
    const xsiBound = [facts.root, complemento].some((el) => el?.getAttribute('xmlns:xsi') === XSI_NS);
    const timbre =
      `${head}${xsiBound ? '' : ` xmlns:xsi="${XSI_NS}"`} xsi:schemaLocation="${TFD_SCHEMA_LOCATION}" ` +
      `${attributes} SelloSAT="${selloSat}"/>`;
    const xml = insertTimbre(text, facts.root, timbre);
    const stamp: StampRecord = {
      uuid,
      fechaTimbrado,
      stampedAt: now.toISOString(),
      sello: facts.sello,
      selloSat,
      noCertificado: facts.noCertificado,
      fecha: facts.fecha,
      rfcEmisor: facts.rfcEmisor,
      rfcReceptor: facts.rfcReceptor,
      total: facts.total,
      totalMxn: facts.totalMxn,
      tipoDeComprobante: facts.tipoDeComprobante,
      relates: facts.relates,
    };
    return { stamp, xml };
  }

  private answerOf(stamp: StampRecord, xml?: string) {
    return {
      uuid: stamp.uuid,
      fechaTimbrado: stamp.fechaTimbrado,
      noCertificadoSAT: this.noCertificadoSat,
      selloSAT: stamp.selloSat,
      cfdi: Buffer.from(xml ?? readFileSync(this.stampPath(stamp), 'utf8'), 'utf8').toString('base64'),
    };
  }

  private estado(stamp: StampRecord): 'Vigente' | 'Cancelado' {
    const status = stamp.cancellation?.status;
    return status === 'Cancelado sin aceptación' ||
      status === 'Cancelado con aceptación' ||
      status === 'Plazo vencido'
      ? 'Cancelado'
      : 'Vigente';
  }

  /** Whether a cancellation of this CFDI would need the receptor's acceptance, by the rules. */
  private withoutAcceptance(stamp: StampRecord): boolean {
    return (
      stamp.totalMxn < this.rules.thresholdMxn ||
      this.rules.receptors.includes(stamp.rfcReceptor) ||
      this.rules.types.includes(stamp.tipoDeComprobante)
    );
  }

  private esCancelable(stamp: StampRecord): EsCancelable {
    const related = this.state.stamps.some(
      (other) =>
        other !== stamp &&
        other.rfcEmisor === stamp.rfcEmisor &&
        this.estado(other) === 'Vigente' &&
        other.relates.includes(stamp.uuid),
    );
    if (related) return 'No cancelable';
    return this.withoutAcceptance(stamp) ? 'Cancelable sin aceptación' : 'Cancelable con aceptación';
  }

  /** `POST /cfdi40/cancel`. */
  private cancel(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    let stamp: StampRecord;
    let code: '201' | '202';
    try {
      ({ stamp, code } = this.checkCancellation(req, body));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      const refused = this.state.counters.cancelRefused;
      refused[error.code] = (refused[error.code] ?? 0) + 1;
      this.save();
      return this.refuse(res, error);
    }
    this.save();
    if (code === '201' && stamp.cancellation?.status === 'En proceso') this.scheduleAnswer(stamp);
    this.sendJson(res, 200, {
      status: 'success',
      code,
      message: PAC_CANCEL_CODES[code],
      uuid: stamp.uuid,
      estatusCancelacion: stamp.cancellation?.status ?? '',
      estado: this.estado(stamp),
    });
  }

  /**
   * The checks of a cancellation request: the stamp with its cancellation recorded (201), or as it was when
   * cancelled before (202); a Refusal otherwise.
   */
  private checkCancellation(req: IncomingMessage, body: Buffer): { stamp: StampRecord; code: '201' | '202' } {
    let request: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      request = parsed as Record<string, unknown>;
    } catch {
      throw cancelRefusal('301', 'el cuerpo no es un objeto JSON');
    }
    const field = (name: string): string | undefined => {
      const value = request[name];
      if (value === undefined || value === null) return undefined;
      if (typeof value === 'number' && name === 'total') return String(value);
      if (typeof value !== 'string') throw cancelRefusal('301', `${name} debe ser texto`);
      return value.trim();
    };
    const rfcEmisor = field('rfcEmisor');
    const uuid = field('uuid')?.toUpperCase();
    const motivo = field('motivo');
    const folioSustitucion = field('folioSustitucion')?.toUpperCase() || undefined;
    const total = field('total');
    const rfcReceptor = field('rfcReceptor');
    if (!rfcEmisor) throw cancelRefusal('301', 'falta rfcEmisor');
    if (!uuid || !UUID_PATTERN.test(uuid)) throw cancelRefusal('301', 'uuid no es un folio fiscal');
    if (!motivo || !['01', '02', '03', '04'].includes(motivo))
      throw cancelRefusal('301', `motivo ${JSON.stringify(motivo ?? '')} no es 01, 02, 03 ni 04`);
    if (motivo === '01' && !folioSustitucion)
      throw cancelRefusal('301', 'el motivo 01 requiere folioSustitucion');
    if (motivo !== '01' && folioSustitucion)
      throw cancelRefusal('301', 'folioSustitucion solo aplica al motivo 01');
    if (folioSustitucion && !UUID_PATTERN.test(folioSustitucion))
      throw cancelRefusal('301', 'folioSustitucion no es un folio fiscal');
    const stamp = this.byUuid.get(uuid);
    if (
      !stamp ||
      (total !== undefined && Math.abs(Number(total) - Number(stamp.total)) >= 0.0000005) ||
      (rfcReceptor !== undefined && rfcReceptor.toUpperCase() !== stamp.rfcReceptor.toUpperCase())
    )
      throw cancelRefusal('205', uuid);
    if (rfcEmisor.toUpperCase() !== stamp.rfcEmisor.toUpperCase())
      throw cancelRefusal('203', `${uuid} no es del emisor ${rfcEmisor}`);
    const signature = req.headers['x-cancel-signature'];
    if (typeof signature !== 'string' || !signature.trim())
      throw cancelRefusal('302', 'falta la cabecera x-cancel-signature');
    const certificate = this.certificateOf(stamp);
    let verified = false;
    try {
      verified = verify('sha256', body, certificate.publicKey, Buffer.from(signature.trim(), 'base64'));
    } catch {
      verified = false;
    }
    if (!verified)
      throw cancelRefusal('302', `la firma no verifica con el certificado ${stamp.noCertificado} del CFDI`);
    if (Date.parse(certificate.validTo) < this.clock().getTime())
      throw cancelRefusal('304', `el certificado ${stamp.noCertificado} venció`);
    if (folioSustitucion) {
      const replacement = this.byUuid.get(folioSustitucion);
      if (!replacement || replacement.rfcEmisor !== stamp.rfcEmisor || replacement === stamp)
        throw cancelRefusal('301', `folioSustitucion ${folioSustitucion} no es un CFDI timbrado del emisor`);
    }
    if (this.estado(stamp) === 'Cancelado') return { stamp, code: '202' };
    if (stamp.cancellation?.status === 'En proceso') return { stamp, code: '201' };
    if (this.esCancelable(stamp) === 'No cancelable')
      throw cancelRefusal('204', 'tiene CFDI relacionados vigentes');
    const immediate = this.withoutAcceptance(stamp);
    stamp.cancellation = {
      motivo: motivo as MotivoCancelacion,
      ...(folioSustitucion ? { folioSustitucion } : {}),
      requestedAt: this.clock().toISOString(),
      status: immediate ? 'Cancelado sin aceptación' : 'En proceso',
      ...(immediate ? {} : { dueAt: Date.now() + this.acceptanceDelay }),
    };
    return { stamp, code: '201' };
  }

  private certificateOf(stamp: StampRecord): X509Certificate {
    const root = parseXmlTree(readFileSync(this.stampPath(stamp), 'utf8'));
    return satCertificate(root.getAttribute('Certificado') ?? '');
  }

  /** The receptor's automatic answer to a cancellation En proceso, when its delay passes. */
  private scheduleAnswer(stamp: StampRecord): void {
    const cancellation = stamp.cancellation;
    if (this.stopped || !cancellation || cancellation.dueAt === undefined || this.rules.autoAnswer === 'none')
      return;
    clearTimeout(this.timers.get(stamp.uuid));
    const timer = setTimeout(
      () => {
        this.timers.delete(stamp.uuid);
        if (this.stopped || stamp.cancellation?.status !== 'En proceso') return;
        const answer = this.rules.autoAnswer;
        this.settle(
          stamp,
          answer === 'accept'
            ? 'Cancelado con aceptación'
            : answer === 'reject'
              ? 'Solicitud rechazada'
              : 'Plazo vencido',
        );
      },
      Math.max(0, cancellation.dueAt - Date.now()),
    );
    this.timers.set(stamp.uuid, timer);
  }

  private settle(stamp: StampRecord, status: Cancellation['status']): void {
    const cancellation = stamp.cancellation!;
    cancellation.status = status;
    cancellation.answeredAt = this.clock().toISOString();
    delete cancellation.dueAt;
    clearTimeout(this.timers.get(stamp.uuid));
    this.timers.delete(stamp.uuid);
    this.save();
  }

  /** `POST /control/cancellations/{uuid}` `{ accept }`: the receptor accepts or refuses a cancellation. */
  private answerCancellation(res: ServerResponse, uuid: string, body: Buffer): void {
    let accept: unknown;
    try {
      accept = (JSON.parse(body.toString('utf8')) as { accept?: unknown }).accept;
    } catch {
      accept = undefined;
    }
    if (typeof accept !== 'boolean')
      return this.sendJson(res, 400, {
        status: 'error',
        code: '400',
        message: 'Expected {"accept": true|false}',
      });
    const stamp = this.byUuid.get(uuid.toUpperCase());
    if (!stamp)
      return this.sendJson(res, 404, { status: 'error', code: '205', message: `UUID No existe: ${uuid}` });
    if (stamp.cancellation?.status !== 'En proceso')
      return this.sendJson(res, 409, {
        status: 'error',
        code: '409',
        message: `No cancellation of ${stamp.uuid} is En proceso (${stamp.cancellation?.status || 'none asked'})`,
      });
    this.settle(stamp, accept ? 'Cancelado con aceptación' : 'Solicitud rechazada');
    this.sendJson(res, 200, {
      status: 'success',
      uuid: stamp.uuid,
      estatusCancelacion: stamp.cancellation.status,
      estado: this.estado(stamp),
    });
  }
}

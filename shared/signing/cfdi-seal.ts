/**
 * Sealing and verifying Mexican CFDI: the issuer's seal (`Sello`, RSA-SHA256 PKCS#1 v1.5 over the cadena
 * original, with the CSD's certificate in `Certificado` and its number in `NoCertificado`), and the
 * TimbreFiscalDigital's `SelloSAT`.
 */
import { sign, verify, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidInput, type ProblemDetail } from '../errors';
import { parseXmlTree, type XmlTreeElement } from '../xml/xml-tree';
import { cadenaOriginal, cadenaTimbre, cfdiVersion, findTimbre } from './cfdi-cadena';
import {
  checkCsd,
  satCertificate,
  satCertificateInfo,
  type SatCertificateInfo,
  type SatCsd,
} from './sat-csd';

export interface SealCfdiOptions {
  /** The instant the CSD must be valid at; default now. */
  at?: Date;
  /**
   * Whether to refuse a credential that may not seal this CFDI (see `checkCsd`: an e.firma, one not valid at
   * `at`, one of another RFC than the Emisor's); default true.
   */
  check?: boolean;
}

/**
 * Seals a CFDI 4.0 or 3.3 with a CSD: writes `NoCertificado`, `Certificado` and `Sello` on the
 * `cfdi:Comprobante` (replacing values already there, else added after its last attribute), leaving the
 * rest of the text as it was. The cadena original is computed with the new `NoCertificado`, which it includes.
 */
export function sealCfdi(xml: string, csd: SatCsd, options: SealCfdiOptions = {}): string {
  const root = parseXmlTree(xml);
  cfdiVersion(root);
  if (options.check !== false) {
    checkCsd(csd, { rfc: emisorOf(root)?.getAttribute('Rfc') ?? undefined, at: options.at });
  }
  const withCertificate = setRootAttributes(xml, [
    ['NoCertificado', csd.noCertificado],
    ['Certificado', csd.certificateBase64],
  ]);
  const cadena = cadenaOriginal(withCertificate);
  const sello = sign('sha256', Buffer.from(cadena, 'utf8'), csd.privateKey).toString('base64');
  return setRootAttributes(withCertificate, [['Sello', sello]]);
}

export interface CfdiSealVerification {
  /** The seal verifies over the cadena with the embedded certificate and nothing below is wrong. */
  valid: boolean;
  /** The embedded certificate's number (else the document's `NoCertificado`). */
  noCertificado: string | undefined;
  /** The RFC of the embedded certificate. */
  rfc: string | undefined;
  cadena: string;
  problems: ProblemDetail[];
}

const COMPROBANTE = '/cfdi:Comprobante';

/**
 * Verifies a CFDI's `Sello` with the certificate it embeds (`Certificado`): the RSA-SHA256 signature over
 * the cadena original, the certificate's number against `NoCertificado`, its RFC against the Emisor's, that
 * it is a CSD (not an e.firma), and that it was valid on the document's `Fecha` (a local time: any Mexican
 * time zone is allowed). It does not check that SAT issued the certificate, nor its revocation. Throws
 * only for a document it cannot read (`cfdi.*`, `xml.*`); everything else is a problem in the answer. The
 * document as text, or as a tree parsed before.
 */
export function verifyCfdiSeal(xml: string | XmlTreeElement): CfdiSealVerification {
  const root = typeof xml === 'string' ? parseXmlTree(xml) : xml;
  const cadena = cadenaOriginal(root);
  const problems: ProblemDetail[] = [];
  const problem = (code: string, path: string, message: string) => problems.push({ code, path, message });
  const declared = root.getAttribute('NoCertificado') ?? undefined;
  const sello = root.getAttribute('Sello');
  const certificado = root.getAttribute('Certificado');
  let info: SatCertificateInfo | undefined;
  if (!certificado)
    problem('cfdi.no-certificate', `${COMPROBANTE}/@Certificado`, 'The CFDI has no Certificado');
  else {
    try {
      info = satCertificateInfo(certificado);
    } catch {
      problem(
        'cfdi.invalid-certificate',
        `${COMPROBANTE}/@Certificado`,
        'Certificado is not an X.509 certificate',
      );
    }
  }
  if (!sello) problem('cfdi.no-seal', `${COMPROBANTE}/@Sello`, 'The CFDI has no Sello');
  if (info && sello) {
    const signature = Buffer.from(sello.replace(/\s+/g, ''), 'base64');
    let verified = false;
    try {
      verified = verify('sha256', Buffer.from(cadena, 'utf8'), info.certificate.publicKey, signature);
    } catch {
      verified = false;
    }
    if (!verified)
      problem(
        'cfdi.seal-invalid',
        `${COMPROBANTE}/@Sello`,
        'Sello does not verify over the cadena original with the certificate: the document was changed, or sealed with another key',
      );
  }
  if (info) {
    if (declared !== info.noCertificado)
      problem(
        'cfdi.no-certificado-mismatch',
        `${COMPROBANTE}/@NoCertificado`,
        `NoCertificado is ${declared ?? 'absent'}, the certificate's number is ${info.noCertificado}`,
      );
    const emisorRfc = emisorOf(root)?.getAttribute('Rfc');
    if (emisorRfc && emisorRfc.toUpperCase() !== info.rfc.toUpperCase())
      problem(
        'cfdi.rfc-mismatch',
        `${COMPROBANTE}/cfdi:Emisor/@Rfc`,
        `The Emisor's RFC is ${emisorRfc}, the certificate is ${info.rfc}'s`,
      );
    if (info.isFiel)
      problem(
        'cfdi.not-csd',
        `${COMPROBANTE}/@Certificado`,
        'The certificate is an e.firma (FIEL), not a CSD',
      );
    const fecha = root.getAttribute('Fecha');
    const outside = fecha ? outsideValidity(fecha, info) : undefined;
    if (outside) problem('cfdi.certificate-not-valid', `${COMPROBANTE}/@Fecha`, outside);
  }
  return {
    valid: problems.length === 0,
    noCertificado: info?.noCertificado ?? declared,
    rfc: info?.rfc,
    cadena,
    problems,
  };
}

/** Why the certificate was not valid at a CFDI's local `Fecha`, whatever Mexican time zone (UTC-5 to UTC-8) it is in. */
function outsideValidity(fecha: string, info: SatCertificateInfo): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(fecha.trim());
  if (!match) return undefined;
  const n = (i: number) => Number(match[i]);
  const local = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6));
  const earliest = local + 5 * 3_600_000;
  const latest = local + 8 * 3_600_000;
  if (latest < info.validFrom.getTime() || earliest > info.validTo.getTime())
    return `The certificate was not valid on ${fecha} (valid ${info.validFrom.toISOString()} to ${info.validTo.toISOString()})`;
  return undefined;
}

function emisorOf(root: XmlTreeElement): XmlTreeElement | undefined {
  return root.children.find((el) => el.localName === 'Emisor' && el.namespaceURI === root.namespaceURI);
}

export interface TimbreVerification {
  /** SelloSAT verifies with SAT's certificate, whose number is NoCertificadoSAT, and SelloCFD is the Comprobante's Sello. */
  valid: boolean;
  uuid: string | undefined;
  noCertificadoSAT: string | undefined;
  cadena: string;
  problems: ProblemDetail[];
}

export interface VerifyTimbreOptions {
  /**
   * A folder of SAT's certificates, each named by its number (`00001000000708361114.cer`, DER or PEM, or
   * `.cer.pem` / `.pem`), searched for NoCertificadoSAT when no certificate is given.
   */
  certificatesDir?: string;
}

const TIMBRE = 'tfd:TimbreFiscalDigital';

/**
 * Verifies the TimbreFiscalDigital 1.1 of a stamped CFDI (or a TimbreFiscalDigital alone): SelloSAT, the
 * RSA-SHA256 signature over the timbre's cadena original, with SAT's certificate (`satCertificate`, PEM or
 * DER; else the one named NoCertificadoSAT in `certificatesDir`), that certificate's number against
 * NoCertificadoSAT, and, in a CFDI, that SelloCFD is the Comprobante's Sello. Throws for a document without a
 * TimbreFiscalDigital 1.1 (`cfdi.no-timbre`, `cfdi.unsupported-version`). The document as text, or as a tree
 * parsed before.
 */
export function verifyTimbre(
  xml: string | XmlTreeElement,
  satCertificatePem?: string | Buffer | X509Certificate,
  options: VerifyTimbreOptions = {},
): TimbreVerification {
  const root = typeof xml === 'string' ? parseXmlTree(xml) : xml;
  const cadena = cadenaTimbre(root);
  const tfd = findTimbre(root)!;
  const problems: ProblemDetail[] = [];
  const problem = (code: string, path: string, message: string) => problems.push({ code, path, message });
  const noCertificadoSAT = tfd.getAttribute('NoCertificadoSAT') ?? undefined;
  let certificate: X509Certificate | undefined;
  if (satCertificatePem !== undefined) {
    certificate = satCertificate(satCertificatePem);
  } else if (options.certificatesDir && noCertificadoSAT && /^[0-9]{1,40}$/.test(noCertificadoSAT)) {
    const file = ['.cer', '.cer.pem', '.pem']
      .map((ext) => join(options.certificatesDir!, noCertificadoSAT + ext))
      .find((path) => existsSync(path));
    if (file) certificate = satCertificate(readFileSync(file));
  }
  if (!certificate) {
    problem(
      'tfd.no-sat-certificate',
      `${TIMBRE}/@NoCertificadoSAT`,
      `SAT's certificate ${noCertificadoSAT ?? '(no NoCertificadoSAT)'} is not available`,
    );
  } else {
    const number = satCertificateInfo(certificate).noCertificado;
    if (number !== noCertificadoSAT)
      problem(
        'tfd.no-certificado-mismatch',
        `${TIMBRE}/@NoCertificadoSAT`,
        `NoCertificadoSAT is ${noCertificadoSAT ?? 'absent'}, the certificate's number is ${number}`,
      );
    const selloSAT = tfd.getAttribute('SelloSAT');
    let verified = false;
    if (selloSAT) {
      try {
        verified = verify(
          'sha256',
          Buffer.from(cadena, 'utf8'),
          certificate.publicKey,
          Buffer.from(selloSAT.replace(/\s+/g, ''), 'base64'),
        );
      } catch {
        verified = false;
      }
    }
    if (!verified)
      problem(
        'tfd.seal-invalid',
        `${TIMBRE}/@SelloSAT`,
        selloSAT ? 'SelloSAT does not verify over the timbre cadena original' : 'The timbre has no SelloSAT',
      );
  }
  if (tfd !== root) {
    const sello = root.getAttribute('Sello');
    if ((tfd.getAttribute('SelloCFD') ?? '') !== (sello ?? ''))
      problem('tfd.sello-cfd-mismatch', `${TIMBRE}/@SelloCFD`, "SelloCFD is not the Comprobante's Sello");
  }
  return {
    valid: problems.length === 0,
    uuid: tfd.getAttribute('UUID') ?? undefined,
    noCertificadoSAT,
    cadena,
    problems,
  };
}

/**
 * Sets attributes on the root element's start tag in the text itself: a value already there is replaced in
 * place (in its own quotes), a missing attribute is added after the last one. Nothing else of the text changes.
 */
export function setRootAttributes(xml: string, values: ReadonlyArray<readonly [string, string]>): string {
  const tag = rootStartTag(xml);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const added: string[] = [];
  for (const [name, value] of values) {
    const found = tag.attributes.find((a) => a.name === name);
    if (found) {
      edits.push({ start: found.valueStart, end: found.valueEnd, text: escapeAttribute(value, found.quote) });
    } else {
      added.push(` ${name}="${escapeAttribute(value, '"')}"`);
    }
  }
  if (added.length > 0) edits.push({ start: tag.insertAt, end: tag.insertAt, text: added.join('') });
  edits.sort((a, b) => b.start - a.start);
  let out = xml;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

interface StartTag {
  attributes: Array<{ name: string; quote: string; valueStart: number; valueEnd: number }>;
  /** Where a new attribute goes: after the last attribute (or the name). */
  insertAt: number;
}

const NAME = /[^\s=/>]+/y;
const ATTRIBUTE = /\s+([^\s=/>]+)\s*=\s*(["'])/y;

/** The root element's start tag, found after the prolog (XML declaration, comments, processing instructions). */
function rootStartTag(xml: string): StartTag {
  let at = xml.startsWith('\uFEFF') ? 1 : 0;
  for (;;) {
    while (at < xml.length && /\s/.test(xml[at]!)) at++;
    if (xml.startsWith('<?', at)) at = skipTo(xml, '?>', at);
    else if (xml.startsWith('<!--', at)) at = skipTo(xml, '-->', at);
    else break;
  }
  if (xml[at] !== '<' || xml[at + 1] === '!')
    throw invalidInput('cfdi.not-cfdi', 'No root element start tag found', [
      { path: `offset ${at}`, message: 'no <' },
    ]);
  NAME.lastIndex = at + 1;
  if (!NAME.exec(xml)) throw invalidInput('cfdi.not-cfdi', 'The root element has no name');
  let cursor = NAME.lastIndex;
  const attributes: StartTag['attributes'] = [];
  for (;;) {
    ATTRIBUTE.lastIndex = cursor;
    const match = ATTRIBUTE.exec(xml);
    if (!match) break;
    const quote = match[2]!;
    const valueStart = ATTRIBUTE.lastIndex;
    const valueEnd = xml.indexOf(quote, valueStart);
    if (valueEnd < 0)
      throw invalidInput('xml.malformed', 'An attribute value of the root element is not closed');
    attributes.push({ name: match[1]!, quote, valueStart, valueEnd });
    cursor = valueEnd + 1;
  }
  return { attributes, insertAt: cursor };
}

function skipTo(xml: string, end: string, from: number): number {
  const found = xml.indexOf(end, from);
  if (found < 0) throw invalidInput('xml.malformed', `The prolog has no closing ${end}`);
  return found + end.length;
}

function escapeAttribute(value: string, quote: string): string {
  let out = value.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  out = quote === '"' ? out.replace(/"/g, '&quot;') : out.replace(/'/g, '&apos;');
  return out.replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

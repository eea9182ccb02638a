import { DOMParser } from '@xmldom/xmldom';
import { createHash, randomUUID, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { EInvoiceError } from '../errors';
import { exclusiveCanonicalize } from './exc-c14n';

export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
const UBL_EXT = 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2';
const EXTENSION_CONTENT_END = '</ext:ExtensionContent>';

export type SignaturePlacement = 'ubl-extensions' | 'root-end';
export type SignatureProfile = 'xmldsig' | 'xades-bes';

export interface XmlSigningKey {
  privateKey: KeyObject;
  certificate: X509Certificate;
}

export interface XmlSignOptions {
  profile?: SignatureProfile;
  /** XAdES SigningTime; default now. */
  signingTime?: Date;
}

/** Inserts an empty `ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent` as the root's first child. */
function withUblExtension(xml: string): string {
  const rootStart = /<(?!\?|!)([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)(\s[^>]*)?>/.exec(xml);
  if (!rootStart) throw new EInvoiceError('sign.invalid-xml', 'The document has no root element');
  if (xml.includes('<ext:UBLExtensions'))
    throw new EInvoiceError('sign.unsupported', 'The document has UBL extensions already');
  const end = rootStart.index + rootStart[0].length;
  const extension =
    `<ext:UBLExtensions xmlns:ext="${UBL_EXT}"><ext:UBLExtension><ext:ExtensionContent>` +
    `${EXTENSION_CONTENT_END}</ext:UBLExtension></ext:UBLExtensions>`;
  return xml.slice(0, end) + extension + xml.slice(end);
}

/** The general canonicalizer (a DOM and xml-crypto's exclusive c14n), for documents off the fast path. */
function canonicalizeGeneral(document: string): string {
  const errors: string[] = [];
  const doc = new DOMParser({
    errorHandler: {
      warning: () => undefined,
      error: (m: string) => errors.push(m),
      fatalError: (m: string) => errors.push(m),
    },
  }).parseFromString(document, 'application/xml');
  if (errors.length > 0 || !doc.documentElement) {
    throw new EInvoiceError(
      'sign.invalid-xml',
      `The document is not well-formed XML: ${errors[0] ?? 'no root element'}`,
    );
  }
  return new ExclusiveCanonicalization().process(doc.documentElement, {}).toString();
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('base64');

function escapeText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;',
  );
}

/** An RFC 4514 distinguished name from Node's line-per-attribute form (most significant RDN first). */
function rfc4514(name: string): string {
  return name
    .split('\n')
    .filter(Boolean)
    .reverse()
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      const value = rdn
        .slice(eq + 1)
        .replace(/([,+"\\<>;])/g, '\\$1')
        .replace(/^([ #])/, '\\$1')
        .replace(/ $/, '\\ ');
      return `${rdn.slice(0, eq)}=${value}`;
    })
    .join(',');
}

function reference(uri: string, transforms: string[], digest: string, type?: string): string {
  return (
    `<ds:Reference${type ? ` Type="${type}"` : ''} URI="${uri}"><ds:Transforms>` +
    transforms.map((t) => `<ds:Transform Algorithm="${t}"></ds:Transform>`).join('') +
    `</ds:Transforms><ds:DigestMethod Algorithm="${SHA256}"></ds:DigestMethod><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`
  );
}

/**
 * XAdES-BES SignedProperties (XAdES 1.3.2: SigningTime and SigningCertificate with the certificate's
 * SHA-256 digest and issuer/serial), written in its exclusive canonical form. Embedding exactly these bytes
 * keeps the document's and the digest's view of the element identical.
 */
function signedProperties(id: string, key: XmlSigningKey, signingTime: Date): string {
  const ds = `xmlns:ds="${XMLDSIG_NS}"`;
  const certificate = key.certificate;
  return (
    `<xades:SignedProperties xmlns:xades="${XADES_NS}" Id="${id}"><xades:SignedSignatureProperties>` +
    `<xades:SigningTime>${signingTime.toISOString().replace(/\.\d{3}Z$/, 'Z')}</xades:SigningTime>` +
    `<xades:SigningCertificate><xades:Cert><xades:CertDigest>` +
    `<ds:DigestMethod ${ds} Algorithm="${SHA256}"></ds:DigestMethod><ds:DigestValue ${ds}>${sha256(certificate.raw)}</ds:DigestValue>` +
    `</xades:CertDigest><xades:IssuerSerial>` +
    `<ds:X509IssuerName ${ds}>${escapeText(rfc4514(certificate.issuer))}</ds:X509IssuerName>` +
    `<ds:X509SerialNumber ${ds}>${BigInt(`0x${certificate.serialNumber}`).toString(10)}</ds:X509SerialNumber>` +
    `</xades:IssuerSerial></xades:Cert></xades:SigningCertificate>` +
    `</xades:SignedSignatureProperties></xades:SignedProperties>`
  );
}

/**
 * Writes the signature: SignedInfo directly in its canonical form (exclusive c14n renders the ds namespace
 * on it, as a verifier will), so one digest per reference and one RSA signature are all the work.
 */
function signatureElement(documentDigest: string, key: XmlSigningKey, options: XmlSignOptions): string {
  const id = randomUUID();
  let references = reference('', [ENVELOPED, EXC_C14N], documentDigest);
  let object = '';
  if (options.profile === 'xades-bes') {
    const properties = signedProperties(`xades-${id}`, key, options.signingTime ?? new Date());
    references += reference(`#xades-${id}`, [EXC_C14N], sha256(properties), SIGNED_PROPERTIES_TYPE);
    object = `<ds:Object><xades:QualifyingProperties xmlns:xades="${XADES_NS}" Target="#sig-${id}">${properties}</xades:QualifyingProperties></ds:Object>`;
  }
  const body =
    `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${RSA_SHA256}"></ds:SignatureMethod>${references}`;
  const value = sign(
    'sha256',
    Buffer.from(`<ds:SignedInfo xmlns:ds="${XMLDSIG_NS}">${body}</ds:SignedInfo>`, 'utf8'),
    key.privateKey,
  );
  return (
    `<ds:Signature xmlns:ds="${XMLDSIG_NS}"${options.profile === 'xades-bes' ? ` Id="sig-${id}"` : ''}>` +
    `<ds:SignedInfo>${body}</ds:SignedInfo><ds:SignatureValue>${value.toString('base64')}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificate.raw.toString('base64')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    `${object}</ds:Signature>`
  );
}

/**
 * Signs an XML document with an enveloped signature over the whole document (exclusive c14n, RSA-SHA256
 * over SHA-256 digests, the certificate in KeyInfo), plain XMLDSig or XAdES-BES, placed in UBL extensions
 * or at the end of the root element. The service's own XML is canonicalized in one pass over its text
 * (`direct`); other documents through a DOM (`general`).
 */
export function signEnveloped(
  xml: string,
  key: XmlSigningKey,
  placement: SignaturePlacement,
  options: XmlSignOptions = {},
): { xml: string; path: 'direct' | 'general' } {
  const document = placement === 'ubl-extensions' ? withUblExtension(xml) : xml;
  const direct = exclusiveCanonicalize(document);
  const canonical = direct ?? canonicalizeGeneral(document);
  const signature = signatureElement(sha256(canonical), key, options);
  const at =
    placement === 'ubl-extensions'
      ? document.indexOf(EXTENSION_CONTENT_END)
      : document.search(/<\/[^>]+>\s*$/);
  if (at < 0) throw new EInvoiceError('sign.invalid-xml', 'No place for the signature in the document');
  return {
    xml: document.slice(0, at) + signature + document.slice(at),
    path: direct === undefined ? 'general' : 'direct',
  };
}

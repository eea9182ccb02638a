import { createHash, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { EInvoiceError } from '../errors';
import { exclusiveCanonicalize } from './exc-c14n';

export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const UBL_EXT = 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2';
const EXTENSION_CONTENT_END = '</ext:ExtensionContent>';

export type SignaturePlacement = 'ubl-extensions' | 'root-end';

export interface XmlSigningKey {
  privateKey: KeyObject;
  certificate: X509Certificate;
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

function certificateBase64(certificate: X509Certificate): string {
  return certificate.raw.toString('base64');
}

/**
 * The fast path: the document's exclusive canonical form is computed in one pass over its text, and the
 * SignedInfo is written directly in canonical form, so one SHA-256 and one RSA signature are all the work.
 */
function signDirect(
  document: string,
  canonical: string,
  key: XmlSigningKey,
  placement: SignaturePlacement,
): string {
  const digest = createHash('sha256').update(canonical).digest('base64');
  const signedInfoBody =
    `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${RSA_SHA256}"></ds:SignatureMethod>` +
    `<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="${ENVELOPED}"></ds:Transform>` +
    `<ds:Transform Algorithm="${EXC_C14N}"></ds:Transform></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${SHA256}"></ds:DigestMethod><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`;
  // The canonical form of SignedInfo (exclusive c14n renders the ds namespace on it, as a verifier will).
  const canonicalSignedInfo = `<ds:SignedInfo xmlns:ds="${XMLDSIG_NS}">${signedInfoBody}</ds:SignedInfo>`;
  const value = sign('sha256', Buffer.from(canonicalSignedInfo, 'utf8'), key.privateKey).toString('base64');
  const signature =
    `<ds:Signature xmlns:ds="${XMLDSIG_NS}"><ds:SignedInfo>${signedInfoBody}</ds:SignedInfo>` +
    `<ds:SignatureValue>${value}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBase64(key.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    `</ds:Signature>`;
  const at =
    placement === 'ubl-extensions' ? document.indexOf(EXTENSION_CONTENT_END) : document.lastIndexOf('</');
  return document.slice(0, at) + signature + document.slice(at);
}

/** The general path, for documents outside the fast path's XML profile: xml-crypto on a parsed DOM. */
function signGeneral(document: string, key: XmlSigningKey, placement: SignaturePlacement): string {
  const signer = new SignedXml({
    privateKey: key.privateKey,
    publicCert: key.certificate.toString(),
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  signer.addReference({
    xpath: '/*',
    digestAlgorithm: SHA256,
    transforms: [ENVELOPED, EXC_C14N],
    isEmptyUri: true,
  });
  signer.computeSignature(document, {
    prefix: 'ds',
    location:
      placement === 'ubl-extensions'
        ? {
            reference: "/*/*[local-name()='UBLExtensions']/*[1]/*[local-name()='ExtensionContent']",
            action: 'append',
          }
        : { reference: '/*', action: 'append' },
  });
  return signer.getSignedXml();
}

/**
 * Signs an XML document with an enveloped XMLDSig signature over the whole document (exclusive c14n,
 * RSA-SHA256 over a SHA-256 digest, the certificate in KeyInfo), placed in UBL extensions or at the end
 * of the root element. Documents the service wrote itself take the fast path; others the general one.
 */
export function signEnveloped(
  xml: string,
  key: XmlSigningKey,
  placement: SignaturePlacement,
): { xml: string; path: 'direct' | 'general' } {
  const document = placement === 'ubl-extensions' ? withUblExtension(xml) : xml;
  const canonical = exclusiveCanonicalize(document);
  if (canonical !== undefined)
    return { xml: signDirect(document, canonical, key, placement), path: 'direct' };
  return { xml: signGeneral(document, key, placement), path: 'general' };
}

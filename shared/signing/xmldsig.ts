import { parseDom } from '../xml/safe-xml';
import { isUtf8 } from 'node:buffer';
import { createHash, randomUUID, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { EInvoiceError } from '../errors';
import {
  escapeText,
  exclusiveCanonicalize,
  exclusiveCanonicalizeToUtf8,
  exclusiveCanonicalizeUtf8,
  UTF8_SPACE,
  utf8Bytes,
} from './exc-c14n';

export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** Signature algorithms: URI, digest URI and Node hash, and whether the key is EC. */
export const XML_SIGNATURE_ALGORITHMS = {
  'rsa-sha256': {
    uri: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    digest: SHA256,
    hash: 'sha256',
    ec: false,
  },
  'rsa-sha512': {
    uri: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
    digest: 'http://www.w3.org/2001/04/xmlenc#sha512',
    hash: 'sha512',
    ec: false,
  },
  'rsa-sha1': {
    uri: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    digest: 'http://www.w3.org/2000/09/xmldsig#sha1',
    hash: 'sha1',
    ec: false,
  },
  'ecdsa-sha256': {
    uri: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
    digest: SHA256,
    hash: 'sha256',
    ec: true,
  },
} as const;
export type XmlSignatureAlgorithm = keyof typeof XML_SIGNATURE_ALGORITHMS;

/** Digest methods of references, when a flow asks for another than the signature algorithm's. */
export const XML_DIGEST_ALGORITHMS = {
  sha256: { uri: SHA256, hash: 'sha256' },
  sha512: { uri: 'http://www.w3.org/2001/04/xmlenc#sha512', hash: 'sha512' },
  sha1: { uri: 'http://www.w3.org/2000/09/xmldsig#sha1', hash: 'sha1' },
} as const;
export type XmlDigestAlgorithm = keyof typeof XML_DIGEST_ALGORITHMS;

/** Canonicalization of the signed document (and of SignedInfo). */
export const XML_CANONICALIZATIONS = {
  exclusive: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  'exclusive-with-comments': 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  inclusive: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  'inclusive-with-comments': 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
} as const;
export type XmlCanonicalization = keyof typeof XML_CANONICALIZATIONS;
const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
const UBL_EXT = 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2';
const EXTENSION_CONTENT_END = '</ext:ExtensionContent>';

/**
 * Where the signature goes: in UBL extensions, at the end of the root element, as the last child of the first
 * element with this name, or (`reference-parent`, with `referenceId`) as the last child of the parent of the
 * element the reference signs, as Brazil's NF-e places it (`NFe` for `infNFe`, `evento` for `infEvento`).
 */
export type SignaturePlacement = 'ubl-extensions' | 'root-end' | 'reference-parent' | { parent: string };
export type SignatureProfile = 'xmldsig' | 'xades-bes';

export interface XmlSigningKey {
  privateKey: KeyObject;
  certificate: X509Certificate;
}

export interface XmlSignOptions {
  profile?: SignatureProfile;
  /** XAdES SigningTime; default now. */
  signingTime?: Date;
  /** Default `rsa-sha256` (`ecdsa-sha256` for an EC key). RSA-SHA1 only where a flow allows it explicitly. */
  algorithm?: XmlSignatureAlgorithm;
  /** Digest of the references; default the signature algorithm's (SHA-256 for RSA-SHA256). */
  digest?: XmlDigestAlgorithm;
  /** Default `exclusive`. Inclusive c14n takes the general path and plain XMLDSig only. */
  canonicalization?: XmlCanonicalization;
  /** What KeyInfo carries: the signing certificate (default), the whole chain, or the RSA public key. */
  keyInfo?: 'certificate' | 'chain' | 'key-value';
  /** The chain after the signing certificate, for `keyInfo: 'chain'`. */
  chain?: X509Certificate[];
  /** Sign the element with this Id (Id, ID or id attribute) instead of the whole document (general path). */
  referenceId?: string;
  /**
   * Namespace prefix of the signature's elements; default `ds`. `''` writes them unprefixed under a default
   * namespace declaration (`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">`), which SEFAZ requires
   * (NF-e rejection 404). XAdES qualifying properties keep their own `ds` declarations whatever the prefix.
   */
  prefix?: string;
}

const ROOT_START = /<(?!\?|!)([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)(\s[^>]*)?>/;
const ROOT_START_UTF8 = new RegExp(
  `<(?!\\?|!)([A-Za-z_][\\w.-]*(?::[A-Za-z_][\\w.-]*)?)(${UTF8_SPACE}[^>]*)?>`,
);
const ROOT_END = /<\/[^>]+>\s*$/;
const ROOT_END_UTF8 = new RegExp(`<\\/[^>]+>${UTF8_SPACE}*$`);

/**
 * Inserts an empty `ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent` as the root's first child; of
 * the document's UTF-8 bytes, one character each, with `bytes`.
 */
function withUblExtension(xml: string, bytes = false): string {
  const rootStart = (bytes ? ROOT_START_UTF8 : ROOT_START).exec(xml);
  if (!rootStart) throw new EInvoiceError('sign.invalid-xml', 'The document has no root element');
  if (xml.includes('<ext:UBLExtensions'))
    throw new EInvoiceError('sign.unsupported', 'The document has UBL extensions already');
  const end = rootStart.index + rootStart[0].length;
  const extension =
    `<ext:UBLExtensions xmlns:ext="${UBL_EXT}"><ext:UBLExtension><ext:ExtensionContent>` +
    `${EXTENSION_CONTENT_END}</ext:UBLExtension></ext:UBLExtensions>`;
  // joined into one flat string (a concatenation is a tree of its parts, which canonicalization reads slower)
  return [xml.slice(0, end), extension, xml.slice(end)].join('');
}

/** The general canonicalizer (a DOM and xml-crypto's exclusive c14n), for documents off the fast path. */
function canonicalizeGeneral(document: string): string {
  const { doc, errors } = parseDom(document);
  if (errors.length > 0 || !doc?.documentElement) {
    throw new EInvoiceError(
      'sign.invalid-xml',
      `The document is not well-formed XML: ${errors[0] ?? 'no root element'}`,
    );
  }
  // A same-document reference covers the processing instructions beside the root element too (an
  // `<?xml-stylesheet?>`), each set apart from it by a line feed, as canonical XML renders the document.
  let before = '';
  let after = '';
  let seenRoot = false;
  for (const node of Array.from(doc.childNodes)) {
    if (node === doc.documentElement) seenRoot = true;
    else if (node.nodeType === 7 && (node as unknown as { target: string }).target !== 'xml') {
      // (the XML declaration is no processing instruction of the document, though the DOM may list it)
      const pi = node as unknown as { target: string; data: string };
      const text = `<?${pi.target}${pi.data ? ` ${pi.data}` : ''}?>`;
      if (seenRoot) after += `\n${text}`;
      else before += `${text}\n`;
    }
  }
  return before + new ExclusiveCanonicalization().process(doc.documentElement, {}).toString() + after;
}

const digestOf = (hash: string, data: string | Buffer) => createHash(hash).update(data).digest('base64');
const sha256 = (data: string | Buffer) => digestOf('sha256', data);

/**
 * The document's canonical form to digest: as text (the general path), or as its UTF-8 bytes, one
 * character each, which are digested as they are (no second encoding of a text twice the document's size).
 */
type Canonical = { text: string } | { bytes: string };

const digestOfCanonical = (hash: string, canonical: Canonical) =>
  'bytes' in canonical
    ? createHash(hash).update(canonical.bytes, 'latin1').digest('base64')
    : digestOf(hash, canonical.text);

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

/** `ds:` for the prefix `ds`, nothing for the default namespace. */
const qualifier = (prefix: string) => (prefix ? `${prefix}:` : '');

function reference(
  ds: string,
  uri: string,
  transforms: string[],
  digestMethod: string,
  digest: string,
  type?: string,
): string {
  return (
    `<${ds}Reference${type ? ` Type="${type}"` : ''} URI="${uri}"><${ds}Transforms>` +
    transforms.map((t) => `<${ds}Transform Algorithm="${t}"></${ds}Transform>`).join('') +
    `</${ds}Transforms><${ds}DigestMethod Algorithm="${digestMethod}"></${ds}DigestMethod><${ds}DigestValue>${digest}</${ds}DigestValue></${ds}Reference>`
  );
}

const certificateTexts = new WeakMap<X509Certificate, string>();

/** A certificate's DER in base64, kept per certificate object (the same one signs many documents). */
function base64Of(certificate: X509Certificate): string {
  let text = certificateTexts.get(certificate);
  if (text === undefined) {
    text = certificate.raw.toString('base64');
    certificateTexts.set(certificate, text);
  }
  return text;
}

/** KeyInfo content: the certificate, the chain, or the RSA key value. */
function keyInfo(ds: string, key: XmlSigningKey, options: XmlSignOptions): string {
  if (options.keyInfo === 'key-value') {
    const jwk = key.certificate.publicKey.export({ format: 'jwk' });
    if (jwk.kty !== 'RSA')
      throw new EInvoiceError('sign.unsupported', 'KeyInfo key-value is written for RSA keys');
    const b64 = (v: string | undefined) => Buffer.from(v ?? '', 'base64url').toString('base64');
    return `<${ds}KeyInfo><${ds}KeyValue><${ds}RSAKeyValue><${ds}Modulus>${b64(jwk.n)}</${ds}Modulus><${ds}Exponent>${b64(jwk.e)}</${ds}Exponent></${ds}RSAKeyValue></${ds}KeyValue></${ds}KeyInfo>`;
  }
  const certificates =
    options.keyInfo === 'chain' ? [key.certificate, ...(options.chain ?? [])] : [key.certificate];
  return `<${ds}KeyInfo><${ds}X509Data>${certificates.map((c) => `<${ds}X509Certificate>${base64Of(c)}</${ds}X509Certificate>`).join('')}</${ds}X509Data></${ds}KeyInfo>`;
}

function algorithmOf(key: XmlSigningKey, options: XmlSignOptions) {
  const name =
    options.algorithm ?? (key.privateKey.asymmetricKeyType === 'ec' ? 'ecdsa-sha256' : 'rsa-sha256');
  const algorithm = XML_SIGNATURE_ALGORITHMS[name];
  if (algorithm.ec !== (key.privateKey.asymmetricKeyType === 'ec')) {
    throw new EInvoiceError(
      'sign.key-mismatch',
      `Algorithm ${name} does not fit a ${key.privateKey.asymmetricKeyType ?? 'unknown'} key`,
    );
  }
  return algorithm;
}

function digestFor(algorithm: { digest: string; hash: string }, options: XmlSignOptions) {
  return options.digest
    ? XML_DIGEST_ALGORITHMS[options.digest]
    : { uri: algorithm.digest, hash: algorithm.hash };
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
function signatureElement(canonicalDocument: Canonical, key: XmlSigningKey, options: XmlSignOptions): string {
  const prefix = options.prefix ?? 'ds';
  const ds = qualifier(prefix);
  const declaration = `xmlns${prefix ? `:${prefix}` : ''}="${XMLDSIG_NS}"`;
  // (the Ids of XAdES's elements; plain XMLDSig has none)
  const id = options.profile === 'xades-bes' ? randomUUID() : '';
  const algorithm = algorithmOf(key, options);
  const digest = digestFor(algorithm, options);
  const c14n = XML_CANONICALIZATIONS[options.canonicalization ?? 'exclusive'];
  let references = reference(
    ds,
    '',
    [ENVELOPED, c14n],
    digest.uri,
    digestOfCanonical(digest.hash, canonicalDocument),
  );
  let object = '';
  if (options.profile === 'xades-bes') {
    const properties = signedProperties(`xades-${id}`, key, options.signingTime ?? new Date());
    references += reference(
      ds,
      `#xades-${id}`,
      [XML_CANONICALIZATIONS.exclusive],
      digest.uri,
      digestOf(digest.hash, properties),
      SIGNED_PROPERTIES_TYPE,
    );
    object = `<${ds}Object><xades:QualifyingProperties xmlns:xades="${XADES_NS}" Target="#sig-${id}">${properties}</xades:QualifyingProperties></${ds}Object>`;
  }
  // SignedInfo is always canonicalized exclusively (its canonical form is what is written here).
  const body =
    `<${ds}CanonicalizationMethod Algorithm="${XML_CANONICALIZATIONS.exclusive}"></${ds}CanonicalizationMethod>` +
    `<${ds}SignatureMethod Algorithm="${algorithm.uri}"></${ds}SignatureMethod>${references}`;
  const value = sign(
    algorithm.hash,
    Buffer.from(`<${ds}SignedInfo ${declaration}>${body}</${ds}SignedInfo>`, 'utf8'),
    algorithm.ec ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey,
  );
  return (
    `<${ds}Signature ${declaration}${options.profile === 'xades-bes' ? ` Id="sig-${id}"` : ''}>` +
    `<${ds}SignedInfo>${body}</${ds}SignedInfo><${ds}SignatureValue>${value.toString('base64')}</${ds}SignatureValue>` +
    `${keyInfo(ds, key, options)}${object}</${ds}Signature>`
  );
}

const ID_PATTERN = /^[A-Za-z_][\w.-]*$/;
const QNAME_PATTERN = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/;
const PREFIX_PATTERN = /^(?![Xx][Mm][Ll])[A-Za-z_][\w.-]*$/;

/** The XPath of the element with this Id (the attribute spelled Id, ID or id). */
const byId = (id: string) => `//*[@Id='${id}' or @ID='${id}' or @id='${id}']`;

/** The XPath of a placement, for xml-crypto. */
function locationXPath(placement: SignaturePlacement, referenceId: string | undefined): string {
  if (placement === 'ubl-extensions')
    return "/*/*[local-name()='UBLExtensions']/*[1]/*[local-name()='ExtensionContent']";
  if (placement === 'root-end') return '/*';
  // parent::* rather than ..: a signed root element has no parent element to hold the signature.
  if (placement === 'reference-parent') return `(${byId(referenceId ?? '')})[1]/parent::*`;
  return `(//*[name()='${placement.parent}'])[1]`;
}

/**
 * Inclusive c14n, or a reference to an element by Id, through xml-crypto: inclusive canonical forms depend
 * on every namespace in scope, which only a DOM knows. Plain XMLDSig with RSA keys only.
 */
function signWithXmlCrypto(
  document: string,
  key: XmlSigningKey,
  placement: SignaturePlacement,
  options: XmlSignOptions,
): string {
  if (options.profile === 'xades-bes')
    throw new EInvoiceError(
      'sign.unsupported',
      'XAdES-BES is signed over the whole document with exclusive c14n',
    );
  const algorithm = algorithmOf(key, options);
  if (algorithm.ec) throw new EInvoiceError('sign.unsupported', 'ECDSA is signed with exclusive c14n');
  const c14n = XML_CANONICALIZATIONS[options.canonicalization ?? 'exclusive'];
  const signer = new SignedXml({
    privateKey: key.privateKey,
    publicCert: key.certificate.toString(),
    signatureAlgorithm: algorithm.uri,
    canonicalizationAlgorithm: c14n,
  });
  const id = options.referenceId;
  signer.addReference({
    xpath: id ? byId(id) : '/*',
    digestAlgorithm: digestFor(algorithm, options).uri,
    transforms: [ENVELOPED, c14n],
    isEmptyUri: id === undefined,
  });
  try {
    signer.computeSignature(document, {
      // xml-crypto writes no prefix (a default namespace declaration) for an empty one.
      prefix: options.prefix ?? 'ds',
      location: { reference: locationXPath(placement, id), action: 'append' },
    });
  } catch (error) {
    // A missing element is a fault of the document or the flow, which no retry mends.
    const message = (error as Error).message;
    if (message.includes('cannot be signed because it was not found'))
      throw new EInvoiceError('sign.invalid-reference', `No element has the Id "${id ?? ''}"`);
    if (message.includes('cannot be used because it was not found'))
      throw placement === 'reference-parent'
        ? new EInvoiceError(
            'sign.invalid-reference',
            `No element with the Id "${id ?? ''}" has a parent element to hold the signature`,
          )
        : new EInvoiceError('sign.invalid-placement', 'No place for the signature in the document');
    throw error;
  }
  return signer.getSignedXml();
}

/**
 * Signs an XML document with an enveloped signature over the whole document (exclusive c14n, RSA-SHA256
 * over SHA-256 digests, the certificate in KeyInfo), plain XMLDSig or XAdES-BES, placed in UBL extensions
 * or at the end of the root element. The service's own XML is canonicalized in one pass over its text
 * (`direct`); other documents through a DOM (`general`).
 *
 * With `referenceId` it signs one element instead; Brazil's NF-e profile is `referenceId` (the `infNFe`,
 * `infEvento` or `infInut` Id), placement `reference-parent`, `canonicalization: 'inclusive'`,
 * `algorithm: 'rsa-sha1'` and `prefix: ''`.
 *
 * @throws EInvoiceError `sign.invalid-reference`, `sign.invalid-placement` (also `reference-parent` without
 *   `referenceId`), `sign.unsupported` (a prefix that is no XML name, XAdES or ECDSA off their path),
 *   `sign.key-mismatch`, `sign.invalid-xml`.
 */
export function signEnveloped(
  xml: string,
  key: XmlSigningKey,
  placement: SignaturePlacement,
  options: XmlSignOptions = {},
): { xml: string; path: 'direct' | 'general' } {
  const document = placement === 'ubl-extensions' ? withUblExtension(xml) : xml;
  if (!checkRequest(placement, options)) {
    return { xml: signWithXmlCrypto(document, key, placement, options), path: 'general' };
  }
  // A same-document reference (URI="") selects the document without its comments, whichever c14n follows.
  // The canonical form is written as the UTF-8 bytes that are digested, or where only the whole text encodes
  // as it should (references to surrogate code points, say), as text, encoded whole.
  const direct = exclusiveCanonicalizeToUtf8(document);
  let canonical: Canonical | undefined;
  if (direct === null) {
    const text = exclusiveCanonicalize(document);
    if (text !== undefined) canonical = { text };
  } else if (direct !== undefined) canonical = { bytes: direct };
  const signature = signatureElement(canonical ?? { text: canonicalizeGeneral(document) }, key, options);
  const at = placementIndex(document, placement, false);
  if (at < 0) throw new EInvoiceError('sign.invalid-placement', 'No place for the signature in the document');
  return {
    xml: document.slice(0, at) + signature + document.slice(at),
    path: canonical === undefined ? 'general' : 'direct',
  };
}

/**
 * {@link signEnveloped} of a UTF-8 document in a buffer, the signed document returned as UTF-8 too: the same
 * bytes as encoding what `signEnveloped` returns for the decoded text. Documents on the direct path are
 * worked on as their bytes (one character each), never decoded into text nor encoded again.
 */
export function signEnvelopedUtf8(
  xml: Buffer,
  key: XmlSigningKey,
  placement: SignaturePlacement,
  options: XmlSignOptions = {},
): { xml: Buffer; path: 'direct' | 'general' } {
  // (a buffer that is not UTF-8 decodes with replacement characters, which only the text then has)
  if (isUtf8(xml) && isDirect(placement, options)) {
    const bytes = xml.toString('latin1');
    const document = placement === 'ubl-extensions' ? withUblExtension(bytes, true) : bytes;
    checkRequest(placement, options);
    const canonical = exclusiveCanonicalizeUtf8(document);
    if (canonical != null) {
      const signature = signatureElement({ bytes: canonical }, key, options);
      const at = placementIndex(document, placement, true);
      if (at >= 0) {
        return {
          xml: Buffer.from(document.slice(0, at) + utf8Bytes(signature) + document.slice(at), 'latin1'),
          path: 'direct',
        };
      }
    }
  }
  // The general path, and every refusal, as the text's.
  const signed = signEnveloped(xml.toString('utf8'), key, placement, options);
  return { xml: Buffer.from(signed.xml, 'utf8'), path: signed.path };
}

/** Whether a request is signed on the direct path (exclusive c14n of the whole document). */
function isDirect(placement: SignaturePlacement, options: XmlSignOptions): boolean {
  return !(
    (options.canonicalization ?? 'exclusive').startsWith('inclusive') ||
    options.referenceId !== undefined ||
    placement === 'reference-parent'
  );
}

/** Refuses what cannot be signed as asked; true for the direct path, false for xml-crypto's. */
function checkRequest(placement: SignaturePlacement, options: XmlSignOptions): boolean {
  if (options.referenceId !== undefined && !ID_PATTERN.test(options.referenceId)) {
    throw new EInvoiceError('sign.invalid-reference', `Invalid reference Id "${options.referenceId}"`);
  }
  if (typeof placement === 'object' && !QNAME_PATTERN.test(placement.parent)) {
    throw new EInvoiceError('sign.invalid-placement', `Invalid parent element name "${placement.parent}"`);
  }
  if (placement === 'reference-parent' && options.referenceId === undefined) {
    throw new EInvoiceError('sign.invalid-placement', 'Placement reference-parent needs a referenceId');
  }
  // The prefix is written into element names: only an XML name not reserved for XML itself.
  if (options.prefix !== undefined && options.prefix !== '' && !PREFIX_PATTERN.test(options.prefix)) {
    throw new EInvoiceError('sign.unsupported', `Invalid namespace prefix "${options.prefix}"`);
  }
  // (reference-parent always comes with a referenceId, checked above)
  return isDirect(placement, options);
}

/** Where the signature goes in the document (its text, or its UTF-8 bytes with `bytes`); -1 for nowhere. */
function placementIndex(document: string, placement: SignaturePlacement, bytes: boolean): number {
  if (placement === 'ubl-extensions') return document.indexOf(EXTENSION_CONTENT_END);
  if (placement === 'root-end') return document.search(bytes ? ROOT_END_UTF8 : ROOT_END);
  // (reference-parent is signed by xml-crypto)
  return document.indexOf(`</${(placement as { parent: string }).parent}>`);
}

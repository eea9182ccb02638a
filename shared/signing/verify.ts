import { DOMParser } from '@xmldom/xmldom';
import { createPublicKey, verify as verifyRaw, X509Certificate, type KeyLike } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { ProblemDetail } from '../errors';
import { XMLDSIG_NS } from './xmldsig';

const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';

/** ECDSA-SHA256 for xml-crypto's verifier (RFC 4051: the signature value is r || s). */
class EcdsaSha256 {
  getAlgorithmName = () => ECDSA_SHA256;
  getSignature = (): string => {
    throw new Error('signing is done elsewhere');
  };
  verifySignature = (material: string, key: KeyLike, signatureValue: string): boolean =>
    verifyRaw(
      'sha256',
      Buffer.from(material),
      {
        key: typeof key === 'string' || Buffer.isBuffer(key) ? createPublicKey(key) : key,
        dsaEncoding: 'ieee-p1363',
      },
      Buffer.from(signatureValue, 'base64'),
    );
}

const ALGORITHMS = {
  signature: new Set([
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
    'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  ]),
  digest: new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']),
  canonicalization: new Set([
    'http://www.w3.org/2001/10/xml-exc-c14n#',
    'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
    'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
    'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
  ]),
  transform: new Set(['http://www.w3.org/2000/09/xmldsig#enveloped-signature']),
};
const SHA1 = {
  signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  digest: 'http://www.w3.org/2000/09/xmldsig#sha1',
};

export interface VerifyOptions {
  /** PEM certificate to verify with; otherwise the one in KeyInfo. */
  certificate?: string;
  /** Trust anchors (PEM): when given, the signing certificate must be one of them or issued by one. */
  trusted?: X509Certificate[];
  /** RSA-SHA1 and SHA-1 digests are refused unless a flow allows them explicitly. */
  allowSha1?: boolean;
  /**
   * The signature must cover the whole document (one reference, to "" or to the root's Id): what is
   * processed is what is signed. Default true; false accepts references to elements, each resolved to
   * exactly one element (the caller must then use only those elements).
   */
  requireWholeDocument?: boolean;
  now?: Date;
}

export interface VerifyResult {
  valid: boolean;
  problems: ProblemDetail[];
  certificate?: {
    subject: string;
    issuer: string;
    validFrom: string;
    validTo: string;
    fingerprint256: string;
  };
  references: string[];
}

type XmlElement = {
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
  textContent: string | null;
  parentNode: unknown;
  attributes?: ArrayLike<{ localName?: string; name: string; value: string }>;
};

function isInside(element: XmlElement, ancestor: XmlElement): boolean {
  for (
    let node = element.parentNode as XmlElement | null;
    node;
    node = node.parentNode as XmlElement | null
  ) {
    if (node === ancestor) return true;
  }
  return false;
}

/** The element's Id: an attribute named Id, ID or id, in no namespace or any (wsu:Id, for instance). */
function idOf(element: XmlElement): string | null {
  const attributes = element.attributes;
  for (let i = 0; i < (attributes?.length ?? 0); i++) {
    const attribute = attributes![i]!;
    const local = attribute.localName ?? attribute.name;
    if ((local === 'Id' || local === 'ID' || local === 'id') && attribute.value) return attribute.value;
  }
  return null;
}

/**
 * Verifies an XMLDSig signature, resistant to signature wrapping: exactly one signature, every reference
 * resolving to exactly one element (no duplicate Ids), and by default covering the whole document;
 * algorithms from an allow-list; the certificate within its validity period and, with trust anchors, from
 * a trusted issuer. DTDs are refused before parsing.
 */
export function verifyXmlSignature(xml: string, options: VerifyOptions = {}): VerifyResult {
  const problems: ProblemDetail[] = [];
  const fail = (code: string, message: string, path = '/'): VerifyResult => {
    problems.push({ code, message, path });
    return { valid: false, problems, references: [] };
  };
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    return fail('xml.dtd-forbidden', 'Documents with a DTD or entity declarations are refused');
  const errors: string[] = [];
  const doc = new DOMParser({
    locator: {},
    errorHandler: {
      warning: () => undefined,
      error: (m: string) => errors.push(m),
      fatalError: (m: string) => errors.push(m),
    },
  }).parseFromString(xml, 'application/xml');
  if (errors.length > 0 || !doc.documentElement)
    return fail('xml.malformed', `The document is not well-formed: ${errors[0] ?? 'no root element'}`);
  const root = doc.documentElement as unknown as XmlElement;
  const signatures = doc.getElementsByTagNameNS(XMLDSIG_NS, 'Signature');
  if (signatures.length !== 1) {
    return fail(
      'verify.signature-count',
      `Expected exactly one XMLDSig signature, found ${signatures.length}`,
    );
  }
  const signature = signatures[0] as unknown as XmlElement;
  const algorithm = (name: string) =>
    signature.getElementsByTagNameNS(XMLDSIG_NS, name)[0]?.getAttribute('Algorithm') ?? '';
  const allowed = (kind: 'signature' | 'digest', uri: string) =>
    ALGORITHMS[kind].has(uri) || (options.allowSha1 === true && uri === SHA1[kind]);
  const signatureMethod = algorithm('SignatureMethod');
  if (!allowed('signature', signatureMethod))
    problems.push({
      code: 'verify.algorithm',
      path: 'SignatureMethod',
      message: `Signature algorithm ${signatureMethod} is not allowed`,
    });
  const c14n = algorithm('CanonicalizationMethod');
  if (!ALGORITHMS.canonicalization.has(c14n))
    problems.push({
      code: 'verify.algorithm',
      path: 'CanonicalizationMethod',
      message: `Canonicalization ${c14n} is not allowed`,
    });

  // Every Id in the document, to resolve references and refuse duplicates.
  const ids = new Map<string, XmlElement[]>();
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const element = all[i] as unknown as XmlElement;
    const id = idOf(element);
    if (id) ids.set(id, [...(ids.get(id) ?? []), element]);
  }
  const references = Array.from(signature.getElementsByTagNameNS(XMLDSIG_NS, 'Reference'));
  const uris: string[] = [];
  references.forEach((reference, index) => {
    const uri = reference.getAttribute('URI') ?? '';
    uris.push(uri);
    const path = `Reference[${index}]`;
    const digest =
      reference.getElementsByTagNameNS(XMLDSIG_NS, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? '';
    if (!allowed('digest', digest))
      problems.push({ code: 'verify.algorithm', path, message: `Digest algorithm ${digest} is not allowed` });
    for (const transform of Array.from(reference.getElementsByTagNameNS(XMLDSIG_NS, 'Transform'))) {
      const uriOf = transform.getAttribute('Algorithm') ?? '';
      if (!ALGORITHMS.transform.has(uriOf) && !ALGORITHMS.canonicalization.has(uriOf)) {
        problems.push({ code: 'verify.algorithm', path, message: `Transform ${uriOf} is not allowed` });
      }
    }
    if (uri === '') return;
    if (!uri.startsWith('#')) {
      problems.push({
        code: 'verify.reference',
        path,
        message: `Reference ${uri} is not a same-document reference`,
      });
      return;
    }
    const targets = ids.get(uri.slice(1)) ?? [];
    if (targets.length !== 1) {
      problems.push({
        code: targets.length === 0 ? 'verify.reference-missing' : 'verify.duplicate-id',
        path,
        message:
          targets.length === 0
            ? `Reference ${uri} resolves to no element`
            : `Id ${uri.slice(1)} is used by ${targets.length} elements`,
      });
      return;
    }
    if (reference.getAttribute('Type') === SIGNED_PROPERTIES_TYPE) {
      // XAdES: the signed properties are part of this signature, never of the document.
      if (!isInside(targets[0]!, signature)) {
        problems.push({
          code: 'verify.reference',
          path,
          message: `Signed properties ${uri} are not inside the signature`,
        });
      }
      return;
    }
    if (options.requireWholeDocument !== false && targets[0] !== root) {
      problems.push({
        code: 'verify.reference-not-document',
        path,
        message: `Reference ${uri} covers an element, not the document that is processed`,
      });
    }
  });
  if (references.length === 0)
    problems.push({
      code: 'verify.reference',
      path: 'SignedInfo',
      message: 'The signature has no reference',
    });
  const documentReferences = references.filter((r) => r.getAttribute('Type') !== SIGNED_PROPERTIES_TYPE);
  if (options.requireWholeDocument !== false && documentReferences.length !== 1) {
    problems.push({
      code: 'verify.reference',
      path: 'SignedInfo',
      message: 'The signature must have exactly one reference, to the whole document',
    });
  }

  let certificate: X509Certificate | undefined;
  try {
    const pem =
      options.certificate ??
      signature.getElementsByTagNameNS(XMLDSIG_NS, 'X509Certificate')[0]?.textContent ??
      undefined;
    if (pem)
      certificate = new X509Certificate(
        pem.includes('BEGIN')
          ? pem
          : `-----BEGIN CERTIFICATE-----\n${pem.replace(/\s+/g, '')}\n-----END CERTIFICATE-----\n`,
      );
  } catch {
    problems.push({
      code: 'verify.certificate-invalid',
      path: 'KeyInfo',
      message: 'The signing certificate cannot be read',
    });
  }
  if (!certificate) {
    if (!problems.some((p) => p.code === 'verify.certificate-invalid'))
      problems.push({
        code: 'verify.no-certificate',
        path: 'KeyInfo',
        message: 'No certificate to verify the signature with',
      });
    return { valid: false, problems, references: uris };
  }
  const now = options.now ?? new Date();
  if (now < new Date(certificate.validFrom))
    problems.push({
      code: 'verify.certificate-not-yet-valid',
      path: 'KeyInfo',
      message: `The certificate is valid from ${certificate.validFrom}`,
    });
  if (now > new Date(certificate.validTo))
    problems.push({
      code: 'verify.certificate-expired',
      path: 'KeyInfo',
      message: `The certificate expired on ${certificate.validTo}`,
    });
  if (options.trusted) {
    const signer = certificate;
    const trustedDirectly = options.trusted.some((anchor) => anchor.fingerprint256 === signer.fingerprint256);
    const issuedByAnchor = options.trusted.some(
      (anchor) => signer.checkIssued(anchor) && signer.verify(anchor.publicKey),
    );
    if (!trustedDirectly && !issuedByAnchor) {
      problems.push({
        code: 'verify.untrusted',
        path: 'KeyInfo',
        message: `The certificate of ${certificate.subject.replace(/\n/g, ', ')} is not from a trusted issuer`,
      });
    }
  }
  if (problems.length === 0) {
    const verifier = new SignedXml({ publicCert: certificate.toString() });
    (verifier.SignatureAlgorithms as Record<string, unknown>)[ECDSA_SHA256] = EcdsaSha256;
    verifier.loadSignature(signature as never);
    try {
      if (!verifier.checkSignature(xml))
        problems.push({
          code: 'verify.digest-mismatch',
          path: 'Reference',
          message: 'The signed content was changed (digest mismatch)',
        });
    } catch (error) {
      problems.push({
        code: 'verify.signature-invalid',
        path: 'SignatureValue',
        message: (error as Error).message.replace(/value [A-Za-z0-9+/=]{20,}/, 'value'),
      });
    }
  }
  return {
    valid: problems.length === 0,
    problems,
    references: uris,
    certificate: {
      subject: certificate.subject,
      issuer: certificate.issuer,
      validFrom: certificate.validFrom,
      validTo: certificate.validTo,
      fingerprint256: certificate.fingerprint256,
    },
  };
}

import { createHash, createPublicKey, verify as verifyRaw, X509Certificate, type KeyLike } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { ProblemDetail } from '../errors';
import { canonicalizeLocating, exclusiveCanonicalize } from './exc-c14n';
import { checkXmlSafety, parseDom } from '../xml/safe-xml';
import type { EInvoiceError } from '../errors';
import { ENVELOPED, XML_CANONICALIZATIONS, XML_SIGNATURE_ALGORITHMS, XMLDSIG_NS } from './xmldsig';

const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
const ECDSA_SHA256 = XML_SIGNATURE_ALGORITHMS['ecdsa-sha256'].uri;

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

const SIGNATURE_METHODS: ReadonlyArray<{ uri: string; digest: string; hash: string; ec: boolean }> =
  Object.values(XML_SIGNATURE_ALGORITHMS);
const SHA1 = XML_SIGNATURE_ALGORITHMS['rsa-sha1'];
/** What verification accepts: the signer's algorithms (SHA-1 only when allowed) and canonicalizations. */
const ALGORITHMS = {
  signature: new Set<string>(SIGNATURE_METHODS.filter((a) => a !== SHA1).map((a) => a.uri)),
  digest: new Set<string>(SIGNATURE_METHODS.filter((a) => a !== SHA1).map((a) => a.digest)),
  canonicalization: new Set<string>(Object.values(XML_CANONICALIZATIONS)),
  transform: new Set<string>([ENVELOPED]),
};
/** Signature method URI → Node hash and key type; digest method URI → Node hash. */
const HASHES: Record<string, { hash: string; ec: boolean }> = Object.fromEntries(
  SIGNATURE_METHODS.map((a) => [a.uri, { hash: a.hash, ec: a.ec }]),
);
const DIGESTS: Record<string, string> = Object.fromEntries(SIGNATURE_METHODS.map((a) => [a.digest, a.hash]));

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
  /** `direct`: digest and signature checked on the one-pass canonical forms; `general`: through xml-crypto. */
  method?: 'direct' | 'general';
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

const DIGEST_MISMATCH: ProblemDetail = {
  code: 'verify.digest-mismatch',
  path: 'Reference',
  message: 'The signed content was changed (digest mismatch)',
};
const EXC_C14N = XML_CANONICALIZATIONS.exclusive;

/** The canonical forms a signature in the common shape is checked on, computed from the text alone. */
interface DirectForms {
  signature: XmlElement;
  /** The document without the signature (the enveloped-signature transform), canonical. */
  document: string;
  /** SignedInfo canonicalized on its own. */
  signedInfo: string;
  digestHash: string;
}

/**
 * The fast path, for the common shape: one signature, one reference to the whole document, enveloped +
 * exclusive c14n, SignedInfo canonicalized exclusively, everything in the one-pass canonicalizer's profile.
 * The document is canonicalized once, split around the signature (namespace-aware, so a signature under
 * another prefix is found too); only the signature's own few kilobytes are parsed into a DOM. Returns
 * undefined for any other shape, which the caller then parses and checks in full.
 */
function directForms(xml: string): DirectForms | undefined {
  const located = canonicalizeLocating(xml, XMLDSIG_NS, 'Signature');
  if (!located || located.elements.length !== 1) return undefined;
  const text = located.elements[0]!;
  const parsed = parseDom(text);
  if (!parsed.doc?.documentElement) return undefined;
  const signature = parsed.doc.documentElement as unknown as XmlElement & { prefix?: string | null };
  const references = signature.getElementsByTagNameNS(XMLDSIG_NS, 'Reference');
  if (references.length !== 1 || (references[0]!.getAttribute('URI') ?? '') !== '') return undefined;
  const transforms = Array.from(references[0]!.getElementsByTagNameNS(XMLDSIG_NS, 'Transform'));
  if (
    transforms.length !== 2 ||
    transforms[0]!.getAttribute('Algorithm') !== ENVELOPED ||
    transforms[1]!.getAttribute('Algorithm') !== EXC_C14N
  )
    return undefined;
  const c14n = signature.getElementsByTagNameNS(XMLDSIG_NS, 'CanonicalizationMethod');
  if (c14n.length !== 1 || c14n[0]!.getAttribute('Algorithm') !== EXC_C14N) return undefined;
  const digestHash =
    DIGESTS[
      references[0]!.getElementsByTagNameNS(XMLDSIG_NS, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? ''
    ];
  if (!digestHash) return undefined;
  const documentPrefixes = prefixList(transforms[1]!);
  const signedInfoPrefixes = prefixList(c14n[0]!);
  if (documentPrefixes === null || signedInfoPrefixes === null) return undefined;
  let document = located.between.join('');
  if (documentPrefixes.length > 0) {
    const withList = canonicalizeLocating(xml, XMLDSIG_NS, 'Signature', {
      inclusivePrefixes: documentPrefixes,
    });
    if (!withList) return undefined;
    document = withList.between.join('');
  }
  let signedInfo: string | undefined;
  if (signedInfoPrefixes.length > 0) {
    // Listed prefixes may come from anywhere above SignedInfo: canonicalize it where it stands.
    const within = canonicalizeLocating(xml, XMLDSIG_NS, 'SignedInfo', {
      inclusivePrefixes: signedInfoPrefixes,
    });
    if (within?.elements.length !== 1) return undefined;
    signedInfo = within.elements[0];
  } else {
    // SignedInfo's text within the canonical signature; on its own it must declare the dsig namespace,
    // which in the document its parent rendered.
    const ds = signature.prefix ? `${signature.prefix}:` : '';
    const signedInfoStart = text.indexOf(`<${ds}SignedInfo>`);
    const signedInfoClose = `</${ds}SignedInfo>`;
    const signedInfoEnd = text.indexOf(signedInfoClose);
    if (signedInfoStart < 0 || signedInfoEnd < 0 || text.indexOf(signedInfoClose, signedInfoEnd + 1) >= 0)
      return undefined;
    const declaration = signature.prefix ? `xmlns:${signature.prefix}` : 'xmlns';
    const at = signedInfoStart + ds.length + 'SignedInfo'.length + 1;
    signedInfo = exclusiveCanonicalize(
      `${text.slice(signedInfoStart, at)} ${declaration}="${XMLDSIG_NS}"${text.slice(at, signedInfoEnd + signedInfoClose.length)}`,
    );
  }
  if (signedInfo === undefined) return undefined;
  return { signature, document, signedInfo, digestHash };
}

/** The InclusiveNamespaces PrefixList of a c14n element ([] when none); null when it has more than one. */
function prefixList(element: XmlElement): string[] | null {
  const lists = element.getElementsByTagNameNS(EXC_C14N, 'InclusiveNamespaces');
  if (lists.length === 0) return [];
  if (lists.length > 1) return null;
  return (lists[0]!.getAttribute('PrefixList') ?? '').split(/\s+/).filter(Boolean);
}

/** Checks the digest and the signature value on the canonical forms: null when both hold, else the problem. */
function checkDirect(forms: DirectForms, certificate: X509Certificate): ProblemDetail | null {
  const { signature } = forms;
  const method =
    HASHES[
      signature.getElementsByTagNameNS(XMLDSIG_NS, 'SignatureMethod')[0]?.getAttribute('Algorithm') ?? ''
    ];
  if (!method) return { code: 'verify.algorithm', path: 'SignatureMethod', message: 'Unknown algorithm' };
  const expectedDigest = (
    signature.getElementsByTagNameNS(XMLDSIG_NS, 'DigestValue')[0]?.textContent ?? ''
  ).replace(/\s+/g, '');
  if (createHash(forms.digestHash).update(forms.document).digest('base64') !== expectedDigest)
    return DIGEST_MISMATCH;
  const value = (
    signature.getElementsByTagNameNS(XMLDSIG_NS, 'SignatureValue')[0]?.textContent ?? ''
  ).replace(/\s+/g, '');
  const ok = verifyRaw(
    method.hash,
    Buffer.from(forms.signedInfo, 'utf8'),
    method.ec ? { key: certificate.publicKey, dsaEncoding: 'ieee-p1363' } : certificate.publicKey,
    Buffer.from(value, 'base64'),
  );
  return ok
    ? null
    : {
        code: 'verify.signature-invalid',
        path: 'SignatureValue',
        message: 'The signature value does not verify',
      };
}

/** Further certificates the signer sent in KeyInfo (X509Data), as chain candidates. */
function intermediates(signature: XmlElement): X509Certificate[] {
  const found: X509Certificate[] = [];
  for (const element of Array.from(signature.getElementsByTagNameNS(XMLDSIG_NS, 'X509Certificate')).slice(
    1,
  )) {
    try {
      found.push(new X509Certificate(Buffer.from((element.textContent ?? '').replace(/\s+/g, ''), 'base64')));
    } catch {
      // not a certificate: it cannot help to build the chain
    }
  }
  return found;
}

/**
 * True when `certificate` is a trust anchor or chains to one through the given intermediates: each link
 * issued and signed by the next, each within its validity period, at most five links.
 */
function chainsToAnchor(
  certificate: X509Certificate,
  candidates: X509Certificate[],
  anchors: X509Certificate[],
  now: Date,
): boolean {
  let current = certificate;
  for (let depth = 0; depth < 5; depth++) {
    if (anchors.some((a) => a.fingerprint256 === current.fingerprint256)) return true;
    if (anchors.some((a) => current.checkIssued(a) && current.verify(a.publicKey))) return true;
    const issuer = candidates.find(
      (c) =>
        c.fingerprint256 !== current.fingerprint256 && current.checkIssued(c) && current.verify(c.publicKey),
    );
    if (!issuer || now > new Date(issuer.validTo) || now < new Date(issuer.validFrom)) return false;
    current = issuer;
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
  try {
    checkXmlSafety(xml);
  } catch (error) {
    const refused = error as EInvoiceError;
    return fail(refused.code, refused.message, refused.details[0]?.path);
  }
  const direct = directForms(xml);
  let signature: XmlElement;
  // Elements by Id, and the root: needed to resolve references to elements (never on the direct path).
  const ids = new Map<string, XmlElement[]>();
  let root: XmlElement | undefined;
  if (direct) signature = direct.signature;
  else {
    const { doc, errors } = parseDom(xml);
    if (errors.length > 0 || !doc?.documentElement)
      return fail('xml.malformed', `The document is not well-formed: ${errors[0] ?? 'no root element'}`);
    root = doc.documentElement;
    const signatures = doc.getElementsByTagNameNS(XMLDSIG_NS, 'Signature');
    if (signatures.length !== 1) {
      return fail(
        'verify.signature-count',
        `Expected exactly one XMLDSig signature, found ${signatures.length}`,
      );
    }
    signature = signatures[0] as unknown as XmlElement;
    const all = doc.getElementsByTagName('*');
    for (let i = 0; i < all.length; i++) {
      const element = all[i] as unknown as XmlElement;
      const id = idOf(element);
      if (id) ids.set(id, [...(ids.get(id) ?? []), element]);
    }
  }
  const algorithm = (name: string) =>
    signature.getElementsByTagNameNS(XMLDSIG_NS, name)[0]?.getAttribute('Algorithm') ?? '';
  const allowed = (kind: 'signature' | 'digest', uri: string) =>
    ALGORITHMS[kind].has(uri) ||
    (options.allowSha1 === true && uri === (kind === 'signature' ? SHA1.uri : SHA1.digest));
  for (const name of ['SignedInfo', 'SignatureValue']) {
    const count = signature.getElementsByTagNameNS(XMLDSIG_NS, name).length;
    if (count !== 1)
      return fail('verify.structure', `The signature must contain exactly one ${name}, found ${count}`);
  }
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
  if (options.trusted && !chainsToAnchor(certificate, intermediates(signature), options.trusted, now)) {
    problems.push({
      code: 'verify.untrusted',
      path: 'KeyInfo',
      message: `The certificate of ${certificate.subject.replace(/\n/g, ', ')} does not chain to a trusted issuer`,
    });
  }
  let method: 'direct' | 'general' | undefined;
  if (problems.length === 0) {
    if (direct) {
      method = 'direct';
      const problem = checkDirect(direct, certificate);
      if (problem) problems.push(problem);
    } else {
      method = 'general';
      const verifier = new SignedXml({ publicCert: certificate.toString() });
      (verifier.SignatureAlgorithms as Record<string, unknown>)[ECDSA_SHA256] = EcdsaSha256;
      verifier.loadSignature(signature as never);
      try {
        if (!verifier.checkSignature(xml)) problems.push(DIGEST_MISMATCH);
      } catch (error) {
        problems.push({
          code: 'verify.signature-invalid',
          path: 'SignatureValue',
          message: (error as Error).message.replace(/value [A-Za-z0-9+/=]{20,}/, 'value'),
        });
      }
    }
  }
  return {
    valid: problems.length === 0,
    ...(method ? { method } : {}),
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

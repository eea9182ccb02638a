import { constants, createHash, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { EInvoiceError } from '../errors';
import type { SigningCredential } from '../ports/certificate-store';
import {
  type Asn1,
  Asn1Error,
  CONTEXT,
  contextConstructed,
  derSetOf,
  integer,
  isContext,
  isUniversal,
  nullValue,
  octetString,
  oid,
  oidValue,
  readAsn1,
  sequence,
  set,
  stringValue,
  TAG,
  UNIVERSAL,
  time,
  timeValue,
  toDer,
} from './asn1';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

/** Digest algorithm OID → Node hash. */
const DIGESTS: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** Signature algorithm OID → key type and, where the OID names one, the hash. */
const SIGNATURES: Record<string, { key: 'rsa' | 'ec' | 'rsa-pss'; hash?: string }> = {
  [OID.rsaEncryption]: { key: 'rsa' },
  '1.2.840.113549.1.1.5': { key: 'rsa', hash: 'sha1' },
  [OID.sha256WithRsa]: { key: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { key: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { key: 'rsa', hash: 'sha512' },
  [OID.rsaPss]: { key: 'rsa-pss' },
  [OID.ecPublicKey]: { key: 'ec' },
  '1.2.840.10045.4.1': { key: 'ec', hash: 'sha1' },
  [OID.ecdsaWithSha256]: { key: 'ec', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { key: 'ec', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { key: 'ec', hash: 'sha512' },
};

/** The signedData content type OID, DER-encoded: how a p7m starts, after the outer SEQUENCE header. */
const SIGNED_DATA_OID = oid(OID.signedData);

export interface CadesSignOptions {
  /** The signing-time attribute; default now (to the second). */
  signingTime?: Date;
}

/** The certificate that signed, as carried in the envelope. */
export interface CadesSigner {
  certificatePem: string;
  subject: string;
  issuer: string;
  /** Upper-case hex, as `X509Certificate.serialNumber`. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CadesVerification {
  /** The signed content (the invoice XML of a FatturaPA `.p7m`). */
  content: Buffer;
  /** The first signer; every signer of the envelope was verified. */
  signer: CadesSigner;
  /** The signer's signing-time attribute, when present. */
  signingTime?: Date;
  /** Node hash name of the signer's digest algorithm (`sha256`). */
  digestAlgorithm: string;
  /** The signer's signing-certificate(-v2) attribute is present and names the signer's certificate. */
  cadesBes: boolean;
}

export interface CadesVerifyOptions {
  /** SHA-1 digests and signatures are refused unless allowed explicitly. */
  allowSha1?: boolean;
}

/**
 * Signs `content` as a CAdES-BES attached signature (the FatturaPA `.p7m`): a DER CMS SignedData
 * (RFC 5652) with the content as id-data, SHA-256, RSA PKCS#1 v1.5 or ECDSA by the key's type, the
 * credential's certificates, and the signed attributes content-type, message-digest, signing-time and
 * ESS signing-certificate-v2 (RFC 5035).
 */
export function signCades(
  content: Buffer,
  credential: SigningCredential,
  options: CadesSignOptions = {},
): Buffer {
  const keyType = credential.privateKey.asymmetricKeyType;
  if (keyType !== 'rsa' && keyType !== 'ec') {
    throw new EInvoiceError(
      'p7m.unsupported-algorithm',
      `CAdES signing needs an RSA or EC key, not ${keyType ?? 'an unknown key type'}`,
    );
  }
  const certificate = credential.certificates[0];
  if (!certificate) throw new EInvoiceError('p7m.no-certificate', `"${credential.name}" has no certificate`);
  if (!certificate.checkPrivateKey(credential.privateKey)) {
    throw new EInvoiceError(
      'certificate.key-mismatch',
      `The first certificate of "${credential.name}" does not match its key`,
    );
  }
  const { issuer, serial } = certificateParts(certificate);
  const signingTime = new Date(Math.floor((options.signingTime ?? new Date()).getTime() / 1000) * 1000);
  const sha256 = sequence(oid(OID.sha256));
  const attributes = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octetString(createHash('sha256').update(content).digest())),
    attribute(OID.signingTime, time(signingTime)),
    // ESSCertIDv2 with the DEFAULT hash algorithm (SHA-256) left out, as DER requires
    attribute(
      OID.signingCertificateV2,
      sequence(
        sequence(
          sequence(
            octetString(createHash('sha256').update(certificate.raw).digest()),
            sequence(sequence(contextConstructed(4, toDer(issuer))), toDer(serial)),
          ),
        ),
      ),
    ),
  ];
  const signedAttributes = set(...attributes);
  const signatureAlgorithm =
    keyType === 'rsa' ? sequence(oid(OID.sha256WithRsa), nullValue()) : sequence(oid(OID.ecdsaWithSha256));
  const signature = sign('sha256', signedAttributes, credential.privateKey);
  const signerInfo = sequence(
    integer(1),
    sequence(toDer(issuer), toDer(serial)),
    sha256,
    implicit0(signedAttributes),
    signatureAlgorithm,
    octetString(signature),
  );
  const seen = new Set<string>();
  const certificates = credential.certificates.filter(
    (c) => !seen.has(c.fingerprint256) && seen.add(c.fingerprint256),
  );
  const signedData = sequence(
    integer(1),
    set(sha256),
    sequence(oid(OID.data), contextConstructed(0, octetString(content))),
    implicit0(set(...certificates.map((c) => c.raw))),
    set(signerInfo),
  );
  return sequence(oid(OID.signedData), contextConstructed(0, signedData));
}

function attribute(type: string, value: Buffer): Buffer {
  return sequence(oid(type), set(value));
}

/** A DER SET as `[0] IMPLICIT SET OF` (signed attributes, certificates): the same octets, retagged. */
function implicit0(derSet: Buffer): Buffer {
  const tagged = Buffer.from(derSet);
  tagged[0] = 0xa0;
  return tagged;
}

/** Whether `input` looks like a CMS SignedData: DER/BER, or base64 of one (with or without PEM armour). */
export function isP7m(input: Buffer): boolean {
  if (startsAsSignedData(input)) return true;
  const head = input.subarray(0, 4096).toString('latin1');
  const text = head.replace(/-----BEGIN [A-Z0-9 #]+-----/, '').replace(/\s+/g, '');
  const prefix = text.slice(0, 64);
  if (prefix.length < 16 || !/^[A-Za-z0-9+/]+$/.test(prefix)) return false;
  return startsAsSignedData(Buffer.from(prefix.slice(0, prefix.length - (prefix.length % 4)), 'base64'));
}

function startsAsSignedData(bytes: Buffer): boolean {
  if (bytes[0] !== 0x30) return false;
  const at = bytes.subarray(0, 16).indexOf(SIGNED_DATA_OID);
  return at >= 2 && at <= 6;
}

/**
 * Verifies a CAdES / CMS attached signature (`.p7m`), DER, BER or base64 (with or without PEM armour),
 * and returns the signed content. Checks, for every signer: the certificate named by the signer
 * identifier is in the envelope, the message digest matches the content, the signature verifies over the
 * signed attributes, and a signing-certificate(-v2) attribute names that certificate.
 *
 * It does not decide whether the signer is trusted, nor check its certificate's validity or revocation:
 * the caller judges `signer`. Throws `EInvoiceError` `p7m.*` (400) on any failure.
 */
export function verifyCades(input: Buffer | string, options: CadesVerifyOptions = {}): CadesVerification {
  const bytes = decodeInput(input);
  let root: Asn1;
  try {
    root = readAsn1(bytes);
  } catch (error) {
    throw error instanceof Asn1Error ? malformedAt(error.message, error.offset) : error;
  }
  const trailing = bytes.subarray(root.raw.length);
  if (!/^[\0\s]*$/.test(trailing.toString('latin1')))
    throw malformedAt('unexpected data after the envelope', root.raw.length);
  try {
    return verifyContentInfo(root, options);
  } catch (error) {
    throw error instanceof Asn1Error ? malformedAt(error.message, error.offset) : error;
  }
}

function decodeInput(input: Buffer | string): Buffer {
  const buffer = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const text = buffer.toString('latin1');
  // binary BER, unless it is all base64 text
  if (buffer[0] === 0x30 && !/^[\sA-Za-z0-9+/=#-]*$/.test(text)) return buffer;
  const armoured = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  const body = (armoured ? armoured[2]! : text).replace(/\s+/g, '');
  if (body.length === 0) throw malformedAt('the input is empty', 0);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 === 1) {
    if (buffer[0] === 0x30) return buffer;
    throw new EInvoiceError('p7m.malformed', 'The input is neither a DER/BER envelope nor base64 text', {
      details: [{ path: 'byte:0', message: 'neither DER/BER nor base64' }],
    });
  }
  return Buffer.from(body, 'base64');
}

function verifyContentInfo(root: Asn1, options: CadesVerifyOptions): CadesVerification {
  if (!isUniversal(root, TAG.sequence) || !isUniversal(root.children[0], TAG.oid))
    throw new EInvoiceError('p7m.not-signed-data', 'The input is not a CMS ContentInfo');
  const contentType = oidValue(root.children[0]);
  if (contentType !== OID.signedData) {
    throw new EInvoiceError(
      'p7m.not-signed-data',
      `The envelope holds content type ${contentType}, not SignedData (${OID.signedData})`,
    );
  }
  const explicit = root.children[1];
  const signedData = explicit && isContext(explicit, 0) ? explicit.children[0] : undefined;
  if (!isUniversal(signedData, TAG.sequence))
    throw new Asn1Error('SignedData is missing or not a SEQUENCE', explicit?.offset ?? root.contentOffset);
  const [version, digestAlgorithms, encapsulated, ...rest] = signedData.children;
  if (!isUniversal(version, TAG.integer)) throw new Asn1Error('SignedData has no version', signedData.offset);
  if (!isUniversal(digestAlgorithms, TAG.set))
    throw new Asn1Error('SignedData has no digestAlgorithms SET', version.offset);
  if (!isUniversal(encapsulated, TAG.sequence) || !isUniversal(encapsulated.children[0], TAG.oid))
    throw new Asn1Error('SignedData has no encapContentInfo', digestAlgorithms.offset);
  const eContentType = oidValue(encapsulated.children[0]);
  const eContent = encapsulated.children[1];
  if (!eContent) {
    throw new EInvoiceError(
      'p7m.no-content',
      'The signature is detached: the envelope does not hold the signed content',
    );
  }
  if (!isContext(eContent, 0) || !eContent.constructed || !isUniversal(eContent.children[0], TAG.octetString))
    throw new Asn1Error('eContent is not an [0] EXPLICIT OCTET STRING', eContent.offset);
  const content = stringValue(eContent.children[0]);

  let index = 0;
  const certificates: X509Certificate[] = [];
  if (isContext(rest[index], 0)) {
    for (const element of rest[index]!.children) {
      // other CertificateChoices (attribute certificates) are tagged and do not name signers
      if (!isUniversal(element, TAG.sequence)) continue;
      try {
        certificates.push(new X509Certificate(element.raw));
      } catch {
        throw new Asn1Error('a certificate in the envelope cannot be read', element.offset);
      }
    }
    index++;
  }
  if (isContext(rest[index], 1)) index++;
  const signerInfos = rest[index];
  const signerInfosOffset = signerInfos?.offset ?? signedData.contentOffset + signedData.content.length;
  if (!isUniversal(signerInfos, TAG.set))
    throw new Asn1Error('SignedData has no signerInfos SET', signerInfosOffset);
  if (signerInfos.children.length === 0)
    throw new EInvoiceError(
      'p7m.not-signed-data',
      'The SignedData has no signer (a certificates-only envelope)',
    );
  const results = signerInfos.children.map((info) =>
    verifySignerInfo(info, content, eContentType, certificates, options),
  );
  const first = results[0]!;
  return {
    content,
    signer: describeSigner(first.certificate),
    ...(first.signingTime ? { signingTime: first.signingTime } : {}),
    digestAlgorithm: first.digestAlgorithm,
    cadesBes: first.cadesBes,
  };
}

interface SignerResult {
  certificate: X509Certificate;
  digestAlgorithm: string;
  signingTime?: Date;
  cadesBes: boolean;
}

function verifySignerInfo(
  info: Asn1,
  content: Buffer,
  eContentType: string,
  certificates: X509Certificate[],
  options: CadesVerifyOptions,
): SignerResult {
  if (info.cls !== UNIVERSAL || info.tag !== TAG.sequence)
    throw new Asn1Error('a SignerInfo is not a SEQUENCE', info.offset);
  const [version, sid, digestAlgorithm, ...rest] = info.children;
  if (!isUniversal(version, TAG.integer) || !sid || !digestAlgorithm)
    throw new Asn1Error('a SignerInfo lacks its version, signer identifier or digest algorithm', info.offset);
  const hash = digestOf(digestAlgorithm, options);
  const signedAttributes = isContext(rest[0], 0) ? rest.shift() : undefined;
  const [signatureAlgorithm, signatureValue] = rest;
  if (!signatureAlgorithm || !isUniversal(signatureValue, TAG.octetString))
    throw new Asn1Error('a SignerInfo lacks its signature algorithm or value', info.offset);
  const certificate = certificates.find((c) => namesCertificate(sid, c));
  if (!certificate) {
    throw new EInvoiceError(
      'p7m.no-certificate',
      `The envelope does not hold the signer's certificate (${describeSid(sid)})`,
    );
  }
  const verifyWith = verifierFor(signatureAlgorithm, hash, certificate, options);

  let signed = content;
  let signedAlternative: Buffer | undefined;
  let signingTime: Date | undefined;
  let signingCertificates: Array<[Asn1 | undefined, string]> = [];
  if (signedAttributes) {
    const attributes = readAttributes(signedAttributes);
    const type = attributes.get(OID.contentType);
    if (!type) throw new Asn1Error('the signed attributes lack content-type', signedAttributes.offset);
    if (oidValue(type) !== eContentType) {
      throw new Asn1Error(
        `the content-type attribute (${oidValue(type)}) differs from the content's type (${eContentType})`,
        type.offset,
      );
    }
    const digest = attributes.get(OID.messageDigest);
    if (!isUniversal(digest, TAG.octetString))
      throw new Asn1Error('the signed attributes lack message-digest', signedAttributes.offset);
    if (!createHash(hash).update(content).digest().equals(stringValue(digest))) {
      throw new EInvoiceError(
        'p7m.digest-mismatch',
        `The ${hash} digest of the content differs from the signed message-digest: the content was changed`,
      );
    }
    const time = attributes.get(OID.signingTime);
    if (time) signingTime = timeValue(time);
    signingCertificates = [
      [attributes.get(OID.signingCertificateV2), 'sha256'],
      [attributes.get(OID.signingCertificate), 'sha1'],
    ];
    // signed as DER SET OF; a signer that did not sort its attributes signed them as sent
    signed = derSetOf(signedAttributes.children);
    const asSent = Buffer.concat([Buffer.from([0x31]), signedAttributes.raw.subarray(1)]);
    if (!asSent.equals(signed) && !signedAttributes.indefinite) signedAlternative = asSent;
  }
  const signature = stringValue(signatureValue);
  if (!verifyWith(signed, signature) && !(signedAlternative && verifyWith(signedAlternative, signature))) {
    throw new EInvoiceError(
      'p7m.signature-invalid',
      `The signature of ${certificate.subject.replace(/\n/g, ', ')} does not verify`,
    );
  }
  // checked once the attributes are known to be the signer's; ESS v1 hashes with SHA-1 by definition
  let cadesBes = false;
  for (const [value, defaultHash] of signingCertificates) {
    if (value) cadesBes = checkSigningCertificate(value, certificate, defaultHash, { allowSha1: true });
  }
  return { certificate, digestAlgorithm: hash, ...(signingTime ? { signingTime } : {}), cadesBes };
}

function digestOf(algorithm: Asn1, options: CadesVerifyOptions): string {
  const id = algorithmId(algorithm);
  const hash = DIGESTS[id];
  if (!hash) throw new EInvoiceError('p7m.unsupported-algorithm', `Digest algorithm ${id} is not supported`);
  if (hash === 'sha1' && !options.allowSha1)
    throw new EInvoiceError('p7m.unsupported-algorithm', 'SHA-1 digests are refused unless allowed');
  return hash;
}

function algorithmId(algorithm: Asn1): string {
  if (!isUniversal(algorithm, TAG.sequence) || !algorithm.children[0])
    throw new Asn1Error('an AlgorithmIdentifier is not a SEQUENCE', algorithm.offset);
  return oidValue(algorithm.children[0]);
}

/** The signed attributes by type; those this module reads must occur once, with one value. */
function readAttributes(signedAttributes: Asn1): Map<string, Asn1> {
  const read = new Map<string, Asn1>();
  const known = new Set<string>([
    OID.contentType,
    OID.messageDigest,
    OID.signingTime,
    OID.signingCertificate,
    OID.signingCertificateV2,
  ]);
  for (const attribute of signedAttributes.children) {
    const [type, values] = attribute.children;
    if (!isUniversal(attribute, TAG.sequence) || !type || !isUniversal(values, TAG.set))
      throw new Asn1Error(
        'a signed attribute is not a SEQUENCE of a type and a SET of values',
        attribute.offset,
      );
    const id = oidValue(type);
    if (!known.has(id)) continue;
    if (read.has(id) || values.children.length !== 1)
      throw new Asn1Error(`signed attribute ${id} must occur once, with one value`, attribute.offset);
    read.set(id, values.children[0]!);
  }
  return read;
}

/**
 * Checks that a signing-certificate (v1: SHA-1) or -v2 attribute names the signer's certificate: the
 * first ESSCertID's hash, and its issuer and serial number when given.
 */
function checkSigningCertificate(
  value: Asn1,
  certificate: X509Certificate,
  defaultHash: string,
  options: CadesVerifyOptions,
): boolean {
  const certs = value.children[0];
  const first = isUniversal(certs, TAG.sequence) ? certs.children[0] : undefined;
  if (!isUniversal(value, TAG.sequence) || !isUniversal(first, TAG.sequence))
    throw new Asn1Error('a signing-certificate attribute is not a SEQUENCE of ESSCertIDs', value.offset);
  const parts = [...first.children];
  const hash = isUniversal(parts[0], TAG.sequence) ? digestOf(parts.shift()!, options) : defaultHash;
  const [certHash, issuerSerial] = parts;
  if (!isUniversal(certHash, TAG.octetString))
    throw new Asn1Error('an ESSCertID has no certificate hash', first.offset);
  const mismatch = (what: string) =>
    new EInvoiceError(
      'p7m.signing-certificate-mismatch',
      `The signing-certificate attribute names another certificate than the signer's (${what})`,
    );
  if (!createHash(hash).update(certificate.raw).digest().equals(stringValue(certHash)))
    throw mismatch(`${hash} hash`);
  if (issuerSerial) {
    const [names, serial] = issuerSerial.children;
    if (!isUniversal(names, TAG.sequence) || !isUniversal(serial, TAG.integer))
      throw new Asn1Error('an IssuerSerial is not GeneralNames and a serial number', issuerSerial.offset);
    const own = certificateParts(certificate);
    const issuer = toDer(own.issuer);
    // directoryName [4] EXPLICIT Name
    const named = names.children.some(
      (name) =>
        isContext(name, 4) && name.children[0] !== undefined && toDer(name.children[0]).equals(issuer),
    );
    if (!named || !toDer(serial).equals(toDer(own.serial))) throw mismatch('issuer and serial number');
  }
  return true;
}

/** A verifier of the signature value for this signature algorithm, digest and certificate key. */
function verifierFor(
  algorithm: Asn1,
  hash: string,
  certificate: X509Certificate,
  options: CadesVerifyOptions,
): (data: Buffer, signature: Buffer) => boolean {
  const id = algorithmId(algorithm);
  const known = SIGNATURES[id];
  if (!known)
    throw new EInvoiceError('p7m.unsupported-algorithm', `Signature algorithm ${id} is not supported`);
  if (known.hash && known.hash !== hash) {
    throw new EInvoiceError(
      'p7m.unsupported-algorithm',
      `Signature algorithm ${id} uses ${known.hash}, the digest algorithm is ${hash}`,
    );
  }
  if (known.hash === 'sha1' && !options.allowSha1)
    throw new EInvoiceError('p7m.unsupported-algorithm', 'SHA-1 signatures are refused unless allowed');
  let key: KeyObject;
  try {
    key = certificate.publicKey;
  } catch {
    throw new EInvoiceError(
      'p7m.unsupported-algorithm',
      "The signer certificate's public key cannot be read, or is of an unsupported type",
    );
  }
  const keyType = key.asymmetricKeyType;
  const fits = known.key === 'ec' ? keyType === 'ec' : keyType === 'rsa' || keyType === 'rsa-pss';
  if (!fits) {
    throw new EInvoiceError(
      'p7m.unsupported-algorithm',
      `Signature algorithm ${id} does not fit the certificate's ${keyType ?? 'unknown'} key`,
    );
  }
  const padding =
    known.key === 'rsa-pss'
      ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pssSaltLength(algorithm, hash, options) }
      : {};
  return (data, signature) => {
    try {
      return verify(hash, data, { key, ...padding }, signature);
    } catch {
      // a signature value that is not even well-formed (ECDSA's DER) does not verify
      return false;
    }
  };
}

/** RSASSA-PSS parameters (RFC 4055): the hash and MGF1 hash must be the digest algorithm. */
function pssSaltLength(algorithm: Asn1, hash: string, options: CadesVerifyOptions): number {
  const params = algorithm.children[1];
  let pssHash = 'sha1';
  let mgfHash = 'sha1';
  let saltLength = 20;
  for (const field of isUniversal(params, TAG.sequence) ? params.children : []) {
    const inner = field.children[0];
    if (!inner) continue;
    if (isContext(field, 0)) pssHash = digestOf(inner, { allowSha1: true });
    if (isContext(field, 1)) {
      if (algorithmId(inner) !== OID.mgf1 || !inner.children[1])
        throw new EInvoiceError(
          'p7m.unsupported-algorithm',
          'RSASSA-PSS with a mask generation other than MGF1',
        );
      mgfHash = digestOf(inner.children[1], { allowSha1: true });
    }
    if (isContext(field, 2) && isUniversal(inner, TAG.integer))
      saltLength = Number(`0x${inner.content.toString('hex')}`);
  }
  if (pssHash !== hash || mgfHash !== hash) {
    throw new EInvoiceError(
      'p7m.unsupported-algorithm',
      `RSASSA-PSS with ${pssHash} / MGF1 ${mgfHash} and digest algorithm ${hash}`,
    );
  }
  if (hash === 'sha1' && !options.allowSha1)
    throw new EInvoiceError('p7m.unsupported-algorithm', 'SHA-1 signatures are refused unless allowed');
  return saltLength;
}

/** Whether a SignerIdentifier (IssuerAndSerialNumber, or [0] SubjectKeyIdentifier) names `certificate`. */
function namesCertificate(sid: Asn1, certificate: X509Certificate): boolean {
  const parts = certificateParts(certificate);
  if (sid.cls === UNIVERSAL && sid.tag === TAG.sequence) {
    const [issuer, serial] = sid.children;
    if (!issuer || !isUniversal(serial, TAG.integer))
      throw new Asn1Error('an IssuerAndSerialNumber lacks its issuer or serial number', sid.offset);
    return toDer(serial).equals(toDer(parts.serial)) && toDer(issuer).equals(toDer(parts.issuer));
  }
  if (sid.cls === CONTEXT && sid.tag === 0) return stringValue(sid).equals(parts.subjectKeyIdentifier);
  throw new Asn1Error(
    'a SignerIdentifier is neither IssuerAndSerialNumber nor SubjectKeyIdentifier',
    sid.offset,
  );
}

function describeSid(sid: Asn1): string {
  if (sid.cls === CONTEXT && sid.tag === 0)
    return `subject key identifier ${stringValue(sid).toString('hex')}`;
  const serial = sid.children[1];
  return `serial number ${serial ? serial.content.toString('hex').toUpperCase() : '?'}`;
}

interface CertificateParts {
  issuer: Asn1;
  serial: Asn1;
  /** The extension's value, or the SHA-1 of the public key (RFC 5280, 4.2.1.2, method 1) without one. */
  subjectKeyIdentifier: Buffer;
}

const partsCache = new WeakMap<X509Certificate, CertificateParts>();

/** The issuer Name, serial number and subject key identifier of a certificate, from its TBSCertificate. */
function certificateParts(certificate: X509Certificate): CertificateParts {
  const cached = partsCache.get(certificate);
  if (cached) return cached;
  const tbs = readAsn1(certificate.raw).children[0]!;
  const fields = isContext(tbs.children[0], 0) ? tbs.children.slice(1) : tbs.children;
  const [serial, , issuer, , , spki] = fields;
  if (!serial || !issuer || !spki) throw new TypeError('not an X.509 certificate');
  const extensions = tbs.children.find((c) => isContext(c, 3))?.children[0]?.children ?? [];
  const ski = extensions.find((e) => e.children[0] && oidValue(e.children[0]) === OID.subjectKeyIdentifier);
  const value = ski?.children[ski.children.length - 1];
  const subjectKeyIdentifier = value
    ? stringValue(readAsn1(stringValue(value)))
    : createHash('sha1').update(stringValue(spki.children[1]!).subarray(1)).digest();
  const parts = { issuer, serial, subjectKeyIdentifier };
  partsCache.set(certificate, parts);
  return parts;
}

function describeSigner(certificate: X509Certificate): CadesSigner {
  return {
    certificatePem: certificate.toString(),
    subject: certificate.subject,
    issuer: certificate.issuer,
    serialNumber: certificate.serialNumber,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
}

function malformedAt(message: string, offset: number): EInvoiceError {
  return new EInvoiceError(
    'p7m.malformed',
    `The p7m envelope is malformed at byte offset ${offset}: ${message}`,
    {
      details: [{ path: `byte:${offset}`, message }],
    },
  );
}

/**
 * SAT (Mexico) certificates: the CSD ("certificado de sello digital") that seals CFDI, read from SAT's files
 * (`.cer`, a DER X.509 certificate, and `.key`, a password-protected DER PKCS#8 EncryptedPrivateKeyInfo),
 * with what SAT's certificates carry: the 20-digit certificate number, the RFC, the branch (OU), and whether it
 * is a CSD or an e.firma (FIEL), which must not seal CFDI.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { EInvoiceError, invalidInput } from '../errors';
import type { SigningCredential } from '../ports/certificate-store';
import {
  type Asn1,
  Asn1Error,
  isContext,
  isUniversal,
  oidValue,
  readAsn1,
  stringValue,
  TAG,
  timeValue,
} from './asn1';

const OID = {
  commonName: '2.5.4.3',
  organizationalUnit: '2.5.4.11',
  name: '2.5.4.41',
  x500UniqueIdentifier: '2.5.4.45',
  keyUsage: '2.5.29.15',
} as const;

/** The bits of the keyUsage extension (RFC 5280, 4.2.1.3), in order. */
const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export type KeyUsage = (typeof KEY_USAGES)[number];

/** What a SAT certificate says about its holder. */
export interface SatCertificateInfo {
  certificate: X509Certificate;
  /** SAT's 20-digit certificate number (`NoCertificado`): the serial number's bytes read as ASCII digits. */
  noCertificado: string;
  /** The holder's RFC: the first of the subject's x500UniqueIdentifier (`EKU9003173C9 / VADA800927DJ3`). */
  rfc: string;
  /** The holder's name (the subject's `name`, else its common name). */
  legalName: string;
  /** The subject's organizational unit: the branch of a CSD, absent from an e.firma. */
  branchName: string;
  keyUsage: KeyUsage[];
  /** An e.firma (FIEL): it signs declarations and requests, never CFDI. */
  isFiel: boolean;
  validFrom: Date;
  validTo: Date;
  /** The certificate's DER in base64, one line: a CFDI's `Certificado` attribute. */
  certificateBase64: string;
}

/** A SAT CSD with its private key: a `SigningCredential` (certificate first) with the certificate's facts. */
export interface SatCsd extends SigningCredential, SatCertificateInfo {}

export interface CheckCsdOptions {
  /** The RFC the credential must belong to (the CFDI's `Emisor/@Rfc`); not checked when absent. */
  rfc?: string;
  /** The instant the certificate must be valid at; default now. */
  at?: Date;
}

/** The certificate from DER bytes, PEM, or base64 text of the DER (a CFDI's `Certificado`, a `.cer` so written). */
export function satCertificate(input: Buffer | string | X509Certificate): X509Certificate {
  if (input instanceof X509Certificate) return input;
  try {
    if (Buffer.isBuffer(input) && input[0] === 0x30) return new X509Certificate(input);
    const text = typeof input === 'string' ? input : input.toString('latin1');
    if (text.includes('-----BEGIN')) return new X509Certificate(text);
    return new X509Certificate(Buffer.from(text.replace(/\s+/g, ''), 'base64'));
  } catch (error) {
    throw new EInvoiceError(
      'csd.invalid-certificate',
      'The certificate is not a readable X.509 certificate',
      {
        cause: error,
      },
    );
  }
}

/** SAT's certificate number of a certificate: its serial number's bytes as ASCII digits (upper-case hex when they are not digits). */
export function noCertificadoOf(certificate: X509Certificate | Buffer | string): string {
  return satCertificateInfo(certificate).noCertificado;
}

/**
 * Reads the facts of a SAT certificate (CSD or e.firma) from its DER. Throws `EInvoiceError`
 * `csd.invalid-certificate` for one that cannot be read.
 */
export function satCertificateInfo(input: X509Certificate | Buffer | string): SatCertificateInfo {
  const certificate = satCertificate(input);
  try {
    return readCertificate(certificate);
  } catch (error) {
    if (error instanceof EInvoiceError) throw error;
    throw new EInvoiceError('csd.invalid-certificate', 'The certificate cannot be read', { cause: error });
  }
}

function readCertificate(certificate: X509Certificate): SatCertificateInfo {
  const der = certificate.raw;
  const root = readAsn1(der);
  const tbs = root.children[0];
  if (!isUniversal(root, TAG.sequence) || !isUniversal(tbs, TAG.sequence))
    throw new Asn1Error('not a Certificate SEQUENCE', 0);
  // version [0] is optional (absent for v1)
  const fields = isContext(tbs.children[0], 0) ? tbs.children.slice(1) : tbs.children;
  const [serial, , , validity, subject] = fields;
  const [notBefore, notAfter] = validity?.children ?? [];
  if (
    !isUniversal(serial, TAG.integer) ||
    !isUniversal(validity, TAG.sequence) ||
    !notBefore ||
    !notAfter ||
    !isUniversal(subject, TAG.sequence)
  )
    throw new Asn1Error('the certificate lacks its serial number, validity or subject', tbs.offset);
  const subjectValues = nameValues(subject);
  const uniqueIdentifier = subjectValues.get(OID.x500UniqueIdentifier) ?? '';
  const branchName = (subjectValues.get(OID.organizationalUnit) ?? '').trim();
  const keyUsage = keyUsageOf(fields);
  return {
    certificate,
    noCertificado: serialToNoCertificado(serial.content),
    rfc: (uniqueIdentifier.split('/')[0] ?? '').trim(),
    legalName: subjectValues.get(OID.name) ?? subjectValues.get(OID.commonName) ?? '',
    branchName,
    keyUsage,
    isFiel: isFielCertificate(branchName, keyUsage),
    validFrom: timeValue(notBefore),
    validTo: timeValue(notAfter),
    certificateBase64: der.toString('base64'),
  };
}

/**
 * An e.firma, not a CSD. SAT issues both to the same RFC from the same authority; they differ in the subject
 * and the key usage. The rule phpcfdi/credentials applies: a CSD names its branch in the organizational
 * unit (OU), an e.firma has none. A key usage beyond signing (data encipherment or key agreement, which an
 * e.firma carries and a CSD, digitalSignature + nonRepudiation only, does not) also marks an e.firma.
 */
function isFielCertificate(branchName: string, keyUsage: readonly KeyUsage[]): boolean {
  return branchName === '' || keyUsage.includes('dataEncipherment') || keyUsage.includes('keyAgreement');
}

function serialToNoCertificado(serialContent: Buffer): string {
  let bytes = serialContent;
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  const ascii = bytes.toString('latin1');
  return /^[0-9]+$/.test(ascii) ? ascii : bytes.toString('hex').toUpperCase();
}

/** The first value of each attribute type of an X.500 Name, as text. */
function nameValues(name: Asn1): Map<string, string> {
  const values = new Map<string, string>();
  for (const rdn of name.children) {
    for (const attribute of rdn.children) {
      const [type, value] = attribute.children;
      if (!type || !value || !isUniversal(type, TAG.oid)) continue;
      const oid = oidValue(type);
      if (!values.has(oid)) values.set(oid, directoryString(value));
    }
  }
  return values;
}

function directoryString(value: Asn1): string {
  const bytes = stringValue(value);
  switch (value.tag) {
    case 30: {
      // BMPString: UTF-16 big-endian
      const swapped = Buffer.from(bytes);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case 12:
      return bytes.toString('utf8');
    default:
      // PrintableString, IA5String, TeletexString (as Latin-1), and SAT's x500UniqueIdentifier
      return bytes.toString('latin1');
  }
}

function keyUsageOf(tbsFields: Asn1[]): KeyUsage[] {
  const extensions = tbsFields.find((field) => isContext(field, 3))?.children[0];
  if (!extensions) return [];
  for (const extension of extensions.children) {
    const [id, second, third] = extension.children;
    if (!id || !isUniversal(id, TAG.oid) || oidValue(id) !== OID.keyUsage) continue;
    const octets = isUniversal(second, TAG.boolean) ? third : second;
    if (!octets) return [];
    const bitString = readAsn1(stringValue(octets));
    const bits = bitString.content.subarray(1);
    return KEY_USAGES.filter((_, i) => ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0);
  }
  return [];
}

export interface LoadSatCsdOptions {
  /** The credential's name; default its certificate number. */
  name?: string;
}

/**
 * Loads a SAT CSD from its `.cer` (DER, or PEM) and `.key` (DER PKCS#8 EncryptedPrivateKeyInfo as SAT
 * issues it, or PEM) and the key's password. Throws `EInvoiceError` `csd.wrong-password` (the key does not
 * open with it), `csd.invalid-key` (not a PKCS#8 key), `csd.invalid-certificate`, `csd.key-mismatch` (the key
 * is not the certificate's). It does not judge the certificate: see {@link checkCsd}.
 */
export function loadSatCsd(
  cer: Buffer | string,
  key: Buffer | string,
  password: string,
  options: LoadSatCsdOptions = {},
): SatCsd {
  const info = satCertificateInfo(cer);
  const privateKey = openKey(key, password);
  if (!info.certificate.checkPrivateKey(privateKey)) {
    throw invalidInput(
      'csd.key-mismatch',
      `The private key is not the key of certificate ${info.noCertificado} (${info.rfc})`,
    );
  }
  return { ...info, name: options.name ?? info.noCertificado, privateKey, certificates: [info.certificate] };
}

/** Reads {@link loadSatCsd}'s files. */
export async function readSatCsd(
  cerFile: string,
  keyFile: string,
  password: string,
  options: LoadSatCsdOptions = {},
): Promise<SatCsd> {
  const [cer, key] = await Promise.all([readFile(cerFile), readFile(keyFile)]);
  return loadSatCsd(cer, key, password, { name: options.name ?? basename(cerFile).replace(/\.cer$/i, '') });
}

function openKey(key: Buffer | string, password: string): KeyObject {
  const pem = typeof key === 'string' || key.subarray(0, 64).toString('latin1').includes('-----BEGIN');
  let encrypted: boolean;
  if (pem) {
    const text = typeof key === 'string' ? key : key.toString('latin1');
    encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text);
  } else {
    encrypted = isEncryptedPrivateKeyInfo(key);
  }
  try {
    if (pem) return createPrivateKey({ key, format: 'pem', passphrase: password });
    return createPrivateKey({ key, format: 'der', type: 'pkcs8', passphrase: password });
  } catch (error) {
    if (encrypted)
      throw new EInvoiceError('csd.wrong-password', 'The private key does not open with this password', {
        status: 400,
      });
    throw new EInvoiceError('csd.invalid-key', 'The private key is not a PKCS#8 key', { cause: error });
  }
}

/** EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } (RFC 5958). */
function isEncryptedPrivateKeyInfo(der: Buffer): boolean {
  try {
    const root = readAsn1(der);
    const [algorithm, data] = root.children;
    return (
      isUniversal(root, TAG.sequence) &&
      root.children.length === 2 &&
      isUniversal(algorithm, TAG.sequence) &&
      isUniversal(algorithm.children[0], TAG.oid) &&
      isUniversal(data, TAG.octetString)
    );
  } catch {
    return false;
  }
}

/**
 * Refuses a credential that may not seal a CFDI: an e.firma (`csd.not-csd`), one not valid at `at`
 * (`csd.expired`, also before its start), or one of another RFC than `rfc` (`csd.rfc-mismatch`).
 */
export function checkCsd(credential: SatCertificateInfo, options: CheckCsdOptions = {}): void {
  if (credential.isFiel) {
    throw invalidInput(
      'csd.not-csd',
      `Certificate ${credential.noCertificado} (${credential.rfc}) is an e.firma (FIEL), not a CSD: it cannot seal CFDI`,
    );
  }
  const at = options.at ?? new Date();
  if (at < credential.validFrom || at > credential.validTo) {
    throw invalidInput(
      'csd.expired',
      `CSD ${credential.noCertificado} is not valid at ${at.toISOString()} (valid ${credential.validFrom.toISOString()} to ${credential.validTo.toISOString()})`,
    );
  }
  if (options.rfc !== undefined && options.rfc.trim().toUpperCase() !== credential.rfc.toUpperCase()) {
    throw invalidInput(
      'csd.rfc-mismatch',
      `CSD ${credential.noCertificado} belongs to RFC ${credential.rfc}, not ${options.rfc}`,
    );
  }
}

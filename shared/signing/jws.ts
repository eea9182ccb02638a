import { constants, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { EInvoiceError } from '../errors';

export type JwsAlgorithm = 'RS256' | 'PS256' | 'ES256';
export type JwsSerialization = 'compact' | 'json';

const HASH: Record<JwsAlgorithm, string> = { RS256: 'sha256', PS256: 'sha256', ES256: 'sha256' };

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function signatureOptions(algorithm: JwsAlgorithm, key: KeyObject) {
  if (algorithm === 'PS256') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  if (algorithm === 'ES256') return { key, dsaEncoding: 'ieee-p1363' as const };
  return { key };
}

export interface JwsSigningKey {
  privateKey: KeyObject;
  /** Leaf first; sent as `x5c` so that a receiver can verify and check the chain. */
  certificates?: X509Certificate[];
}

/** The algorithm a key can sign with: RS256 for RSA, ES256 for P-256. */
export function defaultJwsAlgorithm(key: KeyObject): JwsAlgorithm {
  return key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
}

/**
 * Signs a payload (a JSON document's bytes) as a JWS (RFC 7515), in compact or general JSON
 * serialization, with the certificate chain in the protected header (`x5c`).
 */
export function signJws(
  payload: Buffer,
  key: JwsSigningKey,
  options: { algorithm?: JwsAlgorithm; serialization?: JwsSerialization } = {},
): string {
  const algorithm = options.algorithm ?? defaultJwsAlgorithm(key.privateKey);
  if (algorithm === 'ES256' && key.privateKey.asymmetricKeyType !== 'ec') {
    throw new EInvoiceError('sign.key-mismatch', 'ES256 needs an EC P-256 key');
  }
  if (algorithm !== 'ES256' && key.privateKey.asymmetricKeyType !== 'rsa') {
    throw new EInvoiceError('sign.key-mismatch', `${algorithm} needs an RSA key`);
  }
  const header = {
    alg: algorithm,
    ...(key.certificates?.length ? { x5c: key.certificates.map((c) => c.raw.toString('base64')) } : {}),
  };
  const protectedHeader = b64url(JSON.stringify(header));
  const encodedPayload = b64url(payload);
  const signature = b64url(
    sign(
      HASH[algorithm],
      Buffer.from(`${protectedHeader}.${encodedPayload}`),
      signatureOptions(algorithm, key.privateKey),
    ),
  );
  if (options.serialization === 'json') {
    return JSON.stringify({
      payload: encodedPayload,
      signatures: [{ protected: protectedHeader, signature }],
    });
  }
  return `${protectedHeader}.${encodedPayload}.${signature}`;
}

export interface JwsVerification {
  valid: boolean;
  payload?: Buffer;
  algorithm?: string;
  certificate?: X509Certificate;
  problems: Array<{ code: string; message: string }>;
}

/**
 * Verifies a compact or JSON-serialized JWS with the given certificate, or the `x5c` certificate in its
 * header. Only RS256, PS256 and ES256 are accepted (never `none`).
 */
export function verifyJws(
  text: string,
  options: { certificate?: X509Certificate; now?: Date } = {},
): JwsVerification {
  const fail = (code: string, message: string): JwsVerification => ({
    valid: false,
    problems: [{ code, message }],
  });
  let protectedHeader: string;
  let encodedPayload: string;
  let signature: string;
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as {
        payload?: string;
        protected?: string;
        signature?: string;
        signatures?: Array<{ protected?: string; signature?: string }>;
      };
      const entry = json.signatures?.length === 1 ? json.signatures[0]! : json;
      if (json.signatures && json.signatures.length !== 1)
        return fail('jws.signature-count', 'Expected exactly one signature');
      protectedHeader = entry.protected ?? '';
      signature = entry.signature ?? '';
      encodedPayload = json.payload ?? '';
    } catch {
      return fail('jws.malformed', 'The JWS JSON serialization is not valid JSON');
    }
  } else {
    const parts = trimmed.split('.');
    if (parts.length !== 3) return fail('jws.malformed', 'A compact JWS has three parts');
    [protectedHeader, encodedPayload, signature] = parts as [string, string, string];
  }
  let header: { alg?: string; x5c?: string[]; crit?: unknown };
  try {
    header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8')) as typeof header;
  } catch {
    return fail('jws.malformed', 'The protected header is not valid JSON');
  }
  if (header.crit !== undefined)
    return fail('jws.unsupported', 'Critical header parameters are not supported');
  const algorithm = header.alg as JwsAlgorithm | undefined;
  if (!algorithm || !(algorithm in HASH))
    return fail('jws.algorithm', `Algorithm ${String(header.alg)} is not allowed`);
  let certificate = options.certificate;
  try {
    certificate ??= header.x5c?.[0] ? new X509Certificate(Buffer.from(header.x5c[0], 'base64')) : undefined;
  } catch {
    return fail('jws.certificate-invalid', 'The x5c certificate cannot be read');
  }
  if (!certificate) return fail('jws.no-certificate', 'No certificate to verify the signature with');
  const now = options.now ?? new Date();
  if (now > new Date(certificate.validTo))
    return fail('jws.certificate-expired', `The certificate expired on ${certificate.validTo}`);
  const ok = verify(
    HASH[algorithm],
    Buffer.from(`${protectedHeader}.${encodedPayload}`),
    signatureOptions(algorithm, certificate.publicKey),
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) return fail('jws.signature-invalid', 'The signature does not verify');
  return {
    valid: true,
    payload: Buffer.from(encodedPayload, 'base64url'),
    algorithm,
    certificate,
    problems: [],
  };
}

import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { EInvoiceError } from '../errors';
import type { SigningCredential } from '../ports/certificate-store';

/** Reads a PKCS#12 bundle (base64) into a key and its certificates. */
export function fromPkcs12(name: string, base64: string, password = ''): SigningCredential {
  const asn1 = forge.asn1.fromDer(forge.util.decode64(base64));
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password);
  const bags = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? [];
  const keyBag = bags(forge.pki.oids.pkcs8ShroudedKeyBag!)[0] ?? bags(forge.pki.oids.keyBag!)[0];
  const certBags = bags(forge.pki.oids.certBag!);
  if (!keyBag?.key || certBags.length === 0) {
    throw new EInvoiceError(
      'certificate.invalid',
      `Certificate "${name}" has no private key or no certificate`,
    );
  }
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  const certificates = certBags
    .filter((b) => b.cert)
    .map((b) => new X509Certificate(forge.pki.certificateToPem(b.cert!)));
  const leafIndex = certificates.findIndex((c) => c.checkPrivateKey(privateKey));
  if (leafIndex < 0)
    throw new EInvoiceError('certificate.key-mismatch', `No certificate of "${name}" matches its key`);
  const [leaf] = certificates.splice(leafIndex, 1);
  return { name, privateKey, certificates: [leaf!, ...certificates] };
}

/** Reads PEM text holding a private key and certificates. */
export function fromPem(name: string, pem: string): SigningCredential {
  const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(
    pem,
  );
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!key || certs.length === 0) {
    throw new EInvoiceError(
      'certificate.invalid',
      `Certificate "${name}" has no private key or no certificate`,
    );
  }
  const privateKey = createPrivateKey(key[0]);
  const certificates = certs.map((c) => new X509Certificate(c));
  return { name, privateKey, certificates };
}

const EXPIRY_WARNING_DAYS = 30;

/**
 * Refuses an expired (or not yet valid) signing certificate, and warns within 30 days of its end: the
 * warning goes on the document's history and into the log with the step's result.
 */
export function checkSigningCertificate(
  credential: SigningCredential,
  now: Date = new Date(),
): { code: string; message: string } | undefined {
  const certificate = credential.certificates[0]!;
  const validTo = new Date(certificate.validTo);
  if (now < new Date(certificate.validFrom) || now > validTo) {
    throw new EInvoiceError(
      'certificate.expired',
      `Signing certificate "${credential.name}" is not valid now (valid ${certificate.validFrom} to ${certificate.validTo})`,
    );
  }
  const days = Math.floor((validTo.getTime() - now.getTime()) / 86_400_000);
  if (days < EXPIRY_WARNING_DAYS) {
    return {
      code: 'certificate.expiring',
      message: `Signing certificate "${credential.name}" expires on ${validTo.toISOString().slice(0, 10)} (in ${days} days)`,
    };
  }
  return undefined;
}

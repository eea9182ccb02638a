import type { TokenCredential } from '@azure/core-auth';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { EInvoiceError } from '../errors';
import type { CertificateStore, SigningCredential } from '../ports/certificate-store';

interface Cached {
  at: number;
  credential: Promise<SigningCredential>;
}

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

/**
 * Signing certificates in Azure Key Vault. The private key is read through the secret of the same name
 * (PKCS#12 or PEM, as the certificate policy's content type says), parsed once, and refreshed after
 * `refreshMs` so that a rotated certificate is used without a restart.
 */
export class KeyVaultCertificateStore implements CertificateStore {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly secrets: Pick<SecretClient, 'getSecret'>,
    private readonly refreshMs = 15 * 60_000,
  ) {}

  static create(
    vaultUrl: string,
    credential: TokenCredential,
    options?: SecretClientOptions,
  ): KeyVaultCertificateStore {
    return new KeyVaultCertificateStore(new SecretClient(vaultUrl, credential, options));
  }

  get(name: string): Promise<SigningCredential> {
    const cached = this.cache.get(name);
    if (cached && Date.now() - cached.at < this.refreshMs) return cached.credential;
    const credential = this.load(name);
    this.cache.set(name, { at: Date.now(), credential });
    credential.catch(() => {
      // keep serving the previous certificate if a refresh fails
      if (cached) this.cache.set(name, cached);
      else this.cache.delete(name);
    });
    return cached ? credential.catch(() => cached.credential) : credential;
  }

  private async load(name: string): Promise<SigningCredential> {
    let secret;
    try {
      secret = await this.secrets.getSecret(name);
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404)
        throw new EInvoiceError('certificate.not-found', `Key Vault has no certificate "${name}"`);
      throw new EInvoiceError('certificate.unavailable', `Key Vault did not return certificate "${name}"`, {
        retryable: true,
        status: 503,
      });
    }
    if (!secret.value) throw new EInvoiceError('certificate.invalid', `Certificate "${name}" has no value`);
    return secret.properties.contentType === 'application/x-pem-file'
      ? fromPem(name, secret.value)
      : fromPkcs12(name, secret.value);
  }
}

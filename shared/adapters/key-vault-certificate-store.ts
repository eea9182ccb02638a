import type { TokenCredential } from '@azure/core-auth';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { EInvoiceError } from '../errors';
import type { CertificateStore, SigningCredential } from '../ports/certificate-store';
import { fromPem, fromPkcs12 } from '../signing/credentials';

interface Cached {
  at: number;
  credential: Promise<SigningCredential>;
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

import type { TokenCredential } from '@azure/core-auth';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { EInvoiceError } from '../errors';
import type { CertificateStore, SigningCredential } from '../ports/certificate-store';
import { fromPem, fromPkcs12 } from '../signing/credentials';
import { RefreshingCache } from '../util/refreshing-cache';

/**
 * Signing certificates in Azure Key Vault. The private key is read through the secret of the same name
 * (PKCS#12 or PEM, as the certificate policy's content type says), parsed once, and refreshed after
 * `refreshMs` so that a rotated certificate is used without a restart.
 */
export class KeyVaultCertificateStore implements CertificateStore {
  private readonly cache: RefreshingCache<SigningCredential>;

  constructor(
    private readonly secrets: Pick<SecretClient, 'getSecret'>,
    refreshMs = 15 * 60_000,
  ) {
    this.cache = new RefreshingCache(refreshMs);
  }

  static create(
    vaultUrl: string,
    credential: TokenCredential,
    options?: SecretClientOptions,
  ): KeyVaultCertificateStore {
    return new KeyVaultCertificateStore(new SecretClient(vaultUrl, credential, options));
  }

  get(name: string): Promise<SigningCredential> {
    return this.cache.get(name, (n) => this.load(n));
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

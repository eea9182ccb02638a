import type { TokenCredential } from '@azure/core-auth';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EInvoiceError } from '../errors';
import type { SecretStore } from '../ports/certificate-store';
import { RefreshingCache } from '../util/refreshing-cache';

const NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,126}$/;

function checkName(name: string): void {
  if (!NAME.test(name))
    throw new EInvoiceError(
      'secret.invalid-name',
      `Invalid secret name "${name}" (letters, digits and hyphens, as Key Vault allows)`,
    );
}

/**
 * Secrets of the embedded runtime: one file per secret, `{dir}/{name}` (the key folder's `secrets/`), its
 * content the value (a final line break is not part of it). Read on each use, so a changed file counts
 * at once; never logged.
 */
export class FolderSecretStore implements SecretStore {
  constructor(private readonly dir: string) {}

  async get(name: string): Promise<string> {
    checkName(name);
    try {
      return (await readFile(join(this.dir, name), 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new EInvoiceError('secret.not-found', `No secret "${name}" in the key folder's secrets/`);
      throw error;
    }
  }
}

/**
 * Secrets in Azure Key Vault, cached for `refreshMs` so that a rotated secret is used without a restart
 * (and a failed refresh keeps the last value).
 */
export class KeyVaultSecretStore implements SecretStore {
  private readonly cache: RefreshingCache<string>;

  constructor(
    private readonly secrets: Pick<SecretClient, 'getSecret'>,
    refreshMs = 5 * 60_000,
  ) {
    this.cache = new RefreshingCache(refreshMs);
  }

  static create(
    vaultUrl: string,
    credential: TokenCredential,
    options?: SecretClientOptions,
  ): KeyVaultSecretStore {
    return new KeyVaultSecretStore(new SecretClient(vaultUrl, credential, options));
  }

  async get(name: string): Promise<string> {
    checkName(name);
    return this.cache.get(name, (n) => this.load(n));
  }

  private async load(name: string): Promise<string> {
    let secret;
    try {
      secret = await this.secrets.getSecret(name);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404)
        throw new EInvoiceError('secret.not-found', `Key Vault has no secret "${name}"`);
      throw new EInvoiceError('secret.unavailable', `Key Vault did not return secret "${name}"`, {
        retryable: true,
        status: 503,
      });
    }
    if (secret.value === undefined)
      throw new EInvoiceError('secret.not-found', `Secret "${name}" has no value`);
    return secret.value;
  }
}

import type { KeyObject, X509Certificate } from 'node:crypto';

/** A signing identity: the private key (already parsed, for fast signing) and its certificate chain. */
export interface SigningCredential {
  name: string;
  privateKey: KeyObject;
  /** Leaf first. */
  certificates: X509Certificate[];
}

/**
 * Signing certificates with their private keys. Implemented by `FolderCertificateStore` (the embedded
 * runtime's key folder) and `KeyVaultCertificateStore` (Azure Key Vault). Private keys never leave this port
 * except as `KeyObject`s, and are never logged.
 */
export interface CertificateStore {
  /** Throws `EInvoiceError` `certificate.not-found` when there is no such certificate. */
  get(name: string): Promise<SigningCredential>;
}

/** Named secrets (passwords, client secrets, API keys of remote services). */
export interface SecretStore {
  /** Throws `EInvoiceError` `secret.not-found` when there is no such secret. */
  get(name: string): Promise<string>;
}

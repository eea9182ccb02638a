import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import { EInvoiceError } from '../errors';
import type { CertificateStore, SigningCredential } from '../ports/certificate-store';
import { fromPkcs12 } from '../signing/credentials';
import { readSatCsd } from '../signing/sat-csd';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function splitCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/** The password of `{name}.p12`: EINVOICE_KEY_PASSWORD_{NAME} (upper case, other characters as _), else EINVOICE_KEY_PASSWORD. */
export function keyPasswordFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): (name: string) => string {
  return (name) =>
    env[`EINVOICE_KEY_PASSWORD_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] ??
    env.EINVOICE_KEY_PASSWORD ??
    '';
}

/**
 * Signing certificates in the embedded runtime's key folder: `{name}.key.pem` (private key, PKCS#8 or
 * PKCS#1) with `{name}.crt.pem` (certificate, then its chain), `{name}.p12` / `{name}.pfx` (PKCS#12,
 * password from the settings), or a Mexican CSD as SAT issues it, `{name}.cer` with `{name}.key` (DER,
 * password-protected PKCS#8, the same password setting). Parsed once and kept as `KeyObject`s.
 */
export class FolderCertificateStore implements CertificateStore {
  private readonly cache = new Map<string, Promise<SigningCredential>>();

  constructor(
    private readonly dir: string,
    private readonly password: (name: string) => string = () => '',
  ) {}

  get(name: string): Promise<SigningCredential> {
    let found = this.cache.get(name);
    if (!found) {
      found = this.load(name);
      this.cache.set(name, found);
      found.catch(() => this.cache.delete(name));
    }
    return found;
  }

  private async load(name: string): Promise<SigningCredential> {
    if (!NAME.test(name))
      throw new EInvoiceError('certificate.invalid-name', `Invalid certificate name "${name}"`);
    const keyFile = join(this.dir, `${name}.key.pem`);
    const certFile = join(this.dir, `${name}.crt.pem`);
    if (!existsSync(keyFile) || !existsSync(certFile)) {
      const cer = join(this.dir, `${name}.cer`);
      const key = join(this.dir, `${name}.key`);
      if (existsSync(cer) && existsSync(key)) return readSatCsd(cer, key, this.password(name), { name });
      const bundle = [`${name}.p12`, `${name}.pfx`].map((f) => join(this.dir, f)).find((f) => existsSync(f));
      if (bundle) {
        try {
          return fromPkcs12(name, (await readFile(bundle)).toString('base64'), this.password(name));
        } catch (error) {
          if (error instanceof EInvoiceError) throw error;
          throw new EInvoiceError(
            'certificate.invalid',
            `Cannot open ${name} PKCS#12 bundle (wrong password, or not PKCS#12)`,
          );
        }
      }
      throw new EInvoiceError(
        'certificate.not-found',
        `Certificate "${name}" is not in the key folder (expected ${name}.key.pem and ${name}.crt.pem, ${name}.p12, or ${name}.cer and ${name}.key)`,
      );
    }
    const privateKey = createPrivateKey(await readFile(keyFile));
    const certificates = splitCertificates(await readFile(certFile, 'utf8'));
    if (certificates.length === 0) {
      throw new EInvoiceError('certificate.invalid', `${name}.crt.pem holds no PEM certificate`);
    }
    if (!certificates[0]!.checkPrivateKey(privateKey)) {
      throw new EInvoiceError(
        'certificate.key-mismatch',
        `The private key of "${name}" does not match its certificate`,
      );
    }
    return { name, privateKey, certificates };
  }
}

/**
 * Creates a self-signed RSA-2048 test certificate in the key folder when none exists under that name, so
 * that the embedded runtime can sign from its first start. Never for production: real certificates come
 * from a CA and are placed in the folder (or Key Vault). Returns true when it created one.
 */
export async function ensureSelfSignedCertificate(
  dir: string,
  name: string,
  commonName = 'einvoice local test',
  validDays = 730,
  /**
   * A test CSD of Mexico's SAT: the RFC in the subject (x500UniqueIdentifier, 2.5.4.45) and the certificate
   * number as SAT writes it, 20 digits, each an ASCII byte of the serial number.
   */
  sat?: { rfc: string; noCertificado: string },
): Promise<boolean> {
  const keyFile = join(dir, `${name}.key.pem`);
  const certFile = join(dir, `${name}.crt.pem`);
  if (existsSync(keyFile) && existsSync(certFile)) return false;
  // another process sharing the key folder is creating it: its key is there, its certificate follows
  if (existsSync(keyFile)) return waitForCertificate(keyFile, certFile);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = sat
    ? Buffer.from(sat.noCertificado, 'latin1').toString('hex')
    : '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - Math.max(60_000, -validDays * 2 * 86_400_000));
  cert.validity.notAfter = new Date(Date.now() + validDays * 86_400_000);
  const subject: Array<{ name?: string; type?: string; value: string }> = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'einvoice' },
    ...(sat
      ? [
          { type: '2.5.4.45', value: `${sat.rfc} / ` },
          { name: 'organizationalUnitName', value: 'test CSD' },
        ]
      : []),
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  // Workers sharing a key folder may start at once: creating the key file is exclusive, so one of them
  // writes the pair and the others wait for its certificate (never a key beside another one's certificate).
  try {
    await writeFile(keyFile, keyPem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return waitForCertificate(keyFile, certFile);
  }
  await chmod(keyFile, 0o600);
  // renamed into place whole: a waiting worker reads all of it or nothing
  const temp = `${certFile}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, forge.pki.certificateToPem(cert));
  await rename(temp, certFile);
  return true;
}

/** Waits for the certificate another process is creating beside its key; false (it created nothing). */
async function waitForCertificate(keyFile: string, certFile: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(certFile)) {
    if (Date.now() > deadline)
      throw new EInvoiceError(
        'certificate.unavailable',
        `${keyFile} has no certificate beside it (${certFile}): a start was interrupted; remove the key file to have a new test certificate made`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

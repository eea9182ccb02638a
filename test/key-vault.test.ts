import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { SecretClient } from '@azure/keyvault-secrets';
import { ensureSelfSignedCertificate } from '../shared/adapters/folder-certificate-store';
import { KeyVaultCertificateStore } from '../shared/adapters/key-vault-certificate-store';
import { FolderSecretStore, KeyVaultSecretStore } from '../shared/adapters/secret-stores';
import { tempDir } from './support/temp';

/**
 * A stand-in for Key Vault's secrets endpoint that follows its challenge protocol: a request without a
 * token gets 401 with a Bearer challenge; with a token, the secret.
 */
class KeyVaultStandIn {
  readonly secrets = new Map<string, { value: string; contentType: string }>();
  requests: Array<{ path: string; authorized: boolean }> = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const authorized = (req.headers.authorization ?? '').startsWith('Bearer ');
      this.requests.push({ path: req.url ?? '', authorized });
      if (!authorized) {
        res.writeHead(401, {
          'www-authenticate':
            'Bearer authorization="https://login.microsoftonline.com/tenant-id", resource="https://vault.azure.net"',
        });
        return res.end();
      }
      const name = /^\/secrets\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
      const secret = this.secrets.get(name);
      res.writeHead(secret ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          secret
            ? {
                value: secret.value,
                contentType: secret.contentType,
                id: `${this.url}/secrets/${name}/v1`,
                attributes: { enabled: true },
              }
            : {
                error: {
                  code: 'SecretNotFound',
                  message: `A secret with (name/id) ${name} was not found in this key vault.`,
                },
              },
        ),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}

const credential = {
  getToken: () => Promise.resolve({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

let vault: KeyVaultStandIn;
let pem: { key: string; cert: string };

beforeAll(async () => {
  vault = new KeyVaultStandIn();
  await vault.start();
  const dir = tempDir();
  await ensureSelfSignedCertificate(dir, 'kv', 'Key Vault test');
  pem = {
    key: readFileSync(join(dir, 'kv.key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'kv.crt.pem'), 'utf8'),
  };
});

afterAll(() => vault.stop());

function store(refreshMs?: number): KeyVaultCertificateStore {
  const client = new SecretClient(vault.url, credential, {
    disableChallengeResourceVerification: true,
    allowInsecureConnection: true,
  });
  return new KeyVaultCertificateStore(client, refreshMs);
}

function pkcs12(password = ''): string {
  const key = forge.pki.privateKeyFromPem(pem.key);
  const cert = forge.pki.certificateFromPem(pem.cert);
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: '3des' });
  return forge.util.encode64(forge.asn1.toDer(asn1).getBytes());
}

describe('KeyVaultCertificateStore (real SDK client, challenge protocol)', () => {
  it('reads a PKCS#12 certificate through its secret, after the Bearer challenge', async () => {
    vault.secrets.set('p12-cert', { value: pkcs12(), contentType: 'application/x-pkcs12' });
    const credentialFound = await store().get('p12-cert');
    expect(credentialFound.certificates[0]!.subject).toContain('CN=Key Vault test');
    expect(credentialFound.certificates[0]!.checkPrivateKey(credentialFound.privateKey)).toBe(true);
    const calls = vault.requests.filter((r) => r.path.startsWith('/secrets/p12-cert'));
    expect(calls.map((c) => c.authorized)).toEqual([false, true]);
  });

  it('reads a PEM certificate', async () => {
    vault.secrets.set('pem-cert', { value: pem.key + pem.cert, contentType: 'application/x-pem-file' });
    const found = await store().get('pem-cert');
    expect(found.certificates).toHaveLength(1);
    expect(found.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it('answers a missing certificate with certificate.not-found, naming it but no secret', async () => {
    await expect(store().get('nope')).rejects.toMatchObject({
      code: 'certificate.not-found',
      message: expect.stringContaining('"nope"'),
    });
  });

  it('caches, and picks up a rotated certificate after the refresh interval', async () => {
    vault.secrets.set('rotating', { value: pkcs12(), contentType: 'application/x-pkcs12' });
    const certificates = store(200);
    const first = await certificates.get('rotating');
    const before = vault.requests.length;
    expect(await certificates.get('rotating')).toBe(first);
    expect(vault.requests.length).toBe(before);
    const dir = tempDir();
    await ensureSelfSignedCertificate(dir, 'next', 'Rotated');
    vault.secrets.set('rotating', {
      value:
        readFileSync(join(dir, 'next.key.pem'), 'utf8') + readFileSync(join(dir, 'next.crt.pem'), 'utf8'),
      contentType: 'application/x-pem-file',
    });
    await new Promise((r) => setTimeout(r, 250));
    const rotated = await certificates.get('rotating');
    expect(rotated.certificates[0]!.subject).toContain('CN=Rotated');
  });
});

describe('KeyVaultSecretStore (real SDK client, challenge protocol)', () => {
  const secrets = (refreshMs?: number) =>
    new KeyVaultSecretStore(
      new SecretClient(vault.url, credential, {
        disableChallengeResourceVerification: true,
        allowInsecureConnection: true,
      }),
      refreshMs,
    );

  it('reads a secret, caches it, and picks up a rotated value after the refresh interval', async () => {
    vault.secrets.set('bc-client-secret', { value: 'first', contentType: 'text/plain' });
    const store = secrets(200);
    expect(await store.get('bc-client-secret')).toBe('first');
    const before = vault.requests.length;
    expect(await store.get('bc-client-secret')).toBe('first');
    expect(vault.requests.length).toBe(before);
    vault.secrets.set('bc-client-secret', { value: 'second', contentType: 'text/plain' });
    await new Promise((r) => setTimeout(r, 250));
    expect(await store.get('bc-client-secret')).toBe('second');
  });

  it('answers a missing secret with secret.not-found, and refuses a name Key Vault cannot have', async () => {
    await expect(secrets().get('nope')).rejects.toMatchObject({ code: 'secret.not-found' });
    await expect(secrets().get('../etc/passwd')).rejects.toMatchObject({ code: 'secret.invalid-name' });
  });
});

describe('FolderSecretStore', () => {
  it('reads secrets/{name} without its final line break; a missing one is secret.not-found', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'api-key'), 'k-123\n');
    const store = new FolderSecretStore(dir);
    expect(await store.get('api-key')).toBe('k-123');
    await expect(store.get('other')).rejects.toMatchObject({ code: 'secret.not-found' });
    await expect(store.get('../api-key')).rejects.toMatchObject({ code: 'secret.invalid-name' });
  });
});

import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  keyPem: string;
  certPem: string;
}

function keyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function certificate(
  commonName: string,
  publicPem: string,
  issuer: { name: string; keyPem: string } | undefined,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3_600_000);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer([{ name: 'commonName', value: issuer?.name ?? commonName }]);
  cert.setExtensions(extensions);
  return cert;
}

/** A test certificate authority, and certificates it issues for a TLS server (127.0.0.1) or client. */
export class TestCa {
  private readonly key = keyPair();
  readonly certPem: string;

  constructor(readonly name = 'einvoice test CA') {
    const cert = certificate(name, this.key.publicPem, undefined, [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ]);
    cert.sign(forge.pki.privateKeyFromPem(this.key.privatePem), forge.md.sha256.create());
    this.certPem = forge.pki.certificateToPem(cert);
  }

  issue(commonName: string, use: 'server' | 'client'): Issued {
    const key = keyPair();
    const cert = certificate(commonName, key.publicPem, { name: this.name, keyPem: this.key.privatePem }, [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: use === 'server', clientAuth: use === 'client' },
      ...(use === 'server' ? [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }] : []),
    ]);
    cert.sign(forge.pki.privateKeyFromPem(this.key.privatePem), forge.md.sha256.create());
    return { keyPem: key.privatePem, certPem: forge.pki.certificateToPem(cert) };
  }
}

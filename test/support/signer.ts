import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureSelfSignedCertificate,
  FolderCertificateStore,
} from '../../shared/adapters/folder-certificate-store';
import type { SigningCredential } from '../../shared/ports/certificate-store';
import type { XmlSigningKey } from '../../shared/signing/xmldsig';
import { tempDir } from './temp';

export interface TestSigner {
  dir: string;
  credential: SigningCredential;
  key: XmlSigningKey;
  certFile: string;
  certificatePem: string;
  keyPem: string;
}

/** A self-signed RSA-2048 test certificate in a fresh key folder, loaded as the service loads one. */
export async function testSigner(name = 'test', commonName?: string): Promise<TestSigner> {
  const dir = tempDir();
  await ensureSelfSignedCertificate(dir, name, commonName);
  const credential = await new FolderCertificateStore(dir).get(name);
  const certFile = join(dir, `${name}.crt.pem`);
  return {
    dir,
    credential,
    key: { privateKey: credential.privateKey, certificate: credential.certificates[0]! },
    certFile,
    certificatePem: readFileSync(certFile, 'utf8'),
    keyPem: readFileSync(join(dir, `${name}.key.pem`), 'utf8'),
  };
}

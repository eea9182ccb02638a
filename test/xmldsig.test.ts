import { DOMParser } from '@xmldom/xmldom';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import forge from 'node-forge';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import {
  ensureSelfSignedCertificate,
  FolderCertificateStore,
  keyPasswordFromEnv,
} from '../shared/adapters/folder-certificate-store';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { signEnveloped, type XmlSigningKey } from '../shared/signing/xmldsig';
import { createHarness } from './support/harness';
import { testSigner } from './support/signer';
import { tempDir } from './support/temp';

let key: XmlSigningKey;
let certificatePem: string;

beforeAll(async () => {
  ({ key, certificatePem } = await testSigner('sig'));
});

/** The test key and certificate as a PKCS#12 bundle. */
function pkcs12(password: string): Buffer {
  const keyPem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const asn1 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(keyPem),
    [forge.pki.certificateFromPem(certificatePem)],
    password,
    {
      algorithm: '3des',
    },
  );
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/** Verifies with xml-crypto, the reference implementation here. */
function verifies(xml: string): boolean {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const signatures = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature');
  expect(signatures.length).toBe(1);
  const verifier = new SignedXml({ publicCert: certificatePem });
  verifier.loadSignature(signatures[0] as never);
  try {
    return verifier.checkSignature(xml);
  } catch {
    return false; // xml-crypto throws for a wrong signature value, returns false for a wrong digest
  }
}

function digestOf(xml: string): string {
  return /<ds:DigestValue>([^<]+)<\/ds:DigestValue>/.exec(xml)![1]!;
}

describe('enveloped XMLDSig', () => {
  it.each(['ubl-extensions', 'root-end'] as const)(
    'signs our own UBL on the fast path, verifiable by xml-crypto (%s)',
    (placement) => {
      const signed = signEnveloped(renderPeppolUbl(sampleInvoice(20)), key, placement);
      expect(signed.path).toBe('direct');
      expect(verifies(signed.xml)).toBe(true);
    },
  );

  it('gives the same digest on the fast and the general path', () => {
    const xml = renderPeppolUbl(sampleInvoice(5));
    const fast = signEnveloped(xml, key, 'ubl-extensions');
    // A CDATA section takes the document off the fast path; canonically it is the text it holds.
    const general = signEnveloped(
      xml.replace('<cbc:ID>INV-2026-0001<', '<cbc:ID><![CDATA[INV-2026-0001]]><'),
      key,
      'ubl-extensions',
    );
    expect(general.path).toBe('general');
    expect(verifies(general.xml)).toBe(true);
    expect(digestOf(fast.xml)).toBe(digestOf(general.xml));
    // A comment stays on the fast path, and a same-document reference leaves it out of the digest.
    const commented = signEnveloped(xml.replace('<cbc:ID>', '<!-- note --><cbc:ID>'), key, 'ubl-extensions');
    expect(commented.path).toBe('direct');
    expect(verifies(commented.xml)).toBe(true);
    expect(digestOf(commented.xml)).toBe(digestOf(fast.xml));
  });

  it('fails verification when one byte of the signed invoice changes', () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(3)), key, 'ubl-extensions');
    expect(verifies(xml)).toBe(true);
    expect(
      verifies(
        xml.replace(
          '<cbc:PayableAmount currencyID="EUR">197.41',
          '<cbc:PayableAmount currencyID="EUR">197.42',
        ),
      ),
    ).toBe(false);
    expect(verifies(xml.replace('Muster Software GmbH', 'Muster Software GmbX'))).toBe(false);
  });

  it('fails verification when the signature value is altered', () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(1)), key, 'root-end');
    const tampered = xml.replace(
      /<ds:SignatureValue>(.)/,
      (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`,
    );
    expect(verifies(tampered)).toBe(false);
  });
});

describe('einvoice sign', () => {
  const cli = join(__dirname, '..', 'bin', 'einvoice.js');

  it('signs a file with a PEM (key and certificate) and with a PKCS#12 certificate', () => {
    const dir = tempDir();
    const input = join(dir, 'invoice.xml');
    writeFileSync(input, renderPeppolUbl(sampleInvoice(2)));
    const keyPem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'both.pem'), keyPem + certificatePem);
    execFileSync(process.execPath, [
      cli,
      'sign',
      input,
      '--cert',
      join(dir, 'both.pem'),
      '-o',
      join(dir, 'signed.xml'),
    ]);
    expect(verifies(readFileSync(join(dir, 'signed.xml'), 'utf8'))).toBe(true);

    writeFileSync(join(dir, 'cert.p12'), pkcs12('pw'));
    const stdout = execFileSync(
      process.execPath,
      [cli, 'sign', input, '--cert', join(dir, 'cert.p12'), '--password', 'pw', '--placement', 'root-end'],
      {
        encoding: 'utf8',
      },
    );
    expect(verifies(stdout)).toBe(true);
    expect(() =>
      execFileSync(
        process.execPath,
        [cli, 'sign', input, '--cert', join(dir, 'cert.p12'), '--password', 'wrong'],
        { stdio: 'pipe' },
      ),
    ).toThrow();
  });
});

describe('signing certificate lifetime', () => {
  it('warns on the record within 30 days of expiry, and fails the step with an expired certificate', async () => {
    // The harness made a two-year certificate under this name; replace it before its first use.
    const replace = async (dir: string, name: string, days: number) => {
      rmSync(join(dir, `${name}.key.pem`));
      rmSync(join(dir, `${name}.crt.pem`));
      await ensureSelfSignedCertificate(dir, name, name, days);
    };
    const soon = await createHarness({ EINVOICE_SIGNING_CERT: 'short-lived' });
    await replace(soon.settings.keyDir, 'short-lived', 10);
    const warned = await soon.settle((await soon.submit(sampleInvoice(1))).id);
    expect(warned.status).toBe('completed');
    expect(warned.history.find((e) => e.action === 'sign-xml')).toMatchObject({
      outcome: 'accepted',
      code: 'certificate.expiring',
      message: expect.stringMatching(/expires on \d{4}-\d{2}-\d{2} \(in (9|10) days\)/),
    });
    expect(soon.logs.filter((l) => l.level === 'warn' && l.fields.stepId === 'sign')).toEqual([
      expect.objectContaining({
        event: 'step.notice',
        fields: expect.objectContaining({ documentId: warned.id, code: 'certificate.expiring' }),
      }),
    ]);

    const late = await createHarness({ EINVOICE_SIGNING_CERT: 'expired' });
    await replace(late.settings.keyDir, 'expired', -1);
    const failed = await late.settle((await late.submit(sampleInvoice(1))).id);
    expect(failed.status).toBe('failed');
    expect(failed.history.find((e) => e.action === 'sign-xml')).toMatchObject({
      outcome: 'failed',
      code: 'certificate.expired',
    });
  });
});

describe('FolderCertificateStore with PKCS#12', () => {
  it('opens {name}.p12 with the password from the settings, and says so when the password is wrong', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'company-seal.p12'), pkcs12('s3cret'));
    const store = new FolderCertificateStore(
      dir,
      keyPasswordFromEnv({ EINVOICE_KEY_PASSWORD_COMPANY_SEAL: 's3cret' }),
    );
    const credential = await store.get('company-seal');
    expect(credential.certificates[0]!.fingerprint256).toBe(key.certificate.fingerprint256);
    const wrong = new FolderCertificateStore(dir, keyPasswordFromEnv({ EINVOICE_KEY_PASSWORD: 'nope' }));
    await expect(wrong.get('company-seal')).rejects.toMatchObject({ code: 'certificate.invalid' });
    await expect(wrong.get('missing')).rejects.toMatchObject({ code: 'certificate.not-found' });
  });
});

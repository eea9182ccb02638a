import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signCadesAction } from '../shared/actions/sign-cades';
import { ActionRegistry, type ActionContext } from '../shared/engine/action';
import { EInvoiceError } from '../shared/errors';
import type { CertificateStore, SigningCredential } from '../shared/ports/certificate-store';
import {
  CONTEXT,
  contextConstructed,
  encode,
  octetString,
  readAsn1,
  sequence,
  set,
  TAG,
  UNIVERSAL,
} from '../shared/signing/asn1';
import { isP7m, signCades, verifyCades } from '../shared/signing/cades';
import { fromPem } from '../shared/signing/credentials';
import { describeWithCorpus } from './support/corpus';
import { testSigner, type TestSigner } from './support/signer';
import { errorOf } from './support/expectations';
import { tempDir } from './support/temp';

const OPENSSL = '/usr/bin/openssl';
const SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

/** A FatturaPA-like invoice: non-ASCII text and CRLF line ends, which must survive byte for byte. */
const invoice = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
    '<p:FatturaElettronica versione="FPR12" xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2">\r\n' +
    '  <FatturaElettronicaBody><DatiBeniServizi>\r\n' +
    Array.from(
      { length: 400 },
      (_, i) =>
        `    <DettaglioLinee><NumeroLinea>${i + 1}</NumeroLinea><Descrizione>Caffè e qualità ${i}</Descrizione></DettaglioLinee>\r\n`,
    ).join('') +
    '  </DatiBeniServizi></FatturaElettronicaBody>\r\n</p:FatturaElettronica>\r\n',
  'utf8',
);

let signer: TestSigner;
let dir: string;
let counter = 0;

function openssl(...args: string[]): Buffer {
  return execFileSync(OPENSSL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs openssl and returns its exit status and error output instead of throwing. */
function opensslStatus(...args: string[]): { status: number; stderr: string } {
  try {
    execFileSync(OPENSSL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, stderr: '' };
  } catch (error) {
    const failed = error as { status: number; stderr: Buffer };
    return { status: failed.status, stderr: failed.stderr.toString() };
  }
}

function file(name: string, content?: Buffer | string): string {
  const path = join(dir, `${counter++}-${name}`);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

/** A p7m made by openssl itself from `content`, with extra `cms -sign` options. */
function opensslSigned(
  content: Buffer,
  options: string[],
  key = signer.keyPem,
  cert = signer.certificatePem,
) {
  const out = file('openssl.p7m');
  openssl(
    'cms',
    '-sign',
    '-binary',
    '-in',
    file('content.xml', content),
    '-signer',
    file('cert.pem', cert),
    '-inkey',
    file('key.pem', key),
    '-out',
    out,
    ...options,
  );
  return readFileSync(out);
}

/** A certificate and key made by `openssl req` (with a subject key identifier), optionally issued by `ca`. */
function opensslCertificate(
  subject: string,
  keyOptions: string[],
  ca?: { certFile: string; keyFile: string },
  serial = String(1000 + counter),
): { certPem: string; keyPem: string; certFile: string; keyFile: string } {
  const keyFile = file('key.pem');
  const certFile = file('cert.pem');
  if (ca) {
    const csr = file('req.csr');
    openssl('req', '-new', ...keyOptions, '-nodes', '-keyout', keyFile, '-subj', subject, '-out', csr);
    const ext = file('ext.cnf', 'subjectKeyIdentifier=hash\nkeyUsage=digitalSignature,nonRepudiation\n');
    openssl(
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-set_serial',
      serial,
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      certFile,
    );
  } else {
    openssl(
      'req',
      '-x509',
      ...keyOptions,
      '-nodes',
      '-keyout',
      keyFile,
      '-subj',
      subject,
      '-days',
      '2',
      '-set_serial',
      serial,
      '-out',
      certFile,
    );
  }
  return {
    certPem: readFileSync(certFile, 'utf8'),
    keyPem: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
  };
}

/**
 * Our envelope with its signed attributes changed by `edit` (their encodings, in order) and signed again
 * with the same key, as a signer that wrote them so would have.
 */
function resigned(p7m: Buffer, edit: (attributes: Buffer[]) => Buffer[]): Buffer {
  const root = readAsn1(p7m);
  const signedData = root.children[1]!.children[0]!;
  const info = signedData.children.at(-1)!.children[0]!;
  const [version, sid, digest, attributes, algorithm] = info.children;
  const edited = Buffer.concat(edit(attributes!.children.map((a) => a.raw)));
  const signature = sign('sha256', encode(UNIVERSAL, true, TAG.set, edited), signer.credential.privateKey);
  const signerInfo = sequence(
    version!.raw,
    sid!.raw,
    digest!.raw,
    encode(CONTEXT, true, 0, edited),
    algorithm!.raw,
    octetString(signature),
  );
  return sequence(
    root.children[0]!.raw,
    contextConstructed(0, sequence(...signedData.children.slice(0, -1).map((c) => c.raw), set(signerInfo))),
  );
}

beforeAll(async () => {
  signer = await testSigner('cades');
  dir = tempDir('einvoice-cades-');
});

describe('signCades: openssl verifies what it signs', () => {
  let p7m: Buffer;
  let p7mFile: string;

  beforeAll(() => {
    p7m = signCades(invoice, signer.credential);
    p7mFile = file('signed.xml.p7m', p7m);
  });

  it('verifies with -noverify, and the content comes out byte for byte', () => {
    const out = file('out.xml');
    openssl('cms', '-verify', '-inform', 'DER', '-noverify', '-binary', '-in', p7mFile, '-out', out);
    expect(readFileSync(out).equals(invoice)).toBe(true);
  });

  it('verifies against the self-signed certificate as trust anchor, CAdES-BES checked (-cades)', () => {
    const out = file('out.xml');
    openssl(
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-binary',
      '-cades',
      '-CAfile',
      signer.certFile,
      '-in',
      p7mFile,
      '-out',
      out,
    );
    expect(readFileSync(out).equals(invoice)).toBe(true);
  });

  it('fails openssl verification against another trust anchor (the check above can fail)', () => {
    const other = opensslCertificate('/CN=Someone else', ['-newkey', 'rsa:2048']);
    const result = opensslStatus(
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-CAfile',
      other.certFile,
      '-in',
      p7mFile,
      '-out',
      file('out.xml'),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/certificate verify error|unable to get local issuer/);
  });

  it('carries content-type, message-digest, signing-time and signing-certificate-v2, in DER', () => {
    const printed = openssl('cms', '-cmsout', '-print', '-inform', 'DER', '-in', p7mFile).toString();
    const signedAttrs = printed.slice(
      printed.indexOf('signedAttrs:'),
      printed.indexOf('signatureAlgorithm:'),
    );
    expect(signedAttrs).toContain(`id-smime-aa-signingCertificateV2 (${SIGNING_CERTIFICATE_V2})`);
    expect(signedAttrs).toContain('contentType (1.2.840.113549.1.9.3)');
    expect(signedAttrs).toContain('messageDigest (1.2.840.113549.1.9.4)');
    expect(signedAttrs).toContain('signingTime (1.2.840.113549.1.9.5)');
    expect(printed).toMatch(/digestAlgorithm:\s+algorithm: sha256/);
    expect(printed).toContain('sha256WithRSAEncryption');
    const parsed = openssl('asn1parse', '-inform', 'DER', '-in', p7mFile).toString();
    expect(parsed).toContain(':id-smime-aa-signingCertificateV2');
    expect(parsed).not.toContain('l=inf');
  });

  it('signs with an EC P-256 key (ECDSA-SHA256)', () => {
    const ec = opensslCertificate('/CN=EC signer/O=einvoice', [
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
    ]);
    const signed = file('ec.p7m', signCades(invoice, fromPem('ec', ec.certPem + ec.keyPem)));
    const out = file('out.xml');
    openssl('cms', '-verify', '-inform', 'DER', '-binary', '-cades', '-CAfile', ec.certFile, '-in', signed);
    openssl('cms', '-verify', '-inform', 'DER', '-noverify', '-binary', '-in', signed, '-out', out);
    expect(readFileSync(out).equals(invoice)).toBe(true);
    expect(openssl('cms', '-cmsout', '-print', '-inform', 'DER', '-in', signed).toString()).toContain(
      'ecdsa-with-SHA256',
    );
    const result = verifyCades(readFileSync(signed));
    expect(result.signer.subject).toContain('CN=EC signer');
    expect(result.cadesBes).toBe(true);
  });

  it('puts the chain in the envelope: openssl verifies against the CA alone', () => {
    const ca = opensslCertificate('/CN=Test CA/O=einvoice', ['-newkey', 'rsa:2048']);
    const leaf = opensslCertificate('/CN=Leaf signer/O=einvoice', ['-newkey', 'rsa:2048'], ca);
    const credential = fromPem('chain', leaf.keyPem + leaf.certPem + ca.certPem);
    const signed = file('chain.p7m', signCades(invoice, credential));
    openssl('cms', '-verify', '-inform', 'DER', '-binary', '-cades', '-CAfile', ca.certFile, '-in', signed);
    const printed = openssl('cms', '-cmsout', '-print', '-inform', 'DER', '-in', signed).toString();
    expect(printed).toContain('CN=Test CA');
    const result = verifyCades(readFileSync(signed));
    expect(result.signer.subject).toContain('CN=Leaf signer');
    expect(result.signer.issuer).toContain('CN=Test CA');
  });

  it('writes the signing time given, as UTCTime, and as GeneralizedTime from 2050', () => {
    for (const at of ['2024-03-01T10:20:30.999Z', '2051-01-02T03:04:05Z']) {
      const signed = signCades(invoice, signer.credential, { signingTime: new Date(at) });
      expect(verifyCades(signed).signingTime?.toISOString()).toBe(
        new Date(Math.floor(Date.parse(at) / 1000) * 1000).toISOString(),
      );
      const printed = openssl('cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('t.p7m', signed));
      expect(printed.toString()).toContain(
        at.startsWith('2024')
          ? 'UTCTIME:Mar  1 10:20:30 2024 GMT'
          : 'GENERALIZEDTIME:Jan  2 03:04:05 2051 GMT',
      );
    }
  });
});

describe('verifyCades', () => {
  it('reads back our own envelope: content, signer, signing time, CAdES-BES', () => {
    const signingTime = new Date('2025-06-30T12:00:00Z');
    const result = verifyCades(signCades(invoice, signer.credential, { signingTime }));
    const certificate = signer.credential.certificates[0]!;
    expect(result.content.equals(invoice)).toBe(true);
    expect(result.signer.subject).toContain('CN=einvoice local test');
    expect(result.signer.issuer).toBe(certificate.issuer);
    expect(result.signer.serialNumber).toBe(certificate.serialNumber);
    expect(new X509Certificate(result.signer.certificatePem).fingerprint256).toBe(certificate.fingerprint256);
    expect(result.signer.notAfter.getTime()).toBe(new Date(certificate.validTo).getTime());
    expect(result.signingTime).toEqual(signingTime);
    expect(result.digestAlgorithm).toBe('sha256');
    expect(result.cadesBes).toBe(true);
  });

  it('reads a DER p7m made by openssl (definite lengths)', () => {
    const p7m = opensslSigned(invoice, ['-nodetach', '-outform', 'DER']);
    expect(openssl('asn1parse', '-inform', 'DER', '-in', file('der.p7m', p7m)).toString()).not.toContain(
      'l=inf',
    );
    const result = verifyCades(p7m);
    expect(result.content.equals(invoice)).toBe(true);
    expect(result.signer.subject).toContain('CN=einvoice local test');
    expect(result.signingTime).toBeInstanceOf(Date);
    expect(result.cadesBes).toBe(false); // openssl adds no signing-certificate attribute without -cades
  });

  it('reads a streamed BER p7m: indefinite lengths, the content in constructed OCTET STRING segments', () => {
    const p7m = opensslSigned(invoice, ['-nodetach', '-stream', '-outform', 'DER']);
    const parsed = openssl('asn1parse', '-inform', 'DER', '-i', '-in', file('ber.p7m', p7m)).toString();
    expect(parsed).toMatch(/^\s+0:d=0\s+hl=2 l=inf\s+cons: SEQUENCE/);
    expect(parsed).toMatch(/l=inf\s+cons:\s+OCTET STRING/);
    // the invoice is larger than openssl's stream chunks: several segments
    expect(parsed.match(/prim:\s+OCTET STRING/g)!.length).toBeGreaterThan(3);
    const result = verifyCades(p7m);
    expect(result.content.equals(invoice)).toBe(true);
    expect(result.signer.subject).toContain('CN=einvoice local test');
  });

  it('reads openssl CAdES-BES (-cades): signing-certificate-v2 checked', () => {
    const p7m = opensslSigned(invoice, ['-nodetach', '-cades', '-outform', 'DER']);
    expect(openssl('asn1parse', '-inform', 'DER', '-in', file('c.p7m', p7m)).toString()).toContain(
      ':id-smime-aa-signingCertificateV2',
    );
    expect(verifyCades(p7m).cadesBes).toBe(true);
  });

  it('finds the signer by subject key identifier (-keyid), among several certificates', () => {
    const ca = opensslCertificate('/CN=Keyid CA', ['-newkey', 'rsa:2048']);
    const leaf = opensslCertificate(
      '/CN=Keyid signer',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      ca,
    );
    const p7m = opensslSigned(
      invoice,
      ['-nodetach', '-keyid', '-certfile', ca.certFile, '-outform', 'DER'],
      leaf.keyPem,
      leaf.certPem,
    );
    expect(
      openssl('cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('k.p7m', p7m)).toString(),
    ).toMatch(/version: 3\s+d\.subjectKeyIdentifier:/);
    const result = verifyCades(p7m);
    expect(result.signer.subject).toContain('CN=Keyid signer');
    expect(result.content.equals(invoice)).toBe(true);
  });

  it('reads the PEM form (-outform PEM) and plain base64, with and without line breaks', () => {
    const pem = opensslSigned(invoice, ['-nodetach', '-outform', 'PEM']);
    expect(pem.toString()).toMatch(/^-----BEGIN CMS-----\n/);
    expect(verifyCades(pem).content.equals(invoice)).toBe(true);
    expect(verifyCades(pem.toString()).content.equals(invoice)).toBe(true);
    const der = signCades(invoice, signer.credential);
    const lines = der.toString('base64').replace(/.{64}/g, '$&\r\n');
    expect(lines.split('\r\n').length).toBeGreaterThan(10);
    expect(verifyCades(Buffer.from(lines)).content.equals(invoice)).toBe(true);
    expect(verifyCades(der.toString('base64')).content.equals(invoice)).toBe(true);
  });

  it('reads a signature without signed attributes (-noattr): signed over the content, not CAdES-BES', () => {
    const p7m = opensslSigned(invoice, ['-nodetach', '-noattr', '-outform', 'DER']);
    const result = verifyCades(p7m);
    expect(result.content.equals(invoice)).toBe(true);
    expect(result.signingTime).toBeUndefined();
    expect(result.cadesBes).toBe(false);
    const tampered = Buffer.from(p7m);
    tampered.write('X', tampered.indexOf('Caffè e qualità 7<'), 'latin1');
    expect(errorOf(() => verifyCades(tampered)).code).toBe('p7m.signature-invalid');
  });

  it('refuses SHA-1 unless allowed', () => {
    const p7m = opensslSigned(invoice, ['-nodetach', '-md', 'sha1', '-outform', 'DER']);
    expect(errorOf(() => verifyCades(p7m)).code).toBe('p7m.unsupported-algorithm');
    expect(verifyCades(p7m, { allowSha1: true }).digestAlgorithm).toBe('sha1');
  });
});

describe('verifyCades with signed attributes not in DER order', () => {
  it('verifies them as sent, as openssl does', () => {
    const p7m = resigned(signCades(invoice, signer.credential), (attributes) => {
      const reversed = [...attributes].reverse();
      expect(Buffer.concat(reversed).equals(Buffer.concat(attributes))).toBe(false);
      return reversed;
    });
    const result = verifyCades(p7m);
    expect(result.content.equals(invoice)).toBe(true);
    expect(result.cadesBes).toBe(true);
    const status = opensslStatus(
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-noverify',
      '-in',
      file('unsorted.p7m', p7m),
    );
    expect(status).toEqual({ status: 0, stderr: '' });
  });
});

describe('verifyCades refuses', () => {
  let p7m: Buffer;

  beforeAll(() => {
    p7m = signCades(invoice, signer.credential);
  });

  it('changed content: p7m.digest-mismatch', () => {
    const tampered = Buffer.from(p7m);
    const at = tampered.indexOf('Caffè e qualità 7<');
    expect(at).toBeGreaterThan(0);
    tampered[at] = 'T'.charCodeAt(0);
    expect(errorOf(() => verifyCades(tampered)).code).toBe('p7m.digest-mismatch');
  });

  it('a changed signature: p7m.signature-invalid', () => {
    const tampered = Buffer.from(p7m);
    tampered.writeUInt8(tampered.at(-1)! ^ 0x01, tampered.length - 1); // the signature value's last octet
    const error = errorOf(() => verifyCades(tampered));
    expect(error.code).toBe('p7m.signature-invalid');
    expect(error.message).toContain('CN=einvoice local test');
  });

  it('a changed signed attribute (signing time): p7m.signature-invalid', () => {
    const signingTime = new Date('2025-06-30T12:00:00Z');
    const tampered = signCades(invoice, signer.credential, { signingTime });
    const at = tampered.indexOf('250630120000Z');
    expect(at).toBeGreaterThan(0);
    tampered.write('250629', at, 'latin1');
    expect(errorOf(() => verifyCades(tampered)).code).toBe('p7m.signature-invalid');
  });

  it('a truncated file: p7m.malformed, saying at which byte', () => {
    const error = errorOf(() => verifyCades(p7m.subarray(0, p7m.length - 100)));
    expect(error.code).toBe('p7m.malformed');
    expect(error.message).toMatch(/at byte offset \d+/);
    expect(error.details[0]?.path).toMatch(/^byte:\d+$/);
    const ber = opensslSigned(invoice, ['-nodetach', '-stream', '-outform', 'DER']);
    const cut = errorOf(() => verifyCades(ber.subarray(0, 1000)));
    expect(cut.code).toBe('p7m.malformed');
    const offset = Number(/at byte offset (\d+)/.exec(cut.message)![1]);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(1000);
  });

  it('a detached signature: p7m.no-content', () => {
    const detached = opensslSigned(invoice, ['-outform', 'DER']);
    expect(errorOf(() => verifyCades(detached)).code).toBe('p7m.no-content');
  });

  it('an envelope without the signer certificate (-nocerts): p7m.no-certificate', () => {
    const bare = opensslSigned(invoice, ['-nodetach', '-nocerts', '-outform', 'DER']);
    expect(errorOf(() => verifyCades(bare)).code).toBe('p7m.no-certificate');
  });

  it('another CMS content type: p7m.not-signed-data', () => {
    const out = file('data.p7m');
    openssl('cms', '-data_create', '-in', file('c.xml', invoice), '-outform', 'DER', '-out', out);
    const error = errorOf(() => verifyCades(readFileSync(out)));
    expect(error.code).toBe('p7m.not-signed-data');
    expect(error.message).toContain('1.2.840.113549.1.7.1');
  });

  it('random bytes and text: p7m.malformed or p7m.not-signed-data', () => {
    for (let i = 0; i < 20; i++) {
      const bytes = randomBytes(2048);
      if (i % 2 === 0) bytes[0] = 0x30;
      expect(['p7m.malformed', 'p7m.not-signed-data']).toContain(errorOf(() => verifyCades(bytes)).code);
    }
    expect(errorOf(() => verifyCades(invoice)).code).toBe('p7m.malformed');
    expect(errorOf(() => verifyCades('')).code).toBe('p7m.malformed');
  });

  it('a signing-certificate-v2 naming another certificate: p7m.signing-certificate-mismatch', () => {
    const own = createHash('sha256').update(signer.credential.certificates[0]!.raw).digest();
    const other = createHash('sha256').update('another certificate').digest();
    const p7m = resigned(signCades(invoice, signer.credential), (attributes) =>
      attributes.map((a) => {
        const at = a.indexOf(own);
        return at < 0 ? a : Buffer.concat([a.subarray(0, at), other, a.subarray(at + own.length)]);
      }),
    );
    expect(p7m.includes(other)).toBe(true);
    const error = errorOf(() => verifyCades(p7m));
    expect(error.code).toBe('p7m.signing-certificate-mismatch');
    // openssl agrees
    const result = opensslStatus(
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-binary',
      '-cades',
      '-CAfile',
      signer.certFile,
      '-in',
      file('other.p7m', p7m),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ESS|signing ?cert/i);
  });

  it('a certificate that does not match the key, when signing', () => {
    const other = opensslCertificate('/CN=Other', ['-newkey', 'rsa:2048']);
    const credential: SigningCredential = {
      name: 'mixed',
      privateKey: signer.credential.privateKey,
      certificates: [new X509Certificate(other.certPem)],
    };
    expect(errorOf(() => signCades(invoice, credential)).code).toBe('certificate.key-mismatch');
  });
});

describe('isP7m', () => {
  it('recognises DER, BER, PEM and base64 envelopes', () => {
    const der = signCades(invoice, signer.credential);
    expect(isP7m(der)).toBe(true);
    expect(isP7m(opensslSigned(invoice, ['-nodetach', '-stream', '-outform', 'DER']))).toBe(true);
    expect(isP7m(opensslSigned(invoice, ['-nodetach', '-outform', 'PEM']))).toBe(true);
    expect(isP7m(Buffer.from(der.toString('base64').replace(/.{76}/g, '$&\n')))).toBe(true);
  });

  it('does not take XML, random bytes or another CMS type for one', () => {
    expect(isP7m(invoice)).toBe(false);
    expect(isP7m(randomBytes(512))).toBe(false);
    expect(isP7m(Buffer.alloc(0))).toBe(false);
    const out = file('data.p7m');
    openssl('cms', '-data_create', '-in', file('c.xml', invoice), '-outform', 'DER', '-out', out);
    expect(isP7m(readFileSync(out))).toBe(false);
  });
});

describeWithCorpus('official FatturaPA samples as .p7m', ['fatturapa-samples/official/valid'], (corpus) => {
  const folder = join(corpus, 'fatturapa-samples', 'official', 'valid');
  const samples = readdirSync(folder).filter((name) => name.endsWith('.xml'));

  it.each(samples)('%s: signed, verified by openssl and read back', (name) => {
    const xml = readFileSync(join(folder, name));
    const signed = file(`${name}.p7m`, signCades(xml, signer.credential));
    const out = file('out.xml');
    openssl(
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-binary',
      '-cades',
      '-CAfile',
      signer.certFile,
      '-in',
      signed,
      '-out',
      out,
    );
    expect(readFileSync(out).equals(xml)).toBe(true);
    expect(verifyCades(readFileSync(signed)).content.equals(xml)).toBe(true);
  });
});

describe('sign-cades action', () => {
  const store: CertificateStore = {
    get: (name) => {
      if (name !== 'cades') throw new EInvoiceError('certificate.not-found', `no ${name}`);
      return Promise.resolve(signer.credential);
    },
  };

  it('writes the DER .p7m of its input as application/pkcs7-mime', async () => {
    const written: Array<{ name: string; content: Buffer | string; contentType: string }> = [];
    const context = {
      params: { certificate: 'cades', input: 'fattura.xml' },
      readArtifact: (name: string) =>
        name === 'fattura.xml' ? Promise.resolve(invoice) : Promise.reject(new Error(`no ${name}`)),
      writeArtifact: (name: string, content: Buffer | string, contentType: string) => {
        written.push({ name, content, contentType });
        return Promise.resolve();
      },
    } as unknown as ActionContext;
    const result = await signCadesAction(store).run(context);
    expect(result.outcome).toBe('accepted');
    expect(written.map((w) => [w.name, w.contentType])).toEqual([
      ['signed.xml.p7m', 'application/pkcs7-mime'],
    ]);
    const p7m = written[0]!.content;
    expect(Buffer.isBuffer(p7m)).toBe(true);
    expect(verifyCades(p7m as Buffer).content.equals(invoice)).toBe(true);
  });

  it('checks its parameters when flows load', () => {
    const registry = new ActionRegistry().register(signCadesAction(store));
    expect(
      registry.checkParams('sign-cades', {
        certificate: 'cades',
        input: 'a.xml',
        output: 'IT01234567890_00001.xml.p7m',
      }),
    ).toEqual([]);
    expect(registry.checkParams('sign-cades', { input: 'a.xml' }).length).toBeGreaterThan(0);
    expect(
      registry.checkParams('sign-cades', { certificate: 'cades', input: 'a.xml', profile: 'x' }).length,
    ).toBeGreaterThan(0);
    expect(
      registry.checkParams('sign-cades', { certificate: 'cades', input: 'a.xml', output: '../x' }).length,
    ).toBeGreaterThan(0);
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ensureSelfSignedCertificate,
  FolderCertificateStore,
} from '../shared/adapters/folder-certificate-store';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { verifyXmlSignature } from '../shared/signing/verify';
import {
  signEnveloped,
  type SignaturePlacement,
  type XmlSignOptions,
  type XmlSigningKey,
} from '../shared/signing/xmldsig';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { testSigner } from './support/signer';
import { tempDir } from './support/temp';
import { toolsAvailable } from './support/tools';

const describeInterop = toolsAvailable(['xmlsec1'], 'the XMLDSig interop tests') ? describe : describe.skip;
const run = promisify(execFile);

describeInterop('signatures verify with xmlsec1', () => {
  let dir: string;
  let key: XmlSigningKey;

  beforeAll(async () => {
    ({ dir, key } = await testSigner('interop'));
  });

  async function xmlsecVerifies(xml: string, name: string): Promise<boolean> {
    const file = join(dir, name);
    writeFileSync(file, xml);
    try {
      await run('xmlsec1', [
        '--verify',
        '--pubkey-cert-pem',
        join(dir, 'interop.crt.pem'),
        '--enabled-reference-uris',
        'empty',
        file,
      ]);
      return true;
    } catch {
      return false;
    }
  }

  const cases: Array<['ubl-extensions' | 'root-end', 'direct' | 'general']> = [
    ['ubl-extensions', 'direct'],
    ['root-end', 'direct'],
    ['ubl-extensions', 'general'],
    ['root-end', 'general'],
  ];

  it.each(cases)('placement %s, %s path', async (placement, path) => {
    let xml = renderPeppolUbl(sampleInvoice(20));
    // A CDATA section takes the document off the direct path.
    if (path === 'general') xml = xml.replace('<cbc:Note>', '<cbc:Note><![CDATA[off the direct path]]>');
    const signed = signEnveloped(xml, key, placement);
    expect(signed.path).toBe(path);
    expect(await xmlsecVerifies(signed.xml, `${placement}-${path}.xml`)).toBe(true);
    const tampered = signed.xml.replace('Beispiel AG', 'Beispiel AH');
    expect(await xmlsecVerifies(tampered, `${placement}-${path}-tampered.xml`)).toBe(false);
  });

  it('rejects a signature made with another key', async () => {
    const other = tempDir();
    await ensureSelfSignedCertificate(other, 'other');
    const credential = await new FolderCertificateStore(other).get('other');
    const signed = signEnveloped(
      renderPeppolUbl(sampleInvoice(2)),
      { privateKey: credential.privateKey, certificate: credential.certificates[0]! },
      'root-end',
    );
    expect(readFileSync(join(other, 'other.crt.pem'), 'utf8')).not.toBe(
      readFileSync(join(dir, 'interop.crt.pem'), 'utf8'),
    );
    expect(await xmlsecVerifies(signed.xml, 'other-key.xml')).toBe(false);
  });
});

describeInterop('XAdES-BES verifies with xmlsec1', () => {
  it('both references (document and signed properties) verify; a changed signing time does not', async () => {
    const { dir, key } = await testSigner('xades');
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(5)), key, 'ubl-extensions', {
      profile: 'xades-bes',
    });
    const verify = async (content: string, name: string) => {
      writeFileSync(join(dir, name), content);
      const args = [
        '--verify',
        '--pubkey-cert-pem',
        join(dir, 'xades.crt.pem'),
        '--id-attr:Id',
        'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
        join(dir, name),
      ];
      return run('xmlsec1', args).then(
        (r) => r.stderr,
        () => undefined,
      );
    };
    expect(await verify(xml, 'xades.xml')).toContain('SignedInfo References (ok/all): 2/2');
    const changedTime = xml.replace(/<xades:SigningTime>\d{4}/, '<xades:SigningTime>1999');
    expect(await verify(changedTime, 'xades-tampered.xml')).toBeUndefined();
  });
});

/** An EC P-256 key and a self-signed certificate, made with openssl (forge has no EC certificates). */
function ecCredential(dir: string): { keyFile: string; certFile: string } | undefined {
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'ec.key.pem'),
        '-out',
        join(dir, 'ec.crt.pem'),
        '-days',
        '30',
        '-subj',
        '/CN=einvoice ec test',
      ],
      { stdio: 'ignore' },
    );
    return { keyFile: join(dir, 'ec.key.pem'), certFile: join(dir, 'ec.crt.pem') };
  } catch {
    if (process.env.CI === 'true')
      throw new Error('openssl is required in CI to make an EC test certificate');
    process.stderr.write('NOTICE: openssl not found; the ECDSA interop test is skipped\n');
    return undefined;
  }
}

describeInterop("signature options verify with xmlsec1 and with the service's verifier", () => {
  let dir: string;
  let rsa: XmlSigningKey;

  beforeAll(async () => {
    ({ dir, key: rsa } = await testSigner('opt'));
  });

  async function bothVerify(xml: string, certFile: string, name: string): Promise<[boolean, boolean]> {
    writeFileSync(join(dir, name), xml);
    // Only the document itself ("") may be referenced; XAdES adds its SignedProperties, found by Id.
    const references = xml.includes('xades:SignedProperties')
      ? ['--id-attr:Id', 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties']
      : ['--enabled-reference-uris', 'empty'];
    const xmlsec = await run('xmlsec1', [
      '--verify',
      '--pubkey-cert-pem',
      certFile,
      ...references,
      join(dir, name),
    ]).then(
      () => true,
      () => false,
    );
    // A bare key value names no signer: the service's verifier is then given the certificate.
    const certificate = xml.includes('<ds:RSAKeyValue>') ? readFileSync(certFile, 'utf8') : undefined;
    const allowSha1 = xml.includes('xmldsig#rsa-sha1') || xml.includes('xmldsig#sha1');
    return [xmlsec, verifyXmlSignature(xml, { ...(certificate ? { certificate } : {}), allowSha1 }).valid];
  }

  it.each<[string, XmlSignOptions, SignaturePlacement]>([
    ['RSA-SHA512', { algorithm: 'rsa-sha512' }, 'ubl-extensions'],
    ['RSA-SHA1, where a flow allows it', { algorithm: 'rsa-sha1' }, 'root-end'],
    ['RSA-SHA256 over SHA-512 digests', { digest: 'sha512' }, 'ubl-extensions'],
    ['RSA-SHA256 over SHA-1 digests, where a flow allows it', { digest: 'sha1' }, 'root-end'],
    ['XAdES-BES with RSA-SHA512', { algorithm: 'rsa-sha512', profile: 'xades-bes' }, 'root-end'],
    ['inclusive c14n', { canonicalization: 'inclusive' }, 'ubl-extensions'],
    ['inclusive c14n at the end of the root', { canonicalization: 'inclusive' }, 'root-end'],
    ['exclusive c14n with comments', { canonicalization: 'exclusive-with-comments' }, 'root-end'],
    ['KeyInfo with the RSA key value', { keyInfo: 'key-value' }, 'root-end'],
  ])('%s', async (name, options, placement) => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(4)), rsa, placement, options);
    expect(await bothVerify(xml, join(dir, 'opt.crt.pem'), `${name}.xml`.replace(/\s/g, '-'))).toEqual([
      true,
      true,
    ]);
    expect(
      await bothVerify(
        xml.replace('Beispiel AG', 'Beispiel AH'),
        join(dir, 'opt.crt.pem'),
        `${name}-t.xml`.replace(/\s/g, '-'),
      ),
    ).toEqual([false, false]);
  });

  it('ECDSA-SHA256 with a P-256 key', async () => {
    const ec = ecCredential(dir);
    if (!ec) return;
    const key = {
      privateKey: createPrivateKey(readFileSync(ec.keyFile)),
      certificate: new X509Certificate(readFileSync(ec.certFile)),
    };
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(4)), key, 'ubl-extensions');
    expect(xml).toContain('xmldsig-more#ecdsa-sha256');
    expect(await bothVerify(xml, ec.certFile, 'ecdsa.xml')).toEqual([true, true]);
    expect(await bothVerify(xml.replace('Beispiel AG', 'Beispiel AH'), ec.certFile, 'ecdsa-t.xml')).toEqual([
      false,
      false,
    ]);
  });
});

describeInterop('signature placement and reference', () => {
  let dir: string;
  let rsa: XmlSigningKey;

  beforeAll(async () => {
    ({ dir, key: rsa } = await testSigner('pl'));
  });

  const xmlsec = (xml: string, name: string, extra: string[] = []) => {
    writeFileSync(join(dir, name), xml);
    return run('xmlsec1', [
      '--verify',
      '--pubkey-cert-pem',
      join(dir, 'pl.crt.pem'),
      ...extra,
      join(dir, name),
    ]).then(
      () => true,
      () => false,
    );
  };

  it('places the signature in a named parent element', async () => {
    const document = '<p:Doc xmlns:p="urn:p"><p:Body>data</p:Body><p:Sig></p:Sig></p:Doc>';
    const signed = signEnveloped(document, rsa, { parent: 'p:Sig' });
    expect(signed.path).toBe('direct');
    expect(signed.xml).toMatch(/<p:Sig><ds:Signature[\s\S]*<\/ds:Signature><\/p:Sig>/);
    expect(await xmlsec(signed.xml, 'parent.xml')).toBe(true);
    expect(verifyXmlSignature(signed.xml).valid).toBe(true);
  });

  it('signs an element by Id; the document-level verifier accepts it only when that element is the root', async () => {
    const rootSigned = signEnveloped('<Doc Id="d1"><Body>data</Body></Doc>', rsa, 'root-end', {
      referenceId: 'd1',
    });
    expect(rootSigned.xml).toContain('URI="#d1"');
    expect(await xmlsec(rootSigned.xml, 'by-id.xml', ['--id-attr:Id', 'Doc'])).toBe(true);
    expect(verifyXmlSignature(rootSigned.xml).problems).toEqual([]);
    const childSigned = signEnveloped('<Doc><Body Id="b1">data</Body></Doc>', rsa, 'root-end', {
      referenceId: 'b1',
    });
    expect(await xmlsec(childSigned.xml, 'child-by-id.xml', ['--id-attr:Id', 'Body'])).toBe(true);
    expect(verifyXmlSignature(childSigned.xml).problems.map((p) => p.code)).toEqual([
      'verify.reference-not-document',
    ]);
  });
});

describeInterop('a document with a processing instruction beside its root', () => {
  it('is signed over it, as xmlsec1 reads the document, and verified so; a changed instruction is refused', async () => {
    const { dir, key, certFile } = await testSigner('pi');
    // FatturaPA files often carry a stylesheet instruction: a same-document reference covers it
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="fattura.xsl"?>\n${renderPeppolUbl(sampleInvoice(2)).replace(/^<\?xml[^>]*>\n?/, '')}`;
    for (const profile of ['xmldsig', 'xades-bes'] as const) {
      const { xml: signed } = signEnveloped(xml, key, 'root-end', { profile });
      const file = join(dir, `pi-${profile}.xml`);
      writeFileSync(file, signed);
      const args = [
        '--verify',
        '--pubkey-cert-pem',
        certFile,
        '--id-attr:Id',
        'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
        file,
      ];
      expect((await run('xmlsec1', args)).stderr).toMatch(/SignedInfo References \(ok\/all\): (1\/1|2\/2)/);
      expect(verifyXmlSignature(signed)).toMatchObject({ valid: true, method: 'dom' });
      const changed = signed.replace('fattura.xsl', 'other.xsl');
      expect(verifyXmlSignature(changed)).toMatchObject({
        valid: false,
        problems: [expect.objectContaining({ code: 'verify.digest-mismatch' })],
      });
    }
  });
});

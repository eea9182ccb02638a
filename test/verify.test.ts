import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { verifyXmlSignature } from '../shared/signing/verify';
import { signEnveloped, type XmlSigningKey } from '../shared/signing/xmldsig';
import { describeWithCorpus } from './support/corpus';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createHarness, TENANT } from './support/harness';
import { testSigner } from './support/signer';
import { tempDir } from './support/temp';

let key: XmlSigningKey;
let keyPem: string;
let certificatePem: string;

beforeAll(async () => {
  ({ key, keyPem, certificatePem } = await testSigner('v'));
});

/** A signature over an element by Id (xml-crypto), to build wrapping attacks from. */
function signById(xml: string, xpath: string): string {
  const signer = new SignedXml({
    privateKey: keyPem,
    publicCert: certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  signer.addReference({
    xpath,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  signer.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
  return signer.getSignedXml();
}

const codes = (xml: string, options = {}) => verifyXmlSignature(xml, options).problems.map((p) => p.code);

describe('XMLDSig verification', () => {
  it("accepts the service's own signed invoice and names the signer", () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(20)), key, 'ubl-extensions');
    const result = verifyXmlSignature(xml);
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.certificate?.subject).toContain('CN=einvoice local test');
    expect(result.references).toEqual(['']);
    expect(result.method).toBe('direct');
  });

  it('verifies in one pass a signature made elsewhere with an InclusiveNamespaces prefix list and comments', () => {
    const xml = renderPeppolUbl(sampleInvoice(3)).replace('<cbc:Note>', '<!-- a remark --><cbc:Note>');
    const signer = new SignedXml({
      privateKey: keyPem,
      publicCert: certificatePem,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
      inclusiveNamespacesPrefixList: ['cac'],
    });
    signer.addReference({
      xpath: '/*',
      isEmptyUri: true,
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
      transforms: [
        'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
        'http://www.w3.org/2001/10/xml-exc-c14n#',
      ],
      inclusiveNamespacesPrefixList: ['cbc', 'cac'],
    });
    signer.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
    const signed = signer.getSignedXml();
    expect(signed).toContain('PrefixList="cbc cac"');
    const result = verifyXmlSignature(signed);
    expect(result.problems).toEqual([]);
    expect(result.method).toBe('direct');
    expect(codes(signed.replace('Beispiel AG', 'Beispiel AH'))).toEqual(['verify.digest-mismatch']);
  });

  it('fails when one byte of the signed invoice changes, or the signature value does', () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(3)), key, 'ubl-extensions');
    expect(codes(xml.replace('Beispiel AG', 'Beispiel AH'))).toEqual(['verify.digest-mismatch']);
    expect(
      codes(
        xml.replace(
          /<ds:SignatureValue>(.)/,
          (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`,
        ),
      ),
    ).toEqual(['verify.signature-invalid']);
  });

  it('accepts a signature over the root element by Id', () => {
    const signed = signById('<Invoice Id="inv-1"><Amount>100.00</Amount></Invoice>', "//*[@Id='inv-1']");
    expect(verifyXmlSignature(signed).problems).toEqual([]);
  });

  it('rejects a duplicated Id', () => {
    const signed = signById('<Invoice Id="inv-1"><Amount>100.00</Amount></Invoice>', "//*[@Id='inv-1']");
    const wrapped = signed.replace('<Amount>', '<Note Id="inv-1">x</Note><Amount>');
    expect(codes(wrapped)).toContain('verify.duplicate-id');
  });

  it('rejects a signed element moved under a new document (wrapping)', () => {
    const signed = signById('<Invoice Id="inv-1"><Amount>100.00</Amount></Invoice>', "//*[@Id='inv-1']");
    const attack = `<Invoice Id="evil"><Amount>999999.00</Amount><Wrapper>${signed}</Wrapper></Invoice>`;
    expect(codes(attack)).toContain('verify.reference-not-document');
  });

  it('rejects a signature over a different element than the document', () => {
    const signed = signById(
      '<Invoice Id="inv-1"><Amount Id="a">100.00</Amount><Payee>X</Payee></Invoice>',
      "//*[@Id='a']",
    );
    expect(codes(signed)).toEqual(['verify.reference-not-document']);
    expect(codes(signed, { requireWholeDocument: false })).toEqual([]);
  });

  it('rejects a signature with a second SignedInfo hidden in it', () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(1)), key, 'root-end');
    const signedInfo = /<ds:SignedInfo>[\s\S]*<\/ds:SignedInfo>/.exec(xml)![0];
    const doubled = xml.replace('</ds:KeyInfo>', `</ds:KeyInfo><ds:Object>${signedInfo}</ds:Object>`);
    expect(codes(doubled)).toEqual(['verify.structure']);
  });

  it('rejects two signatures, a DTD, SHA-1 unless allowed, and an untrusted or expired certificate', () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(1)), key, 'root-end');
    const twice = xml.replace(/(<ds:Signature[\s\S]*<\/ds:Signature>)/, '$1$1');
    expect(codes(twice)).toEqual(['verify.signature-count']);
    // The same, with the second signature under another prefix: signatures are found by namespace.
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(xml)![0];
    const disguised = signature.replace(/ds:/g, 'x:').replace('xmlns:ds=', 'xmlns:x=');
    expect(codes(xml.replace(signature, signature + disguised))).toEqual(['verify.signature-count']);
    expect(codes(`<!DOCTYPE x [<!ENTITY e "y">]>${xml.replace(/^<\?xml[^>]*>/, '')}`)).toEqual([
      'xml.dtd-forbidden',
    ]);
    const sha1 = xml.replace('xmldsig-more#rsa-sha256', 'xmldsig#rsa-sha1');
    expect(codes(sha1)).toContain('verify.algorithm');
    expect(codes(xml, { trusted: [] })).toEqual(['verify.untrusted']);
    expect(codes(xml, { now: new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000) })).toEqual([
      'verify.certificate-expired',
    ]);
  });
});

describeWithCorpus(
  'xml-crypto signature vectors (reference corpus)',
  ['xml-crypto/test/static'],
  (corpus) => {
    const dir = join(corpus, 'xml-crypto', 'test', 'static');
    const publicCert = () => readFileSync(join(dir, 'client_public.pem'), 'utf8');
    // These vectors sign several elements by Id with RSA-SHA1: SHA-1 is allowed explicitly, element
    // references are accepted (each resolved to exactly one element), as a flow verifying such documents would.
    const options = () => ({ certificate: publicCert(), allowSha1: true, requireWholeDocument: false });

    it.each([
      'valid_signature.xml',
      'valid_signature_with_lowercase_id_attribute.xml',
      'valid_signature_with_unused_prefixes.xml',
      'valid_signature_with_whitespace_in_digestvalue.xml',
      'valid_signature wsu.xml',
    ])('accepts %s', (file) => {
      expect(verifyXmlSignature(readFileSync(join(dir, file), 'utf8'), options()).problems).toEqual([]);
    });

    it.each([
      ['invalid_signature - hash.xml', 'verify.digest-mismatch'],
      ['invalid_signature - changed content.xml', 'verify.digest-mismatch'],
      ['invalid_signature - signature value.xml', 'verify.signature-invalid'],
      ['invalid_signature - non existing reference.xml', 'verify.reference-missing'],
      ['invalid_signature - wsu - hash.xml', 'verify.digest-mismatch'],
      ['invalid_signature - wsu - changed content.xml', 'verify.digest-mismatch'],
      // xml-crypto checks references first: this vector's edit shows as a digest mismatch
      ['invalid_signature - wsu - invalid signature value.xml', 'verify.digest-mismatch'],
      ['invalid_signature - wsu - non existing reference.xml', 'verify.reference-missing'],
    ])('rejects %s', (file, code) => {
      const result = verifyXmlSignature(readFileSync(join(dir, file), 'utf8'), options());
      expect(result.valid).toBe(false);
      expect(result.problems.map((p) => p.code)).toContain(code);
    });

    it('refuses SHA-1 vectors when SHA-1 is not allowed', () => {
      const result = verifyXmlSignature(readFileSync(join(dir, 'valid_signature.xml'), 'utf8'), {
        certificate: publicCert(),
        requireWholeDocument: false,
      });
      expect(result.problems.map((p) => p.code)).toContain('verify.algorithm');
    });
  },
);

describe('verify-xml in a flow, and einvoice verify', () => {
  it('accepts a signed inbound document and rejects a tampered one, with the reasons on the record', async () => {
    const flows = tempDir();
    mkdirSync(flows, { recursive: true });
    writeFileSync(
      join(flows, 'inbound-verify.json'),
      JSON.stringify({
        id: 'inbound-verify',
        version: 1,
        description: 'Verify an inbound signed invoice and file it',
        steps: [
          { id: 'verify', action: 'verify-xml', with: { input: 'input.xml' } },
          { id: 'file', action: 'deliver-folder', with: { input: 'input.xml' } },
        ],
      }),
    );
    const h = await createHarness({ EINVOICE_FLOWS_DIR: flows });
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(2)), key, 'ubl-extensions');
    const submit = async (content: string) =>
      (
        await h.services.pipeline.submit({
          tenantId: TENANT,
          context: { flowId: 'inbound-verify' },
          content: Buffer.from(content),
          contentType: 'application/xml',
        })
      ).record.id;
    expect((await h.settle(await submit(xml))).status).toBe('completed');
    const rejected = await h.settle(await submit(xml.replace('Beispiel AG', 'Beispiel AH')));
    expect(rejected.status).toBe('rejected');
    expect(rejected.history.find((e) => e.action === 'verify-xml')).toMatchObject({
      code: 'signature.invalid',
      message: expect.stringContaining('verify.digest-mismatch'),
    });
  });

  it('einvoice verify exits 0 for a valid signature and 1 otherwise', async () => {
    const dir = tempDir();
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(1)), key, 'root-end');
    writeFileSync(join(dir, 'good.xml'), xml);
    writeFileSync(join(dir, 'bad.xml'), xml.replace('Beispiel AG', 'Beispiel AH'));
    const cli = join(__dirname, '..', 'bin', 'einvoice.js');
    const run = promisify(execFile);
    const good = await run(process.execPath, [cli, 'verify', join(dir, 'good.xml')]);
    expect(good.stdout).toMatch(/^valid/);
    const bad = (await run(process.execPath, [
      cli,
      'verify',
      join(dir, 'good.xml'),
      join(dir, 'bad.xml'),
    ]).catch((e: unknown) => e)) as {
      code: number;
      stdout: string;
    };
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('verify.digest-mismatch');
  });
});

describe('a signature whose KeyInfo holds only a key value', () => {
  it('is not accepted without a certificate naming the signer', () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(1)), key, 'root-end', {
      keyInfo: 'key-value',
    });
    expect(codes(xml)).toEqual(['verify.no-certificate']);
    expect(codes(xml, { certificate: certificatePem })).toEqual([]);
  });
});

/** A certificate made with forge, signed by `issuer` (or self-signed). */
function makeCertificate(
  commonName: string,
  ca: boolean,
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey },
) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `0${Math.floor(Math.random() * 1e9).toString(16)}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : [{ name: 'commonName', value: commonName }]);
  cert.setExtensions([
    { name: 'basicConstraints', cA: ca },
    { name: 'keyUsage', keyCertSign: ca, digitalSignature: true },
  ]);
  cert.sign(issuer ? issuer.key : key, forge.md.sha256.create());
  return { cert, key, keyObject: privateKey, x509: new X509Certificate(forge.pki.certificateToPem(cert)) };
}

describe('trust anchors and certificate chains', () => {
  const root = makeCertificate('Test Root CA', true);
  const intermediate = makeCertificate('Test Issuing CA', true, root);
  const leaf = makeCertificate('Seller signing', false, intermediate);
  const otherRoot = makeCertificate('Other Root CA', true);

  const signed = (keyInfo: 'certificate' | 'chain') =>
    signEnveloped(
      renderPeppolUbl(sampleInvoice(1)),
      { privateKey: leaf.keyObject, certificate: leaf.x509 },
      'root-end',
      {
        keyInfo,
        chain: [intermediate.x509],
      },
    ).xml;

  it('accepts a signer that chains to a trust anchor through the intermediate it sent', () => {
    expect(codes(signed('chain'), { trusted: [root.x509] })).toEqual([]);
    expect(codes(signed('chain'), { trusted: [intermediate.x509] })).toEqual([]);
  });

  it('refuses a signer whose chain is incomplete or leads to another anchor', () => {
    expect(codes(signed('certificate'), { trusted: [root.x509] })).toEqual(['verify.untrusted']);
    expect(codes(signed('chain'), { trusted: [otherRoot.x509] })).toEqual(['verify.untrusted']);
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { verifyXmlSignature, type VerifyOptions } from '../shared/signing/verify';
import { tempDir } from './support/temp';
import { toolsAvailable } from './support/tools';

const describeInterop = toolsAvailable(['xmlsec1', 'openssl'], 'the XPath Filter 2.0 tests')
  ? describe
  : describe.skip;
const run = promisify(execFile);

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const FILTER2 = 'http://www.w3.org/2002/06/xmldsig-filter2';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const EXC_COMMENTS = 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments';
const INC = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const INC_COMMENTS = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const XADES = 'http://uri.etsi.org/01903/v1.3.2#';
const NOTIFICATIONS = 'http://www.fatturapa.gov.it/sdi/messaggi/v1.0';

/** An XPath Filter 2.0 transform; the XPath element declares its own prefix and, optionally, more. */
function filter(expression = '/descendant::ds:Signature', kind = 'subtract', declarations = ''): string {
  return (
    `<ds:Transform Algorithm="${FILTER2}"><dsig-xpath:XPath xmlns:dsig-xpath="${FILTER2}"${declarations} ` +
    `Filter="${kind}">${expression}</dsig-xpath:XPath></ds:Transform>`
  );
}
const transform = (algorithm: string): string => `<ds:Transform Algorithm="${algorithm}"/>`;
const reference = (uri: string, type = ''): string =>
  `<ds:Reference URI="${uri}"${type}><ds:DigestMethod Algorithm="${SHA256}"/><ds:DigestValue/></ds:Reference>`;
const KEY_INFO_REFERENCE = reference('#keyinfo-id');
const SIGNED_PROPERTIES_REFERENCE = reference(
  '#signed-properties',
  ' Type="http://uri.etsi.org/01903#SignedProperties"',
);
const QUALIFYING_PROPERTIES =
  `<ds:Object><xades:QualifyingProperties xmlns:xades="${XADES}" Target="#sig-1">` +
  '<xades:SignedProperties Id="signed-properties"><xades:SignedSignatureProperties>' +
  '<xades:SigningTime>2026-01-12T10:01:00Z</xades:SigningTime></xades:SignedSignatureProperties>' +
  '</xades:SignedProperties></xades:QualifyingProperties></ds:Object>';

interface Shape {
  /** The transforms of the reference to the document; default the filter, then exclusive c14n. */
  transforms?: string;
  /** The URI of that reference; default "" (the whole document). */
  uri?: string;
  signedInfoC14n?: string;
  /** The references after the document's; default the one to KeyInfo. */
  references?: string;
  /** Further content of the signature, after KeyInfo. */
  object?: string;
}

/** A signature template for xmlsec1: SignedInfo with empty digests, KeyInfo (by Id) for the certificate. */
function signatureTemplate(shape: Shape = {}): string {
  const transforms = shape.transforms ?? filter() + transform(EXC);
  return (
    `<ds:Signature xmlns:ds="${DSIG}" Id="sig-1"><ds:SignedInfo>` +
    `<ds:CanonicalizationMethod Algorithm="${shape.signedInfoC14n ?? EXC}"/>` +
    `<ds:SignatureMethod Algorithm="${RSA_SHA256}"/>` +
    `<ds:Reference URI="${shape.uri ?? ''}"><ds:Transforms>${transforms}</ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${SHA256}"/><ds:DigestValue/></ds:Reference>` +
    `${shape.references ?? KEY_INFO_REFERENCE}</ds:SignedInfo><ds:SignatureValue/>` +
    `<ds:KeyInfo Id="keyinfo-id"><ds:X509Data/></ds:KeyInfo>${shape.object ?? ''}</ds:Signature>`
  );
}

/** A delivery receipt as SDI sends it: a stylesheet instruction, then the receipt with the signature last. */
function receipt(signature: string, stylesheet = true): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${stylesheet ? '<?xml-stylesheet type="text/xsl" href="RC_v1.0.xsl"?>' : ''}
<types:RicevutaConsegna xmlns:types="${NOTIFICATIONS}" versione="1.0">
  <IdentificativoSdI>111</IdentificativoSdI>
  <NomeFile>IT01234567890_11111.xml.p7m</NomeFile>
  <DataOraRicezione>2026-01-12T10:00:00Z</DataOraRicezione>
  <DataOraConsegna>2026-01-12T10:01:00Z</DataOraConsegna>
  <Destinatario>
    <Codice>AAA111</Codice>
    <Descrizione>Amministrazione di prova</Descrizione>
  </Destinatario>
  <MessageId>123456</MessageId>
  <Note>Esempio</Note>
${signature}</types:RicevutaConsegna>
`;
}

/**
 * A receipt with what canonicalization must get right: comments and processing instructions in and
 * around the root, CDATA, escaped characters, namespaces used, unused, redeclared and undeclared, and
 * xml:lang (which inclusive c14n carries onto KeyInfo and SignedInfo).
 */
function richReceipt(signature: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- before the root -->
<?xml-stylesheet type="text/xsl" href="RC_v1.0.xsl"?>
<types:RicevutaConsegna xmlns:types="${NOTIFICATIONS}" xmlns:unused="urn:unused" xmlns:x="urn:x" versione="1.0" xml:lang="it" x:b="2" a="1">
  <IdentificativoSdI>111</IdentificativoSdI>
  <!-- a remark -->
  <?app some data ?>
  <Note x:n="&quot;q&quot; &lt; &#9;tab" z='single'>A &amp; B &gt; C &#13; cr <![CDATA[<raw> & ]]></Note>
  <Extra xmlns="urn:default" xmlns:x="urn:x2"><Inner x:y="1" xmlns=""><Leaf/></Inner><types:Back/></Extra>
  ${signature}
</types:RicevutaConsegna>
<!-- after the root -->
<?after the root?>
`;
}

const codes = (xml: string, options: VerifyOptions = {}) =>
  verifyXmlSignature(xml, options).problems.map((p) => p.code);

describeInterop('XPath Filter 2.0 signatures, as SDI signs its notifications', () => {
  let dir: string;
  let keyFile: string;
  let certFile: string;
  let count = 0;
  const ids = [
    '--id-attr:Id',
    `${DSIG}:KeyInfo`,
    '--id-attr:Id',
    `${XADES}:SignedProperties`,
    '--id-attr:Id',
    `${DSIG}:Object`,
    '--id-attr:Id',
    `${NOTIFICATIONS}:RicevutaConsegna`,
  ];

  beforeAll(() => {
    dir = tempDir();
    keyFile = join(dir, 'key.pem');
    certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '30',
        '-subj',
        '/CN=SDI notification test/O=einvoice',
      ],
      { stdio: 'ignore' },
    );
  });

  async function sign(template: string): Promise<string> {
    const name = `doc-${++count}`;
    writeFileSync(join(dir, `${name}.xml`), template);
    const output = join(dir, `${name}.signed.xml`);
    await run('xmlsec1', [
      '--sign',
      '--privkey-pem',
      `${keyFile},${certFile}`,
      ...ids,
      '--output',
      output,
      join(dir, `${name}.xml`),
    ]);
    return readFileSync(output, 'utf8');
  }

  async function xmlsecVerifies(xml: string): Promise<boolean> {
    const file = join(dir, `verify-${++count}.xml`);
    writeFileSync(file, xml);
    return run('xmlsec1', ['--verify', '--pubkey-cert-pem', certFile, ...ids, file]).then(
      () => true,
      () => false,
    );
  }

  it('accepts a receipt whose document reference subtracts the signature and which also signs KeyInfo', async () => {
    const xml = await sign(receipt(signatureTemplate()));
    expect(xml).toContain(`Algorithm="${FILTER2}"`);
    expect(await xmlsecVerifies(xml)).toBe(true);
    const result = verifyXmlSignature(xml);
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.method).toBe('dom');
    expect(result.references).toEqual(['', '#keyinfo-id']);
    expect(result.certificate?.subject).toContain('CN=SDI notification test');
  });

  it('refuses a changed text node, stylesheet instruction or KeyInfo', async () => {
    const xml = await sign(receipt(signatureTemplate()));
    const changedText = xml.replace('<IdentificativoSdI>111<', '<IdentificativoSdI>112<');
    expect(await xmlsecVerifies(changedText)).toBe(false);
    expect(codes(changedText)).toEqual(['verify.digest-mismatch']);
    // The instruction before the root is part of the document the reference selects.
    const changedInstruction = xml.replace('RC_v1.0.xsl', 'other.xsl');
    expect(await xmlsecVerifies(changedInstruction)).toBe(false);
    expect(codes(changedInstruction)).toEqual(['verify.digest-mismatch']);
    const changedKeyInfo = xml.replace('<ds:X509Data>', '<ds:KeyName>someone else</ds:KeyName><ds:X509Data>');
    expect(changedKeyInfo).not.toBe(xml);
    expect(await xmlsecVerifies(changedKeyInfo)).toBe(false);
    expect(codes(changedKeyInfo)).toEqual(['verify.digest-mismatch']);
    const changedValue = xml.replace(
      /<ds:SignatureValue>(.)/,
      (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`,
    );
    expect(codes(changedValue)).toEqual(['verify.signature-invalid']);
  });

  it.each<[string, Shape]>([
    ['the filter alone, as SDI signs (inclusive c14n by default)', { transforms: filter() }],
    ['the filter, then exclusive c14n', {}],
    ['the filter, then exclusive c14n with comments', { transforms: filter() + transform(EXC_COMMENTS) }],
    [
      'the filter, then exclusive c14n with a prefix list',
      {
        transforms:
          filter() +
          `<ds:Transform Algorithm="${EXC}"><ec:InclusiveNamespaces xmlns:ec="${EXC}" PrefixList="unused #default"/></ds:Transform>`,
      },
    ],
    [
      'the filter, then inclusive c14n with comments; SignedInfo inclusive',
      { transforms: filter() + transform(INC_COMMENTS), signedInfoC14n: INC },
    ],
    ['//ds:Signature', { transforms: filter('//ds:Signature') + transform(EXC) }],
    [
      "*[local-name()='Signature' and namespace-uri()=…]",
      {
        transforms:
          filter(`/descendant::*[local-name()='Signature' and namespace-uri()='${DSIG}']`) + transform(INC),
      },
    ],
    ['here()/ancestor::ds:Signature[1]', { transforms: filter('here()/ancestor::ds:Signature[1]') }],
    [
      'a prefix declared on the XPath element',
      {
        transforms: filter('/descendant::sig:Signature', 'subtract', ` xmlns:sig="${DSIG}"`) + transform(EXC),
      },
    ],
    [
      'the enveloped-signature transform, then the filter',
      { transforms: transform(ENVELOPED) + filter() + transform(EXC) },
    ],
    [
      'XAdES-BES: SignedProperties and KeyInfo signed too',
      {
        transforms: filter(),
        references: SIGNED_PROPERTIES_REFERENCE + KEY_INFO_REFERENCE,
        object: QUALIFYING_PROPERTIES,
      },
    ],
  ])('%s: xmlsec1 and the verifier agree', async (_name, shape) => {
    const xml = await sign(richReceipt(signatureTemplate(shape)));
    expect(await xmlsecVerifies(xml)).toBe(true);
    const result = verifyXmlSignature(xml);
    expect(result.problems).toEqual([]);
    expect(result.method).toBe('dom');
    // A same-document reference selects no comments: changing one changes nothing signed.
    const comment = xml.replace('a remark', 'another remark');
    expect(await xmlsecVerifies(comment)).toBe(true);
    expect(codes(comment)).toEqual([]);
    for (const tampered of [
      xml.replace('<IdentificativoSdI>111<', '<IdentificativoSdI>112<'),
      xml.replace('x:y="1"', 'x:y="2"'),
      xml.replace('<?app some data ?>', '<?app other data ?>'),
      xml.replace('<?after the root?>', '<?after the end?>'),
    ]) {
      expect(tampered).not.toBe(xml);
      expect(await xmlsecVerifies(tampered)).toBe(false);
      expect(codes(tampered)).toEqual(['verify.digest-mismatch']);
    }
  });

  it('refuses the filters intersect and union, with a clear problem', async () => {
    for (const kind of ['intersect', 'union']) {
      const xml = await sign(
        receipt(signatureTemplate({ transforms: filter(undefined, kind) + transform(EXC) })),
      );
      const result = verifyXmlSignature(xml);
      expect(result.valid).toBe(false);
      expect(result.problems).toEqual([
        expect.objectContaining({
          code: 'verify.xpath-filter',
          message: expect.stringContaining('subtract'),
        }),
      ]);
    }
  });

  it('refuses a filter that also removes content, which xmlsec1 accepts even once that content changed', async () => {
    const xml = await sign(
      receipt(
        signatureTemplate({
          transforms: filter('/descendant::ds:Signature | /descendant::MessageId') + transform(EXC),
        }),
      ),
    );
    const changed = xml.replace('<MessageId>123456<', '<MessageId>999999<');
    expect(await xmlsecVerifies(changed)).toBe(true);
    for (const document of [xml, changed])
      expect(verifyXmlSignature(document).problems).toEqual([
        expect.objectContaining({ code: 'verify.xpath-filter', path: 'Reference[0]' }),
      ]);
  });

  it('refuses other expressions, prefixes not bound to XMLDSig, and a filter in the wrong place', async () => {
    const xml = await sign(receipt(signatureTemplate()));
    const withExpression = (expression: string, declarations = '') =>
      xml.replace(
        /<dsig-xpath:XPath [^>]*>[^<]*<\/dsig-xpath:XPath>/,
        `<dsig-xpath:XPath xmlns:dsig-xpath="${FILTER2}"${declarations} Filter="subtract">${expression}</dsig-xpath:XPath>`,
      );
    for (const expression of [
      '/descendant::*',
      '/descendant::ds:SignatureValue',
      '//ds:Signature/..',
      "/descendant::*[local-name()='Signature']",
      "/descendant::*[local-name()='Signature' or namespace-uri()='urn:x']",
      'here()/ancestor::*[2]',
      '/descendant::nodsig:Signature',
    ]) {
      const document = withExpression(expression);
      expect(document).toContain(`>${expression}<`);
      expect([expression, codes(document)]).toEqual([expression, ['verify.xpath-filter']]);
    }
    const otherNamespace = withExpression('/descendant::x:Signature', ' xmlns:x="urn:not-xmldsig"');
    expect(verifyXmlSignature(otherNamespace).problems).toEqual([
      expect.objectContaining({
        code: 'verify.xpath-filter',
        message: expect.stringContaining('urn:not-xmldsig'),
      }),
    ]);
    const twoFilters = xml.replace(/(<dsig-xpath:XPath [^>]*>[^<]*<\/dsig-xpath:XPath>)/, '$1$1');
    expect(codes(twoFilters)).toEqual(['verify.xpath-filter']);
    const afterC14n = xml.replace(
      /(<ds:Transform Algorithm="http:\/\/www.w3.org\/2002\/06\/xmldsig-filter2">.*?<\/ds:Transform>)(<ds:Transform [^>]*\/>)/,
      '$2$1',
    );
    expect(afterC14n).not.toBe(xml);
    expect(codes(afterC14n)).toEqual(['verify.xpath-filter']);
    // Another transform is still refused, next to the filter too.
    expect(
      codes(xml.replace(`Algorithm="${EXC}"/></ds:Transforms>`, `Algorithm="urn:other"/></ds:Transforms>`)),
    ).toEqual(['verify.algorithm']);
  });

  it('refuses the filter in a reference to an element', async () => {
    const xml = await sign(
      receipt(signatureTemplate({ uri: '#doc', transforms: filter() + transform(EXC) })).replace(
        'versione="1.0"',
        'versione="1.0" Id="doc"',
      ),
    );
    expect(codes(xml)).toEqual(['verify.xpath-filter']);
  });

  it('refuses a signature placed so that the filter removes content: as the root, or holding content', async () => {
    // The signature as the document element, the receipt inside it: subtracting it leaves nothing signed,
    // and xmlsec1 accepts the receipt whatever it says.
    const body = receipt('', false).replace(/^<\?xml[^>]*\?>\s*/, '');
    const enveloping = await sign(
      `<?xml version="1.0" encoding="UTF-8"?>\n${signatureTemplate({ object: `<ds:Object Id="content">${body}</ds:Object>` })}`,
    );
    const changed = enveloping.replace('<IdentificativoSdI>111<', '<IdentificativoSdI>999<');
    expect(await xmlsecVerifies(changed)).toBe(true);
    for (const document of [enveloping, changed])
      expect(verifyXmlSignature(document).problems).toEqual([
        expect.objectContaining({
          code: 'verify.xpath-filter',
          message: expect.stringContaining('document element'),
        }),
      ]);
    // Content carried inside the signature is subtracted with it: never signed, so refused.
    const holding = await sign(
      receipt(signatureTemplate({ object: '<ds:Object><Note>Accettata</Note></ds:Object>' })),
    );
    expect(await xmlsecVerifies(holding.replace('Accettata', 'Rifiutata'))).toBe(true);
    expect(verifyXmlSignature(holding).problems).toEqual([
      expect.objectContaining({ code: 'verify.xpath-filter', message: expect.stringContaining('Note') }),
    ]);
  });

  it('a KeyInfo reference never covers the document', async () => {
    const onlyKeyInfo = await sign(
      receipt(signatureTemplate({ uri: '#keyinfo-id', transforms: transform(EXC), references: '' })),
    );
    expect(await xmlsecVerifies(onlyKeyInfo)).toBe(true);
    expect(codes(onlyKeyInfo)).toEqual(['verify.reference']);
  });

  it('accepts the enveloped-signature transform with a KeyInfo reference too (through xml-crypto)', async () => {
    const xml = await sign(
      receipt(signatureTemplate({ transforms: transform(ENVELOPED) + transform(EXC) }), false),
    );
    expect(await xmlsecVerifies(xml)).toBe(true);
    const result = verifyXmlSignature(xml);
    expect(result.problems).toEqual([]);
    expect(result.method).toBe('general');
    expect(codes(xml.replace('<ds:X509Data>', '<ds:KeyName>someone else</ds:KeyName><ds:X509Data>'))).toEqual(
      ['verify.digest-mismatch'],
    );
    expect(codes(xml.replace('<IdentificativoSdI>111<', '<IdentificativoSdI>112<'))).toEqual([
      'verify.digest-mismatch',
    ]);
  });
});

/**
 * Genuine SDI notifications, kept outside the repository: EINVOICE_SDI_SAMPLES names a folder of them
 * (files such as IT01234567890_11111_RC_001.xml). Their certificate has long expired: the signature is
 * checked as of the signing time they carry.
 */
const samples = process.env.EINVOICE_SDI_SAMPLES;
if (!samples)
  process.stderr.write(
    'NOTICE: EINVOICE_SDI_SAMPLES not set; the genuine SDI notification tests are skipped\n',
  );

(samples ? describe : describe.skip)('genuine SDI notifications (EINVOICE_SDI_SAMPLES)', () => {
  const files = samples
    ? readdirSync(samples).filter(
        (f) => f.endsWith('.xml') && readFileSync(join(samples, f), 'utf8').includes(DSIG),
      )
    : [];

  it('finds signed notifications in the folder', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s verifies as of its signing time, and not once changed', (file) => {
    const xml = readFileSync(join(samples!, file), 'utf8');
    const signingTime = /<(?:\w+:)?SigningTime>([^<]+)</.exec(xml)?.[1];
    expect(signingTime).toBeDefined();
    const now = new Date(signingTime!);
    const today = verifyXmlSignature(xml);
    expect(today.problems.map((p) => p.code).filter((c) => c !== 'verify.certificate-expired')).toEqual([]);
    const then = verifyXmlSignature(xml, { now });
    expect(then.problems).toEqual([]);
    expect(then.valid).toBe(true);
    expect(then.method).toBe('dom');
    expect(then.certificate?.subject).toContain('Sistema Interscambio');
    const changed = xml.replace(
      /<IdentificativoSdI>(\d)/,
      (_m, d: string) => `<IdentificativoSdI>${d === '9' ? '8' : '9'}`,
    );
    expect(changed).not.toBe(xml);
    expect(codes(changed, { now })).toEqual(['verify.digest-mismatch']);
  });
});

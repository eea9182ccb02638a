import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMParser } from '@xmldom/xmldom';
import { signXmlAction } from '../shared/actions/sign-xml';
import { ActionRegistry, type ActionContext } from '../shared/engine/action';
import { EInvoiceError } from '../shared/errors';
import type { SigningCredential } from '../shared/ports/certificate-store';
import { fromPkcs12 } from '../shared/signing/credentials';
import { verifyXmlSignature } from '../shared/signing/verify';
import {
  signEnveloped,
  XML_SIGNATURE_ALGORITHMS,
  XMLDSIG_NS,
  type SignaturePlacement,
  type XmlSignatureAlgorithm,
  type XmlSignOptions,
  type XmlSigningKey,
} from '../shared/signing/xmldsig';
import { describeWithCorpus } from './support/corpus';
import { testSigner, type TestSigner } from './support/signer';
import { tempDir } from './support/temp';
import { toolsAvailable } from './support/tools';
import { validateXsd } from './support/xsd';

const FIXTURES = 'nfe-sped/tests/fixtures/xml';
const CERTS = 'nfe-sped/tests/fixtures/certs';
const SCHEMAS = 'nfe-sped/schemes/PL_009_V4';
const NFE_NS = 'http://www.portalfiscal.inf.br/nfe';
const CTE_NS = 'http://www.portalfiscal.inf.br/cte';

/** SEFAZ's profile (MOC 7.0) for NF-e, NFC-e, their events and inutilização, as a flow asks for it. */
const SEFAZ_PROFILE = { canonicalization: 'inclusive', algorithm: 'rsa-sha1', prefix: '' } as const;

/**
 * The corpus's test certificates and their passwords: in the file name, or for the older two (and their
 * re-encoded `novo_` copies) as the upstream project's tests give them (nfephp-org/sped-nfe,
 * tests/fixtures/certs/novos_certs.php).
 */
const CERTIFICATE_PASSWORDS: Record<string, string> = {
  'cert_cnpj_06157250000116_senha_minhasenha.pfx': 'minhasenha',
  'cert_cpf_90483926086_minhasenha.pfx': 'minhasenha',
  'novo_cert_cnpj_06157250000116_senha_minhasenha.pfx': 'minhasenha',
  'novo_cert_cpf_90483926086_minhasenha.pfx': 'minhasenha',
  'expired_certificate.pfx': 'associacao',
  'novo_expired_certificate.pfx': 'associacao',
  'test_certificate.pfx': 'nfephp',
  'novo_test_certificate.pfx': 'nfephp',
};

/**
 * How each signed fixture of the corpus stands. `as-written`: verifies as it is. `indented`: indented after
 * it was signed; verifies once the white space between tags is taken out again. `in-envelope`: signed before
 * it was put in a SOAP envelope, whose namespace declarations inclusive c14n would carry into the signed
 * element; verifies as the signature's parent element on its own, as it was signed. `indented-in-envelope`:
 * both. `unverifiable`: verifies in none of these forms (changed after signing: nfe_4.0.xml's Id no longer
 * matches its reference, request_inut_cpf.xml has a CPF of zeros).
 */
const FIXTURE_STATES = {
  '2017protocoled.xml': 'indented',
  '2017signed.xml': 'indented',
  'cte.xml': 'indented',
  'env_evtInfoEmpregador.xml': 'unverifiable',
  'exemplo_xml_envia_lote_modelo_55.xml': 'unverifiable',
  'exemplo_xml_envia_lote_modelo_65.xml': 'unverifiable',
  'exemplo_xml_inutiliza.xml': 'indented',
  'exemplo_xml_request_cce_cnpj.xml': 'indented',
  'exemplo_xml_request_sefazAtorInteressado.xml': 'as-written',
  'exemplo_xml_request_sefazCancelaPorSubstituicao.xml': 'as-written',
  'exemplo_xml_request_sefazECPP.xml': 'indented',
  'exemplo_xml_request_sefazEPP.xml': 'as-written',
  'exemplo_xml_request_sefazManifesta.xml': 'as-written',
  'exemplo_xml_sefazCancela.xml': 'as-written',
  'fake_envLoteEventos.xml': 'in-envelope',
  'nfce.xml': 'unverifiable',
  'nfce_com_qrcode.xml': 'indented',
  'nfce_sem_qrcode.xml': 'indented',
  'nfe_4.0.xml': 'unverifiable',
  'nfe_layout4.xml': 'indented',
  'nfe_layout4_com_prot.xml': 'indented',
  'req_envialote.xml': 'unverifiable',
  'req_evento_cancela.xml': 'in-envelope',
  'req_evento_cce.xml': 'in-envelope',
  'req_evento_ecpp.xml': 'indented-in-envelope',
  'req_evento_epec.xml': 'indented-in-envelope',
  'req_evento_epp.xml': 'in-envelope',
  'req_evento_manifesta.xml': 'unverifiable',
  'req_inutiliza.xml': 'in-envelope',
  'request_inut_cnpj.xml': 'unverifiable',
  'request_inut_cpf.xml': 'unverifiable',
} as const;
type FixtureName = keyof typeof FIXTURE_STATES;
const SIGNED_FIXTURES = Object.keys(FIXTURE_STATES) as FixtureName[];
const VERIFIABLE = SIGNED_FIXTURES.filter((f) => FIXTURE_STATES[f] !== 'unverifiable');

/** The fixtures signed with a certificate of the corpus: re-signing them must give the same bytes. */
const REPRODUCIBLE: FixtureName[] = [
  'exemplo_xml_inutiliza.xml',
  'exemplo_xml_request_cce_cnpj.xml',
  'exemplo_xml_request_sefazAtorInteressado.xml',
  'exemplo_xml_request_sefazCancelaPorSubstituicao.xml',
  'exemplo_xml_request_sefazECPP.xml',
  'exemplo_xml_request_sefazEPP.xml',
  'exemplo_xml_request_sefazManifesta.xml',
  'exemplo_xml_sefazCancela.xml',
  'fake_envLoteEventos.xml',
];

const SIGNATURE_START = `<Signature xmlns="${XMLDSIG_NS}">`;
const SIGNATURE_END = '</Signature>';

/** Markup without the white space between tags, as the indented fixtures were before they were indented. */
const withoutIndentation = (xml: string) => xml.replace(/>\s+</g, '><');

/** The text of the (one, unprefixed) signature of a corpus document. */
function signatureText(xml: string): string {
  const start = xml.indexOf(SIGNATURE_START);
  if (start < 0) throw new Error('no unprefixed signature');
  return xml.slice(start, xml.indexOf(SIGNATURE_END, start) + SIGNATURE_END.length);
}

const withoutSignature = (xml: string) => xml.replace(signatureText(xml), '');

/** The first element `name` in `xml` as written (the fixtures do not nest an element in one of its name). */
function elementText(xml: string, name: string): string {
  const found = new RegExp(`<${name}[\\s>][\\s\\S]*?</${name}>`).exec(xml);
  if (!found) throw new Error(`no ${name}`);
  return found[0];
}

/** The signature's parent element alone: what was signed before an envelope was put around it. */
function signatureParent(xml: string): string {
  const signature = signatureText(xml);
  const start = xml.indexOf(signature);
  const end = start + signature.length;
  const name = /^\s*<\/([\w:.-]+)>/.exec(xml.slice(end))![1]!;
  const open = [...xml.slice(0, start).matchAll(new RegExp(`<${name}[\\s>]`, 'g'))].pop()!.index;
  return xml.slice(open, xml.indexOf(`</${name}>`, end) + name.length + 3);
}

/** The fixture as it was signed, by its state. */
function asSigned(xml: string, name: FixtureName): string {
  const state = FIXTURE_STATES[name];
  if (state === 'indented') return withoutIndentation(xml);
  if (state === 'in-envelope') return signatureParent(xml);
  if (state === 'indented-in-envelope') return withoutIndentation(signatureParent(xml));
  return xml;
}

/** The text of the first element `name` (any prefix), without white space (base64 values). */
function textOf(xml: string, name: string): string {
  const found = new RegExp(`<(?:[\\w.-]+:)?${name}>([^<]*)</(?:[\\w.-]+:)?${name}>`).exec(xml);
  if (!found) throw new Error(`no ${name}`);
  return found[1]!.replace(/\s+/g, '');
}

/** The forms a fixture may have been signed in, by name. */
function formsOf(xml: string): Record<string, string> {
  return {
    'as written': xml,
    'without indentation': withoutIndentation(xml),
    'signature parent': signatureParent(xml),
    'signature parent without indentation': withoutIndentation(signatureParent(xml)),
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function certificateOf(xml: string): X509Certificate {
  return new X509Certificate(Buffer.from(textOf(xml, 'X509Certificate'), 'base64'));
}

/** The corpus's certificates have expired: signatures are judged at a time their certificate was valid. */
function whileValid(certificate: X509Certificate): Date {
  return new Date((Date.parse(certificate.validFrom) + Date.parse(certificate.validTo)) / 2);
}

/**
 * The service's verifier with what a flow's `verify-xml` step allows for SEFAZ documents: SHA-1, and a
 * reference to the signed element rather than to the whole document.
 */
function productVerifies(xml: string) {
  return verifyXmlSignature(xml, {
    allowSha1: true,
    requireWholeDocument: false,
    now: whileValid(certificateOf(xml)),
  });
}

/**
 * How to sign as a corpus signature was signed: SEFAZ's profile over the element its reference names, or over
 * the whole document for a reference "" (two older event requests, and the eSocial lots of the corpus), with
 * the signature method the fixture names (eSocial's is RSA-SHA256).
 */
function profileOf(signed: string): { placement: SignaturePlacement; options: XmlSignOptions } {
  const uri = /<Reference URI="([^"]*)"/.exec(signed)![1]!;
  const method = /<SignatureMethod Algorithm="([^"]+)"/.exec(signed)![1]!;
  const algorithm = (Object.keys(XML_SIGNATURE_ALGORITHMS) as XmlSignatureAlgorithm[]).find(
    (name) => XML_SIGNATURE_ALGORITHMS[name].uri === method,
  )!;
  const options = { ...SEFAZ_PROFILE, algorithm };
  return uri
    ? { placement: 'reference-parent', options: { ...options, referenceId: uri.slice(1) } }
    : { placement: 'root-end', options };
}

const run = promisify(execFile);
/** The Id attributes xmlsec1 resolves references with (the schemas declare them, xmlsec1 reads no schema). */
const ID_ATTRIBUTES = [
  ...['infNFe', 'infEvento', 'infInut'].map((name) => `${NFE_NS}:${name}`),
  `${CTE_NS}:infCte`,
  'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
].flatMap((node) => ['--id-attr:Id', node]);

/** A document the one-pass canonicalizer takes (the signer's path for whole documents). */
const SMALL_INVOICE = '<Invoice xmlns="urn:example:invoice"><ID>1</ID><Note>a &amp; b</Note></Invoice>';

describeWithCorpus('NF-e signatures (SEFAZ profile, MOC 7.0)', [FIXTURES, CERTS, SCHEMAS], (corpus) => {
  const fixture = (name: string) => readFileSync(join(corpus, FIXTURES, name), 'utf8');
  const credentials = Object.entries(CERTIFICATE_PASSWORDS).map(([file, password]) =>
    fromPkcs12(file, readFileSync(join(corpus, CERTS, file)).toString('base64'), password),
  );
  const keyOf = (credential: SigningCredential): XmlSigningKey => ({
    privateKey: credential.privateKey,
    certificate: credential.certificates[0]!,
  });
  /** The corpus credential whose certificate is this one. */
  const corpusKeyFor = (certificate: X509Certificate): XmlSigningKey | undefined => {
    const credential = credentials.find((c) => c.certificates[0]!.raw.equals(certificate.raw));
    return credential && keyOf(credential);
  };
  const xmlsecDir = tempDir();
  let signer: TestSigner;

  beforeAll(async () => {
    signer = await testSigner('nfe', 'NF-e signature test');
  });

  /** Whether xmlsec1 verifies the document with the certificate of its KeyInfo (no trust chain asked). */
  async function xmlsecVerifies(xml: string, name: string): Promise<boolean> {
    const file = join(xmlsecDir, name);
    writeFileSync(file, xml);
    writeFileSync(`${file}.crt.pem`, certificateOf(xml).toString());
    try {
      await run('xmlsec1', ['--verify', '--pubkey-cert-pem', `${file}.crt.pem`, ...ID_ATTRIBUTES, file]);
      return true;
    } catch {
      return false;
    }
  }

  it('lists every signed fixture of the corpus, and reads every test certificate', () => {
    const signed = readdirSync(join(corpus, FIXTURES)).filter((f) => fixture(f).includes('<SignatureValue>'));
    expect(signed.sort()).toEqual([...SIGNED_FIXTURES].sort());
    expect(readdirSync(join(corpus, CERTS)).sort()).toEqual(Object.keys(CERTIFICATE_PASSWORDS).sort());
    for (const credential of credentials) {
      expect(credential.certificates[0]!.checkPrivateKey(credential.privateKey)).toBe(true);
    }
  });

  describe('re-signing the fixtures', () => {
    it('finds the signing certificate in the corpus for exactly the fixtures listed as reproducible', () => {
      const found = VERIFIABLE.filter((name) => corpusKeyFor(certificateOf(fixture(name))) !== undefined);
      expect(found.sort()).toEqual([...REPRODUCIBLE].sort());
    });

    it.each(REPRODUCIBLE)(
      '%s: signed again with its corpus certificate, it is the fixture byte for byte',
      (name) => {
        const original = asSigned(fixture(name), name);
        const key = corpusKeyFor(certificateOf(original))!;
        const { placement, options } = profileOf(original);
        const signed = signEnveloped(withoutSignature(original), key, placement, options);
        expect(textOf(signed.xml, 'DigestValue')).toBe(textOf(original, 'DigestValue'));
        expect(textOf(signed.xml, 'SignatureValue')).toBe(textOf(original, 'SignatureValue'));
        expect(signatureText(signed.xml)).toBe(signatureText(original));
        // the whole document too, but for the line feed after the root element, which the DOM does not keep
        expect(signed.xml).toBe(original.trimEnd());
      },
    );

    // The digest does not depend on the key, and SignedInfo holds nothing else that does: with the same
    // SignedInfo, the certificate the fixture names would have given its SignatureValue (which verifies).
    it.each(VERIFIABLE.filter((name) => !REPRODUCIBLE.includes(name)))(
      '%s: signed with another key, its digest and SignedInfo are the fixture’s',
      (name) => {
        const original = asSigned(fixture(name), name);
        const { placement, options } = profileOf(original);
        const signed = signEnveloped(withoutSignature(original), signer.key, placement, options);
        expect(textOf(signed.xml, 'DigestValue')).toBe(textOf(original, 'DigestValue'));
        expect(elementText(signed.xml, 'SignedInfo')).toBe(elementText(original, 'SignedInfo'));
        expect(productVerifies(signed.xml).valid).toBe(true);
      },
    );
  });

  describe('verifying the fixtures', () => {
    it.each(VERIFIABLE)('%s verifies, as it was signed, with the service’s verifier', (name) => {
      const result = productVerifies(asSigned(fixture(name), name));
      expect(result.problems).toEqual([]);
      expect(result.valid).toBe(true);
    });

    it.each(SIGNED_FIXTURES.filter((name) => FIXTURE_STATES[name] === 'unverifiable'))(
      '%s verifies in no form',
      (name) => {
        for (const [form, text] of Object.entries(formsOf(fixture(name)))) {
          expect({ form, valid: productVerifies(text).valid }).toEqual({ form, valid: false });
        }
      },
    );
  });

  (toolsAvailable(['xmlsec1'], 'the NF-e signature interop tests') ? describe : describe.skip)(
    'xmlsec1',
    () => {
      // Every form of every fixture: xmlsec1 and the service's verifier must agree on each, valid or not.
      it.each(SIGNED_FIXTURES)('%s: xmlsec1 and the service’s verifier agree on it', async (name) => {
        const xml = fixture(name);
        const verdicts: Record<string, [boolean, boolean]> = {};
        for (const [form, text] of Object.entries(formsOf(xml))) {
          verdicts[form] = [
            productVerifies(text).valid,
            await xmlsecVerifies(text, `${name}-${form.replace(/ /g, '-')}.xml`),
          ];
        }
        for (const [form, [product, xmlsec]] of Object.entries(verdicts)) {
          expect({ form, product }).toEqual({ form, product: xmlsec });
        }
        const state = FIXTURE_STATES[name];
        expect(verdicts['as written']![1]).toBe(state === 'as-written');
        expect(Object.values(verdicts).some(([, xmlsec]) => xmlsec)).toBe(state !== 'unverifiable');
        if (state !== 'unverifiable') {
          expect(await xmlsecVerifies(asSigned(xml, name), `${name}-as-signed.xml`)).toBe(true);
        }
      });

      it('verifies what the service signs, and refuses it changed', async () => {
        for (const name of ['signNFe_modelo_55.xml', 'signNFe_modelo_65.xml']) {
          const xml = fixture(name);
          const id = /<infNFe Id="([^"]+)"/.exec(xml)![1]!;
          const signed = signEnveloped(xml, signer.key, 'reference-parent', {
            ...SEFAZ_PROFILE,
            referenceId: id,
          });
          expect(await xmlsecVerifies(signed.xml, `signed-${name}`)).toBe(true);
          const changed = signed.xml.replace(/<vNF>[^<]*<\/vNF>/, '<vNF>1.00</vNF>');
          expect(changed).not.toBe(signed.xml);
          expect(await xmlsecVerifies(changed, `changed-${name}`)).toBe(false);
        }
        const event = withoutSignature(asSigned(fixture('req_evento_cce.xml'), 'req_evento_cce.xml'));
        const id = /<infEvento Id="([^"]+)"/.exec(event)![1]!;
        const signed = signEnveloped(event, signer.key, 'reference-parent', {
          ...SEFAZ_PROFILE,
          referenceId: id,
        });
        expect(await xmlsecVerifies(signed.xml, 'signed-event.xml')).toBe(true);
        const changed = signed.xml.replace('<nSeqEvento>1<', '<nSeqEvento>2<');
        expect(changed).not.toBe(signed.xml);
        expect(await xmlsecVerifies(changed, 'changed-event.xml')).toBe(false);
        for (const profile of ['xmldsig', 'xades-bes'] as const) {
          const whole = signEnveloped(SMALL_INVOICE, signer.key, 'root-end', { profile, prefix: '' });
          expect(await xmlsecVerifies(whole.xml, `one-pass-${profile}.xml`)).toBe(true);
        }
      });
    },
  );

  describe('the signature the service writes', () => {
    /** The element that holds the signature and the signature itself, parsed. */
    function placed(xml: string) {
      const doc = new DOMParser().parseFromString(xml, 'text/xml');
      const signatures = doc.getElementsByTagNameNS(XMLDSIG_NS, 'Signature');
      expect(signatures.length).toBe(1);
      const signature = signatures[0]!;
      const parent = signature.parentNode as unknown as Element;
      return {
        signature,
        parent,
        /** The element children of the signature's parent, by local name. */
        siblings: Array.from(parent.childNodes)
          .filter((n) => n.nodeType === 1)
          .map((n) => (n as unknown as Element).localName),
      };
    }

    /** What the profile asks of every signature, beside where it stands. */
    function expectProfile(xml: string, id: string): void {
      const signature = signatureText(xml);
      expect(signature).not.toMatch(/<\/?[\w.-]+:/); // no prefix on any element
      expect(signature).toMatch(
        new RegExp(
          `^${SIGNATURE_START}<SignedInfo>` +
            '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>' +
            '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>' +
            `<Reference URI="#${id}"><Transforms>` +
            '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>' +
            '<Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></Transforms>' +
            '<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>' +
            '<DigestValue>[A-Za-z0-9+/]{27}=</DigestValue></Reference></SignedInfo>' +
            '<SignatureValue>[A-Za-z0-9+/=]+</SignatureValue>' +
            `<KeyInfo><X509Data><X509Certificate>${escapeRegExp(signer.key.certificate.raw.toString('base64'))}` +
            '</X509Certificate></X509Data></KeyInfo></Signature>$',
        ),
      );
    }

    it('signs an NF-e: unprefixed, the last child of NFe, over infNFe; changed, it no longer verifies', () => {
      const xml = fixture('signNFe_modelo_55.xml');
      const id = 'NFe43180906929383000163550010000000261000010301';
      const signed = signEnveloped(xml, signer.key, 'reference-parent', {
        ...SEFAZ_PROFILE,
        referenceId: id,
      });
      expect(signed.path).toBe('general');
      expectProfile(signed.xml, id);
      const { signature, parent, siblings } = placed(signed.xml);
      expect(signature.prefix).toBeNull();
      expect(parent.localName).toBe('NFe');
      expect(parent.parentNode?.nodeType).toBe(9); // NFe is the document element
      expect(siblings).toEqual(['infNFe', 'Signature']);
      expect(productVerifies(signed.xml).valid).toBe(true);
      // Signed as indented, it is the indented NF-e that verifies: re-indenting is a change like any other.
      const changed = signed.xml.replace('<vNF>500.00</vNF>', '<vNF>50.00</vNF>');
      expect(changed).not.toBe(signed.xml);
      expect(productVerifies(changed).problems.map((p) => p.code)).toEqual(['verify.digest-mismatch']);
      expect(productVerifies(withoutIndentation(signed.xml)).valid).toBe(false);
    });

    it('signs an NFC-e after its infNFeSupl, the last child of NFe', () => {
      const name = 'nfce_com_qrcode.xml';
      const original = asSigned(fixture(name), name);
      const id = /<infNFe Id="([^"]+)"/.exec(original)![1]!;
      const signed = signEnveloped(withoutSignature(original), signer.key, 'reference-parent', {
        ...SEFAZ_PROFILE,
        referenceId: id,
      });
      expectProfile(signed.xml, id);
      expect(placed(signed.xml).siblings).toEqual(['infNFe', 'infNFeSupl', 'Signature']);
      expect(productVerifies(signed.xml).valid).toBe(true);
      // infNFeSupl is outside the signed infNFe: the QR code may change, the signature holds
      expect(productVerifies(signed.xml.replace(/<urlChave>[^<]*</, '<urlChave>x<')).valid).toBe(true);
    });

    it('signs each NFe of a lote in its own NFe, which {parent: "NFe"} could not', () => {
      const nfe = [
        fixture('signNFe_modelo_55.xml').replace(/^\s*<\?xml[^>]*>/, ''),
        fixture('nfe_layout4_contingencia_sem_assinatura.xml').replace(/^\s*<\?xml[^>]*>/, ''),
      ];
      const unsigned = `<enviNFe xmlns="${NFE_NS}" versao="4.00"><idLote>1</idLote><indSinc>0</indSinc>${nfe.join('')}</enviNFe>`;
      const ids = nfe.map((n) => /<infNFe Id="([^"]+)"/.exec(n)![1]!);
      // By element name, both signatures land in the first NFe.
      let byName = unsigned;
      for (const id of ids) {
        byName = signEnveloped(
          byName,
          signer.key,
          { parent: 'NFe' },
          { ...SEFAZ_PROFILE, referenceId: id },
        ).xml;
      }
      expect(
        byName.match(/<NFe [\s\S]*?<\/NFe>/g)!.map((one) => one.split(SIGNATURE_START).length - 1),
      ).toEqual([2, 0]);
      let lote = unsigned;
      for (const id of ids) {
        lote = signEnveloped(lote, signer.key, 'reference-parent', { ...SEFAZ_PROFILE, referenceId: id }).xml;
      }
      const signedNFe = lote.match(/<NFe [\s\S]*?<\/NFe>/g)!;
      expect(signedNFe).toHaveLength(2);
      signedNFe.forEach((one, i) => {
        expect(one.endsWith(`${SIGNATURE_END}</NFe>`)).toBe(true);
        expect(signatureText(one)).toContain(`URI="#${ids[i]}"`);
        expect(productVerifies(one).valid).toBe(true);
      });
    });

    it('signs an event in evento and an inutilização in inutNFe', () => {
      for (const [name, holder] of [
        ['exemplo_xml_sefazCancela.xml', 'evento'],
        ['exemplo_xml_inutiliza.xml', 'inutNFe'],
      ] as const) {
        const original = withoutSignature(asSigned(fixture(name), name));
        const id = /<inf(?:Evento|Inut) Id="([^"]+)"/.exec(original)![1]!;
        const signed = signEnveloped(original, signer.key, 'reference-parent', {
          ...SEFAZ_PROFILE,
          referenceId: id,
        });
        expectProfile(signed.xml, id);
        const { parent, siblings } = placed(signed.xml);
        expect(parent.localName).toBe(holder);
        expect(siblings.at(-1)).toBe('Signature');
        expect(productVerifies(signed.xml).valid).toBe(true);
        const changed = signed.xml.replace(/<tpAmb>\d<\/tpAmb>/, '<tpAmb>9</tpAmb>');
        expect(changed).not.toBe(signed.xml);
        expect(productVerifies(changed).valid).toBe(false);
      }
    });

    it('writes no prefix on the one-pass path either (whole document, exclusive c14n), plain or XAdES', () => {
      for (const profile of ['xmldsig', 'xades-bes'] as const) {
        const signed = signEnveloped(SMALL_INVOICE, signer.key, 'root-end', { profile, prefix: '' });
        expect(signed.path).toBe('direct');
        const start = signed.xml.indexOf('<Signature ');
        expect(signed.xml.slice(0, start)).toBe(SMALL_INVOICE.replace('</Invoice>', ''));
        const signature = signed.xml.slice(start, signed.xml.lastIndexOf('</Invoice>'));
        expect(signature).toMatch(new RegExp(`^<Signature xmlns="${escapeRegExp(XMLDSIG_NS)}"[ >]`));
        // XAdES qualifying properties keep their own ds declarations; nothing else has a prefix
        const qualifying = /<xades:QualifyingProperties[\s\S]*<\/xades:QualifyingProperties>/;
        expect(signature.replace(qualifying, '')).not.toMatch(/<\/?[\w.-]+:/);
        expect(verifyXmlSignature(signed.xml).problems).toEqual([]);
      }
    });

    it('keeps the ds prefix by default, and refuses a prefix or a placement it cannot write', () => {
      const xml = fixture('signNFe_modelo_55.xml');
      const id = 'NFe43180906929383000163550010000000261000010301';
      const options = { ...SEFAZ_PROFILE, referenceId: id };
      const prefixed = signEnveloped(xml, signer.key, 'reference-parent', { ...options, prefix: undefined });
      expect(prefixed.xml).toContain(`<ds:Signature xmlns:ds="${XMLDSIG_NS}">`);
      expect(productVerifies(prefixed.xml).valid).toBe(true);
      const code = (sign: () => unknown) => {
        try {
          sign();
        } catch (error) {
          return error instanceof EInvoiceError ? error.code : String(error);
        }
        return 'signed';
      };
      expect(
        code(() => signEnveloped(xml, signer.key, 'reference-parent', { ...options, prefix: 'a:b' })),
      ).toBe('sign.unsupported');
      expect(
        code(() => signEnveloped(xml, signer.key, 'reference-parent', { ...options, prefix: 'xmlns' })),
      ).toBe('sign.unsupported');
      expect(code(() => signEnveloped(xml, signer.key, 'reference-parent', SEFAZ_PROFILE))).toBe(
        'sign.invalid-placement',
      );
      expect(
        code(() => signEnveloped(xml, signer.key, 'reference-parent', { ...options, referenceId: 'NFe0' })),
      ).toBe('sign.invalid-reference');
      // The root element has no parent element to hold its signature.
      const rooted = `<infNFe xmlns="${NFE_NS}" Id="${id}"><ide/></infNFe>`;
      expect(code(() => signEnveloped(rooted, signer.key, 'reference-parent', options))).toBe(
        'sign.invalid-reference',
      );
    });

    it('is what a flow’s sign-xml step writes with the profile’s parameters (SHA-1 only when allowed)', async () => {
      const registry = new ActionRegistry().register(
        signXmlAction({ get: () => Promise.resolve(signer.credential) }),
      );
      const id = 'NFe43180906929383000163550010000000261000010301';
      const params = {
        certificate: 'nfe',
        input: 'nfe.xml',
        referenceId: id,
        placement: 'reference-parent',
        canonicalization: 'inclusive',
        algorithm: 'rsa-sha1',
        allowSha1: true,
        prefix: '',
      };
      expect(registry.checkParams('sign-xml', params)).toEqual([]);
      const { allowSha1: _allowed, ...withoutAllowance } = params;
      expect(registry.checkParams('sign-xml', withoutAllowance)).not.toEqual([]);
      const { referenceId: _id, ...withoutReference } = params;
      expect(registry.checkParams('sign-xml', withoutReference)).not.toEqual([]);
      expect(registry.checkParams('sign-xml', { ...params, prefix: 'ds:x' })).not.toEqual([]);
      expect(registry.checkParams('sign-xml', { ...params, prefix: 'ds' })).toEqual([]);

      const written: Record<string, string> = {};
      const result = await registry.get('sign-xml').run({
        params,
        readArtifact: () => Promise.resolve(Buffer.from(fixture('signNFe_modelo_55.xml'))),
        writeArtifact: (name: string, content: string | Buffer) => {
          written[name] = content.toString();
          return Promise.resolve();
        },
      } as unknown as ActionContext);
      expect(result.outcome).toBe('accepted');
      const direct = signEnveloped(fixture('signNFe_modelo_55.xml'), signer.key, 'reference-parent', {
        ...SEFAZ_PROFILE,
        referenceId: id,
      });
      expect(written['signed.xml']).toBe(direct.xml);
    });
  });

  describe('the SEFAZ schemas', () => {
    async function errorsOf(schema: string, documents: Record<string, string>) {
      const results = await validateXsd(join(corpus, SCHEMAS, schema), documents);
      return results.map((r) => [r.file, r.errors.map((e) => e.message)]);
    }
    const signNFe = (options: XmlSignOptions = {}) =>
      signEnveloped(fixture('signNFe_modelo_55.xml'), signer.key, 'reference-parent', {
        ...SEFAZ_PROFILE,
        referenceId: 'NFe43180906929383000163550010000000261000010301',
        ...options,
      }).xml;

    it('accept the NF-e, the event request and the inutilização the service signs', async () => {
      expect(await errorsOf('nfe_v4.00.xsd', { 'nfe.xml': signNFe() })).toEqual([['nfe.xml', []]]);
      const event = withoutSignature(
        asSigned(fixture('exemplo_xml_sefazCancela.xml'), 'exemplo_xml_sefazCancela.xml'),
      );
      const signedEvent = signEnveloped(event, signer.key, 'reference-parent', {
        ...SEFAZ_PROFILE,
        referenceId: /<infEvento Id="([^"]+)"/.exec(event)![1]!,
      }).xml;
      const envEvento = elementText(signedEvent, 'envEvento');
      expect(await errorsOf('envEvento_v1.00.xsd', { 'evento.xml': envEvento })).toEqual([
        ['evento.xml', []],
      ]);
      expect(await errorsOf('envEventoCancNFe_v1.00.xsd', { 'evento.xml': envEvento })).toEqual([
        ['evento.xml', []],
      ]);
      const inutilizacao = withoutSignature(
        asSigned(fixture('exemplo_xml_inutiliza.xml'), 'exemplo_xml_inutiliza.xml'),
      );
      const signedInut = signEnveloped(inutilizacao, signer.key, 'reference-parent', {
        ...SEFAZ_PROFILE,
        referenceId: /<infInut Id="([^"]+)"/.exec(inutilizacao)![1]!,
      }).xml;
      expect(await errorsOf('inutNFe_v4.00.xsd', { 'inut.xml': elementText(signedInut, 'inutNFe') })).toEqual(
        [['inut.xml', []]],
      );
    });

    it('refuse a signature outside the profile', async () => {
      // The schema fixes the algorithms; it does not see prefixes (SEFAZ's rejection 404 is checked above).
      const [[, sha256]] = (await errorsOf('nfe_v4.00.xsd', {
        'nfe.xml': signNFe({ algorithm: 'rsa-sha256' }),
      })) as [[string, string[]]];
      expect(sha256.join('\n')).toMatch(/SignatureMethod/);
      const [[, exclusive]] = (await errorsOf('nfe_v4.00.xsd', {
        'nfe.xml': signNFe({ canonicalization: 'exclusive' }),
      })) as [[string, string[]]];
      expect(exclusive.join('\n')).toMatch(/CanonicalizationMethod/);
    });
  });
});

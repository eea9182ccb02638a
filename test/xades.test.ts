import * as xmldom from '@xmldom/xmldom';
import * as xadesjs from 'xadesjs';
import xpath from 'xpath';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { verifyXmlSignature } from '../shared/signing/verify';
import { signEnveloped, XADES_NS, type XmlSigningKey } from '../shared/signing/xmldsig';
import { testSigner } from './support/signer';

xadesjs.Application.setEngine('NodeJS', globalThis.crypto);
xadesjs.setNodeDependencies({
  DOMParser: xmldom.DOMParser,
  XMLSerializer: xmldom.XMLSerializer,
  DOMImplementation: xmldom.DOMImplementation,
  xpath,
} as never);

let key: XmlSigningKey;

beforeAll(async () => {
  ({ key } = await testSigner('xades', 'XAdES test signer'));
});

async function xadesjsVerifies(xml: string): Promise<{ valid: boolean; signingTime?: Date }> {
  const doc = xadesjs.Parse(xml);
  const signed = new xadesjs.SignedXml(doc);
  signed.LoadXml(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!);
  try {
    const valid = await signed.Verify();
    return { valid, signingTime: signed.SignedProperties.SignedSignatureProperties.SigningTime.Value };
  } catch {
    return { valid: false };
  }
}

describe('XAdES-BES', () => {
  const signingTime = new Date('2026-11-22T10:00:00Z');

  it("carries signing time and the signing certificate's digest and issuer/serial", () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(2)), key, 'root-end', {
      profile: 'xades-bes',
      signingTime,
    });
    expect(xml).toContain(`xmlns:xades="${XADES_NS}"`);
    expect(xml).toContain('<xades:SigningTime>2026-11-22T10:00:00Z</xades:SigningTime>');
    expect(xml).toContain(
      `<ds:X509SerialNumber xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${BigInt(`0x${key.certificate.serialNumber}`).toString()}</ds:X509SerialNumber>`,
    );
    expect(xml).toContain('Type="http://uri.etsi.org/01903#SignedProperties"');
  });

  it('verifies with xadesjs (signature at the end of the root, as FatturaPA places it)', async () => {
    const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(5)), key, 'root-end', {
      profile: 'xades-bes',
      signingTime,
    });
    expect(await xadesjsVerifies(xml)).toEqual({ valid: true, signingTime });
    expect((await xadesjsVerifies(xml.replace('Beispiel AG', 'Beispiel AH'))).valid).toBe(false);
    expect((await xadesjsVerifies(xml.replace('2026-11-22T10:00:00Z', '2026-11-22T11:00:00Z'))).valid).toBe(
      false,
    );
  });

  it("verifies with the service's verifier, in UBL extensions and at the end of the root", () => {
    for (const placement of ['ubl-extensions', 'root-end'] as const) {
      const { xml } = signEnveloped(renderPeppolUbl(sampleInvoice(3)), key, placement, {
        profile: 'xades-bes',
      });
      expect(verifyXmlSignature(xml).problems).toEqual([]);
      expect(
        verifyXmlSignature(xml.replace(/<xades:SigningTime>\d{4}/, '<xades:SigningTime>1999')).valid,
      ).toBe(false);
    }
  });
});

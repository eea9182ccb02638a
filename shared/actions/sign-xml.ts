import { SignedXml } from 'xml-crypto';
import type { Action } from '../engine/action';
import { EInvoiceError } from '../errors';
import type { CertificateStore } from '../ports/certificate-store';

const ALGORITHMS = {
  'rsa-sha256': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
} as const;
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const UBL_EXT = 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2';

/** Inserts an empty `ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent` as the root's first child. */
function withUblExtension(xml: string): string {
  const rootStart = /<(?!\?|!)([A-Za-z_][\w.-]*)(\s[^>]*)?>/.exec(xml);
  if (!rootStart) throw new EInvoiceError('sign.invalid-xml', 'The document has no root element');
  const end = rootStart.index + rootStart[0].length;
  const extension =
    `<ext:UBLExtensions xmlns:ext="${UBL_EXT}"><ext:UBLExtension><ext:ExtensionContent>` +
    `</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>`;
  return xml.slice(0, end) + extension + xml.slice(end);
}

/**
 * Signs an XML document with an enveloped XMLDSig signature (whole document, exclusive c14n,
 * RSA-SHA256 over SHA-256 digests, the certificate in KeyInfo).
 */
export function signXml(
  xml: string,
  key: { privateKey: import('node:crypto').KeyObject; certificatePem: string },
  placement: 'ubl-extensions' | 'root-end',
): string {
  const document = placement === 'ubl-extensions' ? withUblExtension(xml) : xml;
  const signer = new SignedXml({
    privateKey: key.privateKey,
    publicCert: key.certificatePem,
    signatureAlgorithm: ALGORITHMS['rsa-sha256'],
    canonicalizationAlgorithm: EXC_C14N,
  });
  signer.addReference({
    xpath: '/*',
    digestAlgorithm: SHA256,
    transforms: [ENVELOPED, EXC_C14N],
    isEmptyUri: true,
  });
  signer.computeSignature(document, {
    prefix: 'ds',
    location:
      placement === 'ubl-extensions'
        ? {
            reference: "/*/*[local-name()='UBLExtensions']/*[1]/*[local-name()='ExtensionContent']",
            action: 'append',
          }
        : { reference: '/*', action: 'append' },
  });
  return signer.getSignedXml();
}

/** `sign-xml`: enveloped XMLDSig with a certificate from the certificate store. */
export function signXmlAction(certificates: CertificateStore): Action {
  return {
    name: 'sign-xml',
    stage: 'sign',
    description: 'Sign an XML artifact with an enveloped XMLDSig signature',
    paramsSchema: {
      type: 'object',
      required: ['certificate', 'input'],
      additionalProperties: false,
      properties: {
        certificate: { type: 'string', minLength: 1 },
        input: { type: 'string' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        algorithm: { enum: Object.keys(ALGORITHMS) },
        placement: { enum: ['ubl-extensions', 'root-end'] },
      },
    },
    async run(context) {
      const input = context.params.input as string;
      const output = (context.params.output as string | undefined) ?? 'signed.xml';
      const placement =
        (context.params.placement as 'ubl-extensions' | 'root-end' | undefined) ?? 'ubl-extensions';
      const credential = await certificates.get(context.params.certificate as string);
      const xml = (await context.readArtifact(input)).toString('utf8');
      const signed = signXml(
        xml,
        { privateKey: credential.privateKey, certificatePem: credential.certificates[0]!.toString() },
        placement,
      );
      await context.writeArtifact(output, signed, 'application/xml');
      return { outcome: 'accepted' };
    },
  };
}

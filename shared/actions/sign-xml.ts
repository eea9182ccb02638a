import type { Action } from '../engine/action';
import type { CertificateStore } from '../ports/certificate-store';
import { checkSigningCertificate } from '../signing/credentials';
import { signEnveloped, type SignaturePlacement, type SignatureProfile } from '../signing/xmldsig';

/** `sign-xml`: enveloped XMLDSig or XAdES-BES with a certificate from the certificate store. */
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
        algorithm: { enum: ['rsa-sha256'] },
        placement: { enum: ['ubl-extensions', 'root-end'] },
        profile: { enum: ['xmldsig', 'xades-bes'] },
      },
    },
    async run(context) {
      const input = context.params.input as string;
      const output = (context.params.output as string | undefined) ?? 'signed.xml';
      const placement = (context.params.placement as SignaturePlacement | undefined) ?? 'ubl-extensions';
      const credential = await certificates.get(context.params.certificate as string);
      const notice = checkSigningCertificate(credential);
      const xml = (await context.readArtifact(input)).toString('utf8');
      const signed = signEnveloped(
        xml,
        { privateKey: credential.privateKey, certificate: credential.certificates[0]! },
        placement,
        { profile: (context.params.profile as SignatureProfile | undefined) ?? 'xmldsig' },
      );
      await context.writeArtifact(output, signed.xml, 'application/xml');
      return { outcome: 'accepted', ...notice };
    },
  };
}

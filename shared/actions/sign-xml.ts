import type { Action } from '../engine/action';
import type { CertificateStore } from '../ports/certificate-store';
import { checkSigningCertificate } from '../signing/credentials';
import { inlineXmlSigner, type XmlSigner } from '../signing/signing-pool';
import {
  XML_CANONICALIZATIONS,
  XML_DIGEST_ALGORITHMS,
  type XmlDigestAlgorithm,
  XML_SIGNATURE_ALGORITHMS,
  type SignaturePlacement,
  type SignatureProfile,
  type XmlCanonicalization,
  type XmlSignatureAlgorithm,
} from '../signing/xmldsig';

/**
 * `sign-xml`: enveloped XMLDSig or XAdES-BES with a certificate from the certificate store, signed by
 * `signer` (in this thread, or on signing threads).
 */
export function signXmlAction(certificates: CertificateStore, signer: XmlSigner = inlineXmlSigner): Action {
  return {
    name: 'sign-xml',
    stage: 'sign',
    description: 'Sign an XML artifact with an enveloped XMLDSig signature',
    paramsSchema: {
      type: 'object',
      required: ['certificate', 'input'],
      additionalProperties: false,
      // SHA-1 (as signature or digest algorithm) is refused unless the flow allows it: checked when it loads.
      allOf: [
        {
          if: { required: ['algorithm'], properties: { algorithm: { const: 'rsa-sha1' } } },
          then: { required: ['allowSha1'], properties: { allowSha1: { const: true } } },
        },
        {
          if: { required: ['digest'], properties: { digest: { const: 'sha1' } } },
          then: { required: ['allowSha1'], properties: { allowSha1: { const: true } } },
        },
      ],
      properties: {
        certificate: { type: 'string', minLength: 1 },
        input: { type: 'string' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        algorithm: { enum: Object.keys(XML_SIGNATURE_ALGORITHMS) },
        digest: { enum: Object.keys(XML_DIGEST_ALGORITHMS) },
        allowSha1: { type: 'boolean' },
        canonicalization: { enum: Object.keys(XML_CANONICALIZATIONS) },
        keyInfo: { enum: ['certificate', 'chain', 'key-value'] },
        placement: { enum: ['ubl-extensions', 'root-end'] },
        parent: { type: 'string', pattern: '^[A-Za-z_][\\w.-]*(:[A-Za-z_][\\w.-]*)?$' },
        referenceId: { type: 'string', pattern: '^[A-Za-z_][\\w.-]*$' },
        profile: { enum: ['xmldsig', 'xades-bes'] },
      },
    },
    async run(context) {
      const input = context.params.input as string;
      const output = (context.params.output as string | undefined) ?? 'signed.xml';
      const parent = context.params.parent as string | undefined;
      const placement: SignaturePlacement = parent
        ? { parent }
        : ((context.params.placement as 'ubl-extensions' | 'root-end' | undefined) ?? 'ubl-extensions');
      const credential = await certificates.get(context.params.certificate as string);
      const notice = checkSigningCertificate(credential);
      const xml = await context.readArtifact(input);
      const signed = await signer.sign(xml, credential, {
        placement,
        profile: (context.params.profile as SignatureProfile | undefined) ?? 'xmldsig',
        ...(context.params.algorithm ? { algorithm: context.params.algorithm as XmlSignatureAlgorithm } : {}),
        ...(context.params.digest ? { digest: context.params.digest as XmlDigestAlgorithm } : {}),
        ...(context.params.canonicalization
          ? { canonicalization: context.params.canonicalization as XmlCanonicalization }
          : {}),
        ...(context.params.keyInfo
          ? { keyInfo: context.params.keyInfo as 'certificate' | 'chain' | 'key-value' }
          : {}),
        ...(context.params.referenceId ? { referenceId: context.params.referenceId as string } : {}),
      });
      await context.writeArtifact(output, signed.xml, 'application/xml');
      return { outcome: 'accepted', ...notice };
    },
  };
}

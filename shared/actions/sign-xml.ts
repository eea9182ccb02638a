import type { Action } from '../engine/action';
import type { CertificateStore } from '../ports/certificate-store';
import { checkSigningCertificate } from '../signing/credentials';
import { inlineXmlSigner, type XmlSigner, type XmlSignRequest } from '../signing/signing-pool';
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
 * `signer` (in this thread, or on signing threads). Brazil's NF-e profile (MOC 7.0) is `referenceId` (the
 * `infNFe`, `infEvento` or `infInut` Id), `placement: reference-parent`, `canonicalization: inclusive`,
 * `algorithm: rsa-sha1` with `allowSha1`, and `prefix: ''`.
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
      // SHA-1 (as signature or digest algorithm) is refused unless the flow allows it, and reference-parent
      // has no place without referenceId: checked when the flow loads.
      allOf: [
        {
          if: { required: ['algorithm'], properties: { algorithm: { const: 'rsa-sha1' } } },
          then: { required: ['allowSha1'], properties: { allowSha1: { const: true } } },
        },
        {
          if: { required: ['digest'], properties: { digest: { const: 'sha1' } } },
          then: { required: ['allowSha1'], properties: { allowSha1: { const: true } } },
        },
        {
          if: { required: ['placement'], properties: { placement: { const: 'reference-parent' } } },
          then: { required: ['referenceId'], properties: { referenceId: { type: 'string' } } },
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
        // reference-parent: the last child of the signed element's parent (with referenceId), as NF-e has it.
        placement: { enum: ['ubl-extensions', 'root-end', 'reference-parent'] },
        parent: { type: 'string', pattern: '^[A-Za-z_][\\w.-]*(:[A-Za-z_][\\w.-]*)?$' },
        referenceId: { type: 'string', pattern: '^[A-Za-z_{][\\w.{}-]*$' },
        profile: { enum: ['xmldsig', 'xades-bes'] },
        // '' writes the signature unprefixed (SEFAZ refuses prefixes); default ds.
        prefix: { type: 'string', pattern: '^((?![Xx][Mm][Ll])[A-Za-z_][\\w.-]*)?$' },
      },
    },
    async run(context) {
      const input = context.params.input as string;
      const output = (context.params.output as string | undefined) ?? 'signed.xml';
      const parent = context.params.parent as string | undefined;
      const placement: SignaturePlacement = parent
        ? { parent }
        : ((context.params.placement as Exclude<SignaturePlacement, { parent: string }> | undefined) ??
          'ubl-extensions');
      const credential = await certificates.get(context.params.certificate as string);
      const notice = checkSigningCertificate(credential);
      const xml = await context.readArtifact(input);
      const request: XmlSignRequest = {
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
        ...(typeof context.params.prefix === 'string' ? { prefix: context.params.prefix } : {}),
      };
      // Both signers hand every option of the request on to signEnveloped, the prefix with the rest.
      const signed = await signer.sign(xml, credential, request);
      await context.writeArtifact(output, signed.xml, 'application/xml');
      return { outcome: 'accepted', ...notice };
    },
  };
}

import type { Action } from '../engine/action';
import type { CertificateStore } from '../ports/certificate-store';
import { signCades } from '../signing/cades';
import { checkSigningCertificate } from '../signing/credentials';

/**
 * `sign-cades`: wraps an artifact (a FatturaPA invoice) in a CAdES-BES attached signature, the DER `.p7m`
 * envelope SDI accepts, with a certificate from the certificate store.
 */
export function signCadesAction(certificates: CertificateStore): Action {
  return {
    name: 'sign-cades',
    stage: 'sign',
    description: 'Sign an artifact as a CAdES-BES .p7m envelope (CMS SignedData, content attached)',
    paramsSchema: {
      type: 'object',
      required: ['certificate', 'input'],
      additionalProperties: false,
      properties: {
        certificate: { type: 'string', minLength: 1 },
        input: { type: 'string' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      },
    },
    async run(context) {
      const input = context.params.input as string;
      const output = (context.params.output as string | undefined) ?? 'signed.xml.p7m';
      const credential = await certificates.get(context.params.certificate as string);
      const notice = checkSigningCertificate(credential);
      const p7m = signCades(await context.readArtifact(input), credential);
      await context.writeArtifact(output, p7m, 'application/pkcs7-mime');
      return { outcome: 'accepted', ...notice };
    },
  };
}

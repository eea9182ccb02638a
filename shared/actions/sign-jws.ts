import type { Action } from '../engine/action';
import type { CertificateStore } from '../ports/certificate-store';
import { checkSigningCertificate } from '../signing/credentials';
import { signJws, type JwsAlgorithm, type JwsSerialization } from '../signing/jws';

/** `sign-jws`: signs a JSON artifact as a JWS (compact or JSON serialization), certificate chain in `x5c`. */
export function signJwsAction(certificates: CertificateStore): Action {
  return {
    name: 'sign-jws',
    stage: 'sign',
    description: 'Sign a JSON artifact as a JWS',
    paramsSchema: {
      type: 'object',
      required: ['certificate', 'input'],
      additionalProperties: false,
      properties: {
        certificate: { type: 'string', minLength: 1 },
        input: { type: 'string' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        algorithm: { enum: ['RS256', 'PS256', 'ES256'] },
        serialization: { enum: ['compact', 'json'] },
      },
    },
    async run(context) {
      const credential = await certificates.get(context.params.certificate as string);
      const notice = checkSigningCertificate(credential);
      const serialization = (context.params.serialization as JwsSerialization | undefined) ?? 'compact';
      const jws = signJws(await context.readArtifact(context.params.input as string), credential, {
        ...(context.params.algorithm ? { algorithm: context.params.algorithm as JwsAlgorithm } : {}),
        serialization,
      });
      const output =
        (context.params.output as string | undefined) ??
        (serialization === 'json' ? 'signed.jws.json' : 'signed.jws');
      await context.writeArtifact(
        output,
        jws,
        serialization === 'json' ? 'application/jose+json' : 'application/jose',
      );
      return { outcome: 'accepted', ...notice };
    },
  };
}

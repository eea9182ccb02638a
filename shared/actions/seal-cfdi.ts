import type { Action } from '../engine/action';
import type { CertificateStore } from '../ports/certificate-store';
import { sealCfdi } from '../signing/cfdi-seal';
import { satCertificateInfo, type SatCsd } from '../signing/sat-csd';
import { expressionParts } from '../connectors/sat/consulta';
import { parseXmlTree } from '../xml/xml-tree';

/**
 * `seal-cfdi`: seals a CFDI with the company's CSD (from the certificate store: SAT's `.cer` and `.key` in the
 * key folder, or any form the store reads): the cadena original computed natively as SAT's stylesheet does,
 * RSA-SHA256, `NoCertificado`, `Certificado` and `Sello` written on the Comprobante. The CSD is checked first:
 * a CSD (not an e.firma), valid at the CFDI's time of sealing, of the Emisor's RFC (`csd.*`, rejected).
 * Records what SAT's status query and a cancellation name the CFDI by: `rfcEmisor`, `rfcReceptor`, `total`,
 * `selloTail` (the seal's last 8 characters).
 */
export function sealCfdiAction(certificates: CertificateStore): Action {
  return {
    name: 'seal-cfdi',
    stage: 'sign',
    description: "Seal a CFDI with the company's CSD (cadena original, Sello, NoCertificado, Certificado)",
    paramsSchema: {
      type: 'object',
      required: ['certificate', 'input'],
      additionalProperties: false,
      properties: {
        certificate: { type: 'string', minLength: 1 },
        input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      },
    },
    async run(context) {
      const input = context.params.input as string;
      const output = (context.params.output as string | undefined) ?? 'sealed.xml';
      const credential = await certificates.get(context.params.certificate as string);
      const csd: SatCsd =
        'noCertificado' in credential
          ? (credential as SatCsd)
          : { ...credential, ...satCertificateInfo(credential.certificates[0]!) };
      const sealed = sealCfdi((await context.readArtifact(input)).toString('utf8'), csd);
      await context.writeArtifact(output, sealed, 'application/xml');
      // what SAT's status query and a cancellation name the CFDI by (re, rr, tt, fe)
      const { re, rr, tt, fe } = expressionParts(parseXmlTree(sealed));
      return {
        outcome: 'accepted',
        variables: {
          noCertificado: csd.noCertificado,
          rfcEmisor: re,
          rfcReceptor: rr,
          total: tt,
          selloTail: fe,
        },
      };
    },
  };
}

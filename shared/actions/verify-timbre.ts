import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Action } from '../engine/action';
import type { Connectors } from '../connectors/call';
import { EInvoiceError, isEInvoiceError } from '../errors';
import { findTimbre } from '../signing/cfdi-cadena';
import { verifyCfdiSeal, verifyTimbre } from '../signing/cfdi-seal';
import { satCertificate } from '../signing/sat-csd';
import { parseXmlTree, type XmlTreeElement } from '../xml/xml-tree';

/** SAT certificates fetched, by number: public, few (SAT stamps with a handful), kept for the process. */
const CACHE_MAX = 64;

/**
 * SAT's folder of a certificate number, as its certificate repository lays them out: 6, 6, 2, 2 and 2 digits
 * (`00001000000504465028` → `000010/000005/04/46/50`).
 */
export function satCertificatePath(noCertificado: string): string {
  const n = noCertificado;
  return [n.slice(0, 6), n.slice(6, 12), n.slice(12, 14), n.slice(14, 16), n.slice(16, 18)].join('/');
}

/**
 * `verify-timbre`: checks the stamped CFDI a PAC returned (`input`, default `cfdi-timbrado.xml`) before it is
 * trusted: SelloSAT verifies over the TimbreFiscalDigital's cadena original with SAT's certificate named by
 * NoCertificadoSAT, SelloCFD is the CFDI's Sello, and the CFDI's own seal still verifies (the PAC changed
 * nothing). SAT's certificate comes from the folder `certificates` (`<number>.cer`, DER or PEM), else from
 * the repository at `certificateUrl`, laid out as SAT's (`<url>/<6/6/2/2/2 digits of the number>/<number>.cer`:
 * https://rdc.sat.gob.mx/rccf, or the PAC stand-in's `/certificates`), kept in memory once fetched. A stamp that does not verify is rejected (`timbre.invalid`, each problem
 * located); a certificate that cannot be had is transient (`timbre.certificate-unavailable`).
 */
export function verifyTimbreAction(connectors: Connectors): Action {
  const fetched = new Map<string, Buffer>();
  return {
    name: 'verify-timbre',
    stage: 'response',
    description: "Verify a PAC's stamp (SelloSAT) with SAT's certificate",
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        certificates: { type: 'string' },
        certificateUrl: { type: 'string', pattern: '^(https?://|\\{|%|$)' },
      },
    },
    async run(context) {
      const params = context.params as { input?: string; certificates?: string; certificateUrl?: string };
      const xml = (await context.readArtifact(params.input ?? 'cfdi-timbrado.xml')).toString('utf8');
      let root: XmlTreeElement;
      let number: string | undefined;
      try {
        root = parseXmlTree(xml);
        number = findTimbre(root)?.getAttribute('NoCertificadoSAT') ?? undefined;
      } catch (error) {
        if (isEInvoiceError(error))
          return {
            outcome: 'rejected',
            code: 'timbre.invalid',
            message: error.message,
            details: error.details,
          };
        throw error;
      }
      if (!number || !/^[0-9]{20}$/.test(number))
        return {
          outcome: 'rejected',
          code: 'timbre.invalid',
          message: `The stamp names no SAT certificate (NoCertificadoSAT ${JSON.stringify(number ?? null)})`,
        };
      const local =
        params.certificates &&
        ['.cer', '.cer.pem', '.pem'].map((ext) => join(params.certificates!, number + ext)).find(existsSync);
      let certificate = local ? readFileSync(local) : fetched.get(number);
      if (!certificate && params.certificateUrl) {
        const url = `${params.certificateUrl.replace(/\/+$/, '')}/${satCertificatePath(number)}/${number}.cer`;
        try {
          const answer = await connectors.http.send({
            url,
            method: 'GET',
            headers: {},
            timeoutMs: 30_000,
            signal: context.signal,
          });
          if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
          satCertificate(answer.body); // a certificate, or it throws
          certificate = answer.body;
          if (fetched.size >= CACHE_MAX) fetched.clear();
          fetched.set(number, certificate);
        } catch (error) {
          throw new EInvoiceError(
            'timbre.certificate-unavailable',
            `SAT's certificate ${number} could not be had from ${new URL(url).host}: ${(error as Error).message}`,
            { retryable: true },
          );
        }
      }
      if (!certificate)
        throw new EInvoiceError(
          'timbre.certificate-unavailable',
          `SAT's certificate ${number} is not in ${params.certificates ?? '(no certificate folder)'} and no certificateUrl is set`,
          { retryable: true },
        );
      const timbre = verifyTimbre(root, certificate);
      const seal = verifyCfdiSeal(root);
      const problems = [...timbre.problems, ...(seal.valid ? [] : seal.problems)];
      if (problems.length > 0)
        return {
          outcome: 'rejected',
          code: 'timbre.invalid',
          message: `The stamp does not verify: ${problems.map((p) => p.message).join('; ')}`,
          details: problems,
        };
      return {
        outcome: 'accepted',
        message: `SelloSAT verified with SAT's certificate ${number}`,
        noticeLevel: 'info',
      };
    },
  };
}

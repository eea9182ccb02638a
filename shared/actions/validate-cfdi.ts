import type { Action } from '../engine/action';
import { checkCfdiAmounts } from '../rules/mx/cfdi-checks';
import { checkCfdiCatalogues, LARGE_CATALOGUES, satCatalogues } from '../rules/mx/sat-catalogues';
import { parseXmlTree } from '../xml/xml-tree';

/**
 * `validate-cfdi`: the checks SAT makes of a CFDI 4.0 that can be made before it is sealed and stamped
 * (SubTotal, Descuento, Total, TipoCambio, the limits of each Importe, the tax summaries, the currency's
 * decimals, the comprobante's type and the foreign receptor: shared/rules/mx/cfdi-checks.ts), and, where SAT's
 * catalogue schema is installed in the schema folder (`schemasDir`), the codes of its very large catalogues
 * (c_ClaveProdServ, c_ClaveUnidad, c_CodigoPostal: shared/rules/mx/sat-catalogues.ts). Each finding has the
 * code of SAT's Matriz de errores (CFDI40119 …) and where it is; the file is rejected with all of them
 * (`cfdi-report.json`), as the PAC would reject it. Without the catalogues it passes with a notice
 * (`catalogue.not-installed`) saying what was not checked and where the catalogue schema was looked for.
 */
export function validateCfdiAction(schemasDir?: string): Action {
  return {
    name: 'validate-cfdi',
    stage: 'transform',
    pure: true,
    description: "SAT's checks of a CFDI 4.0 (codes CFDI40108 …), before it is sealed and stamped",
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' } },
    },
    async run(context) {
      const input = (context.params.input as string | undefined) ?? 'cfdi.xml';
      const root = parseXmlTree((await context.readArtifact(input)).toString('utf8'));
      const catalogues = satCatalogues(schemasDir);
      const findings = [
        ...checkCfdiAmounts(root),
        ...('missing' in catalogues ? [] : checkCfdiCatalogues(root, catalogues)),
      ];
      if (findings.length === 0)
        return 'missing' in catalogues
          ? {
              outcome: 'accepted',
              code: 'catalogue.not-installed',
              message: `${LARGE_CATALOGUES.join(', ')} not checked: ${catalogues.missing}`,
              noticeLevel: 'info',
            }
          : { outcome: 'accepted' };
      await context.writeArtifact(
        'cfdi-report.json',
        JSON.stringify({ valid: false, findings }, null, 2),
        'application/json',
      );
      return {
        outcome: 'rejected',
        code: 'cfdi.amounts',
        message: `${findings.length} CFDI check${findings.length === 1 ? '' : 's'} failed: ${[...new Set(findings.map((f) => f.code))].join(', ')}`,
        details: findings.map((f) => ({ code: f.code, message: f.message, location: f.location })),
      };
    },
  };
}

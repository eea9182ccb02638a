import type { Action } from '../engine/action';
import { checkCfdiAmounts } from '../rules/mx/cfdi-checks';

/**
 * `validate-cfdi`: the amount and consistency checks SAT makes of a CFDI 4.0 that can be made before it is
 * sealed and stamped (SubTotal, Descuento, Total, TipoCambio, the limits of each Importe, the tax summaries,
 * shared/rules/mx/cfdi-checks.ts), each finding with the code of SAT's Matriz de errores (CFDI40119 …) and
 * where it is; the file is rejected with all of them (`cfdi-report.json`), as the PAC would reject it.
 */
export function validateCfdiAction(): Action {
  return {
    name: 'validate-cfdi',
    stage: 'transform',
    pure: true,
    description: "SAT's amount checks of a CFDI 4.0 (codes CFDI40108 …), before it is sealed and stamped",
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' } },
    },
    async run(context) {
      const input = (context.params.input as string | undefined) ?? 'cfdi.xml';
      const xml = (await context.readArtifact(input)).toString('utf8');
      const findings = checkCfdiAmounts(xml);
      if (findings.length === 0) return { outcome: 'accepted' };
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

import type { Action } from '../engine/action';
import { checkNfeTotals } from '../rules/br/nfe-checks';

/**
 * `validate-nfe`: the cross-checks SEFAZ makes of an NF-e's totals against its items (ICMSTot, each item's
 * vProd; shared/rules/br/nfe-checks.ts), before it is signed: each finding with SEFAZ's rejection code (531 …)
 * and text, and where it is; the NF-e is rejected with all of them (`nfe-report.json`), as the authoriser
 * would reject it.
 */
export function validateNfeAction(): Action {
  return {
    name: 'validate-nfe',
    stage: 'transform',
    pure: true,
    description: "SEFAZ's cross-checks of an NF-e's totals (codes 531 …), before it is signed",
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' } },
    },
    async run(context) {
      const input = (context.params.input as string | undefined) ?? 'nfe.xml';
      const findings = checkNfeTotals((await context.readArtifact(input)).toString('utf8'));
      if (findings.length === 0) return { outcome: 'accepted' };
      await context.writeArtifact(
        'nfe-report.json',
        JSON.stringify({ valid: false, findings }, null, 2),
        'application/json',
      );
      return {
        outcome: 'rejected',
        code: 'nfe.totals',
        message: `${findings.length} NF-e check${findings.length === 1 ? '' : 's'} failed: ${[...new Set(findings.map((f) => f.code))].join(', ')}`,
        details: findings.map((f) => ({
          code: f.code,
          message: `${f.xMotivo}: ${f.message}`,
          location: f.location,
        })),
      };
    },
  };
}

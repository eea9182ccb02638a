import type { Action } from '../engine/action';
import { checkSdiContent } from '../rules/it/sdi-checks';
import { parseXmlTree } from '../xml/xml-tree';

/**
 * `validate-sdi`: the content checks SDI makes of a FatturaPA file that can be made before sending it (the
 * 00400 family: totals per rate, Natura against the rate, dates, …, shared/rules/it/sdi-checks.ts), each
 * finding with SDI's error code and where it is; the file is rejected with all of them (`sdi-report.json`),
 * as SDI would reject it. Records `formatoTrasmissione` (FPA12, FPR12) and `sdiFinal`, the event that ends
 * the wait for a delivered file: `delivered` (SDI's receipt) for FPR12, `accepted` (the public
 * administration's EC01) for FPA12.
 */
export function validateSdiAction(today: () => Date = () => new Date()): Action {
  return {
    name: 'validate-sdi',
    stage: 'transform',
    pure: true,
    description: "SDI's content checks of a FatturaPA file (codes 00400 …), before it is sent",
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { input: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' } },
    },
    async run(context) {
      const input = (context.params.input as string | undefined) ?? 'fattura.xml';
      const xml = (await context.readArtifact(input)).toString('utf8');
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(today());
      const findings = checkSdiContent(xml, { today: day });
      const formato = parseXmlTree(xml).getAttribute('versione') ?? '';
      const variables = {
        formatoTrasmissione: formato,
        sdiFinal: formato === 'FPA12' ? 'accepted' : 'delivered',
      };
      if (findings.length === 0) return { outcome: 'accepted', variables };
      await context.writeArtifact(
        'sdi-report.json',
        JSON.stringify({ valid: false, findings }, null, 2),
        'application/json',
      );
      return {
        outcome: 'rejected',
        code: 'sdi.content',
        message: `${findings.length} SDI check${findings.length === 1 ? '' : 's'} failed: ${[...new Set(findings.map((f) => f.code))].join(', ')}`,
        details: findings.map((f) => ({ code: f.code, message: f.message, location: f.location })),
        variables,
      };
    },
  };
}

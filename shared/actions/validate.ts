import { join } from 'node:path';
import type { Action } from '../engine/action';
import type { CanonicalInvoice } from '../model/invoice';
import { packageRoot } from '../util/package-root';
import { parseJson } from '../util/json';
import { compileSchemaFile, toProblems } from '../validation/schema';
import type { ProblemDetail } from '../errors';

const SCHEMAS = { invoice: 'invoice.schema.json' } as const;

/** Validates a canonical JSON document against its schema: every problem, with its JSON path. */
export function validateCanonical(value: unknown, schema: keyof typeof SCHEMAS = 'invoice'): ProblemDetail[] {
  const validate = compileSchemaFile<CanonicalInvoice>(
    join(packageRoot(), 'shared', 'model', 'schemas', SCHEMAS[schema]),
  );
  return validate(value) ? [] : toProblems(validate.errors);
}

/**
 * `validate`: checks the canonical document; a document with problems is rejected (not retried) with the
 * problems on the record and in the artifact `validation.json`.
 */
export const validateAction: Action = {
  name: 'validate',
  stage: 'transform',
  description: 'Validate the canonical document against its JSON Schema',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      input: { type: 'string', default: 'input.json' },
      schema: { enum: Object.keys(SCHEMAS) },
    },
  },
  async run(context) {
    const input = (context.params.input as string | undefined) ?? 'input.json';
    const schema = (context.params.schema as keyof typeof SCHEMAS | undefined) ?? 'invoice';
    const parsed = parseJson((await context.readArtifact(input)).toString('utf8'));
    const problems = parsed.ok
      ? validateCanonical(parsed.value, schema)
      : [{ path: '/', message: parsed.message, code: 'json.syntax' }];
    await context.writeArtifact(
      'validation.json',
      JSON.stringify({ valid: problems.length === 0, problems }, null, 2),
      'application/json',
    );
    if (problems.length === 0) return { outcome: 'accepted' };
    return {
      outcome: 'rejected',
      code: 'validation.failed',
      message: `${problems.length} validation problem${problems.length === 1 ? '' : 's'}`,
      details: problems,
    };
  },
};

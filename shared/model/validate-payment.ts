import { join } from 'node:path';
import type { ProblemDetail } from '../errors';
import type { CanonicalPaymentDocument } from '../formats/cfdi-pagos';
import { packageRoot } from '../util/package-root';
import { compileSchemaFile, toProblems } from '../validation/schema';
import { checkInvoiceSchema } from './validate-invoice';

let compiled: ReturnType<typeof compileSchemaFile<CanonicalPaymentDocument>> | undefined;

/** The payment document's validator, compiled once (after the invoice schema its parties refer to). */
function schemaValidator() {
  if (!compiled) {
    checkInvoiceSchema({});
    compiled = compileSchemaFile<CanonicalPaymentDocument>(
      join(packageRoot(), 'shared', 'model', 'schemas', 'payment.schema.json'),
    );
  }
  return compiled;
}

/**
 * The schema check of a canonical payment document (`shared/model/schemas/payment.schema.json`): every
 * problem with its JSON path. Its figures are a country format's to compute (Mexico: shared/formats/cfdi-pagos.ts).
 */
export function checkPaymentSchema(value: unknown): ProblemDetail[] {
  const validate = schemaValidator();
  return validate(value) ? [] : toProblems(validate.errors);
}

import type { Action } from '../engine/action';
import { EInvoiceError } from '../errors';
import type { FormatRegistry } from '../formats/format';
import type { CanonicalInvoice } from '../model/invoice';

/**
 * `transform`: renders the canonical document in a registered output format (the document's feature's own
 * first); a mapping that reads `company.<name>` gets the parameters of the document's company, and `step.<name>`
 * the step's `values` (with `{variable}` placeholders: a file's progressive number, say).
 */
export function transformAction(formats: FormatRegistry): Action {
  return {
    name: 'transform',
    stage: 'transform',
    pure: true,
    description: 'Transform the canonical document into an e-invoice format',
    paramsSchema: {
      type: 'object',
      required: ['format'],
      additionalProperties: false,
      properties: {
        format: { enum: formats.list().map((f) => f.id) },
        input: { type: 'string' },
        output: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        values: {
          type: 'object',
          propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          additionalProperties: { type: 'string' },
        },
      },
    },
    async run(context) {
      const format = formats.get(context.params.format as string, context.formats);
      const input = (context.params.input as string | undefined) ?? 'input.json';
      const output = (context.params.output as string | undefined) ?? `${format.id}.${format.extension}`;
      let invoice: CanonicalInvoice;
      try {
        invoice = JSON.parse((await context.readArtifact(input)).toString('utf8')) as CanonicalInvoice;
      } catch (error) {
        if (error instanceof EInvoiceError) throw error;
        throw new EInvoiceError('transform.invalid-input', `Artifact ${input} is not JSON`);
      }
      const company = format.usesCompany ? await context.companyParameters?.() : undefined;
      await context.writeArtifact(
        output,
        format.render(invoice, {
          owned: true,
          ...(company ? { company } : {}),
          ...(context.params.values ? { values: context.params.values as Record<string, string> } : {}),
        }),
        format.contentType,
      );
      return { outcome: 'accepted' };
    },
  };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputFormat } from '../../shared/formats/format';
import { compileMappings, readMappingSource } from '../../shared/formats/mapping';
import type { CanonicalInvoice } from '../../shared/model/invoice';
import { validateInvoice } from '../../shared/model/validate-invoice';
import { checkPaymentSchema } from '../../shared/model/validate-payment';
import { packageRoot } from '../../shared/util/package-root';

const FORMATS = join(packageRoot(), 'flows', 'mx-cfdi-pac', 'formats');
const SAMPLES = join(packageRoot(), 'samples', 'mx');

/** The Mexican feature's formats: CFDI 4.0 of an invoice, and the payment receipt of a payment document. */
export const [cfdiFormat, pagosFormat] = compileMappings(
  ['cfdi-40.json', 'cfdi-40-pagos.json'].map((name) =>
    readMappingSource(readFileSync(join(FORMATS, name), 'utf8'), join(FORMATS, name)),
  ),
) as [OutputFormat, OutputFormat];

/** The names of the samples in samples/mx. */
export const mxSamples = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));

/**
 * The unsealed CFDI of a sample of samples/mx, as the flow makes it: the document checked (the canonical
 * invoice validated and completed, a payment document against its schema), then rendered with `fecha` as the
 * step gives it and RegimenFiscal 601 from the company. `change` edits the document first.
 */
export function cfdiOfSample(
  name: string,
  fecha: string,
  change?: (document: Record<string, any>) => void,
): string {
  const { context, document } = JSON.parse(readFileSync(join(SAMPLES, name), 'utf8')) as {
    context: Record<string, string>;
    document: Record<string, any>;
  };
  change?.(document);
  const options = { values: { fecha }, company: { regimenFiscal: '601' } };
  if (context.documentType === 'payment') {
    expect(checkPaymentSchema(document)).toEqual([]);
    return pagosFormat.render(document as unknown as CanonicalInvoice, options);
  }
  const validation = validateInvoice(document, 'fill');
  expect(validation.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
  return cfdiFormat.render(validation.invoice as CanonicalInvoice, options);
}

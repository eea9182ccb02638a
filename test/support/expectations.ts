import { EInvoiceError } from '../../shared/errors';
/** The artifacts a document keeps after the shipped `peppol-outbox` flow, sorted by name. */
export const PEPPOL_OUTBOX_ARTIFACTS = [
  'canonical.json',
  'delivery.json',
  'input.json',
  'invoice.xml',
  'signed.xml',
  'validation.json',
];

/** The EInvoiceError `run` throws (anything else is thrown on; no error at all fails the test). */
export function errorOf(run: () => unknown): EInvoiceError {
  try {
    run();
  } catch (error) {
    if (error instanceof EInvoiceError) return error;
    throw error;
  }
  throw new Error('expected an EInvoiceError');
}

import { shippedFormats } from './mapping';

/**
 * PEPPOL BIS Billing 3.0 (UBL 2.1 Invoice and CreditNote), as the shipped mapping
 * `flows/peppol-bis3/formats/peppol-bis3-ubl.json` defines it: a convenience for code that renders this one format.
 */
export function renderPeppolUbl(
  invoice: Parameters<ReturnType<typeof shippedFormats>[number]['render']>[0],
): string {
  const format = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl');
  if (!format) throw new Error('The shipped mapping peppol-bis3-ubl is missing');
  return format.render(invoice);
}

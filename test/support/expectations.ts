/** The artifacts a document keeps after the shipped `peppol-outbox` flow, sorted by name. */
export const PEPPOL_OUTBOX_ARTIFACTS = [
  'canonical.json',
  'delivery.json',
  'input.json',
  'invoice.xml',
  'signed.xml',
  'validation.json',
];

/**
 * The canonical invoice the ERP sends. The JSON Schema `schemas/invoice.schema.json` is the authority;
 * the types are generated from it (`invoice.generated.ts`, `npm run generate`, checked by a test).
 * Amounts are decimal strings or numbers; the service computes with exact decimals.
 */
export type * from './invoice.generated';
export type { Decimal as Amount } from './invoice.generated';

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { toBusinessCentral, type BcDocument } from '../edoc/bc';
import { transferFromInvoice } from '../edoc/convert';
import { parseCompanySetup, type CompanySetup } from '../edoc/setup';
import {
  validateTransfer,
  type EdocProblem,
  type EdocValidation,
  type TransferDocument,
} from '../edoc/validate';
import type { CanonicalInvoice } from '../model/invoice';
import { isObject } from '../util/json';

/** A JSON value that is an edoc transfer document (`{ status, header, positions }`). */
export function isTransferDocument(value: unknown): value is TransferDocument {
  return isObject(value) && 'header' in value && 'positions' in value;
}

/** `--setup FILE`: the company setup, required for transfer documents. */
export function readSetup(file: unknown, why: string): CompanySetup {
  if (typeof file !== 'string')
    throw new Error(`${why} needs --setup FILE (the company setup, docs/edoc.md)`);
  return parseCompanySetup(JSON.parse(readFileSync(file, 'utf8')), file);
}

export function edocProblemLine(p: EdocProblem): string {
  const where = [p.entity, p.field, p.row !== undefined ? `row ${p.row}` : undefined]
    .filter(Boolean)
    .join(' ');
  return `${p.code} ${p.path} (${where}${p.setting ? `; setting ${p.setting}` : ''}): ${p.message}`;
}

/** Checks a transfer document; writes its problems and the error count, like the cockpit's "load and check". */
export function checkTransfer(
  document: unknown,
  setup: CompanySetup,
  write: (line: string) => void,
): EdocValidation {
  const result = validateTransfer(document, setup);
  for (const p of result.problems) write(edocProblemLine(p));
  if (!result.imported) write("not imported: another company's document");
  write(`${result.errorCount} error${result.errorCount === 1 ? '' : 's'}`);
  return result;
}

/**
 * `convert --to bc` and `--to edoc`: a transfer document (or a canonical invoice, UBL or CII, first made a
 * transfer document for the setup's company) as Business Central records, or as the transfer document.
 * A document with errors is not converted (exit 1); its problems go to stderr.
 */
export function convertToBc(
  source: { value: unknown; invoice?: () => CanonicalInvoice },
  file: string,
  to: 'bc' | 'edoc',
  setup: CompanySetup,
): { output?: TransferDocument | BcDocument; ok: boolean } {
  const document = isTransferDocument(source.value)
    ? source.value
    : transferFromInvoice(source.invoice!(), setup, basename(file).replace(/\.[^.]+$/, ''));
  const result = checkTransfer(document, setup, (line) => process.stderr.write(`${line}\n`));
  if (!result.valid) return { ok: false };
  return { output: to === 'edoc' ? document : toBusinessCentral(document, setup), ok: true };
}

import { readFileSync } from 'node:fs';
import { EInvoiceError, type ProblemDetail } from '../errors';
import { isP7m, verifyCades } from '../signing/cades';
import { FormatRegistry, type ReadDocument } from '../formats/format';
import { loadMappings, shippedFormats } from '../formats/mapping';
import type { RuleSetChoice } from '../model/rule-sets';
import { loadSettings } from '../settings';
import { isObject } from '../util/json';

/** What the local document commands (validate, convert, formats) share. */

/** `BR-CO-10 /totals/lineExtension (line 42, /Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount): …` */
export const problemLine = (p: ProblemDetail) => {
  const where = p.location ? `${p.path ? ' ' : ''}(line ${p.location.line}, ${p.location.xpath})` : '';
  return `${p.severity === 'warning' ? 'warning ' : ''}${p.code ?? ''} ${p.path ?? ''}${where}: ${p.message}`;
};

/** `--rules xrechnung,peppol-de,peppol` or `no-peppol` (checked by the option's declaration). */
export function ruleSets(names: string[]): RuleSetChoice[] {
  return names as RuleSetChoice[];
}

let formatRegistry: FormatRegistry | undefined;

/** The shipped formats and those of EINVOICE_FORMATS_DIR (as the composition root registers them), loaded once. */
export function registeredFormats(env: Record<string, string | undefined>): FormatRegistry {
  if (formatRegistry) return formatRegistry;
  const registry = new FormatRegistry();
  for (const format of shippedFormats()) registry.register(format);
  const dir = loadSettings(env).formatsDir;
  if (dir) for (const format of loadMappings(dir)) registry.register(format);
  formatRegistry = registry;
  return registry;
}

/**
 * A document file's text: a CAdES `.p7m` envelope (DER, BER or base64) is opened, its signature verified
 * (`p7m.*` errors say why not), and its content read; `signed` names the signer.
 */
export function readDocumentFile(file: string): { text: string; signed?: string } {
  const bytes = readFileSync(file);
  if (!isP7m(bytes)) return { text: bytes.toString('utf8') };
  const envelope = verifyCades(bytes);
  return { text: envelope.content.toString('utf8'), signed: envelope.signer.subject.replace(/\n/g, ', ') };
}

export function isXml(text: string): boolean {
  return text.trimStart().startsWith('<');
}

/**
 * Reads a document into the canonical model: canonical JSON (bare or in an envelope) as it is, XML through
 * the format named by `from` or the first registered format that reads it (with `locate`: where each value
 * was read from).
 */
export function toCanonical(
  text: string,
  from: string | undefined,
  formats: FormatRegistry | undefined,
): {
  invoice: unknown;
  unread: string[];
  format: string;
  locate?: ReadDocument['locate'];
  source?: ReadDocument['source'];
} {
  if (!isXml(text)) {
    const parsed: unknown = JSON.parse(text);
    return {
      invoice: isObject(parsed) && 'document' in parsed ? parsed.document : parsed,
      unread: [],
      format: 'canonical',
    };
  }
  if (!formats) throw new TypeError('XML needs the format registry');
  const candidates = from ? [formats.get(from)] : formats.list().filter((f) => f.read !== undefined);
  let lastError: Error = new Error('No registered format reads this document');
  for (const format of candidates) {
    if (format.read === undefined) throw new Error(`Format ${format.id} does not read documents`);
    try {
      return { ...format.read(text), format: format.id };
    } catch (error) {
      if (!(error instanceof EInvoiceError) || error.code !== 'convert.unknown-document') throw error;
      lastError = error;
    }
  }
  throw lastError;
}

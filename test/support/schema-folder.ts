import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp';

/** Where the reference corpus keeps the FatturaPA schema (with the xmldsig-core.xsd it imports). */
export const CORPUS_FATTURAPA_SCHEMAS = 'fatturapa-gobl/schemas';

/**
 * A schema folder (`EINVOICE_SCHEMAS_DIR`) laid out as the schema catalogue expects, made of links into the
 * reference corpus (read in place, never copied): every folder of the corpus as it is, and `fatturapa/` for
 * the FatturaPA schema. Removed after the test file.
 */
export function schemaFolder(corpus: string): string {
  const dir = tempDir('einvoice-schemas-');
  for (const entry of readdirSync(corpus, { withFileTypes: true }))
    if (entry.isDirectory()) symlinkSync(join(corpus, entry.name), join(dir, entry.name), 'dir');
  symlinkSync(join(corpus, CORPUS_FATTURAPA_SCHEMAS), join(dir, 'fatturapa'), 'dir');
  return dir;
}

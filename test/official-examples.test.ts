import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProblemDetail } from '../shared/errors';
import { toCanonical } from '../shared/cli/documents';
import { FormatRegistry, type OutputFormat } from '../shared/formats/format';
import { shippedFormats } from '../shared/formats/mapping';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { isPeppolBis3 } from '../shared/model/rule-sets';
import { validateInvoice } from '../shared/model/validate-invoice';
import { cloneJson } from '../shared/util/json';
import { describeWithCorpus } from './support/corpus';

/**
 * Inbound is as tolerant as EN 16931: every official example that the official rules (EN 16931's, and
 * PEPPOL BIS 3's for PEPPOL documents) accept is read into the canonical model with no fatal finding, as
 * `einvoice convert FILE --to canonical` reads it (the first registered format that reads it, check mode),
 * and written back in its own format without a new one. The one example the official rules reject is
 * rejected for the same rule. The rules of the syntax (UBL-SR-*, CII-SR-*, …) read the XML as received.
 */

const FOLDERS = ['en16931/ubl/examples', 'en16931/cii/examples', 'peppol-bis-invoice-3/rules/examples'];

/**
 * issue116.xml is a PEPPOL BIS 3 document (by BT-24) with Swedish organisation numbers (ICD 0007) whose
 * check digit is wrong: PEPPOL's schematron fires PEPPOL-COMMON-R049 on the seller's legal registration
 * identifier and on the buyer's electronic address and legal registration identifier. EN 16931's own rules
 * accept it.
 */
const REJECTED: Record<string, string[]> = {
  'en16931/ubl/examples/issue116.xml': [
    'PEPPOL-COMMON-R049 /buyer/endpoint/id',
    'PEPPOL-COMMON-R049 /seller/legalRegistration/id',
    'PEPPOL-COMMON-R049 /buyer/legalRegistration/id',
  ],
};

const registry = new FormatRegistry();
for (const format of shippedFormats()) registry.register(format);

const fatal = (problems: ProblemDetail[]) =>
  problems.filter((p) => p.severity !== 'warning').map((p) => `${p.code ?? ''} ${p.path ?? ''}`);

/** The format a document is written back in: its syntax, and PEPPOL BIS 3 for a PEPPOL BIS 3 document. */
function ownFormat(readBy: string, invoice: CanonicalInvoice): OutputFormat {
  if (readBy.endsWith('-cii')) return registry.get('en16931-cii');
  return registry.get(isPeppolBis3(invoice) ? 'peppol-bis3-ubl' : 'en16931-ubl');
}

describeWithCorpus('official examples: inbound as tolerant as EN 16931', FOLDERS, (corpus) => {
  const examples = FOLDERS.flatMap((folder) =>
    readdirSync(join(corpus, folder))
      .filter((name) => /\.xml$/i.test(name))
      .map((name) => `${folder}/${name}`),
  );

  it('has every example of the three folders (42 accepted, 1 rejected)', () => {
    expect(examples).toHaveLength(43);
    expect(Object.keys(REJECTED).filter((k) => !examples.includes(k))).toEqual([]);
  });

  it.each(examples)('%s', (example) => {
    const text = readFileSync(join(corpus, example), 'utf8');
    const { invoice, format, source } = toCanonical(text, undefined, registry);
    const read = validateInvoice(cloneJson(invoice), 'check', { source });
    expect(fatal(read.problems)).toEqual(REJECTED[example] ?? []);
    if (REJECTED[example]) return; // a document that does not validate is not rendered

    // Written back in its own format, and read again: no fatal finding the document did not have.
    const own = ownFormat(format, invoice as CanonicalInvoice);
    const output = own.render(cloneJson(invoice) as CanonicalInvoice);
    const again = toCanonical(output, own.id, registry);
    expect(again.unread).toEqual([]);
    expect(
      fatal(
        validateInvoice(again.invoice, 'check', { ruleSets: own.rules ?? [], source: again.source }).problems,
      ),
    ).toEqual([]);
  });

  it('PEPPOL BIS 3 documents get the PEPPOL rules, the others EN 16931 alone', () => {
    const sets = (example: string) => {
      const { invoice } = toCanonical(readFileSync(join(corpus, example), 'utf8'), undefined, registry);
      return validateInvoice(invoice, 'check').ruleSets;
    };
    expect(sets('peppol-bis-invoice-3/rules/examples/base-example.xml')).toEqual(['peppol']);
    expect(sets('en16931/ubl/examples/ubl-tc434-example1.xml')).toEqual([]);
    expect(sets('en16931/cii/examples/CII_example1.xml')).toEqual([]);
  });
});

describe('samples: every one in every shipped output format', () => {
  const dir = join(__dirname, '..', 'samples');
  const samples = readdirSync(dir).filter((name) => name.endsWith('.json'));
  // CFDI is a Mexican format, written only: its samples are samples/mx (cfdi.test.ts, mexico.e2e.test.ts); a
  // payment receipt's format renders payment documents, not these invoices; the NF-e is Brazil's, its
  // samples in samples/br (nfe-figures.test.ts, brazil.e2e.test.ts) with the br.* terms these EN 16931 ones lack
  const cases = samples.flatMap((sample) =>
    registry
      .list()
      .filter((f) => f.id !== 'cfdi-40' && f.id !== 'nfe-400' && f.document !== 'payment')
      .map((f) => [sample, f.id] as const),
  );

  it.each(cases)('%s as %s', (sample, id) => {
    const format = registry.get(id);
    const envelope = JSON.parse(readFileSync(join(dir, sample), 'utf8')) as { document: CanonicalInvoice };
    // As `einvoice convert SAMPLE --to FORMAT` does: validated with the format's rule sets, then rendered.
    const validation = validateInvoice(envelope.document, 'fill', { ruleSets: format.rules ?? [] });
    expect(fatal(validation.problems)).toEqual([]);
    const output = format.render(validation.invoice!);
    if (format.read === undefined) return;
    // What a receiver reads: check mode, the format's rules and those the written document implies.
    const read = toCanonical(output, id, registry);
    expect(read.unread).toEqual([]);
    expect(
      fatal(
        validateInvoice(read.invoice, 'check', { ruleSets: format.rules ?? [], source: read.source })
          .problems,
      ),
    ).toEqual([]);
  });
});

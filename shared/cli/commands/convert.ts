import { writeFileSync } from 'node:fs';
import { canonicalFromTransfer } from '../../edoc/convert';
import { locateProblems } from '../../formats/format';
import { validateInvoice } from '../../model/validate-invoice';
import { UsageError, type CommandSpec } from '../command';
import { isXml, problemLine, readDocumentFile, registeredFormats, ruleSets, toCanonical } from '../documents';
import { convertToBc, isTransferDocument, readSetup } from '../edoc-commands';
import { OUTPUT_OPTION, RULES_OPTION } from '../options';

export const convert: CommandSpec = {
  name: 'convert',
  description: 'convert between the canonical model, formats (UBL, CII) and edoc/BC',
  usage:
    'einvoice convert FILE --to canonical|bc|edoc|FORMAT [--from FORMAT] [--setup FILE] [--mode fill|check] [--rules R] [-o OUT]',
  details:
    'The input kind is detected: canonical JSON, an edoc transfer document, or XML of a format that reads ' +
    'documents (`einvoice formats`); a CAdES .p7m envelope (DER, BER or base64: FatturaPA .xml.p7m) is ' +
    'opened and its signature verified first. The result is validated on the way: problems go to stderr (for XML, ' +
    'with the line and XPath of the element each is about), and a ' +
    'document that does not validate is not rendered into a format (exit 1; --to canonical writes it all ' +
    'the same). --to bc and --to edoc need the company setup (--setup).',
  options: [
    {
      name: 'to',
      type: 'string',
      value: 'TARGET',
      required: true,
      description: 'canonical, bc (Business Central records), edoc (a transfer document), or a format id',
    },
    {
      name: 'from',
      type: 'string',
      value: 'FORMAT',
      description: 'the format of an XML input (default: the first registered format that reads it)',
    },
    {
      name: 'setup',
      type: 'string',
      value: 'FILE',
      description:
        'the company setup: required for --to bc and --to edoc; for a transfer document --to canonical, its company data is the buyer (docs/edoc.md)',
    },
    {
      name: 'mode',
      type: 'string',
      value: 'MODE',
      allowed: ['fill', 'check'],
      description:
        'fill: compute the omitted figures (canonical JSON default); check: every figure is stated',
    },
    RULES_OPTION,
    OUTPUT_OPTION,
  ],
  args: [{ name: 'FILE', required: true, description: 'the document to convert' }],
  examples: [
    {
      command: 'einvoice convert samples/invoice.json --to peppol-bis3-ubl -o invoice.xml',
      comment: 'the sample invoice as PEPPOL BIS 3 UBL',
    },
    {
      command: 'einvoice convert invoice.xml --to canonical',
      comment: 'a UBL or CII invoice as canonical JSON',
    },
    {
      command: 'einvoice convert samples/edoc/vendor-invoice.xml --to bc --setup samples/edoc/bc-setup.json',
      comment: 'the Business Central records and API requests for a vendor invoice',
    },
  ],
  run(args, io) {
    const file = args.positionals[0]!;
    const to = args.string('to')!;
    const from = args.string('from');
    const output = args.string('output');
    const formats = registeredFormats(io.env);
    const known = ['canonical', 'bc', 'edoc', ...formats.list().map((f) => f.id)];
    if (!known.includes(to)) throw new UsageError(`--to must be one of ${known.join(', ')}; got "${to}"`);
    const readers = formats
      .list()
      .filter((f) => f.read !== undefined)
      .map((f) => f.id);
    if (from !== undefined && !readers.includes(from))
      throw new UsageError(
        `--from must be a format that reads documents: ${readers.join(', ')}; got "${from}"`,
      );
    const write = (text: string) => {
      if (output !== undefined) writeFileSync(output, text);
      else io.stdout.write(text);
    };
    const { text, signed } = readDocumentFile(file);
    if (signed) io.stderr.write(`signed (CAdES, verified) by ${signed}\n`);
    const json = isXml(text) ? undefined : (JSON.parse(text) as unknown);
    if (to === 'bc' || to === 'edoc') {
      const setup = readSetup(args.string('setup'), `convert --to ${to}`);
      const result = convertToBc(
        { value: json, invoice: () => toCanonical(text, from, formats).invoice as never },
        file,
        to,
        setup,
      );
      if (!result.ok) return 1;
      write(`${JSON.stringify(result.output, null, 2)}\n`);
      return 0;
    }
    let source: ReturnType<typeof toCanonical>;
    if (isTransferDocument(json)) {
      // The transfer model lacks terms EN 16931 requires; the setup's company data fills the buyer's.
      const setupFile = args.string('setup');
      const { invoice, notes } = canonicalFromTransfer(
        json,
        setupFile !== undefined ? readSetup(setupFile, 'convert') : undefined,
      );
      for (const note of notes) io.stderr.write(`note: ${note}\n`);
      source = { invoice, unread: [], format: 'edoc' };
    } else source = toCanonical(text, from, formats);
    for (const location of source.unread) io.stderr.write(`not read (${source.format}): ${location}\n`);
    // Canonical JSON may leave the computed figures to the service; a document from elsewhere states them.
    const mode =
      (args.string('mode') as 'fill' | 'check' | undefined) ??
      (source.format === 'canonical' ? 'fill' : 'check');
    const target = to === 'canonical' ? undefined : formats.get(to);
    const { valid, problems } = validateInvoice(source.invoice, mode, {
      ruleSets: [...ruleSets(args.list('rules')), ...(target?.rules ?? [])],
      source: 'source' in source ? source.source : undefined,
    });
    for (const p of locateProblems(problems, source.locate)) io.stderr.write(`${problemLine(p)}\n`);
    if (!target) write(`${JSON.stringify(source.invoice, null, 2)}\n`);
    else {
      if (!valid) return 1; // a document that does not validate is not rendered
      write(target.render(source.invoice as never));
    }
    return valid ? 0 : 1;
  },
};

import { validateTransfer } from '../../edoc/validate';
import type { EdocValidation } from '../../edoc/validate';
import { EInvoiceError, type ProblemDetail } from '../../errors';
import { locateProblems, toFinding } from '../../formats/format';
import { elementAt, locationOf } from '../../formats/mapping-reader';
import { validateInvoice } from '../../model/validate-invoice';
import { loadSettings } from '../../settings';
import { parseXmlTree, type XmlTreeElement } from '../../xml/xml-tree';
import { XsdValidatorPool } from '../../xml/xsd';
import type { CommandSpec } from '../command';
import { isXml, problemLine, readDocumentFile, registeredFormats, ruleSets, toCanonical } from '../documents';
import { edocProblemLine, isTransferDocument, readSetup } from '../edoc-commands';
import { JSON_OPTION, RULES_OPTION } from '../options';

interface Report {
  file: string;
  valid: boolean;
  problems: ProblemDetail[];
  notice?: string;
  /** A check that was asked for and could not run (--mode xsd without the schema). */
  notChecked?: string;
}

/** Why an XML Schema check could not run, naming where schemas come from. */
function notInstalled(error: EInvoiceError): string {
  const text = error.message;
  return text.includes('EINVOICE_SCHEMAS_DIR')
    ? text
    : `${text} (EINVOICE_SCHEMAS_DIR names the schema folder; see docs/formats.md)`;
}

/**
 * The XML Schema's findings (`path: line 12`, libxml2's message naming the element) with the location of
 * the element they are about: the one on that line the message names (`Element '{ns}Name'`, with its
 * `attribute 'x'`), else the first that starts on that line.
 */
export function locateXsdProblems(text: string, problems: ProblemDetail[]): ProblemDetail[] {
  let root: XmlTreeElement | undefined;
  return problems.map((problem) => {
    const line = /^line (\d+)$/.exec(problem.path ?? '');
    if (problem.code !== 'xsd.invalid' || !line) return problem;
    root ??= parseXmlTree(text);
    const named = /^Element '(?:\{([^}]*)\})?([^']+)'(?:, attribute '([^']+)')?/.exec(problem.message);
    const el = elementAt(
      root,
      Number(line[1]),
      named ? { namespace: named[1] ?? '', local: named[2]! } : undefined,
    );
    if (!el) return problem;
    const { path: _path, ...rest } = problem;
    const attribute = named?.[3] && el.hasAttribute(named[3]) ? `/@${named[3]}` : '';
    return { ...rest, location: { xpath: `${locationOf(el)}${attribute}`, line: el.line } };
  });
}

export const validate: CommandSpec = {
  name: 'validate',
  description: 'check invoices against the schema and the business rules',
  usage:
    'einvoice validate FILE... [--mode fill|check|xsd] [--rules xrechnung,peppol-de] [--setup FILE] [--json]',
  details:
    'Canonical JSON is checked against the JSON Schema, EN 16931 and CIUS rules and the totals; XML is read ' +
    'through its format and also checked against its official XML Schema when the schemas are installed ' +
    '(EINVOICE_SCHEMAS_DIR, docs/formats.md; without them that check is skipped with a notice). An edoc ' +
    'transfer document is checked under the company setup of --setup. Each finding names its rule (code: ' +
    'the official rule id, or the check), its severity (fatal, warning or information; warnings, from ' +
    '"should" rules, do not fail), the JSON path in the canonical document and the business terms (BT-/BG-) ' +
    'it is about; in an XML document, also the element it was read from, or the nearest one present, and its ' +
    'line (location { xpath, line }; "(line 42, /Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount)" ' +
    'in the text output). Exit 0 when every file is valid; 1 when any is not, or when --mode xsd could not ' +
    'check a file.',
  options: [
    {
      name: 'mode',
      type: 'string',
      value: 'MODE',
      allowed: ['fill', 'check', 'xsd'],
      description:
        'fill: compute what the document omits and check the rest (JSON default); check: the document states every figure (XML default); xsd: only the XML Schema check',
    },
    RULES_OPTION,
    {
      name: 'setup',
      type: 'string',
      value: 'FILE',
      description: 'the company setup to check edoc transfer documents under (docs/edoc.md)',
    },
    {
      ...JSON_OPTION,
      description:
        'print, per file, { file, valid, problems: [{ code, severity, message, path?, location?, terms? }] }',
    },
  ],
  args: [{ name: 'FILE', required: true, variadic: true, description: 'a document to check' }],
  examples: [
    { command: 'einvoice validate samples/invoice.json', comment: 'check the sample invoice' },
    {
      command: 'einvoice validate --mode check --rules xrechnung samples/invalid/wrong-line-total.json',
      comment: 'every figure as the client computed it, with the XRechnung rules: exit 1, BR-CO-10',
    },
    { command: 'einvoice validate --mode xsd signed.xml', comment: 'only the UBL 2.1 XML Schema check' },
  ],
  async run(args, io) {
    const mode = args.string('mode');
    const rules = ruleSets(args.list('rules'));
    const setupFile = args.string('setup');
    const xsd = new XsdValidatorPool(loadSettings(io.env).schemasDir);
    const report: Report[] = [];
    const transfers: Array<{ file: string; notice?: string } & EdocValidation> = [];
    try {
      for (const file of args.positionals) {
        const { text } = readDocumentFile(file);
        const problems: ProblemDetail[] = [];
        let notice: string | undefined;
        let notChecked: string | undefined;
        if (isXml(text)) {
          try {
            problems.push(...locateXsdProblems(text, await xsd.validate(text)));
          } catch (error) {
            if (!(error instanceof EInvoiceError) || error.code !== 'schema.not-installed') throw error;
            if (mode === 'xsd') notChecked = notInstalled(error);
            else notice = `XML Schema not checked: ${notInstalled(error)}`;
          }
        } else {
          const json: unknown = JSON.parse(text);
          if (isTransferDocument(json)) {
            // Without a setup: the cockpit's defaults, for the company the document names.
            const setup =
              setupFile !== undefined
                ? readSetup(setupFile, 'validate')
                : { companyId: typeof json.header.company_id === 'string' ? json.header.company_id : '' };
            transfers.push({
              file,
              ...validateTransfer(json, setup),
              ...(setupFile === undefined ? { notice: 'no --setup: checked under the default setup' } : {}),
            });
            continue;
          }
          if (mode === 'xsd')
            notChecked = `XML Schema checks apply to XML documents; convert it first (einvoice convert ${file} --to peppol-bis3-ubl)`;
        }
        if (mode !== 'xsd') {
          const formats = isXml(text) ? registeredFormats(io.env) : undefined;
          const { invoice, locate, source } = toCanonical(text, undefined, formats);
          const calculation = mode === 'check' || (mode !== 'fill' && isXml(text)) ? 'check' : 'fill';
          const found = validateInvoice(invoice, calculation, { ruleSets: rules, source }).problems;
          problems.push(...locateProblems(found, locate));
        }
        const valid = notChecked === undefined && problems.every((p) => p.severity === 'warning');
        report.push({
          file,
          valid,
          problems,
          ...(notice ? { notice } : {}),
          ...(notChecked ? { notChecked } : {}),
        });
      }
    } finally {
      await xsd.close();
    }
    if (args.flag('json')) {
      const findings = [
        ...report.map((r) => ({ ...r, problems: r.problems.map(toFinding) })),
        // every problem of a transfer document is an error
        ...transfers.map((t) => ({
          ...t,
          problems: t.problems.map((p) => ({ ...p, severity: 'fatal' as const })),
        })),
      ];
      io.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
    } else {
      for (const t of transfers) {
        io.stdout.write(`${t.valid ? 'valid  ' : 'INVALID'} ${t.file} (edoc transfer document)\n`);
        if (t.notice) io.stdout.write(`  ${t.notice}\n`);
        for (const p of t.problems) io.stdout.write(`  ${edocProblemLine(p)}\n`);
        io.stdout.write(
          `  ${t.errorCount} error${t.errorCount === 1 ? '' : 's'}${t.imported ? '' : ', not imported'}\n`,
        );
      }
      for (const r of report) {
        if (r.notChecked) {
          io.stdout.write(`not checked: ${r.file}: ${r.notChecked}\n`);
          continue;
        }
        io.stdout.write(`${r.valid ? 'valid  ' : 'INVALID'} ${r.file}\n`);
        if (r.notice) io.stdout.write(`  ${r.notice}\n`);
        for (const p of r.problems) io.stdout.write(`  ${problemLine(p)}\n`);
      }
    }
    const failed = report.filter((r) => !r.valid).length + transfers.filter((t) => !t.valid).length;
    return failed === 0 ? 0 : 1;
  },
};

import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { isObject } from '../util/json';
import type { GermanRuleSet } from '../model/rules-de';
import { validateInvoice } from '../model/validate-invoice';
import { runBench } from '../bench/bench';
import { submissionRun } from '../bench/submission-run';
import { createRegistries } from '../composition';
import { loadSettings } from '../settings';
import type { FormatRegistry } from '../formats/format';
import { EInvoiceError, type ProblemDetail } from '../errors';
import { XsdValidatorPool } from '../xml/xsd';
import { serve as runServe } from '../runtime/serve';
import { fromPem, fromPkcs12 } from '../signing/credentials';
import { verifyXmlSignature } from '../signing/verify';
import { signJws } from '../signing/jws';
import { signEnveloped, type SignaturePlacement } from '../signing/xmldsig';
import { X509Certificate } from 'node:crypto';
import { clientOptions, ProgressBar, request } from './client';
import { Sandbox, type SandboxOptions } from '../sandbox/sandbox';
import { validateTransfer, type EdocValidation } from '../edoc/validate';
import { convertToBc, edocProblemLine, isTransferDocument, readSetup } from './edoc-commands';
import { invoiceFromTransfer } from '../edoc/convert';

const USAGE = `einvoice <command>

Commands:
  serve [--port P] [--data-dir DIR]        run the service on this machine (embedded runtime)
  submit FILE... [--url URL] [--api-key K] [--flow ID] [--context JSON] [--wait]
                                           submit documents; exit 0 only when all completed (with --wait)
  status ID                                print a document's record
  resubmit ID                              start a failed/rejected/cancelled document again
  validate FILE... [--mode fill|check|xsd] [--rules xrechnung,peppol-de] [--setup FILE] [--json]
                                           check invoices (canonical JSON, or XML of a registered format):
                                           schema, EN 16931 rules, CIUS rules, totals; XML also against its
                                           XSD; warnings ("should" rules) do not fail; an edoc transfer
                                           document is checked under the company setup of --setup
  sign FILE --cert FILE [--password P] [--profile xmldsig|xades-bes|jws] [--placement P] [-o OUT]
                                           sign: XMLDSig, XAdES-BES (XML) or JWS (JSON); PEM or PKCS#12
  verify FILE... [--cert FILE] [--trust FILE] [--allow-sha1] [--json]
                                           check XMLDSig signatures (wrapping-resistant); exit 1 if any fails
  convert FILE --to canonical|bc|edoc|FORMAT [--from FORMAT] [--setup FILE] [--mode fill|check] [--rules R] [-o OUT]
                                           UBL/CII/... to the canonical model and back; exit 1 when the
                                           result does not validate (it is written all the same)
  formats                                  list formats
  bench [--json] [--quick]                 throughput, as ratios to raw RSA-2048 signing
  bench --submission [--documents N] [--fail-rate R] [--json]
                                           N documents (2000) through sandbox-submit against the sandbox
                                           failing R (0.3) of submissions: completed, duplicates, time
  sandbox [--port P] [--fail-rate R] [--latency-ms N] [--pending N] [--config FILE]
                                           a local stand-in receiver (access point / tax authority API)
                                           with fault injection; GET /stats counts accepted, rejected,
                                           duplicates
`;

type Flags = Record<string, string | boolean | undefined>;

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

async function serve(flags: Flags): Promise<number> {
  return runServe({
    ...(typeof flags.port === 'string' ? { port: Number(flags.port) } : {}),
    ...(typeof flags['data-dir'] === 'string' ? { dataDir: flags['data-dir'] } : {}),
  });
}

/** Reads a submission file: an envelope `{context, document}`, a bare canonical JSON document, or XML. */
function readSubmission(file: string, flags: Flags): { content: string; contentType: string } {
  const text = readFileSync(file, 'utf8');
  const extra: Record<string, unknown> =
    typeof flags.context === 'string' ? (JSON.parse(flags.context) as Record<string, unknown>) : {};
  if (typeof flags.flow === 'string') extra.flowId = flags.flow;
  if (extname(file).toLowerCase() === '.xml' || text.trimStart().startsWith('<')) {
    return { content: JSON.stringify({ context: extra, document: text }), contentType: 'application/json' };
  }
  const parsed: unknown = JSON.parse(text);
  const envelope = isObject(parsed) && 'document' in parsed ? parsed : { context: {}, document: parsed };
  const context = { ...(isObject(envelope.context) ? envelope.context : {}), ...extra };
  return { content: JSON.stringify({ ...envelope, context }), contentType: 'application/json' };
}

async function submit(files: string[], flags: Flags): Promise<number> {
  if (files.length === 0) throw new Error('submit needs at least one FILE');
  const options = clientOptions(flags);
  const wait = flags.wait === true;
  const bar = new ProgressBar(files.length);
  const results: Array<{ file: string; id?: string; status: string; problem?: unknown }> = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      try {
        const body = readSubmission(file, flags);
        const path = `/api/invoices${wait ? '?wait=300' : ''}`;
        const response = await request(options, 'POST', path, body);
        const json = response.json as { id?: string; status?: string };
        if (response.status >= 400 || !json.id)
          results.push({ file, status: 'error', problem: response.json });
        else results.push({ file, id: json.id, status: json.status ?? 'unknown' });
      } catch (error) {
        results.push({ file, status: 'error', problem: (error as Error).message });
      }
      bar.tick(file);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
  for (const r of results) {
    process.stdout.write(`${r.status.padEnd(10)} ${r.id ?? '-'}  ${r.file}\n`);
    if (r.problem) process.stdout.write(`  ${JSON.stringify(r.problem)}\n`);
  }
  const completed = results.filter((r) => r.status === 'completed').length;
  process.stderr.write(`${completed}/${files.length} completed\n`);
  return completed === files.length ? 0 : 1;
}

async function documentCommand(method: 'GET' | 'POST', path: string, flags: Flags): Promise<number> {
  const response = await request(clientOptions(flags), method, path);
  print(response.json);
  return response.status < 400 ? 0 : 1;
}

/**
 * `einvoice validate`: canonical JSON, or XML of a registered format. XML is also checked against its
 * official schema (`--mode xsd` for that alone) when the schemas are installed (EINVOICE_SCHEMAS_DIR).
 */
async function validate(files: string[], flags: Flags): Promise<number> {
  let failed = 0;
  const xsd = new XsdValidatorPool(loadSettings().schemasDir);
  const report: Array<{ file: string; valid: boolean; problems: ProblemDetail[]; notice?: string }> = [];
  const transfers: Array<{ file: string; notice?: string } & EdocValidation> = [];
  try {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const problems: ProblemDetail[] = [];
      let notice: string | undefined;
      if (text.trimStart().startsWith('<')) {
        try {
          problems.push(...(await xsd.validate(text)));
        } catch (error) {
          if (!(error instanceof EInvoiceError) || error.code !== 'schema.not-installed') throw error;
          notice = `XML Schema not checked: ${error.message}`;
        }
      }
      if (!text.trimStart().startsWith('<')) {
        const json: unknown = JSON.parse(text);
        if (isTransferDocument(json)) {
          // Without a setup: the cockpit's defaults, for the company the document names.
          const setup =
            flags.setup !== undefined
              ? readSetup(flags.setup, 'validate')
              : { companyId: typeof json.header.company_id === 'string' ? json.header.company_id : '' };
          const result = validateTransfer(json, setup);
          if (!result.valid) failed++;
          transfers.push({
            file,
            ...result,
            ...(flags.setup === undefined ? { notice: 'no --setup: checked under the default setup' } : {}),
          });
          continue;
        }
      }
      if (flags.mode !== 'xsd') {
        const { invoice } = toCanonical(text, undefined);
        const mode =
          flags.mode === 'check' || (flags.mode !== 'fill' && text.trimStart().startsWith('<'))
            ? 'check'
            : 'fill';
        problems.push(...validateInvoice(invoice, mode, { ruleSets: ruleSetsOf(flags) }).problems);
      }
      const valid = problems.every((p) => p.severity === 'warning');
      if (!valid) failed++;
      report.push({ file, valid, problems, ...(notice ? { notice } : {}) });
    }
  } finally {
    await xsd.close();
  }
  if (flags.json === true) print([...report, ...transfers]);
  else {
    for (const t of transfers) {
      process.stdout.write(`${t.valid ? 'valid  ' : 'INVALID'} ${t.file} (edoc transfer document)\n`);
      if (t.notice) process.stdout.write(`  ${t.notice}\n`);
      for (const p of t.problems) process.stdout.write(`  ${edocProblemLine(p)}\n`);
      process.stdout.write(
        `  ${t.errorCount} error${t.errorCount === 1 ? '' : 's'}${t.imported ? '' : ', not imported'}\n`,
      );
    }
    for (const r of report) {
      process.stdout.write(`${r.valid ? 'valid  ' : 'INVALID'} ${r.file}\n`);
      if (r.notice) process.stdout.write(`  ${r.notice}\n`);
      for (const p of r.problems) process.stdout.write(`  ${problemLine(p)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

function ratio(flags: Flags, name: string): number | undefined {
  if (flags[name] === undefined) return undefined;
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`--${name} must be between 0 and 1`);
  return value;
}

function count(flags: Flags, name: string): number | undefined {
  if (flags[name] === undefined) return undefined;
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number of 0 or more`);
  return value;
}

/** `einvoice bench --submission`: the submission scenario; exit 0 when every document completed once. */
async function runSubmission(flags: Flags): Promise<number> {
  const documents = count(flags, 'documents') ?? 2000;
  const failRate = ratio(flags, 'fail-rate') ?? 0.3;
  const progress = flags.json === true ? undefined : new ProgressBar(documents);
  const result = await submissionRun({ documents, failRate, onProgress: (n) => progress?.set(n) });
  if (flags.json === true) print(result);
  else {
    const r = result.receiver;
    process.stdout.write(
      `${result.completed}/${result.documents} completed in ${result.seconds} s (${result.perSec}/s), ` +
        `fail rate ${failRate}
` +
        `submit attempts ${result.attempts} (transient ${result.transient}, postponed by the circuit ${result.postponed})
` +
        `receiver: accepted ${r.accepted}, rejected ${r.rejected}, duplicates ${r.duplicates}, ` +
        `replays ${r.replays}, injected ${JSON.stringify(r.faults)}
`,
    );
    for (const [code, n] of Object.entries(result.notCompleted))
      process.stdout.write(`  ${n} ${code}
`);
  }
  return result.completed === documents &&
    result.receiver.duplicates === 0 &&
    result.receiver.accepted === documents
    ? 0
    : 1;
}

/**
 * `einvoice sandbox`: the stand-in receiver in the foreground until SIGINT/SIGTERM. `--config` reads the
 * whole `SandboxOptions` (rules, faults, auth, TLS files are not read: use PEM text) from a JSON file;
 * the flags override it.
 */
async function runSandbox(flags: Flags): Promise<number> {
  const options = (
    typeof flags.config === 'string' ? JSON.parse(readFileSync(flags.config, 'utf8')) : {}
  ) as SandboxOptions;
  const failRate = ratio(flags, 'fail-rate');
  const latency = count(flags, 'latency-ms');
  const pending = count(flags, 'pending');
  const sandbox = new Sandbox({
    ...options,
    port: count(flags, 'port') ?? options.port ?? 7072,
    ...(pending !== undefined ? { pendingPolls: pending } : {}),
    faults: {
      ...options.faults,
      ...(failRate !== undefined ? { errorRatio: failRate } : {}),
      ...(latency !== undefined ? { latencyMs: latency } : {}),
    },
  });
  const url = await sandbox.start();
  process.stderr.write(
    `einvoice sandbox listening at ${url}
` +
      `  POST ${url}/submissions   GET ${url}/submissions/{id}   GET ${url}/stats
`,
  );
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  process.stderr.write(`${JSON.stringify(sandbox.stats())}
`);
  await sandbox.stop();
  return 0;
}

const problemLine = (p: ProblemDetail) =>
  `${p.severity === 'warning' ? 'warning ' : ''}${p.code ?? ''} ${p.path ?? ''}: ${p.message}`;

/** `--rules xrechnung,peppol-de`: CIUS rule sets to apply besides those a document implies. */
function ruleSetsOf(flags: Flags): GermanRuleSet[] {
  if (flags.rules === undefined) return [];
  const names = String(flags.rules).split(',');
  const unknown = names.filter((n) => n !== 'xrechnung' && n !== 'peppol-de');
  if (unknown.length > 0)
    throw new Error(`Unknown rule set ${unknown.join(', ')}; known: xrechnung, peppol-de`);
  return names as GermanRuleSet[];
}

let formatRegistry: FormatRegistry | undefined;

/** The shipped formats and those of EINVOICE_FORMATS_DIR, loaded once per command. */
function registeredFormats(): FormatRegistry {
  formatRegistry ??= createRegistries(
    { outboxDir: '.', formatsDir: loadSettings().formatsDir },
    { get: () => Promise.reject(new Error('unused')) },
  ).formats;
  return formatRegistry;
}

/**
 * Reads a document into the canonical model: canonical JSON (bare or in an envelope) as it is, XML through
 * the format named by `from` or the first registered format that reads it.
 */
function toCanonical(
  text: string,
  from: string | undefined,
): { invoice: unknown; unread: string[]; format: string } {
  if (!text.trimStart().startsWith('<')) {
    const parsed: unknown = JSON.parse(text);
    return {
      invoice: isObject(parsed) && 'document' in parsed ? parsed.document : parsed,
      unread: [],
      format: 'canonical',
    };
  }
  const formats = registeredFormats();
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

/** `einvoice convert`: between the canonical model and the registered formats. */
function convert(files: string[], flags: Flags): number {
  const [file] = files;
  if (!file || typeof flags.to !== 'string')
    throw new Error('convert needs FILE and --to canonical|bc|edoc|FORMAT');
  const text = readFileSync(file, 'utf8');
  const json = text.trimStart().startsWith('<') ? undefined : (JSON.parse(text) as unknown);
  if (flags.to === 'bc' || flags.to === 'edoc') {
    const setup = readSetup(flags.setup, `convert --to ${flags.to}`);
    const { output, ok } = convertToBc(
      {
        value: json,
        invoice: () =>
          toCanonical(text, typeof flags.from === 'string' ? flags.from : undefined).invoice as never,
      },
      file,
      flags.to,
      setup,
    );
    if (!ok) return 1;
    const rendered = `${JSON.stringify(output, null, 2)}\n`;
    if (typeof flags.output === 'string') writeFileSync(flags.output, rendered);
    else process.stdout.write(rendered);
    return 0;
  }
  const source = isTransferDocument(json)
    ? { invoice: invoiceFromTransfer(json), unread: [], format: 'edoc' }
    : toCanonical(text, typeof flags.from === 'string' ? flags.from : undefined);
  for (const location of source.unread) process.stderr.write(`not read (${source.format}): ${location}\n`);
  // Canonical JSON may leave the computed figures to the service; a document from elsewhere states them.
  const mode =
    flags.mode === 'fill' || flags.mode === 'check'
      ? flags.mode
      : source.format === 'canonical'
        ? 'fill'
        : 'check';
  const target = flags.to === 'canonical' ? undefined : registeredFormats().get(flags.to);
  const { valid, problems } = validateInvoice(source.invoice, mode, {
    ruleSets: [...ruleSetsOf(flags), ...(target?.rules ?? [])],
  });
  for (const p of problems) process.stderr.write(`${problemLine(p)}\n`);
  let output: string;
  if (!target) output = `${JSON.stringify(source.invoice, null, 2)}\n`;
  else {
    if (!valid) return 1; // a document that does not validate is not rendered
    output = target.render(source.invoice as never);
  }
  if (typeof flags.output === 'string') writeFileSync(flags.output, output);
  else process.stdout.write(output);
  return valid ? 0 : 1;
}

/** `einvoice sign`: XMLDSig, XAdES-BES or JWS with a certificate file (PEM with its key, or PKCS#12). */
function signFile(files: string[], flags: Flags): number {
  const [file] = files;
  if (!file || typeof flags.cert !== 'string') throw new Error('sign needs FILE and --cert FILE');
  const certificate = readFileSync(flags.cert);
  const password = typeof flags.password === 'string' ? flags.password : '';
  const credential = /\.(p12|pfx)$/i.test(flags.cert)
    ? fromPkcs12(flags.cert, certificate.toString('base64'), password)
    : fromPem(flags.cert, certificate.toString('utf8'));
  const profile = typeof flags.profile === 'string' ? flags.profile : 'xmldsig';
  if (!['xmldsig', 'xades-bes', 'jws'].includes(profile))
    throw new Error('--profile is xmldsig, xades-bes or jws');
  let signed: string;
  if (profile === 'jws') {
    signed = signJws(readFileSync(file), credential, {
      serialization: flags.json === true ? 'json' : 'compact',
    });
  } else {
    const placement = (
      typeof flags.placement === 'string' ? flags.placement : 'ubl-extensions'
    ) as SignaturePlacement;
    if (placement !== 'ubl-extensions' && placement !== 'root-end')
      throw new Error('--placement is ubl-extensions or root-end');
    signed = signEnveloped(
      readFileSync(file, 'utf8'),
      { privateKey: credential.privateKey, certificate: credential.certificates[0]! },
      placement,
      { profile: profile as 'xmldsig' | 'xades-bes' },
    ).xml;
  }
  if (typeof flags.output === 'string') writeFileSync(flags.output, signed);
  else process.stdout.write(signed);
  return 0;
}

/** `einvoice verify`: checks the XMLDSig signature of each file; exit 1 when any does not verify. */
function verifyFiles(files: string[], flags: Flags): number {
  if (files.length === 0) throw new Error('verify needs at least one FILE');
  const trusted =
    typeof flags.trust === 'string'
      ? (
          readFileSync(flags.trust, 'utf8').match(
            /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
          ) ?? []
        ).map((pem) => new X509Certificate(pem))
      : undefined;
  const results = files.map((file) => ({
    file,
    ...verifyXmlSignature(readFileSync(file, 'utf8'), {
      ...(typeof flags.cert === 'string' ? { certificate: readFileSync(flags.cert, 'utf8') } : {}),
      ...(trusted ? { trusted } : {}),
      allowSha1: flags['allow-sha1'] === true,
    }),
  }));
  if (flags.json === true) print(results);
  else {
    for (const r of results) {
      process.stdout.write(
        `${r.valid ? 'valid  ' : 'INVALID'} ${r.file}${r.certificate ? `  (${r.certificate.subject.replace(/\n/g, ', ')})` : ''}\n`,
      );
      for (const p of r.problems) process.stdout.write(`  ${p.code ?? ''} ${p.path ?? ''}: ${p.message}\n`);
    }
  }
  return results.every((r) => r.valid) ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        url: { type: 'string' },
        'api-key': { type: 'string' },
        flow: { type: 'string' },
        context: { type: 'string' },
        wait: { type: 'boolean' },
        json: { type: 'boolean' },
        quick: { type: 'boolean' },
        mode: { type: 'string' },
        cert: { type: 'string' },
        password: { type: 'string' },
        placement: { type: 'string' },
        profile: { type: 'string' },
        output: { type: 'string', short: 'o' },
        trust: { type: 'string' },
        'allow-sha1': { type: 'boolean' },
        to: { type: 'string' },
        from: { type: 'string' },
        rules: { type: 'string' },
        'fail-rate': { type: 'string' },
        'latency-ms': { type: 'string' },
        pending: { type: 'string' },
        config: { type: 'string' },
        submission: { type: 'boolean' },
        documents: { type: 'string' },
        setup: { type: 'string' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  try {
    switch (command) {
      case 'serve':
        return await serve(flags);
      case 'submit':
        return await submit(positionals, flags);
      case 'status':
        if (!positionals[0]) throw new Error('status needs an ID');
        return await documentCommand('GET', `/api/invoices/${encodeURIComponent(positionals[0])}`, flags);
      case 'resubmit':
        if (!positionals[0]) throw new Error('resubmit needs an ID');
        return await documentCommand(
          'POST',
          `/api/invoices/${encodeURIComponent(positionals[0])}/resubmit`,
          flags,
        );
      case 'validate':
        return await validate(positionals, flags);
      case 'sign':
        return signFile(positionals, flags);
      case 'verify':
        return verifyFiles(positionals, flags);
      case 'convert':
        return convert(positionals, flags);
      case 'formats': {
        for (const f of registeredFormats().list()) {
          const direction = f.read ? 'reads and writes' : 'writes';
          process.stdout.write(`${f.id.padEnd(20)} ${f.description} (${direction})\n`);
        }
        return 0;
      }
      case 'bench': {
        if (flags.submission === true) return await runSubmission(flags);
        return await runBench({ json: flags.json === true, quick: flags.quick === true });
      }
      case 'sandbox':
        return await runSandbox(flags);
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`Unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`einvoice ${command}: ${(error as Error).message}\n`);
    for (const detail of (error as { details?: Array<{ path?: string; message: string }> }).details ?? []) {
      process.stderr.write(`  ${detail.path ?? ''}: ${detail.message}\n`);
    }
    return 1;
  }
}

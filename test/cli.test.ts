import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../shared/adapters/folder-certificate-store';
import { clientOptions, problemLines, serviceBase } from '../shared/cli/client';
import type { CommandIo } from '../shared/cli/command';
import { COMMANDS } from '../shared/cli/commands';
import { sinceTime } from '../shared/cli/commands/list';
import { whyNotCompleted } from '../shared/cli/commands/submit';
import { closest, referenceMarkdown } from '../shared/cli/help';
import { main } from '../shared/cli/main';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { RULE_MODULES } from '../shared/rules/modules';
import type { DocumentRecord } from '../shared/model/record';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { packageRoot } from '../shared/util/package-root';
import { signCades } from '../shared/signing/cades';
import { testSigner } from './support/signer';
import { freePort, tempDir } from './support/temp';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs the CLI in this process with its own output streams. */
async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string | Uint8Array) => (stdout += text.toString()) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { PATH: process.env.PATH, EINVOICE_DATA_DIR: tempDir(), ...env },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

describe('einvoice: version and help', () => {
  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('help and --help list every command with its description', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const { code, stdout } = await cli(args);
      expect(code).toBe(0);
      for (const command of COMMANDS)
        expect(stdout).toMatch(
          new RegExp(`^  ${command.name} +${escape(command.description.slice(0, 30))}`, 'm'),
        );
    }
  });

  it('no command prints the list and exits 2', async () => {
    const { code, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: einvoice <command>');
    expect(stderr).toContain('  submit ');
  });

  it('an unknown command exits 2 suggesting the closest one', async () => {
    expect(await cli(['submt', 'x.json'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`unknown command "submt"; did you mean 'submit'?`),
    });
    expect(await cli(['docter'])).toMatchObject({ code: 2, stderr: expect.stringContaining("'doctor'") });
    expect(closest('zzzzzz', ['submit', 'status'])).toBeUndefined();
  });

  it.each(COMMANDS.map((c) => [c.name]))(
    '%s --help, -h and help %s print the usage, every option with its description, and the examples',
    async (name) => {
      const command = COMMANDS.find((c) => c.name === name)!;
      const { code, stdout } = await cli([name, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: ${command.usage}`);
      for (const option of command.options) {
        expect(stdout).toMatch(new RegExp(`--${option.name}\\b`));
        expect(stdout.replace(/\s+/g, ' ')).toContain(option.description.replace(/\s+/g, ' '));
      }
      for (const example of command.examples) expect(stdout).toContain(example.command);
      expect((await cli([name, '-h'])).stdout).toBe(stdout);
      expect((await cli(['help', name])).stdout).toBe(stdout);
    },
  );

  it('every command declares a description, a usage, its options and at least one example', () => {
    expect(COMMANDS.map((c) => c.name).sort()).toEqual(
      [
        'artifact',
        'bench',
        'cancel',
        'convert',
        'doctor',
        'feature',
        'formats',
        'list',
        'related',
        'resubmit',
        'rules',
        'sandbox',
        'serve',
        'sign',
        'status',
        'submit',
        'validate',
        'verify',
      ].sort(),
    );
    for (const command of COMMANDS) {
      expect(command.description).toMatch(/^[a-z].{10,75}[^.]$/);
      expect(command.usage).toMatch(new RegExp(`^einvoice ${command.name}\\b`));
      for (const arg of command.args) expect(command.usage).toContain(arg.name);
      expect(command.examples.length).toBeGreaterThan(0);
      for (const example of command.examples) {
        expect(example.command).toMatch(new RegExp(`^einvoice ${command.name}\\b`));
        expect(example.comment.length).toBeGreaterThan(5);
      }
      const names = command.options.map((o) => o.name);
      expect(new Set(names).size).toBe(names.length);
      for (const option of command.options) {
        expect(option.description.length).toBeGreaterThan(5);
        if (option.type === 'string') expect(option.value).toBeDefined();
      }
      // Only the last positional argument may take the rest.
      expect(command.args.slice(0, -1).some((a) => a.variadic)).toBe(false);
    }
  });
});

describe('einvoice: usage errors (exit 2)', () => {
  it('an unknown option names it, with the closest declared one', async () => {
    const bogus = await cli(['validate', '--bogus', 'samples/invoice.json']);
    expect(bogus).toMatchObject({ code: 2, stdout: '' });
    expect(bogus.stderr).toBe(
      "einvoice validate: unknown option --bogus\nRun 'einvoice validate --help' for its usage.\n",
    );
    expect((await cli(['submit', '--wiat', 'x.json'])).stderr).toContain(
      'unknown option --wiat (did you mean --wait?)',
    );
    // An option of another command is unknown here.
    expect(await cli(['status', 'X', '--wait'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown option --wait'),
    });
  });

  it.each([
    [['validate', '--mode', 'bogus', 'a.json'], '--mode must be one of fill, check, xsd; got "bogus"'],
    [['sandbox', '--fail-rate', '7'], '--fail-rate must be a number from 0 to 1'],
    [['serve', '--port', 'abc'], '--port must be a port number from 0 to 65535; got "abc"'],
    [['list', '--status', 'completed,done'], '--status must be one or more of received, processing'],
    [['list', '--since', 'yesterday'], '--since must be an ISO date or date-time'],
    [['list', '--limit', '0'], '--limit must be a whole number of 1 or more'],
    [['submit', 'a.json', '--context', '{not json'], '--context must be a JSON object'],
    [['submit', 'a.json', '--context', '[1]'], '--context must be a JSON object'],
    [['submit', 'a.json', '--url', 'localhost:7071'], '--url must be an http:// or https:// URL'],
    [
      ['sandbox', '--authority', 'nowhere'],
      '--authority must be one of bc, sdi, pac, sefaz, entra; got "nowhere"',
    ],
    [['sign', 'a.xml', '--cert', 'c.pem', '--profile', 'pades'], '--profile must be one of xmldsig'],
    [['convert', 'a.json'], '--to TARGET is required'],
    [['convert', 'samples/invoice.json', '--to', 'nope'], '--to must be one of canonical, bc, edoc,'],
    [['submit', 'a.json', '--timeout', '5m'], '--timeout applies to --wait'],
    [['url'], 'unknown command'],
  ])('%j: %s', async (args, message) => {
    const { code, stderr, stdout } = await cli(args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain(message);
  });

  it.each([
    [['validate'], 'einvoice validate: missing FILE...'],
    [['status'], 'einvoice status: missing ID'],
    [['artifact', '01kax3r1zj2m7n4p5q6r7s8t9v'], 'einvoice artifact: missing NAME'],
    [['submit'], 'einvoice submit: missing FILE...'],
    [['cancel', 'a', 'b'], 'einvoice cancel: too many arguments: "b"'],
    [['doctor', 'now'], 'einvoice doctor: takes no arguments'],
  ])('%j: a missing or extra argument', async (args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain(`Run 'einvoice ${args[0]!} --help'`);
  });
});

describe('einvoice: the service client', () => {
  it('takes the URL the server prints, or its origin, with or without a trailing slash', () => {
    for (const url of [
      'http://127.0.0.1:7071/api',
      'http://127.0.0.1:7071/api/',
      'http://127.0.0.1:7071',
      'http://127.0.0.1:7071/',
    ])
      expect(serviceBase(url)).toBe('http://127.0.0.1:7071');
    expect(serviceBase('https://einvoice.example.com/tenant-a/api')).toBe(
      'https://einvoice.example.com/tenant-a',
    );
    expect(serviceBase('localhost:7071')).toBeUndefined();
  });

  it('reads the URL and key from the options, then the environment, then the local runtime', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'local-api-key'), 'ek_local\n');
    expect(clientOptions({}, { EINVOICE_DATA_DIR: dir, EINVOICE_PORT: '7080' })).toMatchObject({
      base: 'http://127.0.0.1:7080',
      display: 'http://127.0.0.1:7080/api',
      apiKey: 'ek_local',
    });
    expect(
      clientOptions(
        { url: 'http://h:1/api/', apiKey: 'ek_flag' },
        { EINVOICE_URL: 'http://other', EINVOICE_API_KEY: 'ek_env', EINVOICE_DATA_DIR: dir },
      ),
    ).toMatchObject({ base: 'http://h:1', apiKey: 'ek_flag' });
    expect(
      clientOptions(
        {},
        { EINVOICE_URL: 'http://other/api', EINVOICE_API_KEY: 'ek_env', EINVOICE_DATA_DIR: dir },
      ),
    ).toMatchObject({ base: 'http://other', apiKey: 'ek_env' });
  });

  it('prints a problem as code: message, then each located error', () => {
    expect(
      problemLines({
        code: 'flow.unknown',
        title: 'No enabled flow "nope" for this tenant',
        errors: [{ path: '/context/flowId', message: 'unknown or disabled flow "nope"' }],
      }),
    ).toEqual([
      'flow.unknown: No enabled flow "nope" for this tenant',
      '/context/flowId: unknown or disabled flow "nope"',
    ]);
    expect(
      problemLines({
        code: 'internal',
        title: 'Internal error',
        detail: 'Quote the instance.',
        instance: 'i-1',
      }),
    ).toEqual(['internal: Internal error: Quote the instance. (instance i-1)']);
  });

  it('says why a document did not complete: the step, code and message of the last failure', () => {
    const record = {
      id: '01kax3r1zj2m7n4p5q6r7s8t9v',
      status: 'failed',
      stepId: 'submit',
      attempt: 10,
      history: [
        { at: 't', stepId: 'validate', action: 'validate', attempt: 1, outcome: 'accepted' },
        {
          at: 't',
          stepId: 'submit',
          action: 'submit-http',
          attempt: 9,
          outcome: 'transient',
          code: 'submit.http-503',
          message: 'Service Unavailable',
        },
        {
          at: 't',
          stepId: 'submit',
          action: 'submit-http',
          attempt: 10,
          outcome: 'failed',
          code: 'submit.http-503',
          message: 'Service Unavailable',
        },
      ],
    } as unknown as DocumentRecord;
    expect(whyNotCompleted(record)).toBe(
      'step submit: submit.http-503: Service Unavailable (after 10 attempts)',
    );
    expect(
      whyNotCompleted({
        ...record,
        status: 'waiting',
        nextAttemptAt: '2026-11-02T10:00:00Z',
        history: record.history.slice(0, 2),
      }),
    ).toBe(
      'step submit: still waiting, next attempt at 2026-11-02T10:00:00Z; last failure submit.http-503: Service Unavailable (after 9 attempts)',
    );
  });

  it('--since takes an ISO date or date-time, or a duration ago', () => {
    const now = Date.parse('2026-11-02T12:00:00Z');
    expect(sinceTime('2h', now)).toBe(Date.parse('2026-11-02T10:00:00Z'));
    expect(sinceTime('30m', now)).toBe(Date.parse('2026-11-02T11:30:00Z'));
    expect(sinceTime('2d', now)).toBe(Date.parse('2026-10-31T12:00:00Z'));
    expect(sinceTime('2026-11-01', now)).toBe(Date.parse('2026-11-01'));
    expect(sinceTime('2026-11-01T08:00:00Z', now)).toBe(Date.parse('2026-11-01T08:00:00Z'));
    expect(sinceTime('yesterday', now)).toBeUndefined();
    expect(sinceTime('120', now)).toBeUndefined();
  });

  it('a service that cannot be reached is named with the reason and how to start it (exit 1)', async () => {
    const port = await freePort();
    const { code, stderr } = await cli(
      ['status', '01kax3r1zj2m7n4p5q6r7s8t9v', '--url', `http://127.0.0.1:${port}/api/`],
      {},
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `einvoice status: cannot reach the service at http://127.0.0.1:${port}/api (ECONNREFUSED); ` +
        "start it with 'einvoice serve' (or npm start), or pass --url\n",
    );
  });
});

describe('einvoice validate --mode xsd', () => {
  const invoiceXml = () => {
    const file = join(tempDir(), 'invoice.xml');
    writeFileSync(file, renderPeppolUbl(sampleInvoice(2)));
    return file;
  };

  it('without the schema says "not checked", naming EINVOICE_SCHEMAS_DIR and docs/formats.md, and exits 1', async () => {
    const file = invoiceXml();
    const { code, stdout } = await cli(['validate', '--mode', 'xsd', file], {
      EINVOICE_SCHEMAS_DIR: tempDir(),
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`^not checked: ${file}: OASIS UBL 2.1 Invoice is not installed`));
    expect(stdout).toContain('EINVOICE_SCHEMAS_DIR');
    expect(stdout).toContain('docs/formats.md');
    expect(stdout).not.toMatch(/^valid/m);
    const unset = await cli(['validate', '--mode', 'xsd', file], {});
    expect(unset.code).toBe(1);
    expect(unset.stdout).toContain('EINVOICE_SCHEMAS_DIR');
  });

  it('in the default mode a missing schema stays a notice: the document is checked by the rules', async () => {
    const { code, stdout } = await cli(['validate', invoiceXml()], { EINVOICE_SCHEMAS_DIR: tempDir() });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^valid {3}/);
    expect(stdout).toContain('XML Schema not checked');
  });

  it('a JSON document is not an XML Schema pass either', async () => {
    const { code, stdout } = await cli([
      'validate',
      '--mode',
      'xsd',
      join(packageRoot(), 'samples', 'invoice.json'),
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('not checked: ');
  });
});

describe('einvoice doctor', () => {
  /** A setup with every check satisfiable: data folder, key folder, stand-in URLs left at their defaults. */
  async function setup(extra: Record<string, string> = {}) {
    const dataDir = tempDir();
    await ensureSelfSignedCertificate(join(dataDir, 'keys'), 'local-signing');
    return {
      EINVOICE_DATA_DIR: dataDir,
      EINVOICE_URL: `http://127.0.0.1:${await freePort()}`,
      ...extra,
    };
  }

  it('passes a good setup with warnings at most, one line per check', async () => {
    const { code, stdout } = await cli(['doctor'], await setup());
    expect(stdout).toMatch(/^ok {3}settings: /m);
    expect(stdout).toMatch(/^ok {3}data folder: .* \(writable\)$/m);
    expect(stdout).toMatch(/^ok {3}flows: \d+ flows in /m);
    expect(stdout).toMatch(/^ok {3}formats: /m);
    expect(stdout).toMatch(/^warn schemas: not installed .*docs\/formats\.md$/m);
    expect(stdout).toMatch(
      /^ok {3}certificate local-signing: CN=einvoice local test, self-signed, expires on \d{4}-\d\d-\d\d \(in 7\d\d days\)$/m,
    );
    expect(stdout).toMatch(/^warn service: not running: cannot reach the service at /m);
    expect(stdout).not.toMatch(/^FAIL/m);
    expect(stdout).toMatch(/ 0 failures\n$/);
    expect(code).toBe(0);
  });

  it('fails on a broken flow, naming the file and the problem', async () => {
    const flows = tempDir();
    writeFileSync(
      join(flows, 'broken.json'),
      JSON.stringify({
        id: 'broken',
        version: 1,
        description: 'x',
        steps: [{ id: 'a', action: 'no-such-action' }],
      }),
    );
    const { code, stdout } = await cli(['doctor'], await setup({ EINVOICE_FLOWS_DIR: flows }));
    expect(code).toBe(1);
    expect(stdout).toContain(
      `FAIL flows: ${join(flows, 'broken.json')}#/steps/0/action: flow.unknown-action: unknown action "no-such-action"`,
    );
  });

  it('fails on an invalid setting, naming it', async () => {
    const { code, stdout } = await cli(['doctor'], await setup({ EINVOICE_STORE: 'floppy' }));
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^FAIL settings: Setting EINVOICE_STORE must be one of journal, level, file, blob, postgres, memory, got "floppy"$/m,
    );
  });

  it('fails on an endpoint a flow calls that refuses connections, naming flow, step and URL', async () => {
    const port = await freePort();
    const { code, stdout } = await cli(['doctor'], await setup({ SANDBOX_URL: `http://127.0.0.1:${port}` }));
    expect(code).toBe(1);
    expect(stdout).toContain(
      `FAIL endpoint: flow sandbox-submit step submit: cannot reach http://127.0.0.1:${port}/submissions (ECONNREFUSED); start it with 'einvoice sandbox'`,
    );
  });

  it('fails on an expired certificate, warns on one about to expire and on a missing signing certificate', async () => {
    const env = await setup({ EINVOICE_SIGNING_CERT: 'company-seal' });
    const keys = join(env.EINVOICE_DATA_DIR, 'keys');
    await ensureSelfSignedCertificate(keys, 'expiring', 'soon', 10);
    await ensureSelfSignedCertificate(keys, 'expired', 'old', -1);
    mkdirSync(join(keys, 'secrets'), { recursive: true });
    const { code, stdout } = await cli(['doctor'], env);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL certificate expired: CN=old, self-signed: expired on \d{4}-\d\d-\d\d$/m);
    expect(stdout).toMatch(
      /^warn certificate expiring: CN=soon, self-signed, expires on .* \(in (9|10) days\)$/m,
    );
    expect(stdout).toContain(
      'warn certificates: the signing certificate "company-seal" (EINVOICE_SIGNING_CERT) is not in',
    );
  });

  it('--json prints every finding', async () => {
    const { stdout } = await cli(['doctor', '--json'], await setup());
    const findings = JSON.parse(stdout) as Array<{ level: string; check: string; detail: string }>;
    expect(findings.map((f) => f.check)).toEqual(
      expect.arrayContaining(['settings', 'flows', 'schemas', 'service']),
    );
  });
});

describe('einvoice rules', () => {
  it('lists every rule module with its rule set, number of rules and official source', async () => {
    const { code, stdout } = await cli(['rules', '--json']);
    expect(code).toBe(0);
    const modules = JSON.parse(stdout) as Array<{ id: string; set: string; rules: number; source: object }>;
    expect(modules.map((m) => m.id)).toEqual(RULE_MODULES.map((m) => m.id));
    expect(modules.find((m) => m.id === 'xrechnung')).toMatchObject({ set: 'xrechnung', rules: 30 });
  });

  it('shows what given rules check, and fails naming an unknown one', async () => {
    const { code, stdout, stderr } = await cli(['rules', 'br-de-15', 'BR-DE-99']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^BR-DE-15 +fatal +xrechnung +BT-10 +The buyer reference/m);
    expect(stderr).toContain('no rule BR-DE-99');
  });

  it('lists the rules of one set', async () => {
    const { code, stdout } = await cli(['rules', '--set', 'peppol-de', '--json']);
    expect(code).toBe(0);
    const rules = JSON.parse(stdout) as Array<{ id: string; set: string }>;
    expect(rules.length).toBe(30);
    expect(rules.every((r) => r.set === 'peppol-de' && r.id.startsWith('DE-R-'))).toBe(true);
  });
});

describe('docs/cli.md', () => {
  it('has the reference of every command as declared', () => {
    const file = join(packageRoot(), 'docs', 'cli.md');
    const text = readFileSync(file, 'utf8');
    const start = '<!-- reference:start -->\n';
    const end = '<!-- reference:end -->';
    const current = text.slice(text.indexOf(start), text.indexOf(end) + end.length);
    // As the formatter writes it (tables aligned), so that formatting the docs keeps them current.
    const formatted = spawnSync(
      process.execPath,
      [join(packageRoot(), 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--stdin-filepath', file],
      { input: text.replace(current, `${start}${referenceMarkdown()}\n${end}`), encoding: 'utf8' },
    );
    expect(formatted.stderr).toBe('');
    const expected = formatted.stdout;
    if (process.env.UPDATE_GENERATED === '1') writeFileSync(file, expected);
    else expect(text).toBe(expected);
    for (const command of COMMANDS) expect(text).toContain(`### einvoice ${command.name}\n`);
  });

  it('has the exit code table, which the README points to', () => {
    const text = readFileSync(join(packageRoot(), 'docs', 'cli.md'), 'utf8');
    expect(text).toMatch(/## Exit codes\n\n\| code \| meaning +\|/);
    for (const code of ['0', '1', '2']) expect(text).toMatch(new RegExp(`^\\| \`${code}\` +\\|`, 'm'));
    expect(readFileSync(join(packageRoot(), 'README.md'), 'utf8')).toContain('docs/cli.md#exit-codes');
  });
});

describe('einvoice feature pack', () => {
  it('writes a feature folder as one package, every part with its sha256', async () => {
    const output = join(tempDir(), 'peppol.feature.json');
    const { code, stdout } = await cli([
      'feature',
      'pack',
      join(packageRoot(), 'flows', 'peppol-bis3'),
      '-o',
      output,
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe(`packed peppol-bis3 1.0.0: 4 files to ${output}\n`);
    const pack = JSON.parse(readFileSync(output, 'utf8')) as {
      files: Array<{ path: string; sha256: string; content: string }>;
    };
    expect(pack.files.map((f) => f.path)).toEqual([
      'feature.json',
      'flows/peppol-outbox.json',
      'formats/peppol-bis3-ubl.json',
      'demo/company.json',
    ]);
    for (const file of pack.files)
      expect(file.content).toBe(readFileSync(join(packageRoot(), 'flows', 'peppol-bis3', file.path), 'utf8'));
  });

  it('refuses an unknown subcommand and a pack without -o', async () => {
    expect((await cli(['feature', 'frobnicate'])).code).toBe(2);
    const { code, stderr } = await cli(['feature', 'pack', join(packageRoot(), 'flows', 'peppol-bis3')]);
    expect(code).toBe(2);
    expect(stderr).toContain('feature pack needs -o FILE');
  });
});

describe('einvoice convert and validate: FatturaPA, signed as .p7m', () => {
  const vendor = join(packageRoot(), 'samples', 'it', 'vendor', 'IT01234567890_00A01.xml');

  it('opens the CAdES envelope, verifies it and reads the invoice; a broken envelope says where', async () => {
    const { credential } = await testSigner('p7m', 'Alfa Software');
    const dir = tempDir();
    const p7m = join(dir, 'IT01234567890_00A01.xml.p7m');
    writeFileSync(p7m, signCades(readFileSync(vendor), credential));
    const read = await cli(['convert', p7m, '--to', 'canonical']);
    expect(read.stderr).toContain('signed (CAdES, verified) by CN=Alfa Software');
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)).toMatchObject({ id: 'FT-2026-0417', seller: { vatId: 'IT01234567890' } });
    // as a base64 text, the way some senders wrap it
    const wrapped = join(dir, 'wrapped.xml.p7m');
    writeFileSync(wrapped, readFileSync(p7m).toString('base64'));
    expect((await cli(['validate', wrapped])).code).toBe(0);
    const broken = join(dir, 'broken.xml.p7m');
    writeFileSync(broken, readFileSync(p7m).subarray(0, 300));
    const refused = await cli(['convert', broken, '--to', 'canonical']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/p7m\.malformed.*byte offset \d+|byte offset \d+/);
  });
});

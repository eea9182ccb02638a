import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandIo } from '../shared/cli/command';
import { main } from '../shared/cli/main';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { Sandbox } from '../shared/sandbox/sandbox';
import { packageRoot } from '../shared/util/package-root';
import { cancellableFeature } from './support/features';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { eventually, freePort, onTeardown, tempDir } from './support/temp';

jest.setTimeout(120_000);

const CLI = join(packageRoot(), 'bin', 'einvoice.js');
const CONTEXT = { format: 'peppol-bis3-ubl', country: 'DE', documentType: 'invoice' };
const ID = /\b[0-9a-hjkmnp-tv-z]{26}\b/;

/** The environment of a user's shell, without settings of this machine that would change the CLI's target. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('EINVOICE_')) delete env[name];
  return { ...env, ...extra };
}

/** Runs `einvoice ARGS` as a user does (the built CLI), without blocking this process's servers. */
function einvoice(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: cleanEnv(options.env), cwd: options.cwd ?? tempDir(), maxBuffer: 10_000_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let runtime: RuntimeProcess;
let dataDir: string;
let files: { good: string; wrongTotal: string };

/** The service's options for the CLI. */
const service = () => ['--url', runtime.url, '--api-key', runtime.apiKey];

beforeAll(async () => {
  // The receiver of sandbox-submit answers 503 to everything: documents sent there keep waiting.
  const receiver = new Sandbox({ port: 0, faults: { errorRatio: 1 } });
  const receiverUrl = await receiver.start();
  onTeardown(() => receiver.stop());
  dataDir = tempDir();
  runtime = await startRuntime(dataDir, { SANDBOX_URL: receiverUrl });
  onTeardown(() => runtime.stop());
  const dir = tempDir();
  files = { good: join(dir, 'good.json'), wrongTotal: join(dir, 'wrong-total.json') };
  writeFileSync(files.good, JSON.stringify({ context: CONTEXT, document: sampleInvoice(2) }));
  const wrong = sampleInvoice(2);
  wrong.totals = { ...wrong.totals!, payable: '999.99' };
  writeFileSync(files.wrongTotal, JSON.stringify({ context: CONTEXT, document: wrong }));
}, 60_000);

describe('einvoice submit', () => {
  it('exits 0 without --wait once every document is accepted, printing status, id and file', async () => {
    const { code, stdout } = await einvoice(['submit', files.good, ...service()]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^received {3}${ID.source}  ${files.good}\\n$`));
  });

  it('--wait: exit 1 when a document ends rejected, with its step, code and message', async () => {
    const { code, stdout } = await einvoice(['submit', files.good, files.wrongTotal, '--wait', ...service()]);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^completed  ${ID.source}  ${files.good}$`));
    expect(lines[1]).toMatch(
      new RegExp(
        `^rejected   ${ID.source}  ${files.wrongTotal}  step validate: validation\\.failed: .*BR-CO-16.*sent 999\\.99`,
      ),
    );
  });

  it('--wait on a terminal shows the counts per status as they change', async () => {
    let stderr = '';
    let stdout = '';
    const io: CommandIo = {
      stdout: { write: (text: string | Uint8Array) => (stdout += text.toString()) },
      stderr: { write: (text: string) => (stderr += text), isTTY: true },
      env: { EINVOICE_URL: `${runtime.url}/api`, EINVOICE_API_KEY: runtime.apiKey },
    };
    expect(await main(['submit', files.good, files.good, '--wait'], io)).toBe(0);
    // Each redraw goes back to the start of the line and clears it (CR, then ESC [K).
    const redraws = stderr.split('\r\u001b[K').slice(1);
    expect(redraws).toContain('2 completed');
    for (const line of redraws.slice(0, -1)) expect(line).toMatch(/^\d+ \w+( · \d+ \w+)*$/);
    expect(stdout.match(/^completed /gm)).toHaveLength(2);
  });

  it('--wait stops at --timeout, saying where each unfinished document is; cancel stops it', async () => {
    const { code, stdout, stderr } = await einvoice([
      'submit',
      files.good,
      '--flow',
      'sandbox-submit',
      '--wait',
      '--timeout',
      '3s',
      ...service(),
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      new RegExp(
        `^(waiting|processing) +${ID.source}  ${files.good}  step submit: still (waiting|processing)`,
      ),
    );
    expect(stderr).toContain('stopped waiting after 3 s');
    const id = ID.exec(stdout)![0];
    const cancelled = await einvoice(['cancel', id, ...service()]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `cancelled  ${id}\n` });
    const again = await einvoice(['cancel', id, ...service()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`einvoice cancel: document.finished: Document ${id} is already cancelled\n`);
  });

  it('a refusal of the service is printed as code: message with each located error; --json prints it raw', async () => {
    const refused = await einvoice(['submit', files.good, '--flow', 'nope', ...service()]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^refused +- {2}/);
    expect(refused.stderr).toContain(
      `einvoice submit: ${files.good}: flow.unknown: No enabled flow "nope" for this tenant\n` +
        '  /context/flowId: unknown or disabled flow "nope"\n',
    );
    const json = await einvoice(['submit', files.good, '--flow', 'nope', '--json', ...service()]);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual([
      { file: files.good, answer: expect.objectContaining({ code: 'flow.unknown', status: 422 }) },
    ]);
  });

  it('--context that is not JSON is a usage error (exit 2)', async () => {
    const { code, stderr } = await einvoice(['submit', files.good, '--context', '{oops', ...service()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^einvoice submit: --context must be a JSON object/);
    expect(stderr).toContain("Run 'einvoice submit --help'");
  });
});

describe('the service URL and key', () => {
  let id: string;
  beforeAll(async () => {
    id = ID.exec((await einvoice(['submit', files.good, '--wait', ...service()])).stdout)![0];
  });

  it.each([['/api'], ['/api/'], [''], ['/']])('--url takes the base URL with "%s"', async (suffix) => {
    const { code, stdout } = await einvoice([
      'status',
      id,
      '--url',
      `${runtime.url}${suffix}`,
      '--api-key',
      runtime.apiKey,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${id}  completed  flow peppol-outbox`));
  });

  it("finds the local runtime's port and key (EINVOICE_PORT, EINVOICE_DATA_DIR) without options", async () => {
    const port = new URL(runtime.url).port;
    const { code, stdout } = await einvoice(['status', id, '--json'], {
      env: { EINVOICE_PORT: port, EINVOICE_DATA_DIR: dataDir },
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ id, status: 'completed' });
  });

  it('a service that cannot be reached: exit 1 with the URL, the reason and how to start it', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, stdout, stderr } = await einvoice([
      'submit',
      files.good,
      '--url',
      url,
      '--api-key',
      'ek_x',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `einvoice submit: cannot reach the service at ${url}/api (ECONNREFUSED); ` +
        "start it with 'einvoice serve' (or npm start), or pass --url\n",
    );
  });

  it('an unknown document is a problem printed as code: message (exit 1); --json prints the answer', async () => {
    const missing = '01kax3r1zj2m7n4p5q6r7s8t9v';
    const { code, stderr } = await einvoice(['status', missing, ...service()]);
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: `einvoice status: document.not-found: No document ${missing}\n`,
    });
    const json = await einvoice(['status', missing, '--json', ...service()]);
    expect(json).toMatchObject({ code: 1, stderr: '' });
    expect(JSON.parse(json.stdout)).toMatchObject({ code: 'document.not-found', status: 404 });
  });

  it('a wrong key is refused, saying which key was used', async () => {
    const { code, stderr } = await einvoice(['status', id, '--url', runtime.url, '--api-key', 'ek_wrong']);
    expect(code).toBe(1);
    expect(stderr).toContain('auth.invalid-key: ');
    expect(stderr).toContain('the API key from --api-key is not accepted');
  });
});

describe('einvoice list, artifact, resubmit', () => {
  let completed: string;
  let rejected: string;
  beforeAll(async () => {
    const { stdout } = await einvoice(['submit', files.good, files.wrongTotal, '--wait', ...service()]);
    [completed, rejected] = stdout.match(new RegExp(ID.source, 'g')) as [string, string];
  });

  it('list prints one line per document: id, status, flow, step, last change', async () => {
    const { code, stdout } = await einvoice(['list', '--status', 'completed', ...service()]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^${completed}  completed  peppol-outbox +deliver +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`, 'm'),
    );
    expect(stdout).not.toContain(rejected);
  });

  it('list merges several statuses by id, follows pages up to --limit, and takes --since', async () => {
    const both = await einvoice([
      'list',
      '--status',
      'rejected,completed',
      '--since',
      '1h',
      '--json',
      ...service(),
    ]);
    const records = JSON.parse(both.stdout) as Array<{ id: string; status: string }>;
    expect(records.map((r) => r.id)).toEqual([...records.map((r) => r.id)].sort());
    expect(records.map((r) => r.id)).toEqual(expect.arrayContaining([completed, rejected]));
    expect(new Set(records.map((r) => r.status))).toEqual(new Set(['completed', 'rejected']));
    const limited = await einvoice(['list', '--limit', '2', ...service()]);
    expect(limited.stdout.trim().split('\n')).toHaveLength(2);
    expect(limited.stderr).toContain('more documents than --limit 2');
    const future = await einvoice(['list', '--since', '2999-01-01', ...service()]);
    expect(future).toMatchObject({ code: 0, stdout: '', stderr: 'no documents\n' });
  });

  it('artifact writes the stored bytes to a file or stdout; an unknown name exits 1', async () => {
    const answer = await fetch(`${runtime.url}/api/invoices/${completed}/artifacts/signed.xml`, {
      headers: { 'x-api-key': runtime.apiKey },
    });
    const expected = Buffer.from(await answer.arrayBuffer());
    const dir = tempDir();
    const saved = await einvoice(['artifact', completed, 'signed.xml', '-o', 'signed.xml', ...service()], {
      cwd: dir,
    });
    expect(saved.code).toBe(0);
    expect(readFileSync(join(dir, 'signed.xml')).equals(expected)).toBe(true);
    const printed = await einvoice(['artifact', completed, 'signed.xml', ...service()]);
    expect(printed.stdout).toBe(expected.toString('utf8'));
    const missing = await einvoice(['artifact', completed, 'nope.xml', ...service()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^einvoice artifact: artifact\.not-found: /);
  });

  it('resubmit starts a rejected document again; a completed one is refused', async () => {
    const again = await einvoice(['resubmit', rejected, ...service()]);
    expect(again).toMatchObject({ code: 0, stdout: `processing ${rejected}\n` });
    const refused = await einvoice(['resubmit', completed, ...service()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^einvoice resubmit: document\.not-resubmittable: /);
  });
});

describe('einvoice doctor against a running service', () => {
  it('says the service answers', async () => {
    const { stdout } = await einvoice(['doctor', ...service()], { env: { EINVOICE_DATA_DIR: dataDir } });
    expect(stdout).toMatch(new RegExp(`^ok {3}service: answers at ${runtime.url}/api`, 'm'));
  });
});

describe('einvoice sandbox --authority bc', () => {
  it('starts the Business Central stand-in, prints the settings it needs, and stops on SIGTERM', async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [CLI, 'sandbox', '--authority', 'bc', '--port', '0', '--data-dir', dir],
      {
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    onTeardown(() => (child.exitCode === null ? child.kill('SIGKILL') : undefined));
    const url = await eventually(
      async () =>
        /einvoice sandbox \(Business Central\) listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1],
      20_000,
      'the stand-in to listen',
    );
    expect(output).toContain(`BC_API_URL    ${url}/api/v2.0`);
    expect(output).toContain(join(dir, 'keys', 'secrets', 'bc-client-secret'));
    expect((await fetch(`${url}/api/v2.0/companies`)).status).toBeLessThan(500);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('--fail-rate does not apply to it (exit 2)', async () => {
    const { code, stderr } = await einvoice(['sandbox', '--authority', 'bc', '--fail-rate', '0.5']);
    expect(code).toBe(2);
    expect(stderr).toContain('--fail-rate does not apply to --authority bc');
  });
});

describe('einvoice feature and related', () => {
  // last in this file: enabling a feature makes the tenant's set of features explicit
  it('packs a feature, imports it into the service, enables it, and cancels a completed document with it', async () => {
    const source = cancellableFeature(tempDir());
    const pack = join(tempDir(), 'cancellable.feature.json');
    expect((await einvoice(['feature', 'pack', source, '-o', pack])).stdout).toBe(
      `packed cancellable 1.0.0: 3 files to ${pack}\n`,
    );
    const imported = await einvoice(['feature', 'import', pack, ...service()]);
    expect(imported).toMatchObject({ code: 0, stdout: 'imported cancellable 1.0.0\n' });
    const again = await einvoice(['feature', 'import', pack, ...service()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('feature.invalid-package');
    expect((await einvoice(['feature', 'enable', 'cancellable', ...service()])).stdout).toBe(
      'enabled cancellable 1.0.0\n',
    );
    const listed = await einvoice(['feature', 'list', ...service()]);
    expect(listed.stdout).toMatch(/^cancellable +1\.0\.0 +installed 1\.0\.0/m);
    expect(listed.stdout).toMatch(/^peppol-bis3 +off /m);

    const file = join(tempDir(), 'invoice.json');
    writeFileSync(file, JSON.stringify({ context: { format: 'cancellable' }, document: sampleInvoice(1) }));
    const submitted = await einvoice(['submit', file, '--wait', ...service()]);
    expect(submitted.stdout).toMatch(/^completed/);
    const id = ID.exec(submitted.stdout)![0];
    const cancel = await einvoice([
      'related',
      id,
      '--kind',
      'cancel',
      '--data',
      '{"reason":"02"}',
      ...service(),
    ]);
    expect(cancel.code).toBe(0);
    const cancelId = ID.exec(cancel.stdout)![0];
    await eventually(async () =>
      (await einvoice(['status', cancelId, ...service()])).stdout.includes('completed') ? true : undefined,
    );
    const original = JSON.parse((await einvoice(['status', id, '--json', ...service()])).stdout) as {
      related: Array<{ id: string; kind: string }>;
    };
    expect(original.related).toEqual([expect.objectContaining({ id: cancelId, kind: 'cancel' })]);
    const unknown = await einvoice(['related', id, '--kind', 'correct', ...service()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('related.unknown-kind');
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINDING_SETTING_DEFAULTS } from '../shared/settings';
import { packageRoot } from '../shared/util/package-root';
import { freePort, tempDir } from './support/temp';

/**
 * Every shell example of README.md and docs/*.md, run as written, in order, against the processes the doc
 * itself tells the user to start. The conventions the docs follow (README.md, "Development"):
 * - each ```sh block runs, one command at a time, in a working folder holding `samples/` and the
 *   runtime's data folder `.data/`; `npx einvoice` is this package's CLI;
 * - `npm start`, `einvoice serve` and `einvoice sandbox` start in the background (a second terminal, for
 *   the user) and are awaited until they say they listen; a doc that starts no runtime gets one (and a
 *   sandbox) before its first command, as its text asks the reader to have one running;
 * - a command must exit 0 unless its comment says `# exit N`; a following comment line `#> text` is text
 *   its output must contain (`<...>` stands for anything);
 * - `<document id>` is the last document id an earlier command printed;
 * - the documented ports 7071 (service), 7072 (sandbox), 7073 (Business Central stand-in), 7074 (SDI
 *   stand-in) and 7075 (PAC stand-in) are replaced
 *   by free ones, and the settings that default to them point there;
 * - a block right after `<!-- not run: reason -->` is not run (it needs Azure, or it is this test run).
 */

const ROOT = packageRoot();
const DOC_PORTS = { service: 7071, sandbox: 7072, bc: 7073, sdi: 7074, pac: 7075 } as const;
type PortName = keyof typeof DOC_PORTS;

interface Example {
  line: number;
  command: string;
  exit: number;
  outputs: string[];
  background: boolean;
}

interface Doc {
  file: string;
  examples: Example[];
  notRun: Array<{ line: number; reason: string }>;
}

/** The command part of a line (before a `#` comment that is not inside quotes) and its comment. */
function splitComment(line: string): { command: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!)))
      return { command: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
  }
  return { command: line.trimEnd(), comment: '' };
}

const BACKGROUND = /(^|&&\s*)(npm start\b|npx einvoice (serve|sandbox)\b)/;

function parseDoc(file: string): Doc {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const doc: Doc = { file, examples: [], notRun: [] };
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const marker =
      /^<!-- not run: (.+?) -->$/.exec(lines[i - 1] ?? '') ??
      /^<!-- not run: (.+?) -->$/.exec(lines[i - 2] ?? '');
    const start = i;
    let current: Example | undefined;
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) {
      if (marker) continue;
      let text = lines[i]!;
      const line = i + 1;
      if (/^\s*#>/.test(text)) {
        if (!current) throw new Error(`${file}:${line}: "#>" with no command before it`);
        current.outputs.push(text.replace(/^\s*#>\s?/, ''));
        continue;
      }
      while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1) + ' ' + lines[++i]!.trim();
      const { command, comment } = splitComment(text);
      if (command === '') continue;
      const exit = /\bexit (\d+)\b/.exec(comment);
      current = {
        line,
        command,
        exit: exit ? Number(exit[1]) : 0,
        outputs: [],
        background: BACKGROUND.test(command),
      };
      doc.examples.push(current);
    }
    if (marker) doc.notRun.push({ line: start + 1, reason: marker[1]! });
  }
  return doc;
}

function docFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`),
  ];
}

/** `<...>` in an expected output stands for anything. */
function outputPattern(expected: string): RegExp {
  const parts = expected.split(/<[^>]+>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(parts.join('.*?'));
}

interface Session {
  dir: string;
  ports: Record<PortName, number>;
  env: NodeJS.ProcessEnv;
  background: ChildProcess[];
  outputs: string[];
}

/** Shims that run this checkout as the docs' commands: `npx einvoice`, `npm start` (already built). */
function writeShims(bin: string, realNpx: string): void {
  const cli = join(ROOT, 'bin', 'einvoice.js');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'npx'),
    `#!/usr/bin/env bash\nif [ "$1" = einvoice ]; then shift; exec "${process.execPath}" "${cli}" "$@"; fi\nexec "${realNpx}" "$@"\n`,
  );
  // npm start = the start script; its prestart build already ran before the tests (pretest).
  writeFileSync(
    join(bin, 'npm'),
    `#!/usr/bin/env bash\ncase "$1" in\n  start) exec "${process.execPath}" "${cli}" serve ;;\n  install|ci) echo "(installed)" ;;\n  *) echo "npm $1 is not run by the docs test" >&2; exit 99 ;;\nesac\n`,
  );
  chmodSync(join(bin, 'npx'), 0o755);
  chmodSync(join(bin, 'npm'), 0o755);
}

function withPorts(command: string, ports: Record<PortName, number>): string {
  let text = command;
  for (const name of Object.keys(DOC_PORTS) as PortName[])
    text = text.replaceAll(`127.0.0.1:${DOC_PORTS[name]}`, `127.0.0.1:${ports[name]}`);
  const sandbox = /npx einvoice sandbox\b/.exec(text);
  if (sandbox && !/--port\b/.test(text)) {
    const authority = /--authority\s+(bc|sdi|pac)\b/.exec(text)?.[1] as 'bc' | 'sdi' | 'pac' | undefined;
    const port = authority ? ports[authority] : ports.sandbox;
    text = text.replace(/npx einvoice sandbox\b/, `npx einvoice sandbox --port ${port}`);
  }
  return text;
}

async function newSession(): Promise<Session> {
  const dir = tempDir('einvoice-docs-');
  symlinkSync(join(ROOT, 'samples'), join(dir, 'samples'));
  const realNpx = spawnSync('bash', ['-c', 'command -v npx'], { encoding: 'utf8' }).stdout.trim();
  writeShims(join(dir, '.bin'), realNpx || 'npx');
  const ports = {
    service: await freePort(),
    sandbox: await freePort(),
    bc: await freePort(),
    sdi: await freePort(),
    pac: await freePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(dir, '.bin')}:${process.env.PATH ?? ''}`,
    EINVOICE_PORT: String(ports.service),
    EINVOICE_LOCAL_API_KEY: '',
    EINVOICE_DATA_DIR: '',
    EINVOICE_SCHEMAS_DIR: '',
    EINVOICE_LOG_FORMAT: 'json',
  };
  // Settings whose defaults point at the documented local ports point at the free ones.
  for (const [name, value] of Object.entries(BINDING_SETTING_DEFAULTS)) {
    if (/127\.0\.0\.1:707\d/.test(value)) env[name] = withPorts(value, ports);
  }
  return { dir, ports, env, background: [], outputs: [] };
}

async function startBackground(session: Session, command: string): Promise<string> {
  const child = spawn('bash', ['-c', command], {
    cwd: session.dir,
    env: session.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  session.background.push(child);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 30 s:\n${output}`)), 30_000);
    const check = () => {
      if (/running at http|listening at http/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${output}`));
    });
  });
  return output;
}

function run(session: Session, command: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      cwd: session.dir,
      env: session.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function stopSession(session: Session): Promise<void> {
  await Promise.all(
    session.background.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          try {
            process.kill(-child.pid!, 'SIGTERM');
          } catch {
            resolve();
          }
          setTimeout(() => {
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // gone
            }
          }, 10_000).unref();
        }),
    ),
  );
}

const ID = /\b[0-9a-hjkmnp-tv-z]{26}\b/g;

describe('documented examples', () => {
  const docs = docFiles().map(parseDoc);

  it('are found, and every block that is not run says why', () => {
    expect(docs.find((d) => d.file === 'README.md')!.examples.length).toBeGreaterThan(5);
    for (const doc of docs)
      for (const skipped of doc.notRun) expect(skipped.reason.length).toBeGreaterThan(10);
  });

  for (const doc of docs.filter((d) => d.examples.length > 0)) {
    describe(doc.file, () => {
      let session: Session;
      const startsRuntime = doc.examples.some((e) => /npm start|einvoice serve/.test(e.command));
      const startsSandbox = doc.examples.some((e) => /einvoice sandbox(?!.*--authority)/.test(e.command));

      beforeAll(async () => {
        session = await newSession();
        if (!startsRuntime) await startBackground(session, 'npx einvoice serve');
        if (!startsRuntime && !startsSandbox)
          await startBackground(session, withPorts('npx einvoice sandbox', session.ports));
      }, 60_000);
      afterAll(() => stopSession(session), 30_000);

      for (const example of doc.examples) {
        it(`line ${example.line}: ${example.command}`, async () => {
          let command = withPorts(example.command, session.ports);
          if (command.includes('<document id>')) {
            const ids = session.outputs.join('\n').match(ID);
            if (!ids) throw new Error('no document id printed before this example');
            command = command.replaceAll('<document id>', ids[ids.length - 1]!);
          }
          const unknown = /<[a-z][a-z -]*>/i.exec(command.replace(/<<?\s*'?EOF'?/, ''));
          if (unknown) throw new Error(`placeholder ${unknown[0]} has no value here`);
          if (example.background) {
            session.outputs.push(await startBackground(session, command));
            return;
          }
          const { code, output } = await run(session, command);
          session.outputs.push(output);
          const report = `${command}\n--- exit ${code}, output:\n${output.slice(-4000)}`;
          if (code !== example.exit) throw new Error(`expected exit ${example.exit}:\n${report}`);
          for (const expected of example.outputs) {
            if (!outputPattern(expected).test(output))
              throw new Error(`output lacks "${expected}":\n${report}`);
          }
        }, 180_000);
      }
    });
  }
});

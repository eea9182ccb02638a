import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface RuntimeProcess {
  url: string;
  apiKey: string;
  child: ChildProcess;
  output(): string;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
  /** Hard kill (SIGKILL), as a crash. */
  kill(): Promise<void>;
}

/** Starts `einvoice serve` (the built CLI, as a user runs it) on a free port with its own data folder. */
export async function startRuntime(
  dataDir: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<RuntimeProcess> {
  const cli = join(ROOT, 'bin', 'einvoice.js');
  if (!existsSync(join(ROOT, 'dist', 'shared', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run npm run build');
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir, ...args], {
    cwd: dataDir,
    env: { ...process.env, EINVOICE_LOG_LEVEL: 'warn', EINVOICE_LOCAL_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const { url, apiKey } = await new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${output}`)), 30_000);
    const check = () => {
      const match = /running at (http:\/\/127\.0\.0\.1:\d+)\/api[\s\S]*API key: (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, apiKey: match[2]! });
      }
    };
    child.stderr.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runtime exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    apiKey,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

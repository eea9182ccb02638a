import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, onTeardown, tempDir } from './temp';

const PG_ROOT = '/usr/lib/postgresql';

/**
 * The `bin` folder of the newest PostgreSQL of Debian's `postgresql` package (`/usr/lib/postgresql/<n>/bin`),
 * or undefined, said once as a notice; in CI its absence is a failure (CI installs the package).
 */
export function postgresBinaries(what = 'the PostgreSQL tests'): string | undefined {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(PG_ROOT, versions[0], 'bin');
  if (process.env.CI === 'true')
    throw new Error(`PostgreSQL required in CI (apt-get install postgresql): no ${PG_ROOT}/*/bin/initdb`);
  process.stderr.write(
    `NOTICE: PostgreSQL not installed; ${what} are skipped (apt-get install postgresql)\n`,
  );
  return undefined;
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  url: string;
  port: number;
  /** A fresh schema name, so that tests sharing the server do not see each other's tables. */
  schema(prefix?: string): string;
  /** SIGKILLs the server (a crash); `stop` then only waits for it. */
  stop(): Promise<void>;
}

/** initdb and the server refuse to run as root: under root they run as Debian's `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

let schemas = 0;

/**
 * Starts a throwaway PostgreSQL server from the installed binaries: a cluster in a temporary folder
 * (removed after the test file), listening on a free port of 127.0.0.1 and on a socket in that folder,
 * trust authentication, stopped after the test file. Durability is off (fsync, synchronous commit): the
 * cluster lives as long as the test. The collation is ICU's English one, not "C", so that the store's
 * bytewise ordering is tested rather than given.
 */
export async function startPostgres(bin: string): Promise<PostgresServer> {
  const dir = tempDir('einvoice-pg-');
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  mkdirSync(socket);
  const user = runAs();
  if (user) for (const path of [dir, socket]) chownSync(path, user.uid, user.gid);
  const options = { cwd: dir, ...(user ?? {}), env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' } };
  execFileSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--locale-provider=icu',
      '--icu-locale=en-US',
      '--no-sync',
    ],
    { ...options, stdio: 'pipe' },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      socket,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    { ...options, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    // SIGINT: PostgreSQL's fast shutdown (rolls back what is running, closes connections)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  onTeardown(stop);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitUntilReady(url, child, () => output);
  return {
    url,
    port,
    schema: (prefix = 't') => `${prefix}_${process.pid}_${++schemas}`,
    stop,
  };
}

/**
 * A server for the tests of the enclosing file or `describe`: started before them when PostgreSQL is
 * installed, stopped after the file. `describePg` is `describe`, or `describe.skip` without PostgreSQL
 * (said once as a notice; a failure in CI). `server` may be read once the tests run.
 */
export function postgresForTests(what: string): { describePg: typeof describe; server: PostgresServer } {
  const bin = postgresBinaries(what);
  let started: PostgresServer | undefined;
  beforeAll(async () => {
    if (bin) started = await startPostgres(bin);
  }, 60_000);
  const running = (): PostgresServer => {
    if (!started)
      throw new Error('The PostgreSQL server is read before its tests run, or it is not installed');
    return started;
  };
  return {
    describePg: bin ? describe : describe.skip,
    server: {
      get url() {
        return running().url;
      },
      get port() {
        return running().port;
      },
      schema: (prefix) => running().schema(prefix),
      stop: () => running().stop(),
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited with ${child.exitCode}:\n${output()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

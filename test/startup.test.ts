import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { JournalObjectStore } from '../shared/adapters/journal-object-store';
import { InProcessMessageBus } from '../shared/adapters/in-process-bus';
import { LevelObjectStore, levelStoreMemory } from '../shared/adapters/level-object-store';
import { createServices } from '../shared/composition';
import { consoleLogger, silentLogger } from '../shared/log';
import { loadSettings } from '../shared/settings';
import { TenantDirectory } from '../shared/store/tenants';
import { packageRoot } from '../shared/util/package-root';
import { startRuntime } from './support/runtime';
import { freePort, tempDir } from './support/temp';

/** `einvoice serve` as a user starts it; resolves with its exit code, output and how long it ran. */
function serve(
  args: string[],
  env: Record<string, string> = {},
  limitMs = 15_000,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'einvoice.js'), 'serve', ...args], {
    env: { ...process.env, EINVOICE_LOCAL_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, output, ms: Date.now() - started });
    }),
  );
}

// Start-up takes about a second here (a test signing key is made on first start); a process that hangs
// after its error is killed at 15 s and shows as code null.
const PROMPTLY_MS = 8000;

describe('einvoice serve fails fast at start-up', () => {
  const dir = { path: tempDir('einvoice-startup-') };
  let blocker: Server;
  let takenPort: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    takenPort = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('on a port in use: says which port and how to choose another, exits 1', async () => {
    const result = await serve(['--port', String(takenPort), '--data-dir', join(dir.path, 'port')]);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`Port ${takenPort} on 127.0.0.1 is already in use`);
    expect(result.output).toContain('--port');
    expect(result.ms).toBeLessThan(PROMPTLY_MS);
  });

  it('with an invalid flow folder: names the file and the problem, exits 1', async () => {
    const flows = join(dir.path, 'bad-flows');
    mkdirSync(flows);
    writeFileSync(join(flows, 'broken.json'), JSON.stringify({ id: 'broken' }));
    const result = await serve(['--port', '0', '--data-dir', join(dir.path, 'flows')], {
      EINVOICE_FLOWS_DIR: flows,
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain(join(flows, 'broken.json'));
    expect(result.output).toMatch(/steps: is required/);
    expect(result.ms).toBeLessThan(PROMPTLY_MS);
  });

  it('with a data folder that cannot be used: names it, exits 1', async () => {
    const file = join(dir.path, 'a-file');
    writeFileSync(file, 'not a folder');
    const result = await serve(['--port', '0', '--data-dir', join(file, 'data')]);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`Data folder ${join(file, 'data')} cannot be used (ENOTDIR)`);
    expect(result.ms).toBeLessThan(PROMPTLY_MS);
  });

  it('with an invalid setting: names the setting and what it may be, exits 1', async () => {
    const result = await serve(['--port', '0', '--data-dir', join(dir.path, 'setting')], {
      EINVOICE_LOG_FORMAT: 'fancy',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('Setting EINVOICE_LOG_FORMAT must be one of pretty, json, got "fancy"');
    expect(result.ms).toBeLessThan(PROMPTLY_MS);
  });

  it('with the PostgreSQL store and no database URL: names the setting, exits 1', async () => {
    const result = await serve([
      '--port',
      '0',
      '--data-dir',
      join(dir.path, 'pg-none'),
      '--store',
      'postgres',
    ]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('need EINVOICE_POSTGRES_URL (postgres://user@host:5432/database)');
    expect(result.ms).toBeLessThan(PROMPTLY_MS);
  });

  it('with a PostgreSQL server that is not there: names the server, never the password, exits 1', async () => {
    const closed = await freePort();
    const url = `postgres://einvoice:pw-not-to-print@127.0.0.1:${closed}/einvoice`;
    const result = await serve(
      ['--port', '0', '--data-dir', join(dir.path, 'pg-down'), '--store', 'postgres', '--postgres-url', url],
      {},
    );
    expect(result.code).toBe(1);
    expect(result.output).toContain(`PostgreSQL at 127.0.0.1:${closed}/einvoice is not available`);
    expect(result.output).not.toContain('pw-not-to-print');
    expect(result.ms).toBeLessThan(PROMPTLY_MS);
  });

  it('says once at start-up that no XML Schemas are installed, and not again per document', async () => {
    const data = join(dir.path, 'schemas');
    mkdirSync(data);
    const runtime = await startRuntime(data, { EINVOICE_SCHEMAS_DIR: '', EINVOICE_LOG_FORMAT: 'json' });
    try {
      expect(runtime.output()).toContain('EINVOICE_SCHEMAS_DIR is not set');
      // Two documents through peppol-outbox, whose schema step passes with a note when none is installed.
      for (const n of [1, 2]) {
        const invoice = JSON.parse(readFileSync(join(packageRoot(), 'samples', 'invoice.json'), 'utf8'));
        const response = await fetch(`${runtime.url}/api/invoices?wait=30`, {
          method: 'POST',
          headers: {
            'x-api-key': runtime.apiKey,
            'content-type': 'application/json',
            'idempotency-key': `s${n}`,
          },
          body: JSON.stringify(invoice),
        });
        expect(((await response.json()) as { status: string }).status).toBe('completed');
      }
      const notices = runtime.output().match(/schema\.not-(installed|checked)/g) ?? [];
      expect(notices).toEqual(['schema.not-installed']);
    } finally {
      await runtime.stop();
    }
  });
});

describe('the store of a data folder', () => {
  it('is level for a new data folder, journal for one the journal store wrote, or what EINVOICE_STORE says', () => {
    const fresh = tempDir();
    expect(loadSettings({ EINVOICE_DATA_DIR: fresh }).store).toBe('level');
    const written = tempDir();
    mkdirSync(join(written, 'journal'));
    expect(loadSettings({ EINVOICE_DATA_DIR: written }).store).toBe('journal');
    expect(loadSettings({ EINVOICE_DATA_DIR: written, EINVOICE_STORE: 'level' }).store).toBe('level');
    expect(loadSettings({ EINVOICE_DATA_DIR: fresh, EINVOICE_STORE: 'journal' }).store).toBe('journal');
  });

  it('keeps serving what the journal store wrote, and starts a new folder on the level store', async () => {
    const written = tempDir();
    const journal = new JournalObjectStore(join(written, 'journal'));
    const { apiKey } = await new TenantDirectory(journal).create('globex', 'Globex');
    await journal.close();
    const fresh = tempDir();
    for (const [dir, store] of [
      [written, 'journal'],
      [fresh, 'level'],
    ] as const) {
      const runtime = await startRuntime(dir);
      try {
        const key = store === 'journal' ? apiKey : runtime.apiKey;
        const listed = await fetch(`${runtime.url}/api/invoices`, { headers: { 'x-api-key': key } });
        expect(listed.status).toBe(200);
        expect(readdirSync(dir)).toContain(store);
        expect(readdirSync(dir)).not.toContain(store === 'journal' ? 'level' : 'journal');
      } finally {
        await runtime.stop();
      }
    }
  });
});

describe("the store's memory", () => {
  it('is EINVOICE_STORE_CACHE_MB when set, split for LevelDB as its defaults are, and refused when not a count', () => {
    expect(loadSettings({ EINVOICE_DATA_DIR: tempDir() }).storeCacheMb).toBeUndefined();
    expect(loadSettings({ EINVOICE_DATA_DIR: tempDir(), EINVOICE_STORE_CACHE_MB: '112' }).storeCacheMb).toBe(
      112,
    );
    expect(() => loadSettings({ EINVOICE_DATA_DIR: tempDir(), EINVOICE_STORE_CACHE_MB: '0' })).toThrow(
      /EINVOICE_STORE_CACHE_MB/,
    );
    const MIB = 1024 * 1024;
    // the defaults are the split of 56 MiB; twice as much memory doubles every part
    expect(levelStoreMemory(56 * MIB)).toEqual({
      recentBytes: 16 * MIB,
      cacheBytes: 8 * MIB,
      writeBufferBytes: 16 * MIB,
    });
    expect(levelStoreMemory(112 * MIB)).toEqual({
      recentBytes: 32 * MIB,
      cacheBytes: 16 * MIB,
      writeBufferBytes: 32 * MIB,
    });
    const small = levelStoreMemory(7 * MIB);
    expect(small.recentBytes + small.cacheBytes + 2 * small.writeBufferBytes).toBeLessThanOrEqual(7 * MIB);
  });

  it('reaches the store the service opens, LevelDB or the journal; without it each has its default', async () => {
    const MIB = 1024 * 1024;
    const opened = async (store: string, cacheMb?: string) => {
      const settings = loadSettings({
        EINVOICE_DATA_DIR: tempDir(),
        EINVOICE_STORE: store,
        ...(cacheMb ? { EINVOICE_STORE_CACHE_MB: cacheMb } : {}),
      });
      const services = createServices(settings, {
        bus: new InProcessMessageBus(),
        logger: silentLogger,
        exclusive: true,
      });
      const { objects } = services;
      await services.close();
      return objects;
    };
    const level = (await opened('level', '112')) as LevelObjectStore;
    expect(level).toBeInstanceOf(LevelObjectStore);
    expect(level.memory).toEqual(levelStoreMemory(112 * MIB));
    expect(((await opened('level')) as LevelObjectStore).memory).toEqual(levelStoreMemory(56 * MIB));
    const journal = (await opened('journal', '9')) as JournalObjectStore;
    expect(journal).toBeInstanceOf(JournalObjectStore);
    expect(journal.cacheBytes).toBe(9 * MIB);
    expect(((await opened('journal')) as JournalObjectStore).cacheBytes).toBe(64 * MIB);
  });
});

describe('log lines', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, stream: { write: (line: string) => lines.push(line) } };
  };

  it('are readable lines in the pretty format: time, level, event, tenant/document, fields', () => {
    const out = capture();
    const err = capture();
    const logger = consoleLogger({ format: 'pretty', out: out.stream, err: err.stream });
    logger.warn('step.finished', {
      tenantId: 'local',
      documentId: '01abc',
      stepId: 'submit',
      outcome: 'transient',
      code: 'submit.http-503',
      message: 'Service Unavailable',
      durationMs: 12,
    });
    logger.info('runtime.started', { url: 'http://127.0.0.1:7071' });
    expect(err.lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}step\.finished local\/01abc stepId=submit outcome=transient code=submit\.http-503 message="Service Unavailable" 12ms\n$/,
    );
    expect(out.lines[0]).toMatch(/ INFO {2}runtime\.started url=http:\/\/127\.0\.0\.1:7071\n$/);
  });

  it('are JSON objects in the json format, and the level filters', () => {
    const out = capture();
    const err = capture();
    const logger = consoleLogger({ format: 'json', level: 'warn', out: out.stream, err: err.stream });
    logger.info('document.received', { documentId: 'x' });
    logger.error('runtime.error', { code: 'internal', instance: 'abc' });
    expect(out.lines).toEqual([]);
    expect(JSON.parse(err.lines[0]!)).toMatchObject({
      level: 'error',
      event: 'runtime.error',
      instance: 'abc',
    });
  });

  it('default to pretty on a terminal and to JSON otherwise; unknown formats are refused', () => {
    const isTTY = process.stdout.isTTY;
    try {
      Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
      expect(loadSettings({}).logFormat).toBe('pretty');
      Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
      expect(loadSettings({}).logFormat).toBe('json');
      expect(loadSettings({ EINVOICE_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    } finally {
      Object.defineProperty(process.stdout, 'isTTY', { value: isTTY, configurable: true });
    }
    expect(() => loadSettings({ EINVOICE_LOG_FORMAT: 'xml' })).toThrow(/EINVOICE_LOG_FORMAT/);
  });
});

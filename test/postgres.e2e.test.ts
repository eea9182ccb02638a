import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sampleInvoice } from '../shared/model/sample-invoice';
import type { DocumentRecord } from '../shared/model/record';
import type { SandboxStats } from '../shared/sandbox/sandbox';
import { postgresBinaries, startPostgres } from './support/postgres';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { eventually, onTeardown, tempDir } from './support/temp';

jest.setTimeout(420_000);

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'einvoice.js');
const bin = postgresBinaries('the PostgreSQL scale-out test');
const describePg = bin ? describe : describe.skip;

const DOCUMENTS = 2000;
const WORKERS = 3;

/** `einvoice sandbox` as a user starts it, on a free port; stopped after the file. */
async function startSandbox(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onTeardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${output}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}:\n${output}`)));
  });
}

/** When the receiver's accepted count first reached each share of the documents: the steady rate, for the log. */
const reached = new Map<number, number>();

async function stats(sandbox: string): Promise<SandboxStats> {
  const counts = (await (await fetch(`${sandbox}/stats`)).json()) as SandboxStats;
  for (const share of [0.2, 0.8])
    if (counts.accepted >= share * DOCUMENTS && !reached.has(share)) reached.set(share, Date.now());
  return counts;
}

async function api(worker: RuntimeProcess, method: string, path: string, body?: string) {
  const response = await fetch(worker.url + path, {
    method,
    headers: { 'x-api-key': worker.apiKey, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function allRecords(worker: RuntimeProcess): Promise<DocumentRecord[]> {
  const records: DocumentRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await api(worker, 'GET', `/api/invoices?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    records.push(...(page.json.items as DocumentRecord[]));
    cursor = page.json.next as string | undefined;
  } while (cursor);
  return records;
}

/**
 * The batch report once every document is final. The report reads the record of every unfinished document:
 * asked for often while thousands are under way, it would cost more than they do. So it is asked for every
 * 10 s, and at once when the receiver has accepted them all (its counter costs nothing).
 */
async function whenFinal(worker: RuntimeProcess, statusUrl: string, sandbox: string, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  let last: unknown;
  while (Date.now() < deadline) {
    const allAccepted = (await stats(sandbox)).accepted >= DOCUMENTS;
    if (allAccepted || Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      last = (await api(worker, 'GET', statusUrl)).json;
      if ((last as { status?: string }).status === 'completed') return last;
    }
    await new Promise((resolve) => setTimeout(resolve, allAccepted ? 200 : 1000));
  }
  throw new Error(`Documents not final after ${timeoutMs / 1000} s: ${JSON.stringify(last).slice(0, 300)}`);
}

describePg('PostgreSQL: several workers sharing one database', () => {
  it('3 worker processes sharing one database process 2,000 documents through the sandbox with 30 % faults; one worker killed with SIGKILL mid-run; every document completed, none accepted twice', async () => {
    const server = await startPostgres(bin!);
    const sandbox = await startSandbox(['--fail-rate', '0.3']);
    const env = {
      // one signing certificate for all (the first worker to start creates it), one API key for tenant local
      EINVOICE_KEY_DIR: join(tempDir(), 'keys'),
      EINVOICE_LOCAL_API_KEY: 'ek_scale-out-test-0000000000000001',
      SANDBOX_URL: sandbox,
      // a step of the killed worker is taken over once its lease is past: 30 s, not the default 5 minutes,
      // and messages it had taken come back after 10 s
      STAGE_TIMEOUT_SECONDS: '30',
      EINVOICE_POSTGRES_LOCK_SECONDS: '10',
      RETRY_TIMER_SCHEDULE: '*/2 * * * * *',
    };
    const args = ['--store', 'postgres', '--postgres-url', server.url];
    // started at once: the schema, tenant local and the certificate are created by whichever comes first
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const worker = await startRuntime(tempDir(), env, args);
        onTeardown(() => worker.stop());
        return worker;
      }),
    );
    expect(new Set(workers.map((w) => w.apiKey))).toEqual(new Set([env.EINVOICE_LOCAL_API_KEY]));
    const [entry, victim, survivor] = workers as [RuntimeProcess, RuntimeProcess, RuntimeProcess];

    const started = Date.now();
    const batch = await api(
      entry,
      'POST',
      '/api/batches',
      JSON.stringify({
        context: { flowId: 'sandbox-submit' },
        items: Array.from({ length: DOCUMENTS }, (_, i) => ({ document: sampleInvoice(1, `PG-${i}`) })),
      }),
    );
    expect(batch.status).toBe(202);

    const atKill = await eventually(
      async () => {
        const accepted = (await stats(sandbox)).accepted;
        return accepted >= DOCUMENTS / 4 ? accepted : undefined;
      },
      120_000,
      'a quarter of the documents accepted',
    );
    await victim.kill();
    expect(atKill).toBeLessThan(DOCUMENTS);

    const report = await whenFinal(survivor, batch.json.statusUrl, sandbox).catch((error: Error) => {
      throw new Error(`${error.message}\nsurvivor's log (end):\n${survivor.output().slice(-4000)}`);
    });
    const seconds = (Date.now() - started) / 1000;
    const steady = (0.6 * DOCUMENTS) / ((reached.get(0.8)! - reached.get(0.2)!) / 1000);
    process.stderr.write(
      `scale-out: ${DOCUMENTS} documents final in ${seconds.toFixed(1)} s with ${WORKERS} workers, one killed at ` +
        `${atKill} accepted; ${steady.toFixed(1)} documents/s accepted from 20 % to 80 %\n`,
    );
    expect(report).toMatchObject({
      total: DOCUMENTS,
      accepted: DOCUMENTS,
      documents: { completed: DOCUMENTS, failed: 0, rejected: 0, cancelled: 0, unfinished: 0 },
    });

    // the receiver took every document once: each idempotency key accepted once, no content under two keys
    const receiver = await stats(sandbox);
    expect(receiver).toMatchObject({ accepted: DOCUMENTS, submissions: DOCUMENTS, duplicates: 0 });
    expect(receiver.faults.unavailable ?? 0).toBeGreaterThan(DOCUMENTS / 4);

    const records = await allRecords(entry);
    expect(records).toHaveLength(DOCUMENTS);
    expect(records.filter((r) => r.status !== 'completed').map((r) => r.id)).toEqual([]);
    const acceptedTwice = records.filter(
      (r) => r.history.filter((e) => e.action === 'submit-http' && e.outcome === 'accepted').length !== 1,
    );
    expect(acceptedTwice.map((r) => r.id)).toEqual([]);
  });
});

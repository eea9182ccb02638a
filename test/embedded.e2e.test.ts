import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JournalObjectStore } from '../shared/adapters/journal-object-store';
import { sampleInvoice } from '../shared/model/sample-invoice';
import type { DocumentRecord } from '../shared/model/record';
import { TenantDirectory } from '../shared/store/tenants';
import { PEPPOL_OUTBOX_ARTIFACTS } from './support/expectations';
import { TestReceiver } from './support/receiver';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { eventually, onTeardown, tempDir } from './support/temp';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');
const CONTEXT = { format: 'peppol-bis3-ubl', country: 'DE', documentType: 'invoice' };

async function api(
  runtime: RuntimeProcess,
  method: string,
  path: string,
  body?: unknown,
  key = runtime.apiKey,
) {
  const response = await fetch(runtime.url + path, {
    method,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    json: text ? JSON.parse(text) : undefined,
  };
}

/** Starts a runtime that is stopped after the test file. */
async function run(dir: string, env: Record<string, string> = {}) {
  const started = await startRuntime(dir, env);
  onTeardown(() => started.stop());
  return started;
}

/** Every record of the local tenant, through the paged list API. */
async function allRecords(runtime: RuntimeProcess): Promise<DocumentRecord[]> {
  const records: DocumentRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await api(runtime, 'GET', `/api/invoices?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    records.push(...(page.json.items as DocumentRecord[]));
    cursor = page.json.next as string | undefined;
  } while (cursor);
  return records;
}

function batchBody(count: number, prefix: string): string {
  return JSON.stringify({
    context: CONTEXT,
    items: Array.from({ length: count }, (_, i) => ({ document: sampleInvoice(1, `${prefix}-${i}`) })),
  });
}

describe('embedded runtime (einvoice serve)', () => {
  it('takes a document over HTTP to completed, with every artifact, and the CLI submit exits 0', async () => {
    const dir = tempDir();
    const runtime = await run(dir);
    const submitted = await api(runtime, 'POST', '/api/invoices?wait=60', {
      context: CONTEXT,
      document: sampleInvoice(20),
    });
    // on failure, the whole answer (with the record's history) is in the message
    expect({ status: submitted.status, body: submitted.json }).toMatchObject({
      status: 200,
      body: { status: 'completed' },
    });
    const record = (await api(runtime, 'GET', submitted.json.statusUrl)).json as DocumentRecord;
    expect(record.artifacts.map((a) => a.name).sort()).toEqual(PEPPOL_OUTBOX_ARTIFACTS);
    expect(readdirSync(join(dir, 'outbox', 'local'))).toEqual([`${record.id}.xml`]);

    const cli = await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'bin', 'einvoice.js'),
        'submit',
        join(ROOT, 'samples', 'invoice.json'),
        '--wait',
        '--url',
        runtime.url,
        '--api-key',
        runtime.apiKey,
      ],
      { cwd: dir },
    );
    expect(cli.stdout).toMatch(/^completed\s+\w{26}/);
  });

  it("answers malformed JSON, an unknown flow, an oversized body and a foreign tenant's document with problem+json", async () => {
    const dir = tempDir();
    // A second tenant, configured in the data folder before start.
    const store = new JournalObjectStore(join(dir, 'journal'));
    const { apiKey: otherKey } = await new TenantDirectory(store).create('globex', 'Globex');
    await store.close();
    const runtime = await run(dir, { EINVOICE_MAX_BODY_BYTES: '20000' });
    const oversized = await api(
      runtime,
      'POST',
      '/api/invoices',
      JSON.stringify({ context: CONTEXT, document: { note: 'x'.repeat(30_000) } }),
    );
    expect(oversized).toMatchObject({
      status: 413,
      contentType: 'application/problem+json',
      json: { code: 'request.too-large' },
    });
    const malformed = await api(runtime, 'POST', '/api/invoices', '{"document": ');
    expect(malformed).toMatchObject({
      status: 400,
      contentType: 'application/problem+json',
      json: { code: 'request.invalid-json' },
    });
    const unknownFlow = await api(runtime, 'POST', '/api/invoices', {
      context: { flowId: 'nope' },
      document: sampleInvoice(1),
    });
    expect(unknownFlow).toMatchObject({
      status: 422,
      contentType: 'application/problem+json',
      json: { code: 'flow.unknown' },
    });
    const mine = await api(runtime, 'POST', '/api/invoices', {
      context: CONTEXT,
      document: sampleInvoice(1),
    });
    const foreign = await api(runtime, 'GET', mine.json.statusUrl, undefined, otherKey);
    expect(foreign).toMatchObject({ status: 404, contentType: 'application/problem+json' });
    expect((await api(runtime, 'GET', mine.json.statusUrl)).status).toBe(200);
    expect((await api(runtime, 'GET', '/api/nowhere')).status).toBe(404);
  });

  it('completes a batch of 1,000 documents', async () => {
    const dir = tempDir();
    const runtime = await run(dir);
    const batch = await api(runtime, 'POST', '/api/batches', batchBody(1000, 'B'));
    expect(batch.status).toBe(202);
    const report = await eventually(
      async () => {
        const r = await api(runtime, 'GET', batch.json.statusUrl);
        return r.json.status === 'completed' ? r.json : undefined;
      },
      120_000,
      'batch intake',
    );
    expect(report).toMatchObject({ total: 1000, accepted: 1000, failed: 0 });
    const records = await eventually(
      async () => {
        const all = await allRecords(runtime);
        return all.length === 1000 && all.every((r) => r.status === 'completed') ? all : undefined;
      },
      150_000,
      '1,000 completed documents',
    );
    expect(new Set(records.map((r) => r.id)).size).toBe(1000);
    expect(readdirSync(join(dir, 'outbox', 'local'))).toHaveLength(1000);
  });

  it('continues every document after SIGKILL in the middle of a batch, none twice', async () => {
    const dir = tempDir();
    const first = await startRuntime(dir);
    const count = 300;
    const batch = await api(first, 'POST', '/api/batches', batchBody(count, 'K'));
    expect(batch.status).toBe(202);
    await eventually(
      async () => {
        const delivered = readdirSyncSafe(join(dir, 'outbox', 'local')).length;
        return delivered >= 20 ? delivered : undefined;
      },
      60_000,
      'first deliveries',
    );
    await first.kill();
    const deliveredAtKill = readdirSyncSafe(join(dir, 'outbox', 'local')).length;
    expect(deliveredAtKill).toBeLessThan(count);

    const second = await run(dir);
    const records = await eventually(
      async () => {
        const all = await allRecords(second);
        return all.length === count && all.every((r) => r.status === 'completed') ? all : undefined;
      },
      150_000,
      'all documents completed after restart',
    );
    expect(new Set(records.map((r) => r.clientKey)).size).toBe(count);
    for (const record of records) {
      expect(
        record.history.filter((e) => e.action === 'deliver-folder' && e.outcome === 'accepted'),
      ).toHaveLength(1);
    }
    expect(readdirSyncSafe(join(dir, 'outbox', 'local')).filter((f) => f.endsWith('.xml'))).toHaveLength(
      count,
    );
  });

  it('retries a receiver failing 3 times with 503 through scheduled messages: completed, one accepted submission', async () => {
    const receiver = new TestReceiver([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const url = await receiver.start();
    onTeardown(() => receiver.stop());
    // The timer runs once a day here: the retries come from the messages scheduled for them.
    const runtime = await run(tempDir(), { SANDBOX_URL: url, RETRY_TIMER_SCHEDULE: '0 0 3 * * *' });
    const submitted = await api(runtime, 'POST', '/api/invoices?wait=60', {
      context: { ...CONTEXT, flowId: 'sandbox-submit' },
      document: sampleInvoice(3),
    });
    expect(submitted.json.status).toBe('completed');
    const record = (await api(runtime, 'GET', submitted.json.statusUrl)).json as DocumentRecord;
    expect(record.history.filter((e) => e.action === 'submit-http').map((e) => e.outcome)).toEqual([
      'transient',
      'transient',
      'transient',
      'accepted',
    ]);
    expect(record.history.filter((e) => e.action === 'timer')).toEqual([]);
    expect(receiver.requests).toHaveLength(4);
    expect([...receiver.acceptedByKey.values()]).toEqual([1]);
  });

  it('rejects a document the receiver refuses for good (400), with the reason in the history', async () => {
    const receiver = new TestReceiver([{ status: 400, body: { message: 'Unknown buyer endpoint' } }]);
    const url = await receiver.start();
    onTeardown(() => receiver.stop());
    const runtime = await run(tempDir(), { SANDBOX_URL: url });
    const submitted = await api(runtime, 'POST', '/api/invoices?wait=30', {
      context: { ...CONTEXT, flowId: 'sandbox-submit' },
      document: sampleInvoice(1),
    });
    expect(submitted.json.status).toBe('rejected');
    const record = (await api(runtime, 'GET', submitted.json.statusUrl)).json as DocumentRecord;
    expect(record.history.find((e) => e.action === 'submit-http')).toMatchObject({
      outcome: 'rejected',
      code: 'submit.http-400',
      message: expect.stringContaining('Unknown buyer endpoint'),
    });
  });

  it('reads local.settings.json from its folder', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'local.settings.json'),
      JSON.stringify({ IsEncrypted: false, Values: { EINVOICE_LOCAL_API_KEY: 'from-settings-file-1' } }),
    );
    const runtime = await run(dir);
    expect(runtime.apiKey).toBe('from-settings-file-1');
  });
});

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => !f.startsWith('.'));
  } catch {
    return [];
  }
}

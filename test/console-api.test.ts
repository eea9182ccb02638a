import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { provideServices } from '../functions/lib/services';
import { sampleInvoice } from '../shared/model/sample-invoice';
import type { DocumentRecord } from '../shared/model/record';
import { RegistrationRecorder } from '../shared/runtime/registrations';
import { newDocumentId } from '../shared/util/ids';
import { packageRoot } from '../shared/util/package-root';
import { summarize } from '../shared/engine/summary';
import { operationsReport, recordsCsv } from '../shared/store/record-reports';
import { createHarness, TENANT, type Harness } from './support/harness';
import { callHandler, registrationNamed, type HandlerRequest } from './support/http-handler';

const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

/** Documents one bulk action may take (docs/api.md). */
const MAX_SELECTION = 1000;
const KEY = 'acme-console-key-0123456789';
const OTHER_KEY = 'other-console-key-0123456789';
const CONTEXT = { format: 'peppol-bis3-ubl', companyId: 'CRONUS-DE' };
const sample = (name: string) =>
  JSON.parse(readFileSync(join(packageRoot(), 'samples', name), 'utf8')) as {
    context: Record<string, unknown>;
    document: Record<string, unknown>;
  };

let h: Harness;
const completed: DocumentRecord[] = [];
/** Documents whose validation refused them (status rejected, code validation.failed). */
const rejected: DocumentRecord[] = [];

function call(name: string, init: HandlerRequest = {}, key = KEY) {
  return callHandler(registrationNamed(recorder, name), key, init);
}

/** The raw answer of a handler whose body is not JSON (CSV, ZIP). */
async function raw(name: string, init: HandlerRequest) {
  const registration = registrationNamed(recorder, name);
  const { HttpRequest, InvocationContext } = await import('@azure/functions');
  const response = (await registration.handler(
    new HttpRequest({
      method: init.method ?? 'GET',
      url: 'http://localhost/api/x',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      ...(init.body !== undefined ? { body: { string: init.body } } : {}),
      ...(init.query ? { query: init.query } : {}),
    }),
    new InvocationContext({ functionName: name }),
  )) as { status?: number; body?: string | Uint8Array; headers?: Record<string, string> };
  return response;
}

beforeAll(async () => {
  h = await createHarness();
  provideServices(h.services);
  await h.services.tenants.addKey(TENANT, KEY);
  await h.services.tenants.create('other', 'Other', OTHER_KEY);
  for (let i = 0; i < 3; i++) {
    const record = await h.submit(sampleInvoice(2, `INV-OK-${i}`), CONTEXT);
    completed.push(await h.settle(record.id));
  }
  const wrong = sample('invalid/wrong-line-total.json');
  for (let i = 0; i < 4; i++) {
    const record = await h.submit({ ...wrong.document, id: `INV-BAD-${i}` }, wrong.context);
    rejected.push(await h.settle(record.id));
  }
});

afterAll(() => provideServices(undefined));

describe('the summary of a record', () => {
  it('names the document, the buyer of an outbound invoice, its total with VAT and currency', () => {
    const invoice = sample('invoice.json');
    expect(completed[0]!.summary).toEqual({
      documentNumber: 'INV-OK-0',
      counterparty: { name: sampleInvoice(2).buyer.name, id: sampleInvoice(2).buyer.vatId },
      amount: expect.stringMatching(/^\d+\.\d{2}$/),
      currency: 'EUR',
    });
    expect(invoice.document.buyer).toBeDefined();
  });

  it('takes the total as the EN 16931 calculation completes it (BT-112)', async () => {
    const invoice = sample('invoice.json');
    const record = await h.submit(invoice.document, invoice.context);
    const canonical = JSON.parse(
      (await h.services.documents.getArtifact(
        TENANT,
        (await h.settle(record.id)).id,
        'canonical.json',
      ))!.toString('utf8'),
    ) as { totals: { taxInclusive: string } };
    expect(record.summary?.amount).toBe(canonical.totals.taxInclusive);
  });

  it('names the vendor of an inbound edoc transfer document, and its gross amount', async () => {
    const transfer = readFileSync(join(packageRoot(), 'samples', 'edoc', 'transfer.json'));
    expect(summarize({ kind: 'edoc-transfer' }, transfer, 'application/json', 'inbound')).toEqual({
      documentNumber: 'R-2026-17',
      counterparty: { name: 'Fabrikam GmbH', id: 'DE123456789' },
      amount: '523.6',
      currency: 'EUR',
    });
  });

  it('gives a payment its amount, and XML input no summary', async () => {
    const pago = JSON.parse(readFileSync(join(packageRoot(), 'samples', 'mx', 'pago.json'), 'utf8'));
    const summary = summarize(
      { kind: 'payment' },
      Buffer.from(JSON.stringify(pago.document)),
      'application/json',
      'outbound',
    );
    expect(summary).toMatchObject({ documentNumber: 'P-301', amount: '15000.00', currency: 'MXN' });
    expect(summarize({ kind: 'xml' } as never, Buffer.from('<Invoice/>'), 'application/xml', 'inbound')).toBe(
      undefined,
    );
  });
});

describe('GET /api/invoices filters', () => {
  const ids = (answer: { json: { items: DocumentRecord[] } }) => answer.json.items.map((r) => r.id);

  it('takes several statuses, newest first, and pages downwards with the cursor', async () => {
    const all = await call('listInvoices', {
      query: { status: 'completed,rejected', order: 'desc', limit: '500' },
    });
    const expected = [...completed, ...rejected]
      .map((r) => r.id)
      .sort()
      .reverse();
    expect(ids(all).filter((id) => expected.includes(id))).toEqual(expected);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('listInvoices', {
        query: { status: 'completed,rejected', order: 'desc', limit: '2', ...(cursor ? { cursor } : {}) },
      });
      seen.push(...ids(page));
      cursor = page.json.next;
    } while (cursor);
    expect(seen).toEqual(ids(all));
  });

  it('finds by document number, counterparty, company, flow and last error code', async () => {
    expect(ids(await call('listInvoices', { query: { q: 'inv-bad-2' } }))).toEqual([rejected[2]!.id]);
    expect(ids(await call('listInvoices', { query: { q: rejected[1]!.id.slice(-8) } }))).toEqual([
      rejected[1]!.id,
    ]);
    const buyer = completed[0]!.summary!.counterparty!.name!;
    expect(
      ids(
        await call('listInvoices', {
          query: { counterparty: buyer.slice(2, 8).toUpperCase(), q: 'inv-ok' },
        }),
      ),
    ).toEqual(completed.map((r) => r.id).sort());
    const code = rejected[0]!.history.at(-1)!.code!;
    expect(code).toBe('validation.failed');
    expect(ids(await call('listInvoices', { query: { errorCode: code } }))).toEqual(
      rejected.map((r) => r.id).sort(),
    );
    expect(ids(await call('listInvoices', { query: { companyId: 'NOPE' } }))).toEqual([]);
    expect(
      ids(await call('listInvoices', { query: { flowId: completed[0]!.flowId, status: 'completed' } })),
    ).toEqual(expect.arrayContaining(completed.map((r) => r.id)));
  });

  it('shows what needs attention: failed, rejected, and unfinished documents idle too long', async () => {
    const stale = { ...completed[0]!, id: newDocumentId(Date.now()), status: 'waiting' as const };
    stale.updatedAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const fresh = { ...stale, id: newDocumentId(Date.now() + 1), updatedAt: new Date().toISOString() };
    await h.services.documents.create(stale);
    await h.services.documents.create(fresh);
    const attention = ids(await call('listInvoices', { query: { attention: 'true', limit: '500' } }));
    expect(attention).toEqual(expect.arrayContaining([...rejected.map((r) => r.id), stale.id]));
    expect(attention).not.toContain(fresh.id);
    expect(attention).not.toContain(completed[0]!.id);
    // a longer idle time leaves the two-hour-old document out
    expect(
      ids(await call('listInvoices', { query: { attention: 'true', idleMinutes: '180', limit: '500' } })),
    ).not.toContain(stale.id);
    await h.services.pipeline.cancel(TENANT, stale.id);
    await h.services.pipeline.cancel(TENANT, fresh.id);
  });

  it('refuses a bad filter with its location', async () => {
    const answer = await call('listInvoices', { query: { status: 'failed,lost' } });
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ path: 'query status', message: 'unknown status lost' }]);
    expect((await call('listInvoices', { query: { attention: 'yes' } })).json.errors[0].path).toBe(
      'query attention',
    );
  });

  it('a page reads a bounded number of records and says where to go on', async () => {
    const page = await h.services.pipeline.list(TENANT, { status: 'rejected', limit: 50, scanLimit: 2 });
    expect(page.records.length).toBeLessThan(rejected.length);
    expect(page.next).toBeDefined();
    const all: string[] = page.records.map((r) => r.id);
    let next = page.next;
    while (next) {
      const more = await h.services.pipeline.list(TENANT, {
        status: 'rejected',
        limit: 50,
        scanLimit: 2,
        cursor: next,
      });
      all.push(...more.records.map((r) => r.id));
      next = more.next;
    }
    expect(all).toEqual(rejected.map((r) => r.id).sort());
  });

  it("shows another tenant none of the tenant's documents", async () => {
    expect((await call('listInvoices', { query: { limit: '500' } }, OTHER_KEY)).json.items).toEqual([]);
    expect((await call('listInvoices', { query: { q: rejected[0]!.id } }, OTHER_KEY)).json.items).toEqual([]);
  });
});

describe('POST /api/invoices/bulk', () => {
  it('a dry run says what would happen to each, and changes nothing', async () => {
    const answer = await call('bulkInvoices', {
      method: 'POST',
      body: JSON.stringify({ action: 'resubmit', ids: [rejected[0]!.id, completed[0]!.id], dryRun: true }),
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      action: 'resubmit',
      dryRun: true,
      total: 2,
      counts: { 'would-resubmit': 1, skipped: 1 },
      items: [
        { id: rejected[0]!.id, status: 'rejected', outcome: 'would-resubmit' },
        { id: completed[0]!.id, outcome: 'skipped', code: 'document.not-resubmittable' },
      ],
    });
    expect((await h.services.pipeline.get(TENANT, rejected[0]!.id)).status).toBe('rejected');
  });

  it('resubmits every document a filter matches', async () => {
    const answer = await call('bulkInvoices', {
      method: 'POST',
      body: JSON.stringify({
        action: 'resubmit',
        filter: { status: ['rejected'], errorCode: 'validation.failed' },
      }),
    });
    expect(answer.json.counts).toEqual({ resubmitted: rejected.length });
    for (const record of rejected) {
      const now = await h.settle(record.id);
      expect(now.history.filter((e) => e.outcome === 'resubmitted')).toHaveLength(1);
      expect(now.status).toBe('rejected'); // the same wrong total is refused again, at the same step
    }
  });

  it("skips another tenant's ids as not found, and touches none of them", async () => {
    const answer = await call(
      'bulkInvoices',
      { method: 'POST', body: JSON.stringify({ action: 'cancel', ids: [rejected[0]!.id] }) },
      OTHER_KEY,
    );
    expect(answer.json.items).toEqual([
      {
        id: rejected[0]!.id,
        outcome: 'skipped',
        code: 'document.not-found',
        message: `No document ${rejected[0]!.id}`,
      },
    ]);
  });

  it('refuses a request with both or neither of ids and filter, and a filter matching too many', async () => {
    for (const body of [{ action: 'cancel' }, { action: 'cancel', ids: [rejected[0]!.id], filter: {} }]) {
      const answer = await call('bulkInvoices', { method: 'POST', body: JSON.stringify(body) });
      expect(answer.status).toBe(400);
      expect(answer.json.code).toBe('bulk.invalid');
    }
    const bad = await call('bulkInvoices', {
      method: 'POST',
      body: JSON.stringify({ action: 'cancel', filter: { status: 'lost' } }),
    });
    expect(bad.json.errors).toEqual([{ path: '/filter/status', message: 'unknown status lost' }]);
    const base = completed[0]!;
    for (let i = 0; i <= MAX_SELECTION; i++)
      await h.services.documents.create({
        ...base,
        id: newDocumentId(Date.parse('2020-01-01') + i),
        status: 'cancelled',
      });
    const tooMany = await call('bulkInvoices', {
      method: 'POST',
      body: JSON.stringify({
        action: 'resubmit',
        dryRun: true,
        filter: { status: 'cancelled', to: '2021-01-01' },
      }),
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.code).toBe('bulk.too-many');
  });
});

describe('exports', () => {
  it('writes the selection as CSV, with one row per record and formulas defused', () => {
    const record = {
      ...completed[0]!,
      summary: {
        documentNumber: '=HYPERLINK("x")',
        counterparty: { name: 'Müller, "Söhne"' },
        amount: '10.00',
        currency: 'EUR',
      },
    };
    const lines = recordsCsv([record]).split('\r\n');
    expect(lines[0]).toBe(
      'id,documentNumber,counterparty,counterpartyId,amount,currency,flowId,featureId,companyId,status,stepId,attempt,lastErrorCode,lastErrorMessage,createdAt,updatedAt,durationMs',
    );
    expect(lines[1]).toContain(`${record.id},"'=HYPERLINK(""x"")","Müller, ""Söhne""",,10.00,EUR,`);
    expect(lines[2]).toBe('');
  });

  it('GET /api/invoices/export answers CSV of the ids given', async () => {
    const answer = await raw('exportInvoices', { query: { ids: rejected.map((r) => r.id).join(',') } });
    expect(answer.headers?.['content-type']).toMatch(/^text\/csv/);
    const rows = String(answer.body).trim().split('\r\n');
    expect(rows).toHaveLength(1 + rejected.length);
    expect(rows.slice(1).every((row) => row.includes(',validation.failed,'))).toBe(true);
  });

  it('POST /api/invoices/export zips the chosen artifacts byte for byte, with records.csv', async () => {
    const answer = await raw('exportInvoices', {
      method: 'POST',
      body: JSON.stringify({ ids: completed.map((r) => r.id), artifacts: ['signed.xml', 'input.json'] }),
    });
    expect(answer.headers?.['content-type']).toBe('application/zip');
    const files = unzipSync(answer.body as Uint8Array);
    expect(Object.keys(files).sort()).toEqual(
      ['records.csv', ...completed.flatMap((r) => [`${r.id}/input.json`, `${r.id}/signed.xml`])].sort(),
    );
    for (const record of completed) {
      const info = record.artifacts.find((a) => a.name === 'signed.xml')!;
      expect(createHash('sha256').update(files[`${record.id}/signed.xml`]!).digest('hex')).toBe(info.sha256);
    }
  });
});

describe('GET /api/operations', () => {
  const at = (minutes: number) =>
    new Date(Date.parse('2026-11-28T10:00:00Z') + minutes * 60_000).toISOString();
  const record = (status: DocumentRecord['status'], durations: number[], code?: string): DocumentRecord => ({
    ...completed[0]!,
    status,
    createdAt: at(status === 'failed' ? 70 : 5),
    updatedAt: at(80),
    history: durations.map((durationMs, i) => ({
      at: at(i),
      stepId: 'sign',
      action: 'sign-xml',
      attempt: 1,
      outcome: i === durations.length - 1 && code ? 'failed' : 'accepted',
      durationMs,
      ...(i === durations.length - 1 && code ? { code } : {}),
    })),
  });

  it('counts per status and bucket, errors by code, and the median and 95th percentile of each step', () => {
    const records = [
      ...Array.from({ length: 19 }, (_, i) => record('completed', [i + 1])),
      record('completed', [1000]),
      record('failed', [5], 'stage.timeout'),
      record('failed', [5], 'certificate.expired'),
      record('failed', [5], 'certificate.expired'),
    ];
    const report = operationsReport(records, {
      from: Date.parse('2026-11-28T10:00:00Z'),
      to: Date.parse('2026-11-28T12:00:00Z'),
      bucket: 'hour',
      sampled: false,
      now: Date.parse('2026-11-28T12:00:00Z'),
    });
    expect(report.byStatus).toEqual({ completed: 20, failed: 3 });
    expect(report.series).toEqual([
      { start: '2026-11-28T10:00:00.000Z', counts: { completed: 20 } },
      { start: '2026-11-28T11:00:00.000Z', counts: { failed: 3 } },
    ]);
    expect(report.errors.map((e) => [e.code, e.count])).toEqual([
      ['certificate.expired', 2],
      ['stage.timeout', 1],
    ]);
    expect(report.deadLettered).toBe(1);
    // 23 durations, sorted: 1 2 3 4 5 5 5 5 6 7 8 9 … 19 1000; nearest rank: the 12th (9) is the median,
    // the 22nd (19) the 95th percentile
    expect(report.steps).toEqual([{ stepId: 'sign', action: 'sign-xml', count: 23, p50Ms: 9, p95Ms: 19 }]);
  });

  it("answers for the tenant's own documents only", async () => {
    const mine = await call('operations', { query: { bucket: 'day' } });
    const theirs = await call('operations', { query: { bucket: 'day' } }, OTHER_KEY);
    expect(mine.json.total).toBeGreaterThan(0);
    expect(theirs.json).toMatchObject({ total: 0, byStatus: {}, errors: [], batches: [] });
    expect(mine.json.steps.map((s: { stepId: string }) => s.stepId)).toEqual(
      expect.arrayContaining(['validate', 'sign']),
    );
  });
});

describe('configuration, read-only', () => {
  it('lists the flows that run for the tenant with their steps, and the company setups', async () => {
    const flows = await call('flows');
    const peppol = flows.json.items.find((f: { id: string }) => f.id === completed[0]!.flowId);
    expect(peppol).toMatchObject({
      enabled: true,
      steps: expect.arrayContaining([expect.objectContaining({ id: 'sign' })]),
    });
    expect(new Set(flows.json.items.map((f: { id: string }) => f.id)).size).toBe(flows.json.items.length);
    await h.services.tenants.setCompany(TENANT, 'CRONUS', {
      companyId: 'CRONUS',
      costDocumentType: 'posting_journal',
    } as never);
    expect((await call('companies')).json.items).toEqual([
      { companyId: 'CRONUS', costDocumentType: 'posting_journal' },
    ]);
    expect((await call('companies', {}, OTHER_KEY)).json.items).toEqual([]);
  });
});

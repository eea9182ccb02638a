import { InvocationContext } from '@azure/functions';
import { provideServices } from '../functions/lib/services';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { RegistrationRecorder } from '../shared/runtime/registrations';
import { loadSettings } from '../shared/settings';
import { createHarness, TENANT, type Harness } from './support/harness';
import { callHandler, registrationNamed } from './support/http-handler';

const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

const KEY = 'acme-retention-key-0123456789';
const DAY = 86_400_000;
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  provideServices(h.services);
  await h.services.tenants.addKey(TENANT, KEY);
});

afterAll(() => provideServices(undefined));

const hold = (id: string, method: 'PUT' | 'DELETE', body?: string) =>
  callHandler(registrationNamed(recorder, 'legalHold'), KEY, {
    method,
    params: { id },
    ...(body !== undefined ? { body } : {}),
  });

async function exists(id: string): Promise<boolean> {
  return (await h.services.documents.get(TENANT, id)) !== undefined;
}

describe('retention', () => {
  it('deletes finished documents past the period, with their artifacts and client key, and keeps held, unfinished and recent ones', async () => {
    const old = await h.settle((await h.submit(sampleInvoice(1, 'OLD'), undefined, 'key-old')).id);
    const held = await h.settle((await h.submit(sampleInvoice(1, 'HELD'))).id);
    const { record: unfinished } = await h.services.pipeline.submit({
      tenantId: TENANT,
      context: { flowId: 'sandbox-submit' },
      content: Buffer.from(JSON.stringify(sampleInvoice(1, 'WAITING'))),
      contentType: 'application/json',
    });
    await h.settle(unfinished.id);
    expect((await hold(held.id, 'PUT', JSON.stringify({ reason: 'tax audit 2026' }))).json).toEqual({
      id: held.id,
      legalHold: { since: expect.any(String), reason: 'tax audit 2026' },
    });
    h.clock.advance(400 * DAY);
    const recent = await h.settle((await h.submit(sampleInvoice(1, 'RECENT'))).id);

    const { deleted, held: kept } = await h.services.documents.deleteFinished(h.clock.now - 365 * DAY, 1000);
    expect({ deleted, kept }).toEqual({ deleted: 1, kept: 1 });
    expect(await exists(old.id)).toBe(false);
    expect(await h.services.objects.list(`tenants/${TENANT}/documents/${old.id}/artifacts/`)).toEqual([]);
    expect(await exists(held.id)).toBe(true);
    expect(await exists(unfinished.id)).toBe(true);
    expect(await exists(recent.id)).toBe(true);
    // the client key is free again: the same key starts a new document rather than answering a deleted one
    const again = await h.submit(sampleInvoice(1, 'OLD'), undefined, 'key-old');
    expect(again.id).not.toBe(old.id);

    // released, the held document goes at the next sweep once its period has passed again
    expect((await hold(held.id, 'DELETE')).status).toBe(204);
    expect((await h.services.documents.deleteFinished(h.clock.now - 365 * DAY, 1000)).deleted).toBe(0);
    h.clock.advance(366 * DAY);
    await h.services.documents.deleteFinished(h.clock.now - 365 * DAY, 1000);
    expect(await exists(held.id)).toBe(false);
  });

  it('deletes at most the limit a run, oldest first', async () => {
    const own = await createHarness(); // nothing else in its store
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      own.clock.advance(1); // ids sort by creation time, to the millisecond
      ids.push((await own.settle((await own.submit(sampleInvoice(1, `L-${i}`))).id)).id);
    }
    own.clock.advance(400 * DAY);
    expect((await own.services.documents.deleteFinished(own.clock.now - 365 * DAY, 2)).deleted).toBe(2);
    const left = await Promise.all(
      ids.map(async (id) => (await own.services.documents.get(TENANT, id)) !== undefined),
    );
    expect(left).toEqual([false, false, true]);
  });

  it('the timer does nothing without EINVOICE_RETENTION, which takes days or years', async () => {
    const kept = await h.settle((await h.submit(sampleInvoice(1, 'KEPT'))).id);
    h.clock.advance(4000 * DAY);
    await registrationNamed(recorder, 'retentionTimer').handler(
      {},
      new InvocationContext({ functionName: 'retentionTimer' }),
    );
    expect(await exists(kept.id)).toBe(true);
    expect(loadSettings({ EINVOICE_RETENTION: '10y' }).retentionMs).toBe(3650 * DAY);
    expect(loadSettings({ EINVOICE_RETENTION: '3650d' }).retentionMs).toBe(3650 * DAY);
    expect(loadSettings({ EINVOICE_RETENTION: '' }).retentionMs).toBeUndefined();
    expect(() => loadSettings({ EINVOICE_RETENTION: '10 years' })).toThrow(/EINVOICE_RETENTION/);
  });

  it('refuses a hold of another shape, and of a document that is not there', async () => {
    expect((await hold('01m80n6scha19aep59b94aga4s', 'PUT')).status).toBe(404);
    const doc = await h.settle((await h.submit(sampleInvoice(1, 'X'))).id);
    const bad = await hold(doc.id, 'PUT', JSON.stringify({ reason: 7 }));
    expect(bad.json.code).toBe('hold.invalid');
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentRecord } from '../shared/model/record';
import { RegistrationRecorder } from '../shared/runtime/registrations';
import { provideServices } from '../functions/lib/services';
import { createHarness, holdingBus, TENANT, type Harness } from './support/harness';
import { callHandler, registrationNamed } from './support/http-handler';
import { startRuntime } from './support/runtime';
import { eventually, onTeardown, tempDir } from './support/temp';

/**
 * Waiting for what an authority sends on its own: an event before the wait, after it, twice, for a key no
 * document has, past the deadline, and across a crash of the process.
 */

const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

const route = (name: string) => registrationNamed(recorder, name);

/**
 * A feature whose flow records the authority's id of the submission (`submissionId`, from the body) and
 * then waits for the authority's verdict on it.
 */
function awaitingFeature(): string {
  const root = tempDir();
  const dir = join(root, 'awaiting');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'feature.json'),
    JSON.stringify({
      id: 'awaiting',
      version: '1.0.0',
      title: 'Awaiting',
      direction: 'outbound',
      flows: ['flow.json'],
    }),
  );
  writeFileSync(
    join(dir, 'flow.json'),
    JSON.stringify({
      id: 'awaiting-flow',
      version: 1,
      description: 'takes the submission id, then waits for the verdict',
      steps: [
        {
          id: 'sent',
          action: 'handle-response',
          with: {
            input: 'input.json',
            status: '/status',
            outcomes: { accepted: ['sent'] },
            variables: { submissionId: '/key' },
          },
        },
        {
          id: 'verdict',
          action: 'await-event',
          with: {
            key: '{submissionId}',
            deadline: '2h',
            check: '30m',
            outcomes: { accepted: ['delivered'], rejected: ['rejected'] },
          },
        },
      ],
    }),
  );
  return root;
}

const CONTEXT = { flowId: 'awaiting-flow' };

describe('await-event', () => {
  let h: Harness;
  const apiKey = 'acme-key-events-012345';
  const bus = holdingBus();
  beforeAll(async () => {
    h = await createHarness({ EINVOICE_FEATURES_DIR: awaitingFeature() }, bus.wrap);
    await h.services.tenants.addKey(TENANT, apiKey);
    provideServices(h.services);
  });
  afterAll(() => provideServices(undefined));

  const send = (event: Record<string, unknown>, headers: Record<string, string> = {}) =>
    callHandler(route('featureEvents'), apiKey, {
      method: 'POST',
      params: { featureId: 'awaiting' },
      body: JSON.stringify(event),
      headers,
    });
  const start = (key: string) => h.submit({ key, status: 'sent' }, CONTEXT);
  const verdicts = (r: DocumentRecord) =>
    r.history.filter((e) => e.action === 'await-event' && e.outcome !== 'pending');
  const settled = async (id: string) => {
    await h.bus.whenIdle({ scheduled: false });
    return h.settle(id);
  };

  it('waits, then an event delivered to the waiting document completes it', async () => {
    const record = await settled((await start('K-after')).id);
    expect(record).toMatchObject({ status: 'waiting', stepId: 'verdict', featureId: 'awaiting' });
    const answer = await send({ id: 'e1', key: 'K-after', type: 'delivered' });
    expect(answer).toMatchObject({ status: 202, json: { id: 'e1', status: 'delivered' } });
    const done = await settled(record.id);
    expect(done.status).toBe('completed');
    expect(done.events).toEqual([{ id: 'e1', type: 'delivered', at: expect.any(String) }]);
    expect(done.history.some((e) => e.action === 'event' && e.outcome === 'woken')).toBe(true);
    expect(done.artifacts.map((a) => a.name)).toContain('event-1.json');
  });

  it('keeps an event that arrives before the document waits, and the document takes it when it does', async () => {
    bus.hold();
    const record = await start('K-before');
    const early = await send({ id: 'e2', key: 'K-before', type: 'delivered' });
    expect(early.json).toEqual({ id: 'e2', status: 'kept' });
    const unmatched = await callHandler(route('featureUnmatchedEvents'), apiKey, {
      params: { featureId: 'awaiting' },
    });
    expect(unmatched.json.items.map((e: { id: string }) => e.id)).toContain('e2');
    await bus.release();
    const done = await settled(record.id);
    expect(done.status).toBe('completed');
    expect(done.events?.map((e) => e.id)).toEqual(['e2']);
    const after = await callHandler(route('featureUnmatchedEvents'), apiKey, {
      params: { featureId: 'awaiting' },
    });
    expect(after.json.items.map((e: { id: string }) => e.id)).not.toContain('e2');
  });

  it('takes the same event twice as one: the document completes once', async () => {
    const record = await settled((await start('K-twice')).id);
    expect((await send({ id: 'e3', key: 'K-twice', type: 'delivered' })).json.status).toBe('delivered');
    const again = await send({ id: 'e3', key: 'K-twice', type: 'delivered' });
    expect(again).toMatchObject({ status: 200, json: { status: 'duplicate' } });
    const done = await settled(record.id);
    expect(done.status).toBe('completed');
    expect(verdicts(done)).toHaveLength(1);
    expect(done.events).toHaveLength(1);
  });

  it('keeps an event for a key no document has, listed as unmatched', async () => {
    const answer = await send({ id: 'e4', key: 'K-nobody', type: 'delivered', codes: ['X1'] });
    expect(answer.json.status).toBe('kept');
    const unmatched = await callHandler(route('featureUnmatchedEvents'), apiKey, {
      params: { featureId: 'awaiting' },
    });
    expect(unmatched.json.items).toContainEqual(
      expect.objectContaining({ id: 'e4', key: 'K-nobody', type: 'delivered', codes: ['X1'] }),
    );
  });

  it('keeps waiting on other event types, and rejects with the codes of a rejection', async () => {
    const record = await settled((await start('K-reject')).id);
    expect((await send({ id: 'e5', key: 'K-reject', type: 'received' })).json.status).toBe('delivered');
    const still = await settled(record.id);
    expect(still).toMatchObject({ status: 'waiting', stepId: 'verdict' });
    expect(still.events?.map((e) => e.type)).toEqual(['received']);
    await send({ id: 'e6', key: 'K-reject', type: 'rejected', codes: ['00200', '00305'], message: 'totals' });
    const done = await settled(record.id);
    expect(done.status).toBe('rejected');
    expect(done.history.at(-1)).toMatchObject({
      code: 'event.rejected',
      message: expect.stringContaining('00200'),
    });
    expect(done.events?.map((e) => e.type)).toEqual(['received', 'rejected']);
    const second = await h.services.pipeline.artifact(TENANT, record.id, 'event-2.json');
    expect(JSON.parse(second.content.toString('utf8'))).toMatchObject({
      id: 'e6',
      codes: ['00200', '00305'],
    });
  });

  it('looks again at once when an event arrives while the waiting step is running', async () => {
    bus.hold();
    const record = await start('K-race');
    await bus.release(true); // runs "sent"; the message of "verdict" is held
    await h.bus.whenIdle({ scheduled: false });
    const running = await h.services.pipeline.get(TENANT, record.id);
    expect(running).toMatchObject({ status: 'processing', stepId: 'verdict' });
    // the step is under way (its message on the bus) when the event's wake comes
    expect(await h.services.pipeline.wake(TENANT, record.id, 'verdict')).toBe(true);
    expect((await h.services.pipeline.get(TENANT, record.id)).wakeRequested).toBeDefined();
    await bus.release();
    const after = await settled(record.id);
    // it found nothing on its first look, and looked again at once rather than in 30 minutes
    expect(after.history.filter((e) => e.action === 'await-event').map((e) => e.outcome)).toEqual([
      'pending',
      'pending',
    ]);
    expect(after.status).toBe('waiting');
    expect(after.wakeRequested).toBeUndefined();
  });

  it('fails past the deadline without an event', async () => {
    const record = await settled((await start('K-late')).id);
    expect(record.status).toBe('waiting');
    h.clock.advance(2 * 3_600_000 + 60_000);
    await h.services.pipeline.redriveDue();
    const done = await settled(record.id);
    expect(done.status).toBe('failed');
    expect(done.history.at(-1)).toMatchObject({ code: 'event.deadline' });
  });

  it('takes an event key for the feature instead of an API key, and no other', async () => {
    const key = await h.services.inbox.newKey(TENANT, 'awaiting');
    const ok = await callHandler(route('featureEvents'), '', {
      method: 'POST',
      params: { featureId: 'awaiting' },
      query: { key },
      body: JSON.stringify({ id: 'e7', key: 'K-keyed', type: 'delivered' }),
      headers: { 'x-api-key': '' },
    });
    expect(ok.status).toBe(202);
    const other = await callHandler(route('featureEvents'), '', {
      method: 'POST',
      params: { featureId: 'peppol-bis3' },
      headers: { 'x-event-key': key, 'x-api-key': '' },
      body: JSON.stringify({ key: 'K', type: 'delivered' }),
    });
    expect(other).toMatchObject({ status: 401, json: { code: 'auth.invalid-key' } });
    const invalid = await send({ key: 'K', type: 'not a type!' });
    expect(invalid).toMatchObject({ status: 400, json: { code: 'event.invalid' } });
  });
});

describe('await-event across a crash', () => {
  it('a document waiting when the process is killed completes once when the event arrives after the restart', async () => {
    const dataDir = tempDir();
    const env = { EINVOICE_FEATURES_DIR: awaitingFeature() };
    const first = await startRuntime(dataDir, env);
    onTeardown(() => first.stop());
    const call = async (
      runtime: { url: string; apiKey: string },
      method: string,
      path: string,
      body?: unknown,
    ) => {
      const response = await fetch(`${runtime.url}/api${path}`, {
        method,
        headers: { 'x-api-key': runtime.apiKey, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return (await response.json()) as Record<string, unknown>;
    };
    const { id } = await call(first, 'POST', '/invoices', {
      context: CONTEXT,
      document: { key: 'K-crash', status: 'sent' },
    });
    await eventually(async () =>
      (await call(first, 'GET', `/invoices/${id as string}`)).status === 'waiting' ? true : undefined,
    );
    await first.kill();
    const second = await startRuntime(dataDir, env);
    onTeardown(() => second.stop());
    const answer = await call(second, 'POST', '/events/awaiting', {
      id: 'c1',
      key: 'K-crash',
      type: 'delivered',
    });
    expect(answer.status).toBe('delivered');
    const done = (await eventually(async () => {
      const record = await call(second, 'GET', `/invoices/${id as string}`);
      return record.status === 'completed' ? record : undefined;
    })) as unknown as DocumentRecord;
    expect(done.history.filter((e) => e.stepId === 'verdict' && e.outcome === 'accepted')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more happens to it
    const later = (await call(second, 'GET', `/invoices/${id as string}`)) as unknown as DocumentRecord;
    expect(later.history).toHaveLength(done.history.length);
  });
});

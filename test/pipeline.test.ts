import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import type { InProcessMessageBus } from '../shared/adapters/in-process-bus';
import { EInvoiceError } from '../shared/errors';
import type { FlowDefinition } from '../shared/flows/types';
import { shippedFormats } from '../shared/formats/mapping';
import { DUE_GRANULARITY_MS } from '../shared/store/document-store';
import type { StageMessage } from '../shared/model/message';
import { sampleInvoice } from '../shared/model/sample-invoice';
import type { MessageBus, SendOptions } from '../shared/ports/message-bus';
import type { ObjectStore } from '../shared/ports/object-store';
import { MemoryObjectStore } from '../shared/adapters/memory-object-store';
import { createHarness, TENANT, type Harness } from './support/harness';
import { PEPPOL_OUTBOX_ARTIFACTS } from './support/expectations';
import { TestReceiver } from './support/receiver';
import { onTeardown, tempDir } from './support/temp';

const SANDBOX = { flowId: 'sandbox-submit' };
/** The steps of the PEPPOL outbox flow, in order. */
const OUTBOX_STEPS = ['validate', 'transform', 'schema', 'sign', 'deliver'];

describe('outbound PEPPOL flow to the outbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });

  it('validates, transforms, signs and delivers, recording every artifact with its sha256', async () => {
    const record = await h.settle((await h.submit(sampleInvoice(5))).id);

    expect(record.status).toBe('completed');
    expect(record.flowId).toBe('peppol-outbox');
    expect(record.history.filter((e) => e.outcome === 'accepted').map((e) => e.stepId)).toEqual(OUTBOX_STEPS);
    expect(record.artifacts.map((a) => a.name).sort()).toEqual(PEPPOL_OUTBOX_ARTIFACTS);
    for (const artifact of record.artifacts) {
      const { content } = await h.services.pipeline.artifact(TENANT, record.id, artifact.name);
      expect(createHash('sha256').update(content).digest('hex')).toBe(artifact.sha256);
      expect(content.length).toBe(artifact.size);
    }
    const delivered = readFileSync(join(h.settings.outboxDir, TENANT, `${record.id}.xml`), 'utf8');
    const { content: signed } = await h.services.pipeline.artifact(TENANT, record.id, 'signed.xml');
    expect(delivered).toBe(signed.toString('utf8'));
  });

  it('produces a signature that verifies, and that breaks when one byte changes', async () => {
    const record = await h.settle((await h.submit(sampleInvoice(3))).id);
    const xml = (await h.services.pipeline.artifact(TENANT, record.id, 'signed.xml')).content.toString(
      'utf8',
    );
    const cert = readFileSync(join(h.settings.keyDir, 'local-signing.crt.pem'), 'utf8');
    const verify = (doc: string) => {
      const verifier = new SignedXml({ publicCert: cert });
      const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(doc)![0];
      verifier.loadSignature(signature);
      return verifier.checkSignature(doc);
    };
    expect(verify(xml)).toBe(true);
    expect(verify(xml.replace('Muster Software GmbH', 'Muster Software GmbX'))).toBe(false);
  });

  it('rejects an invalid document with every problem located by JSON path', async () => {
    const invoice = sampleInvoice(2) as unknown as Record<string, unknown>;
    (invoice.lines as Array<Record<string, unknown>>)[1]!.quantity = 'three';
    delete invoice.currency;
    const record = await h.settle((await h.submit(invoice)).id);

    expect(record.status).toBe('rejected');
    const entry = record.history.find((e) => e.action === 'validate')!;
    expect(entry.code).toBe('validation.failed');
    expect(entry.message).toContain('[BR-05] /currency: BT-5 Invoice currency code is required');
    expect(entry.message).toContain('/lines/1/quantity');
    expect(record.artifacts.some((a) => a.name === 'invoice.xml')).toBe(false);
  });

  it('returns the existing document when a client key is submitted again', async () => {
    const submitWithKey = () =>
      h.services.pipeline.submit({
        tenantId: TENANT,
        context: { format: 'peppol-bis3-ubl' },
        content: Buffer.from(JSON.stringify(sampleInvoice(1))),
        contentType: 'application/json',
        clientKey: 'erp-4711',
      });
    const first = await submitWithKey();
    const second = await submitWithKey();
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.record.id).toBe(first.record.id);
  });

  it('acknowledges a stale message without running the step again', async () => {
    const record = await h.settle((await h.submit(sampleInvoice(1))).id);
    const stale: StageMessage = {
      tenantId: TENANT,
      documentId: record.id,
      flowId: record.flowId,
      flowVersion: record.flowVersion,
      stepId: 'sign',
      attempt: 1,
      correlationId: record.correlationId,
      artifacts: [],
    };
    await h.services.pipeline.runStep(stale);
    const after = await h.services.pipeline.get(TENANT, record.id);
    expect(after.history).toEqual(record.history);
    expect(after.updatedAt).toBe(record.updatedAt);
  });

  it('records a pure step once when its message is delivered twice at the same time', async () => {
    const record = await h.settle((await h.submit(sampleInvoice(2))).id);
    const transformed = record.artifacts.find((a) => a.name === 'invoice.xml')!;
    // Put the record back on the transform step (which runs without a claim) and deliver its message twice.
    await h.services.documents.update(TENANT, record.id, (r) => ({
      ...r,
      status: 'processing',
      stage: 'transform',
      stepId: 'transform',
      attempt: 9,
    }));
    const message: StageMessage = {
      tenantId: TENANT,
      documentId: record.id,
      flowId: record.flowId,
      flowVersion: record.flowVersion,
      stepId: 'transform',
      attempt: 9,
      correlationId: record.correlationId,
      artifacts: [],
    };
    await Promise.all([h.services.pipeline.runStep(message, 'a'), h.services.pipeline.runStep(message, 'b')]);
    const after = await h.settle(record.id);
    expect(after.status).toBe('completed');
    expect(after.history.filter((e) => e.stepId === 'transform' && e.attempt === 9)).toEqual([
      expect.objectContaining({ action: 'transform', outcome: 'accepted' }),
    ]);
    expect(after.artifacts.find((a) => a.name === 'invoice.xml')?.sha256).toBe(transformed.sha256);
  });

  it('refuses a context that breaks the context schema, and names the field', async () => {
    await expect(
      h.submit(sampleInvoice(1), { format: 'peppol-bis3-ubl', country: 'germany' }),
    ).rejects.toMatchObject({
      code: 'context.invalid',
      details: [expect.objectContaining({ path: '/context/country' })],
    });
  });

  it('names the candidates when no flow or an unknown flow is asked for', async () => {
    await expect(h.submit(sampleInvoice(1), { format: 'fatturapa' })).rejects.toMatchObject({
      code: 'flow.no-match',
      status: 422,
    });
    await expect(h.submit(sampleInvoice(1), { flowId: 'no-such-flow' })).rejects.toMatchObject({
      code: 'flow.unknown',
      status: 422,
    });
  });
});

describe('submission over HTTP with retries', () => {
  let receiver: TestReceiver;
  let h: Harness;

  afterEach(() => receiver.stop());

  async function withReceiver(script: ConstructorParameters<typeof TestReceiver>[0]) {
    receiver = new TestReceiver(script);
    const url = await receiver.start();
    h = await createHarness({ SANDBOX_URL: url });
  }

  /** Moves the clock past the next retry and lets the timer's use case re-drive it. */
  async function retryUntilSettled(id: string) {
    for (let i = 0; i < 20; i++) {
      const record = await h.settle(id);
      if (record.status !== 'waiting') return record;
      h.clock.advance(Date.parse(record.nextAttemptAt!) - h.clock.now + 1);
      expect(await h.services.pipeline.redriveDue()).toBeGreaterThanOrEqual(1);
    }
    throw new Error('did not settle');
  }

  it('retries 503 three times, then completes with exactly one accepted submission', async () => {
    await withReceiver([
      { status: 503, body: { message: 'busy' } },
      { status: 503 },
      { status: 503, headers: { 'retry-after': '2' } },
    ]);
    const submitted = await h.submit(sampleInvoice(2), SANDBOX);
    const waiting = await h.settle(submitted.id);
    expect(waiting.status).toBe('waiting');
    expect(waiting.attempt).toBe(2);

    const record = await retryUntilSettled(submitted.id);

    expect(record.status).toBe('completed');
    expect(receiver.requests).toHaveLength(4);
    expect(new Set(receiver.requests.map((r) => r.idempotencyKey))).toEqual(
      new Set([`${TENANT}/${submitted.id}/submit`]),
    );
    expect([...receiver.acceptedByKey.values()]).toEqual([1]);
    expect(record.variables?.submissionId).toBe('R-1');
    const submits = record.history.filter((e) => e.stepId === 'submit' && e.action === 'submit-http');
    expect(submits.map((e) => e.outcome)).toEqual(['transient', 'transient', 'transient', 'accepted']);
    expect(submits[0]!.message).toContain('HTTP 503');
    expect(submits[0]!.message).toContain('busy');
  });

  it("rejects on a permanent 400 and records the service's reason", async () => {
    await withReceiver([{ status: 400, body: { message: 'Buyer reference missing' } }]);
    const record = await h.settle((await h.submit(sampleInvoice(1), SANDBOX)).id);
    expect(record.status).toBe('rejected');
    const entry = record.history.find((e) => e.stepId === 'submit')!;
    expect(entry.code).toBe('submit.http-400');
    expect(entry.message).toContain('Buyer reference missing');
    expect(receiver.requests).toHaveLength(1);
  });

  it('fails after the last attempt, with the reason, and can be resubmitted', async () => {
    await withReceiver(Array.from({ length: 10 }, () => ({ status: 503 })));
    const submitted = await h.submit(sampleInvoice(1), SANDBOX);
    const failed = await retryUntilSettled(submitted.id);
    expect(failed.status).toBe('failed');
    expect(failed.history.at(-1)).toMatchObject({ code: 'retry.exhausted', outcome: 'failed' });
    expect(receiver.requests).toHaveLength(10);

    // Ten failures in a row opened the endpoint's circuit: the resubmitted document waits for it first.
    await h.services.pipeline.resubmit(TENANT, submitted.id);
    const completed = await retryUntilSettled(submitted.id);
    expect(completed.status).toBe('completed');
    expect(completed.history).toContainEqual(
      expect.objectContaining({ outcome: 'postponed', code: 'circuit.open' }),
    );
    expect(receiver.requests).toHaveLength(11);
  });

  it('maps a rejected answer in the response body to a rejected document', async () => {
    await withReceiver([{ status: 200, body: { status: 'rejected', message: 'Duplicate invoice number' } }]);
    const record = await h.settle((await h.submit(sampleInvoice(1), SANDBOX)).id);
    expect(record.status).toBe('rejected');
    expect(record.history.find((e) => e.stepId === 'response')).toMatchObject({
      outcome: 'rejected',
      message: 'Duplicate invoice number',
    });
  });

  it('runs a step once when the same message is delivered twice at the same time', async () => {
    await withReceiver([]);
    const submitted = await h.submit(sampleInvoice(1), SANDBOX);
    await h.settle(submitted.id);
    const record = await h.services.pipeline.get(TENANT, submitted.id);
    expect(record.status).toBe('completed');
    // Replay the submit step's message twice, concurrently, after putting the record back on that step.
    await h.services.documents.update(TENANT, submitted.id, (r) => ({
      ...r,
      status: 'processing',
      stepId: 'submit',
      attempt: 9,
    }));
    const message: StageMessage = {
      tenantId: TENANT,
      documentId: submitted.id,
      flowId: 'sandbox-submit',
      flowVersion: 1,
      stepId: 'submit',
      attempt: 9,
      correlationId: record.correlationId,
      artifacts: [],
    };
    const before = receiver.requests.length;
    await Promise.all([h.services.pipeline.runStep(message, 'a'), h.services.pipeline.runStep(message, 'b')]);
    expect(receiver.requests.length - before).toBe(1);
  });
});

/**
 * A bus that counts the messages sent to each destination and, given one, loses the first message sent to
 * it, as a crash between two writes would.
 */
class WatchedBus implements MessageBus {
  readonly sent = new Map<string, number>();
  lost = 0;
  constructor(
    private readonly inner: InProcessMessageBus,
    private readonly losing?: string,
  ) {}
  send(destination: string, body: unknown, options?: SendOptions): Promise<void> {
    this.sent.set(destination, (this.sent.get(destination) ?? 0) + 1);
    if (destination === this.losing && this.lost === 0) {
      this.lost++;
      return Promise.resolve();
    }
    return this.inner.send(destination, body, options);
  }
  subscribe(...args: Parameters<MessageBus['subscribe']>) {
    return this.inner.subscribe(...args);
  }
  close() {
    return this.inner.close();
  }
}

describe('documents whose message was lost', () => {
  it('are re-driven by the timer once the stage timeout passes, and complete', async () => {
    let losing: WatchedBus | undefined;
    const h = await createHarness({}, (bus) => (losing = new WatchedBus(bus, 'sign')));
    const submitted = await h.submit(sampleInvoice(1));
    await h.bus.whenIdle();
    const stuck = await h.services.pipeline.get(TENANT, submitted.id);
    expect(losing!.lost).toBe(1);
    expect(stuck).toMatchObject({ status: 'processing', stepId: 'sign' });
    expect(await h.services.pipeline.redriveDue()).toBe(0); // not yet: the stage still has time

    h.clock.advance(h.settings.stageTimeoutMs + DUE_GRANULARITY_MS);
    expect(await h.services.pipeline.redriveDue()).toBe(1);
    const record = await h.settle(submitted.id);
    expect(record.status).toBe('completed');
    expect(record.history.some((e) => e.outcome === 'redriven' && e.stepId === 'sign')).toBe(true);
  });
});

describe('pure steps of one stage', () => {
  it('run in one delivery: one message for validate, transform and the schema check, each step recorded', async () => {
    let counting: WatchedBus | undefined;
    const h = await createHarness({}, (bus) => (counting = new WatchedBus(bus)));
    const record = await h.settle((await h.submit(sampleInvoice(4))).id);
    expect(record.status).toBe('completed');
    expect(record.history.filter((e) => e.outcome === 'accepted').map((e) => e.stepId)).toEqual(OUTBOX_STEPS);
    // the transform stage ran three steps on intake's one message; sign and deliver (submit) got their own
    expect(Object.fromEntries(counting!.sent)).toEqual({
      [h.settings.topics.transform]: 1,
      [h.settings.topics.sign]: 1,
      [h.settings.topics.submit]: 1,
    });
    // the chained transform read validate's output from memory: it rendered what the store holds
    const read = async (name: string) =>
      (await h.services.pipeline.artifact(TENANT, record.id, name)).content.toString('utf8');
    const peppol = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;
    expect(await read('invoice.xml')).toBe(peppol.render(JSON.parse(await read('canonical.json'))));
  });

  it('cost the documented store operations: the chained steps read neither the record nor their input', async () => {
    const counts = new Map<string, number>();
    const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
    const kind = (key: string) =>
      key.startsWith('due/')
        ? 'due index'
        : /\/record\.json$/.test(key)
          ? 'record'
          : /\/artifacts\//.test(key)
            ? 'artifact'
            : /\/config\//.test(key)
              ? 'configuration'
              : 'other';
    const memory = new MemoryObjectStore();
    const objects: ObjectStore = {
      get: (key) => (count(`${kind(key)} read`), memory.get(key)),
      put: (key, body, options) => (count(`${kind(key)} write`), memory.put(key, body, options)),
      delete: (key) => (count(`${kind(key)} delete`), memory.delete(key)),
      list: (prefix, options) => (count('list'), memory.list(prefix, options)),
    };
    const h = await createHarness({}, undefined, { objects });
    await h.settle((await h.submit(sampleInvoice(3))).id); // the tenant's configuration is read and kept
    counts.clear();
    const submitted = await h.submit(sampleInvoice(3));
    await h.bus.whenIdle();
    const counted = Object.fromEntries(counts); // before this test reads the record
    expect((await h.services.pipeline.get(TENANT, submitted.id)).status).toBe('completed');
    // docs/scale.md states these figures (PEPPOL outbox flow: validate, transform, schema, sign, deliver)
    expect(counted).toEqual({
      'artifact write': 6,
      'artifact read': 3,
      'record write': 8,
      'record read': 3,
      'due index write': 1,
      'due index delete': 1,
    });
  });

  it('lose nothing when the delivery stops between two of them: the timer re-drives the next one', async () => {
    const h = await createHarness();
    // the store fails once as the transform step's result is recorded: the delivery fails, its message
    // (validate's) comes back stale, and the document waits at the transform step with no message
    const documents = h.services.pipeline.documents;
    const update = documents.update.bind(documents);
    let failures = 0;
    documents.update = (tenantId, id, mutate, now, known) =>
      update(
        tenantId,
        id,
        (r) => {
          const stepId = r.stepId; // mutate changes r in place
          const next = mutate(r);
          if (next && failures === 0 && stepId === 'transform' && next.stepId !== 'transform') {
            failures++;
            throw new Error('the disk is full');
          }
          return next;
        },
        now,
        known,
      );
    const submitted = await h.submit(sampleInvoice(2));
    await h.bus.whenIdle({ scheduled: false });
    expect(failures).toBe(1);
    const stuck = await h.services.pipeline.get(TENANT, submitted.id);
    expect(stuck).toMatchObject({ status: 'processing', stepId: 'transform' });
    expect(stuck.history.map((e) => [e.stepId, e.outcome])).toEqual([
      ['validate', 'received'],
      ['validate', 'accepted'],
    ]);

    h.clock.advance(h.settings.stageTimeoutMs + DUE_GRANULARITY_MS);
    expect(await h.services.pipeline.redriveDue()).toBe(1);
    const record = await h.settle(submitted.id);
    expect(record.status).toBe('completed');
    expect(record.history.map((e) => [e.stepId, e.outcome])).toEqual([
      ['validate', 'received'],
      ['validate', 'accepted'],
      ['transform', 'redriven'],
      ['transform', 'accepted'],
      ['schema', 'accepted'],
      ['sign', 'accepted'],
      ['deliver', 'accepted'],
    ]);
  });
});

describe('cancel', () => {
  it('stops a waiting document; a finished one cannot be cancelled', async () => {
    const receiver = new TestReceiver([{ status: 503 }]);
    const h = await createHarness({ SANDBOX_URL: await receiver.start() });
    try {
      const submitted = await h.submit(sampleInvoice(1), SANDBOX);
      expect((await h.settle(submitted.id)).status).toBe('waiting');
      expect((await h.services.pipeline.cancel(TENANT, submitted.id)).status).toBe('cancelled');
      h.clock.advance(3_600_000);
      expect(await h.services.pipeline.redriveDue()).toBe(0);
      await expect(h.services.pipeline.cancel(TENANT, submitted.id)).rejects.toBeInstanceOf(EInvoiceError);
    } finally {
      await receiver.stop();
    }
  });
});

/** A bus that remembers the id of every message sent to one destination. */
class RecordingBus implements MessageBus {
  readonly ids: string[] = [];
  constructor(
    private readonly inner: InProcessMessageBus,
    private readonly destination: string,
  ) {}
  send(destination: string, body: unknown, options?: SendOptions): Promise<void> {
    if (destination === this.destination && options?.messageId) this.ids.push(options.messageId);
    return this.inner.send(destination, body, options);
  }
  subscribe(...args: Parameters<MessageBus['subscribe']>) {
    return this.inner.subscribe(...args);
  }
  close() {
    return this.inner.close();
  }
}

describe('attempts', () => {
  it('counts only real attempts: postponed runs (an open circuit) keep the number, each with a message of its own', async () => {
    const receiver = new TestReceiver([], { status: 503 });
    const url = await receiver.start();
    onTeardown(() => receiver.stop());
    const dir = tempDir();
    const flow: FlowDefinition = {
      id: 'circuit-test',
      version: 1,
      description: 'validate, then submit to a failing receiver behind a circuit breaker',
      steps: [
        { id: 'validate', action: 'validate', with: { input: 'input.json', output: 'canonical.json' } },
        {
          id: 'submit',
          action: 'submit-http',
          with: {
            url: `${url}/submissions`,
            input: 'canonical.json',
            circuitBreaker: { failureThreshold: 1, openFor: '150ms' },
          },
          retry: { maxAttempts: 3, backoff: 'fixed', initialDelay: '10ms', maxDelay: '10ms' },
        },
      ],
    };
    writeFileSync(join(dir, 'circuit-test.json'), JSON.stringify(flow));
    let recording: RecordingBus | undefined;
    const h = await createHarness(
      { EINVOICE_FLOWS_DIR: dir },
      (bus) => (recording = new RecordingBus(bus, 'submit')),
      { realClock: true },
    );
    const submitted = await h.submit(sampleInvoice(1), { flowId: 'circuit-test' });
    const failed = await h.services.pipeline.waitForTerminal(TENANT, submitted.id, 30_000, 10);

    expect(failed.status).toBe('failed');
    const submits = failed.history.filter((e) => e.stepId === 'submit' && e.action === 'submit-http');
    expect(submits.filter((e) => e.outcome === 'transient').map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(submits.filter((e) => e.outcome === 'postponed').length).toBeGreaterThan(0);
    expect(failed.attempt).toBe(3);
    expect(failed.history.at(-1)).toMatchObject({ code: 'retry.exhausted', attempt: 3 });
    expect(failed.history.at(-1)!.message).toContain('after 3 attempts');
    expect(receiver.requests).toHaveLength(3);
    // Every run had its own message: none taken for a duplicate of another.
    expect(new Set(recording!.ids).size).toBe(recording!.ids.length);
    expect(recording!.ids.length).toBe(submits.length);
  });
});

describe('stage message ids', () => {
  it('are new for a resubmission of a step that ran before (duplicate detection would drop it)', async () => {
    let recording: RecordingBus | undefined;
    const h = await createHarness({}, (bus) => (recording = new RecordingBus(bus, 'transform')));
    const invoice = sampleInvoice(1) as unknown as Record<string, unknown>;
    delete invoice.currency;
    const rejected = await h.settle((await h.submit(invoice)).id);
    expect(rejected.status).toBe('rejected');
    await h.services.pipeline.resubmit(TENANT, rejected.id);
    expect((await h.settle(rejected.id)).status).toBe('rejected');
    const ids = recording!.ids.filter((id) => id.startsWith(`${rejected.id}:validate:1`));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });
});

describe('logs', () => {
  it('warns of a failed step and a rejected document with the code and reason, and not the document', async () => {
    const h = await createHarness();
    const invoice = sampleInvoice(1) as unknown as Record<string, unknown>;
    delete invoice.currency;
    const record = await h.settle((await h.submit(invoice)).id);
    expect(record.status).toBe('rejected');

    const finished = h.logs.filter((l) => l.event === 'step.finished' && l.fields.documentId === record.id);
    expect(finished).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({
          stepId: 'validate',
          outcome: 'rejected',
          code: 'validation.failed',
          message: expect.stringMatching(/^\d+ validation problems?$/),
        }),
      }),
    ]);
    expect(
      h.logs.filter((l) => l.event === 'document.finished' && l.fields.documentId === record.id),
    ).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ outcome: 'rejected', code: 'validation.failed' }),
      }),
    ]);
    const completed = await h.settle((await h.submit(sampleInvoice(1))).id);
    const steps = h.logs.filter(
      (l) =>
        l.fields.documentId === completed.id &&
        (l.event === 'step.finished' || l.event === 'document.finished'),
    );
    expect(steps.length).toBeGreaterThan(1);
    expect(steps.filter((l) => l.level !== 'info')).toEqual([]);
  });
});

describe('batch reports', () => {
  it('follow their documents: processing until every document is final, with counts per final status', async () => {
    const receiver = new TestReceiver([{ status: 503 }]);
    const h = await createHarness({ SANDBOX_URL: await receiver.start() });
    onTeardown(() => receiver.stop());
    const invalid = sampleInvoice(1) as unknown as Record<string, unknown>;
    delete invalid.currency;
    await h.services.batches.process({
      tenantId: TENANT,
      batchId: 'follow-1',
      context: { format: 'peppol-bis3-ubl' },
      items: [
        { document: sampleInvoice(1) },
        { document: invalid },
        { document: sampleInvoice(2), context: SANDBOX },
        { document: 42 },
      ],
    });
    const ids = (await h.services.batches.report(TENANT, 'follow-1')).items.map((i) => i.documentId);
    for (const id of ids) if (id) await h.settle(id);

    const report = await h.services.batches.report(TENANT, 'follow-1');
    expect(report).toMatchObject({
      status: 'processing',
      total: 4,
      accepted: 3,
      failed: 1,
      documents: { completed: 1, rejected: 1, failed: 0, cancelled: 0, unfinished: 1 },
    });
    expect(report.items.map((i) => i.status ?? i.error?.code)).toEqual([
      'completed',
      'rejected',
      'waiting',
      'batch.invalid-item',
    ]);
    expect(report.finishedAt).toBeUndefined();

    await h.services.pipeline.cancel(TENANT, ids[2]!);
    const done = await h.services.batches.report(TENANT, 'follow-1');
    expect(done).toMatchObject({
      status: 'completed',
      documents: { completed: 1, rejected: 1, failed: 0, cancelled: 1, unfinished: 0 },
    });
    expect(done.finishedAt).toEqual(expect.any(String));
    expect(await h.services.batches.report(TENANT, 'follow-1')).toEqual(done);
  });

  it('is queued before the batch message ran', async () => {
    const h = await createHarness();
    const queued = await h.services.batches.enqueue(TENANT, JSON.stringify({ document: sampleInvoice(1) }));
    expect(await h.services.batches.report(TENANT, queued.batchId)).toMatchObject({
      status: 'queued',
      total: 1,
      documents: { unfinished: 0 },
    });
  });
});

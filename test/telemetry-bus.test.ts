import { InvocationContext } from '@azure/functions';
import { ServiceBusClient } from '@azure/service-bus';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import pg from 'pg';
import { consuming, invocationTrace } from '../functions/lib/trace';
import { InProcessMessageBus } from '../shared/adapters/in-process-bus';
import { PgMessageBus } from '../shared/adapters/pg-bus';
import { PgConnection } from '../shared/adapters/pg-connection';
import { ServiceBusMessageBus } from '../shared/adapters/service-bus';
import { silentLogger } from '../shared/log';
import type { MessageBus, ReceivedMessage } from '../shared/ports/message-bus';
import { telemetrySettings } from '../shared/settings';
import { startTelemetry } from '../shared/telemetry';
import { currentTraceContext, inSpan } from '../shared/telemetry/trace';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { AmqpTestBroker } from './support/amqp-broker';
import { createHarness } from './support/harness';
import { postgresForTests } from './support/postgres';
import { eventually, onTeardown, tempDir } from './support/temp';

jest.setTimeout(60_000);

const spans = new InMemorySpanExporter();

beforeAll(() => {
  const telemetry = startTelemetry(telemetrySettings({}), { spanExporters: [spans] })!;
  onTeardown(() => telemetry.shutdown());
});

/** Sends in a span of its own; resolves with that span's traceparent. */
async function sendTraced(bus: MessageBus, destination: string, body: unknown): Promise<string> {
  return inSpan('send test', { kind: 'producer' }, async () => {
    await bus.send(destination, body, { applicationProperties: { origin: 'test' } });
    return currentTraceContext()!.traceparent!;
  });
}

/** The first message the bus delivers on `destination`, completed. */
async function receiveOne(
  bus: MessageBus,
  destination: string,
  subscription?: string,
): Promise<ReceivedMessage> {
  const received: ReceivedMessage[] = [];
  const handle = bus.subscribe(destination, subscription, async (m) => void received.push(m));
  const message = await eventually(async () => received[0], 15_000, `a message on ${destination}`);
  await handle.close();
  return message;
}

describe('the trace context crosses every bus in the application properties', () => {
  it('in-process: also after a restart, from the journal', async () => {
    const dir = tempDir();
    const first = new InProcessMessageBus({ dir });
    const traceparent = await sendTraced(first, 'transform', { documentId: 'd-1' });
    await first.close();
    const second = new InProcessMessageBus({ dir });
    onTeardown(() => second.close());
    const message = await receiveOne(second, 'transform');
    expect(message.applicationProperties).toEqual({ origin: 'test', traceparent });
  });

  it('in-process: none is added outside a span', async () => {
    const bus = new InProcessMessageBus();
    onTeardown(() => bus.close());
    await bus.send('sign', { documentId: 'd-2' });
    expect((await receiveOne(bus, 'sign')).applicationProperties).toBeUndefined();
  });

  describe('Azure Service Bus (the local AMQP test broker)', () => {
    let broker: AmqpTestBroker;

    beforeAll(async () => {
      broker = new AmqpTestBroker({ queues: ['batch'], topics: { transform: ['einvoice'] } });
      await broker.start();
      onTeardown(() => broker.stop());
    });

    it('as traceparent and Diagnostic-Id, through a send and a receive', async () => {
      const bus = new ServiceBusMessageBus(new ServiceBusClient(broker.connectionString), silentLogger);
      onTeardown(() => bus.close());
      const traceparent = await sendTraced(bus, 'transform', { documentId: 'd-3' });
      const message = await receiveOne(bus, 'transform', 'einvoice');
      expect(message.body).toEqual({ documentId: 'd-3' });
      expect(message.applicationProperties).toEqual({
        origin: 'test',
        traceparent,
        'Diagnostic-Id': traceparent,
      });
    });

    it('and a stage continues a W3C Diagnostic-Id of another sender, as the Functions host passes it', async () => {
      const client = new ServiceBusClient(broker.connectionString);
      onTeardown(() => client.close());
      const diagnosticId = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const sender = client.createSender('batch');
      await sender.sendMessages({
        body: { batchId: 'b' },
        applicationProperties: { 'Diagnostic-Id': diagnosticId },
      });
      await sender.close();
      const bus = new ServiceBusMessageBus(new ServiceBusClient(broker.connectionString), silentLogger);
      onTeardown(() => bus.close());
      const message = await receiveOne(bus, 'batch');
      const context = new InvocationContext({
        triggerMetadata: { applicationProperties: message.applicationProperties },
      });
      expect(invocationTrace(context)).toEqual({ traceparent: diagnosticId });
    });
  });

  describe('PostgreSQL', () => {
    const { describePg, server } = postgresForTests('the PostgreSQL bus trace tests');

    describePg('PgMessageBus', () => {
      it('in a column the bus adds to the messages table of an earlier version', async () => {
        const schema = server.schema();
        // the table as earlier versions created it, with a message waiting
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`CREATE TABLE ${schema}.messages (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, destination text NOT NULL,
          subscription text NOT NULL, message_id text NOT NULL, body jsonb NOT NULL,
          enqueued_at timestamptz NOT NULL DEFAULT now(), visible_at timestamptz NOT NULL,
          delivery_count integer NOT NULL DEFAULT 0, lock_token uuid)`);
        await client.query(
          `INSERT INTO ${schema}.messages (destination, subscription, message_id, body, visible_at)
           VALUES ('batch', '', 'old', '{"batchId":"old"}', now())`,
        );
        await client.end();
        const db = new PgConnection({ url: server.url, schema });
        const bus = new PgMessageBus(db);
        onTeardown(async () => {
          await bus.close();
          await db.end();
        });
        const traceparent = await sendTraced(bus, 'batch', { batchId: 'new' });
        expect(await bus.stats()).toEqual([{ destination: 'batch', depth: 2, deadLettered: 0 }]);
        const received: ReceivedMessage[] = [];
        const handle = bus.subscribe('batch', undefined, async (m) => void received.push(m));
        await eventually(async () => (received.length === 2 ? true : undefined), 15_000, 'both messages');
        await handle.close();
        expect(received.map((m) => [m.body, m.applicationProperties])).toEqual([
          [{ batchId: 'old' }, undefined],
          [{ batchId: 'new' }, { origin: 'test', traceparent }],
        ]);
      });
    });
  });
});

describe('a stage invocation', () => {
  it("continues its message's trace, not whatever context the delivery happened to run in", async () => {
    const [traceId, spanId] = ['0af7651916cd43dd8448eb211c80319c', '00f067aa0ba902b7'];
    const context = new InvocationContext({
      triggerMetadata: { applicationProperties: { traceparent: `00-${traceId}-${spanId}-01` } },
    });
    // a bus timer armed while another document's span was active runs its deliveries in that context
    await inSpan('another document', {}, () => consuming('sign', context, {}, async () => undefined));
    const consumer = spans.getFinishedSpans().find((s) => s.name === 'process sign')!;
    expect(consumer.spanContext().traceId).toBe(traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(spanId);
  });
});

describe('the retry timer', () => {
  it("re-drives a document whose message was lost in the document's own trace", async () => {
    let lost = 0;
    const h = await createHarness({}, (bus) => ({
      // the intake's message to the first stage is lost
      send: (topic, body, options) => (lost++ === 0 ? Promise.resolve() : bus.send(topic, body, options)),
      subscribe: (...args) => bus.subscribe(...args),
      close: () => bus.close(),
    }));
    const received = await h.submit(sampleInvoice(1));
    const [, traceId, intakeSpanId] = received.traceparent!.split('-');
    h.clock.advance(h.settings.stageTimeoutMs + 120_000);
    // outside any span, as the timer Function runs
    expect(await h.services.pipeline.redriveDue()).toBe(1);
    const done = await h.settle(received.id);
    expect(done.status).toBe('completed');
    const own = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    // the lost send and the timer's, both children of the intake; then the steps' own
    const sends = own.filter((s) => s.name === 'send transform').slice(0, 2);
    expect(sends.map((s) => s.parentSpanContext?.spanId)).toEqual([intakeSpanId, intakeSpanId]);
    expect(own.filter((s) => s.name.startsWith('step ')).length).toBeGreaterThanOrEqual(3);
  });
});

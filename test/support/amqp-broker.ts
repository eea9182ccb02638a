/**
 * A small AMQP 1.0 broker on rhea that speaks enough of Service Bus for the real `@azure/service-bus`
 * client: the `$cbs` put-token handshake, queues, topics with subscriptions, peek-lock delivery with lock
 * tokens, complete / abandon / dead-letter settlement, delivery counts with a maximum, `$DeadLetterQueue`
 * sub-queues, batched sends and scheduled messages (x-opt-scheduled-enqueue-time).
 *
 * Not modelled (covered by Azure itself): lock expiry and renewal, TTL, filters, sessions, duplicate
 * detection, `$management` operations other than what a receiver needs to start.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import rhea from 'rhea';
import type * as Rhea from 'rhea';

interface StoredMessage {
  id: string;
  message: Rhea.Message;
  deliveryCount: number;
  sequenceNumber: number;
  enqueuedAt: Date;
  availableAt: number;
  locked: boolean;
  deadLetterReason?: string;
}

export interface BrokerTopology {
  queues: string[];
  topics: Record<string, string[]>;
  maxDeliveryCount?: number;
}

const BATCH_FORMAT = 0x80013700;

function uuidBuffer(): Buffer {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
}

export class AmqpTestBroker {
  private readonly container = rhea.create_container({ id: 'amqp-test-broker' });
  private readonly entities = new Map<string, StoredMessage[]>();
  private readonly consumers = new Map<string, Rhea.Sender[]>();
  private readonly inFlight = new Map<string, { entity: string; stored: StoredMessage }>();
  private server: ReturnType<Rhea.Container['listen']> | undefined;
  private sequence = 1;
  private timer: NodeJS.Timeout | undefined;
  private readonly topics: Record<string, string[]>;
  private readonly maxDeliveryCount: number;
  port = 0;

  constructor(topology: BrokerTopology) {
    this.topics = topology.topics;
    this.maxDeliveryCount = topology.maxDeliveryCount ?? 10;
    const define = (path: string) => {
      this.entities.set(path, []);
      this.entities.set(`${path}/$DeadLetterQueue`, []);
    };
    for (const queue of topology.queues) define(queue);
    for (const [topic, subscriptions] of Object.entries(topology.topics)) {
      for (const sub of subscriptions) define(`${topic}/Subscriptions/${sub}`);
    }
    this.wire();
  }

  get connectionString(): string {
    return `Endpoint=sb://127.0.0.1:${this.port};SharedAccessKeyName=test;SharedAccessKey=test;UseDevelopmentEmulator=true`;
  }

  async start(): Promise<void> {
    this.server = this.container.listen({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.server!.once('listening', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    this.timer = setInterval(() => this.pumpAll(), 50);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Messages waiting (not locked) on an entity path, e.g. `batch` or `transform/Subscriptions/x/$DeadLetterQueue`. */
  count(path: string): number {
    return (this.entities.get(path) ?? []).length;
  }

  private normalise(address: string | undefined): string {
    return (address ?? '')
      .replace(/^amqps?:\/\/[^/]+\//, '')
      .replace(/\/\$deadletterqueue$/i, '/$DeadLetterQueue');
  }

  private wire(): void {
    // Every link the broker attaches must announce a max message size, or the client's batch sends fail.
    this.container.on('session_open', (context: Rhea.EventContext) => {
      const session = context.session as unknown as {
        create_sender(name: string, opts?: object): unknown;
        create_receiver(name: string, opts?: object): unknown;
      };
      const createSender = session.create_sender.bind(session);
      const createReceiver = session.create_receiver.bind(session);
      session.create_sender = (name, opts) => createSender(name, { ...opts, max_message_size: 1024 * 1024 });
      session.create_receiver = (name, opts) =>
        createReceiver(name, { ...opts, max_message_size: 1024 * 1024, autoaccept: false });
    });
    this.container.on('sender_open', (context: Rhea.EventContext) => {
      const sender = context.sender!;
      const address = this.normalise(sender.source?.address);
      const list = this.consumers.get(address) ?? [];
      list.push(sender);
      this.consumers.set(address, list);
    });
    const dropSender = (context: Rhea.EventContext) => {
      const sender = context.sender!;
      for (const [address, list] of this.consumers)
        this.consumers.set(
          address,
          list.filter((s) => s !== sender),
        );
      // Unsettled deliveries on a closed link go back to their entity.
      for (const [tag, entry] of this.inFlight) {
        if ((entry as unknown as { sender?: Rhea.Sender }).sender === sender) this.release(tag, false);
      }
    };
    this.container.on('sender_close', dropSender);
    this.container.on('disconnected', () => undefined); // a client going away is not an error here
    this.container.on('sendable', (context: Rhea.EventContext) =>
      this.pump(this.normalise(context.sender!.source?.address)),
    );
    this.container.on('message', (context: Rhea.EventContext) => this.onMessage(context));
    this.container.on('accepted', (context: Rhea.EventContext) => this.settle(context, 'complete'));
    this.container.on('released', (context: Rhea.EventContext) => this.settle(context, 'abandon'));
    this.container.on('modified', (context: Rhea.EventContext) => this.settle(context, 'abandon'));
    this.container.on('rejected', (context: Rhea.EventContext) => this.settle(context, 'deadletter'));
  }

  /** Answers a request on the client's reply link: addressed by reply-to, or the node the request went to. */
  private reply(
    context: Rhea.EventContext,
    node: string,
    request: Rhea.Message,
    response: Partial<Rhea.Message>,
  ): void {
    const replyTo = this.normalise(request.reply_to);
    const candidates = [...this.consumers.values()]
      .flat()
      .filter((s) => s.connection === context.connection && s.is_open());
    const target =
      candidates.find((s) => this.normalise(s.target?.address) === replyTo) ??
      candidates.find((s) => this.normalise(s.source?.address) === node);
    if (!target) throw new Error(`No reply link for ${node} (reply-to ${replyTo})`);
    target.send({ correlation_id: request.message_id, ...response } as Rhea.Message);
  }

  private onMessage(context: Rhea.EventContext): void {
    const receiver = context.receiver!;
    const address = this.normalise(receiver.target?.address);
    const message = context.message!;
    const delivery = context.delivery!;
    if (address === '$cbs') {
      delivery.accept();
      this.reply(context, address, message, {
        application_properties: { 'status-code': 200, 'status-description': 'OK' },
      });
      return;
    }
    if (address.endsWith('$management')) {
      delivery.accept();
      this.reply(context, address, message, {
        application_properties: { statusCode: 200, 'status-code': 200 },
        body: {},
      });
      return;
    }
    const messages =
      delivery.format === BATCH_FORMAT ? this.unbatch(message as unknown as Buffer) : [message];
    const targets = this.topics[address]
      ? this.topics[address].map((sub) => `${address}/Subscriptions/${sub}`)
      : this.entities.has(address)
        ? [address]
        : [];
    if (targets.length === 0) {
      delivery.reject({ condition: 'amqp:not-found', description: `No entity ${address}` });
      return;
    }
    for (const m of messages) {
      const scheduled = m.message_annotations?.['x-opt-scheduled-enqueue-time'] as Date | number | undefined;
      const availableAt = scheduled === undefined ? Date.now() : new Date(scheduled).getTime();
      for (const target of targets) {
        this.entities.get(target)!.push({
          id: String(m.message_id ?? randomUUID()),
          message: { ...m },
          deliveryCount: 0,
          sequenceNumber: this.sequence++,
          enqueuedAt: new Date(),
          availableAt,
          locked: false,
        });
      }
    }
    delivery.accept();
    for (const target of targets) this.pump(target);
  }

  /** A batch arrives raw (message format 0x80013700): data sections, each an encoded message. */
  private unbatch(raw: Buffer): Rhea.Message[] {
    const outer = rhea.message.decode(raw) as unknown as {
      body?: { content: Buffer | Buffer[]; multiple?: boolean };
    };
    const content = outer.body?.content;
    const sections = content === undefined ? [] : Array.isArray(content) ? content : [content];
    return sections.map((section) => rhea.message.decode(section) as unknown as Rhea.Message);
  }

  private pumpAll(): void {
    for (const address of this.consumers.keys()) this.pump(address);
  }

  private pump(address: string): void {
    const queue = this.entities.get(address);
    const consumers = (this.consumers.get(address) ?? []).filter((s) => s.is_open());
    if (!queue || consumers.length === 0) return;
    const now = Date.now();
    for (const sender of consumers) {
      while (sender.sendable()) {
        const stored = queue.find((m) => !m.locked && m.availableAt <= now);
        if (!stored) break;
        stored.locked = true;
        const tag = uuidBuffer();
        const annotations = {
          ...stored.message.message_annotations,
          'x-opt-locked-until': new Date(now + 5 * 60_000),
          'x-opt-sequence-number': rhea.types.wrap_long(stored.sequenceNumber),
          'x-opt-enqueued-time': stored.enqueuedAt,
        };
        const outgoing: Rhea.Message = {
          ...stored.message,
          message_id: stored.id,
          // Header fields are top-level properties of a rhea message.
          delivery_count: stored.deliveryCount,
          message_annotations: annotations,
          ...(stored.deadLetterReason
            ? {
                application_properties: {
                  ...stored.message.application_properties,
                  DeadLetterReason: stored.deadLetterReason,
                },
              }
            : {}),
        };
        sender.send(outgoing, tag);
        const entry = { entity: address, stored, sender };
        this.inFlight.set(tag.toString('hex'), entry);
      }
    }
  }

  private settle(context: Rhea.EventContext, outcome: 'complete' | 'abandon' | 'deadletter'): void {
    const delivery = context.delivery!;
    const tag = Buffer.from(delivery.tag as unknown as Buffer).toString('hex');
    const entry = this.inFlight.get(tag);
    if (!entry) return;
    this.inFlight.delete(tag);
    const queue = this.entities.get(entry.entity)!;
    const index = queue.indexOf(entry.stored);
    if (index >= 0) queue.splice(index, 1);
    if (outcome === 'abandon') {
      entry.stored.deliveryCount++;
      entry.stored.locked = false;
      if (entry.stored.deliveryCount >= this.maxDeliveryCount)
        this.deadLetter(entry.entity, entry.stored, 'MaxDeliveryCountExceeded');
      else queue.push(entry.stored);
    } else if (outcome === 'deadletter') {
      const reason = (
        delivery.remote_state as { error?: { info?: { DeadLetterReason?: string } } } | undefined
      )?.error?.info?.DeadLetterReason;
      this.deadLetter(entry.entity, entry.stored, reason ?? 'DeadLettered');
    }
    // Settle back with a plain outcome: the client only needs to see the delivery settled.
    delivery.update(
      true,
      (rhea.message as unknown as { accepted(): { described(): unknown } }).accepted().described(),
    );
    this.pump(entry.entity);
  }

  private release(tag: string, countAsDelivery: boolean): void {
    const entry = this.inFlight.get(tag);
    if (!entry) return;
    this.inFlight.delete(tag);
    if (countAsDelivery) entry.stored.deliveryCount++;
    entry.stored.locked = false;
  }

  private deadLetter(entity: string, stored: StoredMessage, reason: string): void {
    if (entity.endsWith('$DeadLetterQueue')) return;
    this.entities
      .get(`${entity}/$DeadLetterQueue`)!
      .push({ ...stored, locked: false, deadLetterReason: reason });
  }
}

import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type {
  MessageBus,
  MessageHandler,
  QueueStats,
  ReceivedMessage,
  SendOptions,
  Subscription,
} from '../ports/message-bus';
import { withTraceContext } from '../telemetry/trace';
import type { PgConnection } from './pg-connection';

export interface PgBusOptions {
  /** Deliveries before a message is dead-lettered (Service Bus's MaxDeliveryCount). Default 10. */
  maxDeliveryCount?: number;
  /**
   * How long a received message stays invisible to other receivers (Service Bus's lock duration). The lock
   * is renewed while its handler runs; a process that dies leaves its messages to others once it expires.
   * Default 30 s.
   */
  lockMs?: number;
  /** Pause before an abandoned message is offered again. Default 250 ms, as the in-process bus. */
  redeliveryDelayMs?: number;
  /** Receivers look for messages at least this often, should a notification be lost. Default 1 s. */
  pollMs?: number;
  /**
   * Topics and their subscriptions, created at start: a message sent to a topic before any of its
   * receivers ever ran still reaches each subscription (as the infrastructure declares them for Service Bus).
   */
  topics?: Readonly<Record<string, readonly string[]>>;
  logger?: Logger;
}

/** Destination and subscription names: nothing that needs quoting, and no `/` (it separates them in notifications). */
const NAME = /^[A-Za-z0-9._-]{1,200}$/;

interface Claimed {
  id: string;
  message_id: string;
  body: unknown;
  properties: Record<string, string> | null;
  delivery_count: number;
  enqueued_at: Date;
  lock_token: string;
}

interface Channel {
  destination: string;
  /** `''` for a queue. */
  subscription: string;
}

function channelKey(channel: Channel): string {
  return `${channel.destination}/${channel.subscription}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The bus on PostgreSQL, for several processes on several machines sharing one database: the
 * `{schema}.messages` table holds every message not yet settled, one row per queue message and one per
 * subscription of a topic (a send fans out to every subscription in `{schema}.subscriptions`, whether its
 * receivers run at the moment or not).
 *
 * Delivery is peek-lock, as on Service Bus: a receiver takes up to its free capacity of visible messages in
 * one short statement (`SELECT ... FOR UPDATE SKIP LOCKED`, so receivers never wait for each other nor take
 * the same message), which also counts the delivery and hides the messages until a lock time, under a
 * fresh lock token. The handler runs outside any transaction; the lock is renewed while it runs. Returning
 * deletes the message, throwing makes it visible again after a short pause, and past the maximum delivery
 * count it moves to `{schema}.dead_letters`. Settling needs the lock token, so a receiver whose lock
 * expired (its process stalled) cannot settle what another receiver now holds. Messages of a process that
 * died come back when their locks expire, with their delivery count.
 *
 * Receivers are woken by `NOTIFY` on the schema's channel when a message becomes visible, and look at
 * least every `pollMs` and when their earliest scheduled message is due, should a notification be lost.
 */
export class PgMessageBus implements MessageBus {
  private readonly maxDeliveryCount: number;
  private readonly lockMs: number;
  private readonly redeliveryDelayMs: number;
  private readonly pollMs: number;
  private readonly logger: Logger;
  private readonly tables: { messages: string; subscriptions: string; deadLetters: string };
  /** The NOTIFY channel: one per schema, so that services on other schemas of the database are not woken. */
  private readonly channel: string;
  private ready: Promise<void> | undefined;
  private readonly receivers = new Map<string, Set<Receiver>>();
  /** Messages whose handlers run, by id: their locks are renewed. */
  private readonly locked = new Map<string, string>();
  private renewal: NodeJS.Timeout | undefined;
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private closed = false;
  private listenRetry: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: PgConnection,
    private readonly options: PgBusOptions = {},
  ) {
    this.maxDeliveryCount = options.maxDeliveryCount ?? 10;
    this.lockMs = options.lockMs ?? 30_000;
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 250;
    this.pollMs = options.pollMs ?? 1000;
    this.logger = options.logger ?? silentLogger;
    this.tables = {
      messages: db.name('messages'),
      subscriptions: db.name('subscriptions'),
      deadLetters: db.name('dead_letters'),
    };
    this.channel = `${db.schema}_bus`;
  }

  /** The tables, and the declared subscriptions, at the first use; a failure is tried again by the next call. */
  private schema(): Promise<void> {
    if (!this.ready) {
      const creating = this.createSchema();
      creating.catch(() => {
        if (this.ready === creating) this.ready = undefined;
      });
      this.ready = creating;
    }
    return this.ready;
  }

  private async createSchema(): Promise<void> {
    const { messages, subscriptions, deadLetters } = this.tables;
    await this.db.ensureSchema([
      `CREATE TABLE IF NOT EXISTS ${subscriptions} (
        topic text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (topic, name)
      )`,
      `CREATE TABLE IF NOT EXISTS ${messages} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        destination text NOT NULL,
        subscription text NOT NULL,
        message_id text NOT NULL,
        body jsonb NOT NULL,
        enqueued_at timestamptz NOT NULL DEFAULT now(),
        visible_at timestamptz NOT NULL,
        delivery_count integer NOT NULL DEFAULT 0,
        lock_token uuid
      )`,
      // application properties (the trace context): added to the tables of earlier versions in place
      `ALTER TABLE ${messages} ADD COLUMN IF NOT EXISTS properties jsonb`,
      // what receivers look for: the visible messages of one queue or subscription, oldest first
      `CREATE INDEX IF NOT EXISTS messages_ready ON ${messages} (destination, subscription, visible_at, id)`,
      `CREATE TABLE IF NOT EXISTS ${deadLetters} (
        id bigint PRIMARY KEY,
        destination text NOT NULL,
        subscription text NOT NULL,
        message_id text NOT NULL,
        body jsonb NOT NULL,
        enqueued_at timestamptz NOT NULL,
        delivery_count integer NOT NULL,
        reason text NOT NULL,
        description text,
        dead_lettered_at timestamptz NOT NULL DEFAULT now()
      )`,
    ]);
    for (const [topic, names] of Object.entries(this.options.topics ?? {}))
      for (const name of names) await this.addSubscription(topic, name);
  }

  /**
   * Records a topic's subscription. Messages sent to the topic while it had no subscription at all wait as
   * queue messages of that name; the first subscription takes them over, so that none is lost.
   */
  private async addSubscription(topic: string, name: string): Promise<void> {
    await this.db.query(
      `WITH added AS (
         INSERT INTO ${this.tables.subscriptions} (topic, name) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING topic
       )
       UPDATE ${this.tables.messages} SET subscription = $2
        WHERE destination = $1 AND subscription = ''
          AND EXISTS (SELECT 1 FROM added)
          AND NOT EXISTS (SELECT 1 FROM ${this.tables.subscriptions} WHERE topic = $1)`,
      [topic, name],
    );
  }

  private checkName(name: string, what: string): void {
    if (!NAME.test(name)) throw new RangeError(`Invalid ${what} name "${name}"`);
  }

  /**
   * One row per subscription of the topic, or one row for the queue when the name has no subscription, and a
   * notification for each (`destination/subscription`, with `@<ms since epoch>` for a scheduled one): idle
   * receivers take a message that is visible at once, and set their timer to a scheduled one's time.
   */
  async send(destination: string, body: unknown, options: SendOptions = {}): Promise<void> {
    if (this.closed) throw new Error('The bus is closed');
    this.checkName(destination, 'destination');
    await this.schema();
    const { messages, subscriptions } = this.tables;
    const properties = withTraceContext(options.applicationProperties);
    await this.db.query(
      `WITH targets AS (
         SELECT name FROM ${subscriptions} WHERE topic = $1
         UNION ALL
         SELECT '' WHERE NOT EXISTS (SELECT 1 FROM ${subscriptions} WHERE topic = $1)
       ), sent AS (
         INSERT INTO ${messages} (destination, subscription, message_id, body, visible_at, properties)
         SELECT $1, name, $2, $3::jsonb, coalesce($4::timestamptz, now()), $6::jsonb FROM targets
         RETURNING subscription, visible_at
       )
       SELECT pg_notify($5, $1 || '/' || subscription || CASE WHEN visible_at > now()
                THEN '@' || (extract(epoch FROM visible_at) * 1000)::bigint ELSE '' END)
         FROM sent`,
      [
        destination,
        options.messageId ?? randomUUID(),
        // Bodies travel as JSON, as on Service Bus: what JSON cannot carry does not arrive.
        JSON.stringify(body) ?? 'null',
        options.scheduledAt ?? null,
        this.channel,
        properties ? JSON.stringify(properties) : null,
      ],
    );
  }

  subscribe(
    destination: string,
    subscription: string | undefined,
    handler: MessageHandler,
    options: { concurrency?: number } = {},
  ): Subscription {
    if (this.closed) throw new Error('The bus is closed');
    this.checkName(destination, 'destination');
    if (subscription !== undefined) this.checkName(subscription, 'subscription');
    const channel: Channel = { destination, subscription: subscription ?? '' };
    const receiver = new Receiver(this, channel, handler, Math.max(1, options.concurrency ?? 8));
    const key = channelKey(channel);
    const set = this.receivers.get(key) ?? new Set<Receiver>();
    set.add(receiver);
    this.receivers.set(key, set);
    // the tables and the subscription's row before the first take; a failure is tried again by the next
    let registering: Promise<void> | undefined;
    const register = (): Promise<void> => {
      if (!registering) {
        const attempt = this.schema().then(() =>
          subscription !== undefined ? this.addSubscription(destination, subscription) : undefined,
        );
        attempt.catch(() => {
          if (registering === attempt) registering = undefined;
        });
        registering = attempt;
      }
      return registering;
    };
    void this.listen();
    this.renewLocks();
    receiver.start(register);
    return {
      close: async () => {
        set.delete(receiver);
        await receiver.close();
      },
    };
  }

  // ---- what receivers call -------------------------------------------------------------------------

  /** Takes up to `count` visible messages of a channel, counting the delivery and locking each. */
  async claim(channel: Channel, count: number): Promise<Claimed[]> {
    const { rows } = await this.db.query<Claimed>(
      `WITH next AS (
         SELECT id FROM ${this.tables.messages}
          WHERE destination = $1 AND subscription = $2 AND visible_at <= now()
          ORDER BY visible_at, id
          LIMIT $3
          FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.tables.messages} m
          SET visible_at = now() + $4::int * interval '1 millisecond',
              delivery_count = m.delivery_count + 1,
              lock_token = gen_random_uuid()
         FROM next WHERE m.id = next.id
       RETURNING m.id, m.message_id, m.body, m.properties, m.delivery_count, m.enqueued_at, m.lock_token`,
      [channel.destination, channel.subscription, count, this.lockMs],
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  get maxDeliveries(): number {
    return this.maxDeliveryCount;
  }

  get pollInterval(): number {
    return this.pollMs;
  }

  get redeliveryDelay(): number {
    return this.redeliveryDelayMs;
  }

  /** The handler runs: its lock is renewed until it is settled. */
  holding(message: Claimed): void {
    this.locked.set(message.id, message.lock_token);
  }

  released(message: Claimed): void {
    this.locked.delete(message.id);
  }

  async complete(message: Claimed): Promise<void> {
    await this.db.query(`DELETE FROM ${this.tables.messages} WHERE id = $1 AND lock_token = $2`, [
      message.id,
      message.lock_token,
    ]);
  }

  async abandon(message: Claimed): Promise<void> {
    await this.db.query(
      `UPDATE ${this.tables.messages}
          SET visible_at = now() + $3::int * interval '1 millisecond', lock_token = NULL
        WHERE id = $1 AND lock_token = $2`,
      [message.id, message.lock_token, this.redeliveryDelayMs],
    );
  }

  async deadLetter(channel: Channel, message: Claimed, reason: string, description: string): Promise<void> {
    const { rowCount } = await this.db.query(
      `WITH moved AS (
         DELETE FROM ${this.tables.messages} WHERE id = $1 AND lock_token = $2 RETURNING *
       )
       INSERT INTO ${this.tables.deadLetters}
         (id, destination, subscription, message_id, body, enqueued_at, delivery_count, reason, description)
       SELECT id, destination, subscription, message_id, body, enqueued_at, delivery_count, $3, $4 FROM moved`,
      [message.id, message.lock_token, reason, description.slice(0, 2000)],
    );
    if (rowCount)
      this.logger.error('bus.dead-lettered', {
        destination: channel.destination,
        ...(channel.subscription ? { subscription: channel.subscription } : {}),
        messageId: message.message_id,
        deliveryCount: message.delivery_count,
        code: reason,
        message: description,
      });
  }

  receiveFailed(channel: Channel, error: unknown): void {
    this.logger.warn('bus.receive-failed', {
      destination: channel.destination,
      ...(channel.subscription ? { subscription: channel.subscription } : {}),
      message: errorMessage(error),
    });
  }

  // ---- notifications and lock renewal -----------------------------------------------------------

  /** LISTENs on the schema's channel; a lost connection is opened again, and every receiver looks meanwhile. */
  private listen(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.listening ??= this.openListener().catch((error: unknown) => {
      this.logger.warn('bus.receive-failed', { message: `LISTEN: ${errorMessage(error)}` });
      this.listening = undefined;
      this.retryListen();
    });
    return this.listening;
  }

  private retryListen(): void {
    // a connection ended by its owner (the process stops) opens nothing again
    if (this.closed || this.db.isEnded) return;
    this.listenRetry = setTimeout(() => {
      this.listenRetry = undefined;
      void this.listen();
    }, this.pollMs * 5);
    this.listenRetry.unref();
  }

  private async openListener(): Promise<void> {
    await this.schema();
    if (this.closed) return;
    const client = await this.db.dedicatedClient();
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    client.on('notification', (notification) => {
      if (notification.channel !== this.channel || !notification.payload) return;
      const [key, at] = notification.payload.split('@');
      for (const receiver of this.receivers.get(key!) ?? []) {
        if (at === undefined) receiver.wake();
        else receiver.wakeAt(Number(at));
      }
    });
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.listening = undefined;
      if (this.closed) return;
      this.logger.warn('bus.receive-failed', {
        message: `LISTEN connection lost: ${error?.message ?? 'ended'}`,
      });
      client.end().catch(() => undefined);
      // Notifications may have been missed: every receiver looks, then the listener comes back.
      for (const set of this.receivers.values()) for (const receiver of set) receiver.wake();
      this.retryListen();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.query(`LISTEN "${this.channel}"`);
  }

  /** Every lockMs/3, the locks of the messages whose handlers run are extended by lockMs. */
  private renewLocks(): void {
    if (this.renewal || this.closed) return;
    this.renewal = setInterval(() => void this.renewNow(), Math.max(100, Math.floor(this.lockMs / 3)));
    this.renewal.unref();
  }

  private async renewNow(): Promise<void> {
    if (this.locked.size === 0) return;
    const ids = [...this.locked.keys()];
    const tokens = ids.map((id) => this.locked.get(id)!);
    try {
      await this.db.query(
        `UPDATE ${this.tables.messages} m
            SET visible_at = now() + $3::int * interval '1 millisecond'
           FROM unnest($1::bigint[], $2::uuid[]) AS held(id, token)
          WHERE m.id = held.id AND m.lock_token = held.token`,
        [ids, tokens, this.lockMs],
      );
    } catch (error) {
      // The next renewal tries again; a lock that expires meanwhile only lets another receiver run the
      // message as well, which the stages take as a duplicate.
      this.logger.warn('bus.receive-failed', { message: `lock renewal: ${errorMessage(error)}` });
    }
  }

  // ---- for operators and tests ------------------------------------------------------------------

  /** Messages not yet settled on a queue, or on one subscription of a topic (visible, scheduled and locked). */
  depth(destination: string, subscription?: string): Promise<number> {
    return this.count(this.tables.messages, destination, subscription);
  }

  deadLetterCount(destination: string, subscription?: string): Promise<number> {
    return this.count(this.tables.deadLetters, destination, subscription);
  }

  private async count(table: string, destination: string, subscription = ''): Promise<number> {
    await this.schema();
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${table} WHERE destination = $1 AND subscription = $2`,
      [destination, subscription],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Depth and dead letters of every declared subscription and every queue or subscription holding messages. */
  async stats(): Promise<QueueStats[]> {
    await this.schema();
    const counts = (table: string) =>
      this.db.query<{ destination: string; subscription: string; n: string }>(
        `SELECT destination, subscription, count(*) AS n FROM ${table} GROUP BY destination, subscription`,
      );
    const [declared, waiting, dead] = await Promise.all([
      this.db.query<{ destination: string; subscription: string }>(
        `SELECT topic AS destination, name AS subscription FROM ${this.tables.subscriptions}`,
      ),
      counts(this.tables.messages),
      counts(this.tables.deadLetters),
    ]);
    const found = new Map<string, QueueStats>();
    const entry = (row: { destination: string; subscription: string }): QueueStats => {
      const key = `${row.destination}/${row.subscription}`;
      let stats = found.get(key);
      if (!stats) {
        stats = {
          destination: row.destination,
          ...(row.subscription ? { subscription: row.subscription } : {}),
          depth: 0,
          deadLettered: 0,
        };
        found.set(key, stats);
      }
      return stats;
    };
    for (const row of declared.rows) entry(row);
    for (const row of waiting.rows) entry(row).depth = Number(row.n);
    for (const row of dead.rows) entry(row).deadLettered = Number(row.n);
    return [...found.values()];
  }

  /** Stops receiving, waits for the running handlers to settle their messages, and closes the listener. */
  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.receivers.values()].flatMap((set) => [...set].map((r) => r.close()));
    this.receivers.clear();
    await Promise.all(running);
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = undefined;
    if (this.listenRetry) clearTimeout(this.listenRetry);
    this.listenRetry = undefined;
    // a listener still being opened sees `closed` and ends its own connection
    await this.listening?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }
}

/**
 * The receiving side of one `subscribe`: takes messages while it has capacity and there may be some
 * (after a notification, a timer, or a take that filled its capacity), runs each handler, settles it.
 */
class Receiver {
  private inFlight = 0;
  private closed = false;
  private pumping = false;
  /** There may be visible messages: set by wakes, cleared by a take that found fewer than it asked for. */
  private maybeMore = true;
  /** Counts wakes, so that one arriving while a take runs is not lost when that take comes back short. */
  private wakes = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private register: () => Promise<void> = () => Promise.resolve();
  private readonly drained = new Set<() => void>();

  constructor(
    private readonly bus: PgMessageBus,
    private readonly channel: Channel,
    private readonly handler: MessageHandler,
    private readonly concurrency: number,
  ) {}

  /** `register` makes sure the tables and the subscription exist; it runs before every take until it succeeds. */
  start(register: () => Promise<void>): void {
    this.register = register;
    void this.pump();
  }

  wake(): void {
    if (this.closed) return;
    this.wakes++;
    this.maybeMore = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      await this.register();
      while (!this.closed && this.maybeMore && this.inFlight < this.concurrency) {
        const seen = this.wakes;
        const want = this.concurrency - this.inFlight;
        const messages = await this.bus.claim(this.channel, want);
        for (const message of messages) this.deliver(message);
        if (messages.length < want) this.maybeMore = this.wakes !== seen;
      }
    } catch (error) {
      this.bus.receiveFailed(this.channel, error);
    } finally {
      this.pumping = false;
    }
    // with room for more, look again after the poll interval (a timer set earlier stands)
    if (!this.closed && this.inFlight < this.concurrency) this.wakeAt(Date.now() + this.bus.pollInterval);
  }

  /**
   * Looks again at `at` (ms since epoch), unless it is to look earlier already: the poll after coming back
   * empty, a scheduled message's time from its notification, an abandoned message's return.
   */
  wakeAt(at: number): void {
    if (this.closed || (this.timer && this.timerAt <= at)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.wake();
      },
      Math.max(0, at - Date.now()),
    );
    this.timer.unref();
  }

  private deliver(message: Claimed): void {
    if (message.delivery_count > this.bus.maxDeliveries) {
      // delivered that often without being settled (its receivers died with it): not once more
      void this.bus
        .deadLetter(this.channel, message, 'MaxDeliveryCountExceeded', 'lock expired on every delivery')
        .catch((error: unknown) => this.bus.receiveFailed(this.channel, error));
      return;
    }
    this.inFlight++;
    this.bus.holding(message);
    void this.run(message).finally(() => {
      this.bus.released(message);
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.drained) resolve();
      if (!this.closed && this.maybeMore) void this.pump();
    });
  }

  private async run(message: Claimed): Promise<void> {
    const received: ReceivedMessage = {
      body: message.body,
      messageId: message.message_id,
      deliveryCount: message.delivery_count,
      enqueuedAt: message.enqueued_at,
      ...(message.properties ? { applicationProperties: message.properties } : {}),
    };
    let failure: unknown;
    let failed = false;
    try {
      await this.handler(received);
    } catch (error) {
      failed = true;
      failure = error;
    }
    try {
      if (!failed) await this.bus.complete(message);
      else if (message.delivery_count >= this.bus.maxDeliveries)
        await this.bus.deadLetter(this.channel, message, 'MaxDeliveryCountExceeded', errorMessage(failure));
      else {
        await this.bus.abandon(message);
        this.wakeAt(Date.now() + this.bus.redeliveryDelay + 5);
      }
    } catch (error) {
      // Not settled: the lock expires and the message comes back (stages take it as a duplicate).
      this.bus.receiveFailed(this.channel, error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.drained.add(resolve));
  }
}

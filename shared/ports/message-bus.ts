/**
 * Topics and queues between stages. Implemented by `InProcessMessageBus` (embedded runtime) and
 * `ServiceBusMessageBus` (Azure Service Bus). Delivery is at least once: handlers must be idempotent.
 */
export interface SendOptions {
  /** Deliver no earlier than this time. */
  scheduledAt?: Date;
  /** Lets the broker drop duplicates where it supports it; also useful in logs. */
  messageId?: string;
  /**
   * Travels beside the body, as Service Bus's application properties. Every adapter also adds the active
   * W3C trace context (`traceparent`, `tracestate`) when tracing is on, so that the receiver's spans join
   * the sender's trace.
   */
  applicationProperties?: Readonly<Record<string, string>>;
}

export interface ReceivedMessage {
  body: unknown;
  messageId: string;
  /** 1-based, as the Functions host reports it. */
  deliveryCount: number;
  enqueuedAt: Date;
  /** What the sender put beside the body (string values only), with its trace context. */
  applicationProperties?: Readonly<Record<string, string>>;
}

/** A queue's or a topic subscription's messages, for the metrics. */
export interface QueueStats {
  /** Queue or topic. */
  destination: string;
  /** The topic's subscription; absent for a queue. */
  subscription?: string;
  /** Messages not yet settled: ready, scheduled and being processed. */
  depth: number;
  /** Messages in the dead letters (the in-process bus: dead-lettered since the process started). */
  deadLettered: number;
}

/**
 * Returning settles the message as complete; throwing abandons it (redelivered, and dead-lettered after the
 * bus's maximum delivery count).
 */
export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

export interface Subscription {
  close(): Promise<void>;
}

export interface MessageBus {
  /** Sends to a topic or queue by name. */
  send(destination: string, body: unknown, options?: SendOptions): Promise<void>;
  /**
   * Receives from a queue, or from a topic's subscription (`subscription` given), one message per handler call,
   * up to `concurrency` at once.
   */
  subscribe(
    destination: string,
    subscription: string | undefined,
    handler: MessageHandler,
    options?: { concurrency?: number },
  ): Subscription;
  /**
   * Depth and dead letters of every queue and subscription the bus knows, where the bus can tell cheaply
   * (the in-process and PostgreSQL buses; Service Bus reports its own in Azure Monitor).
   */
  stats?(): Promise<QueueStats[]>;
  close(): Promise<void>;
}

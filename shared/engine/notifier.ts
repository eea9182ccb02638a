import { tenantKeyName } from '../features/setup';
import { createHmac, randomUUID } from 'node:crypto';
import type { Connectors } from '../connectors/call';
import { HttpTransportError } from '../connectors/http-client';
import { describeError } from '../errors';
import type { Logger } from '../log';
import {
  isTerminal,
  type DocumentRecord,
  type DocumentStatus,
  type NotificationAttempt,
} from '../model/record';
import type { MessageBus } from '../ports/message-bus';
import type { DocumentStore } from '../store/document-store';
import type { TenantDirectory } from '../store/tenants';
import { isObject } from '../util/json';

/** One status change to announce: ids and the status, never the document. */
export interface NotificationMessage {
  eventId: string;
  tenantId: string;
  documentId: string;
  status: DocumentStatus;
  previousStatus: DocumentStatus;
  stepId?: string;
  occurredAt: string;
  /** 1-based delivery attempt. */
  attempt: number;
}

export function isNotificationMessage(value: unknown): value is NotificationMessage {
  return (
    isObject(value) &&
    typeof value.eventId === 'string' &&
    typeof value.tenantId === 'string' &&
    typeof value.documentId === 'string' &&
    typeof value.status === 'string' &&
    typeof value.attempt === 'number'
  );
}

export interface NotifierOptions {
  topic: string;
  /** Delivery attempts before giving up (default 8). */
  maxAttempts?: number;
  /** First wait between attempts (default 5 s), doubled each time up to an hour, ±20 % jitter. */
  initialDelayMs?: number;
  timeoutMs?: number;
  now?: () => Date;
  random?: () => number;
}

/** Attempts kept on a record, the newest. */
const KEPT_ATTEMPTS = 50;

/** `EInvoice-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function signWebhook(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * Webhooks: on every terminal status (with `events: "all"`, on every status change) a notification is
 * queued on the notify topic; its delivery POSTs `{ id, type, tenantId, documentId, status, … }` to the
 * tenant's URL, signed with HMAC-SHA256 over timestamp and body (`EInvoice-Signature`), and retries with
 * back-off through scheduled messages. Each attempt is written to the record (`notifications`). A failing
 * receiver never holds up a document: delivery runs apart from the flow, and gives up after `maxAttempts`.
 */
export class Notifier {
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(
    private readonly documents: DocumentStore,
    private readonly tenants: TenantDirectory,
    private readonly bus: MessageBus,
    private readonly connectors: Connectors,
    private readonly logger: Logger,
    private readonly options: NotifierOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /** Queues a notification when the tenant wants one for this change. Never throws: the change stands. */
  async statusChanged(record: DocumentRecord, previous: DocumentStatus): Promise<void> {
    if (record.status === previous) return;
    try {
      const webhook = (await this.tenants.get(record.tenantId))?.webhook;
      if (!webhook) return;
      if (!isTerminal(record.status) && webhook.events !== 'all') return;
      const message: NotificationMessage = {
        eventId: randomUUID(),
        tenantId: record.tenantId,
        documentId: record.id,
        status: record.status,
        previousStatus: previous,
        ...(record.stepId ? { stepId: record.stepId } : {}),
        occurredAt: record.updatedAt,
        attempt: 1,
      };
      await this.bus.send(this.options.topic, message, { messageId: `${message.eventId}:1` });
    } catch (error) {
      this.logger.warn('webhook.not-queued', {
        tenantId: record.tenantId,
        documentId: record.id,
        status: record.status,
        code: describeError(error).code,
      });
    }
  }

  /** Delivers one notification attempt (the notify topic's handler). Throws only when the store fails. */
  async deliver(message: NotificationMessage): Promise<void> {
    const tenant = await this.tenants.get(message.tenantId);
    const webhook = tenant?.webhook;
    if (!webhook) return; // switched off since
    const body = JSON.stringify({
      id: message.eventId,
      type: 'document.status',
      tenantId: message.tenantId,
      documentId: message.documentId,
      status: message.status,
      previousStatus: message.previousStatus,
      ...(message.stepId ? { stepId: message.stepId } : {}),
      occurredAt: message.occurredAt,
    });
    const started = this.now();
    let outcome: { delivered: boolean; status?: number; error?: string };
    try {
      // the tenant's own secret: a tenant cannot sign with another tenant's (or the operator's) secret
      const secret = await this.connectors.secrets.get(
        tenantKeyName(message.tenantId, webhook.secret.secret),
      );
      const answer = await this.connectors.http.send({
        url: webhook.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'einvoice-event-id': message.eventId,
          'einvoice-signature': signWebhook(secret, body, started),
        },
        body: Buffer.from(body),
        timeoutMs: this.options.timeoutMs ?? 10_000,
      });
      outcome = { delivered: answer.status >= 200 && answer.status < 300, status: answer.status };
    } catch (error) {
      outcome = {
        delivered: false,
        error: error instanceof HttpTransportError ? error.message : describeError(error).message,
      };
    }
    const maxAttempts = this.options.maxAttempts ?? 8;
    const retry = !outcome.delivered && message.attempt < maxAttempts;
    const nextAt = retry ? new Date(started.getTime() + this.delayMs(message.attempt)) : undefined;
    const attempt: NotificationAttempt = {
      at: started.toISOString(),
      eventId: message.eventId,
      status: message.status,
      attempt: message.attempt,
      delivered: outcome.delivered,
      ...(outcome.status !== undefined ? { httpStatus: outcome.status } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(nextAt ? { nextAttemptAt: nextAt.toISOString() } : {}),
    };
    await this.documents.update(
      message.tenantId,
      message.documentId,
      (r) => {
        r.notifications = [...(r.notifications ?? []), attempt].slice(-KEPT_ATTEMPTS);
        return r;
      },
      this.now,
    );
    const log = { tenantId: message.tenantId, documentId: message.documentId, attempt: message.attempt };
    if (outcome.delivered) this.logger.info('webhook.delivered', log);
    else if (nextAt) {
      this.logger.warn('webhook.retry-scheduled', { ...log, httpStatus: outcome.status });
      await this.bus.send(
        this.options.topic,
        { ...message, attempt: message.attempt + 1 },
        { messageId: `${message.eventId}:${message.attempt + 1}`, scheduledAt: nextAt },
      );
    } else this.logger.warn('webhook.given-up', { ...log, httpStatus: outcome.status });
  }

  private delayMs(attempt: number): number {
    const base = Math.min(3_600_000, (this.options.initialDelayMs ?? 5000) * 2 ** (attempt - 1));
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { ConcurrencyError, invalidInput } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { ajv, toProblems } from '../validation/schema';

/**
 * What an authority says on its own about a submission, hours or days later (Italy's SDI notifications):
 * the correlation `key` (an id the authority gave when it took the file, recorded by an earlier step), the
 * event `type` (`delivered`, `rejected`, ...), the authority's codes and message, and its own data.
 */
export interface AuthorityEvent {
  /** The sender's id of the event; the same id twice is one event. Default: the SHA-256 of the body. */
  id: string;
  key: string;
  type: string;
  codes?: string[];
  message?: string;
  data?: unknown;
  receivedAt: string;
}

/** An event as a document's record lists it (its data stays in the event store). */
export interface EventEntry {
  id: string;
  type: string;
  at: string;
  codes?: string[];
}

export const EVENT_SCHEMA = {
  type: 'object',
  required: ['key', 'type'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
    key: { type: 'string', minLength: 1, maxLength: 200 },
    type: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,50}$' },
    codes: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 50 } },
    message: { type: 'string', maxLength: 2000 },
    data: { description: "The authority's own content, kept as it came" },
  },
} as const;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Where a document waits for events of a correlation key. */
interface Waiter {
  documentId: string;
  stepId: string;
  registeredAt: string;
}

/**
 * The events authorities send, per tenant and feature, kept by correlation key and deduplicated by id, and
 * the documents that wait for them. A step that waits registers first and then reads the events of its key;
 * an arriving event is stored first and then looks for a waiting document: whichever comes second sees the
 * other, so an event that arrives before the step waits is not lost, and one for no known key is kept and
 * listed as unmatched.
 */
export class EventInbox {
  constructor(
    private readonly objects: ObjectStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private folder(tenantId: string, featureId: string, key: string): string {
    return `tenants/${tenantId}/events/${featureId}/${sha256(key)}/`;
  }

  private waiterKey(tenantId: string, featureId: string, key: string): string {
    return `tenants/${tenantId}/awaits/${featureId}/${sha256(key)}`;
  }

  /** Checks an event's body; every problem with its JSON path. */
  static check(body: unknown): Omit<AuthorityEvent, 'id' | 'receivedAt'> & { id?: string } {
    const validate = ajv().compile<Omit<AuthorityEvent, 'receivedAt'>>(EVENT_SCHEMA);
    if (!validate(body))
      throw invalidInput('event.invalid', 'The event is not valid', toProblems(validate.errors));
    return body;
  }

  /**
   * Stores an event. `duplicate` when its id was received before (nothing changes); `waiter` names the
   * document waiting for its key, if one does.
   */
  async receive(
    tenantId: string,
    featureId: string,
    body: unknown,
  ): Promise<{ event: AuthorityEvent; duplicate: boolean; waiter?: Waiter }> {
    const checked = EventInbox.check(body);
    const event: AuthorityEvent = {
      ...checked,
      id: checked.id ?? sha256(JSON.stringify(body)),
      receivedAt: this.now().toISOString(),
    };
    const name = `${this.folder(tenantId, featureId, event.key)}${sha256(event.id)}.json`;
    try {
      await this.objects.put(name, JSON.stringify(event), {
        ifNoneMatch: '*',
        contentType: 'application/json',
      });
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      const first = JSON.parse((await this.objects.get(name))!.body.toString('utf8')) as AuthorityEvent;
      return { event: first, duplicate: true };
    }
    const waiter = await this.waiter(tenantId, featureId, event.key);
    if (!waiter)
      await this.objects.put(
        `tenants/${tenantId}/unmatched/${featureId}/${String(Date.parse(event.receivedAt)).padStart(15, '0')}-${sha256(event.id).slice(0, 16)}`,
        JSON.stringify({ key: event.key, object: name }),
        { contentType: 'application/json' },
      );
    return { event, duplicate: false, ...(waiter ? { waiter } : {}) };
  }

  private async waiter(tenantId: string, featureId: string, key: string): Promise<Waiter | undefined> {
    const stored = await this.objects.get(this.waiterKey(tenantId, featureId, key));
    return stored ? (JSON.parse(stored.body.toString('utf8')) as Waiter) : undefined;
  }

  /** Registers a document's step as the one waiting for a key's events (the latest registration wins). */
  async wait(
    tenantId: string,
    featureId: string,
    key: string,
    documentId: string,
    stepId: string,
  ): Promise<void> {
    const waiter: Waiter = { documentId, stepId, registeredAt: this.now().toISOString() };
    await this.objects.put(this.waiterKey(tenantId, featureId, key), JSON.stringify(waiter), {
      contentType: 'application/json',
    });
  }

  /** The events of a key, in the order they arrived. */
  async events(tenantId: string, featureId: string, key: string): Promise<AuthorityEvent[]> {
    const folder = this.folder(tenantId, featureId, key);
    const events: AuthorityEvent[] = [];
    for (const name of await this.objects.list(folder)) {
      const stored = await this.objects.get(`${folder}${name}`);
      if (stored) events.push(JSON.parse(stored.body.toString('utf8')) as AuthorityEvent);
    }
    return events.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.id.localeCompare(b.id));
  }

  /** Events kept for keys no document waits for, oldest first. */
  async unmatched(tenantId: string, featureId: string, limit = 500): Promise<AuthorityEvent[]> {
    const folder = `tenants/${tenantId}/unmatched/${featureId}/`;
    const events: AuthorityEvent[] = [];
    for (const name of await this.objects.list(folder)) {
      const marker = await this.objects.get(`${folder}${name}`);
      if (!marker) continue;
      const { key, object } = JSON.parse(marker.body.toString('utf8')) as { key: string; object: string };
      if (await this.waiter(tenantId, featureId, key)) {
        await this.objects.delete(`${folder}${name}`); // a document has waited for it since
        continue;
      }
      const stored = await this.objects.get(object);
      if (stored) events.push(JSON.parse(stored.body.toString('utf8')) as AuthorityEvent);
      if (events.length >= limit) break;
    }
    return events;
  }

  /**
   * A new key for an authority to send a tenant's events of a feature with (`x-event-key` or `?key=`):
   * returned once, kept as its SHA-256.
   */
  async newKey(tenantId: string, featureId: string): Promise<string> {
    const key = `ev_${randomBytes(24).toString('base64url')}`;
    await this.objects.put(
      `event-keys/${sha256(key)}`,
      JSON.stringify({ tenantId, featureId, createdAt: this.now().toISOString() }),
      { ifNoneMatch: '*', contentType: 'application/json' },
    );
    return key;
  }

  /** The tenant and feature an event key was issued for, or undefined. */
  async keyOwner(key: string): Promise<{ tenantId: string; featureId: string } | undefined> {
    if (!key || key.length > 200) return undefined;
    const stored = await this.objects.get(`event-keys/${sha256(key)}`);
    return stored
      ? (JSON.parse(stored.body.toString('utf8')) as { tenantId: string; featureId: string })
      : undefined;
  }
}

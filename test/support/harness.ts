import { ensureSelfSignedCertificate } from '../../shared/adapters/folder-certificate-store';
import { InProcessMessageBus } from '../../shared/adapters/in-process-bus';
import { createServices, type Services } from '../../shared/composition';
import type { LogEvent, LogFields, Logger } from '../../shared/log';
import type { NotificationMessage } from '../../shared/engine/notifier';
import type { StageMessage } from '../../shared/model/message';
import { isTerminal, STAGES, type DocumentRecord } from '../../shared/model/record';
import type { MessageBus } from '../../shared/ports/message-bus';
import type { ObjectStore } from '../../shared/ports/object-store';
import { loadSettings, type Settings } from '../../shared/settings';
import { eventually, onTeardown, tempDir } from './temp';

export interface Harness {
  services: Services;
  settings: Settings;
  bus: InProcessMessageBus;
  clock: { now: number; advance(ms: number): void };
  dir: string;
  /** Every log line the services wrote, in order. */
  logs: Array<{ level: 'info' | 'warn' | 'error'; event: LogEvent; fields: LogFields }>;
  submit(document: unknown, context?: Record<string, unknown>, clientKey?: string): Promise<DocumentRecord>;
  settle(id: string): Promise<DocumentRecord>;
}

export const TENANT = 'acme';

/**
 * The core wired as in production (same composition root) with in-memory storage, an in-process bus whose
 * topics feed `runStep` directly, a temporary key folder and a clock the test moves (or, with `realClock`,
 * the real one: retries then come from their scheduled messages).
 */
export async function createHarness(
  env: Record<string, string> = {},
  wrapBus: (bus: InProcessMessageBus) => MessageBus = (bus) => bus,
  options: { realClock?: boolean; objects?: ObjectStore } = {},
): Promise<Harness> {
  const dir = tempDir();
  const settings = loadSettings({ ...process.env, EINVOICE_DATA_DIR: dir, EINVOICE_STORE: 'memory', ...env });
  await ensureSelfSignedCertificate(settings.keyDir, settings.signingCertificate);
  const bus = new InProcessMessageBus({ redeliveryDelayMs: 5 });
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const logs: Harness['logs'] = [];
  const logger: Logger = {
    info: (event, fields = {}) => void logs.push({ level: 'info', event, fields }),
    warn: (event, fields = {}) => void logs.push({ level: 'warn', event, fields }),
    error: (event, fields = {}) => void logs.push({ level: 'error', event, fields }),
  };
  const services = createServices(settings, {
    bus: wrapBus(bus),
    logger,
    ...(options.realClock ? {} : { now: () => new Date(clock.now) }),
    ...(options.objects ? { objects: options.objects } : {}),
  });
  await services.tenants.create(TENANT, 'Acme');
  for (const stage of STAGES) {
    bus.subscribe(settings.topics[stage], settings.subscription, (m) =>
      services.pipeline.runStep(m.body as StageMessage),
    );
  }
  bus.subscribe(settings.notifyTopic, settings.subscription, (m) =>
    services.notifier.deliver(m.body as NotificationMessage),
  );
  onTeardown(() => services.close());
  return {
    services,
    settings,
    bus,
    clock,
    dir,
    logs,
    async submit(document, context = { format: 'peppol-bis3-ubl' }, clientKey) {
      const { record } = await services.pipeline.submit({
        tenantId: TENANT,
        context,
        content: Buffer.from(JSON.stringify(document)),
        contentType: 'application/json',
        ...(clientKey ? { clientKey } : {}),
      });
      return record;
    },
    async settle(id) {
      // Retries are scheduled in real time while the test moves its own clock: not waited for here.
      await bus.whenIdle({ scheduled: false });
      return eventually(async () => {
        await bus.whenIdle({ scheduled: false });
        const record = await services.pipeline.get(TENANT, id);
        return isTerminal(record.status) || record.status === 'waiting' ? record : undefined;
      });
    },
  };
}

/**
 * A bus wrapper that holds the messages sent while `hold` is on, until `release` sends them: a document
 * stays where it is (at its first step, say) while a test changes something around it.
 */
export function holdingBus(): {
  wrap: (bus: InProcessMessageBus) => MessageBus;
  hold(): void;
  /** Sends what was held; holding stays on when `keepHolding`. */
  release(keepHolding?: boolean): Promise<void>;
  readonly held: number;
} {
  let held: Array<() => Promise<void>> | undefined;
  return {
    wrap: (bus) => ({
      send: (topic, body, options) => {
        if (!held) return bus.send(topic, body, options);
        held.push(() => bus.send(topic, body, options));
        return Promise.resolve();
      },
      subscribe: (...args) => bus.subscribe(...args),
      close: () => bus.close(),
    }),
    hold: () => void (held ??= []),
    async release(keepHolding = false) {
      const messages = held ?? [];
      held = keepHolding ? [] : undefined;
      for (const send of messages) await send();
    },
    get held() {
      return held?.length ?? 0;
    },
  };
}

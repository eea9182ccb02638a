import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deliverFolderAction } from './actions/deliver-folder';
import { handleResponseAction } from './actions/handle-response';
import { bcMapAction, edocFromInvoiceAction, edocValidateAction, readInvoiceAction } from './actions/edoc';
import { signJwsAction } from './actions/sign-jws';
import { signXmlAction } from './actions/sign-xml';
import { submitHttpAction } from './actions/submit-http';
import { pollHttpAction } from './actions/poll-http';
import { FolderSecretStore, KeyVaultSecretStore } from './adapters/secret-stores';
import { Authenticator } from './connectors/auth';
import type { Connectors } from './connectors/call';
import { CircuitBreaker } from './connectors/circuit-breaker';
import { HttpClient } from './connectors/http-client';
import { transformAction } from './actions/transform';
import { signCadesAction } from './actions/sign-cades';
import { nextNumberAction } from './actions/next-number';
import { validateSdiAction } from './actions/validate-sdi';
import { sealCfdiAction } from './actions/seal-cfdi';
import { decodeArtifactAction } from './actions/decode-artifact';
import { cancelCfdiAction } from './actions/cancel-cfdi';
import { queryCfdiStatusAction } from './actions/query-cfdi-status';
import { verifyTimbreAction } from './actions/verify-timbre';
import { sefazAuthorizeAction, sefazReceiptAction } from './actions/sefaz-authorize';
import { nfeKeyAction } from './actions/nfe-key';
import { sefazEventAction } from './actions/sefaz-event';
import { sefazStatusAction } from './actions/sefaz-status';
import { validateNfeAction } from './actions/validate-nfe';
import { validateCfdiAction } from './actions/validate-cfdi';
import type { DocumentRecord, DocumentStatus } from './model/record';
import { Counters } from './store/counters';
import { validateActionWith } from './actions/validate';
import { verifyXmlAction } from './actions/verify-xml';
import { BlobObjectStore } from './adapters/blob-object-store';
import { JournalObjectStore } from './adapters/journal-object-store';
import { LevelObjectStore, levelStoreMemory } from './adapters/level-object-store';
import { inlineXmlSigner, SigningPool, type XmlSigner } from './signing/signing-pool';
import { XsdValidatorPool } from './xml/xsd';
import { validateXsdAction } from './actions/validate-xsd';
import { FileObjectStore } from './adapters/file-object-store';
import { FolderCertificateStore, keyPasswordFromEnv } from './adapters/folder-certificate-store';
import { InProcessMessageBus } from './adapters/in-process-bus';
import { KeyVaultCertificateStore } from './adapters/key-vault-certificate-store';
import { MemoryObjectStore } from './adapters/memory-object-store';
import { ServiceBusMessageBus } from './adapters/service-bus';
import { PgConnection } from './adapters/pg-connection';
import { PgMessageBus } from './adapters/pg-bus';
import { PgObjectStore } from './adapters/pg-object-store';
import { ActionRegistry } from './engine/action';
import { BatchIntake } from './engine/batch';
import { Notifier } from './engine/notifier';
import { Pipeline } from './engine/pipeline';
import { invalidInput, isEInvoiceError } from './errors';
import type { FlowCatalogue } from './flows/catalogue';
import { FeatureCatalogue, FeatureSet, loadFlowCatalogue } from './features/catalogue';
import { packageRoot } from './util/package-root';
import { FeatureSetups } from './features/setup';
import { FeatureInstaller } from './features/install';
import { EventInbox } from './features/events';
import { awaitEventAction } from './actions/await-event';
import { FormatRegistry } from './formats/format';
import { loadMappings, shippedFormats } from './formats/mapping';
import { consoleLogger, type Logger } from './log';
import type { CertificateStore, SecretStore } from './ports/certificate-store';
import type { MessageBus } from './ports/message-bus';
import type { ObjectStore } from './ports/object-store';
import type { Settings } from './settings';
import { DocumentStore } from './store/document-store';
import { addMetricSources } from './telemetry/metrics';
import { TenantDirectory } from './store/tenants';
import { EntraVerifier } from './auth/entra';

/** Everything the service is made of, built once. */
export interface Services {
  settings: Settings;
  logger: Logger;
  objects: ObjectStore;
  documents: DocumentStore;
  tenants: TenantDirectory;
  /** Checks Entra ID access tokens, when Entra ID sign-in is configured. */
  entra?: EntraVerifier;
  formats: FormatRegistry;
  actions: ActionRegistry;
  flows: FlowCatalogue;
  features: FeatureCatalogue;
  /** Each tenant's features and their companies' parameters. */
  setups: FeatureSetups;
  /** Installs feature packages while the service runs. */
  installer: FeatureInstaller;
  /** Events authorities send on their own, and the documents waiting for them. */
  inbox: EventInbox;
  bus: MessageBus;
  certificates: CertificateStore;
  secrets: SecretStore;
  connectors: Connectors;
  pipeline: Pipeline;
  notifier: Notifier;
  batches: BatchIntake;
  close(): Promise<void>;
}

/** Adapters to use instead of those the settings name (tests, benchmarks). */
export interface ServiceOverrides {
  objects?: ObjectStore;
  bus?: MessageBus;
  certificates?: CertificateStore;
  secrets?: SecretStore;
  logger?: Logger;
  now?: () => Date;
  /** This process alone runs steps on the store (the embedded runtime). */
  exclusive?: boolean;
  /** Told of every change of a document's status, after the webhook notifier (a benchmark counting what finished). */
  onStatusChange?: (record: DocumentRecord, previous: DocumentStatus) => void;
}

function objectStore(settings: Settings, postgres: () => PgConnection): ObjectStore {
  switch (settings.store) {
    case 'postgres':
      return new PgObjectStore(postgres());
    case 'memory':
      return new MemoryObjectStore();
    case 'journal':
      return new JournalObjectStore(join(settings.dataDir, 'journal'), {
        sync: settings.storeSync,
        ...(settings.storeCacheMb ? { cacheBytes: settings.storeCacheMb * MIB } : {}),
      });
    case 'level':
      return new LevelObjectStore(join(settings.dataDir, 'level'), {
        sync: settings.storeSync,
        ...(settings.storeCacheMb ? levelStoreMemory(settings.storeCacheMb * MIB) : {}),
      });
    case 'file':
      return new FileObjectStore(join(settings.dataDir, 'store'));
    case 'blob': {
      const service = settings.blobConnection
        ? BlobServiceClient.fromConnectionString(settings.blobConnection)
        : settings.blobAccountUrl
          ? new BlobServiceClient(settings.blobAccountUrl, new DefaultAzureCredential())
          : undefined;
      if (!service) {
        throw invalidInput(
          'settings.missing',
          'EINVOICE_STORE=blob needs EINVOICE_BLOB_CONNECTION or EINVOICE_BLOB_ACCOUNT_URL',
        );
      }
      return new BlobObjectStore(service.getContainerClient(settings.blobContainer));
    }
  }
}

function messageBus(settings: Settings, logger: Logger, postgres: () => PgConnection): MessageBus {
  if (settings.bus === 'postgres') {
    // The Function App's topics, each with the stage subscription, as infra/main.bicep declares them.
    const topics = [...Object.values(settings.topics), settings.notifyTopic];
    return new PgMessageBus(postgres(), {
      maxDeliveryCount: settings.maxDeliveryCount,
      lockMs: settings.postgresLockMs,
      topics: Object.fromEntries(topics.map((topic) => [topic, [settings.subscription]])),
      logger,
    });
  }
  if (settings.bus === 'inprocess') {
    return new InProcessMessageBus({
      dir: join(settings.dataDir, 'bus'),
      maxDeliveryCount: settings.maxDeliveryCount,
      logger,
    });
  }
  const client = settings.serviceBusConnection
    ? new ServiceBusClient(settings.serviceBusConnection)
    : settings.serviceBusNamespace
      ? new ServiceBusClient(settings.serviceBusNamespace, new DefaultAzureCredential())
      : undefined;
  if (!client) {
    throw invalidInput(
      'settings.missing',
      'EINVOICE_BUS=servicebus needs ServiceBusConnection or ServiceBusConnection__fullyQualifiedNamespace',
    );
  }
  return new ServiceBusMessageBus(client, logger);
}

/**
 * The PostgreSQL database of the settings, as the runtime connects to it (password from the URL,
 * PGPASSWORD or the secret `postgres-password`), for a check: `einvoice doctor`. The caller ends it.
 */
export function openPostgres(settings: Settings, logger: Logger): PgConnection {
  let secrets: SecretStore | undefined;
  return postgresConnection(settings, logger, () => (secrets ??= secretStore(settings)));
}

const MIB = 1024 * 1024;

/** The PostgreSQL database of the store and the bus: one pool per process, shared by both. */
function postgresConnection(settings: Settings, logger: Logger, secrets: () => SecretStore): PgConnection {
  if (!settings.postgresUrl)
    throw invalidInput(
      'settings.missing',
      'EINVOICE_STORE=postgres and EINVOICE_BUS=postgres need EINVOICE_POSTGRES_URL (postgres://user@host:5432/database)',
    );
  const database = new PgConnection({
    url: settings.postgresUrl,
    schema: settings.postgresSchema,
    poolSize: settings.postgresPoolSize,
    password: () => postgresPassword(settings.env, secrets()),
    onIdleError: (error) =>
      logger.warn('runtime.error', { message: `PostgreSQL at ${database.where}: ${error.message}` }),
  });
  return database;
}

/**
 * The password when the connection string has none: PGPASSWORD, else the secret `postgres-password` (the
 * key folder's `secrets/`, or Key Vault). Neither is fine: the server may not ask for one.
 */
async function postgresPassword(
  env: Readonly<Record<string, string | undefined>>,
  secrets: SecretStore,
): Promise<string | undefined> {
  if (env.PGPASSWORD) return env.PGPASSWORD;
  try {
    return await secrets.get('postgres-password');
  } catch (error) {
    if (isEInvoiceError(error) && error.code === 'secret.not-found') return undefined;
    throw error;
  }
}

function certificateStore(settings: Settings): CertificateStore {
  if (settings.keys === 'folder')
    return new FolderCertificateStore(settings.keyDir, keyPasswordFromEnv(settings.env));
  if (!settings.keyVaultUrl)
    throw invalidInput('settings.missing', 'EINVOICE_KEYS=keyvault needs KEY_VAULT_URL');
  return KeyVaultCertificateStore.create(settings.keyVaultUrl, new DefaultAzureCredential());
}

function secretStore(settings: Settings): SecretStore {
  if (settings.keys === 'folder') return new FolderSecretStore(join(settings.keyDir, 'secrets'));
  if (!settings.keyVaultUrl)
    throw invalidInput('settings.missing', 'EINVOICE_KEYS=keyvault needs KEY_VAULT_URL');
  return KeyVaultSecretStore.create(settings.keyVaultUrl, new DefaultAzureCredential());
}

/** What the connector actions use: one HTTP client (its pools), token cache and circuit breaker. */
export function createConnectors(
  objects: ObjectStore,
  certificates: CertificateStore,
  secrets: SecretStore,
  now: () => number = Date.now,
): Connectors {
  const http = new HttpClient();
  return {
    http,
    auth: new Authenticator(secrets, http, now),
    circuits: new CircuitBreaker(objects, now),
    certificates,
    secrets,
    now,
  };
}

/** Where features are installed: the shipped folder (or EINVOICE_FLOWS_DIR), then EINVOICE_FEATURES_DIR. */
export function featureRoots(settings: Partial<Pick<Settings, 'flowsDir' | 'featuresDir'>>): string[] {
  const own = settings.featuresDir && existsSync(settings.featuresDir) ? [settings.featuresDir] : [];
  return [settings.flowsDir ?? join(packageRoot(), 'flows'), ...own];
}

/**
 * The registries of formats and actions, which flows are checked against, and the features read (their
 * flows are checked against these actions by `features.check`). Formats: the newest version of each
 * feature's, the shipped ones when the flows folder is not the shipped one, and EINVOICE_FORMATS_DIR's.
 */
export function createRegistries(
  settings: Pick<Settings, 'outboxDir' | 'formatsDir' | 'schemasDir'> &
    Partial<Pick<Settings, 'flowsDir' | 'featuresDir'>>,
  certificates: CertificateStore,
  signer: XmlSigner = inlineXmlSigner,
  xsd: XsdValidatorPool = new XsdValidatorPool(settings.schemasDir),
  connectors: Connectors = createConnectors(
    new MemoryObjectStore(),
    certificates,
    new FolderSecretStore(join('.', 'secrets')),
  ),
  tenants: TenantDirectory = new TenantDirectory(new MemoryObjectStore()),
  inbox: EventInbox = new EventInbox(new MemoryObjectStore()),
  counters: Counters = new Counters(new MemoryObjectStore()),
) {
  const roots = featureRoots(settings);
  const features = FeatureSet.read(roots);
  const formats = new FormatRegistry();
  for (const format of features.newestFormats()) formats.register(format);
  if (resolve(roots[0]!) !== join(packageRoot(), 'flows'))
    for (const format of shippedFormats()) if (!formats.has(format.id)) formats.register(format);
  if (settings.formatsDir) for (const format of loadMappings(settings.formatsDir)) formats.register(format);
  const actions = new ActionRegistry()
    .register(validateActionWith(formats))
    .register(transformAction(formats))
    .register(signXmlAction(certificates, signer))
    .register(verifyXmlAction)
    .register(validateXsdAction(xsd))
    .register(signJwsAction(certificates))
    .register(signCadesAction(certificates))
    .register(nextNumberAction(counters))
    .register(validateSdiAction())
    .register(sealCfdiAction(certificates))
    .register(decodeArtifactAction)
    .register(cancelCfdiAction(connectors))
    .register(queryCfdiStatusAction(connectors))
    .register(verifyTimbreAction(connectors))
    .register(sefazAuthorizeAction(connectors))
    .register(sefazReceiptAction(connectors))
    .register(sefazEventAction(connectors, certificates, signer))
    .register(sefazStatusAction(connectors))
    .register(nfeKeyAction())
    .register(validateNfeAction())
    .register(validateCfdiAction(settings.schemasDir))
    .register(deliverFolderAction(settings.outboxDir))
    .register(submitHttpAction(connectors))
    .register(pollHttpAction(connectors))
    .register(handleResponseAction)
    .register(readInvoiceAction(formats))
    .register(edocFromInvoiceAction(tenants))
    .register(edocValidateAction(tenants))
    .register(bcMapAction(tenants))
    .register(awaitEventAction(inbox, connectors.now));
  return { formats, actions, xsd, features };
}

/** The composition root: builds every adapter once from the settings and wires the use cases. */
export function createServices(settings: Settings, overrides: ServiceOverrides = {}): Services {
  const logger = overrides.logger ?? consoleLogger({ level: settings.logLevel, format: settings.logFormat });
  // Parts that hold handles (files, threads, timers) are closed again when a later part fails to load
  // (an invalid flow, say), so that a failed start-up leaves nothing running.
  const opened: Array<() => Promise<void> | undefined> = [];
  let objects: ObjectStore, bus: MessageBus, connectors: Connectors, signer: XmlSigner, xsd: XsdValidatorPool;
  let certificates: CertificateStore, secrets: SecretStore, formats: FormatRegistry, actions: ActionRegistry;
  let flows: FlowCatalogue, tenants: TenantDirectory, features: FeatureCatalogue, inbox: EventInbox;
  const now = overrides.now;
  // Opened by the store or the bus when either is on PostgreSQL; closed after both (so first in `opened`).
  let database: PgConnection | undefined;
  const postgres = (): PgConnection => (database ??= postgresConnection(settings, logger, () => secrets));
  opened.push(() => database?.end());
  try {
    objects = overrides.objects ?? objectStore(settings, postgres);
    opened.push(() => objects.close?.());
    bus = overrides.bus ?? messageBus(settings, logger, postgres);
    opened.push(() => bus.close());
    certificates = overrides.certificates ?? certificateStore(settings);
    secrets = overrides.secrets ?? secretStore(settings);
    connectors = createConnectors(objects, certificates, secrets, now ? () => now().getTime() : Date.now);
    opened.push(() => connectors.http.close());
    signer = settings.signingThreads > 0 ? new SigningPool(settings.signingThreads) : inlineXmlSigner;
    opened.push(() => signer.close());
    const xsdPool = new XsdValidatorPool(settings.schemasDir);
    opened.push(() => xsdPool.close());
    tenants = new TenantDirectory(objects);
    inbox = new EventInbox(objects, now);
    let read: FeatureSet;
    ({
      formats,
      actions,
      xsd,
      features: read,
    } = createRegistries(
      settings,
      certificates,
      signer,
      xsdPool,
      connectors,
      tenants,
      inbox,
      new Counters(objects),
    ));
    features = read.check(actions);
    flows = loadFlowCatalogue(featureRoots(settings), actions, features);
  } catch (error) {
    for (const close of opened.reverse()) void Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
  const documents = new DocumentStore(objects, settings.stageTimeoutMs);
  const notifier = new Notifier(documents, tenants, bus, connectors, logger, {
    topic: settings.notifyTopic,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const pipeline = new Pipeline(documents, tenants, flows, actions, bus, logger, {
    topics: settings.topics,
    onStatusChange: async (record, previous) => {
      await notifier.statusChanged(record, previous);
      overrides.onStatusChange?.(record, previous);
    },
    stageTimeoutMs: settings.stageTimeoutMs,
    ...(overrides.now ? { now: overrides.now } : {}),
    exclusive: overrides.exclusive ?? false,
    env: settings.env,
    formats,
    features,
  });
  const batches = new BatchIntake(pipeline, objects, bus, settings.batchQueue, logger);
  // what the queue and circuit gauges read, while metrics are on
  const removeMetricSources = addMetricSources({
    ...(bus.stats ? { queues: () => bus.stats!() } : {}),
    circuits: () => connectors.circuits.states(),
  });
  return {
    settings,
    logger,
    objects,
    documents,
    tenants,
    ...(settings.entra ? { entra: new EntraVerifier(settings.entra) } : {}),
    formats,
    actions,
    flows,
    features,
    setups: new FeatureSetups(features, tenants, overrides.now),
    inbox,
    installer: new FeatureInstaller(features, flows, actions, settings.featuresDir, settings.featureAdmins),
    bus,
    certificates,
    secrets,
    connectors,
    pipeline,
    notifier,
    batches,
    close: async () => {
      removeMetricSources();
      await bus.close();
      await connectors.http.close();
      await signer.close();
      await xsd.close();
      await objects.close?.();
      await database?.end();
    },
  };
}

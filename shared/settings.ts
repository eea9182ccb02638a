import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { invalidInput } from './errors';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log';
import type { EntraSettings } from './auth/entra';
import { isObject } from './util/json';
import { packageRoot } from './util/package-root';

/**
 * The service's settings, read from environment variables named as in local.settings.sample.json `Values`
 * (as Azure App Settings are). Every setting has a default that runs the embedded single-machine mode.
 */
export interface Settings {
  store: 'journal' | 'level' | 'file' | 'blob' | 'postgres' | 'memory';
  /** `journal` and `level` stores: flush every write (group) to disk before acknowledging it. */
  storeSync: boolean;
  /**
   * `journal` and `level` stores: the memory they keep for caches, in MiB (default: the store's own, 64 for
   * `journal`, 56 for `level`). What bounds the runtime's memory, whatever the history.
   */
  storeCacheMb?: number;
  dataDir: string;
  blobConnection?: string;
  blobAccountUrl?: string;
  blobContainer: string;
  /** Default `postgres` when the store is, else `inprocess`. */
  bus: 'inprocess' | 'servicebus' | 'postgres';
  serviceBusConnection?: string;
  serviceBusNamespace?: string;
  /** `postgres://` connection string of the PostgreSQL store and bus (it may carry the password). */
  postgresUrl?: string;
  /** The PostgreSQL schema of the service's tables. */
  postgresSchema: string;
  /** Connections one process opens to PostgreSQL at most (the bus's listener comes on top). */
  postgresPoolSize: number;
  /** PostgreSQL bus: how long a received message stays locked (renewed while its handler runs). */
  postgresLockMs: number;
  topics: { transform: string; sign: string; submit: string; response: string };
  /** Webhook notifications (status changes) wait here for delivery. */
  notifyTopic: string;
  subscription: string;
  batchQueue: string;
  retryTimerSchedule: string;
  stageTimeoutMs: number;
  /** Finished documents are deleted this long after their last change (`EINVOICE_RETENTION`); unset: kept. */
  retentionMs?: number;
  retentionTimerSchedule: string;
  keys: 'folder' | 'keyvault';
  keyDir: string;
  keyVaultUrl?: string;
  signingCertificate: string;
  localApiKey?: string;
  /**
   * Sign-in with Entra ID besides API keys (`EINVOICE_ENTRA_AUTHORITY` and `EINVOICE_ENTRA_CLIENT_ID`, docs/console.md):
   * the API then takes the directory's access tokens as `Authorization: Bearer`.
   */
  entra?: EntraSettings;
  /** The shipped features (and loose flow files); default the package's `flows/`. */
  flowsDir: string;
  /**
   * The service's administrators: tenants whose API keys may install feature packages (POST /api/features)
   * for the whole service, and read the embedded runtime's metrics of every tenant (GET /metrics).
   */
  featureAdmins: string[];
  /**
   * A folder of the user's own features (each a sub-folder with a `feature.json`), besides the shipped ones;
   * imported packages are installed here. Default `features` in the data folder (read when it exists).
   */
  featuresDir?: string;
  /** A folder of further format mappings, besides the shipped ones. */
  formatsDir?: string;
  /** Where the official XML Schemas are installed (layout in docs/formats.md). */
  schemasDir?: string;
  httpHost: string;
  httpPort: number;
  maxBodyBytes: number;
  outboxDir: string;
  sandboxUrl: string;
  /** The PEM file of the certificate SDI signs its notifications with (or its issuer's); unset: any signer. */
  sdiCertificateFile?: string;
  maxDeliveryCount: number;
  busConcurrency: number;
  /** Threads that sign XML beside the main thread; 0 signs in the main thread. */
  signingThreads: number;
  logLevel: LogLevel;
  /** `pretty` (readable lines) or `json`; default pretty when stdout is a terminal. */
  logFormat: LogFormat;
  /** Traces and metrics (docs/observability.md); nothing is set up while no exporter is configured. */
  telemetry: TelemetrySettings;
  /** The variables these settings were read from: `%NAME%` placeholders in flows resolve against them. */
  env: Readonly<Record<string, string | undefined>>;
}

export const TRACE_EXPORTERS = ['otlp', 'azuremonitor'] as const;
export const METRIC_EXPORTERS = ['otlp', 'azuremonitor', 'prometheus'] as const;
export const TRACE_SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;

/** OpenTelemetry, from the standard `OTEL_*` variables and Application Insights' connection string. */
export interface TelemetrySettings {
  /** `OTEL_SERVICE_NAME`, default `einvoice`. */
  serviceName: string;
  /** Where spans go: `OTEL_TRACES_EXPORTER`, else OTLP when an endpoint is set and Azure Monitor when a connection string is. */
  traces: Array<(typeof TRACE_EXPORTERS)[number]>;
  /** Where metrics go: `OTEL_METRICS_EXPORTER` (`prometheus`: `GET /metrics` of the embedded runtime), else as for traces. */
  metrics: Array<(typeof METRIC_EXPORTERS)[number]>;
  /** OTLP/HTTP (JSON) URLs of the collector, per signal. */
  otlpTracesUrl?: string;
  otlpMetricsUrl?: string;
  /** `OTEL_EXPORTER_OTLP_HEADERS` (`name=value,...`): a collector's API key, say. */
  otlpHeaders: Record<string, string>;
  /** How often metrics are pushed (OTLP, Azure Monitor); `OTEL_METRIC_EXPORT_INTERVAL`, default 60 s. */
  metricIntervalMs: number;
  sampler: (typeof TRACE_SAMPLERS)[number];
  /** The ratio of the `traceidratio` samplers, 0 to 1; default 1. */
  samplerRatio: number;
  azureMonitorConnectionString?: string;
  /** `Authorization=AAD;ClientId=<managed identity>`: Entra ID authentication of the ingestion. */
  azureMonitorAuthentication?: string;
}

type Env = Record<string, string | undefined>;

/**
 * Defaults of the settings that bindings refer to with `%NAME%`; the Functions host needs them as
 * App Settings (infra/ sets them), the embedded runtime falls back to these.
 */
export const BINDING_SETTING_DEFAULTS: Readonly<Record<string, string>> = {
  TRANSFORM_TOPIC: 'transform',
  SIGN_TOPIC: 'sign',
  SUBMIT_TOPIC: 'submit',
  RESPONSE_TOPIC: 'response',
  NOTIFY_TOPIC: 'notify',
  STAGE_SUBSCRIPTION: 'einvoice',
  BATCH_QUEUE: 'batch',
  RETRY_TIMER_SCHEDULE: '*/10 * * * * *',
  // Deletes finished documents past EINVOICE_RETENTION (none when it is unset), daily at 02:30
  RETENTION_TIMER_SCHEDULE: '0 30 2 * * *',
  EINVOICE_SIGNING_CERT: 'local-signing',
  SANDBOX_URL: 'http://127.0.0.1:7072',
  // The Business Central stand-in (`einvoice sandbox --authority bc`); Azure sets the real ones.
  BC_API_URL: 'http://127.0.0.1:7073/api/v2.0',
  BC_TOKEN_URL: 'http://127.0.0.1:7073/tenant/oauth2/v2.0/token',
  BC_CLIENT_ID: 'einvoice-bc',
  BC_SCOPE: 'https://api.businesscentral.dynamics.com/.default',
  // The SDI stand-in (`einvoice sandbox --authority sdi`): its SDICoop endpoints
  SDI_URL: 'http://127.0.0.1:7074',
  // The PAC stand-in (`einvoice sandbox --authority pac`)
  PAC_URL: 'http://127.0.0.1:7075',
  // SAT's CFDI status service and certificate repository, played by the PAC stand-in; SAT's own:
  // https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc, https://rdc.sat.gob.mx/rccf
  SAT_STATUS_URL: 'http://127.0.0.1:7075/ConsultaCFDIService.svc',
  SAT_CERTIFICATES_URL: 'http://127.0.0.1:7075/certificates',
  // A folder of SAT's certificates (<NoCertificadoSAT>.cer), read before the repository; none by default
  SAT_CERTIFICATES_DIR: '',
  // The SEFAZ stand-in (`einvoice sandbox --authority sefaz`); empty: the authorisers' own endpoints
  SEFAZ_URL: 'https://127.0.0.1:7076',
  // The contingency authoriser (SVC-AN or SVC-RS) of the stand-ins (the sandbox starts one beside SEFAZ's)
  SEFAZ_SVC_URL: 'https://127.0.0.1:7077',
  // The authorisers' trust anchors (PEM): ICP-Brasil's chain; the stand-in's test CA in the demo
  SEFAZ_CA_FILE: '',
};

function text(env: Readonly<Env>, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return BINDING_SETTING_DEFAULTS[name];
  return value;
}

function choice<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidInput(
    'settings.invalid',
    `Setting ${name} must be one of ${allowed.join(', ')}, got "${value}"`,
    [{ path: name, message: `expected one of ${allowed.join(', ')}` }],
  );
}

function integer(env: Env, name: string, fallback: number, min: 0 | 1): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    const expected = min === 1 ? 'a positive integer' : 'an integer of 0 or more';
    throw invalidInput('settings.invalid', `Setting ${name} must be ${expected}, got "${value}"`, [
      { path: name, message: `expected ${expected}` },
    ]);
  }
  return n;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  return integer(env, name, fallback, 1);
}

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  return integer(env, name, fallback, 0);
}

export const DEFAULT_PG_SCHEMA = 'einvoice';

/** A schema name usable unquoted in documentation, leaving room for the names derived from it. */
const PG_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/** Checks a PostgreSQL connection string's form; the message never repeats it, since it may hold a password. */
export function checkPostgresUrl(url: string, setting = 'EINVOICE_POSTGRES_URL'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidInput('settings.invalid', `Setting ${setting} is not a URL`, [
      { path: setting, message: 'expected postgres://user@host:5432/database' },
    ]);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw invalidInput('settings.invalid', `Setting ${setting} must start with postgres://`, [
      { path: setting, message: `expected postgres://user@host:5432/database, got ${parsed.protocol}//...` },
    ]);
  return parsed;
}

export function checkPostgresSchema(schema: string, setting = 'EINVOICE_POSTGRES_SCHEMA'): string {
  if (!PG_SCHEMA_NAME.test(schema))
    throw invalidInput(
      'settings.invalid',
      `Setting ${setting} must be a lower-case identifier, got "${schema}"`,
      [{ path: setting, message: 'letters a-z, digits and _, at most 48, not starting with a digit' }],
    );
  return schema;
}

/** `host:port/database` of a PostgreSQL connection string, for messages and logs: never its password. */
export function describePostgresUrl(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname || parsed.searchParams.get('host') || 'the local socket';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default database)';
  return `${host}:${parsed.port || 5432}/${database}`;
}

/** `EINVOICE_RETENTION`: days (`3650d`) or years of 365 days (`10y`); unset or empty: documents are kept. */
function retention(env: Env): number | undefined {
  const raw = text(env, 'EINVOICE_RETENTION');
  if (raw === undefined) return undefined;
  const match = /^(\d{1,5})(d|y)$/.exec(raw);
  if (!match || Number(match[1]) === 0)
    throw invalidInput(
      'settings.invalid',
      'EINVOICE_RETENTION must be a number of days or years: 3650d, 10y',
      [{ path: 'EINVOICE_RETENTION', message: `"${raw}" is not a number of days (d) or years (y)` }],
    );
  return Number(match[1]) * (match[2] === 'y' ? 365 : 1) * 86_400_000;
}

/**
 * The store of a data folder when EINVOICE_STORE is not set: `level` (memory and start-up time that do not
 * grow with the history), except for a folder that already has a `journal/`, the default before, whose
 * documents must stay where its runtime looks for them.
 */
/**
 * Entra ID sign-in: both the authority and the client id, or neither. The authority is HTTPS, except on this
 * machine (a local stand-in): its key set decides who may read a tenant's documents.
 */
function entraSettings(env: Env): EntraSettings | undefined {
  const authority = text(env, 'EINVOICE_ENTRA_AUTHORITY');
  const clientId = text(env, 'EINVOICE_ENTRA_CLIENT_ID');
  if (authority === undefined && clientId === undefined) return undefined;
  const missing = authority === undefined ? 'EINVOICE_ENTRA_AUTHORITY' : 'EINVOICE_ENTRA_CLIENT_ID';
  if (authority === undefined || clientId === undefined)
    throw invalidInput('settings.invalid', `Setting ${missing} is needed with the other Entra ID setting`, [
      {
        path: missing,
        message: 'Entra ID sign-in needs both EINVOICE_ENTRA_AUTHORITY and EINVOICE_ENTRA_CLIENT_ID',
      },
    ]);
  let url: URL | undefined;
  try {
    url = new URL(authority);
  } catch {
    url = undefined;
  }
  const loopback = url !== undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)))
    throw invalidInput('settings.invalid', 'Setting EINVOICE_ENTRA_AUTHORITY is not an HTTPS URL', [
      {
        path: 'EINVOICE_ENTRA_AUTHORITY',
        message: 'expected https://login.microsoftonline.com/<directory id>/v2.0 (http only on this machine)',
      },
    ]);
  return {
    authority: authority.replace(/\/+$/, ''),
    clientId,
    scope: text(env, 'EINVOICE_ENTRA_SCOPE') ?? `api://${clientId}/access_as_user`,
  };
}

export function defaultStore(dataDir: string): 'journal' | 'level' {
  return existsSync(join(dataDir, 'journal')) ? 'journal' : 'level';
}

/** A comma-separated list of exporters (`none`: none), each one of `allowed`. */
function exporters<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T[]): T[] {
  const value = text(env, name);
  if (value === undefined) return fallback;
  const names = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = names.filter((part) => part !== 'none' && !(allowed as readonly string[]).includes(part));
  if (unknown.length > 0)
    throw invalidInput('settings.invalid', `Setting ${name} must list ${allowed.join(', ')} or none`, [
      { path: name, message: `unknown exporter ${unknown.join(', ')}` },
    ]);
  return names.includes('none') ? [] : [...new Set(names as T[])];
}

function otlpUrl(env: Env, signal: 'traces' | 'metrics'): string | undefined {
  const own = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  const ownUrl = text(env, own);
  const base = text(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const url = ownUrl ?? (base !== undefined ? `${base.replace(/\/+$/, '')}/v1/${signal}` : undefined);
  const from = ownUrl !== undefined ? own : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  if (url !== undefined && !/^https?:\/\/[^/]/.test(url))
    throw invalidInput('settings.invalid', `Setting ${from} must be an http(s) URL`, [
      { path: from, message: 'expected http://collector:4318' },
    ]);
  return url;
}

/** `name=value,name=value`, values percent-encoded (the OpenTelemetry convention); never repeated in a message. */
function otlpHeaders(env: Env): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text(env, 'OTEL_EXPORTER_OTLP_HEADERS') ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (pair.trim() === '') continue;
    if (at <= 0)
      throw invalidInput(
        'settings.invalid',
        'Setting OTEL_EXPORTER_OTLP_HEADERS must be name=value pairs separated by commas',
        [{ path: 'OTEL_EXPORTER_OTLP_HEADERS', message: 'expected name=value,name=value' }],
      );
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

export function telemetrySettings(env: Env): TelemetrySettings {
  const otlpTracesUrl = otlpUrl(env, 'traces');
  const otlpMetricsUrl = otlpUrl(env, 'metrics');
  const azureMonitorConnectionString = text(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
  const azureMonitorAuthentication = text(env, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING');
  const disabled = choice(env, 'OTEL_SDK_DISABLED', ['true', 'false'] as const, 'false') === 'true';
  const ratio = text(env, 'OTEL_TRACES_SAMPLER_ARG');
  const samplerRatio = ratio === undefined ? 1 : Number(ratio);
  if (!(samplerRatio >= 0 && samplerRatio <= 1))
    throw invalidInput(
      'settings.invalid',
      `Setting OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${ratio}"`,
      [{ path: 'OTEL_TRACES_SAMPLER_ARG', message: 'expected a ratio such as 0.25' }],
    );
  const azure = azureMonitorConnectionString ? (['azuremonitor'] as const) : [];
  return {
    serviceName: text(env, 'OTEL_SERVICE_NAME') ?? 'einvoice',
    traces: disabled
      ? []
      : exporters(env, 'OTEL_TRACES_EXPORTER', TRACE_EXPORTERS, [
          ...(otlpTracesUrl ? (['otlp'] as const) : []),
          ...azure,
        ]),
    metrics: disabled
      ? []
      : exporters(env, 'OTEL_METRICS_EXPORTER', METRIC_EXPORTERS, [
          ...(otlpMetricsUrl ? (['otlp'] as const) : []),
          ...azure,
        ]),
    ...(otlpTracesUrl ? { otlpTracesUrl } : {}),
    ...(otlpMetricsUrl ? { otlpMetricsUrl } : {}),
    otlpHeaders: otlpHeaders(env),
    metricIntervalMs: positiveInt(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000),
    sampler: choice(env, 'OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on'),
    samplerRatio,
    ...(azureMonitorConnectionString ? { azureMonitorConnectionString } : {}),
    ...(azureMonitorAuthentication ? { azureMonitorAuthentication } : {}),
  };
}

export function loadSettings(env: Env = process.env): Settings {
  const dataDir = resolve(text(env, 'EINVOICE_DATA_DIR') ?? '.data');
  const inData = (name: string, fallback: string): string => {
    const value = text(env, name);
    if (!value) return join(dataDir, fallback);
    return isAbsolute(value) ? value : resolve(value);
  };
  const store = choice(
    env,
    'EINVOICE_STORE',
    ['journal', 'level', 'file', 'blob', 'postgres', 'memory'] as const,
    defaultStore(dataDir),
  );
  const postgresUrl = text(env, 'EINVOICE_POSTGRES_URL');
  if (postgresUrl !== undefined) checkPostgresUrl(postgresUrl, 'EINVOICE_POSTGRES_URL');
  const entra = entraSettings(env);
  return {
    store,
    storeSync: choice(env, 'EINVOICE_STORE_SYNC', ['true', 'false'] as const, 'false') === 'true',
    ...(text(env, 'EINVOICE_STORE_CACHE_MB') !== undefined
      ? { storeCacheMb: positiveInt(env, 'EINVOICE_STORE_CACHE_MB', 1) }
      : {}),
    dataDir,
    blobConnection: text(env, 'EINVOICE_BLOB_CONNECTION'),
    blobAccountUrl: text(env, 'EINVOICE_BLOB_ACCOUNT_URL'),
    blobContainer: text(env, 'EINVOICE_BLOB_CONTAINER') ?? 'einvoice',
    // a shared store goes with a shared bus: a worker's messages must reach the other workers
    bus: choice(
      env,
      'EINVOICE_BUS',
      ['inprocess', 'servicebus', 'postgres'] as const,
      store === 'postgres' ? 'postgres' : 'inprocess',
    ),
    serviceBusConnection: text(env, 'ServiceBusConnection'),
    serviceBusNamespace: text(env, 'ServiceBusConnection__fullyQualifiedNamespace'),
    postgresUrl,
    postgresSchema: checkPostgresSchema(
      text(env, 'EINVOICE_POSTGRES_SCHEMA') ?? DEFAULT_PG_SCHEMA,
      'EINVOICE_POSTGRES_SCHEMA',
    ),
    postgresPoolSize: positiveInt(env, 'EINVOICE_POSTGRES_POOL', 10),
    postgresLockMs: positiveInt(env, 'EINVOICE_POSTGRES_LOCK_SECONDS', 30) * 1000,
    topics: {
      transform: text(env, 'TRANSFORM_TOPIC')!,
      sign: text(env, 'SIGN_TOPIC')!,
      submit: text(env, 'SUBMIT_TOPIC')!,
      response: text(env, 'RESPONSE_TOPIC')!,
    },
    notifyTopic: text(env, 'NOTIFY_TOPIC')!,
    subscription: text(env, 'STAGE_SUBSCRIPTION')!,
    batchQueue: text(env, 'BATCH_QUEUE')!,
    retryTimerSchedule: text(env, 'RETRY_TIMER_SCHEDULE')!,
    stageTimeoutMs: positiveInt(env, 'STAGE_TIMEOUT_SECONDS', 300) * 1000,
    retentionMs: retention(env),
    retentionTimerSchedule: text(env, 'RETENTION_TIMER_SCHEDULE')!,
    keys: choice(env, 'EINVOICE_KEYS', ['folder', 'keyvault'] as const, 'folder'),
    keyDir: inData('EINVOICE_KEY_DIR', 'keys'),
    keyVaultUrl: text(env, 'KEY_VAULT_URL'),
    signingCertificate: text(env, 'EINVOICE_SIGNING_CERT')!,
    localApiKey: text(env, 'EINVOICE_LOCAL_API_KEY'),
    ...(entra ? { entra } : {}),
    flowsDir: text(env, 'EINVOICE_FLOWS_DIR')
      ? resolve(text(env, 'EINVOICE_FLOWS_DIR')!)
      : join(packageRoot(), 'flows'),
    featuresDir: inData('EINVOICE_FEATURES_DIR', 'features'),
    featureAdmins: (text(env, 'EINVOICE_FEATURE_ADMINS') ?? 'local')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    formatsDir: text(env, 'EINVOICE_FORMATS_DIR') ? resolve(text(env, 'EINVOICE_FORMATS_DIR')!) : undefined,
    schemasDir: text(env, 'EINVOICE_SCHEMAS_DIR') ? resolve(text(env, 'EINVOICE_SCHEMAS_DIR')!) : undefined,
    httpHost: text(env, 'EINVOICE_HOST') ?? '127.0.0.1',
    httpPort: positiveInt(env, 'EINVOICE_PORT', 7071),
    maxBodyBytes: positiveInt(env, 'EINVOICE_MAX_BODY_BYTES', 10 * 1024 * 1024),
    outboxDir: inData('EINVOICE_OUTBOX_DIR', 'outbox'),
    sandboxUrl: text(env, 'SANDBOX_URL')!,
    sdiCertificateFile: text(env, 'SDI_CERTIFICATE') ? resolve(text(env, 'SDI_CERTIFICATE')!) : undefined,
    maxDeliveryCount: positiveInt(env, 'EINVOICE_MAX_DELIVERY_COUNT', 10),
    busConcurrency: positiveInt(env, 'EINVOICE_BUS_CONCURRENCY', 8),
    // auto: one signing thread when there is a core to spare for it
    signingThreads:
      text(env, 'EINVOICE_SIGNING_THREADS') === 'auto'
        ? Number(availableParallelism() > 1)
        : nonNegativeInt(env, 'EINVOICE_SIGNING_THREADS', Number(availableParallelism() > 1)),
    logLevel: choice(env, 'EINVOICE_LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: choice(env, 'EINVOICE_LOG_FORMAT', LOG_FORMATS, process.stdout.isTTY ? 'pretty' : 'json'),
    telemetry: telemetrySettings(env),
    env: { ...env },
  };
}

/**
 * Reads `local.settings.json` (the Functions convention) into the environment, without overriding
 * variables that are already set. Used by the embedded runtime and the CLI.
 */
export function applyLocalSettingsFile(file: string, env: Env = process.env): boolean {
  if (!existsSync(file)) return false;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isObject(parsed) || !isObject(parsed.Values)) {
    throw invalidInput('settings.invalid', `${file}: expected an object with "Values"`);
  }
  for (const [name, value] of Object.entries(parsed.Values)) {
    const unset = env[name] === undefined || env[name] === '';
    if (unset && (typeof value === 'string' || typeof value === 'number')) env[name] = String(value);
  }
  return true;
}

/** Resolves `%NAME%` indirection (as the Functions host does for binding properties). */
export function resolveSetting(value: string, env: Readonly<Env> = process.env): string {
  return value.replace(/%([A-Za-z0-9_]+)%/g, (_, name: string) => {
    const resolved = text(env, name);
    if (resolved === undefined) throw invalidInput('settings.missing', `Setting ${name} is not set`);
    return resolved;
  });
}

import { constants, existsSync, readFileSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServices, type ServiceOverrides, type Services } from '../composition';
import { ConcurrencyError, EInvoiceError } from '../errors';
import { ensureSelfSignedCertificate } from '../adapters/folder-certificate-store';
import { loadSettings, type Settings } from '../settings';
import { newApiKey } from '../store/tenants';
import { startTelemetry, type Telemetry, type TelemetryOptions } from '../telemetry';
import { EmbeddedHost } from './host';
import type { FunctionRegistration } from './registrations';

export const LOCAL_TENANT = 'local';

export interface EmbeddedOptions {
  env?: Record<string, string | undefined>;
  /** Overrides EINVOICE_PORT; 0 picks a free port. */
  port?: number;
  /** Overrides EINVOICE_DATA_DIR. */
  dataDir?: string;
  overrides?: ServiceOverrides;
  /** Exporters besides those the settings name (a test's in-memory span exporter). */
  telemetry?: TelemetryOptions;
}

export interface EmbeddedRuntime {
  url: string;
  port: number;
  apiKey: string;
  services: Services;
  /** Traces and metrics, when configured (docs/observability.md). */
  telemetry?: Telemetry;
  stop(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stores whose documents every process of the service sees: then several processes run steps at once,
 * each on its own machine and data folder, and none may take another's lease for dead.
 */
function sharedStore(settings: Settings): boolean {
  return settings.store === 'postgres' || settings.store === 'blob';
}

/** Whether the store or the bus keeps its state in the data folder, which then one process must own. */
function stateInDataDir(settings: Settings): boolean {
  return ['journal', 'level', 'file'].includes(settings.store) || settings.bus === 'inprocess';
}

async function checkDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new EInvoiceError(
      'runtime.data-dir',
      `Data folder ${dataDir} cannot be used (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): set EINVOICE_DATA_DIR or --data-dir to a folder this user can write`,
      { cause: error },
    );
  }
}

/** One process owns a data folder: a second runtime on the same folder would break the file store's locking. */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lock = join(dataDir, 'runtime.lock');
  await checkDataDir(dataDir);
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) {
      throw new EInvoiceError('runtime.locked', `Data folder ${dataDir} is in use by process ${pid}`, {
        status: 409,
      });
    }
  }
  await writeFile(lock, String(process.pid));
  return () => rm(lock, { force: true });
}

/** A listening failure said in the runtime's terms: which address, which setting. */
function listenError(error: unknown, settings: Settings): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${settings.httpHost}:${settings.httpPort}`;
  if (code === 'EADDRINUSE')
    return new EInvoiceError(
      'runtime.port-in-use',
      `Port ${settings.httpPort} on ${settings.httpHost} is already in use: stop the process that holds it, or choose another port (--port, EINVOICE_PORT)`,
      { cause: error },
    );
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
    return new EInvoiceError(
      'runtime.listen-failed',
      `Cannot listen on ${where} (${code}): check EINVOICE_HOST and EINVOICE_PORT`,
      { cause: error },
    );
  return error;
}

/** The local tenant's API key: EINVOICE_LOCAL_API_KEY, else one generated once and kept in the data folder. */
async function localApiKey(settings: Settings): Promise<string> {
  if (settings.localApiKey) return settings.localApiKey;
  const file = join(settings.dataDir, 'local-api-key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = newApiKey();
  try {
    // exclusive: of two workers starting on one folder (a shared store needs no lock), one key is kept
    await writeFile(file, key + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(file, 'utf8')).trim();
  }
  return key;
}

/**
 * Tenant `local` with the runtime's API key. The first process creates it; on a shared store the others
 * find it (creating is conditional, so two starting at once cannot both). A configured key
 * (EINVOICE_LOCAL_API_KEY, the same on every worker) is then the tenant's only key, as on one machine; a
 * key generated into a worker's own data folder is added beside the others' instead, since each worker
 * knows only its own and replacing would lock the others' clients out.
 */
async function ensureLocalTenant(services: Services, apiKey: string, settings: Settings): Promise<void> {
  try {
    await services.tenants.create(LOCAL_TENANT, 'Local tenant', apiKey);
    return;
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
  }
  if (sharedStore(settings) && !settings.localApiKey) await services.tenants.addKey(LOCAL_TENANT, apiKey);
  else await services.tenants.replaceKeys(LOCAL_TENANT, apiKey);
}

/**
 * Starts the embedded runtime: the embedded store (LevelDB for a new folder) and the persistent in-process
 * bus under the data folder (or the store and bus the settings name: on PostgreSQL, one of several workers
 * sharing the work), the local key folder (with a self-signed test certificate on first start), tenant
 * `local`, and the Function App's own registrations on a local HTTP server, bus and timers. Documents a
 * previous process left unfinished continue.
 */
export async function startEmbedded(
  registrations: () => FunctionRegistration[],
  provide: (services: Services) => void,
  options: EmbeddedOptions = {},
): Promise<EmbeddedRuntime> {
  const env = { ...(options.env ?? process.env) };
  if (options.dataDir !== undefined) env.EINVOICE_DATA_DIR = options.dataDir;
  if (options.port !== undefined) env.EINVOICE_PORT = String(options.port || 1);
  const settings = loadSettings(env);
  if (options.port === 0) settings.httpPort = 0;
  // With the store and the bus elsewhere, the data folder keeps only this worker's keys and outbox.
  const unlock = stateInDataDir(settings)
    ? await lockDataDir(settings.dataDir)
    : await checkDataDir(settings.dataDir).then(() => () => Promise.resolve());
  const exclusive = !sharedStore(settings);
  let services: Services | undefined;
  let host: EmbeddedHost | undefined;
  let telemetry: Telemetry | undefined;
  try {
    if (settings.keys === 'folder')
      await ensureSelfSignedCertificate(settings.keyDir, settings.signingCertificate);
    services = createServices(settings, { exclusive, ...options.overrides });
    telemetry = startTelemetry(settings.telemetry, { logger: services.logger, ...options.telemetry });
    const apiKey = await localApiKey(settings);
    await ensureLocalTenant(services, apiKey, settings);
    provide(services);
    host = new EmbeddedHost(services, registrations(), {
      host: settings.httpHost,
      port: settings.httpPort,
      env,
      ...(telemetry?.prometheus ? { metrics: telemetry.prometheus } : {}),
    });
    const { port, url } = await host.start().catch((error: unknown) => {
      throw listenError(error, settings);
    });
    // Alone on its store, the process re-sends what its previous life left running. On a shared store the
    // messages wait in the shared bus and the timer re-drives what went silent: re-sending every unfinished
    // document at each worker's start would only duplicate the other workers' work.
    const recovered = exclusive ? await services.pipeline.recoverInFlight() : 0;
    services.logger.info('runtime.started', {
      url,
      dataDir: settings.dataDir,
      store: settings.store,
      bus: settings.bus,
      recovered,
      traces: settings.telemetry.traces.join(',') || 'none',
      metrics: settings.telemetry.metrics.join(',') || 'none',
    });
    if (sharedStore(settings) && settings.bus === 'inprocess')
      services.logger.warn('runtime.notice', {
        code: 'runtime.bus-not-shared',
        message: `EINVOICE_STORE=${settings.store} is shared, but EINVOICE_BUS=inprocess keeps the messages between stages in this process: other workers cannot take its work over (docs/scale.md)`,
      });
    if (!settings.schemasDir || !existsSync(settings.schemasDir)) {
      // Said once here rather than once per document: flows check XML Schemas only where they are installed.
      services.logger.warn('runtime.notice', {
        code: 'schema.not-installed',
        message: settings.schemasDir
          ? `EINVOICE_SCHEMAS_DIR ${settings.schemasDir} does not exist: XML Schema checks are skipped (docs/formats.md)`
          : 'EINVOICE_SCHEMAS_DIR is not set: XML Schema checks are skipped (docs/formats.md says where to get the schemas)',
      });
    }
    const running = services;
    const started = host;
    const telemetryRunning = telemetry;
    return {
      url,
      port,
      apiKey,
      services: running,
      ...(telemetryRunning ? { telemetry: telemetryRunning } : {}),
      stop: async () => {
        await started.stop();
        await telemetryRunning?.shutdown();
        await unlock();
        running.logger.info('runtime.stopped');
      },
    };
  } catch (error) {
    // Whatever started is stopped again, so that a failed start-up leaves nothing running.
    if (host) await host.stop().catch(() => undefined);
    else if (services) await services.close().catch(() => undefined);
    await telemetry?.shutdown().catch(() => undefined);
    await unlock();
    throw error;
  }
}

import { join, resolve } from 'node:path';
import { provideServices } from '../../functions/lib/services';
import { applyLocalSettingsFile, describePostgresUrl, loadSettings, type Settings } from '../settings';
import { setUpDemo, startStandIns, type StandIns } from './demo';
import { ENTRA_STANDIN_CLIENT_ID } from '../sandbox/entra-standin';
import { LOCAL_TENANT, startEmbedded, type EmbeddedRuntime } from './embedded';
import { installRecorder, RegistrationRecorder } from './registrations';

/** Where the documents are, when not in the data folder: the workers sharing it are told apart by this. */
function storeLine(settings: Settings): string {
  if (settings.store !== 'postgres' || !settings.postgresUrl) return '';
  return `  store: PostgreSQL at ${describePostgresUrl(settings.postgresUrl)}, schema ${settings.postgresSchema} (bus: ${settings.bus})\n`;
}

/**
 * `einvoice serve`: the embedded runtime in the foreground until SIGINT/SIGTERM. With `demo`, the stand-in
 * receivers start in the same process, the settings that default to them point at them, and every feature
 * is enabled for tenant `local` with its demo company.
 */
export async function serve(options: {
  port?: number;
  dataDir?: string;
  demo?: boolean;
  /** Overrides EINVOICE_STORE. */
  store?: string;
  /** Overrides EINVOICE_POSTGRES_URL. */
  postgresUrl?: string;
}): Promise<number> {
  applyLocalSettingsFile(resolve('local.settings.json'));
  const recorder = new RegistrationRecorder();
  installRecorder(recorder);
  // The Function App itself: registering its Functions fills the recorder.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../functions/index');
  const env = {
    ...process.env,
    ...(options.dataDir !== undefined ? { EINVOICE_DATA_DIR: options.dataDir } : {}),
    ...(options.store !== undefined ? { EINVOICE_STORE: options.store } : {}),
    ...(options.postgresUrl !== undefined ? { EINVOICE_POSTGRES_URL: options.postgresUrl } : {}),
  };
  let standIns: StandIns | undefined;
  if (options.demo) {
    const settings = loadSettings(env);
    standIns = await startStandIns(settings.dataDir, settings.keyDir, settings.schemasDir);
    Object.assign(env, {
      SANDBOX_URL: standIns.urls.sandbox,
      BC_API_URL: standIns.urls.bcApi,
      BC_TOKEN_URL: standIns.urls.bcToken,
      SDI_URL: standIns.urls.sdi,
      PAC_URL: standIns.urls.pac,
      SAT_STATUS_URL: `${standIns.urls.pac}/ConsultaCFDIService.svc`,
      SAT_CERTIFICATES_URL: `${standIns.urls.pac}/certificates`,
      SEFAZ_URL: standIns.urls.sefaz,
      SEFAZ_SVC_URL: standIns.urls.svc,
      SEFAZ_CA_FILE: standIns.sefaz.caFile,
      EINVOICE_ENTRA_AUTHORITY: standIns.entra.authority,
      EINVOICE_ENTRA_CLIENT_ID: ENTRA_STANDIN_CLIENT_ID,
      // the stand-in signs its notifications as SDI does: only its signature is taken
      ...(standIns.sdi.certificateFile ? { SDI_CERTIFICATE: standIns.sdi.certificateFile } : {}),
    });
  }
  let runtime: EmbeddedRuntime;
  let demo: string[] = [];
  try {
    runtime = await startEmbedded(() => recorder.registrations, provideServices, {
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      env,
    });
    if (standIns) demo = await setUpDemo(runtime.services, LOCAL_TENANT, standIns, runtime.url);
  } catch (error) {
    await standIns?.stop();
    throw error;
  }
  const sample = join('samples', 'invoice.json');
  process.stderr.write(
    `\neinvoice is running at ${runtime.url}/api\n` +
      `  tenant: local   API key: ${runtime.apiKey}\n` +
      `  data folder: ${runtime.services.settings.dataDir}\n` +
      storeLine(runtime.services.settings) +
      (standIns
        ? `  demo: sandbox receiver at ${standIns.urls.sandbox}, Business Central stand-in at ${standIns.bc.url}, SDI stand-in at ${standIns.urls.sdi}, PAC stand-in at ${standIns.urls.pac}, SEFAZ stand-in at ${standIns.urls.sefaz} (contingency: ${standIns.urls.svc}), Entra ID stand-in at ${standIns.entra.url}\n` +
          `  console: ${runtime.url}/, signed in with the API key or with Entra ID (the stand-in's operator@contoso.example, role Tenant.local)\n` +
          demo.map((line) => `  feature ${line}\n`).join('')
        : '') +
      `  try: npx einvoice submit ${sample} --wait\n\n`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await runtime.stop();
  await standIns?.stop();
  return 0;
}

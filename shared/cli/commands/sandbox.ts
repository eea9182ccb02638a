import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Sandbox } from '../../sandbox/sandbox';
import { applyLocalSettingsFile, loadSettings } from '../../settings';
import { UsageError, type CommandIo, type CommandSpec } from '../command';
import { businessCentralStandIn, entraStandIn, pacStandIn, sdiStandIn, sefazStandIn } from '../lazy';
import { checks } from '../options';

const RECEIVER_ONLY = ['fail-rate', 'latency-ms', 'pending', 'config'];

/** Resolves when the process is asked to stop. */
function stopSignal(): Promise<void> {
  return new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
}

/** `--authority bc`: the Business Central stand-in, in the foreground until SIGINT/SIGTERM. */
async function runBusinessCentral(port: number | undefined, dataDir: string, io: CommandIo): Promise<number> {
  const { BcStandIn } = businessCentralStandIn();
  // The runtime's key folder, as the runtime reads it, where the stand-in shares the client secret.
  const env = { ...io.env };
  let keyDir: string | undefined;
  try {
    applyLocalSettingsFile(resolve('local.settings.json'), env);
    keyDir = loadSettings({ ...env, EINVOICE_DATA_DIR: dataDir }).keyDir;
  } catch {
    // an invalid setting elsewhere: the key folder is the default one, under the data folder
  }
  const standIn = new BcStandIn({ port: port ?? 7073, dataDir, ...(keyDir ? { keyDir } : {}) });
  const url = await standIn.start();
  io.stderr.write(`${standIn.describe().trimEnd()}\n`);
  io.stderr.write(`einvoice sandbox (Business Central) listening at ${url}\n`);
  await stopSignal();
  await standIn.stop();
  return 0;
}

/** `--authority sdi`: the SDI stand-in, in the foreground until SIGINT/SIGTERM. */
async function runSdi(
  port: number | undefined,
  dataDir: string,
  transmitterEndpoint: string | undefined,
  io: CommandIo,
): Promise<number> {
  const { SdiStandIn, SDI_STANDIN_PORT } = sdiStandIn();
  const env = { ...io.env };
  let schemasDir: string | undefined;
  try {
    applyLocalSettingsFile(resolve('local.settings.json'), env);
    schemasDir = loadSettings({ ...env, EINVOICE_DATA_DIR: dataDir }).schemasDir;
  } catch {
    // an invalid setting elsewhere: no schema check
  }
  const standIn = new SdiStandIn({
    port: port ?? SDI_STANDIN_PORT,
    dataDir,
    ...(schemasDir ? { schemasDir } : {}),
    ...(transmitterEndpoint ? { transmitterEndpoint } : {}),
  });
  const url = await standIn.start();
  io.stderr.write(`${standIn.describe().trimEnd()}\n`);
  if (!transmitterEndpoint)
    io.stderr.write(
      'no --transmitter-endpoint: notifications are kept until one is given (the service takes them at ' +
        '/api/events/it-fatturapa-sdi?key=KEY, KEY from POST /api/features/it-fatturapa-sdi/event-key)\n',
    );
  io.stderr.write(`einvoice sandbox (SDI) listening at ${url}\n`);
  await stopSignal();
  await standIn.stop();
  return 0;
}

/** `--authority pac`: the stand-in of a Mexican PAC, in the foreground until SIGINT/SIGTERM. */
async function runPac(port: number | undefined, dataDir: string, io: CommandIo): Promise<number> {
  const { PacStandIn, PAC_STANDIN_PORT } = pacStandIn();
  const standIn = new PacStandIn({ port: port ?? PAC_STANDIN_PORT, dataDir });
  const url = await standIn.start();
  io.stderr.write(`${standIn.describe().trimEnd()}\n`);
  io.stderr.write(`einvoice sandbox (PAC) listening at ${url}\n`);
  await stopSignal();
  await standIn.stop();
  return 0;
}

/** `--authority entra`: the Entra ID stand-in (the console's sign-in), in the foreground until SIGINT/SIGTERM. */
async function runEntra(port: number | undefined, io: CommandIo): Promise<number> {
  const { EntraStandIn, ENTRA_STANDIN_PORT } = entraStandIn();
  const standIn = new EntraStandIn({ port: port ?? ENTRA_STANDIN_PORT });
  const url = await standIn.start();
  io.stderr.write(`${standIn.describe().trimEnd()}\n`);
  io.stderr.write(`einvoice sandbox (Entra ID) listening at ${url}\n`);
  await stopSignal();
  await standIn.stop();
  return 0;
}

async function runSefaz(port: number | undefined, dataDir: string, io: CommandIo): Promise<number> {
  const { SefazStandIn, SEFAZ_STANDIN_PORT, contingencyStandIn } = sefazStandIn();
  const env = { ...io.env };
  let schemasDir: string | undefined;
  try {
    applyLocalSettingsFile(resolve('local.settings.json'), env);
    schemasDir = loadSettings({ ...env, EINVOICE_DATA_DIR: dataDir }).schemasDir;
  } catch {
    schemasDir = undefined; // settings that do not load: the stand-in runs without schemas
  }
  const standIn = new SefazStandIn({
    port: port ?? SEFAZ_STANDIN_PORT,
    dataDir,
    ...(schemasDir ? { schemasDir } : {}),
  });
  const url = await standIn.start();
  // the contingency authoriser (SVC) beside it, on the next port, with the same test CA and clients
  const svc = contingencyStandIn(
    standIn,
    join(dataDir, 'sefaz-svc'),
    schemasDir,
    port === 0 ? 0 : (port ?? SEFAZ_STANDIN_PORT) + 1,
  );
  const svcUrl = await svc.start();
  io.stderr.write(`${standIn.describe().trimEnd()}\n`);
  io.stderr.write(`SEFAZ_URL=${url} SEFAZ_SVC_URL=${svcUrl} SEFAZ_CA_FILE=${standIn.caFile}\n`);
  io.stderr.write(`einvoice sandbox (SEFAZ) listening at ${url}, its contingency (SVC) at ${svcUrl}\n`);
  await stopSignal();
  await svc.stop();
  await standIn.stop();
  return 0;
}

export const sandbox: CommandSpec = {
  name: 'sandbox',
  description: 'a stand-in receiver, or of Business Central, SDI, a PAC, SEFAZ or Entra ID',
  usage:
    'einvoice sandbox [--port P] [--fail-rate R] [--latency-ms N] [--pending N] [--config FILE] | einvoice sandbox --authority bc [--port P] [--data-dir DIR] | einvoice sandbox --authority sdi [--port P] [--data-dir DIR] [--transmitter-endpoint URL] | einvoice sandbox --authority pac [--port P] [--data-dir DIR] | einvoice sandbox --authority sefaz [--port P] [--data-dir DIR] | einvoice sandbox --authority entra [--port P]',
  details:
    'Runs in the foreground until SIGINT or SIGTERM. The receiver (default port 7072, where the shipped flow ' +
    'sandbox-submit delivers: SANDBOX_URL) takes POST /submissions, answers GET /submissions/{id} and counts ' +
    'accepted, rejected and duplicate submissions at GET /stats. --authority bc starts the Business ' +
    'Central stand-in instead (default port 7073) and prints the settings the runtime needs to use it; ' +
    "--authority sdi the stand-in of Italy's SDI (default port 7074, SDI_URL: SdIRiceviFile, notifications " +
    'to --transmitter-endpoint, docs/countries/italy.md); --authority pac the stand-in of a Mexican PAC ' +
    '(default port 7075, PAC_URL: stamping, cancellation and status, docs/countries/mexico.md); --authority ' +
    "sefaz the stand-in of Brazil's SEFAZ (default port 7076, HTTPS with client certificates: SEFAZ_URL and " +
    'SEFAZ_CA_FILE; authorisation, receipts, protocol queries, events; docs/countries/brazil.md) and its ' +
    'contingency authoriser on the next port (SEFAZ_SVC_URL); --authority entra the stand-in of Microsoft ' +
    "Entra ID for the web console's sign-in (default port 7078: OpenID Connect v2.0, authorization code with " +
    'PKCE and refresh tokens, a sign-in page with a button per user; it prints EINVOICE_ENTRA_AUTHORITY and ' +
    'EINVOICE_ENTRA_CLIENT_ID).',
  options: [
    {
      name: 'authority',
      type: 'string',
      value: 'NAME',
      allowed: ['bc', 'sdi', 'pac', 'sefaz', 'entra'],
      description:
        "start the stand-in of this authority instead of the receiver (bc: Business Central; sdi: Italy's SDI; pac: a Mexican PAC; sefaz: Brazil's SEFAZ; entra: Microsoft Entra ID)",
    },
    {
      name: 'port',
      type: 'string',
      value: 'P',
      description:
        'the port (default 7072; with --authority bc 7073, sdi 7074, pac 7075, sefaz 7076, entra 7078; 0: any free port)',
      check: checks.port,
    },
    {
      name: 'fail-rate',
      type: 'string',
      value: 'R',
      description: 'the share of submissions answered 503 without processing them (0 to 1)',
      check: checks.ratio,
    },
    {
      name: 'latency-ms',
      type: 'string',
      value: 'N',
      description: 'milliseconds added before every answer',
      check: checks.count,
    },
    {
      name: 'pending',
      type: 'string',
      value: 'N',
      description: 'status queries answer pending this many times before the final status',
      check: checks.count,
    },
    {
      name: 'config',
      type: 'string',
      value: 'FILE',
      description: 'the whole receiver configuration as JSON (rules, faults, auth); the options override it',
    },
    {
      name: 'data-dir',
      type: 'string',
      value: 'DIR',
      description: "with --authority: the runtime's data folder (default .data)",
      env: 'EINVOICE_DATA_DIR',
    },
    {
      name: 'transmitter-endpoint',
      type: 'string',
      value: 'URL',
      description:
        "with --authority sdi: where SDI's notifications go (the service's events URL with its key)",
    },
  ],
  args: [],
  examples: [
    {
      command: 'einvoice sandbox --fail-rate 0.3',
      comment: 'a receiver on 127.0.0.1:7072 failing 30% of the submissions',
    },
    {
      command: 'einvoice sandbox --authority bc',
      comment: 'the Business Central stand-in on 127.0.0.1:7073, with the settings to use it',
    },
    {
      command: 'einvoice sandbox --authority sdi',
      comment: "the SDI stand-in on 127.0.0.1:7074 (SDI_URL's default)",
    },
    {
      command: 'einvoice sandbox --authority pac',
      comment: "the PAC stand-in on 127.0.0.1:7075 (PAC_URL's default)",
    },
    {
      command: 'einvoice sandbox --authority sefaz',
      comment:
        "the SEFAZ stand-in on 127.0.0.1:7076 (SEFAZ_URL's default) and its SVC on 7077, with the test CA and client certificate",
    },
    {
      command: 'einvoice sandbox --authority entra',
      comment:
        'the Entra ID stand-in on 127.0.0.1:7078, for signing in to the web console offline, with the settings to use it',
    },
  ],
  async run(args, io) {
    const port = args.number('port');
    const authority = args.string('authority');
    if (authority) {
      const misplaced = RECEIVER_ONLY.find((name) => args.has(name));
      if (misplaced) throw new UsageError(`--${misplaced} does not apply to --authority ${authority}`);
      const dataDir = args.string('data-dir') ?? (io.env.EINVOICE_DATA_DIR || '.data');
      if (authority === 'sdi') return runSdi(port, dataDir, args.string('transmitter-endpoint'), io);
      if (args.has('transmitter-endpoint'))
        throw new UsageError('--transmitter-endpoint applies to --authority sdi');
      if (authority === 'pac') return runPac(port, dataDir, io);
      if (authority === 'sefaz') return runSefaz(port, dataDir, io);
      if (authority === 'entra') return runEntra(port, io);
      return runBusinessCentral(port, dataDir, io);
    }
    if (args.has('data-dir')) throw new UsageError('--data-dir applies to --authority');
    if (args.has('transmitter-endpoint'))
      throw new UsageError('--transmitter-endpoint applies to --authority sdi');
    type Options = ConstructorParameters<typeof Sandbox>[0];
    const configFile = args.string('config');
    const options = (configFile ? JSON.parse(readFileSync(configFile, 'utf8')) : {}) as NonNullable<Options>;
    const failRate = args.number('fail-rate');
    const latency = args.number('latency-ms');
    const pending = args.number('pending');
    const receiver = new Sandbox({
      ...options,
      port: port ?? options.port ?? 7072,
      ...(pending !== undefined ? { pendingPolls: pending } : {}),
      faults: {
        ...options.faults,
        ...(failRate !== undefined ? { errorRatio: failRate } : {}),
        ...(latency !== undefined ? { latencyMs: latency } : {}),
      },
    });
    const url = await receiver.start();
    io.stderr.write(
      `einvoice sandbox listening at ${url}\n` +
        `  POST ${url}/submissions   GET ${url}/submissions/{id}   GET ${url}/stats\n`,
    );
    await stopSignal();
    io.stderr.write(`${JSON.stringify(receiver.stats())}\n`);
    await receiver.stop();
    return 0;
  },
};

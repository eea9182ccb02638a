import { UsageError, type CommandSpec } from '../command';
import { runtimeServe } from '../lazy';
import { checks } from '../options';

export const serve: CommandSpec = {
  name: 'serve',
  description: 'run the service on this machine (the embedded runtime, as npm start)',
  usage: 'einvoice serve [--port P] [--data-dir DIR] [--store NAME [--postgres-url URL]] [--demo]',
  details:
    'Reads the settings from the environment and local.settings.json in the working folder, creates the ' +
    'tenant local on first start and prints its URL and API key. Runs until SIGINT or SIGTERM; a start-up ' +
    'error (a bad setting, an invalid flow, a port in use) exits 1. --demo also starts the sandbox receiver and ' +
    'the Business Central stand-in in the same process (on free ports, the settings that default to them ' +
    'pointing there) and enables every feature for tenant local with its demo company (docs/features.md). ' +
    'With --store postgres the documents and the messages between stages are in a PostgreSQL database, and ' +
    'any number of processes on any number of machines started so share the work, each with its own data ' +
    'folder (docs/scale.md).',
  options: [
    {
      name: 'port',
      type: 'string',
      value: 'P',
      description: 'the HTTP port (0: any free port)',
      check: checks.port,
      env: 'EINVOICE_PORT',
    },
    {
      name: 'data-dir',
      type: 'string',
      value: 'DIR',
      description: 'the data folder: store, bus, key folder, outbox (default .data)',
      env: 'EINVOICE_DATA_DIR',
    },
    {
      name: 'store',
      type: 'string',
      value: 'NAME',
      allowed: ['level', 'journal', 'file', 'postgres'],
      description:
        'the document store (default level in the data folder, journal where one is there already); ' +
        'postgres also puts the bus there',
      env: 'EINVOICE_STORE',
    },
    {
      name: 'postgres-url',
      type: 'string',
      value: 'URL',
      description: 'the PostgreSQL database of --store postgres: postgres://user@host:5432/database',
      env: 'EINVOICE_POSTGRES_URL',
    },
    {
      name: 'demo',
      type: 'boolean',
      description: 'with the stand-in receivers, every feature enabled with its demo company',
    },
  ],
  args: [],
  examples: [
    { command: 'einvoice serve', comment: 'start on http://127.0.0.1:7071/api with the data in .data/' },
    {
      command: 'einvoice serve --port 8080 --data-dir /var/lib/einvoice',
      comment: 'another port and folder',
    },
    { command: 'einvoice serve --demo', comment: 'everything offline: stand-ins, features, demo companies' },
    {
      command: 'einvoice serve --store postgres --postgres-url postgres://einvoice@db.example:5432/einvoice',
      comment: 'one of several workers sharing a PostgreSQL database',
    },
  ],
  async run(args) {
    const { serve: runServe } = runtimeServe();
    const port = args.number('port');
    const dataDir = args.string('data-dir');
    const store = args.string('store');
    const postgresUrl = args.string('postgres-url');
    if (postgresUrl !== undefined && store !== undefined && store !== 'postgres')
      throw new UsageError('--postgres-url applies to --store postgres');
    return runServe({
      ...(port !== undefined ? { port } : {}),
      ...(dataDir !== undefined ? { dataDir } : {}),
      ...(store !== undefined ? { store } : {}),
      ...(postgresUrl !== undefined ? { postgresUrl } : {}),
      ...(args.flag('demo') ? { demo: true } : {}),
    });
  },
};

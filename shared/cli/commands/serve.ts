import type { CommandSpec } from '../command';
import { runtimeServe } from '../lazy';
import { checks } from '../options';

export const serve: CommandSpec = {
  name: 'serve',
  description: 'run the service on this machine (the embedded runtime, as npm start)',
  usage: 'einvoice serve [--port P] [--data-dir DIR] [--demo]',
  details:
    'Reads the settings from the environment and local.settings.json in the working folder, creates the ' +
    'tenant local on first start and prints its URL and API key. Runs until SIGINT or SIGTERM; a start-up ' +
    'error (a bad setting, an invalid flow, a port in use) exits 1. --demo also starts the sandbox receiver and ' +
    'the Business Central stand-in in the same process (on free ports, the settings that default to them ' +
    'pointing there) and enables every feature for tenant local with its demo company (docs/features.md).',
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
  ],
  async run(args) {
    const { serve: runServe } = runtimeServe();
    const port = args.number('port');
    const dataDir = args.string('data-dir');
    return runServe({
      ...(port !== undefined ? { port } : {}),
      ...(dataDir !== undefined ? { dataDir } : {}),
      ...(args.flag('demo') ? { demo: true } : {}),
    });
  },
};

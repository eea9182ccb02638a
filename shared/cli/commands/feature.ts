import { readFileSync, writeFileSync } from 'node:fs';
import { packFeature } from '../../features/package';
import type { FeatureCompany, FeatureView } from '../../features/setup';
import { ProblemAnswer, serviceClient, type ServiceClient } from '../client';
import { UsageError, type CommandArgs, type CommandIo, type CommandSpec } from '../command';
import { composition } from '../lazy';
import { JSON_OPTION, SERVICE_OPTIONS } from '../options';

const SUBCOMMANDS = ['list', 'show', 'enable', 'disable', 'set', 'pack', 'import'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** One line per feature: id, the version that runs for the tenant, the versions installed, the title. */
function featureLine(f: FeatureView): string {
  const running = f.enabledVersion ? `${f.enabledVersion}${f.byDefault ? ' (default)' : ''}` : 'off';
  return `${f.id.padEnd(16)} ${running.padEnd(16)} installed ${f.versions.join(', ').padEnd(14)} ${f.title}`;
}

function featureLines(f: FeatureView): string[] {
  const lines = [featureLine(f)];
  if (f.country) lines.push(`country: ${f.country}`);
  lines.push(`direction: ${f.direction}`, `flows: ${f.flows.join(', ') || '-'}`);
  if (f.formats.length > 0) lines.push(`formats: ${f.formats.join(', ')}`);
  const properties = (f.parameters as { properties?: Record<string, { description?: string }> } | undefined)
    ?.properties;
  const required = new Set((f.parameters as { required?: string[] } | undefined)?.required ?? []);
  if (properties && Object.keys(properties).length > 0) {
    lines.push('parameters:');
    for (const [name, p] of Object.entries(properties))
      lines.push(
        `  ${name}${required.has(name) ? ' (required)' : ''}${p.description ? `  ${p.description}` : ''}`,
      );
  }
  for (const [company, setup] of Object.entries(f.companies ?? {}))
    lines.push(`company ${company}: ${JSON.stringify(setup.parameters)}`);
  return lines;
}

/** `--params`: a JSON object, or `@FILE` holding one. */
function readParameters(text: string): unknown {
  const source = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text;
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new UsageError(`--params must be a JSON object or @FILE: ${(error as Error).message}`);
  }
}

function need(args: CommandArgs, what: string): string {
  const value = args.positionals[1];
  if (value === undefined) throw new UsageError(`feature ${args.positionals[0]} needs ${what}`);
  return value;
}

const path = (id: string) => `/features/${encodeURIComponent(id)}`;

async function remote(sub: Subcommand, args: CommandArgs, io: CommandIo, client: ServiceClient) {
  const print = (value: unknown, lines: () => string[]) =>
    io.stdout.write(args.flag('json') ? `${JSON.stringify(value, null, 2)}\n` : `${lines().join('\n')}\n`);
  switch (sub) {
    case 'list': {
      const { items } = await client.json<{ items: FeatureView[] }>('GET', '/features');
      print(items, () => items.map(featureLine));
      return 0;
    }
    case 'show': {
      const feature = await client.json<FeatureView>('GET', path(need(args, 'a feature id')));
      print(feature, () => featureLines(feature));
      return 0;
    }
    case 'enable': {
      const version = args.string('version');
      const feature = await client.json<FeatureView>('PUT', path(need(args, 'a feature id')), {
        content: JSON.stringify(version ? { version } : {}),
        contentType: 'application/json',
      });
      print(feature, () => [`enabled ${feature.id} ${feature.enabledVersion}`]);
      return 0;
    }
    case 'disable': {
      const id = need(args, 'a feature id');
      const answer = await client.send('DELETE', path(id));
      if (answer.status >= 400) throw new ProblemAnswer(answer, client.options);
      io.stdout.write(`disabled ${id}\n`);
      return 0;
    }
    default: {
      const id = need(args, 'a feature id');
      const company = args.string('company');
      if (!company) throw new UsageError('feature set needs --company ID');
      const params = args.string('params');
      if (params === undefined) throw new UsageError('feature set needs --params JSON (or @FILE)');
      const stored = await client.json<FeatureCompany>(
        'PUT',
        `${path(id)}/companies/${encodeURIComponent(company)}`,
        {
          content: JSON.stringify(readParameters(params)),
          contentType: 'application/json',
        },
      );
      print(stored, () => [`set ${id} for company ${company}`]);
      return 0;
    }
  }
}

export const feature: CommandSpec = {
  name: 'feature',
  description: 'features: list, show, enable, disable, set a company; pack and import',
  usage:
    'einvoice feature SUBCOMMAND [ID|DIR|FILE] [--version V] [--company ID] [--params JSON|@FILE] [-o FILE] [--json]',
  details:
    'Subcommands: list; show ID; enable ID [--version V]; disable ID; set ID --company C --params JSON|@FILE; ' +
    'pack DIR -o FILE; import FILE. list, show, enable, disable and set call the service (GET/PUT/DELETE /api/features/{id} and ' +
    '.../companies/{companyId}) for the tenant of the API key: enable chooses the version new documents run ' +
    "under (default the newest installed), set gives a company's parameters, checked against that version's " +
    'schema. pack writes a feature folder as one file (every part with its sha256); import sends such a file ' +
    'to the service (POST /api/features), which checks it whole before it installs it. docs/features.md.',
  options: [
    ...SERVICE_OPTIONS,
    { name: 'version', type: 'string', value: 'V', description: 'enable: the version (default the newest)' },
    {
      name: 'company',
      type: 'string',
      value: 'ID',
      description: "set: the company (a document's context.companyId)",
    },
    { name: 'params', type: 'string', value: 'JSON', description: "set: the company's parameters, or @FILE" },
    { name: 'output', short: 'o', type: 'string', value: 'FILE', description: 'pack: the file to write' },
    { ...JSON_OPTION, description: 'print the JSON answer' },
  ],
  args: [
    { name: 'SUBCOMMAND', required: true, description: SUBCOMMANDS.join(', ') },
    { name: 'ID|DIR|FILE', description: 'the feature id, the folder to pack, or the package to import' },
  ],
  examples: [
    { command: 'einvoice feature list', comment: 'the installed features and the version that runs for you' },
    { command: 'einvoice feature enable peppol-bis3 --version 1.0.0', comment: 'enable a version' },
    {
      command:
        'einvoice feature set peppol-bis3 --company acme-de --params \'{"signingCertificate":"acme-de"}\'',
      comment: "sign company acme-de's invoices with its own certificate",
    },
    {
      command: 'einvoice feature pack flows/peppol-bis3 -o peppol.feature.json',
      comment: 'one file to share',
    },
  ],
  async run(args, io) {
    const sub = args.positionals[0] as Subcommand;
    if (!SUBCOMMANDS.includes(sub))
      throw new UsageError(`unknown subcommand "${sub}"; one of ${SUBCOMMANDS.join(', ')}`);
    if (sub === 'pack') {
      const dir = need(args, 'the feature folder');
      const output = args.string('output');
      if (!output) throw new UsageError('feature pack needs -o FILE');
      const { createRegistries } = composition();
      const registries = createRegistries(
        { outboxDir: '.', formatsDir: undefined },
        {
          get: () => Promise.reject(new Error('not used')),
        },
      );
      try {
        const pack = packFeature(dir, registries.actions);
        writeFileSync(output, `${JSON.stringify(pack, null, 2)}\n`);
        io.stdout.write(`packed ${pack.id} ${pack.version}: ${pack.files.length} files to ${output}\n`);
      } finally {
        await registries.xsd.close();
      }
      return 0;
    }
    const client = serviceClient(args, io);
    if (sub === 'import') {
      const file = need(args, 'the package file');
      const answer = await client.json<{ id: string; version: string }>('POST', '/features', {
        content: readFileSync(file, 'utf8'),
        contentType: 'application/json',
      });
      io.stdout.write(
        args.flag('json')
          ? `${JSON.stringify(answer, null, 2)}\n`
          : `imported ${answer.id} ${answer.version}\n`,
      );
      return 0;
    }
    return remote(sub, args, io, client);
  },
};

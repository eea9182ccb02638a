import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistrationRecorder, triggerOf } from '../shared/runtime/registrations';
import { BINDING_SETTING_DEFAULTS, resolveSetting } from '../shared/settings';

const recorder = new RegistrationRecorder();
jest.mock('@azure/functions-core', () => recorder.coreApi, { virtual: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../functions/index');

const ROOT = join(__dirname, '..');
const bicep = readFileSync(join(ROOT, 'infra', 'main.bicep'), 'utf8');
const sample = JSON.parse(readFileSync(join(ROOT, 'local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
};

/** Settings that only the embedded runtime (or local development) reads: Azure does not set them. */
const LOCAL_ONLY = new Set([
  'FUNCTIONS_WORKER_RUNTIME', // set by the Flex Consumption runtime configuration
  'AzureWebJobsStorage', // the identity-based AzureWebJobsStorage__* settings replace it in Azure
  'EINVOICE_DATA_DIR',
  'EINVOICE_STORE_SYNC', // the journal store of the embedded runtime
  'EINVOICE_STORE_CACHE_MB', // the embedded stores' memory
  'EINVOICE_FORMATS_DIR', // further mappings; in Azure they are deployed in the package's formats/ folder
  'EINVOICE_BLOB_CONNECTION',
  // the PostgreSQL store and bus of self-hosted workers (docs/scale.md); Azure uses Blob Storage and Service Bus
  'EINVOICE_POSTGRES_URL',
  'EINVOICE_POSTGRES_SCHEMA',
  'EINVOICE_POSTGRES_POOL',
  'EINVOICE_POSTGRES_LOCK_SECONDS',
  'ServiceBusConnection',
  'EINVOICE_KEY_DIR',
  'EINVOICE_KEY_PASSWORD', // PKCS#12 files in the local key folder; Azure reads certificates from Key Vault
  'EINVOICE_LOCAL_API_KEY',
  'EINVOICE_FLOWS_DIR',
  'EINVOICE_FEATURES_DIR', // imported packages land here; in Azure features are deployed with the app
  'EINVOICE_FEATURE_ADMINS', // who may import packages: the embedded runtime's tenant
  'EINVOICE_HOST',
  'EINVOICE_PORT',
  'EINVOICE_OUTBOX_DIR',
  'SANDBOX_URL',
  // an OTLP collector beside Application Insights, and switching the SDK off: set by hand where wanted
  'OTEL_SDK_DISABLED',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS', // may hold a collector's key: a Key Vault reference, never the template
]);

function bicepParamDefault(name: string): string {
  const match = new RegExp(`param ${name} \\w+ = '([^']+)'`).exec(bicep);
  if (!match) throw new Error(`param ${name} not found`);
  return match[1]!;
}

function stageTopics(): Record<string, string> {
  const block = /param stageTopics object = \{([\s\S]*?)\}/.exec(bicep)![1]!;
  return Object.fromEntries([...block.matchAll(/(\w+): '([^']+)'/g)].map((m) => [m[1]!, m[2]!]));
}

function appSettings(): Map<string, string> {
  const block = /appSettings: \[([\s\S]*?)\n\s*\]/.exec(bicep)![1]!;
  return new Map([...block.matchAll(/\{ name: '([^']+)', value: (.+?) \}/g)].map((m) => [m[1]!, m[2]!]));
}

describe('infra/main.bicep', () => {
  const env = { ...BINDING_SETTING_DEFAULTS };

  it('declares every topic and subscription a Function binds to, and wires its setting to it', () => {
    const topics = stageTopics();
    const settings = appSettings();
    const stageFunctions = recorder.registrations.filter((r) => triggerOf(r).topicName);
    expect(stageFunctions).toHaveLength(5); // four stages and webhook delivery
    for (const registration of stageFunctions) {
      const trigger = triggerOf(registration);
      const setting = /^%(\w+)%$/.exec(trigger.topicName!)![1]!;
      expect(topics[setting]).toBe(resolveSetting(trigger.topicName!, env));
      expect(settings.get(setting)).toBe(`stageTopics.${setting}`);
      expect(resolveSetting(trigger.subscriptionName!, env)).toBe(bicepParamDefault('stageSubscription'));
      expect(settings.get('STAGE_SUBSCRIPTION')).toBe('stageSubscription');
    }
    expect(bicep).toMatch(/resource subscriptions '[^']+' = \[\s*for \(topic, i\) in items\(stageTopics\)/);
  });

  it('declares the queue batch intake binds to', () => {
    const queueBindings = recorder.registrations.map(triggerOf).filter((t) => t.queueName);
    expect(queueBindings).toHaveLength(1);
    expect(resolveSetting(queueBindings[0]!.queueName!, env)).toBe(bicepParamDefault('batchQueue'));
    expect(appSettings().get('BATCH_QUEUE')).toBe('batchQueue');
    expect(bicep).toMatch(
      /resource queue 'Microsoft\.ServiceBus\/namespaces\/queues@[^']+' = \{\s*parent: serviceBus\s*name: batchQueue/,
    );
  });

  it('uses the app setting names of local.settings.sample.json, and sets every one Azure needs', () => {
    const inBicep = [...appSettings().keys()];
    const inSample = Object.keys(sample.Values);
    expect(inBicep.filter((name) => !inSample.includes(name))).toEqual([]);
    expect(inSample.filter((name) => !inBicep.includes(name) && !LOCAL_ONLY.has(name))).toEqual([]);
    // Every Service Bus trigger names the connection ServiceBusConnection: the sample carries its forms.
    const connections = recorder.registrations.map(triggerOf).filter((t) => t.connection);
    expect(connections.length).toBeGreaterThan(0);
    expect(connections.every((t) => t.connection === 'ServiceBusConnection')).toBe(true);
    expect(inSample).toEqual(
      expect.arrayContaining(['ServiceBusConnection', 'ServiceBusConnection__fullyQualifiedNamespace']),
    );
  });

  it('runs Node with the young generation the service is measured with, as npm start and npm run bench do', () => {
    const young = '--max-semi-space-size=32';
    expect(appSettings().get('NODE_OPTIONS')).toBe(`'${young}'`);
    expect(sample.Values.NODE_OPTIONS).toBe(young);
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    // on the command line only (Node refuses it in NODE_OPTIONS): see docs/architecture.md
    const node = `node ${young} --no-allocation-site-pretenuring`;
    expect(scripts.start).toBe(`${node} bin/einvoice.js serve`);
    expect(scripts.bench).toBe(`${node} bin/einvoice.js bench`);
  });

  it('keeps no key or connection string in app settings', () => {
    expect(bicep).not.toMatch(/AccountKey=|SharedAccessKey=|listKeys\(/);
    expect(bicep).toMatch(/disableLocalAuth: true/);
    expect(bicep).toMatch(/allowSharedKeyAccess: false/);
  });
});

describe('local.settings.sample.json', () => {
  it('names every setting the service reads', () => {
    const sources = ['shared/settings.ts', 'shared/log.ts']
      .map((f) => readFileSync(join(ROOT, f), 'utf8'))
      .join('\n');
    const read = new Set(
      [
        ...sources.matchAll(/(?:text|choice|positiveInt|inData)\((?:env, )?'([A-Za-z_]+)'/g),
        ...sources.matchAll(/process\.env\.([A-Z_]+)/g),
      ].map((m) => m[1]!),
    );
    for (const name of Object.keys(BINDING_SETTING_DEFAULTS)) read.add(name);
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((name) => !(name in sample.Values))).toEqual([]);
  });
});

describe('LICENSE', () => {
  it('is the licence package.json declares', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(pkg.license).toBe('MIT');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toContain('Permission is hereby granted, free of charge');
  });
});

import { X509Certificate } from 'node:crypto';
import { constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FolderCertificateStore, keyPasswordFromEnv } from '../../adapters/folder-certificate-store';
import { EInvoiceError } from '../../errors';
import { silentLogger } from '../../log';
import { loadFlowCatalogue } from '../../features/catalogue';
import type { FlowDefinition } from '../../flows/types';
import {
  applyLocalSettingsFile,
  BINDING_SETTING_DEFAULTS,
  loadSettings,
  resolveSetting,
  type Settings,
} from '../../settings';
import { XSD_CATALOGUE } from '../../xml/xsd';
import { clientOptions, networkReason, ServiceClient, Unreachable } from '../client';
import type { CommandSpec } from '../command';
import { composition } from '../lazy';
import { JSON_OPTION, SERVICE_OPTIONS } from '../options';

type Level = 'ok' | 'warn' | 'FAIL';

export interface Finding {
  level: Level;
  check: string;
  detail: string;
}

const PROBE_TIMEOUT_MS = 2000;

/** The command that starts the local stand-in a setting's default points at. */
const STAND_INS: Record<string, string> = {
  SANDBOX_URL: 'einvoice sandbox',
  BC_API_URL: 'einvoice sandbox --authority bc',
  BC_TOKEN_URL: 'einvoice sandbox --authority bc',
};
const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

const ok = (check: string, detail: string): Finding => ({ level: 'ok', check, detail });
const warn = (check: string, detail: string): Finding => ({ level: 'warn', check, detail });
const fail = (check: string, detail: string): Finding => ({ level: 'FAIL', check, detail });

/** An error as FAIL lines: its message, then each located detail. */
function failures(check: string, error: unknown): Finding[] {
  if (error instanceof EInvoiceError && error.details.length > 0)
    return error.details.map((d) =>
      fail(check, `${d.path ? `${d.path}: ` : ''}${d.code ? `${d.code}: ` : ''}${d.message}`),
    );
  return [fail(check, (error as Error).message)];
}

/** The settings, as the runtime reads them: the environment, then local.settings.json. */
function settingsCheck(env: Record<string, string | undefined>): {
  findings: Finding[];
  settings?: Settings;
} {
  const merged = { ...env };
  const file = resolve('local.settings.json');
  let read: boolean;
  try {
    read = applyLocalSettingsFile(file, merged);
  } catch (error) {
    return { findings: [fail('settings', `${file}: ${(error as Error).message}`)] };
  }
  try {
    const settings = loadSettings(merged);
    return {
      settings,
      findings: [
        ok(
          'settings',
          `store ${settings.store}, bus ${settings.bus}, keys ${settings.keys}` +
            (read ? ' (environment and local.settings.json)' : ' (environment; no local.settings.json)'),
        ),
      ],
    };
  } catch (error) {
    // The message names the setting and the value it has.
    return { findings: [fail('settings', (error as Error).message)] };
  }
}

async function dataFolderCheck(dir: string): Promise<Finding> {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) return fail('data folder', `${dir} is not a folder`);
    try {
      await access(dir, constants.W_OK);
      return ok('data folder', `${dir} (writable)`);
    } catch {
      return fail('data folder', `${dir} is not writable`);
    }
  }
  let parent = dirname(dir);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  try {
    await access(parent, constants.W_OK);
    return ok('data folder', `${dir} does not exist yet: the runtime creates it on first start`);
  } catch {
    return fail('data folder', `${dir} does not exist and cannot be created (${parent} is not writable)`);
  }
}

/**
 * The PostgreSQL database of the store or the bus (when either is on it): reached with the runtime's
 * connection settings, its version, and whether the service's schema is there yet (created on first start).
 */
async function postgresCheck(settings: Settings): Promise<Finding | undefined> {
  if (settings.store !== 'postgres' && settings.bus !== 'postgres') return undefined;
  const { openPostgres } = composition();
  let db: ReturnType<typeof openPostgres>;
  try {
    db = openPostgres(settings, silentLogger);
  } catch (error) {
    return fail('postgres', (error as Error).message);
  }
  try {
    const { rows } = await db.query<{ version: string; schema: boolean }>(
      `SELECT current_setting('server_version') AS version,
              EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema`,
      [settings.postgresSchema],
    );
    const row = rows[0]!;
    const major = Number.parseInt(row.version, 10);
    const where = `PostgreSQL ${row.version} at ${db.where}, schema ${settings.postgresSchema}`;
    const schema = row.schema ? 'in place' : 'created on first start';
    return major < 13
      ? fail('postgres', `${where}: version 13 or later is needed`)
      : ok('postgres', `${where} ${schema}`);
  } catch (error) {
    return fail('postgres', (error as Error).message);
  } finally {
    await db.end();
  }
}

/** Format mappings and flows, loaded and checked as at start-up. */
async function flowsCheck(settings: Settings): Promise<{ findings: Finding[]; flows?: FlowDefinition[] }> {
  const { createRegistries, featureRoots } = composition();
  let registries: ReturnType<typeof createRegistries>;
  try {
    registries = createRegistries(settings, { get: () => Promise.reject(new Error('unused')) });
  } catch (error) {
    return {
      findings: [
        ...failures('formats', error),
        warn('flows', 'not checked: the format mappings did not load'),
      ],
    };
  }
  const findings: Finding[] = [];
  try {
    const ids = registries.formats.list().map((f) => f.id);
    findings.push(
      ok(
        'formats',
        `${ids.length} formats${settings.formatsDir ? ` (shipped and ${settings.formatsDir})` : ''}: ${ids.join(', ')}`,
      ),
    );
    const features = registries.features.check(registries.actions);
    const catalogue = loadFlowCatalogue(featureRoots(settings), registries.actions, features);
    const flows = catalogue.all();
    const where = [settings.flowsDir, settings.featuresDir].filter(Boolean).join(' and ');
    const flowIds = [...new Set(flows.map((f) => f.id))];
    findings.push(
      flows.length === 0
        ? warn('flows', `no flow in ${where}: no document can be processed`)
        : ok('flows', `${flowIds.length} flows in ${where}: ${flowIds.join(', ')}`),
    );
    const versions = features
      .list()
      .map((f) => `${f.id} ${f.versions.map((v) => v.manifest.version).join('/')}`);
    if (versions.length > 0)
      findings.push(ok('features', `${versions.length} features: ${versions.join(', ')}`));
    // the endpoints as a company without parameters of its own reaches them: each parameter's default
    const probed = [...catalogue.entries().filter((l) => !l.feature), ...features.flows()].map(
      ({ flow, feature }) => {
        const schema = feature && features.get(feature.id, feature.version)?.manifest.parameters;
        const properties = (schema as { properties?: Record<string, { default?: unknown }> } | undefined)
          ?.properties;
        const text = JSON.stringify(flow).replace(/\{company\.([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
          const fallback = properties?.[name]?.default;
          return typeof fallback === 'string' ? JSON.stringify(fallback).slice(1, -1) : whole;
        });
        return JSON.parse(text) as FlowDefinition;
      },
    );
    return { findings, flows: probed };
  } catch (error) {
    return { findings: [...findings, ...failures('flows', error)] };
  } finally {
    await registries.xsd.close();
  }
}

function schemasCheck(dir: string | undefined): Finding {
  const skipped = 'XML Schema checks are skipped; see docs/formats.md';
  if (!dir) return warn('schemas', `not installed (EINVOICE_SCHEMAS_DIR is not set): ${skipped}`);
  const entries = Object.entries(XSD_CATALOGUE);
  const installed = entries.filter(([, e]) => existsSync(join(dir, e.path))).map(([id]) => id);
  const missing = entries.filter(([id]) => !installed.includes(id)).map(([id]) => id);
  if (installed.length === 0) return warn('schemas', `not installed: none of them in ${dir}; ${skipped}`);
  if (missing.length > 0)
    return warn('schemas', `${installed.join(', ')} in ${dir}; not installed: ${missing.join(', ')}`);
  return ok('schemas', `${installed.join(', ')} in ${dir}`);
}

function certificateSummary(certificate: X509Certificate, now: number): { level: Level; text: string } {
  const cn = /CN=([^\n,]+)/.exec(certificate.subject)?.[1] ?? certificate.subject.replace(/\n/g, ', ');
  const expires = Date.parse(certificate.validTo);
  const days = Math.floor((expires - now) / DAY_MS);
  const date = new Date(expires).toISOString().slice(0, 10);
  const selfSigned = certificate.subject === certificate.issuer ? ', self-signed' : '';
  if (expires <= now) return { level: 'FAIL', text: `CN=${cn}${selfSigned}: expired on ${date}` };
  return {
    level: days < EXPIRY_WARNING_DAYS ? 'warn' : 'ok',
    text: `CN=${cn}${selfSigned}, expires on ${date} (in ${days} days)`,
  };
}

/** The certificates of the key folder: subject, days to expiry, key pair; the signing certificate present. */
async function certificatesCheck(settings: Settings): Promise<Finding[]> {
  if (settings.keys !== 'folder')
    return [
      warn(
        'certificates',
        `in Key Vault (${settings.keyVaultUrl ?? 'KEY_VAULT_URL not set'}): not checked from here`,
      ),
    ];
  const dir = settings.keyDir;
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const names = [
    ...new Set(
      files.map((f) => /^(.+)\.(crt\.pem|p12|pfx)$/.exec(f)?.[1]).filter((n): n is string => n !== undefined),
    ),
  ].sort();
  const store = new FolderCertificateStore(dir, keyPasswordFromEnv(settings.env));
  const now = Date.now();
  const findings: Finding[] = [];
  for (const name of names) {
    const check = `certificate ${name}`;
    const crt = join(dir, `${name}.crt.pem`);
    const hasKey = existsSync(join(dir, `${name}.key.pem`));
    try {
      // With its key (or as PKCS#12): opened as the runtime opens it, which checks that key and certificate match.
      const certificate =
        hasKey || !existsSync(crt)
          ? (await store.get(name)).certificates[0]!
          : new X509Certificate(readFileSync(crt));
      const { level, text } = certificateSummary(certificate, now);
      findings.push({ level, check, detail: hasKey || !existsSync(crt) ? text : `${text} (no private key)` });
    } catch (error) {
      findings.push(fail(check, (error as Error).message));
    }
  }
  if (!names.includes(settings.signingCertificate))
    findings.push(
      warn(
        'certificates',
        `the signing certificate "${settings.signingCertificate}" (EINVOICE_SIGNING_CERT) is not in ${dir}: ` +
          'the runtime creates a self-signed test certificate on first start',
      ),
    );
  return findings;
}

/** The remote endpoints the flows' HTTP steps call: each origin answers at all (any HTTP status will do). */
async function endpointsCheck(flows: FlowDefinition[], settings: Settings): Promise<Finding[]> {
  const probes = new Map<string, Promise<string | undefined>>();
  const probe = (origin: string) => {
    let found = probes.get(origin);
    if (!found) {
      found = fetch(origin, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'manual' }).then(
        async (response) => {
          await response.arrayBuffer().catch(() => undefined);
          return undefined;
        },
        (error: unknown) => networkReason(error, PROBE_TIMEOUT_MS),
      );
      probes.set(origin, found);
    }
    return found;
  };
  const steps = flows
    .filter((flow) => flow.enabled !== false)
    .flatMap((flow) =>
      flow.steps
        .filter(
          (s) => (s.action === 'submit-http' || s.action === 'poll-http') && typeof s.with?.url === 'string',
        )
        .map((step) => ({ flow: flow.id, step: step.id, url: step.with!.url as string })),
    );
  return Promise.all(
    steps.map(async ({ flow, step, url }): Promise<Finding> => {
      const where = `flow ${flow} step ${step}`;
      const settingsUsed = [...url.matchAll(/%([A-Za-z0-9_]+)%/g)].map((m) => m[1]!);
      let resolved: string;
      try {
        resolved = resolveSetting(url, settings.env);
      } catch {
        const unset = settingsUsed.filter((name) => !settings.env[name]);
        return warn('endpoint', `${where}: not configured (${unset.join(', ') || url} is not set)`);
      }
      let origin: string;
      try {
        origin = new URL(resolved.replace(/\{[^}]*\}/g, '')).origin;
      } catch {
        return fail('endpoint', `${where}: ${resolved} is not a URL`);
      }
      const failure = await probe(origin);
      if (failure === undefined) return ok('endpoint', `${where}: ${origin} answers`);
      if (/CERT|TLS|SSL/i.test(failure))
        return warn(
          'endpoint',
          `${where}: ${origin} answers, but its TLS certificate is refused here (${failure})`,
        );
      const standIn = settingsUsed.map((name) => STAND_INS[name]).find(Boolean);
      const hint = standIn ? `; start it with '${standIn}'` : '';
      // A setting left at its default points at a local stand-in: the flow is not configured yet.
      const defaulted = settingsUsed.filter((name) => !settings.env[name] && BINDING_SETTING_DEFAULTS[name]);
      if (defaulted.length > 0 && defaulted.length === settingsUsed.length)
        return warn(
          'endpoint',
          `${where}: not configured (${defaulted.join(', ')} unset); its default ${resolved} is a local stand-in that is not running${hint}`,
        );
      return fail('endpoint', `${where}: cannot reach ${resolved} (${failure})${hint}`);
    }),
  );
}

/** Whether the service answers where the client commands would call it. Not running is a warning. */
async function serviceCheck(
  env: Record<string, string | undefined>,
  url?: string,
  apiKey?: string,
): Promise<Finding> {
  let client: ServiceClient;
  try {
    client = new ServiceClient(clientOptions({ url, apiKey }, env));
  } catch (error) {
    return fail('service', (error as Error).message);
  }
  try {
    const answer = await client.send('GET', '/health', undefined, PROBE_TIMEOUT_MS);
    if (answer.status === 200) {
      const health = (answer.json ?? {}) as Record<string, unknown>;
      const facts = Object.entries(health)
        .filter(
          ([name, value]) => name !== 'status' && (typeof value === 'string' || typeof value === 'number'),
        )
        .map(([name, value]) => `${name} ${String(value)}`);
      return ok(
        'service',
        `answers at ${client.options.display}${facts.length ? ` (${facts.join(', ')})` : ''}`,
      );
    }
    if (answer.status === 401)
      return warn(
        'service',
        `answers at ${client.options.display}, but ${client.options.apiKey ? `the API key from ${client.options.keySource} is not accepted` : `there is no API key (${client.options.keySource})`}`,
      );
    return warn('service', `answers at ${client.options.display} with HTTP ${answer.status}`);
  } catch (error) {
    if (error instanceof Unreachable) return warn('service', `not running: ${error.message}`);
    throw error;
  }
}

/** Every check, in parallel where they are independent. */
export async function diagnose(
  env: Record<string, string | undefined>,
  client: { url?: string | undefined; apiKey?: string | undefined } = {},
): Promise<Finding[]> {
  const service = serviceCheck(env, client.url, client.apiKey);
  const { settings, findings } = settingsCheck(env);
  if (!settings) return [...findings, await service];
  // The slow checks wait on the network or the disk; loading the flows is work on this thread meanwhile.
  const data = dataFolderCheck(settings.dataDir);
  const certificates = certificatesCheck(settings);
  const schemas = schemasCheck(settings.schemasDir);
  const postgres = postgresCheck(settings);
  const loaded = await flowsCheck(settings);
  const endpoints = loaded.flows ? await endpointsCheck(loaded.flows, settings) : [];
  return [
    ...findings,
    await data,
    ...[await postgres].filter((f) => f !== undefined),
    ...loaded.findings,
    schemas,
    ...(await certificates),
    ...endpoints,
    await service,
  ];
}

export const doctor: CommandSpec = {
  name: 'doctor',
  description: 'check the installation: settings, flows, schemas, certificates, endpoints',
  usage: 'einvoice doctor [--url URL] [--api-key KEY] [--json]',
  details:
    'Prints one line per check: `ok`, `warn` (works, with a limitation) or `FAIL` (the runtime will not ' +
    'start, or a flow cannot work), with the check and what was found. It reads the settings as the ' +
    'runtime does (environment, then local.settings.json), loads the format mappings and flows, lists the ' +
    "installed XML Schemas and the key folder's certificates (expired: FAIL; under 30 days: warn), reaches " +
    'the PostgreSQL database when the store or the bus is on it, asks ' +
    'each HTTP endpoint the flows call for any answer (2 s), and whether the service answers at the ' +
    'client URL (not running is a warning). Exit 1 on any FAIL.',
  options: [...SERVICE_OPTIONS, { ...JSON_OPTION, description: 'print [{ level, check, detail }]' }],
  args: [],
  examples: [{ command: 'einvoice doctor', comment: 'check the installation in this folder' }],
  async run(args, io) {
    const findings = await diagnose(io.env, { url: args.string('url'), apiKey: args.string('api-key') });
    if (args.flag('json')) io.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
    else {
      for (const f of findings) io.stdout.write(`${f.level.padEnd(4)} ${f.check}: ${f.detail}\n`);
      const count = (level: Level) => findings.filter((f) => f.level === level).length;
      io.stdout.write(
        `${findings.length} checks: ${count('ok')} ok, ${count('warn')} warnings, ${count('FAIL')} failures\n`,
      );
    }
    return findings.some((f) => f.level === 'FAIL') ? 1 : 0;
  },
};

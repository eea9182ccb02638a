import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../adapters/folder-certificate-store';
import type { Services } from '../composition';
import { parseCompanySetup } from '../edoc/setup';
import { invalidInput } from '../errors';
import { tenantKeyName } from '../features/setup';
import { BcStandIn } from '../sandbox/bc-standin';
import { Sandbox } from '../sandbox/sandbox';
import { isObject, parseJson } from '../util/json';
import { packageRoot } from '../util/package-root';

/** A feature's demo company (the file its manifest names as `demo`). */
interface DemoCompany {
  companyId: string;
  description?: string;
  /** Certificates to generate for the tenant (self-signed test certificates, never committed). */
  certificates?: string[];
  /** The company's parameters; `{standIn.sandbox}`, `{standIn.bcApi}`, `{standIn.bcToken}` name the stand-ins. */
  parameters: Record<string, unknown>;
}

/** The stand-in receivers of the demo, started in the runtime's process. */
export interface StandIns {
  sandbox: Sandbox;
  bc: BcStandIn;
  urls: Record<'sandbox' | 'bcApi' | 'bcToken', string>;
  stop(): Promise<void>;
}

/** Starts the sandbox receiver and the Business Central stand-in on free ports, sharing the key folder's secret. */
export async function startStandIns(dataDir: string, keyDir: string): Promise<StandIns> {
  const sandbox = new Sandbox({ port: 0 });
  const bc = new BcStandIn({ port: 0, dataDir, keyDir });
  const sandboxUrl = await sandbox.start();
  try {
    await bc.start();
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  return {
    sandbox,
    bc,
    urls: { sandbox: sandboxUrl, bcApi: bc.apiUrl, bcToken: bc.tokenUrl },
    stop: async () => {
      await bc.stop();
      await sandbox.stop();
    },
  };
}

function readDemo(file: string): DemoCompany {
  const parsed = parseJson(readFileSync(file, 'utf8'));
  const value = parsed.ok ? parsed.value : undefined;
  if (!isObject(value) || typeof value.companyId !== 'string' || !isObject(value.parameters))
    throw invalidInput('feature.invalid-demo', `${file} is not a demo company ({ companyId, parameters })`);
  return value as unknown as DemoCompany;
}

/**
 * Enables every installed feature for the tenant, each with its demo company where it ships one: the
 * certificates it names generated in the key folder (as the tenant's own), its parameters pointing at the
 * stand-ins; and the sample Business Central company setup. Returns one line per feature set up.
 */
export async function setUpDemo(services: Services, tenantId: string, standIns: StandIns): Promise<string[]> {
  const lines: string[] = [];
  const { setups, features, settings, tenants } = services;
  for (const { id, versions } of features.list()) {
    const feature = versions[0]!;
    await setups.enable(tenantId, id, feature.manifest.version);
    const file = feature.manifest.demo && join(feature.dir, feature.manifest.demo);
    if (!file) {
      lines.push(`${id} ${feature.manifest.version}`);
      continue;
    }
    const demo = readDemo(file);
    for (const name of demo.certificates ?? [])
      await ensureSelfSignedCertificate(settings.keyDir, tenantKeyName(tenantId, name));
    const parameters = JSON.parse(
      JSON.stringify(demo.parameters).replace(
        /\{standIn\.(sandbox|bcApi|bcToken)\}/g,
        (_, name: keyof StandIns['urls']) => standIns.urls[name],
      ),
    ) as Record<string, unknown>;
    await setups.setCompany(tenantId, id, demo.companyId, parameters);
    lines.push(`${id} ${feature.manifest.version}, demo company ${demo.companyId}`);
  }
  const sample = join(packageRoot(), 'samples', 'edoc', 'bc-setup.json');
  const setup = parseCompanySetup(JSON.parse(readFileSync(sample, 'utf8')), sample);
  await tenants.setCompany(tenantId, setup.companyId, setup);
  return lines;
}

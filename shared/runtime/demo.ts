import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../adapters/folder-certificate-store';
import type { Services } from '../composition';
import { parseCompanySetup } from '../edoc/setup';
import { invalidInput } from '../errors';
import { tenantKeyName } from '../features/setup';
import { BcStandIn } from '../sandbox/bc-standin';
import { Sandbox } from '../sandbox/sandbox';
import { SdiStandIn } from '../sandbox/sdi-standin';
import { PacStandIn } from '../sandbox/pac-standin';
import { isObject, parseJson } from '../util/json';
import { packageRoot } from '../util/package-root';

/** A feature's demo company (the file its manifest names as `demo`). */
interface DemoCompany {
  companyId: string;
  description?: string;
  /**
   * Certificates to generate for the tenant (self-signed test certificates, never committed): a name, or a
   * test CSD of Mexico's SAT (`{ name, rfc, noCertificado }`).
   */
  certificates?: Array<string | { name: string; rfc: string; noCertificado: string }>;
  /**
   * The company's parameters; `{standIn.sandbox}`, `{standIn.bcApi}`, `{standIn.bcToken}`, `{standIn.sdi}`,
   * `{standIn.pac}` name the stand-ins.
   */
  parameters: Record<string, unknown>;
}

/** The stand-in receivers of the demo, started in the runtime's process. */
export interface StandIns {
  sandbox: Sandbox;
  bc: BcStandIn;
  sdi: SdiStandIn;
  pac: PacStandIn;
  urls: Record<'sandbox' | 'bcApi' | 'bcToken' | 'sdi' | 'pac', string>;
  stop(): Promise<void>;
}

/**
 * Starts the sandbox receiver, the Business Central stand-in (sharing the key folder's secret) and the SDI
 * stand-in (its state in the data folder) on free ports.
 */
export async function startStandIns(dataDir: string, keyDir: string, schemasDir?: string): Promise<StandIns> {
  const sandbox = new Sandbox({ port: 0 });
  const bc = new BcStandIn({ port: 0, dataDir, keyDir });
  const sdi = new SdiStandIn({ port: 0, dataDir, ...(schemasDir ? { schemasDir } : {}) });
  const pac = new PacStandIn({ port: 0, dataDir });
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const sandboxUrl = await sandbox.start();
    started.push(sandbox);
    await bc.start();
    started.push(bc);
    const sdiUrl = await sdi.start();
    started.push(sdi);
    const pacUrl = await pac.start();
    started.push(pac);
    return {
      sandbox,
      bc,
      sdi,
      pac,
      urls: { sandbox: sandboxUrl, bcApi: bc.apiUrl, bcToken: bc.tokenUrl, sdi: sdiUrl, pac: pacUrl },
      stop: async () => {
        for (const standIn of started.reverse()) await standIn.stop();
      },
    };
  } catch (error) {
    for (const standIn of started.reverse()) await standIn.stop();
    throw error;
  }
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
export async function setUpDemo(
  services: Services,
  tenantId: string,
  standIns: StandIns,
  serviceUrl?: string,
): Promise<string[]> {
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
    for (const certificate of demo.certificates ?? []) {
      if (typeof certificate === 'string')
        await ensureSelfSignedCertificate(settings.keyDir, tenantKeyName(tenantId, certificate));
      else
        await ensureSelfSignedCertificate(
          settings.keyDir,
          tenantKeyName(tenantId, certificate.name),
          `${certificate.rfc} test CSD`,
          730,
          { rfc: certificate.rfc, noCertificado: certificate.noCertificado },
        );
    }
    const parameters = JSON.parse(
      JSON.stringify(demo.parameters).replace(
        /\{standIn\.(sandbox|bcApi|bcToken|sdi|pac)\}/g,
        (_, name: keyof StandIns['urls']) => standIns.urls[name],
      ),
    ) as Record<string, unknown>;
    await setups.setCompany(tenantId, id, demo.companyId, parameters);
    lines.push(`${id} ${feature.manifest.version}, demo company ${demo.companyId}`);
    if (feature.manifest.events === 'sdi' && serviceUrl) {
      // SDI's notifications come back to the service's events endpoint, with an event key of the tenant's
      const key = await services.inbox.newKey(tenantId, id);
      standIns.sdi.setTransmitterEndpoint(`${serviceUrl}/api/events/${id}?key=${encodeURIComponent(key)}`);
    }
  }
  const sample = join(packageRoot(), 'samples', 'edoc', 'bc-setup.json');
  const setup = parseCompanySetup(JSON.parse(readFileSync(sample, 'utf8')), sample);
  await tenants.setCompany(tenantId, setup.companyId, setup);
  return lines;
}

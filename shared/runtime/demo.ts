import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { contingencyStandIn, SefazStandIn } from '../sandbox/sefaz-standin';
import { EntraStandIn } from '../sandbox/entra-standin';
import { isObject, parseJson } from '../util/json';
import { packageRoot } from '../util/package-root';

/** A feature's demo company (the file its manifest names as `demo`). */
interface DemoCompany {
  companyId: string;
  description?: string;
  /**
   * Certificates to generate for the tenant (self-signed test certificates, never committed): a name, a
   * test CSD of Mexico's SAT (`{ name, rfc, noCertificado }`), or a stand-in's client certificate
   * (`{ name, standIn: "sefaz", cnpj? }`: an A1 the SEFAZ stand-in's test CA issued, for its client CNPJ or
   * this one).
   */
  certificates?: Array<
    | string
    | { name: string; rfc: string; noCertificado: string }
    | { name: string; standIn: 'sefaz'; cnpj?: string }
  >;
  /**
   * The company's parameters; `{standIn.sandbox}`, `{standIn.bcApi}`, `{standIn.bcToken}`, `{standIn.sdi}`,
   * `{standIn.pac}`, `{standIn.sefaz}` name the stand-ins.
   */
  parameters: Record<string, unknown>;
}

/** The stand-in receivers of the demo, started in the runtime's process. */
export interface StandIns {
  sandbox: Sandbox;
  bc: BcStandIn;
  sdi: SdiStandIn;
  pac: PacStandIn;
  sefaz: SefazStandIn;
  /** A second SEFAZ stand-in playing the contingency authoriser (SVC), with the first one's CA and clients. */
  svc: SefazStandIn;
  /** Entra ID: the console offers to sign in there, as its default user with the role Tenant.local. */
  entra: EntraStandIn;
  urls: Record<'sandbox' | 'bcApi' | 'bcToken' | 'sdi' | 'pac' | 'sefaz' | 'svc', string>;
  stop(): Promise<void>;
}

/**
 * Starts the sandbox receiver, the Business Central stand-in (sharing the key folder's secret), the SDI,
 * PAC and SEFAZ stand-ins (their state in the data folder) and the Entra ID stand-in on free ports.
 */
export async function startStandIns(dataDir: string, keyDir: string, schemasDir?: string): Promise<StandIns> {
  const sandbox = new Sandbox({ port: 0 });
  const bc = new BcStandIn({ port: 0, dataDir, keyDir });
  const sdi = new SdiStandIn({ port: 0, dataDir, ...(schemasDir ? { schemasDir } : {}) });
  const pac = new PacStandIn({ port: 0, dataDir });
  const sefaz = new SefazStandIn({ port: 0, dataDir, ...(schemasDir ? { schemasDir } : {}) });
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
    const sefazUrl = await sefaz.start();
    started.push(sefaz);
    const svc = contingencyStandIn(sefaz, join(dataDir, 'sefaz-svc'), schemasDir);
    const svcUrl = await svc.start();
    started.push(svc);
    const entra = new EntraStandIn({ port: 0 });
    await entra.start();
    started.push(entra);
    return {
      sandbox,
      bc,
      sdi,
      pac,
      sefaz,
      svc,
      entra,
      urls: {
        sandbox: sandboxUrl,
        bcApi: bc.apiUrl,
        bcToken: bc.tokenUrl,
        sdi: sdiUrl,
        pac: pacUrl,
        sefaz: sefazUrl,
        svc: svcUrl,
      },
      stop: async () => {
        for (const standIn of started.reverse()) await standIn.stop();
      },
    };
  } catch (error) {
    for (const standIn of started.reverse()) await standIn.stop();
    throw error;
  }
}

/** A feature's demo companies: one (`{ companyId, parameters }`), or several (`{ companies: [...] }`). */
function readDemo(file: string): DemoCompany[] {
  const parsed = parseJson(readFileSync(file, 'utf8'));
  const value = parsed.ok ? parsed.value : undefined;
  const companies =
    isObject(value) && Array.isArray(value.companies) ? (value.companies as unknown[]) : [value];
  for (const company of companies)
    if (!isObject(company) || typeof company.companyId !== 'string' || !isObject(company.parameters))
      throw invalidInput(
        'feature.invalid-demo',
        `${file} is not a demo company ({ companyId, parameters }) or a list of them ({ companies })`,
      );
  return companies as DemoCompany[];
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
    for (const demo of readDemo(file)) {
      for (const certificate of demo.certificates ?? []) {
        if (typeof certificate === 'string')
          await ensureSelfSignedCertificate(settings.keyDir, tenantKeyName(tenantId, certificate));
        else if ('standIn' in certificate) {
          // an A1 of the stand-in's test CA becomes the tenant's (a PEM pair in the key folder)
          const name = tenantKeyName(tenantId, certificate.name);
          const { sefaz } = standIns;
          const issued =
            certificate.cnpj && certificate.cnpj !== sefaz.clientCnpj
              ? sefaz.issueCertificate(certificate.cnpj, demo.companyId.toUpperCase())
              : { keyPem: sefaz.clientKeyPem, certPem: sefaz.clientCertPem };
          mkdirSync(settings.keyDir, { recursive: true });
          writeFileSync(join(settings.keyDir, `${name}.key.pem`), issued.keyPem, { mode: 0o600 });
          writeFileSync(join(settings.keyDir, `${name}.crt.pem`), issued.certPem);
        } else
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
          /\{standIn\.(sandbox|bcApi|bcToken|sdi|pac|sefaz|svc)\}/g,
          (_, name: keyof StandIns['urls']) => standIns.urls[name],
        ),
      ) as Record<string, unknown>;
      await setups.setCompany(tenantId, id, demo.companyId, parameters);
      lines.push(`${id} ${feature.manifest.version}, demo company ${demo.companyId}`);
    }
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

import { EInvoiceError, invalidInput, notFound, type ProblemDetail } from '../errors';
import type { FeatureRef } from '../flows/types';
import { resolveSetting } from '../settings';
import type { TenantConfig, TenantDirectory } from '../store/tenants';
import { ajv, toProblems } from '../validation/schema';
import type { FeatureCatalogue, LoadedFeature, RelatedKind } from './catalogue';

/**
 * A company's value for a parameter the manifest lists under `certificates` or `secrets` names the tenant's
 * own certificate or secret: it is looked up as `<tenantId>--<value>`, so that a tenant cannot name another
 * tenant's key. Defaults in the manifest (the operator's, e.g. `%EINVOICE_SIGNING_CERT%`) are used as they are.
 */
export const TENANT_KEY_SEPARATOR = '--';
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

/** The store name of a tenant's own certificate or secret. */
export const tenantKeyName = (tenantId: string, name: string) => `${tenantId}${TENANT_KEY_SEPARATOR}${name}`;

/** A feature as a tenant set it up: the version it runs, and each company's parameters. */
export interface TenantFeature {
  version: string;
  enabledAt: string;
  companies?: Record<string, FeatureCompany>;
}

export interface FeatureCompany {
  parameters: Record<string, unknown>;
  updatedAt: string;
}

/**
 * Which feature versions run for a tenant. A tenant that has set up no feature runs the newest version of
 * every installed feature (each parameter at its default); once it has enabled one, only those it enabled,
 * each at the version it chose.
 */
export function featureFilter(
  tenant: Pick<TenantConfig, 'features'>,
  catalogue: FeatureCatalogue,
): (ref: FeatureRef) => boolean {
  const setup = tenant.features;
  if (!setup) return (ref) => catalogue.get(ref.id)?.manifest.version === ref.version;
  return (ref) => setup[ref.id]?.version === ref.version;
}

interface ParameterSchema {
  properties?: Record<string, { default?: unknown }>;
}

/** The parameters of a feature whose values name the tenant's own keys. */
const keyParameters = (feature: LoadedFeature) => [
  ...(feature.manifest.certificates ?? []),
  ...(feature.manifest.secrets ?? []),
];

/** The parameter schema of a feature that declares none (one object, so that Ajv compiles it once). */
const ANY_PARAMETERS = { type: 'object' };

/**
 * Looks up `{company.<name>}` for a document: the company's value for the feature version it runs under,
 * else the parameter's default in the manifest (where `%SETTING%` names a setting). Values of parameters
 * that name certificates or secrets are put in the tenant's namespace. Undefined when there is neither.
 */
export function companyParameters(
  feature: LoadedFeature,
  tenant: Pick<TenantConfig, 'id' | 'features'> | undefined,
  companyId: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): (name: string) => string | undefined {
  const given =
    (companyId !== undefined &&
      tenant?.features?.[feature.manifest.id]?.companies?.[companyId]?.parameters) ||
    {};
  const keys = new Set(keyParameters(feature));
  const schema = (feature.manifest.parameters ?? {}) as ParameterSchema;
  return (name) => {
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value !== undefined && value !== null) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return keys.has(name) && tenant ? tenantKeyName(tenant.id, text) : text;
    }
    const fallback = schema.properties?.[name]?.default;
    if (fallback === undefined || fallback === null) return undefined;
    return typeof fallback === 'string' ? resolveSetting(fallback, env) : JSON.stringify(fallback);
  };
}

/**
 * Every parameter the feature version declares, with the company's value or its default; one whose default
 * names a setting that is not set is left out, as are those with neither.
 */
export function allParameters(
  feature: LoadedFeature,
  lookup: (name: string) => string | undefined,
): Record<string, string> {
  const names = Object.keys((feature.manifest.parameters as ParameterSchema | undefined)?.properties ?? {});
  const values: Record<string, string> = {};
  for (const name of names) {
    try {
      const value = lookup(name);
      if (value !== undefined) values[name] = value;
    } catch {
      // a default naming a setting that is not set: as if there were none
    }
  }
  return values;
}

/** Problems with a company's parameters for a feature version, paths from `basePath`. */
export function checkParameters(feature: LoadedFeature, parameters: unknown, basePath = ''): ProblemDetail[] {
  const validate = ajv().compile(feature.manifest.parameters ?? ANY_PARAMETERS);
  const problems = validate(parameters) ? [] : toProblems(validate.errors, basePath);
  if (typeof parameters === 'object' && parameters !== null) {
    const values = parameters as Record<string, unknown>;
    for (const name of keyParameters(feature)) {
      const value = values[name];
      if (value !== undefined && (typeof value !== 'string' || !KEY_NAME.test(value)))
        problems.push({
          path: `${basePath}/${name}`,
          code: 'feature.invalid-key-name',
          message: `must name one of the tenant's keys: letters, digits and hyphens (${KEY_NAME.source})`,
        });
    }
  }
  return problems;
}

/** A tenant's view of one installed feature. */
export interface FeatureView {
  id: string;
  title: string;
  country?: string;
  direction: string;
  /** Installed versions, newest first. */
  versions: string[];
  /** The version that runs for the tenant; absent when the feature does not run for it. */
  enabledVersion?: string;
  /** True when the tenant has set up no feature, so that the newest of each runs by default. */
  byDefault?: boolean;
  enabledAt?: string;
  companies?: Record<string, FeatureCompany>;
  /** The JSON Schema of a company's parameters, for the version that runs (else the newest). */
  parameters?: Record<string, unknown>;
  certificates?: string[];
  secrets?: string[];
  flows: string[];
  formats: string[];
  /** The related submissions the version allows (cancel, correct, ...): each kind's flow and the statuses it follows. */
  related?: Record<string, RelatedKind>;
}

/**
 * Feature setup per tenant and company: enabling a version, disabling, and each company's parameters,
 * checked against the version's parameter schema when they are given (never first when a document fails).
 */
export class FeatureSetups {
  constructor(
    private readonly catalogue: FeatureCatalogue,
    private readonly tenants: TenantDirectory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** An installed feature's version (default the newest); 404 `feature.not-found` (or `...version-not-installed`). */
  installed(id: string, version?: string): LoadedFeature {
    const feature = this.catalogue.get(id, version);
    if (!feature) {
      if (version !== undefined && this.catalogue.get(id))
        throw notFound(
          'feature.version-not-installed',
          `Feature ${id} has no version ${version}; installed: ${this.catalogue
            .list()
            .find((f) => f.id === id)!
            .versions.map((v) => v.manifest.version)
            .join(', ')}`,
        );
      throw notFound('feature.not-found', `No feature ${id} is installed`);
    }
    return feature;
  }

  private async tenant(tenantId: string): Promise<TenantConfig> {
    const tenant = await this.tenants.get(tenantId);
    if (!tenant) throw notFound('tenant.unknown', `Unknown tenant ${tenantId}`);
    return tenant;
  }

  private view(id: string, tenant: TenantConfig): FeatureView {
    const versions = this.catalogue.list().find((f) => f.id === id)!.versions;
    const setup = tenant.features?.[id];
    const byDefault = tenant.features === undefined;
    const enabledVersion = setup?.version ?? (byDefault ? versions[0]!.manifest.version : undefined);
    const shown = versions.find((v) => v.manifest.version === enabledVersion) ?? versions[0]!;
    const m = shown.manifest;
    return {
      id,
      title: m.title,
      ...(m.country ? { country: m.country } : {}),
      direction: m.direction,
      versions: versions.map((v) => v.manifest.version),
      ...(enabledVersion ? { enabledVersion } : {}),
      ...(byDefault ? { byDefault: true } : {}),
      ...(setup ? { enabledAt: setup.enabledAt, companies: setup.companies ?? {} } : {}),
      ...(m.parameters ? { parameters: m.parameters } : {}),
      ...(m.certificates ? { certificates: [...m.certificates] } : {}),
      ...(m.secrets ? { secrets: [...m.secrets] } : {}),
      flows: shown.flows.map((f) => f.id),
      formats: shown.formats.map((f) => f.id ?? ''),
      ...(m.related ? { related: m.related } : {}),
    };
  }

  async list(tenantId: string): Promise<FeatureView[]> {
    const tenant = await this.tenant(tenantId);
    return this.catalogue.list().map((f) => this.view(f.id, tenant));
  }

  async show(tenantId: string, id: string): Promise<FeatureView> {
    this.installed(id);
    return this.view(id, await this.tenant(tenantId));
  }

  /**
   * Enables a version (default the newest) for the tenant. The companies already set up keep their
   * parameters, which must satisfy the new version's schema: otherwise nothing changes and every problem
   * is listed (`/companies/{id}/...`). Documents in flight finish under the version they started with.
   */
  async enable(tenantId: string, id: string, version?: string): Promise<FeatureView> {
    const feature = this.installed(id, version);
    const chosen = feature.manifest.version;
    const tenant = await this.tenants.change(tenantId, (t) => {
      const current = t.features?.[id];
      const problems = Object.entries(current?.companies ?? {}).flatMap(([company, setup]) =>
        checkParameters(feature, setup.parameters, `/companies/${company}/parameters`),
      );
      if (problems.length > 0)
        throw invalidInput(
          'feature.invalid-parameters',
          `The companies' parameters do not suit ${id} ${chosen}; set them again first`,
          problems,
        );
      t.features = {
        ...t.features,
        [id]: {
          version: chosen,
          enabledAt: current?.version === chosen ? current.enabledAt : this.now().toISOString(),
          ...(current?.companies ? { companies: current.companies } : {}),
        },
      };
    });
    return this.view(id, tenant);
  }

  /** Stops the feature for the tenant's new documents; its company setups are removed with it. */
  async disable(tenantId: string, id: string): Promise<void> {
    this.installed(id);
    await this.tenants.change(tenantId, (t) => {
      const features = { ...t.features };
      delete features[id];
      t.features = features;
    });
  }

  /** Sets (or, with undefined, removes) a company's parameters for a feature the tenant enabled. */
  async setCompany(
    tenantId: string,
    id: string,
    companyId: string,
    parameters: unknown,
  ): Promise<FeatureCompany | undefined> {
    this.installed(id);
    let stored: FeatureCompany | undefined;
    await this.tenants.change(tenantId, (t) => {
      const setup = t.features?.[id];
      if (!setup)
        throw new EInvoiceError(
          'feature.not-enabled',
          `Feature ${id} is not enabled for this tenant; enable it first (PUT /api/features/${id})`,
          { status: 409 },
        );
      const companies = { ...setup.companies };
      if (parameters === undefined) delete companies[companyId];
      else {
        const feature = this.installed(id, setup.version);
        const problems = checkParameters(feature, parameters);
        if (problems.length > 0)
          throw invalidInput(
            'feature.invalid-parameters',
            `The parameters of company ${companyId} do not suit ${id} ${setup.version}`,
            problems,
          );
        stored = {
          parameters: parameters as Record<string, unknown>,
          updatedAt: this.now().toISOString(),
        };
        companies[companyId] = stored;
      }
      t.features = { ...t.features, [id]: { ...setup, companies } };
    });
    return stored;
  }

  async company(tenantId: string, id: string, companyId: string): Promise<FeatureCompany> {
    this.installed(id);
    const company = (await this.tenant(tenantId)).features?.[id]?.companies?.[companyId];
    if (!company)
      throw notFound('feature.company-not-configured', `No setup of company ${companyId} for feature ${id}`);
    return company;
  }
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ConcurrencyError, invalidInput } from '../errors';
import type { ObjectStore, PutOptions } from '../ports/object-store';
import { TENANT_ID_PATTERN } from '../util/ids';
import { cloneJson, isObject } from '../util/json';
import type { CompanySetup } from '../edoc/setup';
import type { TenantFeature } from '../features/setup';
import { sha256Hex } from './document-store';

/**
 * A new API key: 192 random bits, base64url, after an `ek_` prefix so that it never starts with `-` (a
 * command line would take it for an option) and is recognisable in a secret scanner.
 */
export function newApiKey(): string {
  return `ek_${randomBytes(24).toString('base64url')}`;
}

/** A tenant's configuration, kept at `tenants/{id}/config/tenant.json`. API keys are stored hashed. */
export interface TenantConfig {
  id: string;
  name: string;
  createdAt: string;
  apiKeys: Array<{ id: string; sha256: string; createdAt: string }>;
  /** When set, only these flows run for the tenant. */
  enabledFlows?: string[];
  webhook?: WebhookConfig;
  /** Business Central company setups for inbound documents, by company id (docs/edoc.md). */
  companies?: Record<string, CompanySetup>;
  /**
   * The features the tenant enabled, by feature id, with each company's parameters (docs/features.md).
   * Absent: the tenant set up none, and the newest version of every installed feature runs for it.
   */
  features?: Record<string, TenantFeature>;
}

/** Where a tenant's status notifications go; the signing secret is named, its value is in the secret store. */
export interface WebhookConfig {
  url: string;
  secret: { secret: string };
  /** `terminal` (default): completed, failed, rejected, cancelled; `all`: every status change. */
  events?: 'terminal' | 'all';
}

/**
 * Tenants and their API keys. The key index `api-keys/{sha256(key)}` names the tenant, so a request is
 * authenticated with one read and no scan.
 */
export class TenantDirectory {
  private readonly cache = new Map<string, { tenantId: string; at: number }>();
  /**
   * Each tenant's configuration as last read or written here. Every step of every document reads it, so
   * without this one blob per tenant takes several reads per document (a hot blob in Azure Storage). A change
   * made through this directory is seen at once; one made by another instance within `configCacheMs`.
   */
  private readonly configs = new Map<string, { config: TenantConfig; at: number }>();

  constructor(
    private readonly objects: ObjectStore,
    private readonly cacheMs = 30_000,
    private readonly configCacheMs = 5_000,
  ) {}

  async get(tenantId: string): Promise<TenantConfig | undefined> {
    const cached = this.configs.get(tenantId);
    if (cached && Date.now() - cached.at < this.configCacheMs) return cloneJson(cached.config);
    const stored = await this.objects.get(`tenants/${tenantId}/config/tenant.json`);
    if (!stored) return undefined;
    const parsed: unknown = JSON.parse(stored.body.toString('utf8'));
    if (!isObject(parsed) || parsed.id !== tenantId) {
      throw invalidInput('tenant.config-invalid', `Configuration of tenant ${tenantId} is not valid`);
    }
    const config = parsed as unknown as TenantConfig;
    this.remember(config);
    return cloneJson(config);
  }

  /** Keeps what was just read or written (callers get copies: they may change theirs). */
  private remember(config: TenantConfig): void {
    if (this.configCacheMs > 0) this.configs.set(config.id, { config: cloneJson(config), at: Date.now() });
  }

  /** Writes a tenant's configuration and remembers it. */
  private async write(tenant: TenantConfig, options: PutOptions): Promise<void> {
    await this.objects.put(`tenants/${tenant.id}/config/tenant.json`, JSON.stringify(tenant, null, 2), {
      ...options,
      contentType: 'application/json',
    });
    this.remember(tenant);
  }

  /** Creates a tenant with one API key (given, or generated) and returns the key in clear, once. */
  async create(
    tenantId: string,
    name: string,
    apiKey?: string,
  ): Promise<{ tenant: TenantConfig; apiKey: string }> {
    if (!TENANT_ID_PATTERN.test(tenantId)) {
      throw invalidInput(
        'tenant.invalid-id',
        `Tenant id "${tenantId}" must match ${TENANT_ID_PATTERN.source}`,
      );
    }
    const key = apiKey ?? newApiKey();
    const hash = sha256Hex(key);
    const now = new Date().toISOString();
    const tenant: TenantConfig = {
      id: tenantId,
      name,
      createdAt: now,
      apiKeys: [{ id: 'k1', sha256: hash, createdAt: now }],
    };
    await this.write(tenant, { ifNoneMatch: '*' });
    await this.indexKey(hash, tenantId);
    return { tenant, apiKey: key };
  }

  /**
   * Makes `apiKey` the tenant's only key (the embedded runtime's configured key): other keys stop working.
   */
  async replaceKeys(tenantId: string, apiKey: string): Promise<void> {
    const tenant = await this.get(tenantId);
    if (!tenant) throw invalidInput('tenant.unknown', `No tenant ${tenantId}`);
    const hash = sha256Hex(apiKey);
    await this.indexKey(hash, tenantId);
    const stale = tenant.apiKeys.filter((k) => k.sha256 !== hash);
    if (stale.length === 0 && tenant.apiKeys.length === 1) return;
    tenant.apiKeys = [{ id: 'k1', sha256: hash, createdAt: new Date().toISOString() }];
    await this.write(tenant, {});
    for (const key of stale) await this.objects.delete(`api-keys/${key.sha256}`);
    this.cache.clear();
  }

  /** Sets (or, with undefined, removes) the tenant's webhook. */
  setWebhook(tenantId: string, webhook: WebhookConfig | undefined): Promise<TenantConfig> {
    return this.change(tenantId, (tenant) => {
      if (webhook) tenant.webhook = webhook;
      else delete tenant.webhook;
    });
  }

  /** Sets (or, with undefined, removes) the setup of one of the tenant's Business Central companies. */
  setCompany(tenantId: string, companyId: string, setup: CompanySetup | undefined): Promise<TenantConfig> {
    return this.change(tenantId, (tenant) => {
      const companies = { ...tenant.companies };
      if (setup) companies[companyId] = setup;
      else delete companies[companyId];
      tenant.companies = companies;
    });
  }

  /**
   * Read, change, write with If-Match; a concurrent change is read again. `mutate` may throw to refuse
   * the change (nothing is written).
   */
  async change(tenantId: string, mutate: (tenant: TenantConfig) => void): Promise<TenantConfig> {
    for (let i = 0; i < 5; i++) {
      const stored = await this.objects.get(`tenants/${tenantId}/config/tenant.json`);
      if (!stored) throw invalidInput('tenant.unknown', `No tenant ${tenantId}`);
      const tenant = JSON.parse(stored.body.toString('utf8')) as TenantConfig;
      mutate(tenant);
      try {
        await this.write(tenant, { ifMatch: stored.etag });
        return tenant;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
    throw new ConcurrencyError(`tenants/${tenantId}/config/tenant.json`);
  }

  /**
   * Adds an API key to an existing tenant. Read, change and write with If-Match: processes sharing a store
   * that add keys at the same moment keep every one of them.
   */
  async addKey(tenantId: string, apiKey: string): Promise<void> {
    const hash = sha256Hex(apiKey);
    const known = (await this.get(tenantId))?.apiKeys.some((k) => k.sha256 === hash);
    if (!known)
      await this.change(tenantId, (tenant) => {
        if (tenant.apiKeys.some((k) => k.sha256 === hash)) return;
        tenant.apiKeys.push({
          id: `k${tenant.apiKeys.length + 1}`,
          sha256: hash,
          createdAt: new Date().toISOString(),
        });
      });
    await this.indexKey(hash, tenantId);
  }

  private async indexKey(hash: string, tenantId: string): Promise<void> {
    try {
      await this.objects.put(`api-keys/${hash}`, tenantId, { ifNoneMatch: '*', contentType: 'text/plain' });
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      const owner = (await this.objects.get(`api-keys/${hash}`))?.body.toString('utf8');
      if (owner !== tenantId)
        throw invalidInput('tenant.key-in-use', 'This API key belongs to another tenant');
    }
  }

  /** The tenant an API key belongs to, or undefined. Constant-time comparison against the stored hash. */
  async authenticate(apiKey: string): Promise<string | undefined> {
    if (!apiKey || apiKey.length > 512) return undefined;
    const hash = sha256Hex(apiKey);
    const cached = this.cache.get(hash);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.tenantId;
    const stored = await this.objects.get(`api-keys/${hash}`);
    if (!stored) return undefined;
    const tenantId = stored.body.toString('utf8');
    const tenant = await this.get(tenantId);
    const match = tenant?.apiKeys.some((k) => {
      const a = Buffer.from(k.sha256, 'hex');
      const b = Buffer.from(hash, 'hex');
      return a.length === b.length && timingSafeEqual(a, b);
    });
    if (!match) return undefined;
    this.cache.set(hash, { tenantId, at: Date.now() });
    return tenantId;
  }
}

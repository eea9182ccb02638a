import { mkdirSync } from 'node:fs';
import { EInvoiceError } from '../errors';
import type { ActionCatalogue, FlowCatalogue } from '../flows/catalogue';
import type { FeatureCatalogue } from './catalogue';
import { installPackage } from './package';

/**
 * Installs a feature package while the service runs: only for the tenants the operator named
 * (EINVOICE_FEATURE_ADMINS), since a feature installed is there for every tenant that enables it. The
 * package is checked whole first (schema, digests, manifest, flows against the actions, parameters); then it
 * is written to the features folder and its flows run for new documents of the tenants that enable it.
 */
export class FeatureInstaller {
  constructor(
    private readonly catalogue: FeatureCatalogue,
    private readonly flows: FlowCatalogue,
    private readonly actions: ActionCatalogue,
    private readonly root: string | undefined,
    private readonly admins: readonly string[],
  ) {}

  install(tenantId: string, value: unknown): { id: string; version: string } {
    if (!this.admins.includes(tenantId))
      throw new EInvoiceError(
        'feature.forbidden',
        'Only the tenants named in EINVOICE_FEATURE_ADMINS may install features',
        { status: 403 },
      );
    if (!this.root)
      throw new EInvoiceError(
        'feature.no-install-folder',
        'No folder to install features in: set EINVOICE_FEATURES_DIR',
        { status: 409 },
      );
    mkdirSync(this.root, { recursive: true });
    // checked whole (its mappings compiled among the installed ones) before anything was written
    const installed = installPackage(value, this.actions, this.root, this.catalogue);
    this.catalogue.add(installed.feature, installed.formats, this.flows);
    return { id: installed.id, version: installed.version };
  }
}

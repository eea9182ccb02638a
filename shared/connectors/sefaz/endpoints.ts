import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EInvoiceError } from '../../errors';
import { isSefazService, SEFAZ_SERVICE_NAMES, type SefazService } from './soap';
import { isUf, UF_LIST, type Uf } from './ufs';
import { packageRoot } from '../../util/package-root';

/**
 * Where each federative unit sends its NF-e (model 55), as data (`endpoints.json` beside this file): the
 * URLs of the five services per authoriser and environment, the authoriser of each unit (its own SEFAZ, or
 * the virtual SVRS or SVAN that serve units without one) and the contingency authoriser (SVC-AN or SVC-RS)
 * that takes over when the unit's own is down. Read and checked once, when first asked for, then frozen.
 */

/** Produção (tpAmb 1) or homologação, the test environment (tpAmb 2). */
export type SefazEnvironment = 'producao' | 'homologacao';

export const SEFAZ_ENVIRONMENTS: readonly SefazEnvironment[] = ['producao', 'homologacao'];

/** The tpAmb of each environment. */
export const TP_AMB: Readonly<Record<SefazEnvironment, '1' | '2'>> = { producao: '1', homologacao: '2' };

/** The SEFAZ Virtual de Contingência of the Ambiente Nacional, or of Rio Grande do Sul. */
export type SefazContingency = 'svc-an' | 'svc-rs';

export interface EndpointOptions {
  /**
   * Send to this contingency authoriser instead of the unit's own. It must be the one that covers the unit
   * (SVC-AN or SVC-RS, see `contingencyOf`); another is refused (`sefaz.wrong-contingency`), as the SVC would
   * refuse the unit.
   */
  contingency?: SefazContingency;
}

export interface SefazEndpoints {
  /** Authoriser id (`SP`, `SVRS`, `SVC-AN`, …) → environment → service → URL. */
  readonly authorisers: ReadonlyMap<
    string,
    Readonly<Record<SefazEnvironment, Readonly<Record<SefazService, string>>>>
  >;
  /** Unit → its authoriser and its contingency authoriser (`SVC-AN` or `SVC-RS`). */
  readonly ufs: ReadonlyMap<Uf, { readonly authoriser: string; readonly contingency: 'SVC-AN' | 'SVC-RS' }>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The file the endpoints are kept in. */
export function endpointsFile(): string {
  return join(packageRoot(), 'shared', 'connectors', 'sefaz', 'endpoints.json');
}

/**
 * Checks endpoints read from JSON and returns them frozen; throws one error naming every problem with its
 * place in the file: every authoriser has an https URL for each service in both environments, every unit
 * has an authoriser that is listed and a contingency of SVC-AN or SVC-RS.
 */
export function checkEndpoints(data: unknown, file = 'endpoints.json'): SefazEndpoints {
  const problems: string[] = [];
  if (!isObject(data) || !isObject(data.authorisers) || !isObject(data.ufs))
    throw new Error(`${file}: an object with "authorisers" and "ufs" is expected`);
  const authorisers = new Map<string, Record<SefazEnvironment, Record<SefazService, string>>>();
  for (const [id, environments] of Object.entries(data.authorisers)) {
    const byEnvironment = {} as Record<SefazEnvironment, Record<SefazService, string>>;
    for (const environment of SEFAZ_ENVIRONMENTS) {
      const urls = isObject(environments) ? environments[environment] : undefined;
      const at = `/authorisers/${id}/${environment}`;
      if (!isObject(urls)) {
        problems.push(`${at} must map the services to URLs`);
        continue;
      }
      for (const name of Object.keys(urls))
        if (!isSefazService(name)) problems.push(`${at}/${name} is not a service`);
      const byService = {} as Record<SefazService, string>;
      for (const service of SEFAZ_SERVICE_NAMES) {
        const url = urls[service];
        if (typeof url !== 'string' || !/^https:\/\/[^\s/]+\/\S*$/.test(url))
          problems.push(`${at}/${service} must be an https URL`);
        else byService[service] = url;
      }
      byEnvironment[environment] = Object.freeze(byService);
    }
    authorisers.set(id, Object.freeze(byEnvironment));
  }
  const ufs = new Map<Uf, { authoriser: string; contingency: 'SVC-AN' | 'SVC-RS' }>();
  for (const [uf, entry] of Object.entries(data.ufs)) {
    const at = `/ufs/${uf}`;
    if (!isUf(uf)) problems.push(`${at} is not a federative unit`);
    else if (!isObject(entry) || typeof entry.authoriser !== 'string' || !authorisers.has(entry.authoriser))
      problems.push(`${at}/authoriser must be one of the authorisers`);
    else if (entry.contingency !== 'SVC-AN' && entry.contingency !== 'SVC-RS')
      problems.push(`${at}/contingency must be SVC-AN or SVC-RS`);
    else if (!authorisers.has(entry.contingency))
      problems.push(`${at}/contingency ${entry.contingency} is not listed`);
    else ufs.set(uf, Object.freeze({ authoriser: entry.authoriser, contingency: entry.contingency }));
  }
  const missing = UF_LIST.filter((uf) => !Object.prototype.hasOwnProperty.call(data.ufs, uf));
  if (missing.length > 0) problems.push(`/ufs lacks ${missing.join(', ')}`);
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return Object.freeze({ authorisers, ufs });
}

let loaded: SefazEndpoints | undefined;

/** The endpoints of `endpoints.json`, read and checked the first time they are asked for. */
export function sefazEndpoints(): SefazEndpoints {
  if (!loaded) {
    const file = endpointsFile();
    loaded = checkEndpoints(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
  }
  return loaded;
}

function unitOf(uf: string): { uf: Uf; authoriser: string; contingency: 'SVC-AN' | 'SVC-RS' } {
  const unit = isUf(uf) ? sefazEndpoints().ufs.get(uf) : undefined;
  if (!isUf(uf) || !unit)
    throw new EInvoiceError(
      'sefaz.unknown-uf',
      `Unknown federative unit "${uf}"; known: ${UF_LIST.join(', ')}`,
      {
        details: [{ path: '/uf', message: `"${uf}" is not a unit` }],
      },
    );
  return { uf, ...unit };
}

/** The authoriser of a unit's NF-e (`SP`, `SVRS`, `SVAN`, …). Throws `sefaz.unknown-uf`. */
export function authoriserOf(uf: string): string {
  return unitOf(uf).authoriser;
}

/** The contingency authoriser that covers a unit. Throws `sefaz.unknown-uf`. */
export function contingencyOf(uf: string): SefazContingency {
  return unitOf(uf).contingency === 'SVC-AN' ? 'svc-an' : 'svc-rs';
}

/**
 * The URL of `service` for a unit's NF-e in an environment: at the unit's authoriser, or, with
 * `contingency`, at the SVC that covers the unit. Throws `sefaz.unknown-uf`, `sefaz.unknown-service`,
 * `sefaz.unknown-environment` or `sefaz.wrong-contingency` (an SVC that does not cover the unit).
 */
export function endpointOf(
  uf: string,
  environment: SefazEnvironment,
  service: SefazService,
  options: EndpointOptions = {},
): string {
  const unit = unitOf(uf);
  if (!SEFAZ_ENVIRONMENTS.includes(environment))
    throw new EInvoiceError(
      'sefaz.unknown-environment',
      `Unknown environment "${String(environment)}"; known: ${SEFAZ_ENVIRONMENTS.join(', ')}`,
    );
  if (!isSefazService(service))
    throw new EInvoiceError(
      'sefaz.unknown-service',
      `Unknown SEFAZ service "${String(service)}"; known: ${SEFAZ_SERVICE_NAMES.join(', ')}`,
    );
  let authoriser = unit.authoriser;
  if (options.contingency !== undefined) {
    const wanted =
      options.contingency === 'svc-an' ? 'SVC-AN' : options.contingency === 'svc-rs' ? 'SVC-RS' : '';
    if (wanted !== unit.contingency)
      throw new EInvoiceError(
        'sefaz.wrong-contingency',
        `${unit.uf} is covered by ${unit.contingency}, not ${String(options.contingency)}`,
      );
    authoriser = wanted;
  }
  return sefazEndpoints().authorisers.get(authoriser)![environment][service];
}

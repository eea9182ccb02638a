import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { invalidInput, type ProblemDetail } from '../errors';
import { checkFlow, FlowCatalogue, type ActionCatalogue } from '../flows/catalogue';
import type { FeatureRef, FlowDefinition, LoadedFlow } from '../flows/types';
import type { OutputFormat } from '../formats/format';
import type { DocumentStatus } from '../model/record';
import { compileMappings, readMappingSource, type MappingSource } from '../formats/mapping';
import { deepFreeze, parseJson } from '../util/json';
import { packageRoot } from '../util/package-root';
import { ajv, compileSchemaFile, toProblems } from '../validation/schema';

/** A feature's manifest (`feature.json`), as `flows/schema/feature.schema.json` describes it. */
export interface FeatureManifest {
  id: string;
  version: string;
  title: string;
  description?: string;
  country?: string;
  direction: 'outbound' | 'inbound' | 'both';
  flows?: string[];
  formats?: string[];
  codeLists?: string[];
  samples?: string[];
  parameters?: Record<string, unknown>;
  secrets?: string[];
  certificates?: string[];
  /** Submissions that refer to an earlier document (cancel, correct, ...), by kind. */
  related?: Record<string, RelatedKind>;
  /** The demo company's setup (`einvoice serve --demo`), relative to the feature's folder. */
  demo?: string;
  /** The adapter of the authority's own messages to events (`sdi`): see shared/features/event-adapters.ts. */
  events?: 'sdi';
  /**
   * The JSON Schema of the feature's extension of the canonical document (its `extensions` values: the
   * invoice's, each line's and each VAT breakdown entry's), checked by the `validate` step of its flows.
   */
  extensions?: string;
}

/** A kind of related submission: the flow that runs it, and the statuses of the original it may follow. */
export interface RelatedKind {
  flow: string;
  from: DocumentStatus[];
  description?: string;
}

/** A feature as loaded: its manifest, where it came from, and its checked flows and mappings. */
export interface LoadedFeature {
  readonly manifest: FeatureManifest;
  /** The feature's folder. */
  readonly dir: string;
  readonly flows: readonly FlowDefinition[];
  readonly formats: readonly MappingSource[];
  /** The schema of its extension of the canonical document (`extensions` of the manifest), parsed. */
  readonly extensions?: object;
}

const MANIFEST = 'feature.json';

const validateManifest = () =>
  compileSchemaFile<FeatureManifest>(join(packageRoot(), 'flows', 'schema', 'feature.schema.json'));

/** `MAJOR.MINOR.PATCH` compared as numbers: negative when `a` is the older. */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** A file a manifest names, inside the feature's folder; undefined (with a problem) when it is not there. */
function fileOf(dir: string, name: string, at: string, problems: ProblemDetail[]): string | undefined {
  const file = resolve(dir, name);
  if (relative(dir, file).startsWith(`..${sep}`)) {
    problems.push({
      path: at,
      code: 'feature.outside',
      message: `${name} is not inside the feature's folder`,
    });
    return undefined;
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    problems.push({ path: at, code: 'feature.missing-file', message: `${name} does not exist` });
    return undefined;
  }
  return file;
}

/** A feature read from its folder, its flows parsed but not yet checked against the actions. */
interface ReadFeature {
  manifest: FeatureManifest;
  dir: string;
  /** Each flow named by the manifest, parsed (undefined when the file is missing or not JSON). */
  flows: Array<{ file: string; value: unknown } | undefined>;
  formats: MappingSource[];
  extensions?: object;
}

/**
 * Reads one feature folder: the manifest against its schema, every file it names present and inside the
 * folder, the flows parsed, each mapping against the mapping schema, the parameters' schema compiled.
 */
function readFeature(
  dir: string,
): { feature: ReadFeature; problems: ProblemDetail[] } | { problems: ProblemDetail[] } {
  const manifestFile = join(dir, MANIFEST);
  const where = (file: string, path = '') => `${file}#${path}`;
  const parsed = parseJson(readFileSync(manifestFile, 'utf8'));
  if (!parsed.ok)
    return { problems: [{ path: manifestFile, code: 'feature.invalid-json', message: parsed.message }] };
  const validate = validateManifest();
  if (!validate(parsed.value))
    return {
      problems: toProblems(validate.errors).map((p) => ({
        ...p,
        path: where(manifestFile, p.path),
        code: 'feature.invalid-manifest',
      })),
    };
  const manifest = parsed.value;
  const problems: ProblemDetail[] = [];
  const flows = (manifest.flows ?? []).map((name, i) => {
    const file = fileOf(dir, name, where(manifestFile, `/flows/${i}`), problems);
    if (!file) return undefined;
    const flow = parseJson(readFileSync(file, 'utf8'));
    if (!flow.ok) {
      problems.push({ path: file, code: 'flow.invalid-json', message: flow.message });
      return undefined;
    }
    return { file, value: flow.value };
  });
  const formats: MappingSource[] = [];
  (manifest.formats ?? []).forEach((name, i) => {
    const file = fileOf(dir, name, where(manifestFile, `/formats/${i}`), problems);
    if (!file) return;
    try {
      formats.push(readMappingSource(readFileSync(file, 'utf8'), file));
    } catch (error) {
      const details = (error as { details?: ProblemDetail[] }).details ?? [];
      problems.push(...(details.length > 0 ? details : [{ path: file, message: (error as Error).message }]));
    }
  });
  for (const [key, names] of [
    ['codeLists', manifest.codeLists],
    ['samples', manifest.samples],
  ] as const)
    (names ?? []).forEach((name, i) => fileOf(dir, name, where(manifestFile, `/${key}/${i}`), problems));
  if (manifest.demo !== undefined) fileOf(dir, manifest.demo, where(manifestFile, '/demo'), problems);
  let extensions: object | undefined;
  const extensionsFile =
    manifest.extensions === undefined
      ? undefined
      : fileOf(dir, manifest.extensions, where(manifestFile, '/extensions'), problems);
  if (extensionsFile) {
    const schema = parseJson(readFileSync(extensionsFile, 'utf8'));
    try {
      if (!schema.ok) throw new Error(schema.message);
      ajv().compile(schema.value as object);
      extensions = schema.value as object;
    } catch (error) {
      problems.push({
        path: extensionsFile,
        code: 'feature.invalid-extensions',
        message: `not a usable JSON Schema: ${(error as Error).message}`,
      });
    }
  }
  const declared =
    (manifest.parameters as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  for (const key of ['certificates', 'secrets'] as const)
    (manifest[key] ?? []).forEach((name, i) => {
      if (!Object.hasOwn(declared, name))
        problems.push({
          path: where(manifestFile, `/${key}/${i}`),
          code: 'feature.unknown-parameter',
          message: `"${name}" is not one of the parameters (properties of /parameters)`,
        });
    });
  if (manifest.parameters !== undefined) {
    try {
      ajv().compile(manifest.parameters);
    } catch (error) {
      problems.push({
        path: where(manifestFile, '/parameters'),
        code: 'feature.invalid-parameters',
        message: `not a usable JSON Schema: ${(error as Error).message}`,
      });
    }
  }
  return { feature: { manifest, dir, flows, formats, ...(extensions ? { extensions } : {}) }, problems };
}

/** Checks a read feature's flows against the actions; the feature, or every problem found. */
function checkFeature(
  read: ReadFeature,
  actions: ActionCatalogue,
): { feature: LoadedFeature; problems: ProblemDetail[] } {
  const where = (file: string, path = '') => `${file}#${path}`;
  const problems: ProblemDetail[] = [];
  const flows: FlowDefinition[] = [];
  const own = new Set(formatIds(read.formats));
  for (const flow of read.flows) {
    if (!flow) continue;
    const found = checkFlow(flow.value, actions, own);
    if (found.length > 0)
      problems.push(
        ...found.map((p) => ({ ...p, path: where(flow.file, p.path), code: p.code ?? 'flow.invalid' })),
      );
    else flows.push(flow.value as FlowDefinition);
  }
  for (const [kind, related] of Object.entries(read.manifest.related ?? {}))
    if (
      !read.manifest.flows?.length ||
      !read.flows.some((f) => (f?.value as { id?: unknown })?.id === related.flow)
    )
      problems.push({
        path: where(join(read.dir, MANIFEST), `/related/${kind}/flow`),
        code: 'feature.unknown-flow',
        message: `"${related.flow}" is not one of the feature's flows`,
      });
  const ids = new Set<string>();
  flows.forEach((flow) => {
    if (ids.has(flow.id))
      problems.push({
        path: join(read.dir, MANIFEST),
        code: 'flow.duplicate',
        message: `flow "${flow.id}" is in the feature twice`,
      });
    ids.add(flow.id);
  });
  return {
    feature: {
      manifest: read.manifest,
      dir: read.dir,
      flows,
      formats: read.formats,
      ...(read.extensions ? { extensions: read.extensions } : {}),
    },
    problems,
  };
}

/**
 * Loads one feature folder: the manifest against its schema, every file it names present and inside the
 * folder, each flow checked as the flow catalogue checks it, each mapping against the mapping schema, the
 * parameters' schema compiled. Every problem is listed, each with the file and JSON path.
 */
export function loadFeature(
  dir: string,
  actions: ActionCatalogue,
): { feature: LoadedFeature } | { problems: ProblemDetail[] } {
  const read = readFeature(dir);
  if (!('feature' in read)) return read;
  const checked = checkFeature(read.feature, actions);
  const problems = [...read.problems, ...checked.problems];
  // flows first, as a reader of the manifest meets them
  problems.sort((a, b) => rank(a) - rank(b));
  return problems.length > 0 ? { problems } : { feature: checked.feature };
}

const rank = (p: ProblemDetail) => (p.code === 'flow.invalid-json' || p.path?.includes('#/steps') ? 0 : 1);

/** The ids of mappings (the mapping schema requires one; a mapping that failed it has none). */
const formatIds = (sources: readonly MappingSource[]) =>
  sources.flatMap((m) => (typeof m.id === 'string' ? [m.id] : []));

/** The flow and format ids a feature version uses, to find those another feature uses too. */
export interface FeatureIds {
  id: string;
  /** Where the feature is, for problems. */
  where: string;
  flows: string[];
  formats: string[];
}

/**
 * Flow and format ids `feature` shares with a feature of another id among `others` (versions of one feature
 * may share them): each would make the service's start fail, so each is a problem at load or import.
 */
export function idConflicts(feature: FeatureIds, others: Iterable<FeatureIds>): ProblemDetail[] {
  const problems: ProblemDetail[] = [];
  const seen = new Set<string>();
  for (const other of others) {
    if (other.id === feature.id) continue;
    for (const [kind, mine, theirs] of [
      ['flow', feature.flows, other.flows],
      ['format', feature.formats, other.formats],
    ] as const)
      for (const id of mine)
        if (theirs.includes(id) && !seen.has(`${kind}:${id}`)) {
          seen.add(`${kind}:${id}`);
          problems.push({
            path: feature.where,
            code: `feature.${kind}-conflict`,
            message: `${kind} "${id}" is also in feature ${other.id}: ids are unique across features`,
          });
        }
  }
  return problems;
}

const idsOfRead = (f: ReadFeature): FeatureIds => ({
  id: f.manifest.id,
  where: join(f.dir, MANIFEST),
  flows: f.flows
    .map((flow) => (flow?.value as { id?: unknown } | undefined)?.id)
    .filter((id): id is string => typeof id === 'string'),
  formats: formatIds(f.formats),
});

/** The flow and format ids of a loaded feature version; `where` names it in problems. */
export const idsOfLoaded = (
  feature: Pick<LoadedFeature, 'manifest' | 'flows' | 'formats'>,
  where: string,
): FeatureIds => ({
  id: feature.manifest.id,
  where,
  flows: feature.flows.map((f) => f.id),
  formats: formatIds(feature.formats),
});

/** The key of a feature version: `id@version`. */
export const featureKey = (ref: FeatureRef) => `${ref.id}@${ref.version}`;

/**
 * Features read from their folders, their mappings compiled, their flows not yet checked: the formats they
 * bring must be registered before the actions that check flows exist.
 */
export class FeatureSet {
  private constructor(
    private readonly read: ReadFeature[],
    private readonly problems: ProblemDetail[],
    /** Compiled formats by feature version (`id@version`). */
    readonly formats: ReadonlyMap<string, readonly OutputFormat[]>,
  ) {}

  /** Reads every folder with a `feature.json` directly under each of `roots`. */
  static read(roots: readonly string[]): FeatureSet {
    const features: ReadFeature[] = [];
    const problems: ProblemDetail[] = [];
    const seen = new Map<string, string>();
    for (const root of roots) {
      const dirs = readdirSync(root, { withFileTypes: true })
        // a dot folder is an install that has not finished (packages are written aside, then renamed)
        .filter(
          (entry) =>
            entry.isDirectory() &&
            !entry.name.startsWith('.') &&
            existsSync(join(root, entry.name, MANIFEST)),
        )
        .map((entry) => join(root, entry.name))
        .sort();
      for (const dir of dirs) {
        const read = readFeature(dir);
        problems.push(...read.problems);
        if (!('feature' in read)) continue;
        const key = featureKey(read.feature.manifest);
        const first = seen.get(key);
        if (first !== undefined) {
          problems.push({
            path: join(dir, MANIFEST),
            code: 'feature.duplicate',
            message: `${key} is installed twice (also in ${first})`,
          });
          continue;
        }
        seen.set(key, dir);
        features.push(read.feature);
      }
    }
    // ids are unique across features (the versions of one feature may share them); reported once per pair
    const ids = features.map(idsOfRead);
    ids.forEach((mine, i) => problems.push(...idConflicts(mine, ids.slice(0, i))));
    // the mappings of each feature compile (one may extend a mapping of another feature)
    const formats = new Map<string, OutputFormat[]>();
    for (const feature of features) {
      const others = features.filter((f) => f !== feature).flatMap((f) => f.formats);
      try {
        formats.set(featureKey(feature.manifest), compileMappings([...feature.formats], others));
      } catch (error) {
        const details = (error as { details?: ProblemDetail[] }).details ?? [];
        problems.push(
          ...(details.length > 0
            ? details
            : [
                {
                  path: join(feature.dir, MANIFEST),
                  code: 'format.invalid-mapping',
                  message: (error as Error).message,
                },
              ]),
        );
      }
    }
    return new FeatureSet(features, problems, formats);
  }

  /** The formats of the newest version of each feature. */
  newestFormats(): OutputFormat[] {
    const newest = new Map<string, ReadFeature>();
    for (const f of this.read) {
      const other = newest.get(f.manifest.id);
      if (!other || compareVersions(f.manifest.version, other.manifest.version) > 0)
        newest.set(f.manifest.id, f);
    }
    return [...newest.values()].flatMap((f) => this.formats.get(featureKey(f.manifest)) ?? []);
  }

  /** Checks every flow against the actions; the catalogue, or the whole set refused with every problem. */
  check(actions: ActionCatalogue): FeatureCatalogue {
    const problems = [...this.problems];
    const loaded: LoadedFeature[] = [];
    for (const read of this.read) {
      const checked = checkFeature(read, actions);
      problems.push(...checked.problems);
      loaded.push(checked.feature);
    }
    if (problems.length > 0) throw invalidInput('feature.invalid', 'Invalid features', problems);
    return new FeatureCatalogue(loaded, new Map(this.formats));
  }
}

/**
 * The features installed: every folder with a `feature.json` directly under each of `roots` (the shipped
 * `flows/` first, then the user's). Several versions of a feature may be installed; the same id and version
 * twice is refused. Loaded features are frozen: a version, once loaded, does not change.
 */
export class FeatureCatalogue {
  private readonly byId = new Map<string, LoadedFeature[]>();

  constructor(
    features: readonly LoadedFeature[],
    private readonly compiled: Map<string, readonly OutputFormat[]> = new Map(),
  ) {
    for (const feature of features) {
      const versions = this.byId.get(feature.manifest.id) ?? [];
      versions.push(deepFreeze(feature));
      this.byId.set(feature.manifest.id, versions);
    }
    for (const versions of this.byId.values())
      versions.sort((a, b) => compareVersions(b.manifest.version, a.manifest.version));
  }

  /**
   * Adds a version installed while the service runs (a package imported); its flows go to `flows` too.
   * A version already installed is refused.
   */
  add(feature: LoadedFeature, formats: readonly OutputFormat[], flows: FlowCatalogue): void {
    const key = featureKey(feature.manifest);
    if (this.get(feature.manifest.id, feature.manifest.version))
      throw invalidInput('feature.duplicate', `${key} is already installed`);
    const frozen = deepFreeze(feature);
    flows.add(this.flowsOf(frozen));
    this.compiled.set(key, formats);
    const versions = this.byId.get(feature.manifest.id) ?? [];
    versions.push(frozen);
    versions.sort((a, b) => compareVersions(b.manifest.version, a.manifest.version));
    this.byId.set(feature.manifest.id, versions);
  }

  /** The flow and format ids of every installed version. */
  ids(): FeatureIds[] {
    return [...this.byId.values()].flatMap((versions) =>
      versions.map((v) => idsOfLoaded(v, join(v.dir, MANIFEST))),
    );
  }

  /** Every installed feature's mappings, to compile a new feature's against (it may extend them). */
  mappingSources(): MappingSource[] {
    return [...this.byId.values()].flatMap((versions) => versions.flatMap((v) => [...v.formats]));
  }

  /** Loads the feature folders under `roots`; refuses the whole set with every problem of every feature. */
  static load(roots: readonly string[], actions: ActionCatalogue): FeatureCatalogue {
    return FeatureSet.read(roots).check(actions);
  }

  /** The flows of the newest version of each feature, with the file each came from. */
  flows(): LoadedFlow[] {
    return [...this.byId.values()].flatMap((versions) => this.flowsOf(versions[0]!));
  }

  /** The flows of every installed version of every feature. */
  allFlows(): LoadedFlow[] {
    return [...this.byId.values()].flatMap((versions) => versions.flatMap((v) => this.flowsOf(v)));
  }

  private flowsOf(feature: LoadedFeature): LoadedFlow[] {
    const ref = { id: feature.manifest.id, version: feature.manifest.version };
    return feature.flows.map((flow, i) => ({
      flow,
      source: join(feature.dir, feature.manifest.flows![i]!),
      feature: ref,
    }));
  }

  /** The compiled formats of a feature version. */
  formatsOf(ref: FeatureRef): readonly OutputFormat[] {
    return this.compiled.get(featureKey(ref)) ?? [];
  }

  private readonly extensionChecks = new Map<string, ((document: unknown) => ProblemDetail[]) | undefined>();

  /**
   * The check of a feature version's extension of the canonical document (its schema, compiled once): every
   * problem with its JSON path, code `extension.invalid`; undefined when the feature has none.
   */
  extensionCheck(ref: FeatureRef): ((document: unknown) => ProblemDetail[]) | undefined {
    const key = featureKey(ref);
    if (!this.extensionChecks.has(key)) {
      const schema = this.get(ref.id, ref.version)?.extensions;
      const validate = schema ? ajv().compile(schema) : undefined;
      this.extensionChecks.set(
        key,
        validate &&
          ((document) =>
            validate(document)
              ? []
              : toProblems(validate.errors).map((p) => ({ ...p, code: 'extension.invalid' }))),
      );
    }
    return this.extensionChecks.get(key);
  }

  /** The installed features, each with its versions, newest first. */
  list(): Array<{ id: string; versions: readonly LoadedFeature[] }> {
    return [...this.byId]
      .map(([id, versions]) => ({ id, versions }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** A feature's version, or its newest when no version is given; undefined when it is not installed. */
  get(id: string, version?: string): LoadedFeature | undefined {
    const versions = this.byId.get(id);
    if (!versions) return undefined;
    return version === undefined ? versions[0] : versions.find((v) => v.manifest.version === version);
  }
}

/**
 * The flows the service runs: those of every installed version of the features under `roots` and flow
 * files placed directly in the first root (outside any feature).
 */
export function loadFlowCatalogue(
  roots: readonly string[],
  actions: ActionCatalogue,
  features: FeatureCatalogue = FeatureCatalogue.load(roots, actions),
): FlowCatalogue {
  return FlowCatalogue.load(roots[0]!, actions, features.allFlows());
}

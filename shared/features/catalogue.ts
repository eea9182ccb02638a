import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { invalidInput, type ProblemDetail } from '../errors';
import { checkFlow, FlowCatalogue, type ActionCatalogue } from '../flows/catalogue';
import type { FlowDefinition, LoadedFlow } from '../flows/types';
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
}

/** A feature as loaded: its manifest, where it came from, and its checked flows and mappings. */
export interface LoadedFeature {
  readonly manifest: FeatureManifest;
  /** The feature's folder. */
  readonly dir: string;
  readonly flows: readonly FlowDefinition[];
  readonly formats: readonly MappingSource[];
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

/**
 * Loads one feature folder: the manifest against its schema, every file it names present and inside the
 * folder, each flow checked as the flow catalogue checks it, each mapping against the mapping schema and
 * compiled, the parameters' schema compiled. Every problem is listed, each with the file and JSON path.
 */
export function loadFeature(
  dir: string,
  actions: ActionCatalogue,
): { feature: LoadedFeature } | { problems: ProblemDetail[] } {
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
  const flows: FlowDefinition[] = [];
  (manifest.flows ?? []).forEach((name, i) => {
    const file = fileOf(dir, name, where(manifestFile, `/flows/${i}`), problems);
    if (!file) return;
    const flow = parseJson(readFileSync(file, 'utf8'));
    if (!flow.ok) return problems.push({ path: file, code: 'flow.invalid-json', message: flow.message });
    const found = checkFlow(flow.value, actions);
    if (found.length > 0)
      return problems.push(
        ...found.map((p) => ({ ...p, path: where(file, p.path), code: p.code ?? 'flow.invalid' })),
      );
    flows.push(flow.value as FlowDefinition);
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
  const ids = new Set<string>();
  flows.forEach((flow) => {
    if (ids.has(flow.id))
      problems.push({
        path: manifestFile,
        code: 'flow.duplicate',
        message: `flow "${flow.id}" is in the feature twice`,
      });
    ids.add(flow.id);
  });
  if (problems.length > 0) return { problems };
  return { feature: { manifest, dir, flows, formats } };
}

/**
 * The features installed: every folder with a `feature.json` directly under each of `roots` (the shipped
 * `flows/` first, then the user's). Several versions of a feature may be installed; the same id and version
 * twice is refused. Loaded features are frozen: a version, once loaded, does not change.
 */
export class FeatureCatalogue {
  private readonly byId = new Map<string, LoadedFeature[]>();

  constructor(features: readonly LoadedFeature[]) {
    for (const feature of features) {
      const versions = this.byId.get(feature.manifest.id) ?? [];
      versions.push(deepFreeze(feature));
      this.byId.set(feature.manifest.id, versions);
    }
    for (const versions of this.byId.values())
      versions.sort((a, b) => compareVersions(b.manifest.version, a.manifest.version));
  }

  /** Loads the feature folders under `roots`; refuses the whole set with every problem of every feature. */
  static load(roots: readonly string[], actions: ActionCatalogue): FeatureCatalogue {
    const features: LoadedFeature[] = [];
    const problems: ProblemDetail[] = [];
    const seen = new Map<string, string>();
    for (const root of roots) {
      const dirs = readdirSync(root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, MANIFEST)))
        .map((entry) => join(root, entry.name))
        .sort();
      for (const dir of dirs) {
        const loaded = loadFeature(dir, actions);
        if ('problems' in loaded) {
          problems.push(...loaded.problems);
          continue;
        }
        const key = `${loaded.feature.manifest.id}@${loaded.feature.manifest.version}`;
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
        features.push(loaded.feature);
      }
    }
    // the mappings of each feature compile (one may extend a mapping of another feature)
    for (const feature of features) {
      const others = features.filter((f) => f !== feature).flatMap((f) => f.formats);
      try {
        compileMappings([...feature.formats], others);
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
    if (problems.length > 0) throw invalidInput('feature.invalid', 'Invalid features', problems);
    return new FeatureCatalogue(features);
  }

  /** The flows of the newest version of each feature, with the file each came from. */
  flows(): LoadedFlow[] {
    return [...this.byId.values()].flatMap((versions) => {
      const newest = versions[0]!;
      return newest.flows.map((flow, i) => ({ flow, source: join(newest.dir, newest.manifest.flows![i]!) }));
    });
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
 * The flows the service runs from a flows folder: those of the features in its sub-folders (the newest
 * version of each) and flow files placed directly in it.
 */
export function loadFlowCatalogue(dir: string, actions: ActionCatalogue): FlowCatalogue {
  return FlowCatalogue.load(dir, actions, FeatureCatalogue.load([dir], actions).flows());
}

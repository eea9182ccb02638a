import type { OutputFormat } from '../formats/format';
import { compileMappings } from '../formats/mapping';
import type { ValidateFunction } from 'ajv/dist/2020';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { invalidInput, type ProblemDetail } from '../errors';
import type { ActionCatalogue } from '../flows/catalogue';
import { isObject, parseJson } from '../util/json';
import { ajv, toProblems } from '../validation/schema';
import {
  featureKey,
  idConflicts,
  idsOfLoaded,
  loadFeature,
  type FeatureCatalogue,
  type FeatureManifest,
  type LoadedFeature,
} from './catalogue';

/**
 * A feature package: one JSON document that carries a feature folder (its `feature.json` and every file the
 * manifest names) from one installation to another, each file with its SHA-256 so that a damaged or altered
 * file is noticed before anything is installed.
 */
export const FEATURE_PACKAGE_FORMAT = 'einvoice-feature/1';

/** The most files a package may carry. */
export const MAX_PACKAGE_FILES = 500;

const MANIFEST = 'feature.json';

/** One file of a package, its path relative to the feature's folder with `/` separators. */
export interface FeaturePackageFile {
  path: string;
  /** SHA-256 of the file's bytes, lowercase hex. */
  sha256: string;
  /** The file's length in bytes. */
  size: number;
  /** `utf8` for text (valid UTF-8 without NUL), `base64` for anything else. */
  encoding: 'utf8' | 'base64';
  content: string;
}

/** A feature folder as one JSON-serialisable value, `feature.json` its first file. */
export interface FeaturePackage {
  format: typeof FEATURE_PACKAGE_FORMAT;
  id: string;
  version: string;
  createdAt?: string;
  files: FeaturePackageFile[];
}

/** A file of a checked package: its path and its bytes. */
export interface UnpackedFile {
  readonly path: string;
  readonly bytes: Buffer;
}

/** A package that passed every check: the feature as it loads (without a folder) and its files. */
export interface CheckedPackage {
  readonly feature: Omit<LoadedFeature, 'dir'>;
  readonly files: readonly UnpackedFile[];
  /** Its mappings compiled against the installed features' (when they were given). */
  readonly formats: readonly OutputFormat[];
}

/**
 * A path inside the feature's folder: relative, `/` separators, no empty, `.` or `..` segment, no backslash,
 * colon or control character (none of which a file name needs, and each of which can lead a writer out of
 * the folder or means something else on another system).
 */
const PATH_PATTERN =
  '^(?!\\.\\.?(/|$))(?!.*/\\.\\.?(/|$))[^/\\\\:\\u0000-\\u001f]+(/[^/\\\\:\\u0000-\\u001f]+)*$';
const SAFE_PATH = new RegExp(PATH_PATTERN, 'u');

/** JSON Schema of a feature package; `id` and `version` as the manifest's schema has them. */
export const FEATURE_PACKAGE_SCHEMA = {
  $id: 'https://einvoice.local/schemas/feature-package.schema.json',
  title: 'Feature package',
  type: 'object',
  required: ['format', 'id', 'version', 'files'],
  additionalProperties: false,
  properties: {
    format: { const: FEATURE_PACKAGE_FORMAT },
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    version: { type: 'string', pattern: '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$' },
    createdAt: { type: 'string', format: 'date-time' },
    files: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_PACKAGE_FILES,
      items: {
        type: 'object',
        required: ['path', 'sha256', 'size', 'encoding', 'content'],
        additionalProperties: false,
        properties: {
          path: { type: 'string', maxLength: 1024, pattern: PATH_PATTERN },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          size: { type: 'integer', minimum: 0 },
          encoding: { enum: ['utf8', 'base64'] },
          content: { type: 'string' },
        },
      },
    },
  },
} as const;

let compiled: ValidateFunction<FeaturePackage> | undefined;

/** The package schema, compiled once per process. */
const validatePackage = () => (compiled ??= ajv().compile<FeaturePackage>(FEATURE_PACKAGE_SCHEMA));

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** `file` under `base`, or undefined when it would be outside it. */
function inside(base: string, path: string): string | undefined {
  const file = resolve(base, path);
  const rel = relative(base, file);
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? undefined : file;
}

/** A file's bytes as package content: text when they are valid UTF-8 without NUL, else base64. */
function encode(path: string, bytes: Buffer): FeaturePackageFile {
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  const utf8 = text !== undefined && !text.includes('\u0000') && Buffer.from(text, 'utf8').equals(bytes);
  return {
    path,
    sha256: sha256(bytes),
    size: bytes.length,
    encoding: utf8 ? 'utf8' : 'base64',
    content: utf8 ? text! : bytes.toString('base64'),
  };
}

/** A package file's bytes; undefined when base64 content is not canonical base64. */
function decode(file: Pick<FeaturePackageFile, 'encoding' | 'content'>): Buffer | undefined {
  if (file.encoding === 'utf8') return Buffer.from(file.content, 'utf8');
  const bytes = Buffer.from(file.content, 'base64');
  return bytes.toString('base64') === file.content ? bytes : undefined;
}

/** The paths, relative to the folder with `/` separators, of `feature.json` and every file the manifest names. */
function manifestFiles(dir: string, manifest: FeatureManifest): string[] {
  const named = [
    manifest.flows,
    manifest.formats,
    manifest.codeLists,
    manifest.samples,
    manifest.demo ? [manifest.demo] : [],
    manifest.extensions ? [manifest.extensions] : [],
  ].flatMap((n) => n ?? []);
  const paths = named.map((name) => relative(dir, resolve(dir, name)).split(sep).join('/'));
  return [...new Set([MANIFEST, ...paths])];
}

/**
 * Packs a feature folder: `feature.json` first, then every file the manifest names (flows, formats, code
 * lists, samples, demo company), each once. Files in the folder that the manifest does not name are not packed. The
 * folder is loaded first and refused (`feature.invalid`) with every problem when it does not load, so that
 * a package is only made of a feature that works. `createdAt` is recorded when given: packing the same
 * folder twice without it gives the same package.
 */
export function packFeature(dir: string, actions: ActionCatalogue, createdAt?: Date): FeaturePackage {
  const folder = resolve(dir);
  if (!existsSync(join(folder, MANIFEST)))
    throw invalidInput('feature.invalid', `${folder} is not a feature folder`, [
      { path: join(folder, MANIFEST), code: 'feature.missing-file', message: `${MANIFEST} does not exist` },
    ]);
  const loaded = loadFeature(folder, actions);
  if (!('feature' in loaded))
    throw invalidInput('feature.invalid', `${folder} is not a valid feature`, loaded.problems);
  const { manifest } = loaded.feature;
  const pack: FeaturePackage = {
    format: FEATURE_PACKAGE_FORMAT,
    id: manifest.id,
    version: manifest.version,
    ...(createdAt ? { createdAt: createdAt.toISOString() } : {}),
    files: manifestFiles(folder, manifest).map((path) => encode(path, readFileSync(join(folder, path)))),
  };
  // a folder the manifest accepts may still not make a valid package (too many files, a name with a colon)
  const validate = validatePackage();
  if (!validate(pack))
    throw invalidInput('feature.invalid', `${folder} cannot be packed`, toProblems(validate.errors));
  return pack;
}

/** A file entry's fields when they have the types the schema asks for; undefined otherwise. */
function entryOf(value: unknown): FeaturePackageFile | undefined {
  if (!isObject(value)) return undefined;
  const { path, sha256: digest, size, encoding, content } = value;
  if (typeof path !== 'string' || typeof content !== 'string') return undefined;
  if (encoding !== 'utf8' && encoding !== 'base64') return undefined;
  return { path, sha256: typeof digest === 'string' ? digest : '', size: Number(size), encoding, content };
}

/** Each file's content against its encoding, SHA-256 and size; the bytes of every file that could be decoded. */
function checkDigests(entries: ReadonlyArray<FeaturePackageFile | undefined>, problems: ProblemDetail[]) {
  return entries.map((entry, i) => {
    if (!entry) return undefined;
    const bytes = decode(entry);
    if (!bytes) {
      problems.push({
        path: `/files/${i}/content`,
        code: 'package.invalid-base64',
        message: 'is not base64',
      });
      return undefined;
    }
    const actual = sha256(bytes);
    if (/^[0-9a-f]{64}$/.test(entry.sha256) && actual !== entry.sha256)
      problems.push({
        path: `/files/${i}/sha256`,
        code: 'package.digest-mismatch',
        message: `${entry.path}: the content's SHA-256 is ${actual}`,
      });
    if (Number.isInteger(entry.size) && entry.size >= 0 && entry.size !== bytes.length)
      problems.push({
        path: `/files/${i}/size`,
        code: 'package.size-mismatch',
        message: `${entry.path}: the content is ${bytes.length} bytes`,
      });
    return bytes;
  });
}

/**
 * Paths that would land on the same file: the same path twice, paths that differ only in case (one file on
 * a case-insensitive disk), and a file whose path is a folder of another file's.
 */
function checkPaths(entries: ReadonlyArray<FeaturePackageFile | undefined>, problems: ProblemDetail[]): void {
  const files = new Map<string, number>();
  const folders = new Map<string, number>();
  entries.forEach((entry, i) => {
    if (!entry) return;
    const key = entry.path.toLowerCase();
    const prefixes = key
      .split('/')
      .slice(0, -1)
      .map((_, n, parts) => parts.slice(0, n + 1).join('/'));
    const first = files.get(key);
    const under = folders.get(key) ?? prefixes.map((p) => files.get(p)).find((n) => n !== undefined);
    if (first !== undefined)
      problems.push({
        path: `/files/${i}/path`,
        code: 'package.duplicate-path',
        message: `${entry.path} is also /files/${first}/path${entries[first]!.path === entry.path ? '' : ' (in another case)'}`,
      });
    else if (under !== undefined)
      problems.push({
        path: `/files/${i}/path`,
        code: 'package.path-conflict',
        message: `${entry.path} and /files/${under}/path cannot both be files`,
      });
    if (first !== undefined || under !== undefined) return;
    files.set(key, i);
    for (const p of prefixes) if (!folders.has(p)) folders.set(p, i);
  });
}

/** The package's `feature.json` against the package's own `id` and `version`; its index, or -1 when absent. */
function checkManifest(
  id: unknown,
  version: unknown,
  entries: ReadonlyArray<FeaturePackageFile | undefined>,
  bytes: ReadonlyArray<Buffer | undefined>,
  problems: ProblemDetail[],
): number {
  const index = entries.findIndex((entry) => entry?.path === MANIFEST);
  if (index < 0) {
    problems.push({
      path: '/files',
      code: 'package.missing-manifest',
      message: `${MANIFEST} is not in the package`,
    });
    return index;
  }
  const parsed = bytes[index] ? parseJson(bytes[index].toString('utf8')) : undefined;
  // a manifest that is not JSON is reported when the feature is loaded
  if (!parsed?.ok || !isObject(parsed.value)) return index;
  for (const [key, expected] of [
    ['id', id],
    ['version', version],
  ] as const)
    if (parsed.value[key] !== expected)
      problems.push({
        path: `${MANIFEST}#/${key}`,
        code: 'package.manifest-mismatch',
        message: `is ${JSON.stringify(parsed.value[key])}, the package's ${key} is ${JSON.stringify(expected)}`,
      });
  return index;
}

/** Writes files under `base`, each inside it; `last` (the manifest) after every other file. */
function writeFiles(base: string, files: readonly UnpackedFile[], last = MANIFEST): void {
  const ordered = [...files.filter((f) => f.path !== last), ...files.filter((f) => f.path === last)];
  for (const file of ordered) {
    const target = inside(base, file.path);
    if (!target) throw invalidInput('package.outside', `${file.path} is not inside the feature's folder`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.bytes, { flag: 'wx' });
  }
}

/** A problem of a feature loaded from `base`, its file (and any mention of the folder) relative to the package. */
function relativeTo(base: string, problem: ProblemDetail): ProblemDetail {
  const prefix = `${base}${sep}`;
  const message = problem.message.split(prefix).join('');
  if (!problem.path?.startsWith(prefix)) return { ...problem, message };
  const [file, ...pointer] = problem.path.slice(prefix.length).split('#');
  return { ...problem, message, path: [file!.split(sep).join('/'), ...pointer].join('#') };
}

/** Loads the files as a feature in a fresh temporary folder, which is removed after; the load's outcome. */
function loadFiles(
  files: readonly UnpackedFile[],
  actions: ActionCatalogue,
): { feature: LoadedFeature } | { problems: ProblemDetail[] } {
  const base = mkdtempSync(join(tmpdir(), 'einvoice-feature-'));
  try {
    writeFiles(base, files);
    const loaded = loadFeature(base, actions);
    return 'feature' in loaded ? loaded : { problems: loaded.problems.map((p) => relativeTo(base, p)) };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/**
 * Checks a feature package whole and lists every problem: the schema, each file's SHA-256 and size against
 * its content, paths that would land on the same file, `feature.json` present with the package's id and
 * version, the feature loading as `loadFeature` loads a folder (problems located in the package's files:
 * `flows/x.json#/steps/0/action`), and, given the installed features, that this version is not one of them.
 * Files are written (to a temporary folder, removed after) only when every path is safe.
 */
export function checkPackage(
  value: unknown,
  actions: ActionCatalogue,
  installed?: FeatureCatalogue,
): CheckedPackage | { problems: ProblemDetail[] } {
  const validate = validatePackage();
  const problems: ProblemDetail[] = validate(value) ? [] : toProblems(validate.errors);
  const pack = isObject(value) ? value : {};
  const list = Array.isArray(pack.files) ? (pack.files as unknown[]) : [];
  const entries = list.map(entryOf);
  const bytes = checkDigests(entries, problems);
  checkPaths(entries, problems);
  const manifest = list.length > 0 ? checkManifest(pack.id, pack.version, entries, bytes, problems) : -1;
  const files = entries.map((entry, i) =>
    entry && bytes[i] ? { path: entry.path, bytes: bytes[i] } : undefined,
  );
  const writable =
    manifest >= 0 &&
    list.length <= MAX_PACKAGE_FILES &&
    files.every((file) => file !== undefined && SAFE_PATH.test(file.path)) &&
    !problems.some((p) => p.code === 'package.duplicate-path' || p.code === 'package.path-conflict');
  const loaded = writable ? loadFiles(files as UnpackedFile[], actions) : undefined;
  if (loaded && 'problems' in loaded) problems.push(...loaded.problems);
  if (installed && typeof pack.id === 'string' && typeof pack.version === 'string') {
    if (installed.get(pack.id, pack.version))
      problems.push({
        path: '/',
        code: 'feature.duplicate',
        message: `${featureKey({ id: pack.id, version: pack.version })} is already installed`,
      });
  }
  let formats: OutputFormat[] = [];
  if (installed && loaded && 'feature' in loaded) {
    problems.push(...idConflicts(idsOfLoaded(loaded.feature, 'feature.json'), installed.ids()));
    // its mappings compile among those installed (one may extend another): else the next start would fail
    try {
      formats = compileMappings([...loaded.feature.formats], installed.mappingSources());
    } catch (error) {
      problems.push({
        path: 'feature.json#/formats',
        code: 'format.invalid-mapping',
        message: (error as Error).message,
      });
    }
  }
  if (problems.length > 0 || !loaded || !('feature' in loaded)) return { problems };
  const { dir: _dir, ...feature } = loaded.feature;
  return { feature, files: files as UnpackedFile[], formats };
}

/** The refusal of a version that is already installed. */
const duplicate = (key: string, where: string) =>
  invalidInput('feature.duplicate', `${key} is already installed`, [
    {
      path: '/',
      code: 'feature.duplicate',
      message: `${key} is already installed (folder ${where} of the features folder)`,
    },
  ]);

/**
 * Installs a feature package as `root/<id>-<version>/`: checked whole first (`checkPackage`) and refused
 * (`feature.invalid-package`) with every problem, nothing written under `root`. The files are written to a
 * temporary folder beside the target and renamed into place, so that a catalogue reading `root` meanwhile
 * sees the feature whole or not at all; a target folder that exists already is refused (`feature.duplicate`).
 */
export function installPackage(
  value: unknown,
  actions: ActionCatalogue,
  root: string,
  installed?: FeatureCatalogue,
): { dir: string; id: string; version: string; feature: LoadedFeature; formats: readonly OutputFormat[] } {
  const checked = checkPackage(value, actions, installed);
  if ('problems' in checked) {
    const n = checked.problems.length;
    throw invalidInput(
      'feature.invalid-package',
      `The feature package is refused: ${n} problem${n === 1 ? '' : 's'}`,
      checked.problems,
    );
  }
  const { id, version } = checked.feature.manifest;
  const key = featureKey({ id, version });
  const dir = join(resolve(root), `${id}-${version}`);
  if (existsSync(dir)) throw duplicate(key, `${id}-${version}`);
  mkdirSync(root, { recursive: true });
  // a dot folder, with feature.json written last: a catalogue reading root meanwhile does not take it for a feature
  const staging = mkdtempSync(join(resolve(root), `.${id}-${version}-`));
  try {
    writeFiles(staging, checked.files);
    if (existsSync(dir)) throw duplicate(key, `${id}-${version}`);
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') throw duplicate(key, `${id}-${version}`);
    throw error;
  }
  return { dir, id, version, feature: { ...checked.feature, dir }, formats: checked.formats };
}

import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistries } from '../shared/composition';
import { FeatureCatalogue, loadFeature } from '../shared/features/catalogue';
import {
  checkPackage,
  FEATURE_PACKAGE_FORMAT,
  installPackage,
  packFeature,
  type FeaturePackage,
} from '../shared/features/package';
import { packageRoot } from '../shared/util/package-root';
import { tempDir } from './support/temp';

/**
 * Feature packages: a feature folder packed into one JSON document, checked whole (every problem, located in
 * the package's files) and installed atomically, nothing written when it is refused.
 */

const { actions } = createRegistries(
  { outboxDir: tmpdir(), formatsDir: undefined },
  { get: () => Promise.reject(new Error('not used')) },
);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A copy of the shipped PEPPOL feature in a fresh temp folder, its manifest changed by `change`. */
function peppolCopy(change: (manifest: Record<string, unknown>) => void = () => undefined): string {
  const dir = join(tempDir(), 'peppol-bis3');
  cpSync(join(packageRoot(), 'flows', 'peppol-bis3'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'feature.json'), 'utf8'));
  change(manifest);
  writeFileSync(join(dir, 'feature.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

/** The files of a folder, recursively, as paths relative to it with `/` separators. */
const filesOf = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();

/** A deep copy of a package whose files `change` may alter (and then the digests are left as they were). */
const altered = (pack: FeaturePackage, change: (files: FeaturePackage['files']) => void): FeaturePackage => {
  const copy = JSON.parse(JSON.stringify(pack)) as FeaturePackage;
  change(copy.files);
  return copy;
};

/** An entry with a correct digest and size for `text`. */
const textFile = (path: string, text: string) => ({
  path,
  sha256: sha256(Buffer.from(text)),
  size: Buffer.byteLength(text),
  encoding: 'utf8' as const,
  content: text,
});

/** The temporary folders packages are checked in; none is left behind. */
const checkFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('einvoice-feature-'));

const refusal = (install: () => unknown) => {
  try {
    install();
  } catch (error) {
    return error as {
      code: string;
      message: string;
      details: Array<{ path: string; code?: string; message: string }>;
    };
  }
  throw new Error('installed');
};

describe('packing a feature folder', () => {
  it('packs feature.json first and every file the manifest names once, each with its SHA-256', () => {
    const dir = peppolCopy((m) => {
      // the same file named twice, once with a `./` prefix, is packed once
      m.codeLists = ['./formats/peppol-bis3-ubl.json'];
    });
    writeFileSync(join(dir, 'notes.txt'), 'not named by the manifest');
    const pack = packFeature(dir, actions, new Date('2024-05-01T10:00:00Z'));
    expect(pack).toMatchObject({
      format: FEATURE_PACKAGE_FORMAT,
      id: 'peppol-bis3',
      version: '1.0.0',
      createdAt: '2024-05-01T10:00:00.000Z',
    });
    expect(pack.files.map((f) => f.path)).toEqual([
      'feature.json',
      'flows/peppol-outbox.json',
      'formats/peppol-bis3-ubl.json',
      'demo/company.json',
    ]);
    for (const file of pack.files) {
      const bytes = readFileSync(join(dir, file.path));
      expect(file).toEqual({
        path: file.path,
        sha256: sha256(bytes),
        size: bytes.length,
        encoding: 'utf8',
        content: bytes.toString('utf8'),
      });
    }
    expect(JSON.parse(JSON.stringify(pack))).toEqual(pack);
    expect(packFeature(dir, actions)).not.toHaveProperty('createdAt');
  });

  it('refuses a folder that does not load, with its problems', () => {
    const dir = peppolCopy((m) => {
      m.samples = ['samples/absent.xml'];
    });
    const error = refusal(() => packFeature(dir, actions));
    expect(error.code).toBe('feature.invalid');
    expect(error.details).toEqual([
      expect.objectContaining({
        path: `${join(dir, 'feature.json')}#/samples/0`,
        code: 'feature.missing-file',
      }),
    ]);
  });
});

describe('installing a feature package', () => {
  it('installs a packed shipped feature byte for byte, and it loads', () => {
    const source = peppolCopy();
    const root = tempDir();
    const installed = installPackage(packFeature(source, actions), actions, root);
    expect(installed).toMatchObject({
      dir: join(root, 'peppol-bis3-1.0.0'),
      id: 'peppol-bis3',
      version: '1.0.0',
    });
    expect(installed.feature).toMatchObject({ dir: installed.dir, manifest: { id: 'peppol-bis3' } });
    expect(readdirSync(root)).toEqual(['peppol-bis3-1.0.0']);
    expect(filesOf(installed.dir)).toEqual(filesOf(source));
    for (const file of filesOf(source))
      expect(readFileSync(join(installed.dir, file)).equals(readFileSync(join(source, file)))).toBe(true);
    const loaded = loadFeature(installed.dir, actions);
    if (!('feature' in loaded)) throw new Error(JSON.stringify(loaded.problems));
    expect(loaded.feature.flows.map((f) => f.id)).toEqual(['peppol-outbox']);
  });

  it('carries a binary sample as base64 and a text file with a byte-order mark unchanged', () => {
    const binary = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]),
      randomBytes(4096),
    ]);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<Invoice>é</Invoice>\n')]);
    const source = peppolCopy((m) => {
      m.samples = ['samples/scan.png', 'samples/invoice.xml'];
    });
    mkdirSync(join(source, 'samples'));
    writeFileSync(join(source, 'samples', 'scan.png'), binary);
    writeFileSync(join(source, 'samples', 'invoice.xml'), bom);
    const pack = packFeature(source, actions);
    const scan = pack.files.find((f) => f.path === 'samples/scan.png')!;
    expect(scan).toMatchObject({ encoding: 'base64', size: binary.length, sha256: sha256(binary) });
    expect(pack.files.find((f) => f.path === 'samples/invoice.xml')).toMatchObject({ encoding: 'utf8' });
    // through JSON text, as a package travels
    const { dir } = installPackage(JSON.parse(JSON.stringify(pack)), actions, tempDir());
    expect(readFileSync(join(dir, 'samples', 'scan.png')).equals(binary)).toBe(true);
    expect(readFileSync(join(dir, 'samples', 'invoice.xml')).equals(bom)).toBe(true);
  });

  it('refuses a package whole, listing every problem in the package, and writes nothing', () => {
    const pack = altered(packFeature(peppolCopy(), actions), (files) => {
      const flow = files.find((f) => f.path === 'flows/peppol-outbox.json')!;
      const parsed = JSON.parse(flow.content);
      parsed.steps[0].action = 'no-such-action';
      Object.assign(flow, textFile(flow.path, JSON.stringify(parsed)));
      const mapping = files.find((f) => f.path === 'formats/peppol-bis3-ubl.json')!;
      mapping.sha256 = sha256(Buffer.from('something else'));
    });
    const root = tempDir();
    const before = checkFolders();
    const error = refusal(() => installPackage(pack, actions, root));
    expect(error.code).toBe('feature.invalid-package');
    expect(error.message).toBe('The feature package is refused: 2 problems');
    expect(error.details).toEqual([
      expect.objectContaining({ path: '/files/2/sha256', code: 'package.digest-mismatch' }),
      expect.objectContaining({
        path: 'flows/peppol-outbox.json#/steps/0/action',
        code: 'flow.unknown-action',
      }),
    ]);
    expect(JSON.stringify(error.details)).not.toContain(tmpdir());
    expect(readdirSync(root)).toEqual([]);
    expect(checkFolders()).toEqual(before);
  });

  it('locates problems of the manifest and of missing files in the package', () => {
    const pack = altered(packFeature(peppolCopy(), actions), (files) => {
      const manifest = JSON.parse(files[0]!.content);
      manifest.version = '1.0.1';
      manifest.samples = ['samples/absent.xml'];
      files[0] = textFile('feature.json', JSON.stringify(manifest));
      files.push(files[1]!);
    });
    const checked = checkPackage(pack, actions);
    expect('problems' in checked && checked.problems).toEqual([
      expect.objectContaining({ path: '/files/4/path', code: 'package.duplicate-path' }),
      expect.objectContaining({ path: 'feature.json#/version', code: 'package.manifest-mismatch' }),
    ]);
    const single = altered(pack, (files) => files.pop());
    expect(checkPackage(single, actions)).toEqual({
      problems: [
        expect.objectContaining({ path: 'feature.json#/version', code: 'package.manifest-mismatch' }),
        expect.objectContaining({ path: 'feature.json#/samples/0', code: 'feature.missing-file' }),
      ],
    });
  });

  it.each([
    ['a parent folder', '../escaped.json'],
    ['a parent folder inside the path', 'flows/../../escaped.json'],
    ['an absolute path', '/tmp/escaped.json'],
    ['a backslash', 'flows\\..\\..\\escaped.json'],
  ])('refuses a path with %s by the schema before writing any file', (_, path) => {
    const root = tempDir();
    const pack = altered(packFeature(peppolCopy(), actions), (files) => {
      files.push(textFile(path, '{}'));
    });
    const error = refusal(() => installPackage(pack, actions, root));
    expect(error.details).toEqual([
      expect.objectContaining({ path: '/files/4/path', code: 'schema.pattern' }),
    ]);
    expect(readdirSync(root)).toEqual([]);
    expect(existsSync(join(root, '..', 'escaped.json'))).toBe(false);
  });

  it('refuses a package that is not one, with every schema problem', () => {
    const checked = checkPackage(
      { format: 'zip', id: 'Bad Id', version: '1', files: [{ path: 'feature.json', sha256: 'ABC' }] },
      actions,
    );
    expect('problems' in checked && checked.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        '/format',
        '/id',
        '/version',
        '/files/0/sha256',
        '/files/0/size',
        '/files/0/content',
      ]),
    );
    expect('problems' in checkPackage('not a package', actions)).toBe(true);
  });

  it('refuses the same id and version twice: installed, or its folder already there', () => {
    const source = peppolCopy();
    const pack = packFeature(source, actions);
    const catalogue = FeatureCatalogue.load([join(source, '..')], actions);
    const empty = tempDir();
    const byCatalogue = refusal(() => installPackage(pack, actions, empty, catalogue));
    expect(byCatalogue.details).toEqual([
      expect.objectContaining({
        code: 'feature.duplicate',
        message: 'peppol-bis3@1.0.0 is already installed',
      }),
    ]);
    expect(readdirSync(empty)).toEqual([]);

    const root = tempDir();
    const { dir } = installPackage(pack, actions, root);
    const before = filesOf(dir);
    const byFolder = refusal(() => installPackage(pack, actions, root));
    expect(byFolder.code).toBe('feature.duplicate');
    expect(readdirSync(root)).toEqual(['peppol-bis3-1.0.0']);
    expect(filesOf(dir)).toEqual(before);

    // an empty folder of that name is not replaced either
    const taken = tempDir();
    mkdirSync(join(taken, 'peppol-bis3-1.0.0'));
    expect(refusal(() => installPackage(pack, actions, taken)).code).toBe('feature.duplicate');
    expect(readdirSync(taken)).toEqual(['peppol-bis3-1.0.0']);
    expect(readdirSync(join(taken, 'peppol-bis3-1.0.0'))).toEqual([]);
  });
});

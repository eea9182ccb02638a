import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistries } from '../shared/composition';
import { compareVersions, FeatureCatalogue, loadFeature } from '../shared/features/catalogue';
import { packageRoot } from '../shared/util/package-root';
import { tempDir } from './support/temp';

/**
 * Feature folders (`feature.json` with its flows, mappings, code lists and samples), loaded and checked as
 * a whole: every problem of every feature listed with its file and JSON path, several versions side by side.
 */

const { actions } = createRegistries(
  { outboxDir: tmpdir(), formatsDir: undefined },
  { get: () => Promise.reject(new Error('not used')) },
);
const shipped = (name: string) => join(packageRoot(), name);

/** A feature folder under `root` with a PEPPOL flow and mapping copied from the shipped ones. */
function feature(root: string, folder: string, manifest: Record<string, unknown>): string {
  const dir = join(root, folder);
  mkdirSync(join(dir, 'flows'), { recursive: true });
  mkdirSync(join(dir, 'formats'), { recursive: true });
  copyFileSync(
    shipped('flows/peppol-bis3/flows/peppol-outbox.json'),
    join(dir, 'flows', 'peppol-outbox.json'),
  );
  const mapping = JSON.parse(
    readFileSync(shipped('flows/peppol-bis3/formats/peppol-bis3-ubl.json'), 'utf8'),
  ) as Record<string, unknown>;
  delete mapping.$schema;
  writeFileSync(join(dir, 'formats', 'peppol-bis3-ubl.json'), JSON.stringify(mapping));
  writeFileSync(
    join(dir, 'feature.json'),
    JSON.stringify({
      id: 'peppol-bis3',
      version: '1.0.0',
      title: 'PEPPOL BIS Billing 3',
      direction: 'outbound',
      flows: ['flows/peppol-outbox.json'],
      formats: ['formats/peppol-bis3-ubl.json'],
      parameters: {
        type: 'object',
        required: ['endpointId'],
        properties: { endpointId: { type: 'string' } },
      },
      certificates: ['endpointId'],
      ...manifest,
    }),
  );
  return dir;
}

const refusal = (load: () => unknown) => {
  try {
    load();
  } catch (error) {
    return error as { code: string; details: Array<{ path: string; code?: string; message: string }> };
  }
  throw new Error('loaded');
};

describe('a feature folder', () => {
  it('loads with its flows and mappings checked', () => {
    const dir = feature(tempDir(), 'peppol', {});
    const loaded = loadFeature(dir, actions);
    if (!('feature' in loaded)) throw new Error(JSON.stringify(loaded.problems));
    expect(loaded.feature.manifest).toMatchObject({ id: 'peppol-bis3', version: '1.0.0' });
    expect(loaded.feature.flows.map((f) => f.id)).toEqual(['peppol-outbox']);
    expect(loaded.feature.formats.map((f) => f.id)).toEqual(['peppol-bis3-ubl']);
  });

  it('is refused with every problem, each with its file and JSON path', () => {
    const dir = feature(tempDir(), 'broken', {
      version: '1.0',
      flows: ['flows/peppol-outbox.json', 'flows/absent.json', '../outside.json'],
    });
    const invalidManifest = loadFeature(dir, actions);
    expect('problems' in invalidManifest && invalidManifest.problems).toEqual([
      expect.objectContaining({
        path: `${join(dir, 'feature.json')}#/version`,
        code: 'feature.invalid-manifest',
      }),
      expect.objectContaining({
        path: `${join(dir, 'feature.json')}#/flows/2`,
        code: 'feature.invalid-manifest',
      }),
    ]);
    const flow = JSON.parse(readFileSync(join(dir, 'flows', 'peppol-outbox.json'), 'utf8')) as {
      steps: Array<{ action: string }>;
    };
    flow.steps[0]!.action = 'no-such-action';
    writeFileSync(join(dir, 'flows', 'peppol-outbox.json'), JSON.stringify(flow));
    writeFileSync(
      join(dir, 'feature.json'),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(dir, 'feature.json'), 'utf8')),
        version: '1.0.0',
        flows: ['flows/peppol-outbox.json', 'flows/absent.json'],
        parameters: { type: 'no-such-type', properties: { endpointId: { type: 'string' } } },
      }),
    );
    const problems = loadFeature(dir, actions);
    expect('problems' in problems && problems.problems).toEqual([
      expect.objectContaining({
        path: `${join(dir, 'flows', 'peppol-outbox.json')}#/steps/0/action`,
        code: 'flow.unknown-action',
      }),
      expect.objectContaining({
        path: `${join(dir, 'feature.json')}#/flows/1`,
        code: 'feature.missing-file',
      }),
      expect.objectContaining({
        path: `${join(dir, 'feature.json')}#/parameters`,
        code: 'feature.invalid-parameters',
      }),
    ]);
  });
});

describe('the feature catalogue', () => {
  it('holds several versions of a feature, newest first, each frozen', () => {
    const root = tempDir();
    feature(root, 'peppol-1.0.0', {});
    feature(root, 'peppol-1.10.0', { version: '1.10.0' });
    feature(root, 'peppol-1.2.0', { version: '1.2.0' });
    const catalogue = FeatureCatalogue.load([root], actions);
    expect(catalogue.list().map((f) => [f.id, f.versions.map((v) => v.manifest.version)])).toEqual([
      ['peppol-bis3', ['1.10.0', '1.2.0', '1.0.0']],
    ]);
    expect(catalogue.get('peppol-bis3')!.manifest.version).toBe('1.10.0');
    expect(catalogue.get('peppol-bis3', '1.2.0')!.manifest.version).toBe('1.2.0');
    expect(catalogue.get('peppol-bis3', '2.0.0')).toBeUndefined();
    expect(catalogue.get('other')).toBeUndefined();
    expect(Object.isFrozen(catalogue.get('peppol-bis3')!.manifest)).toBe(true);
  });

  it('refuses the whole set when one feature is invalid or one version is there twice', () => {
    const first = tempDir();
    const second = tempDir();
    feature(first, 'good', {});
    feature(second, 'again', {});
    feature(second, 'bad', { id: 'other', formats: ['formats/absent.json'] });
    const error = refusal(() => FeatureCatalogue.load([first, second], actions));
    expect(error.code).toBe('feature.invalid');
    // the bad one also reuses the other feature's flow id
    expect(error.details.map((d) => d.code)).toEqual([
      'feature.duplicate',
      'feature.missing-file',
      'feature.flow-conflict',
    ]);
    expect(error.details[0]!.message).toContain('peppol-bis3@1.0.0 is installed twice');
  });

  it("refuses a feature that uses another feature's flow or format id, naming both", () => {
    const root = tempDir();
    feature(root, 'peppol', {});
    feature(root, 'copy', { id: 'peppol-copy' });
    const error = refusal(() => FeatureCatalogue.load([root], actions));
    expect(error.details).toEqual([
      expect.objectContaining({ path: join(root, 'peppol', 'feature.json'), code: 'feature.flow-conflict' }),
      expect.objectContaining({
        path: join(root, 'peppol', 'feature.json'),
        code: 'feature.format-conflict',
      }),
    ]);
    expect(error.details[0]!.message).toBe(
      'flow "peppol-outbox" is also in feature peppol-copy: ids are unique across features',
    );
  });

  it('passes over a dot folder: an install that did not finish', () => {
    const root = tempDir();
    feature(root, 'peppol', {});
    feature(root, '.peppol-bis3-1.1.0-x1y2', { version: '1.1.0' });
    expect(
      FeatureCatalogue.load([root], actions)
        .list()[0]!
        .versions.map((v) => v.manifest.version),
    ).toEqual(['1.0.0']);
  });

  it('compares versions as numbers', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(compareVersions('2.0.0', '10.0.0')).toBeLessThan(0);
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
  });
});

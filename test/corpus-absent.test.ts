import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../shared/util/package-root';

/** The suites that read the reference corpus: every test file that imports the corpus helper. */
function corpusSuites(): string[] {
  const dir = join(packageRoot(), 'test');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts') && name !== 'corpus-absent.test.ts')
    .filter((name) => readFileSync(join(dir, name), 'utf8').includes("from './support/corpus'"))
    .map((name) => join('test', name));
}

interface JestReport {
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
  testResults: Array<{ name: string; assertionResults: Array<{ fullName: string; status: string }> }>;
}

/**
 * A fresh clone with nothing beside it: the corpus suites run with EINVOICE_CORPUS at an empty folder and
 * CI unset. Every one of them must pass with its corpus tests skipped (one notice per suite), not crash.
 */
describe('without the reference corpus', () => {
  const suites = corpusSuites();
  const work = mkdtempSync(join(tmpdir(), 'einvoice-no-corpus-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('finds the suites that read the corpus', () => {
    expect(suites).toEqual(expect.arrayContaining(['test/rules-de.test.ts', 'test/roundtrip.test.ts']));
  });

  it('skips the corpus tests with a notice instead of failing (CI unset)', () => {
    const empty = mkdtempSync(join(work, 'corpus-'));
    const report = join(work, 'report.json');
    const env: NodeJS.ProcessEnv = { ...process.env, EINVOICE_CORPUS: empty };
    delete env.CI;
    const run = spawnSync(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--json', `--outputFile=${report}`, '-w', '2', ...suites],
      { cwd: packageRoot(), env, encoding: 'utf8', timeout: 300_000 },
    );
    const result = JSON.parse(readFileSync(report, 'utf8')) as JestReport;
    const failed = result.testResults.flatMap((r) =>
      r.assertionResults.filter((a) => a.status === 'failed').map((a) => `${r.name}: ${a.fullName}`),
    );
    expect(failed).toEqual([]);
    expect(result.numFailedTests + result.numRuntimeErrorTestSuites).toBe(0);
    expect(run.status).toBe(0);
    expect(result.numPendingTests).toBeGreaterThan(0);
    const notices = run.stderr.match(/NOTICE: reference corpus at .* lacks README\.md/g) ?? [];
    expect(notices.length).toBe(suites.length);
  });

  it('fails under CI=true when the corpus is absent', () => {
    const empty = mkdtempSync(join(work, 'corpus-'));
    const run = spawnSync(
      process.execPath,
      [require.resolve('jest/bin/jest'), '-w', '1', 'test/safe-xml.test.ts'],
      { cwd: packageRoot(), env: { ...process.env, EINVOICE_CORPUS: empty, CI: 'true' }, encoding: 'utf8' },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('lacks README.md');
  });
});

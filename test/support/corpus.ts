import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

let noticed = false;

/**
 * The reference corpus (official samples, schemas), read in place: EINVOICE_CORPUS or ../shared/corpus.
 * It counts as present when the folder has the corpus's README.md and every path of `needs` (relative to
 * it). Absent, tests that need it are skipped with one visible notice per suite, except under CI=true,
 * where its absence is a failure.
 */
export function corpusDir(...needs: string[]): string | undefined {
  const dir = resolve(
    process.env.EINVOICE_CORPUS ?? resolve(__dirname, '..', '..', '..', 'shared', 'corpus'),
  );
  const missing = ['README.md', ...needs].filter((path) => !existsSync(join(dir, path)));
  if (missing.length === 0) return dir;
  const what = existsSync(dir)
    ? `reference corpus at ${dir} lacks ${missing.join(', ')}`
    : `reference corpus not found at ${dir}`;
  if (process.env.CI === 'true') throw new Error(`${what} (set EINVOICE_CORPUS)`);
  if (!noticed) {
    noticed = true;
    process.stderr.write(`NOTICE: ${what}; the tests that read it are skipped (set EINVOICE_CORPUS)\n`);
  }
  return undefined;
}

/**
 * `describe` when the corpus (with `needs`) is present. Absent, the suite is one skipped test: its body,
 * which reads the corpus to list its cases, does not run.
 */
export function describeWithCorpus(name: string, needs: string[], body: (corpus: string) => void): void {
  const dir = corpusDir(...needs);
  if (dir) describe(name, () => body(dir));
  else
    describe(`${name} (no reference corpus)`, () => it.skip('needs the reference corpus', () => undefined));
}

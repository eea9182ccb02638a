import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The reference corpus (official samples, schemas), read in place: EINVOICE_CORPUS or ../shared/corpus.
 * Absent, tests that need it are skipped with a visible notice, except under CI=true, where it is a failure.
 */
export function corpusDir(): string | undefined {
  const dir = resolve(
    process.env.EINVOICE_CORPUS ?? resolve(__dirname, '..', '..', '..', 'shared', 'corpus'),
  );
  if (existsSync(dir)) return dir;
  if (process.env.CI === 'true')
    throw new Error(`Reference corpus not found at ${dir} (set EINVOICE_CORPUS)`);
  process.stderr.write(
    `NOTICE: reference corpus not found at ${dir}; corpus tests are skipped (set EINVOICE_CORPUS)\n`,
  );
  return undefined;
}

/** `describe` when the corpus is present, `describe.skip` (with the notice above) otherwise. */
export function describeWithCorpus(name: string, body: (corpus: string) => void): void {
  const dir = corpusDir();
  if (dir) describe(name, () => body(dir));
  else describe.skip(`${name} (no reference corpus)`, () => body(''));
}

import { execFileSync } from 'node:child_process';

/** How each tool tells it is there. */
const VERSION_ARGS: Record<string, string[]> = { xmlsec1: ['--version'], openssl: ['version'] };

/**
 * Whether the command-line tools the interop tests run against are installed (Debian packages xmlsec1 and
 * openssl: independent implementations to check the product with). Missing ones fail CI, which installs them;
 * elsewhere the tests named by `what` are skipped with a notice.
 */
export function toolsAvailable(tools: readonly string[], what: string): boolean {
  const missing = tools.filter((tool) => {
    try {
      execFileSync(tool, VERSION_ARGS[tool] ?? ['--version'], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return true;
  if (process.env.CI === 'true')
    throw new Error(`${missing.join(' and ')} required in CI (apt-get install ${missing.join(' ')})`);
  process.stderr.write(
    `NOTICE: ${missing.join(' and ')} not installed; ${what} are skipped (apt-get install ${missing.join(' ')})\n`,
  );
  return false;
}

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The folder holding this package's package.json, whether running from TypeScript sources or dist/. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'flows'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('Cannot find the package root (a folder with package.json and flows/)');
    dir = parent;
  }
  cached = dir;
  return dir;
}

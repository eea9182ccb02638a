import { readdirSync } from 'node:fs';

/** The numbers in the names of `dir`'s files that match `pattern` (its first group), ascending. */
export function numberedFiles(dir: string, pattern: RegExp): number[] {
  return readdirSync(dir)
    .map((name) => pattern.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

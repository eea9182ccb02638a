import { invalidInput } from '../errors';
import type { ReadDocument } from './format';
import { readFatturaPa, splitFatturaPa } from './fatturapa-reader';

/** A reader module a mapping names (`"reader"`): documents of a syntax its template cannot read backwards. */
export interface ReaderModule {
  read(content: string): ReadDocument;
  split?(content: string): string[];
}

const READERS: Readonly<Record<string, ReaderModule>> = {
  fatturapa: { read: readFatturaPa, split: splitFatturaPa },
};

/** The reader module `name`, or a mapping error naming the mapping. */
export function namedReader(name: string, mappingId: string): ReaderModule {
  const reader = READERS[name];
  if (!reader) {
    throw invalidInput('format.invalid-mapping', `Mapping ${mappingId}: unknown reader "${name}"`, [
      { path: '/reader', message: `known: ${Object.keys(READERS).join(', ')}` },
    ]);
  }
  return reader;
}

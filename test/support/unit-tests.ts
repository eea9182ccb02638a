import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The official rule unit tests (vefa validator `testSet` files, as in EN 16931's `test/*-unit-UBL` and
 * `test/cii`, and PEPPOL BIS 3's `rules/unit-*`): each `<test>` holds an `<assert>` naming the rules that
 * must pass (`<success>`) or fire (`<error>`, `<warning>`, possibly with a `number` of times) on the
 * partial document that follows it.
 */

export type ExpectationKind = 'success' | 'error' | 'warning';

export interface UnitTestExpectation {
  kind: ExpectationKind;
  rule: string;
}

export interface UnitTest {
  /** The file it comes from, as given to `parseUnitTests`. */
  file: string;
  /** Its position in the file, from 0 (commented-out tests left out). */
  index: number;
  /** The test's `id` or `number` attribute, when it has one. */
  id?: string;
  description: string;
  expect: UnitTestExpectation[];
  /** The embedded document (its root element, with the namespaces it declares), as text. */
  document: string;
  /** The document's root element name as written (`Invoice`, `ubl:Invoice`, `rsm:CrossIndustryInvoice`). */
  root: string;
}

const TEST = /<test(\s[^>]*)?>([\s\S]*?)<\/test>/g;
const ASSERT = /<assert(?:\s[^>]*)?>([\s\S]*?)<\/assert>/;
const EXPECTATION = /<(success|error|warning)(?:\s[^>]*)?>([\s\S]*?)<\/\1>/g;

/**
 * The tests of a unit-test file's text, in order. Comments are removed first (the files comment out whole
 * tests and parts of documents). Throws on a test without an assert or without a document.
 */
export function parseUnitTests(text: string, file = '<text>'): UnitTest[] {
  const uncommented = text.replace(/<!--[\s\S]*?-->/g, '');
  return [...uncommented.matchAll(TEST)].map((m, index) => {
    const attributes = m[1] ?? '';
    const body = m[2]!;
    const assert = ASSERT.exec(body);
    if (!assert) throw new Error(`${file}: test ${index + 1} has no <assert>`);
    const document = body.replace(ASSERT, '').trim();
    const root = /^<([\w.-]+(?::[\w.-]+)?)[\s/>]/.exec(document)?.[1];
    if (!root || !document.endsWith(`</${root}>`))
      throw new Error(`${file}: test ${index + 1} has no document after its <assert>`);
    return {
      file,
      index,
      id: /\s(?:id|number)\s*=\s*"([^"]*)"/.exec(attributes)?.[1],
      description: /<description>([\s\S]*?)<\/description>/.exec(assert[1]!)?.[1]?.trim() ?? '',
      expect: [...assert[1]!.matchAll(EXPECTATION)].map((e) => ({
        kind: e[1] as ExpectationKind,
        rule: e[2]!.trim(),
      })),
      document,
      root,
    };
  });
}

/** The tests of a unit-test file (read once). */
export function readUnitTests(file: string): UnitTest[] {
  return parseUnitTests(readFileSync(file, 'utf8'), file);
}

/** The `.xml` files of a folder, sorted by name. */
export function xmlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.xml'))
    .sort()
    .map((name) => join(dir, name));
}

/** What a validator reported for a document: rule ids, with `warning` for "should" rules. */
export interface Reported {
  code?: string;
  severity?: 'warning';
}

/** One expectation of a unit test, judged against what was reported. */
export interface Judged extends UnitTestExpectation {
  agreed: boolean;
  /** Reported, but as an error where a warning was expected or the other way round (still agreed). */
  severityDiffers: boolean;
}

/**
 * Each expectation judged on its own: an `<error>` or `<warning>` rule agrees when the rule id is reported
 * (the severity is noted, not required), a `<success>` rule when it is not. A document that was not read,
 * or refused before the rules ran, reports nothing: pass `[]`.
 */
export function judge(expectations: readonly UnitTestExpectation[], reported: readonly Reported[]): Judged[] {
  return expectations.map(({ kind, rule }) => {
    const found = reported.filter((p) => p.code === rule);
    if (kind === 'success') return { kind, rule, agreed: found.length === 0, severityDiffers: false };
    const wanted = kind === 'warning' ? 'warning' : 'error';
    return {
      kind,
      rule,
      agreed: found.length > 0,
      severityDiffers: found.length > 0 && !found.some((p) => (p.severity ?? 'error') === wanted),
    };
  });
}

/**
 * The family of a rule id: `BR-` for the plain EN 16931 rules (BR-01 …), `BR-CO-`, `BR-CL-`, `BR-S-` …,
 * `PEPPOL-EN16931-`, `PEPPOL-COMMON-`, and the national ones by their prefix (`DE-R-`, `NL-R-`, `GR-S-`).
 */
export function rulePrefix(rule: string): string {
  const peppol = /^PEPPOL-[A-Z0-9]+-/.exec(rule);
  if (peppol) return peppol[0];
  if (/^BR-\d/.test(rule)) return 'BR-';
  return rule.replace(/[0-9]+[a-z]?(?:-[0-9]+)?$/, '');
}

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Every error code the code can produce is documented in docs/api.md, and every documented code is
 * produced somewhere. Codes come from the sources, read with the TypeScript parser:
 *
 * - the first argument of `new EInvoiceError(`, `invalidInput(`, `notFound(`, `transientFailure(` (and
 *   `super(` in a subclass of EInvoiceError), with the status it is raised with;
 * - the code argument of the embedded host's `problem(res, status, code, …)`;
 * - `code:` of the results and transitions actions, connectors and the engine record on documents (an object
 *   literal with a `path` is a located detail, not a code of its own).
 *
 * A code built from a template (`submit.http-${answer.status}`) is compared as a pattern
 * (`submit.http-<status>`); a placeholder with a known, small set of values is expanded instead.
 */

const ROOT = join(__dirname, '..');

/** Placeholders whose values are few and known: the code prefix of the HTTP actions (submit-http, poll-http). */
const EXPANSIONS: Record<string, string[]> = { codePrefix: ['submit', 'poll'] };

const ERROR_FACTORIES: Record<string, number | undefined> = {
  EInvoiceError: undefined, // status from its options, default 400
  invalidInput: 400,
  notFound: 404,
  transientFailure: 503,
};

/** Directories whose `code:` properties are codes recorded on documents (results, notices, transitions). */
const RESULT_DIRS = ['shared/actions', 'shared/connectors', 'shared/engine', 'shared/signing'];

/** The names a file imports from shared/errors (a stand-in's own `notFound` is not the service's). */
function errorImports(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      /\/errors$/.test(statement.moduleSpecifier.text)
    ) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) names.add(e.name.text);
    }
  }
  return names;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function placeholder(expression: ts.Expression): string {
  if (ts.isIdentifier(expression)) return expression.text;
  if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
  if (ts.isCallExpression(expression) && expression.arguments[0]) return placeholder(expression.arguments[0]);
  return 'value';
}

/** The codes a code expression may evaluate to: literals, templates as patterns, both branches of `?:`. */
function codesOf(expression: ts.Expression): string[] {
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression))
    return [expression.text];
  if (ts.isTemplateExpression(expression)) {
    let variants = [expression.head.text];
    for (const span of expression.templateSpans) {
      const name = placeholder(span.expression);
      const values = EXPANSIONS[name] ?? [`<${name}>`];
      variants = variants.flatMap((v) => values.map((value) => v + value + span.literal.text));
    }
    return variants;
  }
  if (ts.isConditionalExpression(expression))
    return [...codesOf(expression.whenTrue), ...codesOf(expression.whenFalse)];
  if (
    ts.isBinaryExpression(expression) &&
    expression.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken
  )
    return [...codesOf(expression.left), ...codesOf(expression.right)];
  if (ts.isParenthesizedExpression(expression)) return codesOf(expression.expression);
  return [];
}

function statusOption(options: ts.Expression | undefined): number {
  if (!options || !ts.isObjectLiteralExpression(options)) return 400;
  for (const property of options.properties) {
    if (
      ts.isPropertyAssignment(property) &&
      property.name.getText() === 'status' &&
      ts.isNumericLiteral(property.initializer)
    )
      return Number(property.initializer.text);
  }
  return 400;
}

interface Produced {
  statuses: Set<number>;
  where: Set<string>;
}

function producedCodes(): Map<string, Produced> {
  const codes = new Map<string, Produced>();
  const add = (code: string, file: string, status?: number) => {
    const entry = codes.get(code) ?? { statuses: new Set<number>(), where: new Set<string>() };
    if (status !== undefined) entry.statuses.add(status);
    entry.where.add(relative(ROOT, file));
    codes.set(code, entry);
  };
  for (const file of [...sources('functions'), ...sources('shared')]) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const recordsResults = RESULT_DIRS.some((dir) => relative(ROOT, file).startsWith(dir));
    const imported = errorImports(source);
    const visit = (node: ts.Node): void => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments) {
        const callee = node.expression;
        const name = ts.isIdentifier(callee) ? callee.text : undefined;
        const [first, second, third] = node.arguments;
        if (name && name in ERROR_FACTORIES && imported.has(name) && first) {
          const status = ERROR_FACTORIES[name] ?? statusOption(third);
          for (const code of codesOf(first)) add(code, file, status);
        }
        if (callee.kind === ts.SyntaxKind.SuperKeyword && first && /extends EInvoiceError/.test(text)) {
          for (const code of codesOf(first)) add(code, file, statusOption(third));
        }
        if (name === 'problem' && second && ts.isNumericLiteral(second) && third) {
          for (const code of codesOf(third)) add(code, file, Number(second.text));
        }
      }
      if (
        recordsResults &&
        ts.isPropertyAssignment(node) &&
        node.name.getText() === 'code' &&
        ts.isObjectLiteralExpression(node.parent) &&
        !node.parent.properties.some((p) => p.name?.getText() === 'path')
      ) {
        for (const code of codesOf(node.initializer)) add(code, file);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return codes;
}

/**
 * The documented codes, in the Errors section of docs/api.md: the table of HTTP problem codes (`| status |
 * code | meaning |`, code → statuses) and the lists under it (codes recorded on documents, other codes).
 */
function documentedCodes(): { http: Map<string, number[]>; listed: Set<string> } {
  const text = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const errors = text.slice(text.indexOf('\n## Errors'));
  const section = errors.slice(0, errors.indexOf('\n## ', 5) === -1 ? undefined : errors.indexOf('\n## ', 5));
  const http = new Map<string, number[]>();
  for (const match of section.matchAll(/^\|\s*([\d /]+?)\s*\|\s*`([^`]+)`\s*\|/gm)) {
    http.set(
      match[2]!,
      match[1]!.split('/').map((s) => Number(s.trim())),
    );
  }
  // The lists after the table: every code-shaped token (with a dot) in backticks.
  const lists = section.slice(section.indexOf('\n### '));
  const listed = new Set<string>();
  // a placeholder keeps the name the code gives it (`sefaz.<cStat>`)
  for (const match of lists.matchAll(/`([a-z0-9-]+\.(?:[a-z0-9.-]|<[A-Za-z]+>)+)`/g)) listed.add(match[1]!);
  return { http, listed };
}

describe('error codes', () => {
  const produced = producedCodes();
  const { http, listed } = documentedCodes();
  const documented = new Set([...http.keys(), ...listed]);

  it('finds the codes of every kind of producer (a check of the scan itself)', () => {
    for (const code of [
      'request.invalid-json',
      'route.not-found',
      'validation.failed',
      'submit.http-<status>',
    ]) {
      expect(produced.has(code)).toBe(true);
    }
    expect(produced.has('json.syntax')).toBe(false); // a detail's code
  });

  it('documents every code the code produces', () => {
    const undocumented = [...produced.keys()]
      .filter((code) => !documented.has(code))
      .map((code) => `${code} (${[...produced.get(code)!.where].join(', ')})`);
    expect(undocumented).toEqual([]);
  });

  it('documents no code that nothing produces', () => {
    expect([...documented].filter((code) => !produced.has(code))).toEqual([]);
  });

  it('documents each HTTP problem code with a status it is raised with', () => {
    const wrong = [...http.entries()]
      .filter(([code, statuses]) => {
        const raised = produced.get(code)?.statuses;
        return raised && raised.size > 0 && !statuses.some((s) => raised.has(s));
      })
      .map(
        ([code, statuses]) =>
          `${code}: documented ${statuses.join('/')}, raised ${[...produced.get(code)!.statuses].join('/')}`,
      );
    expect(wrong).toEqual([]);
  });
});

/** Escapes text content and attribute values for XML 1.0. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#13;',
  );
}

/**
 * A small, fast builder of indented XML text. Elements with undefined content are omitted, so optional
 * business terms need no conditionals at the call site.
 */
export class XmlWriter {
  private readonly parts: string[] = [];
  private depth = 0;

  constructor(
    declaration = true,
    private readonly indentUnit = '  ',
  ) {
    if (declaration) this.parts.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  }

  private indent(): string {
    return this.indentUnit.repeat(this.depth);
  }

  /** A point to go back to with `reset` (what was written after it is dropped). */
  mark(): { length: number; depth: number } {
    return { length: this.parts.length, depth: this.depth };
  }

  reset(mark: { length: number; depth: number }): void {
    this.parts.length = mark.length;
    this.depth = mark.depth;
  }

  open(name: string, attributes: Record<string, string | undefined> = {}): this {
    this.parts.push(`${this.indent()}<${name}${attrs(attributes)}>\n`);
    this.depth++;
    return this;
  }

  close(name: string): this {
    this.depth--;
    this.parts.push(`${this.indent()}</${name}>\n`);
    return this;
  }

  /** `<name attrs>text</name>`, or nothing when `text` is undefined or empty. */
  leaf(name: string, text: string | undefined, attributes: Record<string, string | undefined> = {}): this {
    if (text === undefined || text === '') return this;
    this.parts.push(`${this.indent()}<${name}${attrs(attributes)}>${escapeXml(text)}</${name}>\n`);
    return this;
  }

  /** Runs `body` inside `<name>` only when `present`. */
  group(name: string, present: unknown, body: () => void): this {
    if (!present) return this;
    this.open(name);
    body();
    return this.close(name);
  }

  toString(): string {
    return this.parts.join('');
  }
}

function attrs(attributes: Record<string, string | undefined>): string {
  let out = '';
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) out += ` ${key}="${escapeXml(value)}"`;
  }
  return out;
}

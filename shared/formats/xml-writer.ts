/** Escapes text content and attribute values for XML 1.0. */
export function escapeXml(value: string): string {
  if (!/[&<>"\r]/.test(value)) return value;
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
  /** Start tags not written yet: an element appears only once something inside it does. */
  private readonly pending: string[] = [];
  private depth = 0;
  private readonly indents: string[] = [''];

  /** After each tag: a line break, or nothing in a compact document (no indentation either). */
  private readonly newline: string;

  constructor(
    declaration = true,
    private indentUnit = '  ',
    compact = false,
  ) {
    this.newline = compact ? '' : '\n';
    if (compact) this.indentUnit = '';
    if (declaration) this.parts.push(`<?xml version="1.0" encoding="UTF-8"?>${this.newline}`);
  }

  private indent(): string {
    return (this.indents[this.depth] ??= this.indentUnit.repeat(this.depth));
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    for (const tag of this.pending) this.parts.push(tag);
    this.pending.length = 0;
  }

  /** Opens an element; its start tag is written with its first content (see `discard`). */
  open(name: string, attributes: Record<string, string | undefined> = {}): this {
    this.pending.push(`${this.indent()}<${name}${attrs(attributes)}>${this.newline}`);
    this.depth++;
    return this;
  }

  close(name: string): this {
    // an element kept with nothing in it (attributes only, or `keep`) is written as an empty-element tag
    const own = this.pending.pop();
    this.flush();
    this.depth--;
    if (own !== undefined) this.parts.push(`${own.slice(0, -1 - this.newline.length)}/>${this.newline}`);
    else this.parts.push(`${this.indent()}</${name}>${this.newline}`);
    return this;
  }

  /** Drops the element just opened, which got no content: nothing of it is written. */
  discard(): this {
    this.pending.pop();
    this.depth--;
    return this;
  }

  /** `<name attrs>text</name>`, or nothing when `text` is undefined or empty. */
  leaf(name: string, text: string | undefined, attributes: Record<string, string | undefined> = {}): this {
    if (text === undefined || text === '') return this;
    this.flush();
    this.parts.push(`${this.indent()}<${name}${attrs(attributes)}>${escapeXml(text)}</${name}>${this.newline}`);
    return this;
  }

  toString(): string {
    return this.parts.join('');
  }
}

function attrs(attributes: Record<string, string | undefined>): string {
  let out = '';
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out += ` ${key}="${escapeXml(value)}"`;
  }
  return out;
}

/** Escapes text content and attribute values for XML 1.0. */
export function escapeXml(value: string): string {
  // most texts have nothing to escape: a look at their characters is cheaper than a regular expression
  let i = 0;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 38 || c === 60 || c === 62 || c === 34 || c === 13) break; // & < > " CR
  }
  if (i === value.length) return value;
  return value.replace(/[&<>"\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#13;',
  );
}

/**
 * A small, fast builder of indented XML text. Elements with undefined content are omitted, so optional
 * business terms need no conditionals at the call site. The text is appended piece by piece (tags, texts): V8 keeps it as a tree of the pieces, copied into one string once, when first
 * read as a whole (much cheaper than joining a list of thousands of small pieces).
 */
export class XmlWriter {
  private out = '';
  /** Start tags not written yet: an element appears only once something inside it does. */
  private readonly pending: string[] = [];
  /** How many of `pending` are in use (a count, not the array's length: no resizing on every element). */
  private pendingCount = 0;
  private depth = 0;

  /** After each tag: a line break, or nothing in a compact document (no indentation either). */
  private readonly newline: string;

  constructor(
    declaration = true,
    private readonly indentUnit = '  ',
    private readonly compact = false,
  ) {
    this.newline = compact ? '' : '\n';
    if (declaration) this.out = `<?xml version="1.0" encoding="UTF-8"?>${this.newline}`;
  }

  /** The tags of `name` at `depth` in this writer's layout. */
  private tags(name: string, depth = this.depth): XmlTags {
    return xmlTags(name, depth, this.indentUnit, this.compact);
  }

  private flush(): void {
    const count = this.pendingCount;
    if (count === 0) return;
    for (let i = 0; i < count; i++) this.out += this.pending[i]!;
    this.pendingCount = 0;
  }

  /** The start tag of the element just opened while nothing is written of it yet (its `close` empties it). */
  private popPending(): string | undefined {
    return this.pendingCount === 0 ? undefined : this.pending[--this.pendingCount];
  }

  /*
   * By name: each call makes the element's tags. A mapping's plan makes them once, when it is compiled, and
   * writes with `openTag`, `closeTag` and `leafTag` below.
   */

  /** Opens an element; its start tag is written with its first content (see `discard`). */
  open(name: string, attributes?: Record<string, string | undefined>): this {
    const tags = this.tags(name);
    return this.openTag(
      attributes === undefined ? tags.open : `${tags.start}${attrs(attributes)}${tags.startEnd}`,
    );
  }

  close(name: string): this {
    return this.closeTag(this.tags(name, this.depth - 1).close);
  }

  /** Drops the element just opened, which got no content: nothing of it is written. */
  discard(): this {
    this.popPending();
    this.depth--;
    return this;
  }

  /* With tags made beforehand (`xmlTags`): no tag is put together while a document is written. */

  /** Opens an element by its whole start tag (`{indent}<{name}{attributes}>{newline}`). */
  openTag(startTag: string): this {
    this.pending[this.pendingCount++] = startTag;
    this.depth++;
    return this;
  }

  /** Closes the element opened last by its end tag (`{indent}</{name}>{newline}`). */
  closeTag(endTag: string): this {
    // an element kept with nothing in it (attributes only, or `keep`) is written as an empty-element tag
    const own = this.popPending();
    this.flush();
    this.depth--;
    if (own !== undefined) this.out += `${own.slice(0, -1 - this.newline.length)}/>${this.newline}`;
    else this.out += endTag;
    return this;
  }

  /** `{start}{attributes}>{text}{end}`: `start` is `{indent}<{name}`, `attributes` ` name="value"` each. */
  leafTag(start: string, attributes: string, text: string, end: string): this {
    this.flush();
    this.out += start;
    if (attributes !== '') this.out += attributes;
    this.out += '>';
    this.out += escapeXml(text);
    this.out += end;
    return this;
  }

  /** `<name attrs>text</name>`, or nothing when `text` is undefined or empty. */
  leaf(name: string, text: string | undefined, attributes?: Record<string, string | undefined>): this {
    if (text === undefined || text === '') return this;
    const tags = this.tags(name);
    return this.leafTag(tags.start, attributes === undefined ? '' : attrs(attributes), text, tags.end);
  }

  toString(): string {
    return this.out;
  }
}

/** The tags of an element at a depth, made once, for `openTag`, `leafTag` and `closeTag`. */
export interface XmlTags {
  /** `{indent}<{name}`: a leaf's start, or a start tag's before its attributes. */
  start: string;
  /** `{indent}<{name}>{newline}`: the start tag without attributes. */
  open: string;
  /** `</{name}>{newline}`: the end of a leaf. */
  end: string;
  /** `{indent}</{name}>{newline}`: the end tag of a container. */
  close: string;
  /** `>{newline}`: what ends a start tag after its attributes. */
  startEnd: string;
}

/** The tags `name` has at `depth` in the layout an `XmlWriter(declaration, indentUnit, compact)` writes. */
export function xmlTags(name: string, depth: number, indentUnit = '  ', compact = false): XmlTags {
  const newline = compact ? '' : '\n';
  const indent = compact ? '' : indentUnit.repeat(depth);
  return {
    start: `${indent}<${name}`,
    open: `${indent}<${name}>${newline}`,
    end: `</${name}>${newline}`,
    close: `${indent}</${name}>${newline}`,
    startEnd: `>${newline}`,
  };
}

function attrs(attributes: Record<string, string | undefined>): string {
  let out = '';
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out += ` ${key}="${escapeXml(value)}"`;
  }
  return out;
}

/** Escapes text content and attribute values for XML 1.0. */
export function escapeXml(value: string): string {
  if (!/[&<>"\r]/.test(value)) return value;
  return value.replace(/[&<>"\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#13;',
  );
}

/** The tags of one element name as a writer of one layout writes them, by depth where they are indented. */
interface NameForms {
  /** `{indent}<{name}`, by depth. */
  start: string[];
  /** `</{name}>{newline}`: the end of a leaf. */
  end: string;
  /** `{indent}</{name}>{newline}`, by depth. */
  close: string[];
}

/**
 * Tag texts by layout (indentation unit and line break) and element name, made once: a document writes the
 * same few dozen names thousands of times. Names come from the mappings, so the tables stay small; they are
 * emptied should they ever grow large.
 */
const layouts = new Map<string, Map<string, NameForms>>();
let formsCount = 0;
const MAX_FORMS = 10_000;

/**
 * A small, fast builder of indented XML text. Elements with undefined content are omitted, so optional
 * business terms need no conditionals at the call site. The text is appended piece by piece (tags made once
 * per name and depth, texts): V8 keeps it as a tree of the pieces, copied into one string once, when first
 * read as a whole (much cheaper than joining a list of thousands of small pieces).
 */
export class XmlWriter {
  private out = '';
  /** Start tags not written yet: an element appears only once something inside it does. */
  private readonly pending: string[] = [];
  private depth = 0;
  private readonly indents: string[] = [''];
  private readonly names: Map<string, NameForms>;

  /** After each tag: a line break, or nothing in a compact document (no indentation either). */
  private readonly newline: string;

  constructor(
    declaration = true,
    private indentUnit = '  ',
    compact = false,
  ) {
    this.newline = compact ? '' : '\n';
    if (compact) this.indentUnit = '';
    if (declaration) this.out = `<?xml version="1.0" encoding="UTF-8"?>${this.newline}`;
    const layout = `${this.indentUnit}|${this.newline}`;
    let names = layouts.get(layout);
    if (!names) {
      names = new Map();
      layouts.set(layout, names);
    }
    this.names = names;
  }

  private indent(): string {
    return (this.indents[this.depth] ??= this.indentUnit.repeat(this.depth));
  }

  private forms(name: string): NameForms {
    let forms = this.names.get(name);
    if (forms === undefined) {
      if (formsCount >= MAX_FORMS) {
        for (const names of layouts.values()) names.clear();
        formsCount = 0;
      }
      forms = { start: [], end: `</${name}>${this.newline}`, close: [] };
      this.names.set(name, forms);
      formsCount++;
    }
    return forms;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    for (const tag of this.pending) this.out += tag;
    this.pending.length = 0;
  }

  /** Opens an element; its start tag is written with its first content (see `discard`). */
  open(name: string, attributes?: Record<string, string | undefined>): this {
    const forms = this.forms(name);
    const start = (forms.start[this.depth] ??= `${this.indent()}<${name}`);
    this.pending.push(`${start}${attributes === undefined ? '' : attrs(attributes)}>${this.newline}`);
    this.depth++;
    return this;
  }

  close(name: string): this {
    // an element kept with nothing in it (attributes only, or `keep`) is written as an empty-element tag
    const own = this.pending.pop();
    this.flush();
    this.depth--;
    if (own !== undefined) this.out += `${own.slice(0, -1 - this.newline.length)}/>${this.newline}`;
    else {
      const forms = this.forms(name);
      this.out += forms.close[this.depth] ??= `${this.indent()}</${name}>${this.newline}`;
    }
    return this;
  }

  /** Drops the element just opened, which got no content: nothing of it is written. */
  discard(): this {
    this.pending.pop();
    this.depth--;
    return this;
  }

  /** `<name attrs>text</name>`, or nothing when `text` is undefined or empty. */
  leaf(name: string, text: string | undefined, attributes?: Record<string, string | undefined>): this {
    if (text === undefined || text === '') return this;
    this.flush();
    const forms = this.forms(name);
    this.out += forms.start[this.depth] ??= `${this.indent()}<${name}`;
    if (attributes !== undefined) this.out += attrs(attributes);
    this.out += '>';
    this.out += escapeXml(text);
    this.out += forms.end;
    return this;
  }

  toString(): string {
    return this.out;
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

import { XmlWriter } from './xml-writer';

/** Where a mapping's plan writes: XML text, or a JSON value. */
export interface TreeWriter {
  open(name: string, attributes?: Record<string, string>): unknown;
  close(name: string): unknown;
  leaf(name: string, text: string, attributes?: Record<string, string>): unknown;
  /** Drops the element just opened, which got no content. */
  discard(): unknown;
  /** Around the items of a `forEach`: JSON collects them in a list (even one item). */
  beginList(name: string): void;
  endList(name: string): void;
  toString(): string;
}

export class XmlTreeWriter extends XmlWriter implements TreeWriter {
  beginList(): void {}
  endList(): void {}
}

interface Frame {
  value: Record<string, unknown>;
  lists: Set<string>;
}

/**
 * A JSON value from the same plan: an element is a property, a container an object, the items of a
 * `forEach` a list, a text a string. Attributes become properties of the object an element opens (and are
 * left out on texts). The output is the root element's value.
 */
export class JsonTreeWriter implements TreeWriter {
  private readonly stack: Frame[] = [{ value: {}, lists: new Set() }];

  private get top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private put(name: string, value: unknown): void {
    const frame = this.top;
    if (frame.lists.has(name)) (frame.value[name] as unknown[]).push(value);
    else frame.value[name] = value;
  }

  open(_name: string, attributes?: Record<string, string>): this {
    this.stack.push({ value: { ...attributes }, lists: new Set() });
    return this;
  }

  close(name: string): this {
    const frame = this.stack.pop()!;
    this.put(name, frame.value);
    return this;
  }

  leaf(name: string, text: string): this {
    this.put(name, text);
    return this;
  }

  discard(): this {
    this.stack.pop();
    return this;
  }

  beginList(name: string): void {
    this.top.lists.add(name);
    if (!Array.isArray(this.top.value[name])) this.top.value[name] = [];
  }

  endList(name: string): void {
    this.top.lists.delete(name);
    if ((this.top.value[name] as unknown[]).length === 0) delete this.top.value[name];
  }

  toString(): string {
    const [root] = Object.values(this.stack[0]!.value);
    return `${JSON.stringify(root ?? {}, null, 2)}\n`;
  }
}

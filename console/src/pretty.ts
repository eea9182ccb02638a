/**
 * Re-indenting documents for reading. Only for the preview: signed documents must be downloaded to get
 * their exact bytes, which the preview does not claim to show.
 */

/** Splits XML into markup (tags, comments, CDATA, declarations) and text, without parsing a DOM. */
function xmlTokens(xml: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  const until = (marker: string, from: number) => {
    const end = xml.indexOf(marker, from);
    return end < 0 ? xml.length : end + marker.length;
  };
  while (i < xml.length) {
    let end: number;
    if (xml[i] !== '<') end = xml.indexOf('<', i) < 0 ? xml.length : xml.indexOf('<', i);
    else if (xml.startsWith('<!--', i)) end = until('-->', i + 4);
    else if (xml.startsWith('<![CDATA[', i)) end = until(']]>', i + 9);
    else if (xml.startsWith('<?', i)) end = until('?>', i + 2);
    else end = tagEnd(xml, i);
    tokens.push(xml.slice(i, end));
    i = end;
  }
  return tokens;
}

/** The end of a tag, skipping a `>` inside a quoted attribute value. */
function tagEnd(xml: string, start: number): number {
  let quote: string | undefined;
  for (let i = start + 1; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return xml.length;
}

const isOpenTag = (t: string) => /^<[^!?/]/.test(t) && !t.endsWith('/>');
const isCloseTag = (t: string) => t.startsWith('</');

export function prettyXml(xml: string, indent = '  '): string {
  const tokens = xmlTokens(xml).filter((t) => t.trim() !== '');
  const lines: string[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const text = tokens[i + 1];
    const close = tokens[i + 2];
    // <a>text</a> stays on one line: an element with text only reads best that way
    if (
      isOpenTag(token) &&
      text !== undefined &&
      !text.startsWith('<') &&
      close !== undefined &&
      isCloseTag(close)
    ) {
      lines.push(indent.repeat(depth) + token + text.trim() + close);
      i += 2;
      continue;
    }
    // <a></a>: an empty element on one line too
    if (isOpenTag(token) && text !== undefined && isCloseTag(text)) {
      lines.push(indent.repeat(depth) + token + text);
      i += 1;
      continue;
    }
    if (isCloseTag(token)) depth = Math.max(0, depth - 1);
    lines.push(indent.repeat(depth) + (token.startsWith('<') ? token : token.trim()));
    if (isOpenTag(token)) depth++;
  }
  return lines.join('\n');
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

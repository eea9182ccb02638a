import { randomBytes } from 'node:crypto';
import { EInvoiceError } from '../errors';

/** What a step sends: an artifact as it is, a text template around artifacts, JSON, or multipart. */
export type BodySettings =
  { artifact: string } | { template: string } | { json: unknown } | { multipart: MultipartPart[] };

export interface MultipartPart {
  name: string;
  /** An artifact as the part's content, or a text `value` (a template like `template` bodies). */
  artifact?: string;
  value?: string;
  filename?: string;
  contentType?: string;
}

export const BODY_SCHEMA = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    artifact: { type: 'string', minLength: 1 },
    template: { type: 'string', minLength: 1 },
    json: {},
    multipart: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, pattern: '^[^"\\r\\n]+$' },
          artifact: { type: 'string', minLength: 1 },
          value: { type: 'string' },
          filename: { type: 'string', pattern: '^[^"\\r\\n]+$' },
          contentType: { type: 'string', pattern: '^[^\\r\\n]+$' },
        },
      },
    },
  },
} as const;

export interface Artifacts {
  read(name: string): Promise<Buffer>;
  contentType(name: string): string | undefined;
}

const PLACEHOLDER = /\{\{artifact:([A-Za-z0-9._-]+)(?:\|([a-z0-9-]+))?\}\}/g;
const FILTERS = ['text', 'base64', 'xml', 'xml-escape', 'json'] as const;

/**
 * Expands `{{artifact:NAME}}` in a template: the artifact as text, or with a filter: `base64`, `xml` (the
 * document without its XML declaration, to embed it in an envelope), `xml-escape`, `json` (escaped for the
 * inside of a JSON string). Other placeholders (`{documentId}`, `%SETTING%`) are resolved before this.
 */
export async function expandTemplate(template: string, artifacts: Artifacts): Promise<string> {
  const wanted = new Map<string, Buffer>();
  for (const m of template.matchAll(PLACEHOLDER)) {
    const filter = m[2] ?? 'text';
    if (!(FILTERS as readonly string[]).includes(filter))
      throw new EInvoiceError(
        'submit.bad-template',
        `Unknown filter "${filter}" in ${m[0]}; known: ${FILTERS.join(', ')}`,
      );
    if (!wanted.has(m[1]!)) wanted.set(m[1]!, await artifacts.read(m[1]!));
  }
  return template.replace(PLACEHOLDER, (_whole, name: string, filter = 'text') => {
    const content = wanted.get(name)!;
    const text = content.toString('utf8');
    switch (filter as (typeof FILTERS)[number]) {
      case 'base64':
        return content.toString('base64');
      case 'xml':
        return text.replace(/^\uFEFF?\s*<\?xml[^?]*\?>\s*/, '');
      case 'xml-escape':
        return text.replace(
          /[<>&"']/g,
          (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]!};`,
        );
      case 'json':
        return JSON.stringify(text).slice(1, -1);
      default:
        return text;
    }
  });
}

async function expandJson(value: unknown, artifacts: Artifacts): Promise<unknown> {
  if (typeof value === 'string') return expandTemplate(value, artifacts);
  if (Array.isArray(value)) return Promise.all(value.map((v) => expandJson(v, artifacts)));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await expandJson(v, artifacts);
    return out;
  }
  return value;
}

function encode(text: string, charset: 'utf-8' | 'iso-8859-1'): Buffer {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  const outside = /[\u0100-\uffff]/.exec(text);
  if (outside)
    throw new EInvoiceError(
      'submit.encoding',
      `The body has "${outside[0]}" (at character ${outside.index + 1}), which ISO-8859-1 cannot carry`,
    );
  return Buffer.from(text, 'latin1');
}

/** The bytes of a request body and their content type. */
export async function buildBody(
  body: BodySettings,
  artifacts: Artifacts,
  options: { contentType?: string; charset?: 'utf-8' | 'iso-8859-1' } = {},
): Promise<{ content: Buffer; contentType: string }> {
  const charset = options.charset ?? 'utf-8';
  const withCharset = (type: string) => (/charset=/i.test(type) ? type : `${type}; charset=${charset}`);
  if ('artifact' in body) {
    return {
      content: await artifacts.read(body.artifact),
      contentType: options.contentType ?? artifacts.contentType(body.artifact) ?? 'application/octet-stream',
    };
  }
  if ('template' in body) {
    return {
      content: encode(await expandTemplate(body.template, artifacts), charset),
      contentType: withCharset(options.contentType ?? 'text/plain'),
    };
  }
  if ('json' in body) {
    return {
      content: encode(JSON.stringify(await expandJson(body.json, artifacts)), charset),
      contentType: withCharset(options.contentType ?? 'application/json'),
    };
  }
  const boundary = `einvoice-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of body.multipart) {
    const content = part.artifact
      ? await artifacts.read(part.artifact)
      : encode(await expandTemplate(part.value ?? '', artifacts), charset);
    const type =
      part.contentType ?? (part.artifact ? artifacts.contentType(part.artifact) : undefined) ?? 'text/plain';
    const filename = part.filename ?? (part.artifact ? part.artifact : undefined);
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"` +
          `${filename ? `; filename="${filename}"` : ''}\r\nContent-Type: ${type}\r\n\r\n`,
      ),
      content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { content: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

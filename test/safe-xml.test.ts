import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedFormats } from '../shared/formats/mapping';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { packageRoot } from '../shared/util/package-root';
import { parseXmlSafely } from '../shared/xml/safe-xml';
import { describeWithCorpus } from './support/corpus';
import { tempDir } from './support/temp';

const ubl = () => shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!;

describe('hostile XML is refused before it is parsed', () => {
  it('billion laughs (entity expansion)', () => {
    const laughs = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      '<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`),
      ']>',
      '<Invoice>&lol9;</Invoice>',
    ].join('\n');
    expect(() => ubl().parse!(laughs)).toThrow(
      expect.objectContaining({
        code: 'xml.dtd-forbidden',
        details: [expect.objectContaining({ path: 'line 2, column 1' })],
      }),
    );
  });

  it('an external entity (XXE)', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
    expect(() => parseXmlSafely(xxe)).toThrow(expect.objectContaining({ code: 'xml.dtd-forbidden' }));
  });

  it('a 50 MB document', () => {
    const big = `<r>${'x'.repeat(50 * 1024 * 1024)}</r>`;
    expect(() => parseXmlSafely(big)).toThrow(expect.objectContaining({ code: 'xml.too-large' }));
  });

  it('10,000 levels of nesting, located', () => {
    const deep = `<r>\n${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</r>`;
    expect(() => parseXmlSafely(deep)).toThrow(
      expect.objectContaining({
        code: 'xml.too-deep',
        // the 256th <a> on line 2 opens level 257 (the root is level 1)
        details: [expect.objectContaining({ path: `line 2, column ${255 * 3 + 1}` })],
      }),
    );
  });

  it('counts nesting right around quoted ">" and self-closing elements', () => {
    const tricky = `<r>${'<a t="x>/">'.repeat(100)}${'<b/>'.repeat(1000)}${'</a>'.repeat(100)}</r>`;
    expect(() => parseXmlSafely(tricky, { maxDepth: 101 })).not.toThrow();
    expect(() => parseXmlSafely(tricky, { maxDepth: 100 })).toThrow(
      expect.objectContaining({ code: 'xml.too-deep' }),
    );
  });

  it('a document that is not well-formed, with its line and column', () => {
    expect(() => parseXmlSafely('<r>\n  <a></b>\n</r>')).toThrow(
      expect.objectContaining({
        code: 'xml.malformed',
        details: [
          expect.objectContaining({
            path: 'line 2, column 6',
            message: expect.stringContaining("closing tag 'a'"),
          }),
        ],
      }),
    );
  });

  it('another kind of document is named, not misread', () => {
    expect(() =>
      ubl().parse!('<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'),
    ).toThrow(expect.objectContaining({ code: 'convert.unknown-document' }));
  });
});

describe('einvoice convert', () => {
  const cli = join(packageRoot(), 'bin', 'einvoice.js');
  const run = (args: string[], input?: string) =>
    execFileSync(process.execPath, [cli, ...args], {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });

  it('writes UBL from a canonical sample, and reads it back to the same invoice', () => {
    const samples = join(packageRoot(), 'samples');
    const ublText = run(['convert', join(samples, 'invoice.json'), '--to', 'peppol-bis3-ubl']);
    const envelope = JSON.parse(readFileSync(join(samples, 'invoice.json'), 'utf8')) as {
      document: Parameters<typeof renderPeppolUbl>[0];
    };
    expect(ublText).toBe(renderPeppolUbl(envelope.document));
    expect(ubl().parse!(ublText).id).toBe(envelope.document.id);
  });

  it('refuses to render a document that does not validate, naming the rule', () => {
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, JSON.stringify({ ...sampleInvoice(1), currency: 'EURO' }));
    let failure: { status?: number; stderr?: string } = {};
    try {
      execFileSync(process.execPath, [cli, 'convert', file, '--to', 'peppol-bis3-ubl'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
    } catch (error) {
      failure = error as typeof failure;
    }
    expect(failure.status).toBe(1);
    expect(failure.stderr).toMatch(/\/currency/);
  });
});

describeWithCorpus(
  'einvoice convert on an official example',
  ['peppol-bis-invoice-3/rules/examples'],
  (corpus) => {
    it('reads PEPPOL UBL into the canonical model', () => {
      const cli = join(packageRoot(), 'bin', 'einvoice.js');
      const file = join(corpus, 'peppol-bis-invoice-3', 'rules', 'examples', 'base-example.xml');
      const canonical = JSON.parse(
        execFileSync(process.execPath, [cli, 'convert', file, '--to', 'canonical'], { encoding: 'utf8' }),
      ) as { id: string; seller: { vatId: string }; lines: unknown[] };
      expect(canonical).toMatchObject({ id: 'Snippet1', seller: { vatId: 'GB1232434' } });
      expect(canonical.lines).toHaveLength(2);
    });
  },
);

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedFormats } from '../shared/formats/mapping';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { packageRoot } from '../shared/util/package-root';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { rootElementOf, XsdValidatorPool } from '../shared/xml/xsd';
import { describeWithCorpus } from './support/corpus';
import { schemaFolder } from './support/schema-folder';
import { createHarness, TENANT } from './support/harness';
import { tempDir } from './support/temp';

describe('XSD validation without installed schemas', () => {
  it('says which schema is missing and where to put it', async () => {
    const pool = new XsdValidatorPool(undefined);
    await expect(pool.validate(renderPeppolUbl(sampleInvoice(1)))).rejects.toMatchObject({
      code: 'schema.not-installed',
      message: expect.stringContaining('OASIS UBL 2.1 Invoice is not installed: set EINVOICE_SCHEMAS_DIR'),
    });
    await pool.close();
  });

  it('a flow step that does not require the schema passes with a notice on the record', async () => {
    const harness = await createHarness();
    const record = await harness.settle((await harness.submit(sampleInvoice(2))).id);
    expect(record.status).toBe('completed');
    expect(record.history.find((h) => h.action === 'validate-xsd')).toMatchObject({
      outcome: 'accepted',
      code: 'schema.not-checked',
    });
  });

  it('names the root element it looks a schema up by', () => {
    expect(rootElementOf('<?xml version="1.0"?><!-- x --><p:R xmlns:p="urn:p" xmlns="urn:d"/>')).toBe(
      '{urn:p}R',
    );
    expect(rootElementOf('<Invoice xmlns="urn:i">')).toBe('{urn:i}Invoice');
  });
});

describeWithCorpus(
  'XSD validation with the official schemas',
  ['oasis-ubl-2.1/xsd', 'en16931/cii/examples'],
  (corpus) => {
    let pool: XsdValidatorPool;
    beforeAll(() => {
      pool = new XsdValidatorPool(schemaFolder(corpus));
    });
    afterAll(() => pool.close());

    it('accepts the service output and the official CII examples; finds the schema by the root element', async () => {
      expect(await pool.validate(renderPeppolUbl(sampleInvoice(3)))).toEqual([]);
      expect(await pool.validate(renderPeppolUbl({ ...sampleInvoice(1), typeCode: '381' }))).toEqual([]);
      const cii = join(corpus, 'en16931', 'cii', 'examples');
      for (const name of readdirSync(cii)
        .filter((n) => n.endsWith('.xml'))
        .slice(0, 3)) {
        expect({ name, problems: await pool.validate(readFileSync(join(cii, name), 'utf8')) }).toEqual({
          name,
          problems: [],
        });
      }
    });

    it('every shipped format writes XSD-valid documents for every sample', async () => {
      const samples = join(packageRoot(), 'samples');
      // CFDI is a Mexican format: its samples are samples/mx, checked against SAT's schema in cfdi.test.ts (these
      // EN 16931 samples have no RFC, and document-level allowances a CFDI cannot carry; its payment receipt is
      // made of payment documents; the NF-e is Brazil's, its samples in samples/br, checked against SEFAZ's schemas in
      // brazil.e2e.test.ts and nfe-figures.test.ts)
      for (const format of shippedFormats().filter(
        (f) => f.contentType === 'application/xml' && f.id !== 'cfdi-40' && f.id !== 'nfe-400' && f.document !== 'payment',
      )) {
        for (const name of readdirSync(samples).filter((n) => n.endsWith('.json'))) {
          const { document } = JSON.parse(readFileSync(join(samples, name), 'utf8')) as {
            document: CanonicalInvoice;
          };
          const problems = await pool.validate(format.render(document));
          expect({ format: format.id, name, problems }).toEqual({ format: format.id, name, problems: [] });
        }
      }
    });

    it('reports each error with its line and the element', async () => {
      const xml = renderPeppolUbl(sampleInvoice(1)).replace(
        /(<cbc:IssueDate>[^<]*<\/cbc:IssueDate>\n)/,
        '$1  <cbc:Bogus>x</cbc:Bogus>\n',
      );
      const line = xml.split('\n').findIndex((l) => l.includes('cbc:Bogus')) + 1;
      const problems = await pool.validate(xml);
      expect(problems).toEqual([
        expect.objectContaining({
          code: 'xsd.invalid',
          path: `line ${line}`,
          message: expect.stringContaining('Bogus'),
        }),
      ]);
    });

    it('runs the XRechnung flow to the outbox with a schema-checked document', async () => {
      const harness = await createHarness({ EINVOICE_SCHEMAS_DIR: corpus });
      const record = await harness.settle(
        (await harness.submit(sampleInvoice(2), { format: 'xrechnung-ubl' })).id,
      );
      expect(record.flowId).toBe('xrechnung-ubl-outbox');
      expect(record.status).toBe('completed');
      const xml = (await harness.services.documents.getArtifact(
        TENANT,
        record.id,
        'invoice.xml',
      ))!.toString();
      expect(xml).toContain('urn:xeinkauf.de:kosit:xrechnung_3.0');
      expect(record.history.find((h) => h.action === 'validate-xsd')).toMatchObject({ outcome: 'accepted' });
    });

    it("passes the outbox flow's UBL, without a notice", async () => {
      const harness = await createHarness({ EINVOICE_SCHEMAS_DIR: corpus });
      const ok = await harness.settle((await harness.submit(sampleInvoice(2))).id);
      expect(ok.status).toBe('completed');
      expect(ok.history.find((h) => h.action === 'validate-xsd')).toMatchObject({ outcome: 'accepted' });
      expect(ok.history.find((h) => h.action === 'validate-xsd')?.code).toBeUndefined();
    });

    it('rejects an inbound document in a flow, with every error on the record and in xsd-report.json', async () => {
      const flows = tempDir();
      writeFileSync(
        join(flows, 'xsd-check.json'),
        JSON.stringify({
          id: 'xsd-check',
          version: 1,
          description: 'Check inbound UBL against its schema',
          applicability: { field: 'direction', op: 'eq', value: 'inbound' },
          steps: [{ id: 'schema', action: 'validate-xsd', with: { input: 'input.xml', schema: 'auto' } }],
        }),
      );
      const harness = await createHarness({ EINVOICE_SCHEMAS_DIR: corpus, EINVOICE_FLOWS_DIR: flows });
      const xml = renderPeppolUbl(sampleInvoice(1)).replace(
        '<cbc:IssueDate>',
        '<cbc:Bogus>1</cbc:Bogus><cbc:IssueDate>',
      );
      const { record } = await harness.services.pipeline.submit({
        tenantId: TENANT,
        context: { direction: 'inbound' },
        content: Buffer.from(xml),
        contentType: 'application/xml',
      });
      const rejected = await harness.settle(record.id);
      expect(rejected.status).toBe('rejected');
      expect(rejected.history.find((h) => h.action === 'validate-xsd')).toMatchObject({
        outcome: 'rejected',
        code: 'xsd.invalid',
      });
      const report = await harness.services.documents.getArtifact(TENANT, record.id, 'xsd-report.json');
      expect(JSON.parse(report!.toString())).toMatchObject({
        valid: false,
        problems: [expect.objectContaining({ message: expect.stringContaining('Bogus') })],
      });
    });
  },
);

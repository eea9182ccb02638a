import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompanySetup } from '../shared/edoc/setup';
import type { DocumentRecord } from '../shared/model/record';
import { packageRoot } from '../shared/util/package-root';
import { BcStandIn } from './support/bc-standin';
import { corpusDir } from './support/corpus';
import { createHarness, TENANT, type Harness } from './support/harness';
import { onTeardown, tempDir } from './support/temp';

const SAMPLE = JSON.parse(
  readFileSync(join(packageRoot(), 'samples', 'edoc', 'transfer.json'), 'utf8'),
) as Record<string, unknown>;
const SETUP: CompanySetup = {
  companyId: 'CRONUS',
  extDocNoMandatory: true,
  dimensionCodes: ['COSTCENTER'],
  vendorNumbers: { GB1232434: 'V30000' },
};

describe('inbound flows to Business Central (on the embedded runtime, against a BC stand-in)', () => {
  let bc: BcStandIn;
  let h: Harness;

  beforeEach(async () => {
    // The stand-in and the runtime share the data folder: the client secret is the runtime's own
    // secret bc-client-secret, which the stand-in creates.
    const dataDir = tempDir();
    const server = new BcStandIn({ port: 0, dataDir });
    await server.start();
    onTeardown(() => server.stop());
    bc = server;
    h = await createHarness(
      {
        EINVOICE_DATA_DIR: dataDir,
        BC_API_URL: bc.apiUrl,
        BC_TOKEN_URL: bc.tokenUrl,
        BC_CLIENT_ID: bc.clientId,
      },
      undefined,
      { realClock: true },
    );
    await h.services.tenants.setCompany(TENANT, 'CRONUS', SETUP);
  });

  const inbound = async (content: string, contentType: string, format: string): Promise<DocumentRecord> => {
    const { record } = await h.services.pipeline.submit({
      tenantId: TENANT,
      context: { direction: 'inbound', format, companyId: 'CRONUS' },
      content: Buffer.from(content),
      contentType,
    });
    return h.services.pipeline.waitForTerminal(TENANT, record.id, 30_000, 20);
  };

  it('edoc-to-bc: checks the transfer document, maps it, creates the purchase invoice through the API', async () => {
    const done = await inbound(JSON.stringify(SAMPLE), 'application/json', 'edoc-transfer');
    expect(done.flowId).toBe('edoc-to-bc');
    expect(done.status).toBe('completed');
    expect(done.variables).toMatchObject({
      bcPath: 'companies(CRONUS)/purchaseInvoices',
      bcDocumentNumber: 'PI-1001',
    });
    expect(bc.calls).toHaveLength(1);
    const call = bc.calls[0]!;
    expect(call.path).toBe('companies(CRONUS)/purchaseInvoices');
    expect(call.body).toMatchObject({
      vendorNumber: 'V10000',
      vendorInvoiceNumber: 'R-2026-17',
      postingDate: '2026-11-05',
    });
    expect(call.body.purchaseInvoiceLines).toEqual([
      expect.objectContaining({
        sequence: 10000,
        lineType: 'Item',
        quantity: 2,
        unitCost: 150,
        dimensionSetLines: [{ code: 'COSTCENTER', valueCode: '1000' }],
      }),
      expect.objectContaining({ sequence: 20000, lineType: 'Item' }),
      expect.objectContaining({ sequence: 30000, lineType: 'Charge', lineObjectNumber: 'FREIGHT' }),
    ]);
    const records = JSON.parse(
      (await h.services.pipeline.artifact(TENANT, done.id, 'bc-records.json')).content.toString(),
    ) as {
      records: Array<{ table: number }>;
    };
    expect(records.records.map((r) => r.table)).toEqual([38, 39, 39, 39, 5805, 5805, 480, 480]);
  });

  it('edoc-to-bc: numbers sent for text fields travel on as their decimal text', async () => {
    const sample = structuredClone(SAMPLE) as { positions: Array<Record<string, unknown>> };
    sample.positions.forEach((position, index) => (position.id = index + 1));
    const done = await inbound(JSON.stringify(sample), 'application/json', 'edoc-transfer');
    expect(done.status).toBe('completed');
    const transfer = JSON.parse(
      (await h.services.pipeline.artifact(TENANT, done.id, 'transfer.json')).content.toString(),
    ) as { positions: Array<{ id: unknown }> };
    expect(transfer.positions.map((p) => p.id)).toEqual(sample.positions.map((_, i) => String(i + 1)));
    const input = JSON.parse(
      (await h.services.pipeline.artifact(TENANT, done.id, 'input.json')).content.toString(),
    ) as { positions: Array<{ id: unknown }> };
    expect(input.positions[0]!.id).toBe(1); // the input is kept as it came
  });

  it('edoc-to-bc: a document with errors is rejected with every problem, and BC is not called', async () => {
    const header = { ...(SAMPLE.header as object), external_number: undefined, vendor_nmae: 'x' };
    const done = await inbound(JSON.stringify({ ...SAMPLE, header }), 'application/json', 'edoc-transfer');
    expect(done.status).toBe('rejected');
    expect(done.history.at(-1)).toMatchObject({
      stepId: 'check',
      code: 'edoc.invalid',
      message: expect.stringContaining('2 errors'),
    });
    expect(done.history.at(-1)!.message).toContain('[edoc.unknown-field] /header/vendor_nmae');
    expect(done.history.at(-1)!.message).toContain('[setting extDocNoMandatory]');
    expect(bc.calls).toEqual([]);
  });

  it("edoc-to-bc: another company's document is not imported", async () => {
    const done = await inbound(
      JSON.stringify({ ...SAMPLE, header: { ...(SAMPLE.header as object), company_id: 'OTHER' } }),
      'application/json',
      'edoc-transfer',
    );
    expect(done).toMatchObject({ status: 'rejected' });
    expect(done.history.at(-1)).toMatchObject({ code: 'edoc.not-imported' });
  });

  it('edoc-to-bc with Posting Journal: journal lines in one $batch', async () => {
    await h.services.tenants.setCompany(TENANT, 'CRONUS', { ...SETUP, costDocumentType: 'posting_journal' });
    const document = {
      ...SAMPLE,
      header: { ...(SAMPLE.header as object), workflow_type: 'Invoice without order reference' },
      positions: [
        { ...(SAMPLE.positions as object[])[0], account: '6100', gross_amount: 357, order_number: undefined },
      ],
    };
    const done = await inbound(JSON.stringify(document), 'application/json', 'edoc-transfer');
    expect(done.status).toBe('completed');
    expect(bc.calls[0]!.path).toBe('$batch');
    const requests = bc.calls[0]!.body.requests as Array<{ url: string; body: Record<string, unknown> }>;
    expect(requests.map((r) => [r.url, r.body.accountType, r.body.amount])).toEqual([
      ['companies(CRONUS)/journals(DEFAULT)/journalLines', 'Vendor', -523.6],
      ['companies(CRONUS)/journals(DEFAULT)/journalLines', 'G/L Account', 357],
    ]);
  });

  it("BC's refusal (an unknown vendor) rejects the document with BC's message", async () => {
    const done = await inbound(
      JSON.stringify({ ...SAMPLE, header: { ...(SAMPLE.header as object), vendor_id: 'V99999' } }),
      'application/json',
      'edoc-transfer',
    );
    expect(done.status).toBe('rejected');
    expect(done.history.at(-1)).toMatchObject({
      stepId: 'submit',
      code: 'submit.http-400',
      message: expect.stringContaining(
        "Internal_RecordNotFound: The Vendor does not exist. Identification fields and values: No.='V99999'",
      ),
    });
  });

  it('the shipped samples: the setup of samples/edoc/bc-setup.json, the transfer document and the UBL vendor invoice', async () => {
    const setup = JSON.parse(
      readFileSync(join(packageRoot(), 'samples', 'edoc', 'bc-setup.json'), 'utf8'),
    ) as CompanySetup;
    await h.services.tenants.setCompany(TENANT, 'CRONUS', setup);
    const edoc = await inbound(JSON.stringify(SAMPLE), 'application/json', 'edoc-transfer');
    expect(edoc).toMatchObject({
      status: 'completed',
      variables: {
        bcPath: `companies(${setup.bcCompanyId!})/purchaseInvoices`,
        bcDocumentNumber: 'PI-1001',
      },
    });
    const xml = readFileSync(join(packageRoot(), 'samples', 'edoc', 'vendor-invoice.xml'), 'utf8');
    const ubl = await inbound(xml, 'application/xml', 'peppol-bis3-ubl');
    expect(ubl).toMatchObject({ flowId: 'ubl-to-bc', status: 'completed' });
    expect(ubl.variables).toMatchObject({ bcDocumentNumber: 'PI-1002' });
    expect(bc.calls[1]!.body).toMatchObject({ vendorNumber: 'V10000', vendorInvoiceNumber: 'R-2026-18' });
    expect(
      (bc.calls[1]!.body.purchaseInvoiceLines as Array<Record<string, unknown>>).map((l) => [
        l.lineType,
        l.quantity,
        l.unitCost,
      ]),
    ).toEqual([
      ['Item', 2, 150],
      ['Item', 1, 100],
    ]);
  });

  it('a wrong client secret in the key folder: the token endpoint refuses it and the document is not sent', async () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'keys', 'secrets'), { recursive: true });
    writeFileSync(join(dataDir, 'keys', 'secrets', 'bc-client-secret'), 'not-what-bc-has');
    const standIn = new BcStandIn({ port: 0, clientSecret: 'what-bc-has' });
    await standIn.start();
    onTeardown(() => standIn.stop());
    const other = await createHarness(
      {
        EINVOICE_DATA_DIR: dataDir,
        BC_API_URL: standIn.apiUrl,
        BC_TOKEN_URL: standIn.tokenUrl,
        BC_CLIENT_ID: standIn.clientId,
      },
      undefined,
      { realClock: true },
    );
    await other.services.tenants.setCompany(TENANT, 'CRONUS', SETUP);
    const { record } = await other.services.pipeline.submit({
      tenantId: TENANT,
      context: { direction: 'inbound', format: 'edoc-transfer', companyId: 'CRONUS' },
      content: Buffer.from(JSON.stringify(SAMPLE)),
      contentType: 'application/json',
    });
    const done = await other.services.pipeline.waitForTerminal(TENANT, record.id, 30_000, 20);
    expect(done.status).not.toBe('completed');
    expect(JSON.stringify(done.history)).toContain('invalid_client');
    expect(standIn.calls).toEqual([]);
  });

  const corpus = corpusDir();
  (corpus ? it : it.skip)(
    'ubl-to-bc: a PEPPOL BIS 3 vendor invoice becomes a BC purchase invoice',
    async () => {
      const xml = readFileSync(
        join(corpus!, 'peppol-bis-invoice-3', 'rules', 'examples', 'base-example.xml'),
        'utf8',
      );
      const done = await inbound(xml, 'application/xml', 'peppol-bis3-ubl');
      expect(done.flowId).toBe('ubl-to-bc');
      expect(done.status).toBe('completed');
      expect(done.history.map((e) => e.stepId).filter((s, i, all) => all.indexOf(s) === i)).toEqual([
        'read',
        'validate',
        'to-edoc',
        'check',
        'map',
        'submit',
        'answer',
      ]);
      expect(bc.calls[0]).toMatchObject({
        path: 'companies(CRONUS)/purchaseInvoices',
        body: { vendorNumber: 'V30000', vendorInvoiceNumber: 'Snippet1' },
      });
      expect((bc.calls[0]!.body.purchaseInvoiceLines as unknown[]).length).toBe(2);
      const transfer = JSON.parse(
        (await h.services.pipeline.artifact(TENANT, done.id, 'transfer.json')).content.toString(),
      ) as {
        header: Record<string, unknown>;
      };
      expect(transfer.header).toMatchObject({ ecm_id: done.id, company_id: 'CRONUS', vendor_id: 'V30000' });
    },
  );
});

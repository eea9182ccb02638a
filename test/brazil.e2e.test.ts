import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FolderCertificateStore } from '../shared/adapters/folder-certificate-store';
import { MemoryObjectStore } from '../shared/adapters/memory-object-store';
import { FolderSecretStore } from '../shared/adapters/secret-stores';
import { sefazAuthorizeAction } from '../shared/actions/sefaz-authorize';
import { sefazStatusAction } from '../shared/actions/sefaz-status';
import { createConnectors } from '../shared/composition';
import type { ActionContext } from '../shared/engine/action';
import type { DocumentRecord } from '../shared/model/record';
import { SefazStandIn, type SefazStandInOptions } from '../shared/sandbox/sefaz-standin';
import { packageRoot } from '../shared/util/package-root';
import { corpusDir } from './support/corpus';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { runtimeApi } from './support/runtime-api';
import { eventually, onTeardown, tempDir } from './support/temp';
import { validateXsd } from './support/xsd';

/**
 * The Brazilian feature end to end on the embedded runtime (the built CLI) against the SEFAZ stand-in over
 * mutual TLS: the NF-e made with its taxes per item, keyed, cross-checked, signed with the company's A1 (the
 * stand-in's test CA issued it), authorised (synchronously, or by receipt), the nfeProc kept; a lost answer
 * recovered from SEFAZ's record, never authorised twice; events as related submissions.
 */
describe('Brazil: NF-e 4.00 authorised by the SEFAZ stand-in', () => {
  let runtime: RuntimeProcess;
  let dataDir: string;
  let standIn: SefazStandIn;
  // the schemas of the corpus, when it is there: the stand-in then checks every lote against them (225)
  const corpus = corpusDir('nfe-sped/schemes/PL_009_V4');
  const schemas = corpus && join(corpus, 'nfe-sped', 'schemes', 'PL_009_V4');

  beforeAll(async () => {
    dataDir = tempDir();
    standIn = await started();
    runtime = await startRuntime(dataDir, { SEFAZ_URL: '', SEFAZ_CA_FILE: standIn.caFile });
    onTeardown(() => runtime.stop());
    expect((await api('PUT', '/features/br-nfe-sefaz', {})).status).toBe(200);
    // the company's A1, as its tenant's certificate in the key folder
    writeFileSync(join(dataDir, 'keys', 'local--br-a1.key.pem'), standIn.clientKeyPem, { mode: 0o600 });
    writeFileSync(join(dataDir, 'keys', 'local--br-a1.crt.pem'), standIn.clientCertPem);
  }, 60_000);

  /**
   * A SEFAZ stand-in; after the first, each with the first one's test CA and client certificate (its TLS
   * folder copied), which the runtime trusts and the companies sign with.
   */
  let firstData: string | undefined;
  async function started(options: SefazStandInOptions = {}): Promise<SefazStandIn> {
    const data = tempDir();
    if (firstData)
      cpSync(join(firstData, 'sefaz-standin', 'tls'), join(data, 'sefaz-standin', 'tls'), {
        recursive: true,
      });
    else firstData = data;
    const sefaz = new SefazStandIn({
      port: 0,
      dataDir: data,
      ...(corpus ? { schemasDir: corpus } : {}),
      ...options,
    });
    await sefaz.start();
    onTeardown(() => sefaz.stop());
    return sefaz;
  }

  const { api, submitSample, artifact } = runtimeApi(() => runtime);

  /** The connectors an action run by hand uses: the runtime's key folder (the companies' A1). */
  const runtimeConnectors = () =>
    createConnectors(
      new MemoryObjectStore(),
      new FolderCertificateStore(join(dataDir, 'keys')),
      new FolderSecretStore(join(dataDir, 'keys')),
    );

  let companies = 0;
  /** A company of the sample's CNPJ (99999999000191, the stand-in's client) authorised by `sefaz`. */
  async function company(sefaz: SefazStandIn, more: Record<string, string> = {}) {
    const companyId = `br-${++companies}`;
    const set = await api('PUT', `/features/br-nfe-sefaz/companies/${companyId}`, {
      a1: 'br-a1',
      cnpj: '99999999000191',
      ie: '111111111119',
      crt: '3',
      uf: 'SP',
      cMun: '3550308',
      sefazUrl: sefaz.url,
      svcUrl: sefaz.url,
      ...more,
    });
    expect(set.status).toBe(200);
    return companyId;
  }

  const submit = (companyId: string, name: string, change?: (document: Record<string, any>) => void) =>
    submitSample('br', companyId, name, change);
  const steps = (record: DocumentRecord, stepId: string) => record.history.filter((h) => h.stepId === stepId);

  it('authorises each sample of the regime-normal company: nfeProc kept, its digVal the signature digest', async () => {
    const companyId = await company(standIn);
    const names = readdirSync(join(packageRoot(), 'samples', 'br')).filter(
      (n) => n.endsWith('.json') && n !== 'simples-nacional.json',
    );
    expect(names.length).toBeGreaterThanOrEqual(3);
    const procs: Record<string, string> = {};
    for (const name of names) {
      const record = await submit(companyId, name);
      expect({ name, status: record.status, cStat: record.variables?.cStat }).toEqual({
        name,
        status: 'completed',
        cStat: '100',
      });
      const proc = await artifact(record, 'nfe-proc.xml');
      const signed = await artifact(record, 'signed.xml');
      expect(proc).toContain(`<chNFe>${record.variables!.chNFe}</chNFe>`);
      const digest = /<DigestValue>([^<]+)<\/DigestValue>/.exec(signed)![1]!;
      expect(proc).toContain(`<digVal>${digest}</digVal>`);
      expect(signed).not.toMatch(/<\/?ds:/); // SEFAZ refuses prefixes
      procs[`${name}.xml`] = proc;
      // the signature verifies with xmlsec1, independently of the product
      const file = join(tempDir(), 'signed.xml');
      writeFileSync(file, signed);
      const xmlsec = spawnSync(
        'xmlsec1',
        [
          '--verify',
          '--trusted-pem',
          standIn.caFile,
          '--id-attr:Id',
          'http://www.portalfiscal.inf.br/nfe:infNFe',
          file,
        ],
        { encoding: 'utf8' },
      );
      expect({ name, status: xmlsec.status, out: xmlsec.stderr.includes('OK') }).toEqual({
        name,
        status: 0,
        out: true,
      });
    }
    expect(standIn.authorisations()).toHaveLength(names.length);
    if (schemas) {
      const results = await validateXsd(join(schemas, 'procNFe_v4.00.xsd'), procs);
      expect(results.map((r) => [r.file, r.errors])).toEqual(Object.keys(procs).map((file) => [file, []]));
    }
  });

  it('writes the taxes as computed per item: ICMS, IPI, PIS, COFINS; the difal of a consumer in another state', async () => {
    const companyId = await company(standIn);
    const interna = await artifact(
      await submit(companyId, 'venda-interna.json', (d) => (d.id = 'NF-T-1')),
      'nfe.xml',
    );
    // 10 × 125.50 = 1255.00 less 55.00: base 1200.00; ICMS 18 % 216.00; IPI 10 % 120.00; vNF 1200 + 120
    expect(interna).toContain('<vBC>1200.00</vBC><pICMS>18.00</pICMS><vICMS>216.00</vICMS>');
    expect(interna).toContain('<vNF>1320.00</vNF>');
    const difal = await artifact(
      await submit(companyId, 'venda-interestadual-difal.json', (d) => (d.id = 'NF-T-2')),
      'nfe.xml',
    );
    expect(difal).toContain('<idDest>2</idDest>');
    expect(difal).toMatch(/<ICMSUFDest>.*<pICMSUFDest>20.50<\/pICMSUFDest>.*<\/ICMSUFDest>/);
  });

  it('the Simples Nacional company writes CSOSN, with the credit of 101', async () => {
    const sn = await company(standIn, { cnpj: '33123456000106', crt: '1', pCredSN: '2.56', a1: 'br-sn-a1' });
    const issued = standIn.issueCertificate('33123456000106', 'CONFECCOES DEMONSTRACAO ME');
    writeFileSync(join(dataDir, 'keys', 'local--br-sn-a1.key.pem'), issued.keyPem, { mode: 0o600 });
    writeFileSync(join(dataDir, 'keys', 'local--br-sn-a1.crt.pem'), issued.certPem);
    const record = await submit(sn, 'simples-nacional.json');
    expect(record.status).toBe('completed');
    const nfe = await artifact(record, 'nfe.xml');
    expect(nfe).toContain('<CRT>1</CRT>');
    expect(nfe).toMatch(/<ICMSSN101><orig>0<\/orig><CSOSN>101<\/CSOSN><pCredSN>2.56(00)?<\/pCredSN>/);
  });

  it('an answer lost after authorising: SEFAZ is asked for its record, the first protocol kept, never a second', async () => {
    const sefaz = await started({ faults: { timeoutAfterAuthorise: 1 } });
    const companyId = await company(sefaz, { indSinc: '1', timeout: '3s' });
    const record = await submit(companyId, 'venda-interna.json', (d) => (d.id = 'NF-LOST-1'));
    expect(record.status).toBe('completed');
    expect(steps(record, 'authorize').map((h) => h.outcome)).toEqual(['transient', 'accepted']);
    expect(sefaz.authorisations()).toHaveLength(1);
    expect(record.variables?.nProt).toBe(sefaz.authorisations()[0]!.nProt);
    expect(sefaz.stats().duplicates).toBe(0); // recovered by the query, not by sending again
  });

  it('by receipt: 103, then 105 while SEFAZ processes, then the protocol', async () => {
    const sefaz = await started({ pendingPolls: 3 });
    const companyId = await company(sefaz, { indSinc: '0' });
    const record = await submit(companyId, 'venda-interna.json', (d) => (d.id = 'NF-ASYNC-1'));
    expect(record.status).toBe('completed');
    expect(record.variables?.nRec).toMatch(/^\d{15}$/);
    expect(steps(record, 'receipt').map((h) => h.outcome)).toEqual([
      'pending',
      'pending',
      'pending',
      'accepted',
    ]);
    expect(await artifact(record, 'nfe-proc.xml')).toContain('<cStat>100</cStat>');
  });

  it('the authoriser stopped (108): issued in contingency by SVC with a new key (tpEmis 6), then back', async () => {
    const sefaz = await started({ status: '108' });
    const svc = await started();
    const companyId = await company(sefaz, { svcUrl: svc.url });
    const record = await submit(companyId, 'venda-interna.json', (d) => (d.id = 'NF-SVC-1'));
    expect(record.status).toBe('completed');
    expect(steps(record, 'authorize')).toEqual([
      expect.objectContaining({ outcome: 'failed', code: 'sefaz.108' }),
    ]);
    const normalKey = steps(record, 'key')[0]; // the first key was made for tpEmis 1
    expect(normalKey?.outcome).toBe('accepted');
    expect(record.variables).toMatchObject({ tpEmis: '6', contingency: 'svc-an', cStat: '100' });
    expect(record.variables?.chNFe?.[34]).toBe('6');
    // the key made first (tpEmis 1) is kept: it is the one the authoriser refused to take
    expect(record.variables?.replacedChNFe?.[34]).toBe('1');
    expect(record.variables?.replacedChNFe?.slice(0, 34)).toBe(record.variables?.chNFe?.slice(0, 34));
    const nfe = await artifact(record, 'nfe-proc.xml');
    expect(nfe).toMatch(/<tpEmis>6<\/tpEmis>.*<dhCont>[^<]+<\/dhCont><xJust>[^<]{15,}<\/xJust>/);
    expect(sefaz.authorisations()).toHaveLength(0);
    expect(svc.authorisations().map((a) => a.chNFe)).toEqual([record.variables!.chNFe]);
    // back: the authoriser in operation again, the next document goes to it
    sefaz.setStatus('107');
    const next = await submit(companyId, 'venda-interna.json', (d) => (d.id = 'NF-SVC-2'));
    expect(next.status).toBe('completed');
    expect(next.variables).toMatchObject({ tpEmis: '1', contingency: '' });
    expect(sefaz.authorisations()).toHaveLength(1);
  });

  it('a duplicate (204) after an attempt that recorded nothing: the first protocol recovered, not a second', async () => {
    const sefaz = await started();
    const companyId = await company(sefaz);
    const first = await submit(companyId, 'venda-interna.json', (d) => (d.id = 'NF-DUP-1'));
    expect(first.status).toBe('completed');
    // the same signed NF-e sent again by an attempt that knows of no earlier one (its record lost)
    const connectors = runtimeConnectors();
    const signed = await artifact(first, 'signed.xml');
    const written: Record<string, string> = {};
    const result = await sefazAuthorizeAction(connectors).run({
      params: {
        certificate: 'local--br-a1',
        uf: 'SP',
        environment: 'homologacao',
        baseUrl: sefaz.url,
        caFile: sefaz.caFile,
      },
      record: { id: first.id, history: [], correlationId: 'c' },
      step: { id: 'authorize', action: 'sefaz-authorize' },
      resumed: false,
      idempotencyKey: 'k',
      signal: new AbortController().signal,
      readArtifact: () => Promise.resolve(Buffer.from(signed)),
      writeArtifact: (name: string, content: string | Buffer) => {
        written[name] = content.toString();
        return Promise.resolve();
      },
    } as unknown as ActionContext);
    expect(result).toMatchObject({ outcome: 'accepted', variables: { nProt: first.variables!.nProt } });
    expect(result.message).toMatch(/recovered after 204/);
    expect(written['nfe-proc.xml']).toContain(`<nProt>${first.variables!.nProt}</nProt>`);
    expect(sefaz.stats().duplicates).toBe(1);
    expect(sefaz.authorisations()).toHaveLength(1);
  });

  it('asks whether the authoriser is in operation: 108 waits, paced, until 107', async () => {
    const sefaz = await started({ status: '108' });
    const connectors = runtimeConnectors();
    const run = () =>
      sefazStatusAction(connectors).run({
        params: {
          certificate: 'local--br-a1',
          uf: 'SP',
          environment: 'homologacao',
          baseUrl: sefaz.url,
          caFile: sefaz.caFile,
          interval: '5s',
        },
        record: { id: 'status-1', history: [], correlationId: 'c' },
        step: { id: 'status', action: 'sefaz-status' },
        stepStartedAt: new Date(),
        resumed: false,
        idempotencyKey: 'k',
        signal: new AbortController().signal,
      } as unknown as ActionContext);
    expect(await run()).toMatchObject({
      outcome: 'pending',
      postpone: true,
      retryAfterMs: 5000,
      variables: { cStat: '108', dhRetorno: expect.any(String) },
    });
    sefaz.setStatus('107');
    expect(await run()).toMatchObject({ outcome: 'accepted', variables: { cStat: '107' } });
  });

  it('refuses what SEFAZ refuses, with its code: a certificate of another company (213)', async () => {
    const companyId = await company(standIn, { a1: 'br-other-a1' });
    const other = standIn.issueCertificate('12345678000195');
    writeFileSync(join(dataDir, 'keys', 'local--br-other-a1.key.pem'), other.keyPem, { mode: 0o600 });
    writeFileSync(join(dataDir, 'keys', 'local--br-other-a1.crt.pem'), other.certPem);
    const before = standIn.authorisations().length;
    const record = await submit(companyId, 'venda-interna.json', (d) => (d.id = 'NF-213'));
    expect(record.status).toBe('rejected');
    expect(record.history[record.history.length - 1]).toMatchObject({
      stepId: 'authorize',
      code: 'sefaz.213',
    });
    expect(standIn.authorisations()).toHaveLength(before);
  });

  it('cancels an authorised NF-e (135), refuses a short reason locally, and SEFAZ refuses a CC-e after (580)', async () => {
    const companyId = await company(standIn);
    const record = await submit(companyId, 'venda-interna.json', (d) => (d.id = 'NF-CANCEL-1'));
    expect(record.status).toBe('completed');
    const related = async (kind: string, data: unknown) => {
      const answer = await api('POST', `/invoices/${record.id}/related`, { kind, data });
      const id = (answer.json as { id: string }).id;
      return eventually(async () => {
        const found = (await api('GET', `/invoices/${id}`)).json as DocumentRecord;
        return ['completed', 'rejected', 'failed'].includes(found.status) ? found : undefined;
      });
    };
    const short = await related('cancel', { xJust: 'erro' });
    expect(short.status).toBe('rejected');
    expect(short.history[short.history.length - 1]).toMatchObject({ code: 'event.data-invalid' });
    const correction = await related('correct', { xCorrecao: 'Corrige o complemento do endereço: sala 2' });
    expect(correction.status).toBe('completed');
    // the data of the documented sample cancellation
    const cancel = await related(
      'cancel',
      JSON.parse(readFileSync(join(packageRoot(), 'samples', 'br', 'related', 'cancelamento.json'), 'utf8')),
    );
    expect(cancel.status).toBe('completed');
    expect(cancel.variables?.cStat).toBe('135');
    expect(await artifact(cancel, 'proc-evento.xml')).toMatch(
      /^<procEventoNFe[^>]*><evento[\s\S]*<retEvento/,
    );
    expect(standIn.authorisations().find((a) => a.chNFe === record.variables?.chNFe)?.cancelled).toBe(true);
    const late = await related('correct', {
      xCorrecao: 'Corrige o complemento do endereço: sala 3',
      nSeqEvento: 2,
    });
    expect(late.status).toBe('rejected');
    expect(late.history[late.history.length - 1]).toMatchObject({ code: 'sefaz.580' });
  });
});

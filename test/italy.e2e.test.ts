import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRiceviFileRequest, buildTrasmissioneRequest } from '../shared/connectors/sdi/soap';
import type { DocumentRecord } from '../shared/model/record';
import { SdiStandIn, type SdiStandInOptions } from '../shared/sandbox/sdi-standin';
import { packageRoot } from '../shared/util/package-root';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { runtimeApi } from './support/runtime-api';
import { onTeardown, tempDir } from './support/temp';

/**
 * The Italian feature end to end on the embedded runtime (the built CLI, as a user runs it) against the SDI
 * stand-in: files numbered, signed, sent with SdIRiceviFile, and SDI's notifications taken back as events. The
 * feature runs as a copy with a short wait for SDI (version 1.0.1 in EINVOICE_FEATURES_DIR, as
 * docs/features.md says to adapt a shipped feature), so that a lost notification meets its deadline here.
 */
describe('Italy: FatturaPA through the SDI stand-in', () => {
  let runtime: RuntimeProcess;
  let eventsUrl: string;
  let dataDir: string;
  const quick = { rc: 50, ne: 150, dt: 150, at: 150 };

  beforeAll(async () => {
    dataDir = tempDir();
    const features = join(dataDir, 'features');
    const copy = join(features, 'it-fatturapa-sdi-1.0.1');
    cpSync(join(packageRoot(), 'flows', 'it-fatturapa-sdi'), copy, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(copy, 'feature.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(copy, 'feature.json'), JSON.stringify({ ...manifest, version: '1.0.1' }));
    const flowFile = join(copy, 'flows', 'fatturapa-sdi.json');
    const flow = JSON.parse(readFileSync(flowFile, 'utf8')) as { steps: Array<Record<string, any>> };
    const wait = flow.steps.find((s) => s.id === 'outcome')!;
    wait.with = { ...wait.with, deadline: '4s', check: '500ms' };
    const submit = flow.steps.find((s) => s.id === 'submit')!;
    submit.retry = { ...submit.retry, initialDelay: '200ms' };
    writeFileSync(flowFile, JSON.stringify(flow));
    runtime = await startRuntime(dataDir, { EINVOICE_FEATURES_DIR: features, SDI_CERTIFICATE: '' });
    onTeardown(() => runtime.stop());
    expect((await api('PUT', '/features/it-fatturapa-sdi', { version: '1.0.1' })).status).toBe(200);
    const key = (await api('POST', '/features/it-fatturapa-sdi/event-key')).json as { key: string };
    eventsUrl = `${runtime.url}/api/events/it-fatturapa-sdi?key=${encodeURIComponent(key.key)}`;
  }, 60_000);

  const { api, submitSample, artifact } = runtimeApi(() => runtime);

  let companies = 0;
  /** A stand-in of its own, and a company that transmits to it. */
  async function sdi(options: SdiStandInOptions = {}, transmitterId = 'IT01234567890') {
    const firstId = (companies + 1) * 1000;
    const standIn = new SdiStandIn({
      port: 0,
      delays: quick,
      transmitterEndpoint: eventsUrl,
      firstId,
      ...options,
    });
    await standIn.start();
    onTeardown(() => standIn.stop());
    const companyId = `it-${++companies}`;
    const set = await api('PUT', `/features/it-fatturapa-sdi/companies/${companyId}`, {
      sdiUrl: standIn.url,
      transmitterId,
    });
    expect(set.status).toBe(200);
    return { standIn, companyId };
  }

  const sample = (name: string) =>
    JSON.parse(readFileSync(join(packageRoot(), 'samples', 'it', name), 'utf8')) as {
      context: Record<string, unknown>;
      document: Record<string, any>;
    };

  const submit = (companyId: string, name: string, change?: (document: Record<string, any>) => void) =>
    submitSample('it', companyId, name, change);

  const submissions = (record: DocumentRecord) =>
    record.history.filter((h) => h.stepId === 'submit' && h.action === 'submit-http');

  it('RC: the file is delivered and the document completed, the notification kept as it came', async () => {
    const { standIn, companyId } = await sdi();
    const record = await submit(companyId, 'b2b.json');
    expect(record).toMatchObject({ status: 'completed', featureVersion: '1.0.1' });
    expect(record.events?.map((e) => e.type)).toEqual(['delivered']);
    expect(record.variables?.fileName).toMatch(/^IT01234567890_[0-9A-Z]{5}\.xml$/);
    const [file] = standIn.files();
    expect(file).toMatchObject({ nomeFile: record.variables!.fileName, state: 'delivered' });
    expect(record.variables?.sdiId).toBe(file!.identificativoSdI);
    const event = JSON.parse(await artifact(record, 'event-1.json')) as { data: { file: string } };
    expect(event.data.file).toContain('RicevutaConsegna');
    expect(event.data.file).toContain('<ds:Signature');
    const sent = await artifact(record, 'signed.xml');
    expect(sent).toContain('<ProgressivoInvio>');
    // XAdES-BES: both references (the document, the signed properties) verify with xmlsec1
    const signedFile = join(tempDir(), 'signed.xml');
    writeFileSync(signedFile, sent);
    const verified = spawnSync(
      'xmlsec1',
      [
        '--verify',
        '--pubkey-cert-pem',
        join(dataDir, 'keys', 'local-signing.crt.pem'),
        '--id-attr:Id',
        'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
        signedFile,
      ],
      { encoding: 'utf8' },
    );
    expect(verified.stderr).toContain('SignedInfo References (ok/all): 2/2');
    expect(verified.status).toBe(0);
  });

  it('the p7m option: the file goes CAdES-signed as .xml.p7m, and unwraps with openssl to what was signed', async () => {
    const { standIn, companyId } = await sdi();
    const record = await submit(companyId, 'b2b.json', (d) => (d.id = 'FT-P7M-1'));
    expect(record.status).toBe('completed');
    const again = await api('POST', '/invoices?wait=30', {
      context: { ...sample('b2b.json').context, companyId, flowId: 'fatturapa-sdi-p7m' },
      document: { ...sample('b2b.json').document, id: 'FT-P7M-2' },
    });
    const p7m = (await api('GET', `/invoices/${(again.json as { id: string }).id}`)).json as DocumentRecord;
    expect(p7m).toMatchObject({ status: 'completed', flowId: 'fatturapa-sdi-p7m' });
    expect(p7m.variables?.fileName).toMatch(/^IT01234567890_[0-9A-Z]{5}\.xml\.p7m$/);
    expect(standIn.files().map((f) => f.state)).toEqual(['delivered', 'delivered']);
    const dir = tempDir();
    const envelope = Buffer.from(
      await (
        await fetch(`${runtime.url}/api/invoices/${p7m.id}/artifacts/signed.xml.p7m`, {
          headers: { 'x-api-key': runtime.apiKey },
        })
      ).arrayBuffer(),
    );
    writeFileSync(join(dir, 'file.xml.p7m'), envelope);
    const opened = spawnSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-inform',
        'DER',
        '-in',
        join(dir, 'file.xml.p7m'),
        '-noverify',
        '-out',
        join(dir, 'out.xml'),
      ],
      { encoding: 'utf8' },
    );
    expect(opened.status).toBe(0);
    expect(readFileSync(join(dir, 'out.xml'))).toEqual(Buffer.from(await artifact(p7m, 'fattura.xml')));
  });

  it('NS 00404: the same invoice again is rejected with SDI code and message, sent once', async () => {
    const { standIn, companyId } = await sdi();
    expect((await submit(companyId, 'credit-note.json')).status).toBe('completed');
    const again = await submit(companyId, 'credit-note.json');
    expect(again.status).toBe('rejected');
    expect(again.events?.map((e) => ({ type: e.type, codes: e.codes }))).toEqual([
      { type: 'rejected', codes: ['00404'] },
    ]);
    expect(submissions(again)).toHaveLength(1);
    expect(standIn.stats().received).toBe(2);
    const last = again.history[again.history.length - 1]!;
    expect(last).toMatchObject({ stepId: 'outcome', outcome: 'rejected', code: 'event.rejected' });
    expect(last.message).toContain('00404');
    // SDI names the file the invoice came in first
    const [first] = standIn.files();
    expect(last.message).toContain(`IdentificativoSdI ${first!.identificativoSdI}`);
  });

  it('EI02: SDI unavailable is retried, and the file goes once it answers', async () => {
    const { standIn, companyId } = await sdi({ faults: { ei02Next: 1 } });
    const record = await submit(companyId, 'b2b.json', (d) => (d.id = 'FT-EI02-1'));
    expect(record.status).toBe('completed');
    expect(submissions(record).map((h) => h.outcome)).toEqual(['transient', 'accepted']);
    expect(submissions(record)[0]!.code).toBe('response.takenEI02');
    expect(standIn.stats().ei02).toBe(1);
  });

  it('a lost notification: the document waits until its deadline, then fails saying why', async () => {
    const { companyId } = await sdi({ faults: { loseNotifications: { RC: 1 } } });
    const started = Date.now();
    const final = await submit(companyId, 'b2b.json', (d) => (d.id = 'FT-LOST-1'));
    // it waited (no attempt spent) until the step's deadline of 4 s, then failed
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    expect(final.history.some((h) => h.stepId === 'outcome' && h.code === 'event.waiting')).toBe(true);
    expect(final.events ?? []).toEqual([]);
    expect(final.status).toBe('failed');
    const last = final.history[final.history.length - 1]!;
    expect(last).toMatchObject({ stepId: 'outcome', code: 'event.deadline' });
    expect(last.message).toContain(final.variables!.sdiId!);
  });

  it('MC then AT: not delivered, then attested; completed with both notifications', async () => {
    const { companyId } = await sdi();
    const record = await submit(companyId, 'foreign-buyer.json');
    expect(record.status).toBe('completed');
    expect(record.events?.map((e) => e.type)).toEqual(['undeliverable', 'attested']);
  });

  it("public administration: RC then the administration's EC01 completes, EC02 rejects, DT completes", async () => {
    const accepted = await sdi();
    const record = await submit(accepted.companyId, 'pa-split-payment.json');
    expect(record).toMatchObject({ status: 'completed', variables: { formatoTrasmissione: 'FPA12' } });
    expect(record.events?.map((e) => e.type)).toEqual(['delivered', 'accepted']);

    const refused = await sdi({ rules: { UFABCD: 'rc-ne-ec02' } });
    const no = await submit(refused.companyId, 'pa-split-payment.json');
    expect(no.status).toBe('rejected');
    expect(no.events?.map((e) => ({ type: e.type, codes: e.codes }))).toEqual([
      { type: 'delivered' },
      { type: 'refused', codes: ['EC02'] },
    ]);

    const silent = await sdi({ rules: { UFABCD: 'rc-dt' } });
    const expired = await submit(silent.companyId, 'pa-split-payment.json');
    expect(expired.status).toBe('completed');
    expect(expired.events?.map((e) => e.type)).toEqual(['delivered', 'expired']);
  });

  it('00002: a file name already taken at SDI is numbered again and sent again', async () => {
    const { standIn, companyId } = await sdi({}, 'IT09999999999');
    // someone else sent a file under the name the company's counter gives first
    const taken = buildRiceviFileRequest({ nomeFile: 'IT09999999999_00001.xml', file: Buffer.from('<x/>') });
    const answer = await fetch(`${standIn.url}/SdIRiceviFile`, {
      method: 'POST',
      headers: { 'content-type': taken.contentType, soapaction: taken.soapAction! },
      body: String(taken.body),
    });
    expect(answer.status).toBe(200);
    const record = await submit(companyId, 'b2b.json', (d) => (d.id = 'FT-NAME-1'));
    expect(record.status).toBe('completed');
    expect(record.events?.map((e) => ({ type: e.type, codes: e.codes }))).toEqual([
      { type: 'duplicate-name', codes: ['00002'] },
      { type: 'delivered' },
    ]);
    expect(record.variables?.fileName).toBe('IT09999999999_00002.xml');
    expect(submissions(record)).toHaveLength(2);
  });

  it('refuses a notification whose signature does not verify, and keeps nothing of it', async () => {
    const { standIn, companyId } = await sdi();
    const record = await submit(companyId, 'exempt-natura.json');
    expect(record.status).toBe('completed');
    const [file] = standIn.files();
    const notification = await (
      await fetch(`${standIn.url}/files/${file!.identificativoSdI}/${file!.notifications[0]!.nomeFile}`)
    ).text();
    const forged = notification.replace('<MessageId>', '<MessageId>9');
    const message = buildTrasmissioneRequest('RicevutaConsegna', {
      identificativoSdI: file!.identificativoSdI,
      nomeFile: file!.notifications[0]!.nomeFile,
      file: Buffer.from(forged),
    });
    const response = await fetch(eventsUrl, {
      method: 'POST',
      headers: { 'content-type': message.contentType, soapaction: message.soapAction! },
      body: String(message.body),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('event.signature-invalid');
  });

  it('checks the Italian extension with its schema: a wrong code or an unknown it.* name is refused, located', async () => {
    const { standIn, companyId } = await sdi();
    const record = await submit(companyId, 'b2b.json', (d) => {
      d.id = 'FT-EXT-1';
      d.extensions = { 'it.regimeFiscale': 'RF99', 'it.codiceFiscaleCedente': 'X', 'edoc.note': 'kept' };
      d.lines[0].extensions = { 'it.natura': 'N9' };
    });
    expect(record.status).toBe('rejected');
    const last = record.history[record.history.length - 1]!;
    expect(last).toMatchObject({ stepId: 'validate', code: 'validation.failed' });
    const findings = JSON.parse(await artifact(record, 'validation.json')) as {
      problems: Array<{ code: string; path: string }>;
    };
    expect(
      findings.problems
        .filter((p) => p.code === 'extension.invalid')
        .map((p) => p.path)
        .sort(),
    ).toEqual([
      '/extensions/it.codiceFiscaleCedente',
      '/extensions/it.regimeFiscale',
      '/lines/0/extensions/it.natura',
    ]);
    expect(standIn.stats().received).toBe(0);
  });

  it('an answer lost after SDI took the file: sent again, SDI finds the invoice sent and names the first file', async () => {
    const { standIn, companyId } = await sdi({ faults: { timeoutAfterAccept: 1 } });
    const record = await submit(companyId, 'b2b.json', (d) => (d.id = 'FT-LOSTANSWER-1'));
    // SDICoop has no lookup: the file went again (00002: its name was taken by the first), was numbered
    // again, and SDI discarded the invoice as sent (00404), naming the first file; never a loop
    expect(record.status).toBe('rejected');
    expect(record.events?.map((e) => ({ type: e.type, codes: e.codes }))).toEqual([
      { type: 'duplicate-name', codes: ['00002'] },
      { type: 'rejected', codes: ['00404'] },
    ]);
    const [first] = standIn.files();
    expect(first!.state).toBe('delivered');
    const last = record.history[record.history.length - 1]!;
    expect(last.message).toContain(`IdentificativoSdI ${first!.identificativoSdI}`);
    // the first file's notification is kept, listed for the operator
    const unmatched = (await api('GET', '/features/it-fatturapa-sdi/events/unmatched')).json as {
      items: Array<{ key: string; type: string }>;
    };
    expect(unmatched.items).toContainEqual(
      expect.objectContaining({ key: first!.identificativoSdI, type: 'delivered' }),
    );
  });
});

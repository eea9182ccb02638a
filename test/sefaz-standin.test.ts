import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { SignedXml } from 'xml-crypto';
import {
  buildConsReciNFe,
  buildConsSitNFe,
  buildConsStatServ,
  buildEnviNFe,
  buildEnvEvento,
  buildEvento,
  nfeProc,
  parseRetConsReciNFe,
  parseRetConsSitNFe,
  parseRetConsStatServ,
  parseRetEnviNFe,
  parseRetEnvEvento,
  type SefazEvent,
} from '../shared/connectors/sefaz/messages';
import { readSefazAnswer, sefazEnvelope, type SefazService } from '../shared/connectors/sefaz/soap';
import { localDateTime } from '../shared/connectors/sefaz/ufs';
import { EInvoiceError } from '../shared/errors';
import { composeAccessKey } from '../shared/formats/nfe-key';
import {
  SEFAZ_STANDIN_CNPJ,
  SefazStandIn,
  type SefazStandInOptions,
  type SefazTestCertificate,
} from '../shared/sandbox/sefaz-standin';
import { describeWithCorpus } from './support/corpus';
import { onTeardown, tempDir } from './support/temp';
import { TestCa } from './support/tls';

const FIXTURE = 'nfe-sped/tests/fixtures/xml/nfe_layout4.xml';
const SCHEMAS = 'nfe-sped/schemes/PL_009_V4';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const HOUR = 3_600_000;

/** TLS material a client presents: PEM, or the PKCS#12 bundle. */
type ClientCredential = { key: string; cert: string } | { pfx: Buffer; passphrase: string };

/** The stand-in's clock, moved by the tests that need a deadline to pass. */
let clock = new Date();
const now = () => clock;

async function started(options: SefazStandInOptions = {}): Promise<SefazStandIn> {
  const standIn = new SefazStandIn({ port: 0, now, ...options });
  await standIn.start();
  onTeardown(() => standIn.stop());
  return standIn;
}

/** An HTTPS client trusting the stand-in's CA, presenting `client` (default: the stand-in's client certificate). */
function clientOf(standIn: SefazStandIn, client: ClientCredential | null = null): Agent {
  const credential = client ?? { key: standIn.clientKeyPem, cert: standIn.clientCertPem };
  const agent = new Agent({ connect: { ca: standIn.caPem, ...credential } });
  onTeardown(() => agent.close());
  return agent;
}

/** A bare client (no client certificate). */
function anonymousClient(standIn: SefazStandIn): Agent {
  const agent = new Agent({ connect: { ca: standIn.caPem } });
  onTeardown(() => agent.close());
  return agent;
}

/** POSTs the request element of `service` in its SOAP envelope; the HTTP status and the answer's text. */
async function call(standIn: SefazStandIn, agent: Agent, service: SefazService, element: string) {
  const message = sefazEnvelope(service, element);
  const answer = await request(standIn.serviceUrl(service), {
    method: 'POST',
    headers: { 'content-type': message.contentType },
    body: message.body,
    dispatcher: agent,
  });
  return { status: answer.statusCode, text: await answer.body.text() };
}

/** The error `run` rejects with (failing when it resolves). */
async function rejection(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const statusRequest = () => buildConsStatServ({ tpAmb: '2', cUF: '43' });

describe('SEFAZ stand-in: TLS and service status', () => {
  let standIn: SefazStandIn;
  beforeAll(async () => {
    standIn = await started();
  });

  it('answers a client with the certificate it issued, as PEM or as the PKCS#12 bundle', async () => {
    for (const client of [
      clientOf(standIn),
      clientOf(standIn, { pfx: standIn.clientPfx, passphrase: standIn.clientPfxPassword }),
    ]) {
      const { status, text } = await call(standIn, client, 'NFeStatusServico4', statusRequest());
      expect(status).toBe(200);
      expect(parseRetConsStatServ(text)).toMatchObject({
        cStat: '107',
        xMotivo: 'Serviço em Operação',
        tpAmb: '2',
        cUF: '43',
      });
    }
    expect(standIn.clientCertPem).toBeTruthy();
    expect(new X509Certificate(standIn.clientCertPem).subject).toContain(
      `CN=EMPRESA TESTE:${SEFAZ_STANDIN_CNPJ}`,
    );
  });

  it('refuses a client without a certificate, and one with a certificate of another CA', async () => {
    await expect(
      call(standIn, anonymousClient(standIn), 'NFeStatusServico4', statusRequest()),
    ).rejects.toThrow();
    const other = new TestCa('another CA').issue(`EMPRESA TESTE:${SEFAZ_STANDIN_CNPJ}`, 'client');
    await expect(
      call(
        standIn,
        clientOf(standIn, { key: other.keyPem, cert: other.certPem }),
        'NFeStatusServico4',
        statusRequest(),
      ),
    ).rejects.toThrow();
  });

  it('serves a client without a certificate when mutual TLS is off', async () => {
    const open = await started({ requireClientCertificate: false });
    const { text } = await call(open, anonymousClient(open), 'NFeStatusServico4', statusRequest());
    expect(parseRetConsStatServ(text).cStat).toBe('107');
  });

  it('reports 107, then 108 once the status is set, on every service', async () => {
    const client = clientOf(standIn);
    standIn.setStatus('107');
    expect(
      parseRetConsStatServ((await call(standIn, client, 'NFeStatusServico4', statusRequest())).text).cStat,
    ).toBe('107');
    standIn.setStatus('108');
    try {
      const stopped = parseRetConsStatServ(
        (await call(standIn, client, 'NFeStatusServico4', statusRequest())).text,
      );
      expect(stopped).toMatchObject({
        cStat: '108',
        xMotivo: 'Serviço Paralisado Momentaneamente (curto prazo)',
      });
      expect(stopped.dhRetorno).toBeDefined();
      const consulta = buildConsSitNFe({ tpAmb: '2', chNFe: '43180906929383000163550010000000261000010301' });
      expect(
        parseRetConsSitNFe((await call(standIn, client, 'NFeConsultaProtocolo4', consulta)).text).cStat,
      ).toBe('108');
    } finally {
      standIn.setStatus('107');
    }
    expect(standIn.stats().stopped).toBeGreaterThanOrEqual(2);
  });

  it('refuses a request with a DTD with a SOAP Fault, unprocessed', async () => {
    const before = standIn.stats().malformed;
    const body =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>' +
      `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>` +
      `<nfeDadosMsg xmlns="http://www.portalfiscal.inf.br/nfe/wsdl/NFeStatusServico4">${statusRequest()}</nfeDadosMsg>` +
      '</soap:Body></soap:Envelope>';
    const answer = await request(`${standIn.url}/NFeStatusServico4`, {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      body,
      dispatcher: clientOf(standIn),
    });
    const text = await answer.body.text();
    expect(answer.statusCode).toBe(400);
    let fault: unknown;
    try {
      readSefazAnswer(text);
    } catch (error) {
      fault = error;
    }
    expect(fault).toBeInstanceOf(EInvoiceError);
    expect(fault).toMatchObject({ code: 'sefaz.soap-fault', retryable: false });
    expect((fault as Error).message).toMatch(/DTD/);
    expect(standIn.stats().malformed).toBe(before + 1);
  });

  it('drops a request for dropNext, answers HTTP 500 with a SOAP Fault for errorNext, both unprocessed', async () => {
    const faulty = await started({ faults: { dropNext: 1, errorNext: 1 } });
    const client = clientOf(faulty);
    await expect(call(faulty, client, 'NFeStatusServico4', statusRequest())).rejects.toThrow();
    const first = await call(faulty, client, 'NFeStatusServico4', statusRequest());
    expect(first.status).toBe(500);
    expect(() => readSefazAnswer(first.text)).toThrow(expect.objectContaining({ retryable: true }));
    expect(
      parseRetConsStatServ((await call(faulty, client, 'NFeStatusServico4', statusRequest())).text).cStat,
    ).toBe('107');
    expect(faulty.stats().faults).toMatchObject({ dropped: 1, errors: 1 });
  });
});

/** The corpus NF-e with white space between tags dropped, its signature and XML declaration removed. */
function template(corpus: string): string {
  return readFileSync(join(corpus, FIXTURE), 'utf8')
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/>\s+</g, '><')
    .replace(/<Signature[\s\S]*<\/Signature>/, '')
    .trim();
}

/** Signs the element with this Id as SEFAZ asks: enveloped, RSA-SHA1, SHA-1, inclusive C14N, no prefix. */
function sign(xml: string, id: string, credential: SefazTestCertificate, prefix?: string): string {
  const signer = new SignedXml({
    privateKey: credential.keyPem,
    publicCert: credential.certPem,
    signatureAlgorithm: RSA_SHA1,
    canonicalizationAlgorithm: C14N,
  });
  signer.addReference({ xpath: `//*[@Id='${id}']`, digestAlgorithm: SHA1, transforms: [ENVELOPED, C14N] });
  signer.computeSignature(xml, {
    location: { reference: '/*', action: 'append' },
    ...(prefix ? { prefix } : {}),
  });
  return signer.getSignedXml();
}

/** The client certificate of a stand-in, to sign with. */
const credentialOf = (standIn: SefazStandIn): SefazTestCertificate => ({
  keyPem: standIn.clientKeyPem,
  certPem: standIn.clientCertPem,
});

const digestOf = (xml: string) => /<DigestValue>([^<]+)<\/DigestValue>/.exec(xml)![1]!;

interface NfeSpec {
  cnpj?: string;
  nNF?: number;
  cNF?: string;
  /** Changes the document before it is signed (the key already in its Id). */
  edit?: (xml: string) => string;
}

describeWithCorpus('SEFAZ stand-in: NF-e life', [FIXTURE, SCHEMAS], (corpus) => {
  let standIn: SefazStandIn;
  let client: Agent;
  let own: SefazTestCertificate;
  let nextNumber = 100;

  beforeAll(async () => {
    clock = new Date();
    standIn = await started({ schemasDir: corpus });
    client = clientOf(standIn);
    own = credentialOf(standIn);
  });

  /** The corpus NF-e re-keyed for the client's CNPJ, issued a minute before the clock: its key and unsigned text. */
  function unsigned(spec: NfeSpec = {}): { key: string; xml: string } {
    const cnpj = spec.cnpj ?? SEFAZ_STANDIN_CNPJ;
    const nNF = spec.nNF ?? ++nextNumber;
    const cNF = spec.cNF ?? String(10_000_000 + nNF * 7).slice(-8);
    const dhEmi = localDateTime(new Date(clock.getTime() - 60_000), 'RS');
    const key = composeAccessKey({
      cUF: '43',
      year: Number(dhEmi.slice(2, 4)),
      month: Number(dhEmi.slice(5, 7)),
      cnpjCpf: cnpj,
      mod: '55',
      serie: 1,
      nNF,
      tpEmis: 1,
      cNF,
    });
    let xml = template(corpus)
      .replace(/Id="NFe\d{44}"/, `Id="NFe${key}"`)
      .replace(/<cNF>\d+<\/cNF>/, `<cNF>${cNF}</cNF>`)
      .replace(/<nNF>\d+<\/nNF>/, `<nNF>${nNF}</nNF>`)
      .replace(/<dhEmi>[^<]+<\/dhEmi>/, `<dhEmi>${dhEmi}</dhEmi>`)
      .replace(/<dhSaiEnt>[^<]+<\/dhSaiEnt>/, `<dhSaiEnt>${dhEmi}</dhSaiEnt>`)
      .replace(/<cDV>\d<\/cDV>/, `<cDV>${key.slice(-1)}</cDV>`)
      .replace(/<emit><CNPJ>\d+<\/CNPJ>/, `<emit><CNPJ>${cnpj}</CNPJ>`);
    if (spec.edit) xml = spec.edit(xml);
    return { key, xml };
  }

  /** A signed NF-e (by the client certificate unless told). */
  function signedNFe(
    spec: NfeSpec = {},
    by: SefazTestCertificate = own,
    prefix?: string,
  ): { key: string; xml: string } {
    const { key, xml } = unsigned(spec);
    const id = /Id="(NFe[^"]+)"/.exec(xml)![1]!;
    return { key, xml: sign(xml, id, by, prefix) };
  }

  async function authorise(xml: string, indSinc: '0' | '1' = '1', agent = client) {
    const { status, text } = await call(
      standIn,
      agent,
      'NFeAutorizacao4',
      buildEnviNFe({ idLote: '1', indSinc, nfe: [xml] }),
    );
    expect(status).toBe(200);
    return parseRetEnviNFe(text);
  }

  async function consult(key: string, on = standIn, agent = client) {
    const { text } = await call(
      on,
      agent,
      'NFeConsultaProtocolo4',
      buildConsSitNFe({ tpAmb: '2', chNFe: key }),
    );
    return parseRetConsSitNFe(text);
  }

  async function sendEvent(event: SefazEvent, by: SefazTestCertificate = own) {
    const { id, xml } = buildEvento(event);
    const { text } = await call(
      standIn,
      client,
      'NFeRecepcaoEvento4',
      buildEnvEvento({ idLote: '7', eventos: [sign(xml, id, by)] }),
    );
    return parseRetEnvEvento(text);
  }

  it('checks the requests against the installed schemas, and says so', () => {
    expect(standIn.describe()).toMatch(
      /Schemas: PL_009_V4 from .*enviNFe_v4\.00\.xsd.*envEventoCancNFe_v1\.00\.xsd, envCCe_v1\.00\.xsd/,
    );
  });

  it('verifies a signature written with the ds: prefix too, unless prefixes are refused (404) as SEFAZ does', async () => {
    const prefixed = signedNFe({}, own, 'ds');
    expect(prefixed.xml).toContain('<ds:Signature');
    expect((await authorise(prefixed.xml)).protNFe).toMatchObject({ cStat: '100' });
    const strict = await started({ rejectNamespacePrefixes: true });
    const { text } = await call(
      strict,
      clientOf(strict),
      'NFeAutorizacao4',
      buildEnviNFe({ idLote: '9', indSinc: '1', nfe: [signedNFe({}, credentialOf(strict), 'ds').xml] }),
    );
    expect(parseRetEnviNFe(text)).toMatchObject({
      cStat: '404',
      xMotivo: 'Rejeição: Uso de prefixo de namespace não permitido [ds:Signature]',
    });
  });

  it('authorises a signed NF-e synchronously: 104 with its protNFe 100, digVal its DigestValue', async () => {
    const nfe = signedNFe();
    const answer = await authorise(nfe.xml);
    expect(answer).toMatchObject({ cStat: '104', xMotivo: 'Lote processado', cUF: '43' });
    const prot = answer.protNFe!;
    expect(prot).toMatchObject({ chNFe: nfe.key, cStat: '100', xMotivo: 'Autorizado o uso da NF-e' });
    expect(prot.nProt).toMatch(/^143\d{12}$/);
    expect(prot.digVal).toBe(digestOf(nfe.xml));
    expect(prot.dhRecbto).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[23]:00$/);
    // the authorised document pairs the NF-e with this protocol, as the stand-in keeps it too
    const proc = nfeProc(nfe.xml, prot);
    expect(proc).toContain(prot.xml);
    expect(standIn.nfeProcOf(nfe.key)).toBe(proc);
    expect((await consult(nfe.key)).protNFe?.nProt).toBe(prot.nProt);
  });

  it('answers an asynchronous lote with a receipt: 103, then 105, then 104 with the protocol', async () => {
    const nfe = signedNFe();
    const received = await authorise(nfe.xml, '0');
    expect(received).toMatchObject({ cStat: '103', xMotivo: 'Lote recebido com sucesso' });
    expect(received.nRec).toMatch(/^\d{15}$/);
    const poll = async () =>
      parseRetConsReciNFe(
        (
          await call(
            standIn,
            client,
            'NFeRetAutorizacao4',
            buildConsReciNFe({ tpAmb: '2', nRec: received.nRec! }),
          )
        ).text,
      );
    expect(await poll()).toMatchObject({ cStat: '105', xMotivo: 'Lote em processamento', protNFe: [] });
    const processed = await poll();
    expect(processed).toMatchObject({ cStat: '104', nRec: received.nRec });
    expect(processed.protNFe).toHaveLength(1);
    expect(processed.protNFe[0]).toMatchObject({ chNFe: nfe.key, cStat: '100', digVal: digestOf(nfe.xml) });
    const unknown = await call(
      standIn,
      client,
      'NFeRetAutorizacao4',
      buildConsReciNFe({ tpAmb: '2', nRec: '431999999999999' }),
    );
    expect(parseRetConsReciNFe(unknown.text).cStat).toBe('106');
  });

  it('rejects a key with a wrong check digit (236) and a key that is not the document (502)', async () => {
    const wrongDigit = signedNFe({
      edit: (xml) =>
        xml.replace(
          /Id="NFe(\d{43})(\d)"/,
          (_, first: string, digit: string) => `Id="NFe${first}${(Number(digit) + 1) % 10}"`,
        ),
    });
    const digit = (await authorise(wrongDigit.xml)).protNFe!;
    expect(digit).toMatchObject({
      cStat: '236',
      xMotivo: 'Rejeição: Chave de Acesso com dígito verificador inválido',
    });
    expect(digit.nProt).toBeUndefined();
    const otherNumber = signedNFe({ edit: (xml) => xml.replace(/<nNF>\d+<\/nNF>/, '<nNF>999999</nNF>') });
    const key = (await authorise(otherNumber.xml)).protNFe!;
    expect(key.cStat).toBe('502');
    expect(key.xMotivo).toMatch(
      /^Rejeição: Erro na Chave de Acesso - Campo Id não corresponde à concatenação dos campos correspondentes \[nNF\]$/,
    );
  });

  it('rejects a document changed after signing (297), signed by another CNPJ (213) or by another CA (293)', async () => {
    const changed = signedNFe();
    const tampered = changed.xml.replace('<vProd>500.00</vProd>', '<vProd>5000.00</vProd>');
    expect(tampered).not.toBe(changed.xml);
    expect((await authorise(tampered)).protNFe).toMatchObject({
      cStat: '297',
      xMotivo: 'Rejeição: Assinatura difere do calculado',
    });
    const otherCompany = standIn.issueCertificate('12345678000195');
    expect((await authorise(signedNFe({}, otherCompany).xml)).protNFe).toMatchObject({
      cStat: '213',
      xMotivo: 'Rejeição: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado Digital',
    });
    const foreign = new TestCa('not ICP-Brasil').issue(`EMPRESA TESTE:${SEFAZ_STANDIN_CNPJ}`, 'client');
    expect(
      (await authorise(signedNFe({}, { keyPem: foreign.keyPem, certPem: foreign.certPem }).xml)).protNFe,
    ).toMatchObject({ cStat: '293' });
  });

  it('rejects a lote that fails the schema with 225', async () => {
    const invalid = signedNFe({ edit: (xml) => xml.replace(/<natOp>[^<]*<\/natOp>/, '') });
    const answer = await authorise(invalid.xml);
    expect(answer.cStat).toBe('225');
    expect(answer.xMotivo).toMatch(/^Rejeição: Falha no Schema XML do lote de NFe \[.*\]$/);
    expect(answer.protNFe).toBeUndefined();
  });

  it('never authorises a key twice: 204 with the first nProt, and 539 for the same number under another key', async () => {
    const nfe = signedNFe();
    const first = (await authorise(nfe.xml)).protNFe!;
    const authorisedBefore = standIn.stats().authorised;
    const again = (await authorise(nfe.xml)).protNFe!;
    expect(again.cStat).toBe('204');
    expect(again.xMotivo).toBe(
      `Rejeição: Duplicidade de NF-e [nProt:${first.nProt}][dhAut:${first.dhRecbto}]`,
    );
    expect(again.nProt).toBeUndefined();
    // another document under the same key: the manual's 204 as well; its protocol is the first document's
    const other = signedNFe({
      nNF: Number(nfe.key.slice(25, 34)),
      cNF: nfe.key.slice(35, 43),
      edit: (xml) => xml.replace('UM PRODUTO TESTE QUALQUER', 'OUTRO PRODUTO'),
    });
    expect(other.key).toBe(nfe.key);
    expect(digestOf(other.xml)).not.toBe(digestOf(nfe.xml));
    expect((await authorise(other.xml)).protNFe).toMatchObject({ cStat: '204' });
    const recovered = (await consult(nfe.key)).protNFe!;
    expect(recovered.nProt).toBe(first.nProt);
    expect(() => nfeProc(other.xml, recovered)).toThrow(
      expect.objectContaining({ code: 'sefaz.protocol-mismatch' }),
    );
    // the same series and number with another cNF: another key for a number already used
    const renumbered = signedNFe({ nNF: Number(nfe.key.slice(25, 34)), cNF: '87654321' });
    expect(renumbered.key).not.toBe(nfe.key);
    const duplicate = (await authorise(renumbered.xml)).protNFe!;
    expect(duplicate.cStat).toBe('539');
    expect(duplicate.xMotivo).toContain(`[chNFe:${nfe.key}]`);
    expect(standIn.stats().authorised).toBe(authorisedBefore);
    expect(standIn.stats().duplicates).toBeGreaterThanOrEqual(3);
  });

  it('recovers an authorisation whose answer was lost, by consulting the key (100)', async () => {
    const lossy = await started({ schemasDir: corpus, faults: { timeoutAfterAuthorise: 1 } });
    const lossyClient = clientOf(lossy);
    const nfe = signedNFe({}, credentialOf(lossy));
    const lost = await rejection(() =>
      call(
        lossy,
        lossyClient,
        'NFeAutorizacao4',
        buildEnviNFe({ idLote: '2', indSinc: '1', nfe: [nfe.xml] }),
      ),
    );
    expect(lost).toBeInstanceOf(Error);
    expect(lossy.stats().faults.timeoutsAfterAuthorise).toBe(1);
    const found = await consult(nfe.key, lossy, lossyClient);
    expect(found).toMatchObject({ cStat: '100', xMotivo: 'Autorizado o uso da NF-e', chNFe: nfe.key });
    expect(found.protNFe).toMatchObject({ cStat: '100', digVal: digestOf(nfe.xml) });
    expect(nfeProc(nfe.xml, found.protNFe!)).toContain(found.protNFe!.xml);
    expect((await consult('43180906929383000163550010000000261000010301', lossy, lossyClient)).cStat).toBe(
      '217',
    );
  });

  it('registers a carta de correção and a cancellation; the consultation then answers 101 with the events', async () => {
    const nfe = signedNFe();
    const prot = (await authorise(nfe.xml)).protNFe!;
    const common = {
      tpAmb: '2' as const,
      chNFe: nfe.key,
      author: { cnpj: SEFAZ_STANDIN_CNPJ },
      dhEvento: clock,
    };
    const cce = await sendEvent({
      ...common,
      tpEvento: '110110',
      xCorrecao: 'Corrige o endereco de entrega',
    });
    expect(cce).toMatchObject({ cStat: '128', idLote: '7' });
    expect(cce.retEvento[0]).toMatchObject({ cStat: '135', tpEvento: '110110', nSeqEvento: '1' });
    expect(
      (await sendEvent({ ...common, tpEvento: '110110', xCorrecao: 'Corrige o endereco de entrega' }))
        .retEvento[0],
    ).toMatchObject({ cStat: '573', xMotivo: 'Rejeição: Duplicidade de Evento' });
    expect(
      (
        await sendEvent({
          ...common,
          tpEvento: '110110',
          nSeqEvento: 2,
          xCorrecao: 'Corrige o nome da transportadora',
        })
      ).retEvento[0],
    ).toMatchObject({ cStat: '135', nSeqEvento: '2' });

    const wrongProtocol = await sendEvent({
      ...common,
      tpEvento: '110111',
      nProt: '143000000000000',
      xJust: 'Cancelamento por erro de digitacao',
    });
    expect(wrongProtocol.retEvento[0]).toMatchObject({ cStat: '222' });
    const cancel = await sendEvent({
      ...common,
      tpEvento: '110111',
      nProt: prot.nProt!,
      xJust: 'Cancelamento por erro de digitacao',
    });
    const registered = cancel.retEvento[0]!;
    expect(registered).toMatchObject({
      cStat: '135',
      xMotivo: 'Evento registrado e vinculado a NF-e',
      chNFe: nfe.key,
      tpEvento: '110111',
    });
    expect(registered.nProt).toMatch(/^\d{15}$/);

    const consulted = await consult(nfe.key);
    expect(consulted).toMatchObject({ cStat: '101', xMotivo: 'Cancelamento de NF-e homologado' });
    expect(consulted.protNFe?.nProt).toBe(prot.nProt);
    expect(consulted.procEventoNFe.map((p) => p.retEvento.tpEvento)).toEqual(['110110', '110110', '110111']);
    expect(consulted.procEventoNFe[2]!.retEvento.xml).toBe(registered.xml);
    expect(
      (
        await sendEvent({
          ...common,
          tpEvento: '110111',
          nProt: prot.nProt!,
          xJust: 'Cancelamento por erro de digitacao',
        })
      ).retEvento[0],
    ).toMatchObject({ cStat: '573' });
    expect(
      (
        await sendEvent({
          ...common,
          tpEvento: '110110',
          nSeqEvento: 3,
          xCorrecao: 'Corrige o nome da transportadora',
        })
      ).retEvento[0],
    ).toMatchObject({ cStat: '580' });
    // a cancelled key is not authorised again
    expect((await authorise(nfe.xml)).protNFe).toMatchObject({ cStat: '218' });
    expect(standIn.stats().events.registered).toMatchObject({ '110110': 2, '110111': 1 });
  });

  it('homologates a cancellation after the deadline as late (155), and refuses one after a week (501)', async () => {
    const late = signedNFe();
    const tooLate = signedNFe();
    const lateProt = (await authorise(late.xml)).protNFe!;
    const tooLateProt = (await authorise(tooLate.xml)).protNFe!;
    const start = clock;
    try {
      clock = new Date(start.getTime() + 30 * HOUR);
      const cancel = (chNFe: string, nProt: string) =>
        sendEvent({
          tpAmb: '2',
          tpEvento: '110111',
          chNFe,
          author: { cnpj: SEFAZ_STANDIN_CNPJ },
          dhEvento: clock,
          nProt,
          xJust: 'Cancelamento fora do prazo de teste',
        });
      expect((await cancel(late.key, lateProt.nProt!)).retEvento[0]).toMatchObject({
        cStat: '155',
        xMotivo: 'Cancelamento homologado fora de prazo',
      });
      expect((await consult(late.key)).cStat).toBe('151');
      clock = new Date(start.getTime() + 200 * HOUR);
      expect((await cancel(tooLate.key, tooLateProt.nProt!)).retEvento[0]).toMatchObject({ cStat: '501' });
    } finally {
      clock = start;
    }
  });

  it('keeps authorisations, receipts, events, counters and its certificates across a restart', async () => {
    const dataDir = tempDir();
    const first = await started({ dataDir, schemasDir: corpus });
    const firstClient = clientOf(first);
    const nfe = signedNFe({}, credentialOf(first));
    const { text } = await call(
      first,
      firstClient,
      'NFeAutorizacao4',
      buildEnviNFe({ idLote: '3', indSinc: '1', nfe: [nfe.xml] }),
    );
    const prot = parseRetEnviNFe(text).protNFe!;
    expect(prot.cStat).toBe('100');
    const stats = first.stats();
    const ca = first.caPem;
    await first.stop();

    const second = await started({ dataDir, schemasDir: corpus });
    expect(second.caPem).toBe(ca);
    const secondClient = clientOf(second);
    expect((await consult(nfe.key, second, secondClient)).protNFe?.nProt).toBe(prot.nProt);
    expect(second.stats().authorised).toBe(stats.authorised);
    const again = await call(
      second,
      secondClient,
      'NFeAutorizacao4',
      buildEnviNFe({ idLote: '4', indSinc: '1', nfe: [nfe.xml] }),
    );
    expect(parseRetEnviNFe(again.text).protNFe).toMatchObject({ cStat: '204' });
    // the protocol numbers go on from where they were
    const next = signedNFe({}, credentialOf(second));
    const more = await call(
      second,
      secondClient,
      'NFeAutorizacao4',
      buildEnviNFe({ idLote: '5', indSinc: '1', nfe: [next.xml] }),
    );
    expect(Number(parseRetEnviNFe(more.text).protNFe!.nProt)).toBe(Number(prot.nProt) + 1);
  });
});

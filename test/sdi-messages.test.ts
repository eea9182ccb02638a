import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildNotification,
  notificationFileName,
  parseNotification,
  parseNotificationFileName,
  SDI_MESSAGES_NS,
  signNotification,
  verifyNotification,
  type SdiMessage,
} from '../shared/connectors/sdi/messages';
import {
  buildRiceviFattureRequest,
  buildRiceviFattureResponse,
  buildRiceviFileRequest,
  buildRiceviFileResponse,
  buildRicezioneDecorrenzaTermini,
  buildSoapFault,
  buildTrasmissioneRequest,
  parseRiceviFattureResponse,
  parseRiceviFileRequest,
  parseRiceviFileResponse,
  parseRicezioneRequest,
  parseTrasmissioneRequest,
  SDI_RICEZIONE_TYPES_NS,
  SDI_SOAP_ACTIONS,
  SDI_TRASMISSIONE_TYPES_NS,
  TRASMISSIONE_OPERATION_OF,
} from '../shared/connectors/sdi/soap';
import { EInvoiceError } from '../shared/errors';
import { testSigner, type TestSigner } from './support/signer';
import { validateXsd } from './support/xsd';

let sdi: TestSigner;
let other: TestSigner;

beforeAll(async () => {
  sdi = await testSigner('sdi', 'Sistema di Interscambio test');
  other = await testSigner('other', 'Someone else');
});

/** One message of every type, with every element the type has. */
const MESSAGES: Record<SdiMessage['type'], SdiMessage> = {
  RC: {
    type: 'RC',
    identificativoSdI: '111',
    nomeFile: 'IT01234567890_11111.xml.p7m',
    dataOraRicezione: '2025-06-06T12:00:00Z',
    dataOraConsegna: '2025-06-06T12:01:00Z',
    destinatario: { codice: 'AAA111', descrizione: 'Amministrazione di prova' },
    riferimentoArchivio: { identificativoSdI: '100', nomeFile: 'IT01234567890_11111.zip' },
    messageId: '123456',
    pecMessageId: 'pec-1',
    note: 'Esempio & <prova>',
  },
  NS: {
    type: 'NS',
    identificativoSdI: '112',
    nomeFile: 'IT01234567890_11112.xml',
    dataOraRicezione: '2025-06-06T12:00:00.000Z',
    errors: [
      { code: '00200', description: 'File non conforme al formato', suggestion: 'Verificare lo schema' },
      { code: '00404', description: 'Fattura duplicata' },
    ],
    messageId: '123457',
    note: 'Note',
  },
  MC: {
    type: 'MC',
    identificativoSdI: '113',
    nomeFile: 'IT01234567890_11113.xml',
    dataOraRicezione: '2025-06-06T12:00:00',
    description: 'Notifica di esempio',
    messageId: '123458',
  },
  NE: {
    type: 'NE',
    identificativoSdI: '114',
    nomeFile: 'IT01234567890_11114.xml',
    esito: 'EC02',
    riferimentoFattura: { numero: '1111', anno: '2025', posizione: '2' },
    description: 'Importo errato',
    messageIdCommittente: '999',
    messageId: '123459',
  },
  DT: {
    type: 'DT',
    identificativoSdI: '115',
    riferimentoFattura: { numero: 'A-7', anno: '2025' },
    nomeFile: 'IT01234567890_11115.xml',
    description: 'Decorrenza termini',
    messageId: '123460',
  },
  AT: {
    type: 'AT',
    identificativoSdI: '116',
    nomeFile: 'IT01234567890_11116.xml',
    dataOraRicezione: '2025-06-06T12:00:00Z',
    destinatario: { codice: 'AAAAAA', descrizione: 'Pubblica Amministrazione di prova' },
    messageId: '123461',
    note: 'Attestazione',
    hashFileOriginale: '2c1f3a240a056d9537a8608fed310812ef7b1b7a410d0152f5c9c9e93486ae44',
  },
  MT: {
    type: 'MT',
    identificativoSdI: '117',
    nomeFile: 'IT01234567890_11117.xml',
    codiceDestinatario: 'AAA111',
    formato: 'FPA12',
    tentativiInvio: 1,
    messageId: '123462',
    note: 'Esempio',
  },
};

function thrown(run: () => unknown): EInvoiceError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EInvoiceError);
    return error as EInvoiceError;
  }
  throw new Error('expected an EInvoiceError');
}

/** The local names of the root's children, in order. */
const childNames = (xml: string) =>
  [...xml.replace(/^[\s\S]*?<types:\w+[^>]*>/, '').matchAll(/<(\/?)([\w:]+)[^>]*?(\/?)>/g)]
    .reduce<{ depth: number; names: string[] }>(
      (acc, [, close, name, selfClosing]) => {
        if (close) acc.depth--;
        else {
          if (acc.depth === 0) acc.names.push(name!);
          if (!selfClosing) acc.depth++;
        }
        return acc;
      },
      { depth: 0, names: [] },
    )
    .names.filter((n) => !n.startsWith('types:'));

describe('SDI notification files (MessaggiTypes_v1.1)', () => {
  it.each(Object.values(MESSAGES))('$type round-trips through build and parse', (message) => {
    const xml = buildNotification(message);
    expect(xml).toMatch(
      new RegExp(
        `^<\\?xml version="1.0" encoding="UTF-8"\\?>\\s*<types:\\w+ xmlns:types="${SDI_MESSAGES_NS}" versione="1.0">`,
      ),
    );
    expect(parseNotification(xml)).toEqual(message);
    // signed (every type but MT is signed by SDI), it still reads the same
    expect(parseNotification(signNotification(xml, sdi.credential))).toEqual(message);
  });

  it('writes the elements in the order of the schema', () => {
    expect(childNames(buildNotification(MESSAGES.RC))).toEqual([
      'IdentificativoSdI',
      'NomeFile',
      'DataOraRicezione',
      'DataOraConsegna',
      'Destinatario',
      'RiferimentoArchivio',
      'MessageId',
      'PecMessageId',
      'Note',
    ]);
    expect(childNames(buildNotification(MESSAGES.NS))).toEqual([
      'IdentificativoSdI',
      'NomeFile',
      'DataOraRicezione',
      'ListaErrori',
      'MessageId',
      'Note',
    ]);
    expect(childNames(buildNotification(MESSAGES.AT))).toEqual([
      'IdentificativoSdI',
      'NomeFile',
      'DataOraRicezione',
      'Destinatario',
      'MessageId',
      'Note',
      'HashFileOriginale',
    ]);
    // DT: RiferimentoFattura comes before NomeFile
    expect(childNames(buildNotification(MESSAGES.DT))).toEqual([
      'IdentificativoSdI',
      'RiferimentoFattura',
      'NomeFile',
      'Descrizione',
      'MessageId',
    ]);
    const ne = buildNotification(MESSAGES.NE);
    expect(childNames(ne)).toEqual(['IdentificativoSdI', 'NomeFile', 'EsitoCommittente', 'MessageId']);
    expect(ne).toContain(
      '<EsitoCommittente versione="1.0"><IdentificativoSdI>114</IdentificativoSdI><RiferimentoFattura>' +
        '<NumeroFattura>1111</NumeroFattura><AnnoFattura>2025</AnnoFattura><PosizioneFattura>2</PosizioneFattura>' +
        '</RiferimentoFattura><Esito>EC02</Esito><Descrizione>Importo errato</Descrizione>' +
        '<MessageIdCommittente>999</MessageIdCommittente></EsitoCommittente>',
    );
    expect(buildNotification(MESSAGES.NS)).toContain(
      '<Errore><Codice>00200</Codice><Descrizione>File non conforme al formato</Descrizione>' +
        '<Suggerimento>Verificare lo schema</Suggerimento></Errore><Errore><Codice>00404</Codice>',
    );
  });

  it('signs at the end of the root with XAdES-BES, verifiable with the signing certificate', () => {
    const signed = signNotification(buildNotification(MESSAGES.RC), sdi.credential);
    expect(signed).toMatch(/<ds:Signature [^>]*>[\s\S]*<\/ds:Signature><\/types:RicevutaConsegna>$/);
    expect(signed).toContain('xades:SignedProperties');
    expect(verifyNotification(signed, sdi.certificatePem).valid).toBe(true);
    expect(verifyNotification(signed).valid).toBe(true);
    // changed after signing, or signed by another certificate than the trusted one: refused
    expect(verifyNotification(signed.replace('AAA111', 'AAA112'), sdi.certificatePem).valid).toBe(false);
    const byOther = signNotification(buildNotification(MESSAGES.RC), other.credential);
    const verdict = verifyNotification(byOther, sdi.certificatePem);
    expect(verdict.valid).toBe(false);
    expect(verdict.problems.map((p) => p.code)).toContain('verify.untrusted');
  });

  it('refuses to build a message without a required element', () => {
    const { messageId: _, ...withoutId } = MESSAGES.RC;
    const error = thrown(() => buildNotification(withoutId as SdiMessage));
    expect(error.code).toBe('sdi.invalid-message');
    expect(error.message).toBe('RicevutaConsegna: MessageId is required');
    const { errors: __, ...withoutErrors } = MESSAGES.NS;
    expect(thrown(() => buildNotification(withoutErrors as SdiMessage)).message).toContain('ListaErrori');
  });

  it('refuses a message without a required element as sdi.malformed, naming the element and its line', () => {
    const xml = buildNotification(MESSAGES.RC).replace('<MessageId>123456</MessageId>', '');
    const error = thrown(() => parseNotification(xml));
    expect(error.code).toBe('sdi.malformed');
    expect(error.details[0]).toEqual({
      path: '/RicevutaConsegna/MessageId',
      message: 'RicevutaConsegna has no MessageId',
      location: { xpath: '/RicevutaConsegna/MessageId', line: 2 },
    });
    const noCode = buildNotification(MESSAGES.NS).replace('<Codice>00404</Codice>', '');
    expect(thrown(() => parseNotification(noCode)).details[0]?.path).toBe(
      '/NotificaScarto/ListaErrori/Errore/Codice',
    );
    const badEsito = buildNotification(MESSAGES.NE).replace('EC02', 'EC03');
    expect(thrown(() => parseNotification(badEsito)).message).toBe('Esito "EC03" is not EC01 or EC02');
  });

  it('refuses XML that is not well-formed, a DTD, and other documents, as sdi.malformed', () => {
    const broken = thrown(() => parseNotification('<?xml version="1.0"?>\n<a>\n<b></a>'));
    expect(broken.code).toBe('sdi.malformed');
    expect(broken.details[0]?.path).toMatch(/^line 3, column \d+$/);
    const dtd = thrown(() =>
      parseNotification('<!DOCTYPE x [<!ENTITY e "e">]><types:RicevutaConsegna xmlns:types="x"/>'),
    );
    expect(dtd.code).toBe('sdi.malformed');
    expect(dtd.details[0]?.code).toBe('xml.dtd-forbidden');
    const foreign = thrown(() => parseNotification('<RicevutaConsegna xmlns="urn:other"/>'));
    expect(foreign.message).toContain('is not an SDI message');
  });

  it('reads notifications whose children are written in the default namespace', () => {
    const xml =
      `<RicevutaConsegna xmlns="${SDI_MESSAGES_NS}" versione="1.0"><IdentificativoSdI>7</IdentificativoSdI>` +
      '<NomeFile>IT01234567890_1.xml</NomeFile><DataOraRicezione>2025-01-01T00:00:00Z</DataOraRicezione>' +
      '<DataOraConsegna>2025-01-01T00:00:01Z</DataOraConsegna><Destinatario><Codice>ABCDEF</Codice>' +
      '<Descrizione>X</Descrizione></Destinatario><MessageId>1</MessageId></RicevutaConsegna>';
    expect(parseNotification(xml)).toMatchObject({ type: 'RC', identificativoSdI: '7', messageId: '1' });
  });

  it('names message files <file without extension>_<type>_<progressive>.xml', () => {
    expect(notificationFileName('IT01234567890_11111.xml.p7m', 'RC')).toBe('IT01234567890_11111_RC_001.xml');
    expect(notificationFileName('IT01234567890_11111.xml', 'NE', 2)).toBe('IT01234567890_11111_NE_002.xml');
    expect(notificationFileName('IT01234567890_11111.zip', 'NS', 12)).toBe('IT01234567890_11111_NS_012.xml');
    expect(parseNotificationFileName('IT01234567890_11111_MT_001.xml')).toEqual({
      base: 'IT01234567890_11111',
      type: 'MT',
      progressive: 1,
    });
    expect(parseNotificationFileName('IT01234567890_11111.xml')).toBeUndefined();
    expect(thrown(() => notificationFileName('IT01234567890_11111.xml', 'RC', 1000)).code).toBe(
      'sdi.invalid-message',
    );
  });
});

describe('SDICoop SOAP messages', () => {
  const invoice = Buffer.from('<FatturaElettronica>è</FatturaElettronica>', 'utf8');

  it('RiceviFile: builds fileSdIAccoglienza with its SOAPAction and reads it back', () => {
    const message = buildRiceviFileRequest({ nomeFile: 'IT01234567890_00001.xml', file: invoice });
    expect(message.soapAction).toBe('http://www.fatturapa.it/SdIRiceviFile/RiceviFile');
    expect(message.contentType).toBe('text/xml; charset=utf-8');
    expect(message.body).toContain(`xmlns:types="${SDI_TRASMISSIONE_TYPES_NS}"`);
    expect(message.body).toContain(
      `<types:fileSdIAccoglienza><NomeFile>IT01234567890_00001.xml</NomeFile><File>${invoice.toString('base64')}</File>`,
    );
    expect(parseRiceviFileRequest(message.body, message.contentType)).toEqual({
      nomeFile: 'IT01234567890_00001.xml',
      file: invoice,
    });
  });

  it('RiceviFile: reads MTOM/XOP, built here and written by hand (base64 part, encoded cid, LF line ends)', () => {
    const mtom = buildRiceviFileRequest(
      { nomeFile: 'IT01234567890_00001.xml', file: invoice },
      { mtom: true },
    );
    expect(mtom.contentType).toMatch(/^multipart\/related; type="application\/xop\+xml"; boundary="/);
    expect(Buffer.isBuffer(mtom.body)).toBe(true);
    expect(mtom.body.toString()).toContain(
      '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:',
    );
    expect(parseRiceviFileRequest(mtom.body, mtom.contentType)).toEqual({
      nomeFile: 'IT01234567890_00001.xml',
      file: invoice,
    });
    const byHand = [
      '--uuid:abc',
      'Content-Type: application/xop+xml; charset=UTF-8; type="text/xml"',
      'Content-ID: <root.message@cxf.apache.org>',
      '',
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
        `<ns2:fileSdIAccoglienza xmlns:ns2="${SDI_TRASMISSIONE_TYPES_NS}"><NomeFile>IT01234567890_00002.xml</NomeFile>` +
        `<File><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:file%40example.org"/></File>` +
        `</ns2:fileSdIAccoglienza></soap:Body></soap:Envelope>`,
      '--uuid:abc',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <file@example.org>',
      '',
      invoice.toString('base64'),
      '--uuid:abc--',
      '',
    ].join('\n');
    expect(
      parseRiceviFileRequest(
        Buffer.from(byHand),
        'multipart/related; type="application/xop+xml"; boundary="uuid:abc"; start="<root.message@cxf.apache.org>"; start-info="text/xml"',
      ),
    ).toEqual({ nomeFile: 'IT01234567890_00002.xml', file: invoice });
    const missing = thrown(() =>
      parseRiceviFileRequest(
        Buffer.from(byHand.replace('Content-ID: <file@', 'Content-ID: <other@')),
        'multipart/related; boundary=uuid:abc',
      ),
    );
    expect(missing.code).toBe('sdi.malformed');
    expect(missing.message).toBe('No MIME part has the Content-ID <file@example.org>');
  });

  it('RiceviFile: builds and reads the answer, with and without Errore', () => {
    const ok = buildRiceviFileResponse({
      identificativoSdI: '4242',
      dataOraRicezione: '2025-06-01T10:00:00.000Z',
    });
    expect(ok.body).toContain(
      '<types:rispostaSdIRiceviFile><IdentificativoSdI>4242</IdentificativoSdI><DataOraRicezione>2025-06-01T10:00:00.000Z</DataOraRicezione></types:rispostaSdIRiceviFile>',
    );
    expect(parseRiceviFileResponse(ok.body)).toEqual({
      identificativoSdI: '4242',
      dataOraRicezione: '2025-06-01T10:00:00.000Z',
    });
    const ei02 = buildRiceviFileResponse({
      identificativoSdI: '0',
      dataOraRicezione: '2025-06-01T10:00:00Z',
      errore: 'EI02',
    });
    expect(parseRiceviFileResponse(ei02.body)).toEqual({
      identificativoSdI: '0',
      dataOraRicezione: '2025-06-01T10:00:00Z',
      errore: 'EI02',
    });
    expect(thrown(() => parseRiceviFileResponse(String(ei02.body).replace('EI02', 'EI09'))).code).toBe(
      'sdi.malformed',
    );
  });

  it('reads a SOAP Fault (1.1 and 1.2) as sdi.soap-fault, retryable when the server is at fault', () => {
    const server = thrown(() =>
      parseRiceviFileResponse(buildSoapFault('Server', 'Servizio non disponibile').body),
    );
    expect(server).toMatchObject({ code: 'sdi.soap-fault', retryable: true, status: 502 });
    expect(server.message).toBe('SOAP Fault soapenv:Server: Servizio non disponibile');
    const client = thrown(() =>
      parseRiceviFileResponse(buildSoapFault('Client', 'Richiesta non valida').body),
    );
    expect(client).toMatchObject({ code: 'sdi.soap-fault', retryable: false });
    const soap12 = thrown(() =>
      parseRiceviFileResponse(
        '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><e:Fault><e:Code><e:Value>e:Sender</e:Value></e:Code>' +
          '<e:Reason><e:Text xml:lang="en">bad</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>',
      ),
    );
    expect(soap12).toMatchObject({
      code: 'sdi.soap-fault',
      retryable: false,
      message: 'SOAP Fault e:Sender: bad',
    });
  });

  it('refuses what is not an SDICoop message as sdi.malformed with the element and line', () => {
    const notSoap = thrown(() => parseRiceviFileRequest('<a/>'));
    expect(notSoap).toMatchObject({
      code: 'sdi.malformed',
      message: 'The root element is a, not a SOAP Envelope',
    });
    const wrong = thrown(() =>
      parseRiceviFileRequest(
        `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">\n<s:Body>\n<t:fileSdIAccoglienza xmlns:t="${SDI_TRASMISSIONE_TYPES_NS}">\n<File>!!</File></t:fileSdIAccoglienza></s:Body></s:Envelope>`,
      ),
    );
    expect(wrong.details[0]).toMatchObject({
      path: '/Envelope/Body/fileSdIAccoglienza/NomeFile',
      location: { line: 3 },
    });
    const badBase64 = thrown(() =>
      parseRiceviFileRequest(
        String(buildRiceviFileRequest({ nomeFile: 'IT01234567890_1.xml', file: invoice }).body).replace(
          /<File>[^<]+/,
          '<File>@@@',
        ),
      ),
    );
    expect(badBase64.message).toBe('File is not base64');
    expect(thrown(() => parseRiceviFileRequest('<s:Envelope')).code).toBe('sdi.malformed');
  });

  it.each(Object.entries(TRASMISSIONE_OPERATION_OF))(
    'TrasmissioneFatture: %s travels as %s, recognised by body element and SOAPAction',
    (type, operation) => {
      const file = Buffer.from(buildNotification(MESSAGES[type as keyof typeof TRASMISSIONE_OPERATION_OF]));
      const message = buildTrasmissioneRequest(operation, {
        identificativoSdI: '111',
        nomeFile: `X_${type}_001.xml`,
        file,
      });
      expect(message.soapAction).toBe(`http://www.fatturapa.it/TrasmissioneFatture/${operation}`);
      const element = operation.charAt(0).toLowerCase() + operation.slice(1);
      expect(message.body).toContain(`<types:${element}><IdentificativoSdI>111</IdentificativoSdI>`);
      expect(parseTrasmissioneRequest(message.body, { soapAction: `"${message.soapAction!}"` })).toEqual({
        operation,
        identificativoSdI: '111',
        nomeFile: `X_${type}_001.xml`,
        file,
      });
      expect(parseTrasmissioneRequest(message.body).operation).toBe(operation);
    },
  );

  it('TrasmissioneFatture: a generic fileSdI takes its operation from the SOAPAction; a contradiction is refused', () => {
    const generic = String(
      buildTrasmissioneRequest('NotificaScarto', {
        identificativoSdI: '5',
        nomeFile: 'n.xml',
        file: Buffer.from('x'),
      }).body,
    ).replace(/notificaScarto/g, 'fileSdI');
    expect(parseTrasmissioneRequest(generic, { soapAction: SDI_SOAP_ACTIONS.NotificaEsito }).operation).toBe(
      'NotificaEsito',
    );
    expect(thrown(() => parseTrasmissioneRequest(generic)).message).toContain('the operation is unknown');
    const rc = buildTrasmissioneRequest('RicevutaConsegna', {
      identificativoSdI: '5',
      nomeFile: 'n.xml',
      file: Buffer.from('x'),
    });
    expect(
      thrown(() => parseTrasmissioneRequest(rc.body, { soapAction: SDI_SOAP_ACTIONS.NotificaScarto }))
        .message,
    ).toBe('SOAPAction NotificaScarto does not match the body element ricevutaConsegna');
    expect(thrown(() => parseTrasmissioneRequest(rc.body, { soapAction: 'urn:x' })).code).toBe(
      'sdi.malformed',
    );
    const mtom = buildTrasmissioneRequest(
      'NotificaEsito',
      { identificativoSdI: '6', nomeFile: 'n.xml', file: invoice },
      { mtom: true },
    );
    expect(parseTrasmissioneRequest(mtom.body, { contentType: mtom.contentType }).file).toEqual(invoice);
  });

  it('RicezioneFatture: RiceviFatture with its metadata, the ER01 answer, and the recipient DT', () => {
    const metadati = Buffer.from(buildNotification(MESSAGES.MT));
    const request = {
      identificativoSdI: '117',
      nomeFile: 'IT01234567890_11117.xml',
      file: invoice,
      nomeFileMetadati: 'IT01234567890_11117_MT_001.xml',
      metadati,
    };
    for (const mtom of [false, true]) {
      const message = buildRiceviFattureRequest(request, { mtom });
      expect(message.soapAction).toBe('http://www.fatturapa.it/RicezioneFatture/RiceviFattureSdI');
      expect(
        parseRicezioneRequest(message.body, {
          contentType: message.contentType,
          soapAction: message.soapAction,
        }),
      ).toEqual({ operation: 'RiceviFatture', ...request });
    }
    expect(String(buildRiceviFattureRequest(request).body)).toContain(
      `xmlns:types="${SDI_RICEZIONE_TYPES_NS}"><soapenv:Header/><soapenv:Body><types:fileSdIConMetadati><IdentificativoSdI>117</IdentificativoSdI>`,
    );
    const answer = buildRiceviFattureResponse();
    expect(answer.body).toContain(
      '<types:rispostaRiceviFatture><Esito>ER01</Esito></types:rispostaRiceviFatture>',
    );
    expect(parseRiceviFattureResponse(answer.body)).toEqual({ esito: 'ER01' });
    const dt = buildRicezioneDecorrenzaTermini({
      identificativoSdI: '117',
      nomeFile: 'IT01234567890_11117_DT_001.xml',
      file: invoice,
    });
    expect(dt.soapAction).toBe('http://www.fatturapa.it/RicezioneFatture/NotificaDecorrenzaTermini');
    expect(dt.body).toContain('<types:fileSdI><IdentificativoSdI>117</IdentificativoSdI>');
    expect(parseRicezioneRequest(dt.body, { soapAction: dt.soapAction })).toEqual({
      operation: 'NotificaDecorrenzaTermini',
      identificativoSdI: '117',
      nomeFile: 'IT01234567890_11117_DT_001.xml',
      file: invoice,
    });
    expect(
      thrown(() => parseRicezioneRequest(dt.body, { soapAction: SDI_SOAP_ACTIONS.RiceviFatture })).code,
    ).toBe('sdi.malformed');
  });
});

/**
 * The official schema MessaggiTypes_v1.1.xsd (with xmldsig-core-schema.xsd beside it) in the folder
 * EINVOICE_SDI_SCHEMAS; the published example notifications (IT01234567890_11111_RC_001.xml, …) there too
 * when present. Not part of the repository.
 */
const sdiSchemas = process.env.EINVOICE_SDI_SCHEMAS;
const schemaFile = sdiSchemas ? join(sdiSchemas, 'MessaggiTypes_v1.1.xsd') : undefined;
if (!schemaFile || !existsSync(schemaFile))
  process.stderr.write(
    'NOTICE: EINVOICE_SDI_SCHEMAS is not set to a folder with MessaggiTypes_v1.1.xsd: the SDI messages are not checked against the official schema\n',
  );
const withSchema = schemaFile && existsSync(schemaFile) ? describe : describe.skip;

withSchema('SDI messages against the official MessaggiTypes_v1.1.xsd (EINVOICE_SDI_SCHEMAS)', () => {
  it('every type, signed as SDI signs it (MT unsigned, as its type has no signature), is valid', async () => {
    const documents: Record<string, string> = {};
    for (const message of Object.values(MESSAGES)) {
      // Errore_Type of the published v1.1 has Codice and Descrizione only
      const plain = message.errors
        ? { ...message, errors: message.errors.map(({ code, description }) => ({ code, description })) }
        : message;
      const xml = buildNotification(plain);
      documents[`${message.type}.xml`] = message.type === 'MT' ? xml : signNotification(xml, sdi.credential);
    }
    const results = await validateXsd(schemaFile!, documents);
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
  });

  it('reads the published example notifications found beside the schema', () => {
    const examples = readdirSync(sdiSchemas!).filter((name) => parseNotificationFileName(name));
    for (const name of examples) {
      const message = parseNotification(readFileSync(join(sdiSchemas!, name)));
      expect(message.type).toBe(parseNotificationFileName(name)!.type);
      expect(message.identificativoSdI).toMatch(/^\d+$/);
    }
  });
});

import { X509Certificate } from 'node:crypto';
import { EInvoiceError } from '../../errors';
import type { SigningCredential } from '../../ports/certificate-store';
import { verifyXmlSignature, type VerifyResult } from '../../signing/verify';
import { signEnveloped, XMLDSIG_NS, type XmlSigningKey } from '../../signing/xmldsig';
import type { XmlTreeElement } from '../../xml/xml-tree';
import { childOf, escapeXml, optionalText, parseSdiXml, requiredText, sdiMalformed } from './soap';

/**
 * The notification files of SDI (schema MessaggiTypes_v1.1, namespace below): the receipts and
 * notifications SDI sends about a file (RC, NS, MC, NE, DT, AT) and the metadata file delivered with an
 * invoice (MT). The root element is in the namespace, its children are unqualified; the attribute `versione`
 * is fixed at "1.0" for every type; every type but MT ends with an enveloped XML signature of SDI.
 */
export const SDI_MESSAGES_NS = 'http://www.fatturapa.gov.it/sdi/messaggi/v1.0';

export type SdiMessageType = 'RC' | 'NS' | 'MC' | 'NE' | 'DT' | 'AT' | 'MT';

/** The root element of each type. */
export const SDI_MESSAGE_ROOTS: Record<SdiMessageType, string> = {
  RC: 'RicevutaConsegna',
  NS: 'NotificaScarto',
  MC: 'NotificaMancataConsegna',
  NE: 'NotificaEsito',
  DT: 'NotificaDecorrenzaTermini',
  AT: 'AttestazioneTrasmissioneFattura',
  MT: 'MetadatiInvioFile',
};

/** An error of a NotificaScarto (`ListaErrori/Errore`). */
export interface SdiError {
  /** Five digits (00001 file name, 00200 format, 00404 duplicate invoice, …). */
  code: string;
  description: string;
  /** `Suggerimento`: written and read when present; SDI adds it to its discard notifications. */
  suggestion?: string;
}

/** The invoice a NE or DT refers to (`RiferimentoFattura`). */
export interface SdiInvoiceReference {
  numero: string;
  anno: string;
  posizione?: string;
}

/** A notification (or metadata) file, read or to be written. Which fields a type has: see `SEQUENCES`. */
export interface SdiMessage {
  type: SdiMessageType;
  identificativoSdI: string;
  /** The name of the file the message is about (not the message's own file name). */
  nomeFile: string;
  messageId: string;
  /** RC, NS, MC, AT. */
  dataOraRicezione?: string;
  /** RC. */
  dataOraConsegna?: string;
  /** RC, AT: the recipient (`Codice` is the recipient's code). */
  destinatario?: { codice: string; descrizione: string };
  /** RC, NS, MC, AT: the archive (zip) the file came in. */
  riferimentoArchivio?: { identificativoSdI: string; nomeFile: string };
  /** NS. */
  errors?: SdiError[];
  /** NE: the recipient's outcome, EC01 accepted, EC02 refused. */
  esito?: 'EC01' | 'EC02';
  /** NE, DT. */
  riferimentoFattura?: SdiInvoiceReference;
  /** MC, DT; for NE the recipient's own description of the outcome. */
  description?: string;
  /** NE. */
  messageIdCommittente?: string;
  pecMessageId?: string;
  note?: string;
  /** AT: SHA-256 (hex) of the file. */
  hashFileOriginale?: string;
  /** MT. */
  codiceDestinatario?: string;
  /** MT: `FPA12`, `FPR12`, … */
  formato?: string;
  /** MT. */
  tentativiInvio?: number;
}

type Element =
  | 'IdentificativoSdI'
  | 'NomeFile'
  | 'DataOraRicezione'
  | 'DataOraConsegna'
  | 'Destinatario'
  | 'RiferimentoArchivio'
  | 'ListaErrori'
  | 'EsitoCommittente'
  | 'RiferimentoFattura'
  | 'Descrizione'
  | 'MessageId'
  | 'PecMessageId'
  | 'Note'
  | 'HashFileOriginale'
  | 'CodiceDestinatario'
  | 'Formato'
  | 'TentativiInvio';

/** Each type's elements in schema order, with whether the schema requires them (the signature aside). */
const SEQUENCES: Record<SdiMessageType, ReadonlyArray<readonly [Element, boolean]>> = {
  RC: [
    ['IdentificativoSdI', true],
    ['NomeFile', true],
    ['DataOraRicezione', true],
    ['DataOraConsegna', true],
    ['Destinatario', true],
    ['RiferimentoArchivio', false],
    ['MessageId', true],
    ['PecMessageId', false],
    ['Note', false],
  ],
  NS: [
    ['IdentificativoSdI', true],
    ['NomeFile', true],
    ['DataOraRicezione', true],
    ['RiferimentoArchivio', false],
    ['ListaErrori', true],
    ['MessageId', true],
    ['PecMessageId', false],
    ['Note', false],
  ],
  MC: [
    ['IdentificativoSdI', true],
    ['NomeFile', true],
    ['DataOraRicezione', true],
    ['RiferimentoArchivio', false],
    ['Descrizione', false],
    ['MessageId', true],
    ['PecMessageId', false],
    ['Note', false],
  ],
  NE: [
    ['IdentificativoSdI', true],
    ['NomeFile', true],
    ['EsitoCommittente', true],
    ['MessageId', true],
    ['PecMessageId', false],
    ['Note', false],
  ],
  AT: [
    ['IdentificativoSdI', true],
    ['NomeFile', true],
    ['DataOraRicezione', true],
    ['RiferimentoArchivio', false],
    ['Destinatario', true],
    ['MessageId', true],
    ['PecMessageId', false],
    ['Note', false],
    ['HashFileOriginale', true],
  ],
  DT: [
    ['IdentificativoSdI', true],
    ['RiferimentoFattura', false],
    ['NomeFile', true],
    ['Descrizione', false],
    ['MessageId', true],
    ['PecMessageId', false],
    ['Note', false],
  ],
  MT: [
    ['IdentificativoSdI', true],
    ['NomeFile', true],
    ['CodiceDestinatario', true],
    ['Formato', true],
    ['TentativiInvio', true],
    ['MessageId', true],
    ['Note', false],
  ],
};

/** The message's property behind each simple element. */
const TEXT_FIELDS: Partial<Record<Element, keyof SdiMessage>> = {
  IdentificativoSdI: 'identificativoSdI',
  NomeFile: 'nomeFile',
  DataOraRicezione: 'dataOraRicezione',
  DataOraConsegna: 'dataOraConsegna',
  Descrizione: 'description',
  MessageId: 'messageId',
  PecMessageId: 'pecMessageId',
  Note: 'note',
  HashFileOriginale: 'hashFileOriginale',
  CodiceDestinatario: 'codiceDestinatario',
  Formato: 'formato',
};

const tag = (name: string, value: string) => `<${name}>${escapeXml(value)}</${name}>`;
const optionalTag = (name: string, value: string | undefined) =>
  value === undefined ? '' : tag(name, value);

function invalid(message: SdiMessage, what: string): EInvoiceError {
  return new EInvoiceError('sdi.invalid-message', `${SDI_MESSAGE_ROOTS[message.type]}: ${what}`);
}

function riferimentoFattura(ref: SdiInvoiceReference): string {
  return (
    `<RiferimentoFattura>${tag('NumeroFattura', ref.numero)}${tag('AnnoFattura', ref.anno)}` +
    `${optionalTag('PosizioneFattura', ref.posizione)}</RiferimentoFattura>`
  );
}

/** One element of the message, or '' when the message has nothing for it. */
function writeElement(message: SdiMessage, element: Element): string {
  switch (element) {
    case 'Destinatario':
      return message.destinatario
        ? `<Destinatario>${tag('Codice', message.destinatario.codice)}${tag('Descrizione', message.destinatario.descrizione)}</Destinatario>`
        : '';
    case 'RiferimentoArchivio':
      return message.riferimentoArchivio
        ? `<RiferimentoArchivio>${tag('IdentificativoSdI', message.riferimentoArchivio.identificativoSdI)}` +
            `${tag('NomeFile', message.riferimentoArchivio.nomeFile)}</RiferimentoArchivio>`
        : '';
    case 'ListaErrori':
      if (!message.errors?.length) return '';
      if (message.errors.length > 200) throw invalid(message, 'ListaErrori holds at most 200 errors');
      return `<ListaErrori>${message.errors
        .map(
          (e) =>
            `<Errore>${tag('Codice', e.code)}${tag('Descrizione', e.description)}${optionalTag('Suggerimento', e.suggestion)}</Errore>`,
        )
        .join('')}</ListaErrori>`;
    case 'EsitoCommittente':
      if (!message.esito) return '';
      return (
        `<EsitoCommittente versione="1.0">${tag('IdentificativoSdI', message.identificativoSdI)}` +
        `${message.riferimentoFattura ? riferimentoFattura(message.riferimentoFattura) : ''}${tag('Esito', message.esito)}` +
        `${optionalTag('Descrizione', message.description)}${optionalTag('MessageIdCommittente', message.messageIdCommittente)}` +
        `</EsitoCommittente>`
      );
    case 'RiferimentoFattura':
      return message.riferimentoFattura ? riferimentoFattura(message.riferimentoFattura) : '';
    case 'TentativiInvio':
      return message.tentativiInvio === undefined
        ? ''
        : tag('TentativiInvio', String(message.tentativiInvio));
    default: {
      const value = message[TEXT_FIELDS[element]!] as string | undefined;
      return value === undefined || value === '' ? '' : tag(element, value);
    }
  }
}

/**
 * Writes a notification (or metadata) file as MessaggiTypes_v1.1 has it: elements in schema order, the
 * attribute `versione="1.0"`, no signature (see `signNotification`). A required element the message lacks is
 * refused (`sdi.invalid-message`).
 */
export function buildNotification(message: SdiMessage): string {
  const root = SDI_MESSAGE_ROOTS[message.type];
  if (!root)
    throw new EInvoiceError('sdi.invalid-message', `Unknown SDI message type "${String(message.type)}"`);
  const body = SEQUENCES[message.type]
    .map(([element, required]) => {
      const xml = writeElement(message, element);
      if (required && xml === '') throw invalid(message, `${element} is required`);
      return xml;
    })
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<types:${root} xmlns:types="${SDI_MESSAGES_NS}" versione="1.0">${body}</types:${root}>`
  );
}

function readRiferimentoFattura(el: XmlTreeElement): SdiInvoiceReference {
  const posizione = optionalText(el, 'PosizioneFattura');
  return {
    numero: requiredText(el, 'NumeroFattura'),
    anno: requiredText(el, 'AnnoFattura'),
    ...(posizione !== undefined ? { posizione } : {}),
  };
}

/** Reads one element into the message. */
function readElement(message: SdiMessage, element: Element, el: XmlTreeElement): void {
  switch (element) {
    case 'Destinatario':
      message.destinatario = {
        codice: requiredText(el, 'Codice'),
        descrizione: requiredText(el, 'Descrizione'),
      };
      return;
    case 'RiferimentoArchivio':
      message.riferimentoArchivio = {
        identificativoSdI: requiredText(el, 'IdentificativoSdI'),
        nomeFile: requiredText(el, 'NomeFile'),
      };
      return;
    case 'ListaErrori': {
      const errors = el.children.filter((c) => c.localName === 'Errore');
      if (errors.length === 0) throw sdiMalformed('ListaErrori has no Errore', el, 'Errore');
      message.errors = errors.map((e) => {
        const suggestion = optionalText(e, 'Suggerimento');
        return {
          code: requiredText(e, 'Codice'),
          description: requiredText(e, 'Descrizione'),
          ...(suggestion !== undefined ? { suggestion } : {}),
        };
      });
      return;
    }
    case 'EsitoCommittente': {
      const esito = requiredText(el, 'Esito');
      if (esito !== 'EC01' && esito !== 'EC02')
        throw sdiMalformed(`Esito "${esito}" is not EC01 or EC02`, el, 'Esito');
      message.esito = esito;
      const reference = childOf(el, 'RiferimentoFattura');
      if (reference) message.riferimentoFattura = readRiferimentoFattura(reference);
      const description = optionalText(el, 'Descrizione');
      if (description !== undefined) message.description = description;
      const committente = optionalText(el, 'MessageIdCommittente');
      if (committente !== undefined) message.messageIdCommittente = committente;
      return;
    }
    case 'RiferimentoFattura':
      message.riferimentoFattura = readRiferimentoFattura(el);
      return;
    case 'TentativiInvio': {
      const text = el.textContent.trim();
      if (!/^\d+$/.test(text)) throw sdiMalformed(`TentativiInvio "${text}" is not a number`, el);
      message.tentativiInvio = Number(text);
      return;
    }
    default: {
      const text = el.textContent.trim();
      if (text !== '') (message as unknown as Record<string, string>)[TEXT_FIELDS[element]!] = text;
    }
  }
}

/**
 * Reads a notification (or metadata) file with the safe parser. The type comes from the root element (in the
 * SDI messages namespace); the elements of the type are read whatever their order, others (the signature)
 * are skipped; a required element that is missing or empty is refused as `sdi.malformed` with the element and
 * its line. Does not verify the signature: see `verifyNotification`.
 */
export function parseNotification(xml: string | Buffer): SdiMessage {
  const text = (Buffer.isBuffer(xml) ? xml.toString('utf8') : xml).replace(/^\uFEFF/, '');
  const root = parseSdiXml(text, 'The SDI message is not well-formed XML');
  const type = (Object.keys(SDI_MESSAGE_ROOTS) as SdiMessageType[]).find(
    (t) => SDI_MESSAGE_ROOTS[t] === root.localName,
  );
  if (!type || root.namespaceURI !== SDI_MESSAGES_NS)
    throw sdiMalformed(
      `${root.nodeName} in ${root.namespaceURI ?? 'no namespace'} is not an SDI message of ${SDI_MESSAGES_NS}`,
      root,
    );
  const message = { type } as SdiMessage;
  for (const [element, required] of SEQUENCES[type]) {
    const el = childOf(root, element);
    if (el) readElement(message, element, el);
    const present =
      el !== undefined && (TEXT_FIELDS[element] === undefined || message[TEXT_FIELDS[element]] !== undefined);
    if (required && !present) throw sdiMalformed(`${root.localName} has no ${element}`, root, element);
  }
  if (!/^\d{1,12}$/.test(message.identificativoSdI))
    throw sdiMalformed(
      `IdentificativoSdI "${message.identificativoSdI}" is not a number of up to 12 digits`,
      root,
      'IdentificativoSdI',
    );
  return message;
}

/** Whether the file has an XML signature (as SDI's notifications have). */
export function isSignedNotification(xml: string): boolean {
  return xml.includes(XMLDSIG_NS) && /<(?:\w+:)?Signature[\s>]/.test(xml);
}

/**
 * The file name of a message about `nomeFile`: its name without extension, the type and a three-digit
 * progressive (`IT01234567890_11111.xml.p7m`, RC, 1 → `IT01234567890_11111_RC_001.xml`).
 */
export function notificationFileName(nomeFile: string, type: SdiMessageType, progressive = 1): string {
  if (!Number.isInteger(progressive) || progressive < 1 || progressive > 999)
    throw new EInvoiceError('sdi.invalid-message', `Progressive ${progressive} is not 1 to 999`);
  const base = nomeFile.split('.')[0]!;
  return `${base}_${type}_${String(progressive).padStart(3, '0')}.xml`;
}

/** The parts of a message file name, or undefined when it is not one. */
export function parseNotificationFileName(
  name: string,
): { base: string; type: SdiMessageType; progressive: number } | undefined {
  const match = /^([A-Za-z0-9]+_[A-Za-z0-9]+)_(RC|NS|MC|NE|DT|AT|MT)_(\d{3})\.xml$/.exec(name);
  if (!match) return undefined;
  return { base: match[1]!, type: match[2] as SdiMessageType, progressive: Number(match[3]) };
}

/**
 * Signs a notification as SDI does: an enveloped XAdES-BES signature over the whole file (exclusive c14n,
 * RSA-SHA256), as the last child of the root element, where the schema places `ds:Signature`.
 */
export function signNotification(
  xml: string,
  credential: SigningCredential | XmlSigningKey,
  signingTime?: Date,
): string {
  const key: XmlSigningKey =
    'certificates' in credential
      ? { privateKey: credential.privateKey, certificate: credential.certificates[0]! }
      : credential;
  return signEnveloped(xml, key, 'root-end', {
    profile: 'xades-bes',
    ...(signingTime ? { signingTime } : {}),
  }).xml;
}

/**
 * Verifies a notification's signature: one signature covering the whole file; with `trustedCertificatePem`
 * (SDI's certificate, or the CA that issued it), the signing certificate must be it or be issued by it.
 */
export function verifyNotification(xml: string, trustedCertificatePem?: string): VerifyResult {
  return verifyXmlSignature(
    xml,
    trustedCertificatePem
      ? { trusted: splitPem(trustedCertificatePem).map((pem) => new X509Certificate(pem)) }
      : {},
  );
}

function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [pem];
}

import { invalidInput } from '../errors';
import { parseNotification, verifyNotification, type SdiMessage } from '../connectors/sdi/messages';
import {
  buildRiceviFattureResponse,
  parseRicezioneRequest,
  parseTrasmissioneRequest,
  SDI_RICEZIONE_TYPES_NS,
  type FileSdIConMetadati,
} from '../connectors/sdi/soap';
import { splitFatturaPa } from '../formats/fatturapa-reader';
import { isP7m, verifyCades } from '../signing/cades';
import { verifyXmlSignature } from '../signing/verify';

/** An event as an adapter makes it from an authority's own message, before the inbox stores it. */
export interface AdaptedEvent {
  id: string;
  key: string;
  type: string;
  codes?: string[];
  message?: string;
  data?: Record<string, unknown>;
}

/** A document the authority delivers (a vendor's invoice), to start as an inbound document. */
export interface AdaptedDocument {
  content: Buffer;
  contentType: string;
  /** Context fields it starts with, besides those of the request (`companyId`). */
  context: Record<string, string>;
  /** The same delivery twice is one document. */
  clientKey: string;
}

/** What an authority's message is turned into, and what the authority is answered. */
export interface AdaptedMessage {
  events: AdaptedEvent[];
  documents: AdaptedDocument[];
  /** The answer the authority expects once they are stored. */
  answer: { status: number; contentType?: string; body: string };
}

export interface EventAdapter {
  /** A message that is not one of the authority's is a coded error. */
  adapt(body: Buffer, headers: { contentType?: string; soapAction?: string }): AdaptedMessage;
}

/**
 * SDI's notifications to a transmitter (SDICoop `TrasmissioneFatture`): each a SOAP request carrying a signed
 * notification file. The event's key is the file's IdentificativoSdI (recorded by the submission), its id
 * SDI's MessageId; its data the notification file itself, kept on the document as it arrived.
 */
function sdiType(message: SdiMessage): string {
  switch (message.type) {
    case 'RC':
      return 'delivered';
    case 'NS': {
      // 00002: the file name was taken; the file goes again under a new name (a flow's `again`)
      const codes = (message.errors ?? []).map((e) => e.code);
      return codes.length === 1 && codes[0] === '00002' ? 'duplicate-name' : 'rejected';
    }
    case 'MC':
      return 'undeliverable';
    case 'NE':
      return message.esito === 'EC02' ? 'refused' : 'accepted';
    case 'DT':
      return 'expired';
    case 'AT':
      return 'attested';
    default:
      throw invalidInput('event.invalid', `A ${message.type} file is not a notification to a transmitter`);
  }
}

/** The notification file's signature, checked against SDI's certificate when one is configured. */
function verified(xml: string, what: string, trusted: string | undefined): string | undefined {
  const result = verifyNotification(xml, trusted);
  if (!result.valid)
    throw invalidInput(
      'event.signature-invalid',
      `The signature of SDI's ${what} does not verify`,
      result.problems,
    );
  return result.certificate?.subject;
}

/** A notification of SDI to the transmitter, as the event of the file's IdentificativoSdI. */
function notificationEvent(
  operation: string,
  nomeFile: string,
  xml: string,
  trusted: string | undefined,
): AdaptedEvent {
  const message = parseNotification(xml);
  const signedBy = verified(xml, `${message.type} for ${message.nomeFile}`, trusted);
  const codes = (message.errors ?? []).map((e) => e.code);
  const description = [
    ...(message.errors ?? []).map((e) => `${e.code} ${e.description}`),
    message.esito,
    message.description,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    id: `sdi-${message.identificativoSdI}-${message.type}-${message.messageId}`,
    key: message.identificativoSdI,
    type: sdiType(message),
    ...(codes.length > 0 ? { codes } : message.esito ? { codes: [message.esito] } : {}),
    ...(description ? { message: description } : {}),
    data: {
      notification: message.type,
      operation,
      identificativoSdI: message.identificativoSdI,
      nomeFile: message.nomeFile,
      messageId: message.messageId,
      fileName: nomeFile,
      file: xml,
      ...(signedBy ? { signedBy } : {}),
    },
  };
}

/**
 * A vendor's invoice SDI delivers (RiceviFatture): the file, unwrapped from its CAdES envelope when it is a
 * `.p7m` (the signature verified), each invoice of a lot a document of its own, numbered by its place in the
 * file (the same delivery twice is the same documents).
 */
function deliveredInvoices(request: FileSdIConMetadati): AdaptedDocument[] {
  // The metadata file is SDI's own, unsigned (its schema has no signature)
  const metadata = parseNotification(request.metadati);
  if (metadata.type !== 'MT')
    throw invalidInput(
      'event.invalid',
      `${request.nomeFileMetadati} is a ${metadata.type}, not a metadata file`,
    );
  let signedBy: string | undefined;
  let xml = request.file;
  if (isP7m(request.file)) {
    const envelope = verifyCades(request.file);
    xml = envelope.content;
    signedBy = envelope.signer.subject;
  } else if (request.file.includes('Signature')) {
    // the vendor's XAdES signature, where the file has one (SDI takes unsigned FPR12 files)
    const text = request.file.toString('utf8');
    if (/<(\w+:)?Signature[\s>]/.test(text)) {
      const result = verifyXmlSignature(text);
      if (!result.valid)
        throw invalidInput(
          'event.signature-invalid',
          `The signature of ${request.nomeFile} does not verify`,
          result.problems,
        );
      signedBy = result.certificate?.subject;
    }
  }
  const invoices = splitFatturaPa(xml.toString('utf8'));
  return invoices.map((invoice, i) => ({
    content: Buffer.from(invoice, 'utf8'),
    contentType: 'application/xml',
    context: {
      direction: 'inbound',
      format: 'fatturapa',
      country: 'IT',
      sdiId: request.identificativoSdI,
      sdiFileName: request.nomeFile,
      ...(invoices.length > 1 ? { sdiLotPosition: String(i + 1) } : {}),
      ...(signedBy ? { signedBy: signedBy.replace(/\n/g, ', ').slice(0, 200) } : {}),
    },
    clientKey: `sdi-${request.identificativoSdI}-${i + 1}`,
  }));
}

const EMPTY = { status: 200, contentType: 'text/xml; charset=utf-8', body: '' };

/**
 * SDI's SDICoop messages: on the transmitter's side (`TrasmissioneFatture`) its notifications, each an event of
 * the file's IdentificativoSdI (recorded by the submission), with SDI's MessageId as its id and the
 * notification file itself as its data, kept on the document as it arrived; on the recipient's side
 * (`RicezioneFatture`) the invoices it delivers, each an inbound document, answered `ER01`, and the
 * recipient's expiry notice (DT) as an event.
 */
const sdi = (trusted?: () => string | undefined): EventAdapter => ({
  adapt(body, headers) {
    if (body.includes(SDI_RICEZIONE_TYPES_NS)) {
      const request = parseRicezioneRequest(body, headers);
      if (request.operation === 'RiceviFatture') {
        const answer = buildRiceviFattureResponse('ER01');
        return {
          events: [],
          documents: deliveredInvoices(request),
          answer: { status: 200, contentType: answer.contentType, body: answer.body.toString() },
        };
      }
      const event = notificationEvent(
        request.operation,
        request.nomeFile,
        request.file.toString('utf8'),
        trusted?.(),
      );
      return { events: [event], documents: [], answer: EMPTY };
    }
    const request = parseTrasmissioneRequest(body, headers);
    const event = notificationEvent(
      request.operation,
      request.nomeFile,
      request.file.toString('utf8'),
      trusted?.(),
    );
    return { events: [event], documents: [], answer: EMPTY };
  },
});

/**
 * The adapters a feature's manifest may name (`"events": "sdi"`), for authorities that send their own messages
 * rather than the JSON event. `trustedSdi` gives the certificate SDI's notifications must be signed with (the
 * setting SDI_CERTIFICATE), when one is configured.
 */
export function eventAdapters(trustedSdi?: () => string | undefined): Readonly<Record<string, EventAdapter>> {
  return { sdi: sdi(trustedSdi) };
}

export const EVENT_ADAPTER_NAMES = ['sdi'] as const;

/**
 * A signing thread of `SigningPool`: signs XML documents with keys the pool sends once per credential.
 * Runs from the compiled `dist/` tree (worker threads load JavaScript).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { describeError, EInvoiceError } from '../errors';
import { signEnvelopedUtf8, type SignaturePlacement, type XmlSignOptions } from './xmldsig';
import type { SigningReply, SigningRequest } from './signing-pool';

const keys = new Map<
  string,
  { privateKey: KeyObject; certificate: X509Certificate; chain: X509Certificate[] }
>();

parentPort?.on('message', (request: SigningRequest) => {
  let reply: SigningReply;
  try {
    if (request.key) {
      keys.set(request.keyId, {
        privateKey: request.key.privateKey,
        certificate: new X509Certificate(request.key.certificates[0]!),
        chain: request.key.certificates.slice(1).map((der) => new X509Certificate(der)),
      });
    }
    const key = keys.get(request.keyId);
    if (!key) throw new Error(`Signing thread has no key ${request.keyId}`);
    const options: XmlSignOptions = {
      ...request.options,
      chain: key.chain,
      ...(request.signingTime !== undefined ? { signingTime: new Date(request.signingTime) } : {}),
    };
    const placement: SignaturePlacement = request.placement;
    const document = Buffer.from(request.xml.buffer, request.xml.byteOffset, request.xml.byteLength);
    const signed = signEnvelopedUtf8(document, key, placement, options);
    // a copy with a buffer of its own, transferred with the reply (a small buffer may share Node's pool)
    reply = { id: request.id, xml: new Uint8Array(signed.xml), path: signed.path };
  } catch (error) {
    const { code, message } = describeError(error);
    reply = {
      id: request.id,
      error: {
        code,
        message,
        status: error instanceof EInvoiceError ? error.status : 500,
        retryable: error instanceof EInvoiceError ? error.retryable : true,
      },
    };
  }
  parentPort!.postMessage(reply, 'xml' in reply ? [reply.xml.buffer as ArrayBuffer] : []);
});

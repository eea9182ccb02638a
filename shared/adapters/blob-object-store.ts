import { RestError, type ContainerClient } from '@azure/storage-blob';
import { ConcurrencyError } from '../errors';
import type { ListOptions, ObjectStore, PutOptions, StoredObject } from '../ports/object-store';
import { checkKey, pageOf } from './object-keys';

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/**
 * An `ObjectStore` on Azure Blob Storage (block blobs in one container). Conditional writes use
 * `If-Match` / `If-None-Match: *`, so concurrent stage instances never overwrite each other's updates.
 */
export class BlobObjectStore implements ObjectStore {
  constructor(private readonly container: ContainerClient) {}

  async get(key: string): Promise<StoredObject | undefined> {
    checkKey(key);
    const blob = this.container.getBlobClient(key);
    try {
      const response = await blob.download();
      const body = await streamToBuffer(response.readableStreamBody);
      return {
        body,
        etag: response.etag ?? '',
        contentType: response.contentType ?? 'application/octet-stream',
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<string> {
    checkKey(key);
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    try {
      const response = await this.container.getBlockBlobClient(key).upload(data, data.length, {
        blobHTTPHeaders: { blobContentType: options.contentType ?? 'application/octet-stream' },
        conditions: options.ifMatch
          ? { ifMatch: options.ifMatch }
          : options.ifNoneMatch
            ? { ifNoneMatch: options.ifNoneMatch }
            : undefined,
      });
      return response.etag ?? '';
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409) throw new ConcurrencyError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.container.getBlobClient(key).deleteIfExists();
  }

  async list(prefix: string, options: ListOptions = {}): Promise<string[]> {
    checkKey(prefix, true);
    const names: string[] = [];
    for await (const item of this.container.listBlobsByHierarchy('/', { prefix })) {
      names.push(item.name.slice(prefix.length));
    }
    return pageOf(names, options);
  }
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

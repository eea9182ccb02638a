import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request's body, or undefined once it passes `maxBytes` (the caller answers 413). */
export async function readLimitedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Starts `server` on host:port (0: a free port) and returns its base URL; the open connections are kept in
 * `sockets`, so that {@link closeServer} ends those a client's pool keeps alive.
 */
export async function listenTracked(
  server: Server,
  port: number,
  host: string,
  sockets: Set<Socket>,
): Promise<string> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen());
  });
  const address = (server.address() as AddressInfo).port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address}`;
}

/** Closes the server, ending the connections it keeps. */
export async function closeServer(server: Server | undefined, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolveClose) => (server ? server.close(() => resolveClose()) : resolveClose()));
}

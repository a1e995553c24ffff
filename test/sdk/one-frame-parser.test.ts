/**
 * The SDK's Socket.IO parser against a server that knows nothing of one-frame messages (a hub
 * older than them, or another node behind the balancer during a rolling upgrade): Socket.IO's
 * default parser would take a one frame from the client as a protocol violation and close the
 * connection, so the client must keep to the default form with it.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { oneFrameParser, oneFrameQuery } from '@caseroom/shared';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';

let http: HttpServer | undefined;
let server: Server | undefined;
let client: Socket | undefined;

afterEach(async () => {
  client?.disconnect();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
});

/** A stock Socket.IO server on port 0 that answers `echo` with what it was sent. */
async function stockServer(): Promise<string> {
  http = createServer();
  server = new Server(http);
  server.on('connection', (socket) => socket.on('echo', (bytes: Uint8Array, ack: (bytes: Uint8Array) => void) => ack(bytes)));
  await new Promise<void>((done) => http!.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe("the SDK's parser with a server that does not read one frames", () => {
  it('sends binary messages in the default form, which the server reads', async () => {
    const url = await stockServer();
    client = io(url, { transports: ['websocket'], reconnection: false, parser: oneFrameParser(), query: oneFrameQuery });
    const closed: string[] = [];
    client.on('disconnect', (reason) => closed.push(reason));
    for (let i = 0; i < 3; i++) {
      const answer: Buffer = await client.timeout(5_000).emitWithAck('echo', new Uint8Array([i, 1, 2, 3]));
      expect([...new Uint8Array(answer)]).toEqual([i, 1, 2, 3]);
    }
    expect(closed).toEqual([]);
  });
});

/**
 * Routes the HTTP server's WebSocket upgrades: `/yjs/…` to the y-websocket endpoint, Socket.IO's
 * path to engine.io (which listens for its own), anything else is refused. An upgraded socket
 * leaves the HTTP server's bookkeeping, so it is kept here until it closes: shutdown cuts off
 * the ones that outstay their grace period.
 */
import type { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { YWebsocketEndpoint } from './YWebsocketEndpoint.js';

export class UpgradeRoutes {
  private readonly upgraded = new Set<Duplex>();

  constructor(server: HttpServer, yWebsocket: YWebsocketEndpoint, socketIoPath: string) {
    const upgraded = this.upgraded;
    // One listener shared by every socket, not a closure (and a `once` wrapper) per connection.
    function forget(this: Duplex): void {
      upgraded.delete(this);
    }
    server.on('upgrade', (req, socket, head) => {
      upgraded.add(socket);
      socket.on('close', forget);
      if (yWebsocket.handleUpgrade(req, socket, head)) return;
      if (!req.url?.startsWith(socketIoPath)) socket.destroy();
    });
  }

  /** Destroys every upgraded socket still open. */
  cutOff(): void {
    for (const socket of this.upgraded) socket.destroy();
  }
}

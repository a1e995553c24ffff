/**
 * The classic y-websocket server (y-websocket 1.5 `bin/utils` setupWSConnection) on a plain HTTP
 * server, listening on PORT. With YPERSISTENCE set, documents are kept in LevelDB (y-leveldb), as
 * its bundled server does.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { WebSocketServer, type WebSocket } from 'ws';

interface YWebsocketUtils {
  setupWSConnection(conn: WebSocket, req: IncomingMessage, options?: { docName?: string; gc?: boolean }): void;
  getPersistence(): { provider: { destroy(): Promise<void> } } | null;
}

const require = createRequire(import.meta.url);
const utils = require('y-websocket/bin/utils') as YWebsocketUtils;

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', (conn: WebSocket, req: IncomingMessage) => utils.setupWSConnection(conn, req));
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
});
server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (conn) => wss.emit('connection', conn, req)));
server.listen(Number(process.env.PORT), '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  for (const conn of wss.clients) conn.terminate();
  // LevelDB writes are queued; wait for them before exiting.
  const persistence = utils.getPersistence();
  void (persistence ? persistence.provider.destroy() : Promise.resolve()).finally(() => process.exit(0));
});

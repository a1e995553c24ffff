/**
 * How many bytes are waiting to reach one Socket.IO client: what engine.io has queued but not yet
 * handed to the transport, plus what the WebSocket has not yet written to the network. A client
 * that stops reading makes this grow; the hub drops it before its backlog eats the server's memory.
 */
import type { Socket } from 'socket.io';
import { engineConnectionOf, type EngineConnection } from './engineConnection.js';

export class SendBacklog {
  /** bytes in engine.io's write buffer since it last flushed to the transport */
  private queued = 0;
  private readonly conn: EngineConnection;

  constructor(socket: Socket) {
    this.conn = engineConnectionOf(socket.conn);
    this.conn.on('packetCreate', (packet) => (this.queued += packetBytes(packet.data)));
    this.conn.on('flush', () => (this.queued = 0));
  }

  get bytes(): number {
    const transport = this.conn.transport;
    const unsent = transport?.name === 'websocket' ? (transport.socket?.bufferedAmount ?? 0) : 0;
    return this.queued + unsent;
  }

  /**
   * Closes the connection at once, dropping what is queued (the client would not read it anyway).
   * The client sees its transport close and reconnects, resyncing every case it had open.
   */
  drop(): void {
    dropConnection(this.conn);
  }
}

/**
 * Closes an engine.io connection now, discarding its queue, and tears down its WebSocket without
 * waiting for the closing handshake a client that does not read would never answer.
 */
export function dropConnection(conn: unknown): void {
  const engine = engineConnectionOf(conn);
  engine.close(true);
  engine.transport?.socket?.terminate?.();
}

function packetBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 16;
}

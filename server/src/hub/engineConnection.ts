/**
 * What the hub reaches of an engine.io server connection (`socket.conn`) beyond Socket.IO's API:
 * its write buffer and flush, its transport's `drain`, and the WebSocket and TCP socket under a
 * websocket transport. Kept in one place, so that an engine.io or ws upgrade has one list to check
 * (SendBacklog, CoalescedWrites and CaseHub's `afterWritten` use it).
 */

export interface EnginePacket {
  data?: unknown;
}

export interface EngineConnection {
  /** packets queued and not yet handed to the transport */
  writeBuffer: unknown[];
  /** hands the write buffer to the transport, if it takes writes now */
  flush(): void;
  close(discard?: boolean): unknown;
  on(event: 'packetCreate', listener: (packet: EnginePacket) => void): void;
  on(event: 'flush', listener: () => void): void;
  transport?: EngineTransport;
}

export interface EngineTransport {
  name?: string;
  once(event: 'drain', listener: () => void): void;
  /** the ws WebSocket, under a websocket transport */
  socket?: {
    bufferedAmount?: number;
    terminate?: () => void;
    /** ws's own TCP socket */
    _socket?: { cork(): void; uncork(): void };
  };
}

/** The engine.io connection under a Socket.IO socket (or the one engine.io hands its `connection` listeners). */
export function engineConnectionOf(conn: unknown): EngineConnection {
  return conn as EngineConnection;
}

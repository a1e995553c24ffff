/**
 * What the hub reaches of an engine.io server connection (`socket.conn`) beyond Socket.IO's API:
 * its write buffer and flush, its transport's `drain`, the WebSocket and TCP socket under a
 * websocket transport, and the opening HTTP request it keeps. Kept in one place, so that an
 * engine.io or ws upgrade has one list to check (SendBacklog, CoalescedWrites and CaseHub's
 * `afterWritten` use it; beside it, OneFrameWrites reaches socket.io's `client.writeToEngine`, and
 * WebSocketFrames ws's frame builder and sender, each checking what it reaches). engine.io and
 * socket.io are pinned exactly in server/package.json, and `engineShapeProblems` checks each
 * connection before any of this is used: a connection of another shape runs without it, and says so.
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
  /** the HTTP request that opened the connection, which engine.io keeps for the connection's life */
  request?: unknown;
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

/**
 * What of the above a connection lacks (empty when it has all of it). Checked on every new
 * connection: an upgrade of engine.io that renamed a member must not silently stop coalescing or
 * make a reply hook throw.
 */
export function engineShapeProblems(conn: unknown): string[] {
  const c = conn as Partial<Record<string, unknown>> | null;
  if (typeof c !== 'object' || c === null) return ['connection'];
  const problems: string[] = [];
  if (!Array.isArray(c.writeBuffer)) problems.push('writeBuffer');
  for (const method of ['flush', 'close', 'on'] as const) if (typeof c[method] !== 'function') problems.push(method);
  const transport = c.transport as Partial<Record<string, unknown>> | undefined;
  if (transport !== undefined) {
    if (typeof transport.once !== 'function') problems.push('transport.once');
    if (transport.name === 'websocket') {
      const ws = transport.socket as Partial<Record<string, unknown>> | undefined;
      if (typeof ws?.bufferedAmount !== 'number') problems.push('transport.socket.bufferedAmount');
      const tcp = ws?._socket as Partial<Record<string, unknown>> | undefined;
      if (typeof tcp?.cork !== 'function' || typeof tcp.uncork !== 'function') problems.push('transport.socket._socket.cork');
    }
  }
  return problems;
}

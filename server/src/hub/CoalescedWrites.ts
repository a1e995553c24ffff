/**
 * One network write per Socket.IO connection and turn, instead of one per engine.io packet.
 *
 * engine.io hands a packet to its transport the moment it is queued, and the transport takes no
 * more until that write's callback has run. A Socket.IO message with a binary part is two packets
 * (the JSON header, then the attachment) for a stock client, and every document update is such a
 * message. So each relayed update cost each recipient two writes, the attachment a tick after the
 * header, and the recipient could not decode the header until the attachment came; a relay to 49
 * people made 98 system calls. (The SDK asks for one packet per message, see OneFrameWrites.ts;
 * a relay to it is then one packet, but the answers and events of one turn still share a write.)
 *
 * Here a connection's flush waits until the end of the current tick (all connections written to in
 * that tick share one callback), then runs with the TCP socket corked, so whatever the tick queued
 * leaves in one write. The frames on the wire are unchanged: stock Socket.IO clients read them as
 * before. engine.io has no setting for this; what is reached into is listed in engineConnection.ts
 * and checked by test/rooms/wire-writes.test.ts (and, for closing, by test/ops/shutdown.test.ts).
 */

import { engineConnectionOf, type EngineConnection } from './engineConnection.js';

/** Connections with a flush due at the end of this tick, and their own flush. */
const due = new Map<EngineConnection, () => void>();

function flushDue(): void {
  for (const conn of due.keys()) flushIfDue(conn);
}

/** Runs the flush `conn` has due, if any, in one write. */
function flushIfDue(conn: EngineConnection): void {
  const flush = due.get(conn);
  if (!flush) return;
  due.delete(conn);
  const socket = conn.transport?.name === 'websocket' ? conn.transport.socket?._socket : undefined;
  socket?.cork();
  try {
    flush();
  } finally {
    socket?.uncork();
  }
}

/** Makes `conn` (an engine.io server socket) flush once per tick, in one write. */
export function coalesceWrites(conn: unknown): void {
  const engine = engineConnectionOf(conn);
  const flushNow = engine.flush.bind(engine);
  const closeNow = engine.close.bind(engine);
  engine.flush = () => {
    if (due.has(engine)) return;
    if (due.size === 0) process.nextTick(flushDue);
    due.set(engine, flushNow);
  };
  // Closing (a shutdown closes with `discard`) drops the write buffer: what was queued before goes
  // out first, as it would have without the wait (the notice that a case closed, for one).
  engine.close = (discard?: boolean) => {
    flushIfDue(engine);
    return closeNow(discard);
  };
}

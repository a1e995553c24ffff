/**
 * Messages with binary parts (every document update) go as one frame to the Socket.IO clients that
 * asked for it (the SDK, see shared/src/oneFrameMessages.ts), and as Socket.IO's default to all
 * others.
 *
 * The hub's Socket.IO server keeps the default encoder: a broadcast is encoded once, as a packet
 * string and its parts, and that one encoding is handed to every recipient's `writeToEngine`. For
 * the connections that asked, that method is replaced here: it writes the one frame instead, built
 * once per encoding (the first recipient builds it, the others find it by the encoding, which the
 * adapter shares), together with its WebSocket frame, so that engine.io's websocket transport
 * writes it as it is (`wsPreEncodedFrame`, as socket.io-adapter does for text broadcasts). Rooms,
 * `except`, the packet count of SendBacklog and the coalesced writes are untouched, and so is the
 * Redis adapter: it hands each node's own recipients the same encoding.
 *
 * `writeToEngine` is an internal of socket.io's Client (pinned in server/package.json); a client
 * without it keeps the default encoding, which the SDK reads as well, and `oneFrameWrites` says so.
 * test/rooms/wire-writes.test.ts checks it on a real connection.
 */
import { encodeOneFrame } from '@caseroom/shared';
import { binaryFrame, type PreparedFrame } from './WebSocketFrames.js';

/** What `writeToEngine` is handed besides the packets (socket.io's and socket.io-adapter's options). */
interface WriteOptions {
  volatile?: boolean;
  compress?: boolean;
  preEncoded?: boolean;
  /** engine.io's websocket transport writes this frame as it is, instead of framing the packet */
  wsPreEncodedFrame?: PreparedFrame;
}

interface EngineWriter {
  /** writes a message, as encoded (a packet string, then its binary parts), to the engine.io connection */
  writeToEngine(encoded: unknown, options: WriteOptions): void;
}

interface OneFrame {
  /** the one frame, as the packet list `writeToEngine` takes */
  packets: [Buffer];
  /** the WebSocket frame of the one frame; null when ws cannot build one ahead */
  frame: PreparedFrame | null;
  /** the options of the broadcast (one object for all its recipients), and the same with the frame */
  given: WriteOptions | null;
  options: WriteOptions | null;
}

/** The one frame of each encoding with binary parts: built for the first recipient, found by the others. */
const oneFrames = new WeakMap<readonly unknown[], OneFrame | null>();
/** Clients already writing one frames. */
const writers = new WeakSet<object>();

function oneFrameOf(encoded: readonly unknown[]): OneFrame | null {
  let one = oneFrames.get(encoded);
  if (one === undefined) {
    const bytes = encodeOneFrame(encoded);
    const packet = bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    one = packet && { packets: [packet], frame: binaryFrame(packet), given: null, options: null };
    oneFrames.set(encoded, one);
  }
  return one;
}

/** `given` with the one frame's WebSocket frame added, made once per options object. */
function optionsOf(one: OneFrame, given: WriteOptions): WriteOptions {
  if (one.given !== given || !one.options) {
    one.given = given;
    one.options = one.frame ? { ...given, wsPreEncodedFrame: one.frame } : given;
  }
  return one.options;
}

/**
 * Makes a Socket.IO client (`socket.client`) write every message with binary parts as one frame.
 * Answers false, changing nothing, when the client lacks the `writeToEngine` this replaces.
 */
export function oneFrameWrites(client: unknown): boolean {
  const writer = client as Partial<EngineWriter> | null;
  if (typeof writer?.writeToEngine !== 'function') return false;
  if (writers.has(writer)) return true;
  writers.add(writer);
  const write = writer.writeToEngine.bind(writer);
  writer.writeToEngine = (encoded, options) => {
    const one = Array.isArray(encoded) && encoded.length > 1 ? oneFrameOf(encoded) : null;
    if (!one) return write(encoded, options);
    write(one.packets, optionsOf(one, options));
  };
  return true;
}

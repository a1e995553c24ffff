/**
 * A Socket.IO message with binary parts as one binary frame, instead of Socket.IO's default of a
 * text frame (the packet, with placeholders) followed by one binary frame per part. Every document
 * update is such a message: with the default, the hub wrote two frames per recipient, and the
 * recipient could not act on the first until the second came.
 *
 * The frame holds exactly what the default parser would have sent, in order:
 *
 *   byte 0          1 (the format; anything else is refused)
 *   bytes 1-4       H, the packet string's length in bytes (unsigned 32-bit, big-endian)
 *   next H bytes    the packet string in UTF-8, as the default parser writes it:
 *                   `51-/cases,["doc:sync","case-1",{"_placeholder":true,"num":0}]`
 *   then, for each of the n parts the packet string announces (`5n-` / `6n-`), in order:
 *                   4 bytes of length L (unsigned 32-bit, big-endian), then the L bytes
 *
 * and nothing after the last part. A client announces that it reads these by connecting with the
 * query parameter `frames=1` (`oneFrameQuery`); the hub then writes it every message with binary
 * parts this way, and everyone else Socket.IO's default. The hub reads both forms from anyone, so
 * a stock Socket.IO client needs nothing; the SDK writes one frames once the hub has sent it one.
 * See docs/socketio-frames.md.
 */
import { Decoder, Encoder, type Packet } from 'socket.io-parser';
import { CaseroomError } from './errors.js';

/** The query parameter (on the Socket.IO connection) by which a client asks for one-frame messages. */
export const oneFrameQuery = { frames: '1' } as const;
/** Whether a connection's query (Socket.IO's `socket.handshake.query`) asks for one-frame messages. */
export function asksForOneFrames(query: Readonly<Record<string, unknown>> | undefined): boolean {
  return query?.frames === oneFrameQuery.frames;
}

/** The first byte of a one-frame message. */
export const oneFrameFormat = 1;

const headerStart = 5;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(what: string): CaseroomError {
  return new CaseroomError('malformed_message', `One-frame message: ${what}`);
}

/**
 * How many binary parts a Socket.IO packet string announces: `n` in `5n-…` (an event) or `6n-…`
 * (an acknowledgement); 0 for a packet of another type. Only digits count: the default parser is
 * looser, but no parser writes anything else.
 */
export function attachmentsOf(packet: string): number {
  const type = packet.charCodeAt(0);
  if (type !== 0x35 && type !== 0x36) return 0;
  const count = /^[56](\d+)-/.exec(packet)?.[1];
  return count === undefined ? 0 : Number(count);
}

/** The bytes of a binary part as Socket.IO would send them: an ArrayBuffer, or the bytes a view spans. */
function bytesOf(part: unknown): Uint8Array | null {
  if (part instanceof Uint8Array) return part;
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  return null;
}

/**
 * The one frame for a message as the default parser encodes it (`[packet string, ...parts]`), or
 * null when it cannot be one: a message without binary parts, or with a part that is not bytes at
 * hand (a Blob).
 */
export function encodeOneFrame(encoded: readonly unknown[]): Uint8Array | null {
  const [packet, ...rest] = encoded;
  if (typeof packet !== 'string' || rest.length === 0 || attachmentsOf(packet) !== rest.length) return null;
  const parts: Uint8Array[] = [];
  for (const part of rest) {
    const bytes = bytesOf(part);
    if (!bytes) return null;
    parts.push(bytes);
  }
  const header = utf8.encode(packet);
  let length = headerStart + header.byteLength;
  for (const part of parts) length += 4 + part.byteLength;
  const frame = new Uint8Array(length);
  const view = new DataView(frame.buffer);
  frame[0] = oneFrameFormat;
  view.setUint32(1, header.byteLength);
  frame.set(header, headerStart);
  let at = headerStart + header.byteLength;
  for (const part of parts) {
    view.setUint32(at, part.byteLength);
    frame.set(part, at + 4);
    at += 4 + part.byteLength;
  }
  return frame;
}

/**
 * A one-frame message split back into the packet string and its parts (views into `frame`);
 * `CaseroomError('malformed_message')` when the format, a length or the number of parts is wrong.
 */
export function decodeOneFrame(frame: Uint8Array): { packet: string; parts: Uint8Array[] } {
  if (frame.byteLength < headerStart || frame[0] !== oneFrameFormat) throw malformed('not a one-frame message');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerEnd = headerStart + view.getUint32(1);
  if (headerEnd > frame.byteLength) throw malformed('the packet string runs past the frame');
  let packet: string;
  try {
    packet = strictUtf8.decode(frame.subarray(headerStart, headerEnd));
  } catch {
    throw malformed('the packet string is not UTF-8');
  }
  const count = attachmentsOf(packet);
  if (count === 0) throw malformed('the packet announces no binary parts');
  const parts: Uint8Array[] = [];
  let at = headerEnd;
  while (parts.length < count) {
    if (at + 4 > frame.byteLength) throw malformed('fewer parts than the packet announces');
    const end = at + 4 + view.getUint32(at);
    if (end > frame.byteLength) throw malformed('a part runs past the frame');
    parts.push(frame.subarray(at + 4, end));
    at = end;
  }
  if (at !== frame.byteLength) throw malformed('bytes after the last part');
  return { packet, parts };
}

/**
 * Socket.IO's default decoder, taught the one frame: it reads a message in either form, from any
 * client. A binary frame is a part of the message before it while that one still has parts due
 * (the default form); otherwise it must be a whole one-frame message. Whatever does not decode
 * throws, which Socket.IO takes as a protocol violation: it closes that connection, nobody else's.
 */
export class OneFrameDecoder extends Decoder {
  /** parts still due to a packet string that came on its own (the default form) */
  private partsDue = 0;

  override add(data: unknown): void {
    if (typeof data === 'string') {
      super.add(data);
      this.partsDue = attachmentsOf(data);
      return;
    }
    const bytes = bytesOf(data);
    if (this.partsDue > 0 || !bytes) {
      this.partsDue = Math.max(0, this.partsDue - 1);
      super.add(data);
      return;
    }
    const { packet, parts } = decodeOneFrame(bytes);
    super.add(packet);
    for (const part of parts) super.add(part);
    this.readOneFrame();
  }

  /** Called after each one-frame message decoded: the peer writes them. */
  protected readOneFrame(): void {}

  override destroy(): void {
    this.partsDue = 0;
    super.destroy();
  }
}

/** Socket.IO's default encoder, except that a message with binary parts leaves as one frame. */
export class OneFrameEncoder extends Encoder {
  override encode(packet: Packet): unknown[] {
    const encoded = super.encode(packet);
    if (encoded.length === 1 || !this.peerReadsOneFrames()) return encoded;
    const frame = encodeOneFrame(encoded);
    return frame ? [frame] : encoded;
  }

  /** Whether the other side reads one-frame messages: here always; a subclass may know better. */
  protected peerReadsOneFrames(): boolean {
    return true;
  }
}

/**
 * A parser for one Socket.IO Manager (`parser: oneFrameParser()`, with `query: oneFrameQuery`):
 * it reads both forms, and writes one-frame messages once the hub has sent it one on the current
 * connection. A hub that writes them reads them; an older hub, which reads only the default form,
 * sends none, and the client keeps to the default with it (behind a balancer, during a rolling
 * upgrade, the next connection may reach either). socket.io-client destroys its decoder whenever
 * a connection opens, and the parser then forgets what it learnt.
 */
export function oneFrameParser(): { Encoder: typeof OneFrameEncoder; Decoder: typeof OneFrameDecoder } {
  let hubReadsOneFrames = false;
  return {
    Encoder: class extends OneFrameEncoder {
      protected override peerReadsOneFrames(): boolean {
        return hubReadsOneFrames;
      }
    },
    Decoder: class extends OneFrameDecoder {
      protected override readOneFrame(): void {
        hubReadsOneFrames = true;
      }

      override destroy(): void {
        hubReadsOneFrames = false;
        super.destroy();
      }
    },
  };
}

/**
 * The hub's parser: it reads both forms, and encodes Socket.IO's default, once per broadcast for
 * every recipient; the hub turns that into one frame for the connections that asked.
 */
export const oneFrameReadingParser = { Encoder, Decoder: OneFrameDecoder };

/**
 * A message relayed to a room is framed once for all its recipients, not once per recipient.
 *
 * `ws.send` builds a WebSocket frame header for every call; sending the same update to 49 people
 * built 49 identical headers. `ws`'s `Sender.frame` builds a frame without sending it and its
 * sender's `sendFrame` writes a built one: socket.io-adapter pre-frames its broadcasts the same way
 * (see ws issue 617). Neither is in ws's typings, so both are checked before use: without
 * `Sender.frame` nothing is pre-framed, and a connection whose sender lacks `sendFrame`, or that
 * negotiated an extension (permessage-deflate, whose frames differ per connection), gets `ws.send`.
 * test/rooms/wire-writes.test.ts fails if either goes missing.
 */
import * as ws from 'ws';
import type { WebSocket } from 'ws';

/** A WebSocket frame as `ws` writes it: the header, then the payload (both unmasked: we are the server). */
export type PreparedFrame = readonly [header: Buffer, payload?: Buffer];

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
interface FrameBuilder {
  frame(data: Buffer, options: FrameOptions): PreparedFrame;
}
export interface FrameSender {
  sendFrame(frame: PreparedFrame, done?: (err?: Error) => void): void;
}

const binaryOpcode = 2;
const { Sender } = ws as unknown as { Sender?: Partial<FrameBuilder> };
const builder: FrameBuilder | null = typeof Sender?.frame === 'function' ? (Sender as FrameBuilder) : null;

/** Whether this `ws` can build frames ahead (false: every message is framed by `ws.send`). */
export const canPrepareFrames = builder !== null;

/** `bytes` as one final, unmasked, uncompressed binary WebSocket frame; null when `ws` cannot build one. */
export function binaryFrame(bytes: Uint8Array): PreparedFrame | null {
  if (!builder) return null;
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return builder.frame(data, { fin: true, opcode: binaryOpcode, mask: false, readOnly: false, rsv1: false });
}

/**
 * The sender that writes prepared frames to `ws`, or null when it must use `ws.send`: an extension
 * was negotiated (checked once: extensions are settled at the upgrade), or `ws` changed shape.
 */
export function frameSenderOf(socket: WebSocket): FrameSender | null {
  if (!canPrepareFrames || socket.extensions !== '') return null;
  const sender = (socket as unknown as { _sender?: Partial<FrameSender> })._sender;
  return typeof sender?.sendFrame === 'function' ? (sender as FrameSender) : null;
}

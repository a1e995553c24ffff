/**
 * Socket.IO hands binary payloads over as Buffer in Node but as ArrayBuffer in browsers (as
 * Uint8Array, views into the frame, when they came in one frame); the y-protocols codecs read
 * Uint8Array. Every binary message from the hub passes through here.
 */
export function asBytes(payload: Uint8Array | ArrayBuffer): Uint8Array {
  return payload instanceof Uint8Array ? payload : new Uint8Array(payload);
}

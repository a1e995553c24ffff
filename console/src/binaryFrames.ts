/**
 * Works around a gap in the SDK when it runs in a browser: Socket.IO hands binary payloads over
 * as ArrayBuffer there (Buffer in Node), while the SDK's y-protocols codecs expect Uint8Array, so
 * every sync message from the hub would be refused as malformed. Until the SDK converts them
 * itself, the console wraps the socket's two entry points for incoming packets (events and
 * acknowledgements) and turns each ArrayBuffer into a Uint8Array before the SDK sees it.
 */
import type { CaseClient } from '@caseroom/client';

interface Packet {
  data?: unknown;
}

function asUint8Arrays(value: unknown, depth = 0): unknown {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (depth > 3 || value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((item) => asUint8Arrays(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asUint8Arrays(item, depth + 1)]));
}

export function deliverBinaryAsUint8Array(client: CaseClient): void {
  const socket = client.socket as unknown as Record<'onevent' | 'onack', (packet: Packet) => void>;
  for (const entry of ['onevent', 'onack'] as const) {
    const original = socket[entry].bind(socket);
    socket[entry] = (packet) => original({ ...packet, data: asUint8Arrays(packet.data) });
  }
}

/**
 * The size in bytes of a decoded message's arguments: binary parts by their length, everything
 * else by its JSON length. Close enough to the wire size to budget with, and never throws.
 */
export function messageSize(args: readonly unknown[]): number {
  let total = 0;
  for (const arg of args) total += sizeOf(arg, 0);
  return total;
}

function sizeOf(value: unknown, depth: number): number {
  if (value === null || value === undefined) return 4;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
    case 'boolean':
      return 8;
    case 'function':
      return 0;
    case 'object':
      break;
    default:
      return 8;
  }
  // The Socket.IO parser caps nesting, but stay safe against anything deep.
  if (depth > 32) return 8;
  let total = 2;
  if (Array.isArray(value)) {
    for (const item of value) total += sizeOf(item, depth + 1) + 1;
  } else {
    for (const [key, item] of Object.entries(value)) total += key.length + 3 + sizeOf(item, depth + 1) + 1;
  }
  return total;
}

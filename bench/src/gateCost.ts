/**
 * `node --conditions=caseroom-source --import tsx bench/src/gateCost.ts [edits]`: the CPU time a
 * room's gate and document spend on each keystroke, alone (no network, no store): the `doc:sync`
 * message decoded as the hub's handler decodes it, the update admitted by the gate
 * (rooms/UpdateGate.ts) and applied to the room's document. Each keystroke is three characters
 * into the notes and a value in the application map, as the bench's clients type. Twelve rounds, each on a
 * fresh document (the first four warm the JIT up); process.cpuUsage (user + system) over each.
 */
import { decodeSyncMessage, encodeUpdate } from '@caseroom/shared';
import * as Y from 'yjs';
import { keystrokes } from './keystrokes.js';
import { fromConnection, originOf } from '../../server/src/rooms/Origin.js';
import { UpdateGate } from '../../server/src/rooms/UpdateGate.js';
import { createLogger } from '@caseroom/server';

const edits = Number(process.argv[2] ?? 5_000);

function round(messages: Uint8Array[]): number {
  const doc = new Y.Doc({ gc: true });
  const log = createLogger('silent');
  const gate = new UpdateGate(doc, { maxDocumentBytes: 64 * 1024 * 1024 }, { log });
  doc.on('update', (update: Uint8Array, origin: unknown) => gate.applied(update, originOf(origin)));
  const from = { id: 'writer', transport: 'socket.io' as const, identity: { userId: 'ann', team: 'support', role: 'agent' } as never };
  const origin = fromConnection(from);
  const started = process.cpuUsage();
  for (const message of messages) {
    // As the hub's doc:sync handler reads it (the gate decodes the update itself).
    const sync = decodeSyncMessage(message, { checkUpdate: false });
    if (sync.type === 'step1') continue;
    gate.admit(sync.update, from);
    Y.applyUpdate(doc, sync.update, origin);
  }
  const used = process.cpuUsage(started);
  gate.destroy();
  doc.destroy();
  return (used.user + used.system) / messages.length;
}

const messages = keystrokes(edits).map((update) => encodeUpdate(update));
console.log(`${edits} keystrokes through the gate and the room's document`);
const figures = Array.from({ length: 12 }, () => round(messages));
const settled = figures.slice(4).sort((a, b) => a - b);
console.log(`  rounds: ${figures.map((f) => f.toFixed(1)).join(', ')} µs of CPU per edit`);
console.log(`  median of rounds 5-12: ${((settled[3]! + settled[4]!) / 2).toFixed(1)} µs, lowest ${settled[0]!.toFixed(1)} µs`);

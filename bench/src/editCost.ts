/**
 * `node --conditions=caseroom-source --import tsx bench/src/editCost.ts [edits]`: the hub's CPU
 * time per edit on its way in, without the network: the Socket.IO handler for `doc:sync` decodes
 * the message, the room checks and applies the update and stores it (embedded SQLite, one commit
 * per edit, awaited as the sender's acknowledgement is; then again with every edit handed over in
 * one turn, which leaves one commit and shows the decoding, checking and applying alone). Each edit is a keystroke as the bench's
 * clients type it: three characters into the notes and a send time in the application map.
 * Six rounds on fresh stores (the first ones warm the JIT up); CPU time from process.cpuUsage
 * (user + system) over each round.
 */
import { encodeUpdate } from '@caseroom/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keystrokes } from './keystrokes.js';
import { SqliteStore, createLogger } from '@caseroom/server';
import { documentHandlers } from '../../server/src/hub/documentHandlers.js';
import { CaseRoom } from '../../server/src/rooms/CaseRoom.js';

const edits = Number(process.argv[2] ?? 5_000);

/** CPU µs per edit; `awaitEach`: each edit waits for its commit, else all are handed over in one turn (one commit). */
async function round(updates: Uint8Array[], awaitEach: boolean): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'caseroom-edit-cost-'));
  const store = new SqliteStore({ dataDir, synchronous: 'normal' });
  const log = createLogger('silent');
  const room = await CaseRoom.load('case-1', { store, relays: [], peers: [], relayIntervalMs: 0, snapshotEvery: 500, log });
  const connection = {
    id: 'writer',
    transport: 'socket.io' as const,
    identity: { userId: 'ann', team: 'support', role: 'agent' } as never,
    roomOf: () => room,
  };
  const handle = documentHandlers()['doc:sync'];
  const started = process.cpuUsage();
  const handled: Array<Promise<unknown> | unknown> = [];
  for (const update of updates) {
    const answer = handle(connection as never, { caseId: 'case-1', message: encodeUpdate(update) } as never, (run) => run());
    if (awaitEach) await answer;
    else handled.push(answer);
  }
  await Promise.all(handled);
  const used = process.cpuUsage(started);
  room.destroy();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return (used.user + used.system) / updates.length;
}

const updates = keystrokes(edits);
console.log(`${edits} keystrokes through the doc:sync handler, a room and the embedded store`);
for (let r = 1; r <= 6; r++) {
  const each = await round(updates, true);
  const batch = await round(updates, false);
  console.log(`  round ${r}: ${each.toFixed(1)} µs of CPU per edit, a commit each; ${batch.toFixed(1)} µs handed over in one turn`);
}

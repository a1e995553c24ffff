/**
 * The embedded store checkpoints SQLite's write-ahead log from a worker thread, not inside commits
 * on the event loop (see server/src/store/sqlite/WalCheckpointer.ts).
 */
import { execFile } from 'node:child_process';
import { statSync, watch } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCaseAs } from '../helpers/clients.js';
import { startTestHub, tempDataDir, type TestHub } from '../helpers/hub.js';
import { ann } from '../helpers/people.js';
import { storedDocument } from '../helpers/store.js';
import { waitFor } from '../helpers/wait.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop({ keepData: true });
  hub = undefined;
});

describe('the SQLite write-ahead log', () => {
  it('is folded into the database file by the checkpoint worker, with no commit large enough to do it itself', async () => {
    hub = await startTestHub({ CASEROOM_SQLITE_CHECKPOINT_MS: '20' });
    const file = join(hub.dataDir, 'caseroom.sqlite');
    const caseId = await hub.createCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    // About 100 kB in 50 commits: far below the 1,000 pages at which a commit would checkpoint.
    for (let i = 0; i < 50; i++) {
      session.notes.insert(session.notes.length, `${i} ${'x'.repeat(2000)}\n`);
      await session.flushed();
    }
    const watcher = watch(file);
    try {
      await waitFor(
        'the edits to reach the database file',
        (check) => (watcher.on('change', check), () => watcher.off('change', check)),
        () => statSync(file).size > 100_000,
      );
    } finally {
      watcher.close();
    }
    await session.close();
    await hub.stop({ keepData: true });
    const dataDir = hub.dataDir;
    hub = undefined;
    expect((await storedDocument(dataDir, caseId)).getText('notes').toString()).toBe(session.notes.toString());
  });

  it('lets a process with nothing else to do close the store and exit', async () => {
    // The worker thread does not keep a process alive, but closing the store must wait for it.
    const script = `
      import { SqliteStore } from '@caseroom/server';
      const store = new SqliteStore({ dataDir: process.argv[1], synchronous: 'normal', checkpointIntervalMs: 10 });
      await store.documents.append('case-1', new Uint8Array([0, 0]));
      await store.close();
      console.log('closed');
    `;
    const args = ['--conditions=caseroom-source', '--import', 'tsx', '--input-type=module', '-e', script, tempDataDir()];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: process.cwd() });
    expect(stdout.trim()).toBe('closed');
  });
});

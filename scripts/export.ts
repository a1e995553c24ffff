/**
 * Writes every case of the configured store (DATA_DIR, or REDIS_URL and CASEROOM_REDIS_PREFIX, as
 * the hub reads them) as portable NDJSON, to stdout or a file:
 *   npm run export -- --out cases.ndjson
 * An embedded store is exported from an online backup taken first (in a temporary directory,
 * removed afterwards): the hub may be serving, and the copy is one moment of its database.
 * See docs/operations.md.
 */
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { loadStoreSettings } from '../server/src/config.js';
import { createLogger } from '../server/src/logger.js';
import { createStore } from '../server/src/store/createStore.js';
import { exportCases } from '../server/src/store/portable/exportCases.js';
import { backupDatabase } from '../server/src/store/sqlite/SqliteBackup.js';
import { databaseFile } from '../server/src/store/sqlite/SqliteSchema.js';
import { operatorPath, runTool, summary } from './operatorTool.js';

await runTool('export', async () => {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const settings = loadStoreSettings();
  // Opening the embedded store would create an empty database where the operator mistyped a path.
  if (!settings.redis && !existsSync(databaseFile(settings.dataDir)))
    throw new Error(`there is no caseroom database in ${settings.dataDir}: set DATA_DIR (or REDIS_URL) as the hub has it`);
  const out: Writable = values.out ? createWriteStream(operatorPath(values.out)) : process.stdout;
  const copy = settings.redis ? null : mkdtempSync(join(tmpdir(), 'caseroom-export-'));
  if (copy) await backupDatabase(settings.dataDir, databaseFile(copy));
  const store = await createStore(copy ? { ...settings, dataDir: copy } : settings, createLogger('warn', process.stderr));
  try {
    const counts = await exportCases(store, async (line) => {
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    });
    if (out !== process.stdout) {
      out.end();
      await once(out, 'finish');
    }
    console.error(`exported ${summary(counts)}`);
  } finally {
    await store.close();
    if (copy) rmSync(copy, { recursive: true, force: true });
  }
});

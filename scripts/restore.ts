/**
 * Puts a backup in place as the embedded hub's database, the hub stopped:
 *   npm run restore -- --from backups/caseroom-2026-12-02.sqlite
 * DATA_DIR is read as the hub reads it. See docs/operations.md.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadStoreSettings } from '../server/src/config.js';
import { restoreDatabase } from '../server/src/store/sqlite/SqliteBackup.js';
import { operatorPath, runTool } from './operatorTool.js';

await runTool('restore', async () => {
  const { values } = parseArgs({ options: { from: { type: 'string' } } });
  if (!values.from) throw new Error('name the backup to restore: npm run restore -- --from <file>');
  const settings = loadStoreSettings();
  if (settings.redis) throw new Error('REDIS_URL is set: a cluster is restored from Redis persistence (docs/operations.md)');
  mkdirSync(settings.dataDir, { recursive: true });
  const restored = restoreDatabase(settings.dataDir, operatorPath(values.from));
  console.log(`restored ${restored.file} (schema version ${restored.mark.version})`);
  if (restored.previous) console.log(`the database it replaced is kept as ${restored.previous}`);
});

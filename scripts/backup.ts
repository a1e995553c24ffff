/**
 * Takes a backup of a running embedded hub's database, while it keeps serving:
 *   npm run backup -- --out backups/caseroom-2026-12-02.sqlite
 * DATA_DIR is read as the hub reads it. See docs/operations.md.
 */
import { parseArgs } from 'node:util';
import { loadStoreSettings } from '../server/src/config.js';
import { backupDatabase } from '../server/src/store/sqlite/SqliteBackup.js';
import { operatorPath, runTool } from './operatorTool.js';

await runTool('backup', async () => {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (!values.out) throw new Error('name the backup file: npm run backup -- --out <file>');
  const settings = loadStoreSettings();
  if (settings.redis) throw new Error('REDIS_URL is set: a cluster is backed up by Redis persistence (docs/operations.md)');
  const backup = await backupDatabase(settings.dataDir, operatorPath(values.out));
  console.log(`backed up ${settings.dataDir} to ${backup.file} (${backup.bytes} bytes, schema version ${backup.mark.version})`);
});

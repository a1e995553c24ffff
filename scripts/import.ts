/**
 * Reads a portable NDJSON export into the configured store (DATA_DIR, or REDIS_URL and
 * CASEROOM_REDIS_PREFIX, as the hub reads them), from stdin or a file:
 *   npm run import -- --in cases.ndjson
 * Nothing is written unless the whole stream checks out. See docs/operations.md.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadStoreSettings } from '../server/src/config.js';
import { createLogger } from '../server/src/logger.js';
import { createStore } from '../server/src/store/createStore.js';
import { checkImport, importCases } from '../server/src/store/portable/importCases.js';
import { operatorPath, runTool, summary } from './operatorTool.js';

await runTool('import', async () => {
  const { values } = parseArgs({ options: { in: { type: 'string' } } });
  const settings = loadStoreSettings();
  // The stream is read twice (checked, then written): stdin is kept in a file for the second read.
  let spool: string | null = null;
  let file: string;
  if (values.in) file = operatorPath(values.in);
  else {
    spool = mkdtempSync(join(tmpdir(), 'caseroom-import-'));
    file = join(spool, 'stdin.ndjson');
    await pipeline(process.stdin, createWriteStream(file));
  }
  try {
    const lines = () => createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    const plan = await checkImport(lines);
    const store = await createStore(settings, createLogger('warn', process.stderr));
    try {
      const counts = await importCases(store, lines, plan);
      console.log(`imported ${summary(counts)}`);
    } finally {
      await store.close();
    }
  } finally {
    if (spool) rmSync(spool, { recursive: true, force: true });
  }
});

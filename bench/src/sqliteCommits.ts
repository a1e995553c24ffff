/**
 * `node --import tsx bench/src/sqliteCommits.ts [commits]`: how long the embedded store's commits
 * take on this machine's disk, with SQLite's automatic checkpoints (each run inside the commit
 * that fills the log past 1,000 pages) and with the hub's checkpoint worker (the default). One
 * small document update per commit, one after another, as a steady stream of edits writes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@caseroom/server';
import { summarizeLatencies } from './stats.js';

const commits = Number(process.argv[2] ?? 5_000);
const update = new Uint8Array(60).fill(7);

async function measure(checkpointIntervalMs: number): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'caseroom-commits-'));
  const store = new SqliteStore({ dataDir, synchronous: 'normal', checkpointIntervalMs });
  const times: number[] = [];
  try {
    for (let i = 0; i < commits; i++) {
      const started = performance.now();
      await store.documents.append('case-1', update);
      times.push(performance.now() - started);
    }
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const { p50, p99, max } = summarizeLatencies(times);
  const slow = times.filter((ms) => ms > 2).length;
  return `p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${max.toFixed(1)} ms, ${slow} of ${commits} over 2 ms`;
}

console.log(`${commits} commits of one update each`);
for (let round = 1; round <= 3; round++) {
  console.log(`  round ${round}, automatic checkpoints: ${await measure(0)}`);
  console.log(`  round ${round}, checkpoint worker:     ${await measure(1000)}`);
}

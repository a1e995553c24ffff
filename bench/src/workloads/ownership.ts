/**
 * caseroom only: ownership claims and approval decisions per second on two hub nodes sharing
 * Redis, with agents spread over both nodes. Each run uses a key prefix of its own and deletes
 * its keys afterwards.
 */
import { createClient } from 'redis';
import type { OwnershipResult } from '../load/tasks.js';
import { runLoad } from '../loadProcess.js';
import { startServer, type ServerProcess } from '../servers.js';
import { endpointOf, ensureCases, removeDir, tempDir, type Workload } from './workload.js';

export const redisUrl = process.env.CASEROOM_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const ownership: Workload = {
  name: 'ownership',
  title: 'Ownership and approvals (2 nodes on Redis)',
  describe: ({ ownership: s }) =>
    `2 hub nodes on Redis, ${s.agentsPerNode} agents on each; ${s.claims} cases claimed at once, then ${s.decisions} approval requests decided by an agent on the other node`,
  metrics: () => [
    { key: 'claims', label: 'ownership claims/s', unit: '/s', better: 'higher' },
    { key: 'decisions', label: 'approval decisions/s', unit: '/s', better: 'higher' },
  ],
  targets: ['caseroom-sio'],
  async measure(_target, context) {
    const s = context.options.sizes.ownership;
    const prefix = `bench:${process.pid}:${Date.now()}:`;
    const dirs = [tempDir('node-a'), tempDir('node-b')];
    const nodes: ServerProcess[] = [];
    try {
      for (const [index, dataDir] of dirs.entries()) {
        const env = { REDIS_URL: redisUrl, CASEROOM_REDIS_PREFIX: prefix, CASEROOM_NODE_ID: `bench-node-${index}` };
        nodes.push(await startServer('caseroom', { dataDir, env, profileDir: context.profileDir }));
      }
      const caseIds = Array.from({ length: s.claims }, (_, i) => `owned-${i}`);
      await ensureCases(nodes[0]!, caseIds);
      const result = await runLoad<OwnershipResult>({
        kind: 'ownership',
        endpoints: nodes.map(endpointOf),
        caseIds,
        agentsPerNode: s.agentsPerNode,
        decisions: s.decisions,
      });
      return { claims: result.claimsPerSecond, decisions: result.decisionsPerSecond };
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
      dirs.forEach(removeDir);
      await deleteKeys(prefix);
    }
  },
};

/** Deletes a run's keys (every key under its prefix). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length > 0) await redis.unlink(keys);
  } finally {
    await redis.close();
  }
}

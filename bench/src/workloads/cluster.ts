/**
 * caseroom only: what cluster mode costs. The same load (fan-out's shape: one case, a few people
 * typing fast, everyone else receiving) runs against one embedded node (SQLite), then against two
 * nodes on Redis behind nginx with the clients spread over both. The figure is server CPU per
 * delivered edit, one node against the two nodes together; Redis's and nginx's CPU time per
 * delivered edit are shown apart (Redis may serve other work on this machine too).
 *
 * nginx's ip_hash hashes the first three octets of a client's IPv4 address, so every 127.0.0.1
 * client would land on one node: the clients bind their sockets to loopback addresses that nginx
 * sends to different nodes (found by asking it), and each node's /metrics must show clients.
 */
import { readFileSync } from 'node:fs';
import { createClient } from 'redis';
import type { RoomShape, PeopleTask } from '../load/tasks.js';
import { checkNginx, startNginx, type Nginx } from '../nginx.js';
import type { Sizes } from '../options.js';
import { benchSecret, startServer, type ServerProcess } from '../servers.js';
import { deleteKeys, redisUrl } from './ownership.js';
import { countsLine, runPeopleLoad, type PeopleRun } from './peopleLoad.js';
import { endpointOf, ensureCases, removeDir, tempDir, withServer, type Workload } from './workload.js';

const caseId = 'cluster-case';
const warmupSeconds = 2;

const shape = (s: Sizes['cluster']): RoomShape => ({
  roles: Array.from({ length: s.clients }, () => 'agent' as const),
  writers: s.writers,
  ratePerWriter: s.ratePerWriter,
  burst: null,
  claim: false,
});

const task = (s: Sizes['cluster'], endpoint: PeopleTask['endpoint'], localAddresses?: string[]): PeopleTask => ({
  kind: 'people',
  endpoint,
  ...(localAddresses ? { localAddresses } : {}),
  rooms: [{ caseId, team: 'billing' }],
  shape: shape(s),
  botsPerTeam: 0,
  churn: null,
});

/** µs of `seconds` CPU per edit delivered in the window. */
const perEdit = (run: PeopleRun, seconds: number | undefined): number =>
  seconds === undefined || run.receivedInWindow === 0 ? Number.NaN : (seconds * 1e6) / run.receivedInWindow;

export const cluster: Workload = {
  name: 'cluster',
  title: 'Cluster mode (2 nodes on Redis behind nginx)',
  describe: ({ cluster: s }) =>
    `${s.clients} clients in one case, ${s.writers} typing ${s.ratePerWriter} edits/s each for ${s.seconds} s (after ${warmupSeconds} s of typing), against one embedded node (SQLite) and then two nodes on Redis behind nginx (ip_hash), the clients spread over both; server CPU per delivered edit, one node against the two together`,
  metrics: () => [
    { key: 'cpuPerEditOne', label: 'one embedded node: server CPU per delivered edit', unit: 'µs', better: 'lower' },
    { key: 'cpuPerEditCluster', label: 'two nodes on Redis: CPU per delivered edit, both nodes', unit: 'µs', better: 'lower' },
    { key: 'clusterRatio', label: 'two nodes / one node, CPU per delivered edit (target <= 1.3)', unit: 'x', better: 'lower' },
    { key: 'redisPerEdit', label: 'two nodes: Redis CPU per delivered edit', unit: 'µs', better: 'lower' },
    { key: 'nginxPerEdit', label: 'two nodes: nginx CPU per delivered edit', unit: 'µs', better: 'lower' },
    { key: 'editsPerUpdateOne', label: 'one node: edits per update a client received', unit: 'edits', better: 'higher' },
    { key: 'editsPerUpdateCluster', label: 'two nodes: edits per update a client received', unit: 'edits', better: 'higher' },
    { key: 'p50One', label: 'one node: p50', unit: 'ms', better: 'lower' },
    { key: 'p99One', label: 'one node: p99', unit: 'ms', better: 'lower' },
    { key: 'p50Cluster', label: 'two nodes: p50', unit: 'ms', better: 'lower' },
    { key: 'p99Cluster', label: 'two nodes: p99', unit: 'ms', better: 'lower' },
    { key: 'deliveredOne', label: 'one node: delivered', unit: '%', better: 'higher' },
    { key: 'deliveredCluster', label: 'two nodes: delivered', unit: '%', better: 'higher' },
    { key: 'loadShare', label: 'load process CPU, share of one core (the busier run)', unit: '%', better: 'lower', load: true },
    {
      key: 'loadBound',
      label: 'load-bound runs (load process over 90 % of a core in either run)',
      unit: 'runs',
      better: 'lower',
      load: true,
      flag: true,
    },
  ],
  targets: ['caseroom-sio'],
  async prepare() {
    checkNginx();
  },
  async measure(target, context) {
    const s = context.options.sizes.cluster;
    const pace = { warmupSeconds, seconds: s.seconds };

    const one = await withServer(target.server, context, async (server) => {
      await ensureCases(server, [caseId]);
      return runPeopleLoad([task(s, endpointOf(server))], pace, { server: () => [server.pid] });
    });
    console.log(`    one node: ${one.sent} edits, ${one.received} of ${one.expected} receipts; errors: ${countsLine(one.errors)}`);

    const prefix = `bench:${process.pid}:${Date.now()}:`;
    const dirs = [tempDir('node-a'), tempDir('node-b')];
    const nodes: ServerProcess[] = [];
    let nginx: Nginx | null = null;
    let two: PeopleRun;
    try {
      for (const [index, dataDir] of dirs.entries()) {
        const env = { REDIS_URL: redisUrl, CASEROOM_REDIS_PREFIX: prefix, CASEROOM_NODE_ID: `bench-node-${index}` };
        nodes.push(await startServer('caseroom', { dataDir, env, profileDir: context.profileDir }));
      }
      await ensureCases(nodes[0]!, [caseId]);
      nginx = await startNginx(nodes.map((node) => node.port));
      const addresses = await addressesPerNode(nginx, nodes);
      const redisPid = await redisProcessId();
      two = await runPeopleLoad(
        [task(s, { httpUrl: nginx.httpUrl, wsUrl: nginx.httpUrl.replace('http', 'ws'), secret: benchSecret }, addresses)],
        pace,
        { nodes: () => nodes.map((node) => node.pid), redis: () => (redisPid ? [redisPid] : []), nginx: nginx.pids },
        async () => {
          const counts = await Promise.all(nodes.map(socketCount));
          console.log(`    two nodes: clients per node ${counts.join(' and ')} (through nginx from ${addresses.join(' and ')})`);
          if (counts.some((count) => count === 0)) throw new Error(`ip_hash sent every client to one node (${counts.join(', ')})`);
        },
      );
      if (!redisPid) two.cpu.redis = Number.NaN;
    } finally {
      await nginx?.stop();
      await Promise.all(nodes.map((node) => node.stop()));
      dirs.forEach(removeDir);
      await deleteKeys(prefix);
    }
    console.log(`    two nodes: ${two.sent} edits, ${two.received} of ${two.expected} receipts; errors: ${countsLine(two.errors)}`);

    const cpuPerEditOne = perEdit(one, one.cpu.server);
    const cpuPerEditCluster = perEdit(two, two.cpu.nodes);
    return {
      cpuPerEditOne,
      cpuPerEditCluster,
      clusterRatio: cpuPerEditCluster / cpuPerEditOne,
      redisPerEdit: perEdit(two, two.cpu.redis),
      nginxPerEdit: perEdit(two, two.cpu.nginx),
      editsPerUpdateOne: one.receivedInWindow / one.updatesInWindow,
      editsPerUpdateCluster: two.receivedInWindow / two.updatesInWindow,
      p50One: one.p50,
      p99One: one.p99,
      p50Cluster: two.p50,
      p99Cluster: two.p99,
      deliveredOne: (100 * one.received) / one.expected,
      deliveredCluster: (100 * two.received) / two.expected,
      loadShare: Math.max(one.loadShare, two.loadShare),
      loadBound: one.loadBound || two.loadBound ? 1 : 0,
    };
  },
};

/** One loopback source address per node: 127.0.X.1 addresses, asked of nginx until each node has one. */
async function addressesPerNode(nginx: Nginx, nodes: ServerProcess[]): Promise<string[]> {
  const found = new Map<string, string>();
  for (let x = 1; x < 255 && found.size < nodes.length; x++) {
    const address = `127.0.${x}.1`;
    const upstream = await nginx.upstreamOf(address);
    if (!found.has(upstream)) found.set(upstream, address);
  }
  if (found.size < nodes.length) throw new Error('no loopback addresses reach every node through ip_hash');
  return nodes.map((node) => found.get(`127.0.0.1:${node.port}`)!);
}

/** Socket.IO connections a node holds, from its /metrics. */
async function socketCount(node: ServerProcess): Promise<number> {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
  const line = /^caseroom_connections\{transport="socket\.io"\} (\d+)/m.exec(text);
  if (!line) throw new Error(`node ${node.port}: no caseroom_connections for socket.io in /metrics`);
  return Number(line[1]);
}

/** redis-server's process id, when it runs on this machine (null otherwise). */
async function redisProcessId(): Promise<number | null> {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    if (!pid) return null;
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis') ? pid : null;
    } catch {
      return null;
    }
  } finally {
    await redis.close();
  }
}

/** Command-line options of `npm run bench` and the sizes of each workload, quick or `--full`. */

export const workloadNames = [
  'fanout',
  'throughput',
  'connections',
  'coldjoin',
  'ownership',
  'manyrooms',
  'contactcentre',
  'cluster',
] as const;
export type WorkloadName = (typeof workloadNames)[number];

export interface Sizes {
  fanout: { clients: number; writers: number; ratePerWriter: number; seconds: number };
  throughput: {
    /** clients in the room, every one of them typing */
    clients: number;
    /** the load processes the clients are spread over */
    loadProcesses: number;
    /** offered rates (edits/s into the room) always measured, latency reported at each */
    fixedRates: number[];
    /** an unmeasured window at the first fixed rate, before anything is measured */
    warmupSeconds: number;
    /** the ceiling's search beyond them (ceilingSearch.ts) */
    growth: number;
    precision: number;
    minRate: number;
    maxRate: number;
    stepSeconds: number;
    p99LimitMs: number;
  };
  connections: { counts: number[] };
  coldjoin: { updates: number };
  ownership: { agentsPerNode: number; claims: number; decisions: number };
  manyrooms: {
    rooms: number;
    clientsPerRoom: number;
    ratePerWriter: number;
    warmupSeconds: number;
    seconds: number;
    roomsPerProcess: number;
  };
  contactcentre: {
    /** the curve: one measurement per room count */
    roomCounts: number[];
    /** typing before the window opens, so it sees the steady state */
    warmupSeconds: number;
    seconds: number;
    /** rooms per load process (whole teams) */
    roomsPerProcess: number;
    roomsPerTeam: number;
    botsPerTeam: number;
    /** the owner's typing: edits/s within a burst of `burstEdits`, then `pauseSeconds` quiet */
    ratePerWriter: number;
    burstEdits: number;
    pauseSeconds: number;
    /** share of the watchers who leave each second, and how long they stay away */
    churnPerSecond: number;
    awaySeconds: number;
  };
  cluster: { clients: number; writers: number; ratePerWriter: number; seconds: number };
}

export interface BenchOptions {
  /** workloads at full size */
  full: WorkloadName[];
  runs: number;
  only: WorkloadName[];
  /** target ids to run (default: all) */
  targets: string[] | null;
  /** write CPU profiles of the servers under test to bench/results/profiles */
  profile: boolean;
  sizes: Sizes;
}

const quick: Sizes = {
  fanout: { clients: 50, writers: 5, ratePerWriter: 20, seconds: 10 },
  throughput: {
    clients: 10,
    loadProcesses: 2,
    fixedRates: [500, 1_000],
    warmupSeconds: 2,
    growth: 2,
    precision: 1.1,
    minRate: 50,
    maxRate: 20_000,
    stepSeconds: 3,
    p99LimitMs: 100,
  },
  connections: { counts: [200, 500] },
  coldjoin: { updates: 20_000 },
  ownership: { agentsPerNode: 5, claims: 500, decisions: 500 },
  manyrooms: { rooms: 200, clientsPerRoom: 5, ratePerWriter: 2, warmupSeconds: 2, seconds: 10, roomsPerProcess: 100 },
  contactcentre: {
    roomCounts: [100, 500, 2_000],
    warmupSeconds: 12,
    seconds: 10,
    roomsPerProcess: 500,
    roomsPerTeam: 100,
    botsPerTeam: 3,
    ratePerWriter: 1,
    burstEdits: 5,
    pauseSeconds: 3,
    churnPerSecond: 0.01,
    awaySeconds: 6,
  },
  cluster: { clients: 50, writers: 5, ratePerWriter: 20, seconds: 10 },
};

const full: Sizes = {
  fanout: { clients: 50, writers: 5, ratePerWriter: 20, seconds: 30 },
  throughput: { ...quick.throughput, maxRate: 40_000, stepSeconds: 5 },
  connections: { counts: [1_000, 5_000] },
  coldjoin: { updates: 100_000 },
  ownership: { agentsPerNode: 10, claims: 2_000, decisions: 2_000 },
  manyrooms: { rooms: 200, clientsPerRoom: 5, ratePerWriter: 2, warmupSeconds: 2, seconds: 30, roomsPerProcess: 100 },
  // The contact centre's shape is the same at both sizes: only its window is longer.
  contactcentre: { ...quick.contactcentre, seconds: 30 },
  cluster: { ...quick.cluster, seconds: 30 },
};

export function parseOptions(argv: string[]): BenchOptions {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(name);
    if (index >= 0) return argv[index + 1];
    return argv.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  // `--full` alone: every workload at full size; `--full fanout,coldjoin`: only those.
  const fullIndex = argv.findIndex((arg) => arg === '--full' || arg.startsWith('--full='));
  const fullList =
    fullIndex < 0 ? undefined : argv[fullIndex]!.includes('=') ? argv[fullIndex]!.slice('--full='.length) : argv[fullIndex + 1];
  const fullNames = fullIndex < 0 ? [] : fullList && !fullList.startsWith('--') ? fullList.split(',') : [...workloadNames];
  for (const name of fullNames) if (!workloadNames.includes(name as WorkloadName)) throw new Error(`--full: unknown workload ${name}`);
  const runs = Number(value('--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const only = (value('--only')?.split(',') ?? [...workloadNames]).map((name) => name.trim());
  for (const name of only)
    if (!workloadNames.includes(name as WorkloadName)) throw new Error(`--only: unknown workload ${name} (${workloadNames.join(', ')})`);
  return {
    full: fullNames as WorkloadName[],
    runs,
    only: only as WorkloadName[],
    targets: value('--targets')?.split(',') ?? null,
    profile: argv.includes('--profile'),
    sizes: Object.fromEntries(
      workloadNames.map((name) => [name, structuredClone((fullNames.includes(name) ? full : quick)[name])]),
    ) as unknown as Sizes,
  };
}

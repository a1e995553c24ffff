/**
 * caseroom only: the shape of a contact centre, as a curve over the number of open cases. In each
 * case an agent has claimed it and types, a specialist of another department and two watchers (a
 * supervisor, another agent) follow it, and some of the watchers leave and come back; a few bots
 * per team follow the team's event feed. One hub (embedded SQLite) per room count, measured over
 * a steady window: CPU per delivered edit, latency, memory per connection.
 */
import { cpuSeconds } from '../cpuTime.js';
import { sleep } from '../load/clients.js';
import type { RoomShape, PeopleTask } from '../load/tasks.js';
import type { Sizes } from '../options.js';
import { benchSecret, createCases, type MemoryAfterGc, type ServerProcess } from '../servers.js';
import { mintToken } from '../tokens.js';
import { countsLine, runPeopleLoad } from './peopleLoad.js';
import { endpointOf, withServer, type MetricSpec, type Workload } from './workload.js';

/** owner (types, claims), specialist, two watchers (the ones who come and go) */
const shape = (s: Sizes['contactcentre']): RoomShape => ({
  roles: ['agent', 'specialist', 'supervisor', 'agent'],
  specialistDepartment: 'Shipping',
  writers: 1,
  ratePerWriter: s.ratePerWriter,
  burst: { edits: s.burstEdits, pauseSeconds: s.pauseSeconds },
  claim: true,
});
const watcherIndexes = [2, 3];
/** the quiet spell before the typing starts, to see what the connections cost by themselves */
const idleSeconds = 3;

const metricsAt = (rooms: number): MetricSpec[] => [
  { key: `cpuPerEdit${rooms}`, label: `${rooms} rooms: server CPU per delivered edit`, unit: 'µs', better: 'lower' },
  { key: `p50_${rooms}`, label: `${rooms} rooms: edit latency p50`, unit: 'ms', better: 'lower' },
  { key: `p99_${rooms}`, label: `${rooms} rooms: edit latency p99`, unit: 'ms', better: 'lower' },
  { key: `delivered${rooms}`, label: `${rooms} rooms: edits delivered`, unit: '%', better: 'higher' },
  { key: `deliveries${rooms}`, label: `${rooms} rooms: edit deliveries per second`, unit: '/s', better: 'higher', load: true },
  {
    key: `botEvents${rooms}`,
    label: `${rooms} rooms: events delivered to bots per second (not in CPU per edit)`,
    unit: '/s',
    better: 'higher',
    load: true,
  },
  { key: `serverShare${rooms}`, label: `${rooms} rooms: server CPU, share of one core`, unit: '%', better: 'lower' },
  { key: `idleShare${rooms}`, label: `${rooms} rooms: server CPU with nobody typing, share of one core`, unit: '%', better: 'lower' },
  { key: `rssPerConnection${rooms}`, label: `${rooms} rooms: server RSS per connection`, unit: 'KiB', better: 'lower' },
  { key: `heapPerConnection${rooms}`, label: `${rooms} rooms: server heap per connection`, unit: 'KiB', better: 'lower' },
  { key: `errors${rooms}`, label: `${rooms} rooms: refusals and errors the clients saw`, unit: 'count', better: 'lower' },
  { key: `loadShare${rooms}`, label: `${rooms} rooms: busiest load process, share of one core`, unit: '%', better: 'lower', load: true },
  {
    key: `loadBound${rooms}`,
    label: `${rooms} rooms: load-bound runs (a load process over 90 % of a core)`,
    unit: 'runs',
    better: 'lower',
    load: true,
    flag: true,
  },
];

export const contactcentre: Workload = {
  name: 'contactcentre',
  title: 'Contact centre',
  describe: ({ contactcentre: s }) =>
    `${s.roomCounts.map((n) => n.toLocaleString('en')).join(', ')} open cases on one hub, 4 people in each (the owner, who claimed it and types ${s.ratePerWriter} edit/s in bursts of ${s.burstEdits} with ${s.pauseSeconds} s pauses; a specialist of another department; a supervisor and an agent watching, ${100 * s.churnPerSecond} % of whom leave each second and come back ${s.awaySeconds} s later), ${s.botsPerTeam} bots per team of ${s.roomsPerTeam} cases on the team's event feed; ${s.roomsPerProcess} cases per load process; typing for ${s.warmupSeconds} s before a window of ${s.seconds} s`,
  metrics: ({ contactcentre: s }) => s.roomCounts.flatMap(metricsAt),
  targets: ['caseroom-sio'],
  async measure(target, context) {
    const s = context.options.sizes.contactcentre;
    const figures: Record<string, number> = {};
    for (const rooms of s.roomCounts) {
      // A room count the hub cannot hold leaves its figures out, not the curve's other points.
      try {
        Object.assign(figures, await withServer(target.server, context, (server) => measureAt(server, rooms, s)));
      } catch (err) {
        console.error(`    ${rooms} rooms failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return figures;
  },
};

async function measureAt(server: ServerProcess, rooms: number, s: Sizes['contactcentre']): Promise<Record<string, number>> {
  const all = Array.from({ length: rooms }, (_, i) => ({ caseId: `cc-${i}`, team: `team-${Math.floor(i / s.roomsPerTeam)}` }));
  const teams = [...new Set(all.map((room) => room.team))];
  const supervisor = await mintToken(benchSecret, 'sue', 'supervisor');
  for (const team of teams)
    await createCases(
      server.httpUrl,
      all.filter((room) => room.team === team).map((room) => room.caseId),
      supervisor,
      team,
    );
  await sleep(500);
  const before = await server.memoryAfterGc();
  let after: MemoryAfterGc = before;
  let idleShare = Number.NaN;
  const tasks: PeopleTask[] = [];
  for (let from = 0; from < rooms; from += s.roomsPerProcess)
    tasks.push({
      kind: 'people',
      endpoint: endpointOf(server),
      rooms: all.slice(from, from + s.roomsPerProcess),
      shape: shape(s),
      botsPerTeam: s.botsPerTeam,
      churn: { indexes: watcherIndexes, sharePerSecond: s.churnPerSecond, awaySeconds: s.awaySeconds },
    });
  const run = await runPeopleLoad(tasks, s, { server: () => [server.pid] }, async () => {
    after = await server.memoryAfterGc();
    await sleep(1000);
    // What the hub spends with everyone in and nobody typing: heartbeats, timers, the store's upkeep.
    const idleFrom = cpuSeconds(server.pid);
    await sleep(idleSeconds * 1000);
    idleShare = (100 * (cpuSeconds(server.pid) - idleFrom)) / idleSeconds;
  });
  const connections = rooms * shape(s).roles.length + teams.length * s.botsPerTeam;
  const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(
    `    ${rooms} rooms, ${connections} connections in ${tasks.length} load process(es): ${run.sent} edits, ${run.received} of ${run.expected} receipts, ${run.rejoins} rejoins; bots: ${countsLine(run.botEvents)}; errors: ${countsLine(run.errors)}`,
  );
  return {
    [`cpuPerEdit${rooms}`]: run.receivedInWindow > 0 ? (run.cpu.server! * 1e6) / run.receivedInWindow : Number.NaN,
    [`p50_${rooms}`]: run.p50,
    [`p99_${rooms}`]: run.p99,
    [`delivered${rooms}`]: (100 * run.received) / run.expected,
    [`deliveries${rooms}`]: run.receivedInWindow / run.seconds,
    [`botEvents${rooms}`]: total(run.botEvents) / run.seconds,
    [`serverShare${rooms}`]: (100 * run.cpu.server!) / run.seconds,
    [`idleShare${rooms}`]: idleShare,
    [`rssPerConnection${rooms}`]: (after.rss - before.rss) / connections / 1024,
    [`heapPerConnection${rooms}`]: (after.heapUsed - before.heapUsed) / connections / 1024,
    [`errors${rooms}`]: total(run.errors),
    [`loadShare${rooms}`]: run.loadShare,
    [`loadBound${rooms}`]: run.loadBound ? 1 : 0,
  };
}

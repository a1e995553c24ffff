/**
 * `node --import tsx bench/src/wakeCost.ts [--bots 60] [--teams 20] [--rate 100] [--seconds 10]`:
 * what storing an event costs a hub whose bots follow their teams' feeds. One caseroom hub
 * (server/dist, SQLite) with `bots` bot connections spread over `teams` teams, each subscribed to
 * its team's feed; a supervisor creates cases round the teams at `rate` per second (each stores one
 * `case.created` event) for `seconds`. Reports the hub's CPU per stored event and per delivered
 * event, the hub's share of a core, delivery latency (event time to the bot's handler) and the
 * share of the expected deliveries made. The window runs until every bot has its events (or 10 s
 * after the last write), so a hub that falls behind pays for its backlog.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BotClient } from '@caseroom/client';
import { cpuSeconds } from './cpuTime.js';
import { benchSecret, compilePeers, startServer } from './servers.js';
import { summarizeLatencies } from './stats.js';
import { mintToken } from './tokens.js';

const { values } = parseArgs({
  options: {
    bots: { type: 'string', default: '60' },
    teams: { type: 'string', default: '20' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
  },
});
const bots = Number(values.bots);
const teams = Number(values.teams);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const teamOf = (i: number): string => `team-${i % teams}`;

await compilePeers();
const dataDir = mkdtempSync(join(tmpdir(), 'caseroom-wake-'));
const hub = await startServer('caseroom', { dataDir });
const clients: BotClient[] = [];
try {
  const latencies: number[] = [];
  let delivered = 0;
  for (let i = 0; i < bots; i++) {
    const token = await mintToken(benchSecret, `bot-${i}`, 'bot', teamOf(i));
    const bot = new BotClient({ url: hub.wsUrl, token, transports: ['websocket'] });
    clients.push(bot);
    const subscription = bot.subscribe({ cases: 'team', types: ['case.created'] }, (event) => {
      delivered++;
      latencies.push(Date.now() - Date.parse(event.at));
    });
    await subscription.ready;
  }

  const supervisor = await mintToken(benchSecret, 'sue', 'supervisor', 'ops');
  const total = Math.round(rate * seconds);
  const expected = Array.from({ length: total }, (_, i) => clients.filter((_, b) => teamOf(b) === teamOf(i)).length).reduce(
    (a, b) => a + b,
    0,
  );
  const createCase = async (i: number): Promise<void> => {
    const res = await fetch(`${hub.httpUrl}/api/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${supervisor}` },
      body: JSON.stringify({ id: `case-${i}`, subject: 'Benchmark case', team: teamOf(i) }),
    });
    if (res.status !== 201) throw new Error(`creating case-${i} failed: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
  };

  const startedCpu = cpuSeconds(hub.pid);
  const started = Date.now();
  const writes: Promise<void>[] = [];
  // Writes go out on a schedule, not one after another, so a slow hub meets the same load.
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((wait) => setTimeout(wait, due - Date.now()));
    writes.push(createCase(i));
  }
  await Promise.all(writes);
  const deadline = Date.now() + 10_000;
  while (delivered < expected && Date.now() < deadline) await new Promise((wait) => setTimeout(wait, 50));
  const elapsed = (Date.now() - started) / 1000;
  const cpu = cpuSeconds(hub.pid) - startedCpu;
  const latency = summarizeLatencies(latencies);
  console.log(
    JSON.stringify(
      {
        bots,
        teams,
        rate,
        seconds,
        events: total,
        delivered: `${((100 * delivered) / expected).toFixed(1)} %`,
        hubCpuMsPerEvent: +((cpu * 1000) / total).toFixed(3),
        hubCpuMsPerDelivery: +((cpu * 1000) / Math.max(1, delivered)).toFixed(3),
        hubCoreShare: +(cpu / elapsed).toFixed(3),
        windowSeconds: +elapsed.toFixed(2),
        latencyMs: { p50: latency.p50, p99: latency.p99, max: latency.max },
      },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(clients.map((bot) => bot.close()));
  await hub.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * `npm run soak -- --minutes N [--redis]`
 *
 * Runs one hub for N minutes under a steady, modest load of a team working cases end to end
 * (load/shift.ts, in a load process of its own), samples the hub every 10 s, and fails when what
 * it holds keeps growing after the warm-up (soak/growthCheck.ts), when the load saw errors, or
 * when the hub exited. Retention is short, so trimming runs many times within the soak. Results:
 * bench/results/soak-<store>.{json,md,svg}.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSeconds } from './cpuTime.js';
import type { ShiftCounts, ShiftTask } from './load/tasks.js';
import { startLoad, type LoadProcess } from './loadProcess.js';
import { machineLine } from './report.js';
import { benchRoot, benchSecret, compilePeers, startServer } from './servers.js';
import { checkGrowth, warmupSeconds, type SoakSample } from './soak/growthCheck.js';
import { readHub } from './soak/hubReadings.js';
import { markdown, verdictLine, writeSoakReport, type SoakReport } from './soak/soakReport.js';
import { redisSize, sqliteSize } from './soak/storeSize.js';
import { startWebhookReceiver } from './soak/webhookReceiver.js';
import { mintToken } from './tokens.js';
import { redisUrl } from './workloads/ownership.js';
import { endpointOf, removeDir, tempDir } from './workloads/workload.js';

const sampleEveryMs = 10_000;
/** The load is given this long to leave its cases once told to stop. */
const stopWithinMs = 90_000;
const team = 'soak';
/** 42 people and 3 bots (and the chat connector): well under what one hub holds on 2 cores. */
const shift: Omit<ShiftTask, 'endpoint'> = { kind: 'shift', team, owners: 24, takers: 8, specialists: 10, bots: 3 };

/** Retention short enough that trimming runs many times within a soak (other settings: the bench's). */
const hubSettings: Record<string, string> = {
  CASEROOM_EVENT_RETENTION: '5m',
  CASEROOM_DELIVERY_RETENTION: '5m',
  CASEROOM_RETENTION_INTERVAL: '30s',
  CASEROOM_WEBHOOK_ALLOW_PRIVATE: 'on',
};

function parseArgs(args: string[]): { minutes: number; redis: boolean } {
  let minutes = 30;
  let redis = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--redis') redis = true;
    else if (args[i] === '--minutes') minutes = Number(args[++i]);
    else throw new Error(`unknown option ${args[i]}: use --minutes N [--redis]`);
  }
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error('--minutes takes a positive number');
  return { minutes, redis };
}

const { minutes, redis } = parseArgs(process.argv.slice(2));
const storeKind = redis ? 'redis' : 'sqlite';
const { machine, node } = machineLine();
const runSeconds = minutes * 60;
const prefix = `soak:${process.pid}:${Date.now()}:`;
const dataDir = tempDir('soak');

await compilePeers();
console.log(`soak: ${minutes} min on the ${storeKind} store, ${machine}, node ${node}`);
const receiver = await startWebhookReceiver();
const env = { ...hubSettings, ...(redis ? { REDIS_URL: redisUrl, CASEROOM_REDIS_PREFIX: prefix } : {}) };
const hub = await startServer('caseroom', { dataDir, env });
let hubExit: string | null = null;
void hub.exited.then(
  (code) =>
    (hubExit = `the hub exited (${code === null ? 'killed by a signal' : `code ${code}`}) during the soak; its last output:\n${hub.lastOutput()}`),
);
const store = redis ? await redisSize(redisUrl, prefix) : sqliteSize(dataDir);

const samples: SoakSample[] = [];
const failures: string[] = [];
let counts: ShiftCounts = { operations: {}, refusals: {}, errors: {}, botEvents: 0 };
let seconds = 0;
let load: LoadProcess<ShiftCounts> | null = null;
let loadFailure: string | null = null;
try {
  const supervisor = await mintToken(benchSecret, `supervisor@${team}`, 'supervisor', team);
  const registered = await fetch(`${hub.httpUrl}/api/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${supervisor}` },
    body: JSON.stringify({ url: receiver.url, team }),
  });
  if (registered.status !== 201) throw new Error(`registering the webhook: ${registered.status} ${await registered.text()}`);

  load = startLoad<ShiftCounts>({ ...shift, endpoint: endpointOf(hub) });
  load.child.on('message', (message: unknown) => {
    if (typeof message === 'object' && message !== null && 'progress' in message) counts = (message as { progress: ShiftCounts }).progress;
  });
  load.result.catch((err: unknown) => (loadFailure = err instanceof Error ? err.message : String(err)));
  const started = performance.now();
  let cpuBefore = { at: 0, seconds: cpuSeconds(hub.pid) };
  const elapsed = (): number => (performance.now() - started) / 1000;
  const sum = (record: Record<string, number>): number => Object.values(record).reduce((a, b) => a + b, 0);

  for (let next = 0; elapsed() < runSeconds && !hubExit && !loadFailure; next += sampleEveryMs / 1000) {
    await new Promise((done) => setTimeout(done, Math.max(0, (next - elapsed()) * 1000)));
    if (hubExit) break;
    const at = elapsed();
    const cpu = { at, seconds: cpuSeconds(hub.pid) };
    const cpuShare = at > cpuBefore.at ? (100 * (cpu.seconds - cpuBefore.seconds)) / (at - cpuBefore.at) : Number.NaN;
    cpuBefore = cpu;
    const reading = await readHub(hub);
    const stored = await store.read();
    samples.push({
      at,
      ...reading,
      storeBytes: stored.bytes,
      storeWhole: stored.whole,
      cpuShare,
      operations: sum(counts.operations),
      errors: sum(counts.errors),
      casesOpened: counts.operations['case.opened'] ?? 0,
    });
    const s = samples[samples.length - 1]!;
    console.log(
      `  ${Math.round(at)} s: RSS ${(s.rss / 2 ** 20).toFixed(1)} MiB, heap ${(s.heapUsed / 2 ** 20).toFixed(1)} MiB, store ${(s.storeBytes / 2 ** 20).toFixed(2)} MiB (${(s.storeWhole / 2 ** 20).toFixed(2)} MiB ${redis ? 'used_memory' : 'on disk'}), ${s.handles} handles, lag p99 ${s.lagP99.toFixed(1)} ms, CPU ${s.cpuShare.toFixed(0)} % of a core; ${s.operations} operations (${s.casesOpened} cases), ${s.errors} errors, ${receiver.received()} webhook deliveries`,
    );
  }
  seconds = elapsed();
} catch (err) {
  failures.push(`the soak could not run: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  if (load) {
    // With the hub gone there is nothing left to finish: the load's requests would wait for it.
    load.tell('stop');
    const timer = setTimeout(() => load?.child.kill(), hubExit ? 0 : stopWithinMs);
    counts = await load.result.catch((err: unknown) => {
      if (!hubExit) failures.push(`the load failed: ${loadFailure ?? (err instanceof Error ? err.message : String(err))}`);
      return counts;
    });
    clearTimeout(timer);
  }
  if (hubExit) failures.push(hubExit);
  await hub.stop();
  await receiver.close();
  await store.close();
  removeDir(dataDir);
}

const verdicts = checkGrowth(samples, seconds);
for (const v of verdicts) if (v.verdict === 'too fast') failures.push(`${v.label} grew too fast after the warm-up`);
const errorCount = Object.values(counts.errors).reduce((a, b) => a + b, 0);
if (errorCount > 0) failures.push(`the load saw ${errorCount} errors`);
// A soak whose load did nothing, or whose bots and webhook heard nothing, proves nothing.
if ((counts.operations['case.resolved'] ?? 0) === 0) failures.push('no case was resolved');
if (counts.botEvents === 0) failures.push('the bots received no events');
if (receiver.received() === 0) failures.push('the webhook received no deliveries');

const report: SoakReport = {
  date: new Date().toISOString(),
  command: `npm run soak -- --minutes ${minutes}${redis ? ' --redis' : ''}`,
  machine,
  node,
  store: storeKind,
  hubSettings,
  load: `${shift.owners} agents opening, claiming, working and handing over cases, ${shift.takers} agents taking them over, resolving and releasing them and deciding approvals, ${shift.specialists} specialists dropping in (a connection per visit), ${shift.bots} bots on the team feed, a chat connector, a webhook to a local receiver`,
  seconds,
  warmupSeconds: warmupSeconds(seconds),
  samples,
  verdicts,
  counts,
  webhookDeliveries: receiver.received(),
  failures,
};
const dir = join(benchRoot, 'results');
mkdirSync(dir, { recursive: true });
const written = writeSoakReport(report, dir);
console.log(`\n${markdown(report)}`);
for (const v of verdicts) console.log(verdictLine(v));
console.log(`\nwritten: ${written.join(', ')}`);
if (failures.length > 0) {
  console.error(`\nsoak FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log('\nsoak passed');
process.exit(0);

/**
 * A quick measure of the conversation plane: a hub in this process (SQLite in a temporary
 * directory, or Redis when REDIS_URL is set), a chat connector posting the customer's messages and
 * the owner answering each, one after the other over Socket.IO. Prints acknowledgement latency
 * (p50/p99), this process's CPU per message (hub and both clients together, an upper bound for
 * the hub) and, on Redis, the memory each message costs there.
 *
 *   node --conditions=caseroom-source --import tsx scripts/conversationLoad.ts [messages]
 *   REDIS_URL=redis://127.0.0.1:6379 node --conditions=caseroom-source --import tsx scripts/conversationLoad.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { casesNamespace, type Identity } from '@caseroom/shared';
import { createClient } from 'redis';
import { io, type Socket } from 'socket.io-client';
import { loadConfig } from '../server/src/config.js';
import { startHub } from '../server/src/Hub.js';

const count = Number(process.argv[2] ?? 2000);
const dataDir = mkdtempSync(join(tmpdir(), 'caseroom-conversation-load-'));
const prefix = `conversation-load:${process.pid}:`;
const redisUrl = process.env.REDIS_URL;
const secret = 'conversation-load-secret-0123456789';

const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  CASEROOM_JWT_SECRET: secret,
  CASEROOM_RATE_MESSAGES_PER_S: '0',
  CASEROOM_RATE_BYTES_PER_S: '0',
  ...(redisUrl ? { REDIS_URL: redisUrl, CASEROOM_REDIS_PREFIX: prefix } : {}),
});
const hub = await startHub(config);
const owner: Identity = { userId: 'ann', name: 'Ann', role: 'agent', team: 'billing' };
const connector: Identity = { userId: 'chat', name: 'Chat connector', role: 'bot', team: 'billing', channels: ['chat'] };

async function connect(who: Identity): Promise<Socket> {
  const socket = io(new URL(casesNamespace, hub.url).toString(), {
    auth: { token: await hub.tokens.mint(who) },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
  return socket;
}

async function ask(socket: Socket, event: string, payload: unknown): Promise<Record<string, unknown>> {
  const answer = (await socket.emitWithAck(event, payload)) as { ok: boolean; error?: unknown };
  if (!answer.ok) throw new Error(`${event} refused: ${JSON.stringify(answer.error)}`);
  return answer;
}

const res = await fetch(`${hub.url}/api/cases`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.tokens.mint({ ...owner, role: 'supervisor' })}` },
  body: JSON.stringify({ id: 'load-case', subject: 'Charged twice' }),
});
if (res.status !== 201) throw new Error(`creating the case failed: ${res.status}`);
const agent = await connect(owner);
const bot = await connect(connector);
await ask(agent, 'case:join', { caseId: 'load-case' });
await ask(agent, 'owner:claim', { caseId: 'load-case' });

const redis = redisUrl ? await createClient({ url: redisUrl }).connect() : null;
const memory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec((await redis?.info('memory')) ?? '')?.[1] ?? 0);
const memoryBefore = await memory();
const latencies: number[] = [];
const cpuBefore = process.cpuUsage();
const started = performance.now();
const body = 'I was charged twice for order A-1042 on the 28th; the second charge is still on my card.';
for (let i = 0; i < count; i++) {
  let t = performance.now();
  await ask(bot, 'conversation:post', { caseId: 'load-case', channel: 'chat', body, externalId: `m-${i}` });
  latencies.push(performance.now() - t);
  t = performance.now();
  await ask(agent, 'conversation:send', { caseId: 'load-case', body: 'Thanks, checking the second charge now.' });
  latencies.push(performance.now() - t);
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const memoryAfter = await memory();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
const messages = count * 2;
console.log(`store: ${hub.store.kind}; messages: ${messages} (${count} in, ${count} out), one at a time`);
console.log(`throughput: ${(messages / seconds).toFixed(0)} messages/s; ack p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
console.log(`CPU of this process (hub and both clients): ${(((cpu.user + cpu.system) / messages) as number).toFixed(0)} µs per message`);
if (redis)
  console.log(`Redis memory: ${((memoryAfter - memoryBefore) / messages).toFixed(0)} bytes per message (message, its event, indexes)`);

agent.disconnect();
bot.disconnect();
await hub.close();
if (redis) {
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await redis.del(keys);
  await redis.quit();
}
rmSync(dataDir, { recursive: true, force: true });

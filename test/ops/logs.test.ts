/**
 * Logs are JSON lines, one per meaningful event, naming the case, the person and the socket; they
 * never carry a token or what people wrote. The hub here logs everything (trace) into memory.
 */
import { Writable } from 'node:stream';
import { bindLog, createLogger, loadConfig, startHub, type Hub, type Log, type Logger } from '@caseroom/server';
import { encodeAwarenessUpdate } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaseAs } from '../helpers/clients.js';
import { createCaseOver, mintToken, redisEnv, tempDataDir, testSecret, forgetRedisKeys } from '../helpers/hub.js';
import { ann, chatConnector, yan } from '../helpers/people.js';
import { connected, connectError, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { connectProvider, providerSynced, refusedUpgrade } from '../helpers/yjs.js';
import { rmSync } from 'node:fs';

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let hub: Hub;
const dataDir = tempDataDir();

beforeAll(async () => {
  const config = loadConfig({ ...redisEnv(dataDir), PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CASEROOM_JWT_SECRET: testSecret });
  hub = await startHub(config, { log: createLogger('trace', capture) });
});
afterAll(async () => {
  await hub.close();
  rmSync(dataDir, { recursive: true, force: true });
  await forgetRedisKeys(dataDir);
});

const entries = (): Array<Record<string, unknown>> => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('logs', () => {
  it('name case, person and socket on every joined case, and never carry tokens or what people wrote', async () => {
    const notesBody = 'CUSTOMER-SECRET-CARD-4242';
    const cursorBody = 'AWARENESS-SECRET-NAME';
    const customerBody = 'MY-CARD-IS-4111-SECRET';
    const customerAddress = 'dana.secret@example.com';
    const replyBody = 'REPLY-SECRET-TEXT';
    const caseId = await createCaseOver(hub.url);
    const annToken = await mintToken(ann);
    const yanToken = await mintToken(yan);
    const expiredToken = await mintToken(ann, -60);

    // Normal work over the SDK, raw Socket.IO, y-websocket and HTTP.
    const { session } = await openCaseAs(hub.url, caseId, ann);
    session.notes.insert(0, notesBody);
    session.facts.record('card', notesBody);
    await session.flushed();
    const raw = new RawParticipant(await connected(rawSocket(hub.url, annToken)), caseId);
    await raw.join();
    await raw.socket.emitWithAck('doc:awareness', caseId, encodeAwarenessUpdate([{ clientId: 7, clock: 1, state: { name: cursorBody } }]));
    await raw.socket.emitWithAck('doc:sync', caseId, new Uint8Array([0, 9, 9, 9]));
    // The conversation: what the customer wrote, and what the owner answered.
    const connectorSocket = await connected(rawSocket(hub.url, await mintToken(chatConnector)));
    const posted = await connectorSocket.emitWithAck('conversation:post', {
      caseId,
      channel: 'chat',
      body: customerBody,
      externalId: 'chat-logs-1',
      customer: { name: 'Dana', address: customerAddress },
    });
    expect(posted).toMatchObject({ ok: true });
    await session.claim();
    expect(await raw.socket.emitWithAck('conversation:send', { caseId, body: replyBody })).toMatchObject({ ok: true });
    connectorSocket.disconnect();
    const provider = connectProvider(hub.url, caseId, yanToken);
    await providerSynced(provider);
    await fetch(`${hub.url}/api/cases/${caseId}`, { headers: { authorization: `Bearer ${annToken}` } });
    // Refusals: a stale token over every transport.
    await connectError(rawSocket(hub.url, expiredToken));
    await refusedUpgrade(hub.url, `/yjs/${caseId}?token=${expiredToken}`);
    await fetch(`${hub.url}/api/cases/${caseId}`, { headers: { authorization: `Bearer ${expiredToken}` } });
    provider.destroy();
    raw.socket.disconnect();
    await session.close();

    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of [annToken, yanToken, expiredToken, notesBody, cursorBody, customerBody, customerAddress, replyBody])
      expect(text).not.toContain(secret);
    expect(text).toContain('message stored');
    // Not even a token's signature or payload part on its own.
    for (const token of [annToken, yanToken, expiredToken]) for (const part of token.split('.')) expect(text).not.toContain(part);

    const all = entries();
    expect(all.every((e) => typeof e.level === 'number' && typeof e.time === 'number' && typeof e.msg === 'string')).toBe(true);
    const joins = all.filter((e) => e.msg === 'case joined');
    expect(joins.filter((e) => e.caseId === caseId && e.userId === 'ann' && typeof e.socketId === 'string')).toHaveLength(2);
    expect(joins.filter((e) => e.caseId === caseId && e.userId === 'yan' && typeof e.connectionId === 'string')).toHaveLength(1);
    expect(
      all.some(
        (e) => e.msg === 'socket connected' && e.userId === 'ann' && typeof e.socketId === 'string' && typeof e.address === 'string',
      ),
    ).toBe(true);
    expect(all.some((e) => e.msg === 'connection refused' && e.code === 'token_expired')).toBe(true);
    expect(all.some((e) => e.msg === 'y-websocket connection refused' && e.code === 'token_expired')).toBe(true);
  });

  it('redacts credentials even when a request-like object is logged by mistake', () => {
    const captured: string[] = [];
    const log = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          captured.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    log.info(
      {
        req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=zzz' }, query: { token: 'abc.def.ghi' } },
        handshake: { auth: { token: 'abc.def.ghi' } },
        token: 'abc.def.ghi',
      },
      'oops',
    );
    expect(captured.join('')).not.toContain('abc.def.ghi');
    expect(captured.join('')).not.toContain('sid=zzz');
    expect(captured.join('')).toContain('[redacted]');
  });
});

describe('a logger bound to one connection', () => {
  it('writes the same lines as a pino child with the same bindings, at the same levels', () => {
    const written = (write: (log: Log) => void, bind: (parent: ReturnType<typeof createLogger>) => Log): Array<Record<string, unknown>> => {
      const out: string[] = [];
      const parent = createLogger(
        'info',
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            out.push(...chunk.toString('utf8').split('\n').filter(Boolean));
            done();
          },
        }),
      );
      write(bind(parent));
      // Everything but the clock and the stack traces (which name the line that logged).
      return out.map((line) => {
        const entry = JSON.parse(line) as Record<string, unknown> & { err?: { stack?: string } };
        delete entry.err?.stack;
        return { ...entry, time: 0 };
      });
    };
    const bindings = { socketId: 's1', userId: 'ann' };
    const lines = (log: Log): void => {
      log.info({ caseId: 'c1' }, 'case joined');
      log.warn('plain message');
      log.debug({ hidden: true }, 'below the level');
      log.error({ err: new Error('boom') }, 'request failed');
      log.error(new Error('thrown'));
      log.info({ handshake: { auth: { token: 'abc.def.ghi' } } }, 'redacted');
      log.child({ subscriptionId: 'sub-1' }).info({ after: null }, 'event subscription started');
    };
    const bound = written(lines, (parent) => bindLog(parent, bindings));
    const child = (parent: Logger): Logger => parent.child(bindings);
    expect(bound).toEqual(written(lines, child));
    expect(bound).toHaveLength(6);
    expect(bound[0]).toMatchObject({ socketId: 's1', userId: 'ann', caseId: 'c1', msg: 'case joined' });
    expect(JSON.stringify(bound)).not.toContain('abc.def.ghi');
  });
});

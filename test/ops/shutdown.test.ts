/**
 * SIGTERM stops a hub process cleanly: clients are told and disconnected (and reconnect),
 * every write under way is flushed, the process exits 0 within CASEROOM_SHUTDOWN_TIMEOUT_MS, and
 * every acknowledged edit is there after a restart on the same data.
 */
import type { Socket as NetSocket } from 'node:net';
import { encodeUpdate } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openCaseAs } from '../helpers/clients.js';
import { createCaseOver, killedAfterEach, mintToken, spawnHub, tempDataDir, type HubProcess } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { connectProvider, providerSynced } from '../helpers/yjs.js';

const { processes, dataDirs } = killedAfterEach();

async function spawn(dataDir: string): Promise<HubProcess> {
  const hub = await spawnHub(dataDir, { CASEROOM_SHUTDOWN_TIMEOUT_MS: '8000' });
  processes.push(hub);
  return hub;
}

async function freshHub(): Promise<{ dataDir: string; hub: HubProcess; caseId: string }> {
  const dataDir = tempDataDir();
  dataDirs.push(dataDir);
  const hub = await spawn(dataDir);
  return { dataDir, hub, caseId: await createCaseOver(hub.url) };
}

describe('SIGTERM', () => {
  it('keeps every edit acknowledged up to the signal, and exits 0', async () => {
    const { dataDir, hub, caseId } = await freshHub();
    const writer = new RawParticipant(await connected(rawSocket(hub.url, await mintToken(people.ann))), caseId);
    await writer.join();
    const acknowledged: number[] = [];
    let signalled: Promise<number | null> | undefined;
    const disconnected = new Promise<void>((resolve) => writer.socket.once('disconnect', () => resolve()));
    // A stream of edits, each its own update; the signal goes out as soon as the first is acknowledged.
    for (let i = 0; i < 200; i++) {
      const before = Y.encodeStateVector(writer.doc);
      writer.doc.getText('notes').insert(writer.doc.getText('notes').length, `[${i}]`);
      const update = encodeUpdate(Y.encodeStateAsUpdate(writer.doc, before));
      writer.socket.emit('doc:sync', caseId, update, (ack: { ok: boolean }) => {
        if (ack.ok) acknowledged.push(i);
        signalled ??= hub.kill('SIGTERM');
      });
    }
    await disconnected;
    expect(await signalled).toBe(0);
    expect(acknowledged.length).toBeGreaterThan(0);

    const restarted = await spawn(dataDir);
    const { session } = await openCaseAs(restarted.url, caseId, people.sam);
    const notes = session.notes.toString();
    for (const i of acknowledged) expect(notes).toContain(`[${i}]`);
  });

  it('tells Socket.IO sessions their cases closed, closes y-websocket with 1012, and the restarted hub serves what they wrote', async () => {
    const { dataDir, hub, caseId } = await freshHub();
    const watcher = await connected(rawSocket(hub.url, await mintToken(people.amy)));
    expect(await watcher.emitWithAck('case:join', { caseId })).toMatchObject({ ok: true });
    const notice = new Promise<unknown[]>((resolve) => watcher.once('case:closed', (...args: unknown[]) => resolve(args)));
    const { session } = await openCaseAs(hub.url, caseId, people.ann);
    session.notes.insert(0, 'before the restart. ');
    await session.flushed();
    const provider = connectProvider(hub.url, caseId, await mintToken(people.yan));
    await providerSynced(provider);
    const providerClosed = new Promise<number>((resolve) =>
      provider.on('connection-close', (event: { code: number } | null) => resolve(event?.code ?? 0)),
    );

    expect(await hub.kill('SIGTERM')).toBe(0);
    expect(await notice).toEqual([caseId, { code: 'shutting_down', message: expect.any(String) }]);
    expect(await providerClosed).toBe(1012);
    expect(session.status).not.toBe('synced');

    const restarted = await spawn(dataDir);
    const { session: reader } = await openCaseAs(restarted.url, caseId, people.sam);
    expect(reader.notes.toString()).toBe('before the restart. ');
  });

  it('exits 0 in bounded time even while a client has stopped reading', async () => {
    const { hub, caseId } = await freshHub();
    const { session: ann } = await openCaseAs(hub.url, caseId, people.ann);
    const { client: stuck } = await openCaseAs(hub.url, caseId, people.sam);
    const provider = connectProvider(hub.url, caseId, await mintToken(people.yan));
    await providerSynced(provider);
    (stuck.socket.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket.pause();
    (provider.ws as unknown as { _socket: NetSocket })._socket.pause();
    // Enough traffic that the stuck ones cannot answer a closing handshake from their buffers.
    for (let i = 0; i < 20; i++) ann.notes.insert(ann.notes.length, 'y'.repeat(64 * 1024));
    await ann.flushed();
    expect(await hub.kill('SIGTERM')).toBe(0);
  });
});

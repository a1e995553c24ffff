/**
 * A client that stops reading must not make the hub buffer without bound: once the bytes waiting
 * for it pass CASEROOM_MAX_SEND_BACKLOG_BYTES it is dropped, others keep receiving, and when it
 * reads again it reconnects and resyncs to the whole document.
 */
import type { CaseSession } from '@caseroom/client';
import { encodeSyncFrame, encodeSyncStep1 } from '@caseroom/shared';
import type { Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomConnection } from '../../server/src/rooms/RoomConnection.js';
import type { WebsocketProvider } from 'y-websocket';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { scrape, valueOf } from '../helpers/metrics.js';
import { connected, rawSocket } from '../helpers/sockets.js';
import { nextEvent, waitFor, waitForDoc } from '../helpers/wait.js';
import { connectProvider, openRawSocket, providerSynced } from '../helpers/yjs.js';

const backlogLimit = 1024 * 1024;
const chunk = 'x'.repeat(32 * 1024);
/** Far more than any socket buffers hold between two local processes; reaching it fails the test. */
const maxChunks = 2_000;

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({
    CASEROOM_MAX_SEND_BACKLOG_BYTES: String(backlogLimit),
    // The backlog limit must hold one whole document and one message.
    CASEROOM_MAX_DOCUMENT_BYTES: String(512 * 1024),
    CASEROOM_MAX_MESSAGE_BYTES: String(64 * 1024),
    CASEROOM_RATE_BYTES_PER_S: '0',
    CASEROOM_RATE_MESSAGES_PER_S: '0',
  });
});
afterAll(() => hub.stop());

/** The network socket under a ws WebSocket. */
const netSocketOf = (ws: unknown): NetSocket => (ws as { _socket: NetSocket })._socket;

/**
 * Ann rewrites the notes with 32 KiB of new text, edit after acknowledged edit, until the case room
 * has only `remaining` connections left (the slow one was dropped). Every edit sends 32 KiB to
 * everyone while the document itself stays small. Returns how many edits she made.
 */
async function writeUntilDropped(ann: CaseSession, caseId: string, remaining: number): Promise<number> {
  for (let i = 1; i <= maxChunks; i++) {
    ann.doc.transact(() => {
      ann.notes.delete(0, ann.notes.length);
      ann.notes.insert(0, `${i}:${chunk}`);
    });
    await ann.flushed();
    if (hub.rooms.get(caseId)!.connectionCount === remaining) return i;
  }
  throw new Error(`the slow client was not dropped after ${maxChunks} edits`);
}

describe('a Socket.IO client that stops reading', () => {
  it('is dropped past the backlog limit while others keep up, and resyncs after it reads again', async () => {
    const caseId = await hub.createCase();
    const { session: ann } = await openCaseAs(hub.url, caseId, people.ann);
    const { session: bob } = await openCaseAs(hub.url, caseId, people.bob);
    const slowClient = connectClient(hub.url, await hub.token(people.sam));
    const slow = slowClient.openCase(caseId);
    await slow.synced;
    expect(hub.rooms.get(caseId)!.connectionCount).toBe(3);

    const transport = slowClient.socket.io.engine.transport as unknown as { ws: unknown };
    const net = netSocketOf(transport.ws);
    net.pause();
    const written = await writeUntilDropped(ann, caseId, 2);
    expect(written).toBeGreaterThan(1);
    expect(valueOf(await scrape(hub.url), 'caseroom_slow_consumers_dropped_total', { transport: 'socket.io' })).toBe(1);

    // Bob kept receiving everything.
    await waitForDoc(bob.doc, 'bob to have every edit', () => bob.notes.toString() === ann.notes.toString());

    net.resume();
    await waitFor(
      'the slow client to reconnect and resync',
      (check) => {
        slow.doc.on('update', check);
        const off = slow.on('status', check);
        return () => {
          slow.doc.off('update', check);
          off();
        };
      },
      () => (slow.status === 'synced' && slow.notes.toString() === ann.notes.toString()) || undefined,
      30_000,
    );
    expect(slow.notes.length).toBe(ann.notes.length);
  });
});

describe('a y-websocket client that stops reading', () => {
  it('is dropped past the backlog limit, and its provider resyncs after it reads again', async () => {
    const caseId = await hub.createCase();
    const { session: ann } = await openCaseAs(hub.url, caseId, people.ann);
    const provider: WebsocketProvider = connectProvider(hub.url, caseId, await hub.token(people.yan));
    await providerSynced(provider);
    expect(hub.rooms.get(caseId)!.connectionCount).toBe(2);

    const net = netSocketOf(provider.ws);
    net.pause();
    await writeUntilDropped(ann, caseId, 1);
    expect(valueOf(await scrape(hub.url), 'caseroom_slow_consumers_dropped_total', { transport: 'y-websocket' })).toBe(1);
    net.resume();
    const notes = provider.doc.getText('notes');
    await waitForDoc(provider.doc, 'the provider to resync', () => notes.toString() === ann.notes.toString(), 30_000);
    expect(hub.rooms.get(caseId)!.connectionCount).toBe(2);
  });
});

describe('a client that keeps asking without reading the answers', () => {
  /** A case whose document is about 128 KiB, so every full answer is twice the backlog limit. */
  async function bigCase(): Promise<string> {
    const caseId = await hub.createCase();
    const { session: ann } = await openCaseAs(hub.url, caseId, people.ann);
    for (let i = 0; i < 4; i++) ann.notes.insert(ann.notes.length, chunk);
    await ann.flushed();
    return caseId;
  }

  const leaves = (caseId: string, transport: string) =>
    nextEvent<RoomConnection>(
      `a ${transport} connection to leave`,
      (listener) => {
        const onLeft = (left: string, connection: RoomConnection) => left === caseId && listener(connection);
        hub.rooms.on('left', onLeft);
        return () => hub.rooms.off('left', onLeft);
      },
      (connection) => connection.transport === transport,
    );

  it('is dropped over Socket.IO once the answers pile up', async () => {
    const caseId = await bigCase();
    const socket = await connected(rawSocket(hub.url, await hub.token(people.mallory)));
    expect(await socket.emitWithAck('case:join', { caseId })).toMatchObject({ ok: true });
    netSocketOf((socket.io.engine.transport as unknown as { ws: unknown }).ws).pause();
    const dropped = () =>
      scrape(hub.url).then((samples) => valueOf(samples, 'caseroom_slow_consumers_dropped_total', { transport: 'socket.io' }) ?? 0);
    const droppedBefore = await dropped();
    const left = leaves(caseId, 'socket.io');
    const askAll = encodeSyncStep1(new Uint8Array([0]));
    for (let i = 0; i < 400; i++) socket.emit('doc:sync', caseId, askAll, () => undefined);
    await left;
    expect(await dropped()).toBe(droppedBefore + 1);
  });

  it('is dropped over y-websocket once the answers pile up', async () => {
    const caseId = await bigCase();
    const ws = await openRawSocket(hub.url, `/yjs/${caseId}?token=${await hub.token(people.mallory)}`);
    netSocketOf(ws).pause();
    const left = leaves(caseId, 'y-websocket');
    const askAll = encodeSyncFrame(encodeSyncStep1(new Uint8Array([0])));
    for (let i = 0; i < 400; i++) ws.send(askAll);
    await left;
  });
});

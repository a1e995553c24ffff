/**
 * A client that stops reading must not make the hub buffer without bound: once the bytes waiting
 * for it pass CASEROOM_MAX_SEND_BACKLOG_BYTES it is dropped, others keep receiving, and when it
 * reads again it reconnects and resyncs to the whole document.
 */
import type { CaseSession } from '@caseroom/client';
import type { Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { scrape, valueOf } from '../helpers/metrics.js';
import { waitFor, waitForDoc } from '../helpers/wait.js';
import { connectProvider, providerSynced } from '../helpers/yjs.js';

const backlogLimit = 64 * 1024;
const chunk = 'x'.repeat(32 * 1024);
/** Far more than any socket buffers hold between two local processes; reaching it fails the test. */
const maxChunks = 2_000;

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({
    CASEROOM_MAX_SEND_BACKLOG_BYTES: String(backlogLimit),
    CASEROOM_MAX_DOCUMENT_BYTES: String(512 * 1024 * 1024),
    CASEROOM_RATE_BYTES_PER_S: '0',
    CASEROOM_RATE_MESSAGES_PER_S: '0',
  });
});
afterAll(() => hub.stop());

/** The network socket under a ws WebSocket. */
const netSocketOf = (ws: unknown): NetSocket => (ws as { _socket: NetSocket })._socket;

/**
 * Ann writes 32 KiB edits, each acknowledged, until the case room has only `remaining`
 * connections left (the slow one was dropped). Returns how many she wrote.
 */
async function writeUntilDropped(ann: CaseSession, caseId: string, remaining: number): Promise<number> {
  for (let i = 1; i <= maxChunks; i++) {
    ann.notes.insert(ann.notes.length, `${i}:${chunk}\n`);
    await ann.flushed();
    if (hub.rooms.get(caseId)!.connectionCount === remaining) return i;
  }
  throw new Error(`the slow client was not dropped after ${maxChunks} edits`);
}

describe('a Socket.IO client that stops reading', () => {
  it('is dropped past the backlog limit while others keep up, and resyncs after it reads again', async () => {
    const caseId = await hub.createCase();
    const { session: ann } = await openCaseAs(hub.url, caseId, { userId: 'ann' });
    const { session: bob } = await openCaseAs(hub.url, caseId, { userId: 'bob', role: 'specialist' });
    const slowClient = connectClient(hub.url, await hub.token({ userId: 'sam', role: 'specialist' }));
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
    const { session: ann } = await openCaseAs(hub.url, caseId, { userId: 'ann' });
    const provider: WebsocketProvider = connectProvider(hub.url, caseId, await hub.token({ userId: 'yan' }));
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

/**
 * How relayed document updates leave the hub. Over Socket.IO, to a stock client, a message with a
 * binary part is two engine.io packets (header, attachment), and both must go to the network in one
 * flush, which the hub makes one write (see server/src/hub/CoalescedWrites.ts); to the SDK, which
 * asks for it, it is one binary packet, framed once for all its recipients (hub/OneFrameWrites.ts).
 * On the y-websocket endpoint too, an update is framed once for the room (hub/WebSocketFrames.ts).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ws from 'ws';
import * as Y from 'yjs';
import { decodeOneFrame, decodeSyncMessage } from '@caseroom/shared';
import { engineShapeProblems } from '@caseroom/server';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { openCaseAs } from '../helpers/clients.js';
import { amy, ann, bob, sam } from '../helpers/people.js';
import { scrape, valueOf } from '../helpers/metrics.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { waitForDoc } from '../helpers/wait.js';
import { connectProvider, providerSynced } from '../helpers/yjs.js';

interface EnginePacket {
  type: string;
  data?: unknown;
  options?: { wsPreEncodedFrame?: unknown };
}
interface EngineConnection {
  id: string;
  on(event: 'flush', listener: (buffer: EnginePacket[]) => void): void;
  on(event: 'packet', listener: (packet: EnginePacket) => void): void;
}

let hub: TestHub;
/** every flush the hub's engine.io connections made: which connection, and the packets in it */
const flushes: Array<{ conn: string; packets: EnginePacket[] }> = [];
/** every packet the hub's engine.io connections received, and from which connection */
const received: Array<{ conn: string; packet: EnginePacket }> = [];

beforeAll(async () => {
  hub = await startTestHub();
  hub.io.engine.on('connection', (conn: EngineConnection) => {
    conn.on('flush', (buffer) => flushes.push({ conn: conn.id, packets: [...buffer] }));
    conn.on('packet', (packet) => received.push({ conn: conn.id, packet }));
  });
});
afterAll(() => hub.stop());

/** a `doc:sync` message's packet string, up to its arguments (an SDK's has an acknowledgement id) */
const docSync = /^51-\/cases,\d*\["doc:sync"/;
const isBinaryEventHeader = (packet: EnginePacket): boolean =>
  packet.type === 'message' && typeof packet.data === 'string' && docSync.test(packet.data);
/** A `doc:sync` message in one binary packet: the packet string and the update together. */
function isOneFrameUpdate(packet: EnginePacket): boolean {
  if (packet.type !== 'message' || !(packet.data instanceof Uint8Array)) return false;
  try {
    return docSync.test(decodeOneFrame(packet.data).packet);
  } catch {
    return false;
  }
}

/** A stock client's replica, following what the hub relays to it. */
function follow(reader: RawParticipant): void {
  reader.socket.on('doc:sync', (_caseId: string, message: ArrayBuffer) => {
    const sync = decodeSyncMessage(new Uint8Array(message));
    if (sync.type !== 'step1') Y.applyUpdate(reader.doc, sync.update);
  });
}

describe('relayed updates on the wire', () => {
  it('sends each update to each recipient as header and attachment in one flush', async () => {
    const caseId = await hub.createCase();
    const writer = new RawParticipant(await connected(rawSocket(hub.url, await hub.token(ann))), caseId);
    const readers = await Promise.all(
      [amy, sam].map(async (who) => new RawParticipant(await connected(rawSocket(hub.url, await hub.token(who))), caseId)),
    );
    await writer.join();
    for (const reader of readers) await reader.join();
    const readerIds = new Set(readers.map((reader) => reader.socket.io.engine.id));

    const received = readers.map(() => 0);
    readers.forEach((reader, i) =>
      reader.socket.on('doc:sync', (_caseId: string, message: ArrayBuffer) => {
        received[i]!++;
        const sync = decodeSyncMessage(new Uint8Array(message));
        if (sync.type !== 'step1') Y.applyUpdate(reader.doc, sync.update);
      }),
    );
    const edits = 10;
    flushes.length = 0;
    for (let i = 0; i < edits; i++) {
      const ack = await writer.edit((doc) => doc.getText('notes').insert(0, `${i}`));
      expect(ack.ok).toBe(true);
    }
    await waitForDoc(
      readers.map((reader) => reader.doc),
      'both readers to receive every edit',
      () => received.every((count) => count === edits),
    );

    const toReaders = flushes.filter((flush) => readerIds.has(flush.conn));
    const headers = toReaders.flatMap((flush) => flush.packets.filter(isBinaryEventHeader));
    expect(headers).toHaveLength(edits * readers.length);
    for (const { packets } of toReaders) {
      packets.forEach((packet, i) => {
        if (!isBinaryEventHeader(packet)) return;
        // The attachment follows its header in the same flush.
        expect(packets[i + 1]?.data).toBeInstanceOf(Uint8Array);
      });
    }
    for (const reader of readers) expect(reader.doc.getText('notes').toString()).toBe(writer.doc.getText('notes').toString());
  });
});

describe('relayed updates to the SDK', () => {
  it('go to each recipient as one binary packet, framed once for all of them, while a stock client in the room gets two', async () => {
    const caseId = await hub.createCase();
    const writer = await openCaseAs(hub.url, caseId, ann);
    const readers = await Promise.all([amy, sam].map((who) => openCaseAs(hub.url, caseId, who)));
    const stock = new RawParticipant(await connected(rawSocket(hub.url, await hub.token(bob))), caseId);
    await stock.join();
    follow(stock);
    const readerIds = new Set(readers.map(({ client }) => client.socket.io.engine.id));
    const stockId = stock.socket.io.engine.id;
    const writerId = writer.client.socket.io.engine.id;

    const edits = 10;
    flushes.length = 0;
    received.length = 0;
    for (let i = 0; i < edits; i++) {
      writer.session.notes.insert(0, `${i}`);
      await writer.session.flushed();
      const text = writer.session.notes.toString();
      await waitForDoc([...readers.map(({ session }) => session.doc), stock.doc], `every reader to receive edit ${i}`, () =>
        [...readers.map(({ session }) => session.doc), stock.doc].every((doc) => doc.getText('notes').toString() === text),
      );
    }

    const toReaders = flushes.filter((flush) => readerIds.has(flush.conn)).flatMap((flush) => flush.packets);
    const updates = toReaders.filter(isOneFrameUpdate);
    expect(updates).toHaveLength(edits * readers.length);
    expect(toReaders.filter(isBinaryEventHeader)).toEqual([]);
    // One WebSocket frame per update, written as it is to every reader.
    const frames = new Set(updates.map((packet) => packet.options?.wsPreEncodedFrame));
    expect(frames.has(undefined)).toBe(false);
    expect(frames.size).toBe(edits);

    // The SDK sends its edits the same way.
    const fromWriter = received.filter((entry) => entry.conn === writerId).map((entry) => entry.packet);
    expect(fromWriter.filter(isOneFrameUpdate)).toHaveLength(edits);
    expect(fromWriter.filter(isBinaryEventHeader)).toEqual([]);

    const toStock = flushes.filter((flush) => flush.conn === stockId).flatMap((flush) => flush.packets);
    expect(toStock.filter(isBinaryEventHeader)).toHaveLength(edits);
    expect(toStock.filter(isOneFrameUpdate)).toHaveLength(0);
  });
});

describe('relayed updates on the y-websocket endpoint', () => {
  it('frames each update once for all its recipients', async () => {
    const caseId = await hub.createCase();
    const [writer, ...readers] = await Promise.all(
      [ann, amy, sam, amy].map(async (who) => {
        const provider = connectProvider(hub.url, caseId, await hub.token(who));
        await providerSynced(provider);
        return provider;
      }),
    );
    // Frames the hub builds are unmasked (a client's are masked); a relayed update is a sync message of type update (0, 2).
    const { Sender } = ws as unknown as { Sender: { frame(data: Uint8Array, options: { mask?: boolean }): unknown } };
    const frame = vi.spyOn(Sender, 'frame');
    const relayFrames = () => frame.mock.calls.filter(([data, { mask }]) => !mask && data[0] === 0 && data[1] === 2).length;
    const edits = 10;
    try {
      for (let i = 0; i < edits; i++) {
        writer!.doc.getText('notes').insert(0, `${i}`);
        const text = writer!.doc.getText('notes').toString();
        await waitForDoc(
          readers.map((reader) => reader.doc),
          `every reader to receive edit ${i}`,
          () => readers.every((reader) => reader.doc.getText('notes').toString() === text),
        );
      }
      expect(relayFrames()).toBe(edits);
    } finally {
      frame.mockRestore();
    }
  });
});

describe('the engine.io members the hub reaches', () => {
  it('are all there on a real connection (an engine.io upgrade that renames one fails here)', async () => {
    const socket = await connected(rawSocket(hub.url, await hub.token(ann)));
    // engine.io keeps its connections in `clients`, by id.
    const conns = Object.values((hub.io.engine as unknown as { clients: Record<string, unknown> }).clients);
    expect(conns.length).toBeGreaterThan(0);
    for (const conn of conns) expect(engineShapeProblems(conn)).toEqual([]);
    expect(valueOf(await scrape(hub.url), 'caseroom_engine_shape_mismatches_total')).toBe(0);
    socket.disconnect();
  });

  it('are named when missing, so the hub can run such a connection without reaching for them', () => {
    const tcp = { cork: () => undefined, uncork: () => undefined };
    const complete = {
      writeBuffer: [],
      flush: () => undefined,
      close: () => undefined,
      on: () => undefined,
      transport: { name: 'websocket', once: () => undefined, socket: { bufferedAmount: 0, _socket: tcp } },
    };
    expect(engineShapeProblems(complete)).toEqual([]);
    expect(engineShapeProblems({ ...complete, flush: undefined, writeBuffer: 'x' })).toEqual(['writeBuffer', 'flush']);
    expect(engineShapeProblems({ ...complete, transport: { ...complete.transport, socket: { bufferedAmount: 0 } } })).toEqual([
      'transport.socket._socket.cork',
    ]);
    expect(engineShapeProblems(null)).toEqual(['connection']);
  });
});

/**
 * Bare Socket.IO clients on the `/cases` namespace, with no SDK in between: for tests that need
 * to send what a well-behaved client never would. Untyped on purpose, so any payload can be sent.
 * Every socket is closed after each test.
 */
import { casesNamespace, decodeSyncMessage, encodeSyncStep1, encodeUpdate } from '@caseroom/shared';
import { io, type Socket } from 'socket.io-client';
import { afterEach } from 'vitest';
import * as Y from 'yjs';

const open = new Set<Socket>();

afterEach(() => {
  for (const socket of open) socket.disconnect();
  open.clear();
});

/** A connect error as the hub's auth middleware sends it. */
export type ConnectError = Error & { data?: { code?: string; message?: string } };

/** Opens a raw socket; `token` undefined sends no token at all. No reconnection. */
export function rawSocket(url: string, token: string | undefined): Socket {
  const socket = io(new URL(casesNamespace, url).toString(), {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  open.add(socket);
  return socket;
}

/** Resolves when the socket is connected; rejects with the connect error otherwise. */
export function connected(socket: Socket): Promise<Socket> {
  if (socket.connected) return Promise.resolve(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Resolves with the error a refused socket receives; rejects if the socket connects instead. */
export function connectError(socket: Socket): Promise<ConnectError> {
  return new Promise((resolve, reject) => {
    socket.once('connect_error', resolve);
    socket.once('connect', () => reject(new Error('the socket connected but was expected to be refused')));
  });
}

/**
 * A raw participant in one case: joins, fetches the document with a sync step 1, and can then
 * send well-formed updates made on its own replica.
 */
export class RawParticipant {
  readonly doc = new Y.Doc();
  /** true once `join()` succeeded */
  joined = false;

  constructor(
    readonly socket: Socket,
    readonly caseId: string,
  ) {}

  /** Joins the case and pulls the server's document; throws if the hub refuses. */
  async join(): Promise<void> {
    const joined = await this.socket.emitWithAck('case:join', { caseId: this.caseId });
    if (!joined.ok) throw new Error(`join refused: ${JSON.stringify(joined.error)}`);
    const synced = await this.socket.emitWithAck('doc:sync', this.caseId, encodeSyncStep1(Y.encodeStateVector(this.doc)));
    if (!synced.ok) throw new Error(`sync refused: ${JSON.stringify(synced.error)}`);
    // The reply is the server's sync step 2: a sync message wrapping the update we lack.
    const reply = decodeSyncMessage(new Uint8Array(synced.reply));
    if (reply.type === 'step1') throw new Error('expected a sync step 2 in the reply');
    Y.applyUpdate(this.doc, reply.update);
    this.joined = true;
  }

  /** Makes `change` on the local replica and sends it as one update; resolves with the ack. */
  async edit(change: (doc: Y.Doc) => void): Promise<{ ok: boolean; error?: { code: string } }> {
    const before = Y.encodeStateVector(this.doc);
    change(this.doc);
    return this.socket.emitWithAck('doc:sync', this.caseId, encodeUpdate(Y.encodeStateAsUpdate(this.doc, before)));
  }
}

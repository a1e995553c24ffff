/**
 * One client of a server under test, whatever its protocol: caseroom's SDK over Socket.IO,
 * y-websocket's WebsocketProvider (against caseroom's /yjs endpoint or the y-websocket server),
 * or Hocuspocus's own provider. Each edits a Y.Doc; the workloads only see the doc.
 */
import { CaseClient } from '@caseroom/client';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { WebSocket } from 'ws';
// The current y-websocket client (v3); the bench's own `y-websocket` is 1.5, for its server.
import { WebsocketProvider } from 'y-websocket-client';
import * as Y from 'yjs';
import type { ClientKind } from '../targets.js';
import { mintToken } from '../tokens.js';

export interface Endpoint {
  httpUrl: string;
  wsUrl: string;
  /** caseroom only: the secret its tokens are signed with */
  secret?: string;
}

export interface BenchClient {
  doc: Y.Doc;
  /** resolves when the first sync with the server is complete */
  synced: Promise<void>;
  /** caseroom's SDK only: resolves once the server has stored every local edit */
  flushed?: () => Promise<void>;
  close(): Promise<void>;
}

/** The text every workload types into: caseroom's case notes. */
export const notesOf = (doc: Y.Doc): Y.Text => doc.getText('notes');

/**
 * Opens a client on `caseId`. A caseroom client signs in with `token` when given (minted ahead, as
 * the host application would have handed it over), otherwise with one minted now.
 */
export async function openClient(
  kind: ClientKind,
  endpoint: Endpoint,
  caseId: string,
  userId: string,
  token?: string,
): Promise<BenchClient> {
  switch (kind) {
    case 'caseroom-sio': {
      const client = new CaseClient({
        url: endpoint.httpUrl,
        token: token ?? (await caseroomToken(endpoint, userId)),
        transports: ['websocket'],
      });
      const session = client.openCase(caseId);
      return { doc: session.doc, synced: session.synced, flushed: () => session.flushed(), close: () => client.close() };
    }
    case 'caseroom-yws': {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(`${endpoint.wsUrl}/yjs`, caseId, doc, {
        params: { token: token ?? (await caseroomToken(endpoint, userId)) },
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
      return { doc, synced: providerSynced(provider), close: async () => provider.destroy() };
    }
    case 'y-websocket': {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(endpoint.wsUrl, caseId, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
      return { doc, synced: providerSynced(provider), close: async () => provider.destroy() };
    }
    case 'hocuspocus': {
      const doc = new Y.Doc();
      // One websocket per client, as a browser tab would have.
      const socket = new HocuspocusProviderWebsocket({ url: endpoint.wsUrl, WebSocketPolyfill: WebSocket });
      let onSynced!: () => void;
      const synced = new Promise<void>((done) => (onSynced = done));
      const provider = new HocuspocusProvider({ websocketProvider: socket, name: caseId, document: doc, onSynced: () => onSynced() });
      provider.attach();
      return {
        doc,
        synced,
        close: async () => {
          provider.destroy();
          socket.destroy();
        },
      };
    }
  }
}

/** A caseroom token for `userId`, or undefined for a peer that has no sign-in. */
export function tokenFor(kind: ClientKind, endpoint: Endpoint, userId: string): Promise<string | undefined> {
  return kind.startsWith('caseroom') ? caseroomToken(endpoint, userId) : Promise.resolve(undefined);
}

function caseroomToken(endpoint: Endpoint, userId: string): Promise<string> {
  if (!endpoint.secret) throw new Error('a caseroom endpoint needs its token secret');
  return mintToken(endpoint.secret, userId);
}

function providerSynced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return Promise.resolve();
  return new Promise((done) => {
    const onSync = (synced: boolean): void => {
      if (!synced) return;
      provider.off('sync', onSync);
      done();
    };
    provider.on('sync', onSync);
  });
}

/** Opens `count` clients on `caseIdOf(i)`, `concurrency` at a time, and waits until all are synced. */
export async function openMany(
  kind: ClientKind,
  endpoint: Endpoint,
  count: number,
  caseIdOf: (index: number) => string,
  userIdOf: (index: number) => string,
  concurrency = 50,
): Promise<BenchClient[]> {
  const clients: BenchClient[] = new Array(count);
  let next = 0;
  const opener = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const client = await openClient(kind, endpoint, caseIdOf(index), userIdOf(index));
      clients[index] = client;
      await withTimeout(client.synced, 60_000, `client ${index} did not sync`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, opener));
  return clients;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(message)), ms))),
  ]);
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Standard Yjs clients for the y-websocket endpoint, closed automatically after each test: an
 * unmodified `WebsocketProvider`, and a raw `ws` socket for speaking (or mangling) the protocol by hand.
 */
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { nextEvent } from './wait.js';

const providers = new Set<WebsocketProvider>();
const sockets = new Set<WebSocket>();

afterEach(() => {
  for (const provider of providers) {
    provider.destroy();
    provider.awareness.destroy();
    provider.doc.destroy();
  }
  providers.clear();
  for (const socket of sockets) socket.terminate();
  sockets.clear();
});

/** The y-websocket server URL of a hub (`ws://host:port/yjs`); the room name is the case id. */
export const yjsServerUrl = (hubUrl: string): string => `${hubUrl.replace(/^http/, 'ws')}/yjs`;

/** An unmodified y-websocket provider on a fresh Y.Doc, connected to a case. */
export function connectProvider(hubUrl: string, caseId: string, token: string): WebsocketProvider {
  const provider = new WebsocketProvider(yjsServerUrl(hubUrl), caseId, new Y.Doc(), {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    // Providers in one process would otherwise sync with each other, bypassing the hub.
    disableBc: true,
  });
  providers.add(provider);
  return provider;
}

/** Resolves when the provider has completed the sync handshake with the hub. */
export function providerSynced(provider: WebsocketProvider): Promise<boolean> {
  if (provider.synced) return Promise.resolve(true);
  return nextEvent<boolean>(
    'the provider to sync',
    (listener) => {
      provider.on('sync', listener);
      return () => provider.off('sync', listener);
    },
    (synced) => synced,
  );
}

/** A raw WebSocket to a path of the hub (e.g. `/yjs/case-1?token=...`), not yet open. */
export function rawWebSocket(hubUrl: string, path: string): WebSocket {
  const socket = new WebSocket(`${hubUrl.replace(/^http/, 'ws')}${path}`);
  // Failures are observed through `open`, `close` and `unexpected-response`; an unheard 'error' would crash the run.
  socket.on('error', () => undefined);
  sockets.add(socket);
  return socket;
}

/** Opens a raw socket and resolves once the upgrade succeeded. */
export async function openRawSocket(hubUrl: string, path: string): Promise<WebSocket> {
  const socket = rawWebSocket(hubUrl, path);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
  return socket;
}

export interface RefusedUpgrade {
  status: number;
  body: unknown;
}

/** Attempts an upgrade that the hub is expected to refuse; resolves with the HTTP status and JSON body. */
export function refusedUpgrade(hubUrl: string, path: string): Promise<RefusedUpgrade> {
  const socket = rawWebSocket(hubUrl, path);
  return new Promise<RefusedUpgrade>((resolve, reject) => {
    socket.once('open', () => reject(new Error(`the upgrade to ${path} was accepted`)));
    socket.once('error', (err) => reject(new Error(`no HTTP answer to the upgrade: ${err.message}`)));
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          reject(new Error(`HTTP ${res.statusCode} with a body that is not JSON: ${text}`));
        }
      });
      res.on('error', reject);
    });
  });
}

/** Resolves with the close code and reason once the hub closes the socket. */
export function socketClosed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) {
      resolve({ code: 1006, reason: '' });
      return;
    }
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
  });
}

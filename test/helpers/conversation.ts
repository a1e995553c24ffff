/**
 * People in a case's conversation on bare Socket.IO clients (no SDK): they send requests as any
 * client could, and keep every `conversation:message` the hub sends them, in arrival order.
 */
import type { Identity, Message } from '@caseroom/shared';
import type { Socket } from 'socket.io-client';
import { mintToken } from './hub.js';
import { connected, rawSocket } from './sockets.js';
import { waitFor } from './wait.js';

export interface Ack {
  ok: boolean;
  error?: { code: string; message: string; field?: string; details?: Record<string, unknown> };
  [field: string]: unknown;
}

export class Participant {
  /** every message heard, in the order it arrived */
  readonly heard: Message[] = [];

  constructor(readonly socket: Socket) {
    socket.on('conversation:message', (_caseId: string, message: Message) => this.heard.push(message));
  }

  request(event: string, payload: unknown): Promise<Ack> {
    return this.socket.emitWithAck(event, payload) as Promise<Ack>;
  }

  async join(caseId: string): Promise<Ack> {
    const joined = await this.request('case:join', { caseId });
    if (!joined.ok) throw new Error(`join refused: ${JSON.stringify(joined.error)}`);
    return joined;
  }

  /** Resolves when this participant has heard message `seq`. */
  hears(seq: number): Promise<Message> {
    return waitFor(
      `message ${seq}`,
      (check) => {
        this.socket.on('conversation:message', check);
        return () => this.socket.off('conversation:message', check);
      },
      () => this.heard.find((m) => m.seq === seq),
    );
  }
}

/** `who`, connected to the hub at `url`. */
export async function participant(url: string, who: Identity): Promise<Participant> {
  return new Participant(await connected(rawSocket(url, await mintToken(who))));
}

let externalIds = 0;

/** What a chat connector posts for the customer's `body` (a fresh external id unless `fields` names one). */
export function inboundPost(caseId: string, body: string, fields: Record<string, unknown> = {}) {
  return {
    caseId,
    channel: 'chat',
    body,
    externalId: `chat-${process.pid}-${++externalIds}`,
    customer: { name: 'Dana Customer', address: 'dana@example.com' },
    ...fields,
  };
}

/**
 * A real HTTP endpoint for webhook deliveries on 127.0.0.1:0, closed automatically after each
 * test. It records every request with its raw body and answers with what the test tells it to.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CaseEvent } from '@caseroom/shared';
import { afterEach } from 'vitest';
import { waitFor } from './wait.js';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  /** the body exactly as sent: signatures are computed over these bytes */
  body: string;
  event: CaseEvent;
  /** what the receiver answered: an HTTP status, `drop` when it cut the connection, `hold` when it never answered */
  answer: number | 'drop' | 'hold';
}

/** How to answer a request: an HTTP status, `drop` to close the connection, `hold` to never answer. */
export type Answer = (delivery: Omit<ReceivedDelivery, 'answer'>) => ReceivedDelivery['answer'];

export interface WebhookReceiver {
  /** the URL to register */
  readonly url: string;
  /** every request so far, in arrival order */
  readonly received: ReceivedDelivery[];
  /** decides each answer; 200 unless the test replaces it */
  answer: Answer;
  /** Resolves with `condition`'s value once it holds, checked after every request. */
  until<T>(what: string, condition: (received: ReceivedDelivery[]) => T | undefined | false): Promise<T>;
  close(): Promise<void>;
}

const open = new Set<WebhookReceiver>();

afterEach(async () => {
  await Promise.all([...open].map((receiver) => receiver.close()));
  open.clear();
});

export async function startReceiver(): Promise<WebhookReceiver> {
  const listeners = new Set<() => void>();
  const received: ReceivedDelivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery = { headers: req.headers, body, event: JSON.parse(body) as CaseEvent };
      const answer = receiver.answer(delivery);
      received.push({ ...delivery, answer });
      for (const listener of listeners) listener();
      if (answer === 'drop') req.socket.destroy();
      else if (answer !== 'hold') res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'thanks' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks/caseroom`,
    received,
    answer: () => 200,
    until: (what, condition) =>
      waitFor(
        what,
        (check) => {
          listeners.add(check);
          return () => listeners.delete(check);
        },
        () => condition(received),
      ),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
  open.add(receiver);
  return receiver;
}

/** Real SDK clients for tests, closed automatically after each test. */
import { CaseClient, type CaseClientOptions, type CaseSession } from '@caseroom/client';
import type { Identity } from '@caseroom/shared';
import { afterEach } from 'vitest';
import { mintToken } from './hub.js';
import { waitFor } from './wait.js';

const open = new Set<CaseClient>();

afterEach(async () => {
  await Promise.all([...open].map((client) => client.close()));
  open.clear();
});

export function connectClient(url: string, token: string, options: Partial<CaseClientOptions> = {}): CaseClient {
  const client = new CaseClient({ url, token, transports: ['websocket'], reconnectionDelayMax: 200, ...options });
  open.add(client);
  return client;
}

/** Connects as `who`; resolves once the socket is connected. */
export async function connectAs(url: string, who: Identity): Promise<CaseClient> {
  const client = connectClient(url, await mintToken(who));
  await waitFor(
    'the client to connect',
    (check) => client.on('status', check),
    () => client.status === 'connected' || undefined,
  );
  return client;
}

/** Connects as `who` and opens a case; resolves once the case document is synced. */
export async function openCaseAs(url: string, caseId: string, who: Identity): Promise<{ client: CaseClient; session: CaseSession }> {
  const client = connectClient(url, await mintToken(who));
  const session = client.openCase(caseId);
  await session.synced;
  return { client, session };
}

/** Real SDK clients for tests, closed automatically after each test. */
import { CaseClient, type CaseClientOptions } from '@caseroom/client';
import { afterEach } from 'vitest';

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

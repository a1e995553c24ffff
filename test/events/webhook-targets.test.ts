/**
 * Webhook targets: a webhook may reach public addresses only, so a supervisor's URL cannot turn the
 * hub against its own host, its private network or the cloud's metadata service. Refused at
 * registration in every spelling, and at delivery against the address the connection would use.
 *
 * DNS without a network: the hubs here resolve names through a table the test gives them
 * (HubParts.resolveHost), standing in for a DNS server that answers what an attacker wants, e.g. a
 * public-looking name pointing at the loopback receiver. Everything after the answer is the hub's
 * real path: its lookup checks the addresses and the connection uses them.
 */
import { lookup as systemLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Writable } from 'node:stream';
import type { Identity, Webhook, WebhookDelivery } from '@caseroom/shared';
import { createLogger, type HostResolver } from '@caseroom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, tempDataDir, type TestHub } from '../helpers/hub.js';
import { supervisorOf } from '../helpers/people.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver } from '../helpers/webhookReceiver.js';

const retryEnv = { CASEROOM_WEBHOOK_RETRY_BASE_MS: '20', CASEROOM_WEBHOOK_RETRY_MAX_MS: '200', CASEROOM_WEBHOOK_TIMEOUT_MS: '5000' };

/** Answers from a table, as a DNS server would; other names go to the system resolver, the hub's default. */
function resolverOf(answers: Record<string, string[]>): HostResolver {
  return async (hostname) => {
    const addresses = answers[hostname];
    if (!addresses) return systemLookup(hostname, { all: true });
    return addresses.map((address) => ({ address, family: isIP(address) }));
  };
}

const dns = resolverOf({
  'hooks.crm.example': ['127.0.0.1'],
  // 203.0.113.0/24 is for documentation: public, and never connected to here, since the name is refused first.
  'mixed.crm.example': ['203.0.113.7', '10.0.0.7'],
});

type LogEntry = Record<string, unknown> & { level: number; msg: string };

/** A hub logger writing into memory, with a way to wait for lines. */
function capturedLog() {
  const entries: LogEntry[] = [];
  const listeners = new Set<() => void>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) entries.push(JSON.parse(line) as LogEntry);
      for (const listener of listeners) listener();
      done();
    },
  });
  return {
    logger: createLogger('info', stream),
    entries,
    until: <T>(what: string, condition: (entries: LogEntry[]) => T | undefined | false) =>
      waitFor(
        what,
        (check) => {
          listeners.add(check);
          return () => listeners.delete(check);
        },
        () => condition(entries),
      ),
  };
}

let teamCounter = 0;
const freshTeam = () => `team-${process.pid}-${++teamCounter}`;

async function register(hubUrl: string, who: Identity, url: string): Promise<Webhook> {
  const res = await api(hubUrl, '/api/webhooks', { token: await mintToken(who), body: { url } });
  if (res.status !== 201) throw new Error(`registering the webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.webhook as Webhook;
}

async function failedDeliveries(hubUrl: string, who: Identity, webhookId: string): Promise<WebhookDelivery[]> {
  const res = await api(hubUrl, `/api/webhooks/${webhookId}/deliveries?status=failed`, { token: await mintToken(who) });
  expect(res.status).toBe(200);
  return res.body.deliveries as WebhookDelivery[];
}

/** Log lines of one webhook's refused attempts, once there are `count` of them. */
const refusedAttempts = (webhookId: string, count: number) => (entries: LogEntry[]) => {
  const refused = entries.filter((e) => e.msg === 'webhook target refused' && e.webhookId === webhookId);
  return refused.length >= count && refused;
};

const portOf = (url: string) => new URL(url).port;

/** Every spelling of an inside target, and the kind the refusal names. */
const forbidden: Array<[url: string, kind: string]> = [
  // cloud metadata
  ['http://169.254.169.254/latest/meta-data/', 'link-local'],
  ['http://0xa9fea9fe/latest/meta-data/', 'link-local'],
  ['http://[::ffff:169.254.169.254]/', 'link-local'],
  ['http://metadata.google.internal/computeMetadata/v1/', 'private-network name'],
  ['http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/', 'private-network name'],
  ['http://instance-data.ec2.internal/latest/', 'private-network name'],
  ['http://metadata/computeMetadata/v1/', 'name without a domain'],
  ['http://instance-data/latest/', 'name without a domain'],
  ['http://metadata.goog/', 'cloud metadata name'],
  ['http://100.100.100.200/latest/meta-data/', 'carrier-grade NAT'],
  // loopback, by name and by address
  ['http://localhost:3000/', 'loopback name'],
  ['http://LOCALHOST./', 'loopback name'],
  ['http://hooks.localhost/', 'loopback name'],
  ['http://127.0.0.1:6379/', 'loopback'],
  ['https://user:secret@127.8.9.10/hook', 'loopback'],
  ['http://[::1]/', 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]:6379/', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[::127.0.0.1]/', 'loopback'],
  ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
  // every numeric spelling of 127.0.0.1
  ['http://2130706433/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://017700000001/', 'loopback'],
  ['http://0177.0.0.1/', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://0x7f.1/', 'loopback'],
  ['http://127.0.0.1./', 'loopback'],
  ['http://%31%32%37.0.0.1/', 'loopback'],
  // unspecified
  ['http://0.0.0.0:6379/', 'unspecified'],
  ['http://0/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  // private networks
  ['http://10.0.0.1/', 'private'],
  ['http://172.16.0.1/', 'private'],
  ['http://172.31.255.255/', 'private'],
  ['http://192.168.0.1/', 'private'],
  ['http://[::ffff:192.168.1.1]/', 'private'],
  ['http://[fc00::1]/', 'private'],
  ['http://[fd12:3456:789a::1]/', 'private'],
  ['http://100.64.0.1/', 'carrier-grade NAT'],
  ['http://printer.local/', 'private-network name'],
  ['http://router.home.arpa/', 'private-network name'],
  // link-local and the rest
  ['http://169.254.1.1/', 'link-local'],
  ['http://[fe80::1]/', 'link-local'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://255.255.255.255/', 'reserved'],
];

/** Just outside the forbidden ranges: public, so accepted. */
const allowed = [
  'https://bots.example/hook',
  'http://11.0.0.1/',
  'http://126.255.255.255/',
  'http://172.32.0.1/',
  'http://192.169.0.1/',
  'http://100.128.0.1/',
  'http://169.255.0.1/',
  'http://[::ffff:8.8.8.8]/',
  'http://[2001:4860:4860::8888]/',
  'http://metadata.example.com/',
];

describe('webhook targets', () => {
  const log = capturedLog();
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(retryEnv, tempDataDir(), { log: log.logger, resolveHost: dns });
  });
  afterAll(() => hub.stop());

  it.each(forbidden)('refuses %s at registration as %s, and stores nothing', async (url, kind) => {
    const team = freshTeam();
    const token = await mintToken(supervisorOf(team));
    const res = await api(hub.url, '/api/webhooks', { token, body: { url } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'forbidden_target', field: 'url', details: { kind } });
    expect(res.body.error.message).toContain('webhooks may only reach public addresses');
    expect((await api(hub.url, `/api/webhooks?team=${team}`, { token })).body.webhooks).toEqual([]);
  });

  it.each(allowed)('registers %s, which is public', async (url) => {
    const team = freshTeam();
    const webhook = await register(hub.url, supervisorOf(team), url);
    const listed = await api(hub.url, `/api/webhooks?team=${team}`, { token: await mintToken(supervisorOf(team)) });
    expect(listed.body.webhooks).toEqual([webhook]);
  });

  it('refuses at delivery a public-looking name that resolves to loopback, logs it as a warning and retries', async () => {
    const team = freshTeam();
    const sue = supervisorOf(team);
    const receiver = await startReceiver();
    const webhook = await register(hub.url, sue, `http://hooks.crm.example:${portOf(receiver.url)}/hooks/caseroom`);
    await hub.createCase({ team });

    // The second refusal is logged only after the first attempt was recorded and its retry came due.
    const refused = await log.until('two refused attempts', refusedAttempts(webhook.id, 2));
    const reason = 'hooks.crm.example resolves to 127.0.0.1, a loopback address; webhooks may only reach public addresses';
    expect(refused.map((e) => [e.level, e.error])).toEqual([
      [40, reason],
      [40, reason],
    ]);
    expect(log.entries.filter((e) => e.webhookId === webhook.id && e.level >= 50)).toEqual([]);
    const failed = await failedDeliveries(hub.url, sue, webhook.id);
    expect(failed.slice(-2)).toMatchObject([
      { attempt: 2, outcome: 'failed', status: null, error: reason, type: 'case.created' },
      { attempt: 1, outcome: 'failed', status: null, error: reason, type: 'case.created' },
    ]);
    // The receiver really listens on 127.0.0.1: had the hub connected, it would have been called.
    expect(receiver.received).toEqual([]);
  });

  it('refuses at delivery a name with any inside address among its public ones', async () => {
    const team = freshTeam();
    const sue = supervisorOf(team);
    const webhook = await register(hub.url, sue, 'http://mixed.crm.example/hooks/caseroom');
    await hub.createCase({ team });
    await log.until('a refused attempt', refusedAttempts(webhook.id, 1));
    const [first] = (await failedDeliveries(hub.url, sue, webhook.id)).slice(-1);
    expect(first).toMatchObject({
      attempt: 1,
      status: null,
      error: 'mixed.crm.example resolves to 10.0.0.7, a private address; webhooks may only reach public addresses',
    });
  });
});

describe('webhook targets on a hub that was told to allow private ones', () => {
  it('refuses at delivery a webhook registered while they were allowed, once they no longer are', async () => {
    const dataDir = tempDataDir();
    const team = freshTeam();
    const sue = supervisorOf(team);
    const receiver = await startReceiver();
    const lenient = await startTestHub({ ...retryEnv, CASEROOM_WEBHOOK_ALLOW_PRIVATE: '1' }, dataDir);
    let webhook: Webhook;
    try {
      webhook = await register(lenient.url, sue, receiver.url);
    } finally {
      await lenient.stop({ keepData: true });
    }

    const log = capturedLog();
    const strict = await startTestHub(retryEnv, dataDir, { log: log.logger });
    try {
      await strict.createCase({ team });
      await log.until('a refused attempt', refusedAttempts(webhook.id, 1));
      const [first] = (await failedDeliveries(strict.url, sue, webhook.id)).slice(-1);
      expect(first).toMatchObject({
        attempt: 1,
        status: null,
        error: '127.0.0.1 is a loopback address; webhooks may only reach public addresses',
      });
      expect(receiver.received).toEqual([]);
    } finally {
      await strict.stop();
    }
  });

  it('delivers to loopback, by address and by a name that resolves there, and warns that it will', async () => {
    const log = capturedLog();
    const lenient = await startTestHub({ ...retryEnv, CASEROOM_WEBHOOK_ALLOW_PRIVATE: '1' }, tempDataDir(), {
      log: log.logger,
      resolveHost: dns,
    });
    try {
      expect(log.entries.filter((e) => String(e.msg).includes('CASEROOM_WEBHOOK_ALLOW_PRIVATE is on')).map((e) => e.level)).toEqual([40]);
      const team = freshTeam();
      const sue = supervisorOf(team);
      const receiver = await startReceiver();
      const port = portOf(receiver.url);
      for (const url of ['http://127.0.0.1:', 'http://localhost:', 'http://hooks.crm.example:'].map((host) => `${host}${port}/hooks`))
        await register(lenient.url, sue, url);
      const caseId = await lenient.createCase({ team });

      const created = await receiver.until(
        'the case from all three webhooks',
        (received) => received.filter((d) => d.event.type === 'case.created').length >= 3 && received,
      );
      expect(created.every((d) => d.event.caseId === caseId && d.answer === 200)).toBe(true);
      // `hooks.crm.example` exists only in the hub's resolver: reaching the receiver through it
      // shows the connection went to the address the lookup gave.
      expect(created.map((d) => d.headers.host).sort()).toEqual(
        [`127.0.0.1:${port}`, `hooks.crm.example:${port}`, `localhost:${port}`].sort(),
      );
    } finally {
      await lenient.stop();
    }
  });
});

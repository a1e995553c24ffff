/**
 * Webhooks: case events POSTed to a bot's URL, signed, in order, at least once. Every test runs a
 * real receiver on 127.0.0.1:0 and waits for its requests, never for time to pass.
 */
import { createHmac } from 'node:crypto';
import type { CaseEvent, Identity, Webhook, WebhookDelivery } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryDelay } from '../../server/src/events/WebhookFollower.js';
import { connectClient } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { createCaseOver, mintToken, startTestHub, tempDataDir, type TestHub } from '../helpers/hub.js';
import { agentOf, supervisorOf } from '../helpers/people.js';
import { startReceiver, type ReceivedDelivery } from '../helpers/webhookReceiver.js';

/**
 * Small backoff so retries happen within a test; the doubling and the cap are still visible. The
 * receivers listen on loopback, which webhooks may reach only with the allow flag.
 */
const retryEnv = { CASEROOM_WEBHOOK_RETRY_BASE_MS: '20', CASEROOM_WEBHOOK_RETRY_MAX_MS: '200', CASEROOM_WEBHOOK_ALLOW_PRIVATE: '1' };

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub(retryEnv);
});
afterAll(() => hub.stop());

let teamCounter = 0;
/** Each test gets a team of its own, so webhooks of other tests never see its cases. */
const freshTeam = () => `team-${process.pid}-${++teamCounter}`;

interface Registered {
  webhook: Webhook;
  secret: string;
}

async function register(hubUrl: string, who: Identity, body: Record<string, unknown>): Promise<Registered> {
  const res = await api(hubUrl, '/api/webhooks', { token: await mintToken(who), body });
  if (res.status !== 201) throw new Error(`registering the webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Registered;
}

async function deliveries(hubUrl: string, who: Identity, webhookId: string, query = ''): Promise<WebhookDelivery[]> {
  const res = await api(hubUrl, `/api/webhooks/${webhookId}/deliveries${query}`, { token: await mintToken(who) });
  expect(res.status).toBe(200);
  return res.body.deliveries as WebhookDelivery[];
}

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const receivedWhere = (accept: (event: CaseEvent) => boolean) => (received: ReceivedDelivery[]) => received.find((d) => accept(d.event));

describe('webhooks', () => {
  it('POSTs every case event of the team, signed with the secret, in order per case', async () => {
    const team = freshTeam();
    const sue = supervisorOf(team);
    const receiver = await startReceiver();
    const { webhook, secret } = await register(hub.url, sue, { url: receiver.url });
    expect(webhook).toMatchObject({ url: receiver.url, types: null, team, createdBy: sue.userId });
    expect(secret).toMatch(/^[0-9a-f]{64}$/);

    await createCaseOver(hub.url, { team: freshTeam() }); // another team's case: not for this webhook
    const caseId = await hub.createCase({ team });
    const session = connectClient(hub.url, await mintToken(agentOf(team))).openCase(caseId);
    await session.synced;
    await session.claim();
    session.facts.record('order number', 'A-1001');

    const factAt = await receiver.until(
      'the fact to be delivered',
      (received) => received.findIndex((d) => d.event.type === 'fact.recorded') + 1 || undefined,
    );
    const delivered = receiver.received.slice(0, factAt);
    expect(delivered.every((d) => d.event.caseId === caseId)).toBe(true);
    expect(delivered.map((d) => d.event.type).filter((type) => type !== 'member.joined')).toEqual([
      'case.created',
      'owner.claimed',
      'fact.recorded',
    ]);
    expect(delivered.map((d) => d.event.seq)).toEqual(delivered.map((_, i) => i + 1));
    expect(delivered.at(-1)!.event.data).toMatchObject({ question: 'order number', answer: 'A-1001' });

    // The bodies are the case's events exactly as the event log holds them.
    const log = await api(hub.url, `/api/cases/${caseId}/events`, { token: await mintToken(sue) });
    expect(delivered.map((d) => d.event)).toEqual((log.body.events as CaseEvent[]).slice(0, factAt));

    for (const { headers, body, event } of delivered) {
      expect(headers['content-type']).toBe('application/json');
      expect(headers['x-caseroom-event']).toBe(event.type);
      expect(headers['x-caseroom-signature']).toBe(sign(secret, body));
      expect(headers['x-caseroom-signature']).not.toBe(sign('some other secret', body));
    }
    const deliveryIds = delivered.map((d) => d.headers['x-caseroom-delivery']);
    expect(new Set(deliveryIds).size).toBe(delivered.length);
  });

  it('signs with a secret the supervisor chose', async () => {
    const team = freshTeam();
    const receiver = await startReceiver();
    const secret = 'a-secret-we-share-with-the-crm';
    const registered = await register(hub.url, supervisorOf(team), { url: receiver.url, secret });
    expect(registered.secret).toBe(secret);
    await hub.createCase({ team });
    const [first] = await receiver.until('the first delivery', (received) => received.length > 0 && received);
    expect(first!.headers['x-caseroom-signature']).toBe(sign(secret, first!.body));
  });

  it('retries a refused delivery with growing waits until the receiver takes it, and lists the failed attempts', async () => {
    const team = freshTeam();
    const sue = supervisorOf(team);
    const receiver = await startReceiver();
    const answers = [500, 500];
    receiver.answer = () => answers.shift() ?? 200;
    const { webhook } = await register(hub.url, sue, { url: receiver.url });
    const caseId = await hub.createCase({ team });

    const attempts = await receiver.until('the third attempt', (received) => received.length >= 3 && received.slice(0, 3));
    expect(attempts.map((d) => d.answer)).toEqual([500, 500, 200]);
    expect(attempts.map((d) => d.event.type)).toEqual(['case.created', 'case.created', 'case.created']);
    expect(new Set(attempts.map((d) => d.body)).size).toBe(1);
    expect(new Set(attempts.map((d) => d.headers['x-caseroom-delivery'])).size).toBe(3);

    const failed = await deliveries(hub.url, sue, webhook.id, '?status=failed');
    expect(failed).toHaveLength(2);
    const eventId = attempts[0]!.event.id;
    // Newest first; each failure names when the event is tried next: 20 ms, then 40 ms later.
    expect(failed).toMatchObject([
      { webhookId: webhook.id, eventId, caseId, type: 'case.created', attempt: 2, outcome: 'failed', status: 500, error: null },
      { webhookId: webhook.id, eventId, caseId, type: 'case.created', attempt: 1, outcome: 'failed', status: 500, error: null },
    ]);
    expect(failed.map((d) => Date.parse(d.nextAttemptAt!) - Date.parse(d.at))).toEqual([40, 20]);
    expect(failed.map((d) => d.id)).toEqual([attempts[1]!.headers['x-caseroom-delivery'], attempts[0]!.headers['x-caseroom-delivery']]);

    // The next event goes out only after the first was delivered and logged.
    const nextCase = await hub.createCase({ team });
    await receiver.until(
      'the next case to be delivered',
      receivedWhere((e) => e.caseId === nextCase),
    );
    const delivered = await deliveries(hub.url, sue, webhook.id, '?status=delivered');
    expect(delivered.find((d) => d.eventId === eventId)).toMatchObject({
      attempt: 3,
      outcome: 'delivered',
      status: 200,
      error: null,
      nextAttemptAt: null,
    });
    const all = (await deliveries(hub.url, sue, webhook.id)).filter((d) => d.eventId === eventId);
    expect(all.map((d) => [d.attempt, d.outcome])).toEqual([
      [3, 'delivered'],
      [2, 'failed'],
      [1, 'failed'],
    ]);
  });

  it('logs a receiver that drops the connection as a failed attempt with the reason, then retries', async () => {
    const team = freshTeam();
    const sue = supervisorOf(team);
    const receiver = await startReceiver();
    let dropped = false;
    receiver.answer = () => (dropped ? 200 : ((dropped = true), 'drop'));
    const { webhook } = await register(hub.url, sue, { url: receiver.url });
    await hub.createCase({ team });
    await receiver.until('the retry to be taken', (received) => received.some((d) => d.answer === 200));
    const [failed] = await deliveries(hub.url, sue, webhook.id, '?status=failed');
    expect(failed).toMatchObject({ attempt: 1, outcome: 'failed', status: null });
    expect(failed!.error).toEqual(expect.any(String));
    expect(failed!.error!.length).toBeGreaterThan(0);
  });

  it('delivers only the event types a webhook asked for', async () => {
    const team = freshTeam();
    const receiver = await startReceiver();
    const { webhook } = await register(hub.url, supervisorOf(team), { url: receiver.url, types: ['owner.claimed', 'case.status_changed'] });
    expect(webhook.types).toEqual(['owner.claimed', 'case.status_changed']);

    const caseId = await hub.createCase({ team });
    const session = connectClient(hub.url, await mintToken(agentOf(team))).openCase(caseId);
    await session.synced;
    await session.claim();
    session.facts.record('order number', 'A-1002');
    await session.resolve();

    // Delivery follows the log's order, so once the last event is in, every earlier one was weighed.
    await receiver.until(
      'the status change',
      receivedWhere((e) => e.type === 'case.status_changed'),
    );
    expect(receiver.received.map((d) => [d.event.caseId, d.event.type])).toEqual([
      [caseId, 'owner.claimed'],
      [caseId, 'case.status_changed'],
    ]);
  });

  it('lists webhooks without their secrets and stops delivering to a removed one', async () => {
    const team = freshTeam();
    const sue = supervisorOf(team);
    const token = await mintToken(sue);
    const receiver = await startReceiver();
    receiver.answer = () => 503;
    const { webhook, secret } = await register(hub.url, sue, { url: receiver.url });
    await hub.createCase({ team });
    await receiver.until('a refused attempt', (received) => received.length > 0);

    const listed = await api(hub.url, `/api/webhooks?team=${team}`, { token });
    expect(listed.status).toBe(200);
    expect(listed.body.webhooks).toEqual([webhook]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const removed = await api(hub.url, `/api/webhooks/${webhook.id}`, { method: 'DELETE', token });
    expect(removed).toEqual({ status: 200, body: { ok: true } });
    expect((await api(hub.url, `/api/webhooks?team=${team}`, { token })).body.webhooks).toEqual([]);
    const gone = await api(hub.url, `/api/webhooks/${webhook.id}/deliveries`, { token });
    expect([gone.status, gone.body.error?.code]).toEqual([404, 'unknown_webhook']);
    const again = await api(hub.url, `/api/webhooks/${webhook.id}`, { method: 'DELETE', token });
    expect([again.status, again.body.error?.code]).toEqual([404, 'unknown_webhook']);
  });

  it('cuts short an attempt the receiver sits on when the webhook is removed or the hub stops', async () => {
    // A receiver that never answers and a timeout longer than the test: only aborting ends these attempts.
    const patient = await startTestHub({ ...retryEnv, CASEROOM_WEBHOOK_TIMEOUT_MS: '3600000' });
    try {
      const team = freshTeam();
      const sue = supervisorOf(team);
      const receiver = await startReceiver();
      receiver.answer = () => 'hold';
      const removed = await register(patient.url, sue, { url: receiver.url });
      await register(patient.url, sue, { url: receiver.url });
      await patient.createCase({ team });
      // `stop` below would hang on the other one if the hub left it running.
      await receiver.until('both webhooks to be sitting on an attempt', (received) => received.length >= 2);

      const res = await api(patient.url, `/api/webhooks/${removed.webhook.id}`, { method: 'DELETE', token: await mintToken(sue) });
      expect(res.status).toBe(200);
    } finally {
      await patient.stop();
    }
  });

  it('refuses non-supervisors, URLs that are not http(s), unknown event types and unknown webhooks', async () => {
    const team = freshTeam();
    const sue = await mintToken(supervisorOf(team));
    const ann = await mintToken(agentOf(team));
    const refusal = async (path: string, token: string, init: { method?: string; body?: unknown } = {}) => {
      const res = await api(hub.url, path, { token, ...init });
      return [res.status, res.body.error?.code, res.body.error?.field];
    };

    expect(await refusal('/api/webhooks', ann, { body: { url: 'https://bots.example/hook' } })).toEqual([
      403,
      'supervisor_only',
      undefined,
    ]);
    expect(await refusal('/api/webhooks', ann)).toEqual([403, 'supervisor_only', undefined]);
    expect(await refusal('/api/webhooks', sue, { body: { url: 'ftp://x' } })).toEqual([400, 'invalid_url', 'url']);
    expect(await refusal('/api/webhooks', sue, { body: { url: 'not a url' } })).toEqual([400, 'invalid_url', 'url']);
    expect(await refusal('/api/webhooks', sue, { body: { url: 'https://bots.example/hook', types: ['case.exploded'] } })).toEqual([
      400,
      'invalid_filter',
      'types',
    ]);
    expect(await refusal('/api/webhooks', sue, { body: { url: 'https://bots.example/hook', secret: 'short' } })).toEqual([
      400,
      'invalid_payload',
      'secret',
    ]);
    expect(await refusal('/api/webhooks/no-such-hook', sue, { method: 'DELETE' })).toEqual([404, 'unknown_webhook', undefined]);
    expect(await refusal('/api/webhooks/no-such-hook/deliveries', sue)).toEqual([404, 'unknown_webhook', undefined]);
    expect(await refusal('/api/webhooks/no-such-hook/deliveries', ann)).toEqual([403, 'supervisor_only', undefined]);
    expect((await api(hub.url, '/api/webhooks', { token: sue })).status).toBe(200);
  });

  it('resumes after a hub restart where it left off, with the events that happened while the receiver was down', async () => {
    const dataDir = tempDataDir();
    const team = freshTeam();
    const sue = supervisorOf(team);
    const receiver = await startReceiver();
    let first: TestHub | undefined = await startTestHub(retryEnv, dataDir);
    let second: TestHub | undefined;
    try {
      const { webhook } = await register(first.url, sue, { url: receiver.url });
      const caseA = await createCaseOver(first.url, { team });
      await receiver.until(
        'case A',
        receivedWhere((e) => e.caseId === caseA),
      );

      receiver.answer = () => 503;
      const caseB = await createCaseOver(first.url, { team });
      const caseC = await createCaseOver(first.url, { team });
      // A second attempt follows only once the first failure is logged: the stop below cannot lose it.
      await receiver.until(
        'two refused attempts at case B',
        (received) => received.filter((d) => d.event.caseId === caseB && d.answer === 503).length >= 2,
      );
      await first.stop({ keepData: true });
      first = undefined;

      receiver.answer = () => 200;
      second = await startTestHub(retryEnv, dataDir);
      await receiver.until(
        'case C after the restart',
        receivedWhere((e) => e.caseId === caseC),
      );
      // C goes out only once B is delivered and logged; a fourth case proves the same of C.
      const caseD = await createCaseOver(second.url, { team });
      await receiver.until(
        'case D',
        receivedWhere((e) => e.caseId === caseD),
      );

      const failedB = (await deliveries(second.url, sue, webhook.id, '?status=failed')).filter((d) => d.caseId === caseB);
      expect(failedB.length).toBeGreaterThan(0);
      const delivered = (await deliveries(second.url, sue, webhook.id, '?status=delivered')).filter((d) => d.caseId !== caseD);
      expect(delivered).toMatchObject([
        { caseId: caseC, attempt: 1, status: 200 },
        { caseId: caseB, attempt: failedB.length + 1, status: 200 },
        { caseId: caseA, attempt: 1, status: 200 },
      ]);
      // What the receiver took, matched to the attempts the hubs logged as delivered: each case
      // once, in order. (An attempt the stopping hub cut short is not logged, so it cannot count.)
      const loggedIds = new Set(delivered.map((d) => d.id));
      const taken = receiver.received.filter((d) => loggedIds.has(String(d.headers['x-caseroom-delivery'])));
      expect(taken.map((d) => [d.event.caseId, d.answer])).toEqual([
        [caseA, 200],
        [caseB, 200],
        [caseC, 200],
      ]);
      expect(receiver.received.some((d) => d.event.caseId === caseA && d !== taken[0])).toBe(false);
    } finally {
      await first?.stop({ keepData: true });
      await second?.stop();
    }
  });
});

describe('webhook retry waits', () => {
  it('double from the base with every failure of the same event, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 60].map((failures) => retryDelay(failures, 1000, 300_000))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 300_000,
    ]);
    expect(retryDelay(4, 20, 100)).toBe(100);
  });
});

/**
 * `/metrics` speaks Prometheus: after some traffic the counters, histograms and gauges an operator
 * watches have moved. Each hub has its own registry, so hubs in one process do not mix.
 */
import type { CaseEvent } from '@caseroom/client';
import { encodeUpdate } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBot } from '../helpers/bots.js';
import { openCaseAs } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { api } from '../helpers/http.js';
import { scrape, valueOf, type Sample } from '../helpers/metrics.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { waitForDoc } from '../helpers/wait.js';
import { connectProvider, providerSynced } from '../helpers/yjs.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((total, s) => total + s.value, 0);

describe('/metrics', () => {
  it('counts connections, open cases, updates, store writes, fan-out, ownership and approvals', async () => {
    const before = await scrape(hub.url);
    const caseId = await hub.createCase();
    const { session: ann } = await openCaseAs(hub.url, caseId, people.ann);
    const { session: bob } = await openCaseAs(hub.url, caseId, people.bob);
    const provider = connectProvider(hub.url, caseId, await hub.token(people.yan));
    await providerSynced(provider);
    // One at a time: edits made together would reach the hub as one merged update.
    for (let i = 0; i < 5; i++) {
      ann.notes.insert(ann.notes.length, `edit ${i}. `);
      await ann.flushed();
    }
    await waitForDoc(bob.doc, 'bob to see the edits', () => bob.notes.toString() === ann.notes.toString());
    await ann.claim();
    const customerWrote = await api(hub.url, `/api/cases/${caseId}/messages`, {
      token: await hub.token(people.chatConnector),
      body: { direction: 'in', channel: 'chat', body: 'Charged twice', externalId: 'chat-metrics-1' },
    });
    expect(customerWrote.status).toBe(201);
    await bob.requestApproval({ kind: 'refund', summary: 'Refund the duplicate charge', amount: 20, currency: 'EUR' });
    const mallory = new RawParticipant(await connected(rawSocket(hub.url, await hub.token(people.mallory))), caseId);
    await mallory.join();
    expect(await mallory.socket.emitWithAck('doc:sync', caseId, encodeUpdate(new Uint8Array([1, 2, 3, 4])))).toMatchObject({ ok: false });

    const after = await scrape(hub.url);
    const moved = (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);
    expect(valueOf(after, 'caseroom_connections', { transport: 'socket.io' })).toBeGreaterThanOrEqual(3);
    expect(valueOf(after, 'caseroom_connections', { transport: 'y-websocket' })).toBe(1);
    expect(valueOf(after, 'caseroom_open_cases')).toBeGreaterThanOrEqual(1);
    expect(moved('caseroom_updates_received_total', { transport: 'socket.io' })).toBeGreaterThanOrEqual(5);
    expect(moved('caseroom_updates_relayed_total', { source: 'local' })).toBeGreaterThanOrEqual(5);
    expect(moved('caseroom_store_write_seconds_count')).toBeGreaterThanOrEqual(5);
    expect(moved('caseroom_fanout_seconds_count')).toBeGreaterThanOrEqual(5);
    expect(moved('caseroom_store_write_seconds_bucket', { le: '+Inf' })).toBe(moved('caseroom_store_write_seconds_count'));
    expect(moved('caseroom_ownership_changes_total', { kind: 'claimed' })).toBe(1);
    expect(moved('caseroom_approval_changes_total', { kind: 'requested' })).toBe(1);
    expect(moved('caseroom_conversation_messages_total', { direction: 'in', kind: 'message', channel: 'chat' })).toBe(1);
    expect(moved('caseroom_refused_messages_total', { transport: 'socket.io', code: 'malformed_message' })).toBe(1);
    expect(valueOf(after, 'caseroom_store_up', { store: hub.store.kind })).toBe(1);
    // Only a hub on Redis (cluster mode) has a bus to other nodes.
    expect(valueOf(after, 'caseroom_cluster_bus_up')).toBe(hub.store.kind === 'redis' ? 1 : undefined);
    // Default process metrics, under the same prefix.
    expect(valueOf(after, 'caseroom_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(after, 'caseroom_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('shows how far behind a bot subscription is while the bot holds a batch', async () => {
    const caseId = await hub.createCase();
    const bot = await connectBot(hub.url, people.qaBot);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let handed: (event: CaseEvent) => void = () => undefined;
    const first = new Promise<CaseEvent>((resolve) => (handed = resolve));
    const subscription = bot.subscribe({ cases: [caseId] }, async (event) => {
      handed(event);
      await held;
    });
    await subscription.ready;
    const { session: ann } = await openCaseAs(hub.url, caseId, people.ann);
    await ann.claim();
    const firstAt = (await first).at;
    const atLeast = (Date.now() - Date.parse(firstAt)) / 1000;
    const lag = valueOf(await scrape(hub.url), 'caseroom_event_subscription_lag_seconds', { user: people.qaBot.userId });
    expect(lag).toBeGreaterThanOrEqual(atLeast - 0.001);
    release();
  });

  it('keeps the metrics of two hubs in one process apart', async () => {
    const other = await startTestHub();
    try {
      const caseId = await other.createCase();
      const before = sum(await scrape(hub.url), 'caseroom_updates_received_total');
      const { session } = await openCaseAs(other.url, caseId, people.ann);
      session.notes.insert(0, 'only on the other hub');
      await session.flushed();
      expect(sum(await scrape(other.url), 'caseroom_updates_received_total')).toBeGreaterThanOrEqual(1);
      expect(sum(await scrape(hub.url), 'caseroom_updates_received_total')).toBe(before);
    } finally {
      await other.stop();
    }
  });

  it('answers only a scraper with the right bearer token when CASEROOM_METRICS_TOKEN is set', async () => {
    const metricsToken = 'metrics-scraper-secret-0123';
    const guarded = await startTestHub({ CASEROOM_METRICS_TOKEN: metricsToken });
    try {
      for (const authorization of [undefined, 'Bearer wrong-token-of-some-size', `Basic ${metricsToken}`, `Bearer ${metricsToken}x`]) {
        const res = await fetch(`${guarded.url}/metrics`, authorization ? { headers: { authorization } } : {});
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
      }
      const res = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('caseroom_connections');
    } finally {
      await guarded.stop();
    }
  });
});

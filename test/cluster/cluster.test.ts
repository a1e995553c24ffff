/**
 * Cluster mode with real processes: several hub nodes on one Redis (a Redis of the test's own),
 * clients on different nodes, and the faults an operator will meet: a node killed with SIGKILL,
 * Redis restarted, a node added while the others run.
 */
import { describe, expect, it } from 'vitest';
import type { CaseSession } from '@caseroom/client';
import { Collector, connectBot } from '../helpers/bots.js';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { startBalancer, startCluster, startRedis } from '../helpers/cluster.js';
import { createCaseOver, mintToken } from '../helpers/hub.js';
import { pollUntil, waitForDoc } from '../helpers/wait.js';
import { waitForSession } from '../helpers/session.js';
import { agentNumber, ann, sam } from '../helpers/people.js';
import { scrape, valueOf } from '../helpers/metrics.js';

describe('several hub nodes on one Redis', () => {
  it('lets clients on different nodes co-edit one case and converge', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url);
    const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const caseId = await createCaseOver(one.url);
    const a = (await openCaseAs(one.url, caseId, ann)).session;
    const b = (await openCaseAs(two.url, caseId, sam)).session;
    a.notes.insert(0, 'Ann on node one. ');
    b.notes.insert(0, 'Sam on node two. ');
    a.facts.record('order number', 'A-1');
    b.steps.add({ text: 'check the courier' });
    const same = (): boolean => a.notes.toString() === b.notes.toString() && b.facts.has('order number') && a.steps.list().length === 1;
    await waitForDoc([a.doc, b.doc], 'both nodes’ clients to converge', same);
    expect(a.notes.toString()).toContain('Ann on node one.');
    expect(a.notes.toString()).toContain('Sam on node two.');
    // Everyone sees one roster across the nodes.
    await waitForSession(a, 'roster', 'sam on ann’s roster', (s) => s.roster.some((m) => m.userId === 'sam'));
  });

  it('gives a case to exactly one of 50 claims spread over 3 nodes', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(3, redis.url);
    const caseId = await createCaseOver(cluster.nodes[0]!.url);
    const sessions: CaseSession[] = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const node = cluster.nodes[i % 3]!;
        return (await openCaseAs(node.url, caseId, agentNumber(i))).session;
      }),
    );
    const results = await Promise.allSettled(sessions.map((s) => s.claim()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refusals = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => (r.reason as { code: string }).code);
    expect(refusals).toEqual(Array.from({ length: 49 }, () => 'already_owned'));
    await Promise.all(sessions.map((s) => waitForSession(s, 'owner', 'the winner on every node', (x) => x.ownership.epoch === 1)));
    expect(new Set(sessions.map((s) => s.owner?.userId)).size).toBe(1);
  });

  it('drops the people of a node that dies from every roster, and keeps its owner', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url, { CASEROOM_PRESENCE_HEARTBEAT_MS: '1000' });
    const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const caseId = await createCaseOver(one.url);
    const owner = (await openCaseAs(one.url, caseId, ann)).session;
    await owner.claim();
    const watcher = (await openCaseAs(two.url, caseId, sam)).session;
    await waitForSession(watcher, 'roster', 'ann on the roster', (s) => s.roster.some((m) => m.userId === 'ann'));
    await one.kill('SIGKILL');
    await waitForSession(watcher, 'roster', 'ann to leave the roster', (s) => !s.roster.some((m) => m.userId === 'ann'));
    expect(watcher.owner).toMatchObject({ userId: 'ann', online: false });
  });

  it('keeps every acknowledged edit when a node is killed while its clients type, and they carry on on another node', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url);
    const live = new Set(cluster.nodes.map((n) => n.port));
    const balancer = await startBalancer(() => [...live]);
    const caseId = await createCaseOver(cluster.nodes[0]!.url);
    // Both typists land on the node the balancer picks; the watcher sits on the other node too.
    const typist = connectClient(balancer.url, await mintToken(ann)).openCase(caseId);
    await typist.synced;
    for (let i = 0; i < 50; i++) typist.notes.insert(typist.notes.length, `${i},`);
    await typist.flushed();
    const acknowledged = typist.notes.toString();

    for (const node of cluster.nodes) {
      node.kill('SIGKILL').catch(() => undefined);
      live.delete(node.port);
      break;
    }
    // Typed while its node is dead and before it reconnects: not acknowledged yet.
    for (let i = 50; i < 60; i++) typist.notes.insert(typist.notes.length, `${i},`);
    await waitForSession(typist, 'status', 'the typist to resync on the surviving node', (s) => s.status === 'synced');
    await typist.flushed();

    const survivor = cluster.nodes.find((n) => live.has(n.port))!;
    const reader = (await openCaseAs(survivor.url, caseId, sam)).session;
    const expected = Array.from({ length: 60 }, (_, i) => `${i},`).join('');
    await waitForDoc(reader.doc, 'every edit on the surviving node', () => reader.notes.toString() === expected);
    expect(reader.notes.toString().startsWith(acknowledged)).toBe(true);
  });

  it('reports not ready while Redis is down, recovers by itself, and loses no acknowledged edit', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url);
    const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const caseId = await createCaseOver(one.url);
    const a = (await openCaseAs(one.url, caseId, ann)).session;
    a.notes.insert(0, 'before the outage. ');
    await a.flushed();

    await redis.stop();
    for (const node of [one, two]) {
      await pollUntil('the node to report not ready', async () => (await fetch(`${node.url}/readyz`)).status === 503);
    }
    // What an operator's dashboard shows meanwhile.
    await pollUntil('the metrics to show Redis down', async () => {
      const samples = await scrape(one.url);
      return valueOf(samples, 'caseroom_store_up', { store: 'redis' }) === 0 && valueOf(samples, 'caseroom_cluster_bus_up') === 0;
    });
    await redis.start();
    for (const node of [one, two]) {
      await pollUntil('the node to be ready again', async () => (await fetch(`${node.url}/readyz`)).status === 200);
    }
    await pollUntil('the bus to be back', async () => valueOf(await scrape(one.url), 'caseroom_cluster_bus_up') === 1);
    expect(valueOf(await scrape(one.url), 'caseroom_store_up', { store: 'redis' })).toBe(1);
    a.notes.insert(a.notes.length, 'after the outage.');
    await a.flushed();
    const b = (await openCaseAs(two.url, caseId, sam)).session;
    await waitForDoc(b.doc, 'both edits on the other node', () => b.notes.toString() === 'before the outage. after the outage.');
  });

  it('wakes a bot on one node for events stored by another', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url);
    const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const bot = await connectBot(two.url);
    const seen = new Collector(bot, { cases: 'team', types: ['case.created', 'owner.claimed'] });
    await seen.subscription.ready;
    const caseId = await createCaseOver(one.url);
    await (await openCaseAs(one.url, caseId, ann)).session.claim();
    await seen.until('both events from node one', (events) => events.length === 2);
    expect(seen.events.map((e) => [e.type, e.caseId, e.seq])).toEqual([
      ['case.created', caseId, 1],
      ['owner.claimed', caseId, 3],
    ]);
  });

  it('wakes a team feed on one node only for its team’s events stored on another, and delivers each of them once, in order', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url);
    const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const bot = await connectBot(two.url);
    const seen = new Collector(bot, { cases: 'team', types: ['case.created'] });
    await seen.subscription.ready;
    const reads = async (): Promise<number> => valueOf(await scrape(two.url), 'caseroom_event_subscription_reads_total') ?? 0;
    const before = await reads();
    const ours: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 3; j++) await createCaseOver(one.url, { team: 'shipping' });
      ours.push(await createCaseOver(one.url));
    }
    await seen.until('our ten cases from node one', (events) => events.length >= 10);
    expect(seen.events.map((e) => e.caseId)).toEqual(ours);
    // Each of our ten writes wakes the feed (a read that finds the case and one that finds nothing
    // more, fewer when wakes meet), plus its first read; the thirty other writes wake nothing.
    expect((await reads()) - before).toBeLessThanOrEqual(21);
  });

  it('lets a node join while the others run', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url);
    const caseId = await createCaseOver(cluster.nodes[0]!.url);
    const a = (await openCaseAs(cluster.nodes[0]!.url, caseId, ann)).session;
    a.notes.insert(0, 'written before node three existed. ');
    await a.flushed();
    const three = await cluster.add('node-3');
    const c = (await openCaseAs(three.url, caseId, sam)).session;
    expect(c.notes.toString()).toBe('written before node three existed. ');
    c.notes.insert(c.notes.length, 'and from node three.');
    await waitForDoc(a.doc, 'node three’s edit on node one', () => a.notes.toString().endsWith('and from node three.'));
  });
});

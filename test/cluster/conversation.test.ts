/**
 * The conversation across hub nodes (real processes on one Redis): messages posted on one node
 * reach the room on the other in order, an external id stays one message whichever node it is
 * posted to, and the floor and "writing a reply" given on one node hold on the other.
 */
import { describe, expect, it } from 'vitest';
import { startCluster, startRedis } from '../helpers/cluster.js';
import { inboundPost, participant } from '../helpers/conversation.js';
import { createCaseOver } from '../helpers/hub.js';
import { ann, chatConnector, sam, sid } from '../helpers/people.js';

/** Two hub nodes on a Redis of the test's own, and a case Ann owns from node one. */
async function ownedOnTwoNodes() {
  const redis = await startRedis();
  const cluster = await startCluster(2, redis.url);
  const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const caseId = await createCaseOver(one.url);
  const owner = await participant(one.url, ann);
  await owner.join(caseId);
  expect((await owner.request('owner:claim', { caseId })).ok).toBe(true);
  return { one, two, caseId, owner };
}

describe('the conversation on several hub nodes', () => {
  it('delivers messages posted on one node to the room on another in order, and keeps external ids idempotent across nodes', async () => {
    const { one, two, caseId } = await ownedOnTwoNodes();
    const listener = await participant(two.url, sam);
    await listener.join(caseId);

    const connector = await participant(one.url, chatConnector);
    for (let i = 1; i <= 10; i++) expect((await connector.request('conversation:post', inboundPost(caseId, `line ${i}`))).ok).toBe(true);
    await listener.hears(10);
    expect(listener.heard.map((m) => [m.seq, m.body])).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1, `line ${i + 1}`]));

    // A channel retrying through the balancer reaches both nodes: one message.
    const elsewhere = await participant(two.url, chatConnector);
    const post = inboundPost(caseId, 'Are you there?');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? connector : elsewhere).request('conversation:post', post)),
    );
    expect(answers.filter((a) => a.ok && a.duplicate === false)).toHaveLength(1);
    expect(new Set(answers.map((a) => (a.message as { seq: number }).seq))).toEqual(new Set([11]));
    await listener.hears(11);
    // Each repeat is announced again (the first announcement may have been lost), always as message 11.
    const copies = listener.heard.filter((m) => m.seq === 11);
    for (const copy of copies) expect(copy).toEqual(copies[0]);
    expect(Math.max(...listener.heard.map((m) => m.seq))).toBe(11);
  });

  it('holds the floor and a reply in progress given on one node on the other', async () => {
    const { two, caseId, owner } = await ownedOnTwoNodes();
    const shipping = await participant(two.url, sid);
    await shipping.join(caseId);
    const connector = await participant(two.url, chatConnector);
    await connector.request('conversation:post', inboundPost(caseId, 'Where is my parcel?'));

    expect((await shipping.request('conversation:send', { caseId, body: 'Left today' })).error?.code).toBe('not_your_floor');
    // Sid is on node two's roster; node one sees him through the cluster's presence.
    expect(await owner.request('floor:give', { caseId, userId: 'sid' })).toMatchObject({ ok: true, floor: { holder: { userId: 'sid' } } });
    expect(await shipping.request('conversation:composing', { caseId, composing: true })).toMatchObject({ ok: true });
    expect((await owner.request('conversation:send', { caseId, body: 'Checking' })).error?.code).toBe('reply_in_progress');
    const sent = await shipping.request('conversation:send', { caseId, body: 'Your parcel left today' });
    expect(sent).toMatchObject({ ok: true, message: { seq: 2, author: { department: 'Shipping' } } });
    await owner.hears(2);
    expect((await owner.request('conversation:send', { caseId, body: 'Anything else?' })).ok).toBe(true);
  });
});

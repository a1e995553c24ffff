import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotClient, type CaseEvent, type CaseSession } from '@caseroom/client';
import type { Identity } from '@caseroom/shared';
import { Collector, connectBot } from '../helpers/bots.js';
import { openCaseAs } from '../helpers/clients.js';
import { startTestHub, tempDataDir, type TestHub } from '../helpers/hub.js';
import { refusalOf } from '../helpers/session.js';
import { waitFor, waitForDoc } from '../helpers/wait.js';
import { scrape, valueOf } from '../helpers/metrics.js';
import { ann, intakeBot } from '../helpers/people.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

const agentSession = async (caseId: string, url = hub.url): Promise<CaseSession> => (await openCaseAs(url, caseId, ann)).session;

describe('bot subscriptions', () => {
  it('replays exactly what a bot missed after its cursor, then streams live with no duplicate at the seam', async () => {
    const caseId = await hub.createCase();
    const session = await agentSession(caseId);
    const first = await connectBot(hub.url);
    const early = new Collector(first, { cases: [caseId], types: ['fact.recorded'], after: '0' });
    for (let i = 0; i < 5; i++) session.facts.record(`q${i}`, `a${i}`);
    await early.until('five facts', (events) => events.length === 5);
    const cursor = early.events[2]!.id; // the bot stored its cursor after the third fact
    await first.close();

    for (let i = 5; i < 8; i++) session.facts.record(`q${i}`, `a${i}`);
    const second = await connectBot(hub.url);
    const resumed = new Collector(second, { cases: [caseId], types: ['fact.recorded'], after: cursor });
    await resumed.subscription.ready;
    for (let i = 8; i < 10; i++) session.facts.record(`q${i}`, `a${i}`);
    await resumed.until('facts 3 to 9', (events) => events.length >= 7);
    expect(resumed.events.map((e) => e.data.question)).toEqual(['q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9']);
    expect(new Set(resumed.events.map((e) => e.id)).size).toBe(7);
  });

  it('sees each of 1,000 events exactly once, in order, across three bot restarts', async () => {
    const caseId = await hub.createCase();
    const session = await agentSession(caseId);
    const seen: CaseEvent[] = [];
    let cursor: string | undefined = '0';
    let restarts = 0;
    let bot: BotClient | undefined;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));

    const startBot = async (): Promise<void> => {
      bot = await connectBot(hub.url);
      bot.subscribe({ cases: [caseId], types: ['fact.recorded'], after: cursor }, async (event, eventCursor) => {
        seen.push(event);
        cursor = eventCursor; // what a real bot writes to its own storage
        if (seen.length === 1000) done();
        if (seen.length % 250 === 0 && restarts < 3) {
          restarts++;
          const dying = bot!;
          // Restart without waiting: events still in flight to the dying bot must not be handled.
          void dying.close().then(startBot);
        }
      });
    };
    await startBot();
    for (let i = 0; i < 1000; i++) session.facts.record(`question ${i}`, `answer ${i}`);
    await finished;
    await session.flushed();
    expect(restarts).toBe(3);
    expect(seen.map((e) => e.data.question)).toEqual(Array.from({ length: 1000 }, (_, i) => `question ${i}`));
    expect(seen.map((e) => e.seq)).toEqual([...seen.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it('resumes from its cursor after the hub restarts, missing nothing that happened meanwhile', async () => {
    const dataDir = tempDataDir();
    let server = await startTestHub({}, dataDir);
    const caseId = await server.createCase();
    let session = await agentSession(caseId, server.url);
    let bot = await connectBot(server.url);
    const before = new Collector(bot, { cases: [caseId], types: ['fact.recorded'], after: '0' });
    session.facts.record('before', 'restart');
    await before.until('the first fact', (events) => events.length === 1);
    const cursor = before.events[0]!.id; // the cursor the handler was given
    await bot.close();
    session.facts.record('while the bot', 'was down');
    await session.flushed();
    await server.stop({ keepData: true });

    server = await startTestHub({}, dataDir);
    try {
      session = await agentSession(caseId, server.url);
      bot = await connectBot(server.url);
      const after = new Collector(bot, { cases: [caseId], types: ['fact.recorded'], after: cursor });
      await after.subscription.ready;
      session.facts.record('after', 'restart');
      await after.until('two facts', (events) => events.length === 2);
      expect(after.events.map((e) => e.data.question)).toEqual(['while the bot', 'after']);
    } finally {
      await server.stop();
    }
  });

  it('replays the whole log from the first event with after: start, then streams live', async () => {
    const caseId = await hub.createCase();
    const session = await agentSession(caseId);
    await session.claim();
    session.facts.record('order number', 'A-1001');
    await session.flushed();
    const bot = await connectBot(hub.url);
    const seen = new Collector(bot, { cases: [caseId], after: 'start' });
    expect(await seen.subscription.ready).toBe(hub.store.events.beginning);
    await seen.until('the fact', (events) => events.some((e) => e.type === 'fact.recorded'));
    session.facts.record('preferred channel', 'e-mail');
    await seen.until('the live fact', (events) => events.filter((e) => e.type === 'fact.recorded').length === 2);
    const stored = await hub.store.events.forCase(caseId, 0, 100);
    expect(stored[0]!.type).toBe('case.created');
    expect(seen.events.map((e) => e.id)).toEqual(stored.slice(0, seen.events.length).map((e) => e.id));
    expect(seen.events.map((e) => e.seq)).toEqual(Array.from({ length: seen.events.length }, (_, i) => i + 1));
  });

  it('follows every case of its team with cases: team, and no other team’s', async () => {
    const bot = await connectBot(hub.url);
    const seen = new Collector(bot, { cases: 'team', types: ['case.created'] });
    await seen.subscription.ready;
    const ours = await hub.createCase();
    const theirs = await hub.createCase({ team: 'shipping' });
    const alsoOurs = await hub.createCase();
    await seen.until('two of our cases', (events) => events.some((e) => e.caseId === alsoOurs));
    expect(seen.events.map((e) => e.caseId)).toEqual([ours, alsoOurs]);
    expect(seen.events.map((e) => e.caseId)).not.toContain(theirs);
  });

  it('does not read the log for a team feed when only other teams’ events are stored, and still gets each of its own once, in order', async () => {
    const bot = await connectBot(hub.url);
    const seen = new Collector(bot, { cases: 'team', types: ['case.created'] });
    await seen.subscription.ready;
    const reads = async (): Promise<number> => valueOf(await scrape(hub.url), 'caseroom_event_subscription_reads_total') ?? 0;
    const before = await reads();
    for (let i = 0; i < 20; i++) await hub.createCase({ team: 'shipping' });
    // At most the read the subscription starts with, if it had not yet made it.
    expect((await reads()) - before).toBeLessThanOrEqual(1);

    const ours: string[] = [];
    for (let i = 0; i < 10; i++) {
      ours.push(await hub.createCase());
      await hub.createCase({ team: 'shipping' });
      await hub.createCase({ team: 'shipping' });
    }
    await seen.until('our ten cases', (events) => events.length >= 10);
    expect(seen.events.map((e) => e.caseId)).toEqual(ours);
  });
});

describe('bots in the case', () => {
  it('lets a bot add a step and record a fact, attributed to the bot, but never own or approve', async () => {
    const caseId = await hub.createCase();
    const agent = await agentSession(caseId);
    const bot = await connectBot(hub.url);
    const watch = new Collector(bot, { cases: [caseId], types: ['step.added', 'fact.recorded'] });
    await watch.subscription.ready;
    const inCase = bot.openCase(caseId);
    await inCase.synced;
    inCase.steps.add({ text: 'Send the refund confirmation e-mail' });
    inCase.facts.record('preferred channel', 'e-mail');
    await waitForDoc(agent.doc, 'the bot’s step and fact', () => agent.steps.list().length === 1 && agent.facts.has('preferred channel'));
    await watch.until('both events', (events) => events.length === 2);
    expect(watch.events.map((e) => [e.type, e.actor?.userId, e.actor?.role])).toEqual([
      ['step.added', 'intake-bot', 'bot'],
      ['fact.recorded', 'intake-bot', 'bot'],
    ]);
    expect(await refusalOf(inCase.claim())).toBe('cannot_own');
    const approval = await agent.requestApproval({ kind: 'refund', summary: 'Refund 5', amount: 5, currency: 'EUR' });
    expect(await refusalOf(bot.approve(approval.id))).toBe('bots_cannot_decide');
  });
});

describe('refused subscriptions', () => {
  async function refusal(filter: object, who: Identity = intakeBot): Promise<string | undefined> {
    const bot = await connectBot(hub.url, who);
    await waitFor(
      'the bot to connect',
      (check) => bot.on('status', check),
      () => bot.status === 'connected' || undefined,
    );
    const answer = (await bot.socket.emitWithAck('events:subscribe', filter as never)) as { ok: boolean; error?: { code: string } };
    return answer.ok ? undefined : answer.error?.code;
  }

  it('refuses a cursor from the future or not of ours with invalid_cursor', async () => {
    expect(await refusal({ after: '99999999' })).toBe('invalid_cursor');
    expect(await refusal({ after: 'yesterday' })).toBe('invalid_cursor');
  });

  it('refuses a cursor that is not a string with invalid_cursor, and subscribes nothing, rather than starting from now', async () => {
    const who = { ...intakeBot, userId: 'bot-with-a-numeric-cursor' };
    for (const after of [0, true, {}, '']) expect(await refusal({ after }, who)).toBe('invalid_cursor');
    const bot = await connectBot(hub.url, who);
    const handled: CaseEvent[] = [];
    const subscription = bot.subscribe({ after: 0 as unknown as string }, (event) => void handled.push(event));
    expect(await refusalOf(subscription.ready)).toBe('invalid_cursor');
    await hub.createCase();
    const subscribed = (await scrape(hub.url)).filter(
      (s) => s.name === 'caseroom_event_subscription_lag_seconds' && s.labels.user === who.userId,
    );
    expect(subscribed).toEqual([]);
    expect(handled).toEqual([]);
  });

  it('refuses a malformed filter with invalid_filter', async () => {
    expect(await refusal({ types: ['case.exploded'] })).toBe('invalid_filter');
    expect(await refusal({ cases: 'everything' })).toBe('invalid_filter');
    expect(await refusal({ cases: [] })).toBe('invalid_filter');
  });

  it('refuses what lies outside the token’s scope with out_of_scope', async () => {
    const theirs = await hub.createCase({ team: 'shipping' });
    expect(await refusal({ cases: [theirs] })).toBe('out_of_scope');
    expect(await refusal({ cases: ['no-such-case'] })).toBe('out_of_scope');
    expect(await refusal({ types: ['approval.approved'] }, { ...intakeBot, eventTypes: ['fact.recorded'] })).toBe('out_of_scope');
    expect(await refusal({ types: ['fact.recorded'] }, { ...intakeBot, eventTypes: ['fact.recorded'] })).toBeUndefined();
  });

  it('gives a token scoped to some event types only those types', async () => {
    const bot = await connectBot(hub.url, { ...intakeBot, eventTypes: ['case.created'] });
    const seen = new Collector(bot, { cases: 'team' });
    await seen.subscription.ready;
    const caseId = await hub.createCase();
    const session = await agentSession(caseId);
    await session.claim();
    const next = await hub.createCase();
    await seen.until('the second case', (events) => events.some((e) => e.caseId === next));
    expect(new Set(seen.types())).toEqual(new Set(['case.created']));
    expect(intakeBot.role).toBe('bot');
  });
});

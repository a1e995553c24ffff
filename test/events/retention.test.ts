/**
 * Retention on a running hub: the background pass trims case events older than
 * CASEROOM_EVENT_RETENTION, and every reader that comes from before what is kept hears
 * `cursor_expired` with the oldest cursor instead of a gap — a bot subscribing, a bot that fell
 * behind, the HTTP listing of a case's events, a webhook. A resolved case keeps its document,
 * ownership history and approvals. Waits are on the store or the metric, never on time.
 */
import type { CaseroomError, CaseEvent, Identity, WebhookDelivery } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, connectBot } from '../helpers/bots.js';
import { openCaseAs } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { createCaseOver, mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { capturedLogs } from '../helpers/logs.js';
import { scrape, valueOf } from '../helpers/metrics.js';
import { ann, intakeBot, sam, sue, supervisorOf } from '../helpers/people.js';
import { pollUntil, waitFor } from '../helpers/wait.js';
import { startReceiver } from '../helpers/webhookReceiver.js';

/** Events are kept 2 s and the pass runs every second; webhooks may reach the loopback receiver. */
const retentionEnv = {
  CASEROOM_EVENT_RETENTION: '2s',
  CASEROOM_DELIVERY_RETENTION: '1h',
  CASEROOM_RETENTION_INTERVAL: '1s',
  CASEROOM_WEBHOOK_RETRY_BASE_MS: '20',
  CASEROOM_WEBHOOK_RETRY_MAX_MS: '100',
  CASEROOM_WEBHOOK_ALLOW_PRIVATE: '1',
};

const logs = capturedLogs();
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub(retentionEnv, undefined, { log: logs.log });
});
afterAll(() => hub.stop());

let teamCounter = 0;
const freshTeam = () => `retained-${process.pid}-${++teamCounter}`;

async function caseEvents(caseId: string, after: number | string, who: Identity = sue) {
  return api(hub.url, `/api/cases/${caseId}/events?after=${after}`, { token: await mintToken(who) });
}

/** Orders two event ids of either store (`42`, `1733130000000-3`): negative when a is older. */
function idOrder(a: string, b: string): number {
  const [x, y] = [a.split('-').map(Number), b.split('-').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Resolves once the pass has trimmed the first event of `caseId` (its listing from the start is refused). */
function trimmedFrom(caseId: string): Promise<unknown> {
  return pollUntil(`the first events of ${caseId} to be trimmed`, async () => (await caseEvents(caseId, 0)).status === 410);
}

describe('event retention', () => {
  it('counts what the pass trims, and answers a case’s listing from before it with 410 cursor_expired and the oldest seq', async () => {
    const caseId = await hub.createCase();
    const before = (await caseEvents(caseId, 0)).body.events as CaseEvent[];
    expect(before.length).toBeGreaterThan(0);
    await trimmedFrom(caseId);

    const refused = await caseEvents(caseId, 0);
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'cursor_expired', details: { oldest: expect.any(Number) } } });
    const { oldest } = (refused.body.error as { details: { oldest: number } }).details;
    expect(oldest).toBeGreaterThanOrEqual(before[0]!.seq);
    const rest = await caseEvents(caseId, oldest);
    expect(rest.status).toBe(200);
    expect((rest.body.events as CaseEvent[]).every((e) => e.seq > oldest)).toBe(true);
    const trimmed = await pollUntil('the trim to be counted', async () =>
      valueOf(await scrape(hub.url), 'caseroom_retention_trimmed_total', { log: 'events' }),
    );
    expect(trimmed).toBeGreaterThanOrEqual(before.length);
    // One line per pass, with the counts and nothing of what the events held.
    const passes = logs.since().filter((line) => line.msg === 'retention pass');
    expect(passes.some((line) => (line.events as number) > 0)).toBe(true);
    const pinoFields = new Set(['level', 'time', 'service', 'msg']);
    for (const line of passes)
      expect(
        Object.keys(line)
          .filter((key) => !pinoFields.has(key))
          .sort(),
      ).toEqual(['deliveries', 'events', 'ms']);
  });

  it('refuses a bot subscribing from before what is kept, and replays every kept event from the oldest cursor', async () => {
    const team = freshTeam();
    const bot = await connectBot(hub.url, { ...intakeBot, team });
    const head = await new Collector(bot, { cases: 'team' }).subscription.ready;
    const old = await createCaseOver(hub.url, { team });
    await trimmedFrom(old);
    const kept = await createCaseOver(hub.url, { team });

    const late = await connectBot(hub.url, { ...intakeBot, userId: 'late-bot', team });
    const refused = new Collector(late, { cases: 'team', after: head! });
    const error = (await refused.subscription.ready.catch((err: unknown) => err)) as CaseroomError;
    expect(error).toMatchObject({ code: 'cursor_expired', details: { oldest: expect.any(String) } });
    const oldest = error.details!.oldest as string;

    const resumed = new Collector(late, { cases: 'team', after: oldest });
    const fromStart = new Collector(late, { cases: 'team', after: 'start' });
    expect(await fromStart.subscription.ready).toBe(oldest);
    await resumed.until('the kept case to be created', (events) => events.some((e) => e.caseId === kept && e.type === 'case.created'));
    await fromStart.until('the kept case to be created', (events) => events.some((e) => e.caseId === kept && e.type === 'case.created'));
    // Nothing of the trimmed case, nothing twice, in id order: both begin at the same place.
    expect(resumed.events.some((e) => e.caseId === old)).toBe(false);
    expect(new Set(resumed.events.map((e) => e.id)).size).toBe(resumed.events.length);
    expect(fromStart.events.slice(0, resumed.events.length)).toEqual(resumed.events);
  });

  it('ends the subscription of a bot that fell behind what is kept with cursor_expired', async () => {
    const team = freshTeam();
    const bot = await connectBot(hub.url, { ...intakeBot, team });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen: CaseEvent[] = [];
    const subscription = bot.subscribe({ cases: 'team' }, async (event) => {
      seen.push(event);
      await held;
    });
    const errors: unknown[] = [];
    subscription.on('error', (err) => errors.push(err));
    await subscription.ready;
    const first = await createCaseOver(hub.url, { team });
    await pollUntil('the bot to be handed the first case', async () => seen.length > 0);
    // Stored after the batch the bot holds: trimmed before the bot reads it.
    const missed = await createCaseOver(hub.url, { team });
    await trimmedFrom(missed);
    release();

    await waitFor(
      'the subscription to end',
      (check) => subscription.on('error', check),
      () => errors.length > 0 || undefined,
    );
    expect(errors[0]).toMatchObject({ code: 'cursor_expired', details: { oldest: expect.any(String) } });
    expect(seen.some((e) => e.caseId === missed)).toBe(false);
    expect(seen.every((e) => e.caseId === first)).toBe(true);
  });

  it('keeps a subscription to one quiet case running while other cases’ events are trimmed, and hands it the case’s next event', async () => {
    const team = freshTeam();
    const quiet = await createCaseOver(hub.url, { team });
    const bot = await connectBot(hub.url, { ...intakeBot, team });
    const collector = new Collector(bot, { cases: [quiet] });
    const errors: unknown[] = [];
    collector.subscription.on('error', (err) => errors.push(err));
    const started = await collector.subscription.ready;
    const other = await createCaseOver(hub.url, { team });
    const otherEvents = (await caseEvents(other, 0)).body.events as CaseEvent[];
    const lastOfOther = otherEvents.at(-1)!.id;
    // The hub read past the other case's events and told the bot where it stands.
    await waitFor(
      'the subscription to move past the other case',
      (check) => collector.subscription.on('caughtUp', check),
      () => (collector.subscription.cursor !== started && idOrder(collector.subscription.cursor!, lastOfOther) >= 0) || undefined,
    );
    await trimmedFrom(other);
    // Its saved cursor resumes after the trim: nothing it follows was removed.
    const resumed = new Collector(bot, { cases: [quiet], after: collector.subscription.cursor! });
    await expect(resumed.subscription.ready).resolves.toBe(collector.subscription.cursor);

    const { session } = await openCaseAs(hub.url, quiet, { ...ann, team });
    await session.claim();
    await collector.first('owner.claimed', quiet);
    expect(errors).toEqual([]);
    expect(collector.events.every((e) => e.caseId === quiet)).toBe(true);
    await session.close();
  });

  it('keeps a resolved case’s document, ownership history and approvals when its events are trimmed', async () => {
    const caseId = await hub.createCase();
    const a = await openCaseAs(hub.url, caseId, ann);
    await a.session.claim();
    a.session.notes.insert(0, 'Charged twice; refund agreed.');
    await a.session.flushed();
    const approval = await a.session.requestApproval({ kind: 'refund', summary: 'Refund 49.00', amount: 49, currency: 'EUR' });
    await a.session.resolve();
    await a.session.close();
    await trimmedFrom(caseId);
    await pollUntil('every event of the case to be trimmed', async () => {
      const res = await caseEvents(caseId, 0);
      const { oldest } = (res.body.error as { details: { oldest: number } }).details;
      return (await caseEvents(caseId, oldest)).body.events?.length === 0;
    });

    const read = await api(hub.url, `/api/cases/${caseId}`, { token: await mintToken(sue) });
    expect(read.body).toMatchObject({ case: { id: caseId, status: 'resolved' }, ownership: { owner: { userId: 'ann' } } });
    expect(read.body.history).toEqual([expect.objectContaining({ how: 'claim', to: 'ann' })]);
    const approvals = await api(hub.url, `/api/cases/${caseId}/approvals`, { token: await mintToken(sue) });
    expect(approvals.body.approvals).toEqual([expect.objectContaining({ id: approval.id, amount: 49 })]);
    const s = await openCaseAs(hub.url, caseId, sam);
    expect(s.session.notes.toString()).toBe('Charged twice; refund agreed.');
  });

  it('delivers the first match to a webhook whose types matched nothing for longer than the retention, with no loss recorded', async () => {
    const team = freshTeam();
    const receiver = await startReceiver();
    const token = await mintToken(supervisorOf(team));
    const registered = await api(hub.url, '/api/webhooks', { token, body: { url: receiver.url, types: ['owner.claimed'] } });
    expect(registered.status).toBe(201);
    const webhookId = (registered.body.webhook as { id: string }).id;
    const mark = logs.mark();
    // Nothing of this case matches until it is claimed, after its first events are trimmed.
    const caseId = await createCaseOver(hub.url, { team });
    await trimmedFrom(caseId);
    const { session } = await openCaseAs(hub.url, caseId, { ...ann, team });
    await session.claim();

    await receiver.until('the claim delivered', (received) => received.some((d) => d.event.type === 'owner.claimed' && d.answer === 200));
    expect(receiver.received.every((d) => d.event.type === 'owner.claimed' && d.event.caseId === caseId)).toBe(true);
    const lost = await api(hub.url, `/api/webhooks/${webhookId}/deliveries?status=cursor_expired`, { token });
    expect(lost.body.deliveries).toEqual([]);
    const warned = logs.since(mark).filter((line) => line.webhookId === webhookId && /cursor expired/.test(line.msg));
    expect(warned).toEqual([]);
    await session.close();
  });

  it('records a webhook’s expired cursor as a delivery, with the ids lost, and goes on from the oldest kept event', async () => {
    const team = freshTeam();
    const supervisor = supervisorOf(team);
    const receiver = await startReceiver();
    let refusedCase = '';
    // The receiver refuses the first case's events, so the webhook's cursor stays before them.
    receiver.answer = ({ event }) => (event.caseId === refusedCase ? 503 : 200);
    const token = await mintToken(supervisor);
    const registered = await api(hub.url, '/api/webhooks', { token, body: { url: receiver.url } });
    expect(registered.status).toBe(201);
    const webhookId = (registered.body.webhook as { id: string }).id;
    const mark = logs.mark();
    refusedCase = await createCaseOver(hub.url, { team });
    await receiver.until('an attempt at the refused case', (received) => received.some((d) => d.event.caseId === refusedCase));
    await trimmedFrom(refusedCase);
    const next = await createCaseOver(hub.url, { team });

    await receiver.until('the next case delivered', (received) => received.some((d) => d.event.caseId === next && d.answer === 200));
    const listed = await api(hub.url, `/api/webhooks/${webhookId}/deliveries?status=cursor_expired`, { token });
    const [record] = listed.body.deliveries as WebhookDelivery[];
    expect(record).toMatchObject({ outcome: 'cursor_expired', caseId: null, type: null, lost: { after: expect.any(String) } });
    expect(record!.lost!.through).toBe(record!.eventId);
    const delivered = await api(hub.url, `/api/webhooks/${webhookId}/deliveries?status=delivered`, { token });
    expect((delivered.body.deliveries as WebhookDelivery[]).some((d) => d.caseId === refusedCase)).toBe(false);
    const warned = logs.since(mark).filter((line) => line.webhookId === webhookId && line.level === 40 && /cursor expired/.test(line.msg));
    expect(warned).toEqual([expect.objectContaining({ after: record!.lost!.after, through: record!.lost!.through })]);
  });
});

/**
 * A team working cases from start to end, over and over, for as long as the soak runs: the load
 * of a hub that has been up for a day. Each owner opens a case over HTTP, the customer's first
 * message comes in through the team's chat connector, the owner claims the case and works the
 * document (notes, facts, a step), a specialist drops in on a connection of their own and leaves,
 * the owner asks a peer for a refund approval and a peer decides it, the owner answers the
 * customer, hands the case over to another agent, who resolves and releases it. Then the next
 * case: live rooms turn over, cases pile up in the store, events and deliveries age out.
 *
 * Connections come and go too: a specialist connects for each visit, an owner opens a fresh
 * connection every few cases. Bots follow the team's feed all along. The one refusal provoked on
 * purpose (the agent taking a handover first tries to claim the case, which is owned) is counted
 * apart; anything else that fails is an error.
 */
import { BotClient, CaseClient, CaseroomError, ChannelBot, type CaseSession } from '@caseroom/client';
import { mintToken } from '../tokens.js';
import { withTimeout } from './clients.js';
import type { ShiftCounts, ShiftTask } from './tasks.js';

/** Refusals the shift provokes on purpose: not errors. */
const expectedRefusals = new Set(['already_owned']);
/** How often the load tells the harness its counts. */
const progressEveryMs = 2_000;
/** An owner opens a fresh connection after this many cases. */
const casesPerConnection = 3;
const syncWithinMs = 30_000;

/** Thrown at a checkpoint once the harness said stop: the case is left where it is, not failed. */
class Stopped extends Error {}

interface Person {
  userId: string;
  token: string;
}

class Tally implements ShiftCounts {
  operations: Record<string, number> = {};
  refusals: Record<string, number> = {};
  errors: Record<string, number> = {};
  botEvents = 0;

  done(kind: string): void {
    this.operations[kind] = (this.operations[kind] ?? 0) + 1;
  }

  failed(err: unknown): void {
    if (err instanceof Stopped) return;
    const what = err instanceof CaseroomError ? err.code : err instanceof Error ? err.message.slice(0, 100) : String(err);
    if (err instanceof CaseroomError && expectedRefusals.has(err.code)) this.refusals[what] = (this.refusals[what] ?? 0) + 1;
    else this.errors[what] = (this.errors[what] ?? 0) + 1;
  }

  snapshot(): ShiftCounts {
    return { operations: { ...this.operations }, refusals: { ...this.refusals }, errors: { ...this.errors }, botEvents: this.botEvents };
  }
}

/** People waiting for work: a case takes one when one is free. */
class Pool<T> {
  private readonly waiting: Array<(item: T) => void> = [];
  constructor(private readonly free: T[]) {}

  take(): Promise<T> {
    const item = this.free.pop();
    return item !== undefined ? Promise.resolve(item) : new Promise((done) => this.waiting.push(done));
  }

  /** One who is free now, or null (a specialist is not worth waiting for). */
  takeNow(): T | null {
    return this.free.pop() ?? null;
  }

  give(item: T): void {
    const next = this.waiting.shift();
    if (next) next(item);
    else this.free.push(item);
  }
}

export interface ShiftHarness {
  progress(counts: ShiftCounts): void;
  /** resolves when the harness says stop */
  stopped: Promise<void>;
}

export async function runShift(task: ShiftTask, harness: ShiftHarness): Promise<ShiftCounts> {
  const tally = new Tally();
  const { endpoint, team } = task;
  const url = endpoint.httpUrl;
  let stopping = false;
  const sleepers = new Set<() => void>();
  void harness.stopped.then(() => {
    stopping = true;
    for (const wake of sleepers) wake();
  });
  /** Waits `ms`, or less once stopping. */
  const rest = (ms: number): Promise<void> =>
    new Promise<void>((done) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        done();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
      if (stopping) wake();
    });
  /** Waits `ms`; throws `Stopped` once stopping. */
  const pause = async (ms: number): Promise<void> => {
    await rest(ms);
    checkpoint();
  };
  const checkpoint = (): void => {
    if (stopping) throw new Stopped();
  };
  const between = (from: number, to: number): number => from + Math.random() * (to - from);

  const person = async (userId: string, role: 'agent' | 'specialist' | 'supervisor', department?: string): Promise<Person> => ({
    userId,
    token: await mintToken(endpoint.secret!, userId, role, team, department),
  });
  const connect = (who: Person): CaseClient => {
    const client = new CaseClient({ url, token: who.token, transports: ['websocket'] });
    client.on('error', (err) => tally.failed(err));
    client.socket.on('disconnect', (reason) => reason !== 'io client disconnect' && tally.failed(new Error(`disconnected: ${reason}`)));
    tally.done('connect');
    return client;
  };
  const open = async (client: CaseClient, caseId: string): Promise<CaseSession> => {
    const session = client.openCase(caseId);
    session.on('error', (err) => tally.failed(err));
    await withTimeout(session.synced, syncWithinMs, `a join did not sync within ${syncWithinMs / 1000} s`);
    tally.done('join');
    return session;
  };

  const connectorToken = await mintToken(endpoint.secret!, `chat-${team}`, 'bot', team, undefined, ['chat']);
  const connector = new ChannelBot({ url, token: connectorToken, channels: ['chat'], transports: ['websocket'] });
  connector.on('error', (err) => tally.failed(err));
  const replies = connector.onReply(async () => tally.done('reply.delivered'));
  replies.on('error', (err) => tally.failed(err));
  await withTimeout(replies.ready, syncWithinMs, 'the chat connector was not subscribed');

  const bots: BotClient[] = [];
  for (let b = 0; b < task.bots; b++) {
    const bot = new BotClient({
      url,
      token: await mintToken(endpoint.secret!, `bot-${team}-${b}`, 'bot', team),
      transports: ['websocket'],
    });
    bot.on('error', (err) => tally.failed(err));
    const subscription = bot.subscribe({ cases: 'team' }, () => void tally.botEvents++);
    subscription.on('error', (err) => tally.failed(err));
    await withTimeout(subscription.ready, syncWithinMs, `bot ${b} was not subscribed`);
    bots.push(bot);
  }

  const takers = await Promise.all(
    Array.from({ length: task.takers }, async (_, i) => {
      const who = await person(`taker-${i}@${team}`, 'agent');
      return { ...who, client: connect(who) };
    }),
  );
  const takerPool = new Pool([...takers]);
  const specialists = new Pool(
    await Promise.all(Array.from({ length: task.specialists }, (_, i) => person(`specialist-${i}@${team}`, 'specialist', 'Shipping'))),
  );

  /** A specialist's visit: a connection of their own, a fact, the owner's step done, a step of their own, a line of notes. */
  const visit = async (specialist: Person, caseId: string, stepId: string): Promise<void> => {
    const client = connect(specialist);
    try {
      const session = await open(client, caseId);
      await pause(between(500, 1500));
      session.facts.record('carrier', 'ParcelCo, tracking 8812');
      tally.done('fact');
      session.steps.complete(stepId);
      session.steps.add({ text: 'Ask the carrier for proof of delivery' });
      tally.done('step');
      session.notes.insert(session.notes.length, ' Shipping: the parcel left the depot on Monday.');
      tally.done('edit');
      await session.flushed();
      await session.close();
      tally.done('visit');
    } finally {
      await client.close();
    }
  };

  /** One case, from opening to its handover; the taker resolves and releases it. */
  const workCase = async (owner: Person, client: CaseClient, n: number): Promise<void> => {
    const res = await fetch(`${url}/api/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ subject: 'Charged twice for one order', customer: { name: 'Dana Customer', channel: 'chat' } }),
    });
    const created = (await res.json()) as { ok: boolean; case?: { id: string }; error?: { code: string } };
    if (res.status !== 201 || !created.case) throw new Error(`opening a case: ${res.status} ${created.error?.code ?? ''}`);
    const caseId = created.case.id;
    tally.done('case.opened');
    await connector.post(caseId, {
      channel: 'chat',
      body: 'I was charged twice for order 4471, please refund one.',
      externalId: `${caseId}-1`,
      customer: { name: 'Dana Customer', address: 'dana@example.com' },
    });
    tally.done('message.in');
    checkpoint();

    const sessions: CaseSession[] = [];
    let visiting: Promise<void> = Promise.resolve();
    let taker: (typeof takers)[number] | null = null;
    try {
      const session = await open(client, caseId);
      sessions.push(session);
      await session.claim();
      tally.done('claim');
      for (let k = 0; k < 10; k++) {
        session.notes.insert(session.notes.length, `${k === 0 ? '' : ' '}Customer says order 4471 was charged twice (${n}.${k}).`);
        tally.done('edit');
        await pause(between(1000, 3000));
      }
      session.facts.record('order number', '4471');
      tally.done('fact');
      const stepId = session.steps.add({ text: 'Refund the duplicate charge', assignee: owner.userId });
      tally.done('step');
      const specialist = specialists.takeNow();
      if (specialist)
        visiting = visit(specialist, caseId, stepId)
          .catch((err: unknown) => tally.failed(err))
          .finally(() => specialists.give(specialist));

      const approval = await session.requestApproval({
        kind: 'refund',
        summary: 'Refund the duplicate charge',
        amount: 12.5,
        currency: 'EUR',
      });
      tally.done('approval.asked');
      await pause(between(2000, 5000));
      const decider = takers[Math.floor(Math.random() * takers.length)]!;
      // One in four is turned down: both ends of the decision get exercised.
      if (Math.random() < 0.25) await decider.client.reject(approval.id, 'ask for the bank statement first');
      else await decider.client.approve(approval.id, 'fine, the charge is a duplicate');
      tally.done('approval.decided');

      await session.send('We have refunded the duplicate charge, Dana. It shows within 3 days.');
      tally.done('message.out');
      await session.flushed();
      await visiting;
      await pause(between(3000, 8000));

      taker = await takerPool.take();
      checkpoint();
      const next = await open(taker.client, caseId);
      sessions.push(next);
      // A second agent grabbing the case: refused, the case has its owner.
      await next.claim().then(
        () => tally.failed(new Error('a claim of an owned case was accepted')),
        (err: unknown) => tally.failed(err),
      );
      await session.offerHandoff(taker.userId);
      await next.acceptHandoff();
      tally.done('handoff');
      await session.close();
      next.notes.insert(next.notes.length, ' Refund confirmed with the customer; closing.');
      tally.done('edit');
      await next.flushed();
      await pause(between(1000, 3000));
      await next.resolve();
      tally.done('case.resolved');
      await next.release();
      tally.done('release');
    } finally {
      await visiting;
      await Promise.all(sessions.map((s) => s.close()));
      if (taker) takerPool.give(taker);
    }
  };

  const ownerShift = async (i: number): Promise<void> => {
    const owner = await person(`owner-${i}@${team}`, 'agent');
    // Owners start spread over the first seconds, not all in one tick.
    await rest(i * 500);
    let client = connect(owner);
    try {
      for (let n = 1; !stopping; n++) {
        await workCase(owner, client, n).catch((err: unknown) => tally.failed(err));
        await rest(between(5000, 15000));
        if (n % casesPerConnection === 0 && !stopping) {
          await client.close();
          client = connect(owner);
        }
      }
    } finally {
      await client.close();
    }
  };

  const progress = setInterval(() => harness.progress(tally.snapshot()), progressEveryMs);
  try {
    await Promise.all(Array.from({ length: task.owners }, (_, i) => ownerShift(i)));
  } finally {
    clearInterval(progress);
    await Promise.all([...takers.map((t) => t.client.close()), ...bots.map((bot) => bot.close()), replies.close(), connector.close()]);
  }
  return tally.snapshot();
}

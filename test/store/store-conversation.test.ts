/**
 * The conversation store keeps one contract on SQLite and on Redis: messages numbered 1, 2, 3 …
 * per case in the write that stores them, with their events (which carry the seq); one message per
 * external id, also from two connections racing; the case's waiting time moved in the same write;
 * delivery reports by compare-and-set; amendments shown to readers; the floor and composing marks.
 */
import type { Message, Speaker } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import { caseEvent } from '../../server/src/events/EventLog.js';
import { idempotencyKey, type CaseStore, type NewMessage, type SpeakingRight } from '../../server/src/store/CaseStore.js';
import { testStore } from '../helpers/hub.js';
import { ann, chatConnector } from '../helpers/people.js';
import { caseRecord, madeAt, minutesLater } from '../helpers/records.js';
import { freshStore, secondConnection } from '../helpers/store.js';

const connector: Speaker = { userId: chatConnector.userId, name: chatConnector.name, role: 'bot' };
const agent: Speaker = { userId: ann.userId, name: ann.name, role: 'agent' };

function inbound(caseId: string, body: string, fields: Partial<NewMessage> = {}): NewMessage {
  return {
    caseId,
    at: madeAt,
    kind: 'message',
    direction: 'in',
    channel: 'chat',
    body,
    author: connector,
    attachments: [],
    externalId: null,
    customer: { name: 'Dana', address: 'dana@example.com' },
    sentAt: null,
    replaces: null,
    redacted: false,
    delivery: null,
    ...fields,
  };
}

function outbound(caseId: string, body: string, fields: Partial<NewMessage> = {}): NewMessage {
  return {
    ...inbound(caseId, body),
    direction: 'out',
    author: agent,
    customer: null,
    delivery: { status: 'pending', reason: null, at: madeAt },
    ...fields,
  };
}

async function withCase(store: CaseStore, id: string, team = 'billing'): Promise<void> {
  await store.cases.create(caseRecord(id, { team }), []);
}

async function append(store: CaseStore, message: NewMessage, options: { clientMessageId?: string; right?: SpeakingRight } = {}) {
  const type = message.direction === 'in' ? 'message.received' : 'message.sent';
  const events = [caseEvent({ id: message.caseId, team: 'billing' }, type, null, { body: message.body })];
  const key = idempotencyKey(message, options.clientMessageId);
  return store.conversation.append(message, 'billing', events, { key, ...(options.right ? { right: options.right } : {}) });
}

/** `append`, for a message that must be stored. */
async function stored(store: CaseStore, message: NewMessage, options: { clientMessageId?: string } = {}) {
  const result = await append(store, message, options);
  if (!result) throw new Error('the append was refused');
  return result;
}

describe(`the ${testStore} store keeps the contract for the conversation`, () => {
  it('numbers messages per case and stores each with its events, which carry the seq', async () => {
    const store = await freshStore();
    await withCase(store, 'c1');
    await withCase(store, 'c2');
    const first = await stored(store, inbound('c1', 'Hello'));
    const other = await stored(store, inbound('c2', 'Elsewhere'));
    const second = await stored(store, outbound('c1', 'Hi Dana'));
    expect([first.message.seq, other.message.seq, second.message.seq]).toEqual([1, 1, 2]);
    expect(second).toEqual({ message: { ...outbound('c1', 'Hi Dana'), seq: 2 }, duplicate: false });
    expect(await store.conversation.lastSeq('c1')).toBe(2);
    expect(await store.conversation.lastSeq('nobody')).toBe(0);
    const events = await store.events.forCase('c1', 0, 10);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['message.received', { seq: 1, body: 'Hello' }],
      ['message.sent', { seq: 2, body: 'Hi Dana' }],
    ]);
    expect(await store.conversation.get('c1', 2)).toEqual(second.message);
    expect(await store.conversation.get('c1', 3)).toBeNull();
  });

  it('stores one message per external id, however many connections post it at once', async () => {
    const store = await freshStore();
    const other = await secondConnection(store);
    await withCase(store, 'c1');
    const post = inbound('c1', 'Charged twice', { externalId: 'chat-77' });
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => append(store, post)),
      ...Array.from({ length: 5 }, () => append(other, post)),
    ]);
    expect(results.filter((r) => !r!.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r!.message.seq))).toEqual(new Set([1]));
    expect(await store.conversation.lastSeq('c1')).toBe(1);
    expect((await store.events.forCase('c1', 0, 10)).map((e) => e.type)).toEqual(['message.received']);
    // The same external id in another case is another message.
    await withCase(store, 'c2');
    expect((await stored(store, { ...post, caseId: 'c2' })).duplicate).toBe(false);
    // On another channel the same id is another channel's message.
    expect((await stored(store, { ...post, channel: 'sms' })).duplicate).toBe(false);
    // A reply sent again under its sender's own id is stored once.
    const reply = outbound('c1', 'On it');
    const [sent, again] = [await stored(store, reply, { clientMessageId: 'r-1' }), await stored(store, reply, { clientMessageId: 'r-1' })];
    expect([sent.duplicate, again.duplicate, again.message.seq]).toEqual([false, true, sent.message.seq]);
    expect((await stored(store, reply, { clientMessageId: 'r-2' })).duplicate).toBe(false);
  });

  it('stores a reply only while the ownership and the floor it was decided on still hold', async () => {
    const store = await freshStore();
    await withCase(store, 'c1');
    expect(await append(store, outbound('c1', 'first'), { right: { epoch: 0, floor: null } })).not.toBeNull();
    const owner = { userId: 'ann', name: 'Ann', role: 'agent' as const };
    await store.ownership.save('c1', 0, { owner, epoch: 1, offer: null }, null, []);
    expect(await append(store, outbound('c1', 'stale owner'), { right: { epoch: 0, floor: null } })).toBeNull();
    const floor = { holder: { ...agent, userId: 'sid' }, givenBy: 'ann', since: madeAt, epoch: 1 };
    await store.conversation.setFloor('c1', floor, []);
    expect(await append(store, outbound('c1', 'floor moved'), { right: { epoch: 1, floor: null } })).toBeNull();
    expect(await append(store, outbound('c1', 'as decided'), { right: { epoch: 1, floor } })).not.toBeNull();
    expect((await store.conversation.list('c1', { limit: 10 })).map((m) => m.body)).toEqual(['first', 'as decided']);
    expect((await store.events.forCase('c1', 0, 10)).map((e) => e.type)).toEqual(['message.sent', 'message.sent']);
  });

  it('starts the wait at the oldest unanswered inbound message and ends it with a reply, listing the longest first', async () => {
    const store = await freshStore();
    for (const id of ['a', 'b', 'c']) await withCase(store, id);
    await append(store, inbound('a', 'one', { at: minutesLater(2) }));
    await append(store, inbound('a', 'two', { at: minutesLater(3) }));
    await append(store, inbound('b', 'three', { at: minutesLater(1) }));
    expect((await store.cases.get('a'))?.waitingSince).toBe(minutesLater(2));
    expect((await store.cases.get('c'))?.waitingSince).toBeNull();
    const waiting = async (query = {}) => (await store.cases.list({ sort: 'waiting', limit: 10, ...query })).items.map((c) => c.id);
    expect(await waiting()).toEqual(['b', 'a']);
    // Amendments neither answer nor start a wait.
    await append(store, outbound('b', 'fix', { kind: 'correction', replaces: 1 }));
    expect(await waiting()).toEqual(['b', 'a']);
    await append(store, outbound('b', 'Answered', { at: minutesLater(4) }));
    expect((await store.cases.get('b'))?.waitingSince).toBeNull();
    expect(await waiting()).toEqual(['a']);
    // Resolving a case ends the wait; the customer writing again starts a new one.
    expect((await store.cases.setStatus('a', 'resolved', minutesLater(5), []))?.waitingSince).toBeNull();
    expect((await store.cases.get('a'))?.waitingSince).toBeNull();
    expect(await waiting()).toEqual([]);
    await append(store, inbound('a', 'thanks!', { at: minutesLater(6) }));
    expect(await waiting({ status: 'open' })).toEqual([]);
    expect(await waiting({ status: 'resolved', team: 'billing' })).toEqual(['a']);
    expect(await waiting({ team: 'shipping' })).toEqual([]);
  });

  it('sets a restored waiting time, moving the case in the waiting listing, and answers false for an unknown case', async () => {
    const store = await freshStore();
    for (const id of ['a', 'b']) await withCase(store, id);
    await append(store, inbound('a', 'one', { at: minutesLater(2) }));
    const waiting = async () => (await store.cases.list({ sort: 'waiting', limit: 10 })).items.map((c) => [c.id, c.waitingSince]);
    expect(await store.cases.restoreWaiting('b', minutesLater(1))).toBe(true);
    expect(await waiting()).toEqual([
      ['b', minutesLater(1)],
      ['a', minutesLater(2)],
    ]);
    expect(await store.cases.restoreWaiting('a', minutesLater(0))).toBe(true);
    expect(await store.cases.restoreWaiting('b', null)).toBe(true);
    expect(await waiting()).toEqual([['a', minutesLater(0)]]);
    expect((await store.cases.get('b'))?.waitingSince).toBeNull();
    expect(await store.cases.restoreWaiting('nobody', minutesLater(3))).toBe(false);
    expect(await store.cases.get('nobody')).toBeNull();
  });

  it('pages the thread after a seq and before one, and finds the newest inbound message per channel', async () => {
    const store = await freshStore();
    await withCase(store, 'c1');
    for (let i = 1; i <= 6; i++)
      await append(store, i % 2 ? inbound('c1', `in ${i}`, { channel: i === 5 ? 'email' : 'chat' }) : outbound('c1', `out ${i}`));
    const seqs = (messages: Message[]) => messages.map((m) => m.seq);
    expect(seqs(await store.conversation.list('c1', { limit: 10 }))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seqs(await store.conversation.list('c1', { limit: 2 }))).toEqual([5, 6]);
    expect(seqs(await store.conversation.list('c1', { before: 4, limit: 2 }))).toEqual([2, 3]);
    expect(seqs(await store.conversation.list('c1', { before: 2, limit: 5 }))).toEqual([1]);
    expect(seqs(await store.conversation.list('c1', { after: 4, limit: 5 }))).toEqual([5, 6]);
    expect(seqs(await store.conversation.list('c1', { after: 1, limit: 2 }))).toEqual([2, 3]);
    expect(seqs(await store.conversation.list('c1', { after: 6, limit: 2 }))).toEqual([]);
    expect((await store.conversation.lastInbound('c1'))?.seq).toBe(5);
    expect((await store.conversation.lastInbound('c1', 'chat'))?.seq).toBe(3);
    expect(await store.conversation.lastInbound('c1', 'sms')).toBeNull();
  });

  it('shows readers a corrected text and a redacted message emptied, and keeps the entries that did it', async () => {
    const store = await freshStore();
    await withCase(store, 'c1');
    await append(store, inbound('c1', 'card 4111', { attachments: [{ url: 'https://files.example/a.png', name: 'a.png', size: 3 }] }));
    await append(store, outbound('c1', 'We refund 6.90'));
    await append(store, outbound('c1', 'We refund 9.60', { kind: 'correction', replaces: 2 }));
    await append(store, inbound('c1', 'card number', { kind: 'redaction', replaces: 1, author: agent, delivery: null }));
    const thread = await store.conversation.list('c1', { limit: 10 });
    expect(thread.map((m) => [m.seq, m.body, m.redacted, m.attachments.length])).toEqual([
      [1, '', true, 0],
      [2, 'We refund 9.60', false, 0],
      [3, 'We refund 9.60', false, 0],
      [4, 'card number', false, 0],
    ]);
    expect(await store.conversation.get('c1', 1)).toMatchObject({ redacted: true, customer: null });
    // A redaction hides the corrections of what it hides too.
    await append(store, inbound('c1', 'card 4111 1111 1111 1111', { kind: 'correction', replaces: 4 }));
    await append(store, outbound('c1', 'card 5500 0000 0000 0004', { kind: 'correction', replaces: 2 }));
    await append(store, outbound('c1', 'reply had a card number', { kind: 'redaction', replaces: 2, delivery: null }));
    const after = await store.conversation.list('c1', { limit: 10 });
    expect(after.map((m) => [m.seq, m.body, m.redacted])).toEqual([
      [1, '', true],
      [2, '', true],
      [3, '', true],
      [4, 'card 4111 1111 1111 1111', false],
      [5, 'card 4111 1111 1111 1111', false],
      [6, '', true],
      [7, 'reply had a card number', false],
    ]);
  });

  it('stores a delivery report only over the status it expects, with its events', async () => {
    const store = await freshStore();
    await withCase(store, 'c1');
    const { message } = await stored(store, outbound('c1', 'Hi'));
    const delivered = { status: 'delivered' as const, reason: null, at: minutesLater(1) };
    const event = caseEvent({ id: 'c1', team: 'billing' }, 'message.delivered', null, { seq: message.seq });
    expect(await store.conversation.report('c1', message.seq, 'failed', delivered, [event])).toBeNull();
    const reported = await store.conversation.report('c1', message.seq, 'pending', delivered, [event]);
    expect(reported).toEqual({ ...message, delivery: delivered });
    expect(await store.conversation.report('c1', message.seq, 'pending', delivered, [event])).toBeNull();
    expect((await store.events.forCase('c1', 0, 10)).map((e) => e.type)).toEqual(['message.sent', 'message.delivered']);
    expect(await store.conversation.report('c1', 99, 'pending', delivered, [event])).toBeNull();
  });

  it('keeps the floor with its events, and composing marks until they run out', async () => {
    const store = await freshStore();
    await withCase(store, 'c1');
    expect(await store.conversation.floor('c1')).toBeNull();
    const floor = { holder: { ...agent, department: 'Shipping' }, givenBy: 'amy', since: madeAt, epoch: 3 };
    await store.conversation.setFloor('c1', floor, [caseEvent({ id: 'c1', team: 'billing' }, 'floor.given', null, {})]);
    expect(await store.conversation.floor('c1')).toEqual(floor);
    await store.conversation.setFloor('c1', null, [caseEvent({ id: 'c1', team: 'billing' }, 'floor.taken', null, {})]);
    expect(await store.conversation.floor('c1')).toBeNull();
    expect((await store.events.forCase('c1', 0, 10)).map((e) => e.type)).toEqual(['floor.given', 'floor.taken']);

    const now = Date.now();
    await store.conversation.compose('c1', agent, now + 5_000);
    await store.conversation.compose('c1', connector, now + 1_000);
    expect((await store.conversation.composing('c1', now)).map((c) => c.person.userId)).toEqual(['chat-connector', 'ann']);
    expect((await store.conversation.composing('c1', now + 2_000)).map((c) => c.person.userId)).toEqual(['ann']);
    await store.conversation.compose('c1', agent, null);
    expect(await store.conversation.composing('c1', now)).toEqual([
      { person: connector, composing: true, until: new Date(now + 1_000).toISOString() },
    ]);
  });
});

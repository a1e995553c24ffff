/**
 * The conversation mirror on its own, with no socket: messages from two hub nodes arriving out
 * of order, gaps filled from history pages, rejoins, delivery reports overtaking their message,
 * corrections and redactions as people read them, the customer's waiting time and composing
 * marks that lapse. The thread never shows a gap or a duplicate, and is ordered by seq.
 */
import type { Composing, ConversationState, Delivery, Message } from '@caseroom/shared';
import { openFloor } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import { ConversationMirror, type ConversationChange } from '../../client-sdk/src/ConversationMirror.js';

const at = (seq: number) => new Date(Date.UTC(2025, 0, 1, 9, 0, seq)).toISOString();

function message(seq: number, fields: Partial<Message> = {}): Message {
  const direction = fields.direction ?? (seq % 2 === 1 ? 'in' : 'out');
  return {
    caseId: 'case-1',
    seq,
    at: at(seq),
    kind: 'message',
    direction,
    channel: 'chat',
    body: `message ${seq}`,
    author: direction === 'in' ? { userId: 'chat', name: 'Chat', role: 'bot' } : { userId: 'ann', name: 'Ann', role: 'agent' },
    attachments: [],
    externalId: direction === 'in' ? `ext-${seq}` : null,
    customer: null,
    sentAt: null,
    replaces: null,
    redacted: false,
    delivery: direction === 'out' ? { status: 'pending', reason: null, at: at(seq) } : null,
    ...fields,
  };
}

const state = (messages: Message[], lastSeq = messages.at(-1)?.seq ?? 0): ConversationState => ({
  messages,
  lastSeq,
  floor: openFloor,
  composing: [],
});

/** A mirror with what it announced. */
function mirror() {
  const announced: Message[] = [];
  const changes: ConversationChange[] = [];
  const subject = new ConversationMirror((event, ...args) => {
    if (event === 'message') announced.push(args[0] as Message);
    else changes.push(args[1] as ConversationChange);
  });
  const seqs = () => subject.conversation.messages.map((m) => m.seq);
  return { subject, announced, changes, seqs };
}

describe('the conversation mirror', () => {
  it('holds a message that overtook an earlier one and releases both in seq order', () => {
    const { subject, announced, seqs } = mirror();
    subject.joined(state([]), null);
    subject.messageArrived(message(1));
    subject.messageArrived(message(3));
    expect(seqs()).toEqual([1]);
    expect(subject.conversation.lastSeq).toBe(1);
    expect(subject.gap).toBe(1);
    subject.messageArrived(message(2));
    expect(seqs()).toEqual([1, 2, 3]);
    expect(announced.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(subject.gap).toBeNull();
  });

  it('fills a gap from a history page, with no duplicate of what it already had', () => {
    const { subject, announced, seqs } = mirror();
    subject.joined(state([]), null);
    subject.messageArrived(message(1));
    subject.messageArrived(message(3));
    expect(subject.gap).toBe(1);
    // The page after 1 repeats 3, which the mirror holds: each message once.
    subject.historyArrived({ messages: [message(2), message(3)], lastSeq: 3 });
    expect(seqs()).toEqual([1, 2, 3]);
    expect(announced.map((m) => m.seq)).toEqual([1, 2, 3]);
    // The live copy of 2 that comes late is a duplicate.
    subject.messageArrived(message(2));
    subject.messageArrived(message(3));
    expect(seqs()).toEqual([1, 2, 3]);
    expect(announced.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('asks for history when the join says the hub has more than it brought', () => {
    const { subject, seqs } = mirror();
    subject.joined(state([message(1), message(2)], 4), null);
    expect(subject.gap).toBe(2);
    subject.historyArrived({ messages: [message(3), message(4)], lastSeq: 4 });
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(subject.gap).toBeNull();
  });

  it('keeps a message heard before the join, and announces it only if the join did not bring it', () => {
    const { subject, announced, seqs } = mirror();
    subject.messageArrived(message(2));
    subject.messageArrived(message(3));
    expect(seqs()).toEqual([]);
    expect(subject.gap).toBeNull();
    subject.joined(state([message(1), message(2)]), null);
    expect(seqs()).toEqual([1, 2, 3]);
    expect(announced.map((m) => m.seq)).toEqual([3]);
  });

  it('catches up after a rejoin: what came meanwhile is announced once, in order, and the gap is filled', () => {
    const { subject, announced, seqs } = mirror();
    subject.joined(state([message(1), message(2)]), null);
    // Away; the rejoin brings the newest messages, which do not reach back to 2.
    subject.joined(state([message(5), message(6)], 6), null);
    expect(seqs()).toEqual([1, 2]);
    expect(subject.gap).toBe(2);
    subject.historyArrived({ messages: [message(3), message(4), message(5), message(6)], lastSeq: 6 });
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(announced.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    // A rejoin that brings what the mirror has announces nothing again.
    subject.joined(state([message(4), message(5), message(6)]), null);
    expect(announced.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('puts earlier pages in front only where they meet the thread', () => {
    const { subject, changes, seqs } = mirror();
    subject.joined(state([message(5), message(6)]), null);
    subject.historyArrived({ messages: [message(1), message(2)], lastSeq: 6 });
    expect(seqs()).toEqual([5, 6]);
    subject.historyArrived({ messages: [message(2), message(3), message(4)], lastSeq: 6 });
    expect(seqs()).toEqual([2, 3, 4, 5, 6]);
    expect(changes.at(-1)).toEqual({ kind: 'history', messages: [message(2), message(3), message(4)] });
  });

  it('shows the thread as people read it: corrections in place, redacted messages emptied', () => {
    const { subject, announced } = mirror();
    subject.joined(state([message(1, { body: 'my card is 4111' }), message(2, { body: 'We refund 6.90' })]), null);
    subject.messageArrived(message(4, { kind: 'redaction', direction: 'in', replaces: 1, body: 'card number', delivery: null }));
    subject.messageArrived(message(3, { kind: 'correction', direction: 'out', replaces: 2, body: 'We refund 9.60' }));
    const { messages } = subject.conversation;
    expect(messages.map((m) => [m.seq, m.kind, m.body, m.redacted])).toEqual([
      [1, 'message', '', true],
      [2, 'message', 'We refund 9.60', false],
      [3, 'correction', 'We refund 9.60', false],
      [4, 'redaction', 'card number', false],
    ]);
    expect(announced.map((m) => m.seq)).toEqual([3, 4]);
  });

  it('keeps the newest delivery report, even one that overtook its message', () => {
    const { subject, changes } = mirror();
    subject.joined(state([message(1), message(2)]), null);
    const delivered: Delivery = { status: 'delivered', reason: null, at: at(30) };
    const failed: Delivery = { status: 'failed', reason: 'bounced', at: at(20) };
    subject.deliveryArrived(4, delivered);
    subject.messageArrived(message(4));
    subject.messageArrived(message(3));
    expect(subject.conversation.messages[3]!.delivery).toEqual(delivered);
    // A report older than what the mirror has changes nothing; a history page's older copy neither.
    subject.deliveryArrived(4, failed);
    subject.historyArrived({ messages: [message(4)], lastSeq: 4 });
    expect(subject.conversation.messages[3]!.delivery).toEqual(delivered);
    subject.deliveryArrived(2, failed);
    expect(subject.conversation.messages[1]!.delivery).toEqual(failed);
    expect(changes.at(-1)).toEqual({ kind: 'delivery', seq: 2, delivery: failed });
  });

  it('knows since when the customer waits: the oldest message not yet answered', () => {
    const { subject } = mirror();
    subject.joined(state([message(1), message(2)]), null);
    expect(subject.conversation.waitingSince).toBeNull();
    subject.messageArrived(message(3));
    subject.messageArrived(message(4, { direction: 'in' }));
    expect(subject.conversation.waitingSince).toBe(at(3));
    subject.messageArrived(message(5, { direction: 'out', kind: 'correction', replaces: 2 }));
    expect(subject.conversation.waitingSince).toBe(at(3));
    subject.messageArrived(message(6, { direction: 'out' }));
    expect(subject.conversation.waitingSince).toBeNull();
  });

  it('takes the waiting time from the case record when the newest messages are all unanswered', () => {
    const { subject } = mirror();
    subject.joined(state([message(41, { direction: 'in' }), message(42, { direction: 'in' })]), at(7));
    expect(subject.conversation.waitingSince).toBe(at(7));
    const other = mirror().subject;
    other.joined(state([message(41, { direction: 'out' }), message(42, { direction: 'in' })]), at(7));
    expect(other.conversation.waitingSince).toBe(at(42));
  });

  it('drops a composing mark when its writer stops or its time passes', () => {
    const { subject, changes } = mirror();
    const person = { userId: 'sid', name: 'Sid', role: 'specialist' as const, department: 'Shipping' };
    const until = Date.UTC(2025, 0, 1, 10);
    const mark: Composing = { person, composing: true, until: new Date(until).toISOString() };
    subject.joined({ ...state([]), composing: [mark] }, null);
    expect(subject.conversation.composing).toEqual([mark]);
    expect(subject.nextLapse).toBe(until);
    subject.lapseComposing(until - 1);
    expect(subject.conversation.composing).toEqual([mark]);
    subject.lapseComposing(until);
    expect(subject.conversation.composing).toEqual([]);
    expect(changes.at(-1)).toEqual({ kind: 'composing', composing: { person, composing: false, until: null } });
    subject.composingArrived(mark);
    subject.composingArrived({ person, composing: false, until: null });
    expect(subject.conversation.composing).toEqual([]);
    expect(subject.nextLapse).toBeNull();
  });
});

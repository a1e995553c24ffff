/**
 * Who may say what in a case's conversation, decided purely (server/src/conversation/voice.ts)
 * and by the shared readers of a thread (`readThread`, `waitingSinceOf`).
 */
import { CaseroomError, readThread, waitingSinceOf, type Identity, type Message, type Ownership } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import {
  assertConnectorOf,
  assertMayCorrect,
  assertMayGiveFloor,
  assertMayRedact,
  assertMaySpeak,
  assertMayTakeFloor,
  floorInForce,
  nextDelivery,
  speakerOf,
} from '../../server/src/conversation/voice.js';
import { amy, ann, chatConnector, qaBot, sam, sid, sue } from '../helpers/people.js';

const owned: Ownership = { owner: { userId: 'ann', name: 'Ann', role: 'agent' }, epoch: 2, offer: null };
const unowned: Ownership = { owner: null, epoch: 0, offer: null };
const given = { holder: speakerOf(sid), givenBy: 'ann', since: '2026-12-02T10:00:00.000Z', epoch: 2 };

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (err) {
    return err instanceof CaseroomError ? err.code : 'not a CaseroomError';
  }
}

function message(fields: Partial<Message> = {}): Message {
  return {
    caseId: 'c1',
    seq: 1,
    at: '2026-12-02T10:00:00.000Z',
    kind: 'message',
    direction: 'out',
    channel: 'chat',
    body: 'Hi',
    author: speakerOf(ann),
    attachments: [],
    externalId: null,
    customer: null,
    sentAt: null,
    replaces: null,
    redacted: false,
    delivery: { status: 'pending', reason: null, at: '2026-12-02T10:00:00.000Z' },
    ...fields,
  };
}

describe('the voice to the customer', () => {
  it('labels a speaker with the department their token carries', () => {
    expect(speakerOf(sid)).toEqual({ userId: 'sid', name: 'Sid', role: 'specialist', department: 'Shipping' });
    expect(speakerOf(ann)).toEqual({ userId: 'ann', name: 'Ann', role: 'agent' });
  });

  it('keeps a floor only under the ownership it was given under', () => {
    expect(floorInForce(given, owned).holder?.userId).toBe('sid');
    expect(floorInForce({ ...given, epoch: 1 }, owned).holder).toBeNull();
    expect(floorInForce(given, { ...owned, owner: null }).holder).toBeNull();
    expect(floorInForce(null, owned).holder).toBeNull();
  });

  it('lets the owner and the floor’s holder speak, and nobody else', () => {
    const floor = floorInForce(given, owned);
    const refusals = [ann, sid, amy, sam, sue, qaBot].map((who) => codeOf(() => assertMaySpeak(who, owned, floor)));
    expect(refusals).toEqual([null, null, 'not_your_floor', 'not_your_floor', 'not_your_floor', 'not_your_floor']);
    expect(codeOf(() => assertMaySpeak(ann, unowned, floorInForce(null, unowned)))).toBe('not_your_floor');
  });

  it('lets the owner or a supervisor give the floor, and its holder hand it back', () => {
    const floor = floorInForce(given, owned);
    expect([ann, sue, amy, sid].map((who) => codeOf(() => assertMayGiveFloor(who, owned)))).toEqual([null, null, 'not_owner', 'not_owner']);
    expect([ann, sue, sid, amy].map((who) => codeOf(() => assertMayTakeFloor(who, owned, floor)))).toEqual([null, null, null, 'not_owner']);
  });

  it('takes channel work only from connectors carrying the channel', () => {
    expect(codeOf(() => assertConnectorOf(chatConnector, 'chat'))).toBeNull();
    expect(codeOf(() => assertConnectorOf(chatConnector, 'sms'))).toBe('not_your_channel');
    const person: Identity = { ...ann, channels: ['chat'] };
    expect(codeOf(() => assertConnectorOf(person, 'chat'))).toBe('not_your_channel');
    expect(codeOf(() => assertConnectorOf(qaBot, 'chat'))).toBe('not_your_channel');
  });

  it('moves a delivery from pending to delivered or failed, lets a failure be delivered later, and keeps delivered final', () => {
    const at = '2026-12-02T10:05:00.000Z';
    expect(nextDelivery(message(), { status: 'failed', reason: 'bounced' }, at)).toEqual({
      from: 'pending',
      to: { status: 'failed', reason: 'bounced', at },
    });
    const failed = message({ delivery: { status: 'failed', reason: 'bounced', at } });
    expect(nextDelivery(failed, { status: 'failed', reason: 'bounced' }, at)).toBe('unchanged');
    expect(nextDelivery(failed, { status: 'delivered', reason: null }, at)).toMatchObject({ from: 'failed' });
    const delivered = message({ delivery: { status: 'delivered', reason: null, at } });
    expect(nextDelivery(delivered, { status: 'delivered', reason: null }, at)).toBe('unchanged');
    expect(codeOf(() => nextDelivery(delivered, { status: 'failed', reason: 'late' }, at))).toBe('already_delivered');
    expect(codeOf(() => nextDelivery(message({ direction: 'in', delivery: null }), { status: 'delivered', reason: null }, at))).toBe(
      'unknown_message',
    );
  });

  it('takes corrections from whoever wrote the message, and redactions from the owner, a supervisor or the author', () => {
    const reply = message();
    const customers = message({ direction: 'in', author: speakerOf(chatConnector), delivery: null });
    expect([ann, amy].map((who) => codeOf(() => assertMayCorrect(who, reply)))).toEqual([null, 'forbidden']);
    expect([chatConnector, ann].map((who) => codeOf(() => assertMayCorrect(who, customers)))).toEqual([null, 'not_your_channel']);
    expect([ann, sue, amy].map((who) => codeOf(() => assertMayRedact(who, customers, owned)))).toEqual([null, null, 'forbidden']);
    expect(codeOf(() => assertMayRedact(amy, message({ author: speakerOf(amy) }), owned))).toBeNull();
    expect(codeOf(() => assertMayCorrect(ann, message({ kind: 'correction', replaces: 1 })))).toBe('invalid_payload');
    expect(codeOf(() => assertMayRedact(ann, message({ redacted: true }), owned))).toBe('invalid_payload');
  });
});

describe('reading a thread', () => {
  it('shows the latest correction, empties redacted messages, and keeps the amending entries', () => {
    const thread = readThread([
      message({ seq: 1, direction: 'in', body: 'card 4111' }),
      message({ seq: 2, body: 'first' }),
      message({ seq: 3, kind: 'correction', replaces: 2, body: 'second' }),
      message({ seq: 4, kind: 'correction', replaces: 2, body: 'third' }),
      message({ seq: 5, kind: 'redaction', replaces: 1, body: 'card number' }),
    ]);
    expect(thread.map((m) => [m.seq, m.body, m.redacted])).toEqual([
      [1, '', true],
      [2, 'third', false],
      [3, 'second', false],
      [4, 'third', false],
      [5, 'card number', false],
    ]);
  });

  it('counts the wait from the oldest unanswered inbound message', () => {
    const at = (minute: number) => `2026-12-02T10:0${minute}:00.000Z`;
    const m = (direction: 'in' | 'out', minute: number, kind: Message['kind'] = 'message') => ({ direction, kind, at: at(minute) });
    expect(waitingSinceOf([])).toBeNull();
    expect(waitingSinceOf([m('in', 1), m('in', 2)])).toBe(at(1));
    expect(waitingSinceOf([m('in', 1), m('out', 2)])).toBeNull();
    expect(waitingSinceOf([m('in', 1), m('out', 2), m('in', 3), m('out', 4, 'correction')])).toBe(at(3));
  });
});

/**
 * The conversation of a case over the wire, with bare Socket.IO clients and plain HTTP: one thread
 * across channels, stamped by the hub; channel connectors bringing messages in idempotently and
 * reporting deliveries; one voice to the customer; corrections and redactions; the customer's
 * waiting time. Every refusal changes nothing.
 */
import type { Identity, Message } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { amy, ann, chatConnector, otto, qaBot, sam, sid, sue } from '../helpers/people.js';
import { connected, rawSocket } from '../helpers/sockets.js';
import { nextEvent } from '../helpers/wait.js';
import { Participant, inboundPost, participant } from '../helpers/conversation.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ CASEROOM_COMPOSING_MS: '60000' });
});
afterAll(() => hub.stop());

const connect = (who: Identity): Promise<Participant> => participant(hub.url, who);

async function inRoom(caseId: string, who: Identity): Promise<Participant> {
  const person = await connect(who);
  await person.join(caseId);
  return person;
}

/** A case whose owner is Ann, with Ann and the connector connected. */
async function ownedCase(): Promise<{ caseId: string; owner: Participant; connector: Participant }> {
  const caseId = await hub.createCase();
  const owner = await inRoom(caseId, ann);
  expect((await owner.request('owner:claim', { caseId })).ok).toBe(true);
  return { caseId, owner, connector: await connect(chatConnector) };
}

const inbound = inboundPost;

async function thread(caseId: string, who: Identity = ann): Promise<{ messages: Message[]; lastSeq: number }> {
  const { status, body } = await api(hub.url, `/api/cases/${caseId}/messages`, { token: await mintToken(who) });
  expect(status).toBe(200);
  return body;
}

async function eventTypes(caseId: string): Promise<string[]> {
  const { body } = await api(hub.url, `/api/cases/${caseId}/events?limit=500`, { token: await mintToken(sue) });
  return (body.events as Array<{ type: string }>).map((e) => e.type);
}

describe('the conversation of a case', () => {
  it('keeps one thread across channels, each message stamped by the hub and heard by the room in order', async () => {
    const { caseId, owner, connector } = await ownedCase();
    const specialist = await inRoom(caseId, sam);
    const first = await connector.request('conversation:post', inbound(caseId, 'I was charged twice for order A-1'));
    expect(first).toMatchObject({
      ok: true,
      duplicate: false,
      message: {
        seq: 1,
        kind: 'message',
        direction: 'in',
        channel: 'chat',
        author: { userId: 'chat-connector', role: 'bot' },
        customer: { address: 'dana@example.com' },
        replaces: null,
        redacted: false,
        delivery: null,
      },
    });
    // With no channel named, the reply goes where the customer last wrote, to whoever wrote it.
    const reply = await owner.request('conversation:send', { caseId, body: 'Sorry about that, Dana: checking now.' });
    expect(reply).toMatchObject({
      ok: true,
      message: {
        seq: 2,
        direction: 'out',
        channel: 'chat',
        author: { userId: 'ann', name: 'Ann', role: 'agent' },
        customer: { address: 'dana@example.com' },
        delivery: { status: 'pending', reason: null },
      },
    });
    // Tomorrow the customer writes by email: the same thread goes on.
    const email = await connector.request('conversation:post', inbound(caseId, 'Any news?', { channel: 'email' }));
    expect(email).toMatchObject({ ok: true, message: { seq: 3, channel: 'email' } });
    expect(await owner.request('conversation:send', { caseId, body: 'Refunded today.' })).toMatchObject({
      ok: true,
      message: { seq: 4, channel: 'email' },
    });
    await specialist.hears(4);
    expect(specialist.heard.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    const { messages, lastSeq } = await thread(caseId);
    expect(lastSeq).toBe(4);
    expect(messages.map((m) => [m.seq, m.direction, m.channel, m.body])).toEqual([
      [1, 'in', 'chat', 'I was charged twice for order A-1'],
      [2, 'out', 'chat', 'Sorry about that, Dana: checking now.'],
      [3, 'in', 'email', 'Any news?'],
      [4, 'out', 'email', 'Refunded today.'],
    ]);
    // Someone joining later gets the thread with the room.
    const late = await inRoom(caseId, amy);
    const joined = await late.request('case:join', { caseId });
    expect((joined.conversation as { lastSeq: number; messages: Message[] }).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(await eventTypes(caseId)).toEqual(expect.arrayContaining(['message.received', 'message.sent']));
  });

  it('stores one message for an external id posted twice, over the socket and over HTTP', async () => {
    const { caseId, connector } = await ownedCase();
    const post = inbound(caseId, 'Hello?');
    const first = await connector.request('conversation:post', post);
    const again = await connector.request('conversation:post', post);
    expect(again).toMatchObject({ ok: true, duplicate: true, message: { seq: 1 } });
    const { caseId: _case, ...body } = post;
    const overHttp = await api(hub.url, `/api/cases/${caseId}/messages`, {
      token: await mintToken(chatConnector),
      body: { direction: 'in', ...body },
    });
    expect(overHttp.status).toBe(200);
    expect(overHttp.body).toMatchObject({ ok: true, duplicate: true, message: (first as unknown as { message: Message }).message });
    expect((await thread(caseId)).lastSeq).toBe(1);
    expect((await eventTypes(caseId)).filter((t) => t === 'message.received')).toHaveLength(1);
  });

  it('lets only the owner, and whoever holds the floor, write to the customer', async () => {
    const caseId = await hub.createCase();
    const owner = await inRoom(caseId, ann);
    const connector = await connect(chatConnector);
    await connector.request('conversation:post', inbound(caseId, 'Hi'));
    // Nobody owns the case yet: nobody answers until someone claims it.
    expect((await owner.request('conversation:send', { caseId, body: 'Hello' })).error?.code).toBe('not_your_floor');
    await owner.request('owner:claim', { caseId });
    const shipping = await inRoom(caseId, sid);
    const refused = await shipping.request('conversation:send', { caseId, body: 'Your parcel left today' });
    expect(refused.error).toMatchObject({ code: 'not_your_floor', details: { speakers: ['ann'] } });
    // Only the owner gives the floor, and only to someone in the room.
    expect((await shipping.request('floor:give', { caseId, userId: 'sid' })).error?.code).toBe('not_owner');
    expect((await owner.request('floor:give', { caseId, userId: 'bob' })).error?.code).toBe('not_in_room');
    const heard = nextEvent<unknown>('the floor', (listener) => {
      shipping.socket.on('floor', (_id: string, floor: unknown) => listener(floor));
      return () => shipping.socket.off('floor');
    });
    const given = await owner.request('floor:give', { caseId, userId: 'sid' });
    expect(given).toMatchObject({ ok: true, floor: { holder: { userId: 'sid', department: 'Shipping' }, givenBy: 'ann' } });
    expect(await heard).toMatchObject({ holder: { userId: 'sid' } });
    const sent = await shipping.request('conversation:send', { caseId, body: 'Your parcel left today' });
    expect(sent).toMatchObject({ ok: true, message: { author: { userId: 'sid', name: 'Sid', department: 'Shipping' } } });
    // The owner keeps their voice; others still draft in the notes.
    expect((await owner.request('conversation:send', { caseId, body: 'Anything else?', confirm: true })).ok).toBe(true);
    const other = await inRoom(caseId, sam);
    expect((await other.request('conversation:send', { caseId, body: 'Hi' })).error?.code).toBe('not_your_floor');
    // Taken back, the floor is the owner's alone again.
    expect(await owner.request('floor:take', { caseId })).toMatchObject({ ok: true, floor: { holder: null } });
    expect((await shipping.request('conversation:send', { caseId, body: 'One more thing' })).error?.code).toBe('not_your_floor');
    expect((await thread(caseId)).lastSeq).toBe(3);
    expect(await eventTypes(caseId)).toEqual(expect.arrayContaining(['floor.given', 'floor.taken']));
  });

  it('ends the floor when the case changes owner', async () => {
    const { caseId, owner } = await ownedCase();
    const shipping = await inRoom(caseId, sid);
    await inRoom(caseId, amy);
    expect((await owner.request('floor:give', { caseId, userId: 'sid' })).ok).toBe(true);
    const ended = nextEvent<{ holder: unknown }>(
      'the floor to end',
      (listener) => {
        shipping.socket.on('floor', (_id: string, floor: { holder: unknown }) => listener(floor));
        return () => shipping.socket.off('floor');
      },
      (floor) => floor.holder === null,
    );
    const supervisor = await inRoom(caseId, sue);
    expect((await supervisor.request('owner:reassign', { caseId, userId: 'amy' })).ok).toBe(true);
    await ended;
    expect((await shipping.request('conversation:send', { caseId, body: 'Hello' })).error?.code).toBe('not_your_floor');
  });

  it('makes a second reply wait for confirmation while someone is writing one', async () => {
    const { caseId, owner, connector } = await ownedCase();
    await connector.request('conversation:post', inbound(caseId, 'Where is my refund?'));
    const shipping = await inRoom(caseId, sid);
    await owner.request('floor:give', { caseId, userId: 'sid' });
    const seen = nextEvent<{ person: { userId: string }; composing: boolean }>('sid composing', (listener) => {
      owner.socket.on('conversation:composing', (_id: string, mark: { person: { userId: string }; composing: boolean }) => listener(mark));
      return () => owner.socket.off('conversation:composing');
    });
    const marked = await shipping.request('conversation:composing', { caseId, composing: true });
    expect(marked).toMatchObject({ ok: true, until: expect.any(String) });
    expect(await seen).toMatchObject({ person: { userId: 'sid' }, composing: true });
    const second = await owner.request('conversation:send', { caseId, body: 'It is on its way' });
    expect(second.error).toMatchObject({ code: 'reply_in_progress', details: { composing: [{ userId: 'sid' }] } });
    expect((await thread(caseId)).lastSeq).toBe(1);
    // The writer's own reply is not held up by their mark, and sending clears it.
    expect((await shipping.request('conversation:send', { caseId, body: 'Shipped today' })).ok).toBe(true);
    expect((await owner.request('conversation:send', { caseId, body: 'Anything else?' })).ok).toBe(true);
    // Confirmed, a reply goes out even while someone writes.
    await shipping.request('conversation:composing', { caseId, composing: true });
    expect((await owner.request('conversation:send', { caseId, body: 'Have a good day', confirm: true })).ok).toBe(true);
    // A writer who lost the floor holds nobody up.
    await shipping.request('conversation:composing', { caseId, composing: true });
    expect((await owner.request('floor:take', { caseId })).ok).toBe(true);
    expect((await owner.request('conversation:send', { caseId, body: 'One more thing' })).ok).toBe(true);
    // Only those who may speak mark themselves as writing a reply.
    const other = await inRoom(caseId, sam);
    expect((await other.request('conversation:composing', { caseId, composing: true })).error?.code).toBe('not_your_floor');
  });

  it('stores a reply sent again under its own id once, so a retry never answers the customer twice', async () => {
    const { caseId, owner, connector } = await ownedCase();
    await connector.request('conversation:post', inbound(caseId, 'Hello'));
    const reply = { caseId, body: 'Refunded', clientMessageId: 'reply-1' };
    const first = (await owner.request('conversation:send', reply)) as unknown as { message: Message };
    const again = (await owner.request('conversation:send', reply)) as unknown as { message: Message };
    expect(again.message).toEqual(first.message);
    expect((await thread(caseId)).lastSeq).toBe(2);
    expect((await eventTypes(caseId)).filter((t) => t === 'message.sent')).toHaveLength(1);
  });

  it('takes delivery reports from the connector of the channel and shows them to the room', async () => {
    const { caseId, owner, connector } = await ownedCase();
    await connector.request('conversation:post', inbound(caseId, 'Hello'));
    const sent = (await owner.request('conversation:send', { caseId, body: 'Hi Dana' })) as unknown as { message: Message };
    const seq = sent.message.seq;
    const heard = nextEvent<{ seq: number; delivery: { status: string } }>('a delivery report', (listener) => {
      owner.socket.on('conversation:delivery', (_id: string, report: { seq: number; delivery: { status: string } }) => listener(report));
      return () => owner.socket.off('conversation:delivery');
    });
    const failed = await connector.request('conversation:delivery', { caseId, seq, status: 'failed', reason: 'mailbox full' });
    expect(failed).toMatchObject({ ok: true, message: { seq, delivery: { status: 'failed', reason: 'mailbox full' } } });
    expect(await heard).toMatchObject({ seq, delivery: { status: 'failed' } });
    // The channel retried: a failed reply may still be delivered, and then it stays delivered.
    const delivered = await api(hub.url, `/api/cases/${caseId}/messages/${seq}/delivery`, {
      token: await mintToken(chatConnector),
      body: { status: 'delivered' },
    });
    expect(delivered).toMatchObject({ status: 200, body: { message: { delivery: { status: 'delivered', reason: null } } } });
    expect((await connector.request('conversation:delivery', { caseId, seq, status: 'failed', reason: 'late bounce' })).error?.code).toBe(
      'already_delivered',
    );
    // Only a connector of the message's channel reports; only replies have deliveries.
    const smsOnly = await connect({ ...chatConnector, userId: 'sms-connector', channels: ['sms'] });
    expect((await smsOnly.request('conversation:delivery', { caseId, seq, status: 'delivered' })).error?.code).toBe('not_your_channel');
    expect((await owner.request('conversation:delivery', { caseId, seq, status: 'delivered' })).error?.code).toBe('not_your_channel');
    expect((await connector.request('conversation:delivery', { caseId, seq: 1, status: 'delivered' })).error?.code).toBe('unknown_message');
    expect((await connector.request('conversation:delivery', { caseId, seq: 99, status: 'delivered' })).error?.code).toBe(
      'unknown_message',
    );
    const [stored] = (await thread(caseId)).messages.filter((m) => m.seq === seq);
    expect(stored?.delivery).toMatchObject({ status: 'delivered' });
    const types = await eventTypes(caseId);
    expect(types.filter((t) => t === 'message.failed')).toHaveLength(1);
    expect(types.filter((t) => t === 'message.delivered')).toHaveLength(1);
  });

  it('keeps corrections and redactions as new entries, and shows readers the amended thread', async () => {
    const { caseId, owner, connector } = await ownedCase();
    await connector.request('conversation:post', inbound(caseId, 'My card is 4111 1111 1111 1111'));
    const reply = (await owner.request('conversation:send', { caseId, body: 'We refund 6.90 EUR' })) as unknown as { message: Message };
    const corrected = await owner.request('conversation:correct', { caseId, seq: reply.message.seq, body: 'We refund 9.60 EUR' });
    expect(corrected).toMatchObject({ ok: true, message: { seq: 3, kind: 'correction', replaces: 2, direction: 'out' } });
    const specialist = await inRoom(caseId, sam);
    expect((await specialist.request('conversation:redact', { caseId, seq: 1, reason: 'card number' })).error?.code).toBe('forbidden');
    expect((await specialist.request('conversation:correct', { caseId, seq: 2, body: 'x' })).error?.code).toBe('forbidden');
    const redacted = await owner.request('conversation:redact', { caseId, seq: 1, reason: 'card number' });
    expect(redacted).toMatchObject({ ok: true, message: { seq: 4, kind: 'redaction', replaces: 1, body: 'card number' } });
    // An amendment is not itself amended, and a redacted message stays redacted.
    expect((await owner.request('conversation:correct', { caseId, seq: 3, body: 'y' })).error?.code).toBe('invalid_payload');
    expect((await owner.request('conversation:redact', { caseId, seq: 1, reason: 'again' })).error?.code).toBe('invalid_payload');
    const { messages } = await thread(caseId);
    expect(messages.map((m) => [m.seq, m.kind, m.body, m.redacted])).toEqual([
      [1, 'message', '', true],
      [2, 'message', 'We refund 9.60 EUR', false],
      [3, 'correction', 'We refund 9.60 EUR', false],
      [4, 'redaction', 'card number', false],
    ]);
    expect(await eventTypes(caseId)).toEqual(expect.arrayContaining(['message.corrected', 'message.redacted']));
  });

  it('says since when the customer waits, and lists the longest waits first', async () => {
    const team = `waiting-${process.pid}`;
    const agent: Identity = { ...ann, userId: `ann@${team}`, team };
    const connectorOf: Identity = { ...chatConnector, userId: `connector@${team}`, team };
    const record = async (caseId: string) =>
      (await api(hub.url, `/api/cases/${caseId}`, { token: await mintToken(agent) })).body.case as { waitingSince: string | null };
    const cases = [await hub.createCase({ team }), await hub.createCase({ team }), await hub.createCase({ team })];
    const connector = await connect(connectorOf);
    const owner = await connect(agent);
    for (const caseId of cases) {
      await owner.join(caseId);
      await owner.request('owner:claim', { caseId });
    }
    const [older, newer, quiet] = cases as [string, string, string];
    const first = (await connector.request('conversation:post', inbound(older, 'First'))) as unknown as { message: Message };
    await connector.request('conversation:post', inbound(newer, 'Second'));
    await connector.request('conversation:post', inbound(older, 'Hello??'));
    // The wait starts with the oldest unanswered message, not the newest.
    expect((await record(older)).waitingSince).toBe(first.message.at);
    expect((await record(quiet)).waitingSince).toBeNull();
    const listing = async () =>
      (await api(hub.url, `/api/cases?sort=waiting`, { token: await mintToken(agent) })).body.cases as Array<{ id: string }>;
    expect((await listing()).map((c) => c.id)).toEqual([older, newer]);
    await owner.request('conversation:send', { caseId: older, body: 'On it' });
    expect((await record(older)).waitingSince).toBeNull();
    expect((await listing()).map((c) => c.id)).toEqual([newer]);
    // Paged, longest wait first.
    await connector.request('conversation:post', inbound(older, 'Thanks, one more question'));
    const page = await api(hub.url, `/api/cases?sort=waiting&limit=1`, { token: await mintToken(agent) });
    expect(page.body.cases.map((c: { id: string }) => c.id)).toEqual([newer]);
    const next = await api(hub.url, `/api/cases?sort=waiting&limit=1&cursor=${page.body.nextCursor}`, { token: await mintToken(agent) });
    expect(next.body.cases.map((c: { id: string }) => c.id)).toEqual([older]);
  });
});

describe('what the conversation refuses', () => {
  it('refuses connectors on channels their token does not carry, and people posting as the customer', async () => {
    const { caseId, owner } = await ownedCase();
    const smsOnly = await connect({ ...chatConnector, userId: 'sms-connector', channels: ['sms'] });
    expect((await smsOnly.request('conversation:post', inbound(caseId, 'Hi'))).error?.code).toBe('not_your_channel');
    expect((await owner.request('conversation:post', inbound(caseId, 'Hi'))).error?.code).toBe('not_your_channel');
    const plainBot = await connect(qaBot);
    expect((await plainBot.request('conversation:post', inbound(caseId, 'Hi'))).error?.code).toBe('not_your_channel');
    expect((await thread(caseId)).lastSeq).toBe(0);
  });

  it('refuses malformed messages with the field at fault, and changes nothing', async () => {
    const { caseId, owner, connector } = await ownedCase();
    await connector.request('conversation:post', inbound(caseId, 'Hi'));
    const bad: Array<[string, unknown, string]> = [
      ['conversation:send', { caseId, body: '' }, 'body'],
      ['conversation:send', { caseId, body: 'x'.repeat(20_001) }, 'body'],
      ['conversation:send', { caseId, body: 'x', channel: 'pigeon' }, 'channel'],
      ['conversation:send', { caseId, body: 'x', attachments: [{ url: 'javascript:alert(1)', name: 'a', size: 1 }] }, 'attachments.0.url'],
      [
        'conversation:send',
        { caseId, body: 'x', attachments: [{ url: 'https://files.example/a.pdf', name: 'a', size: -1 }] },
        'attachments.0.size',
      ],
      ['conversation:send', { caseId, body: 'x', author: { userId: 'sue' } }, 'author'],
      ['conversation:correct', { caseId, seq: 0, body: 'x' }, 'seq'],
      ['conversation:redact', { caseId, seq: '1', reason: 'x' }, 'seq'],
      ['conversation:history', { caseId, after: 1, before: 3 }, 'before'],
      ['floor:give', { caseId }, 'userId'],
    ];
    for (const [event, payload, field] of bad) {
      const answer = await owner.request(event, payload);
      expect(answer.error, `${event} ${JSON.stringify(payload).slice(0, 80)}`).toMatchObject({ code: 'invalid_payload', field });
    }
    expect((await connector.request('conversation:post', { ...inbound(caseId, 'x'), externalId: '' })).error?.field).toBe('externalId');
    expect((await connector.request('conversation:delivery', { caseId, seq: 1, status: 'delivered', reason: 'x' })).error?.field).toBe(
      'reason',
    );
    expect((await thread(caseId)).lastSeq).toBe(1);
  });

  it('keeps other teams out, and refuses unknown cases', async () => {
    const { caseId, connector } = await ownedCase();
    const stranger = await connect(otto);
    expect((await stranger.request('conversation:history', { caseId })).error?.code).toBe('forbidden');
    expect((await connector.request('conversation:post', inbound('no-such-case', 'Hi'))).error?.code).toBe('unknown_case');
    const foreign = await connect({ ...chatConnector, userId: 'shipping-connector', team: 'shipping' });
    expect((await foreign.request('conversation:post', inbound(caseId, 'Hi'))).error?.code).toBe('forbidden');
    const overHttp = await api(hub.url, `/api/cases/${caseId}/messages`, { token: await mintToken(otto) });
    expect(overHttp).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden' } } });
    const badSeq = await api(hub.url, `/api/cases/${caseId}/messages/abc/delivery`, {
      token: await mintToken(chatConnector),
      body: { status: 'delivered' },
    });
    expect(badSeq.status).toBe(400);
    expect((await thread(caseId)).lastSeq).toBe(0);
  });

  it('signs a channel connector in through the development login, and no person with channels', async () => {
    const { caseId } = await ownedCase();
    const login = await api(hub.url, '/api/dev/login', { body: { name: 'SMS gateway', role: 'bot', team: 'billing', channels: ['sms'] } });
    expect(login.body).toMatchObject({ ok: true, identity: { role: 'bot', channels: ['sms'] } });
    const gateway = new Participant(await connected(rawSocket(hub.url, login.body.token)));
    expect(await gateway.request('conversation:post', inbound(caseId, 'Hi', { channel: 'sms' }))).toMatchObject({ ok: true });
    const person = await api(hub.url, '/api/dev/login', { body: { name: 'Pat', role: 'agent', team: 'billing', channels: ['sms'] } });
    expect(person).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', field: 'channels' } } });
  });

  it('shows a bot narrowed away from the conversation none of it', async () => {
    const { caseId, connector } = await ownedCase();
    await connector.request('conversation:post', inbound(caseId, 'Hi'));
    const narrowed = await connect({ ...qaBot, userId: 'notes-bot', eventTypes: ['notes.changed'] });
    const joined = await narrowed.request('case:join', { caseId });
    expect(joined).toMatchObject({ ok: true, conversation: { messages: [], lastSeq: 0 } });
    expect((await narrowed.request('conversation:history', { caseId })).error?.code).toBe('out_of_scope');
    const overHttp = await api(hub.url, `/api/cases/${caseId}/messages`, {
      token: await mintToken({ ...qaBot, eventTypes: ['notes.changed'] }),
    });
    expect(overHttp.status).toBe(403);
  });
});

/**
 * The conversation of a case through the SDK: `session.conversation` kept current for everyone in
 * the room, replies, corrections, redactions and the floor as session methods whose refusals
 * reject with their code and change nothing, the composing mark seen by others and renewed while
 * it holds, a rejoining session catching up without gap or duplicate, and a ChannelBot bringing a
 * customer's messages in and delivering the team's replies.
 */
import type { CaseSession, ChannelBot, Message, Reply } from '@caseroom/client';
import type { Identity } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectChannelBot } from '../helpers/bots.js';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { ann, chatConnector, sam, sid } from '../helpers/people.js';
import { refusalOf, waitForSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

let hub: TestHub;

beforeAll(async () => {
  // A short composing window, so that a test sees the mark renewed before it would lapse.
  hub = await startTestHub({ CASEROOM_COMPOSING_MS: '2000' });
});
afterAll(() => hub.stop());

let externalIds = 0;
const fromCustomer = (body: string) => ({
  channel: 'chat' as const,
  body,
  externalId: `sdk-chat-${process.pid}-${++externalIds}`,
  customer: { name: 'Dana Customer', address: 'dana@example.com' },
});

const open = async (caseId: string, who: Identity): Promise<CaseSession> => (await openCaseAs(hub.url, caseId, who)).session;

/** A case Ann owns, with Ann in the room and the chat connector connected. */
async function ownedCase(): Promise<{ caseId: string; owner: CaseSession; connector: ChannelBot }> {
  const caseId = await hub.createCase();
  const owner = await open(caseId, ann);
  await owner.claim();
  return { caseId, owner, connector: await connectChannelBot(hub.url) };
}

/** Resolves once the session's thread reaches `seq`. */
const reaches = (session: CaseSession, seq: number) =>
  waitForSession(session, 'conversation', `the thread to reach ${seq}`, (s) => s.conversation.lastSeq >= seq);

/** Every message the session announces, in the order it announced them. */
function announced(session: CaseSession): Message[] {
  const messages: Message[] = [];
  session.on('message', (message) => messages.push(message));
  return messages;
}

const seqs = (session: CaseSession) => session.conversation.messages.map((m) => m.seq);

describe('the conversation through the SDK', () => {
  it('keeps session.conversation current for everyone in the room', async () => {
    const { caseId, owner, connector } = await ownedCase();
    const specialist = await open(caseId, sam);
    const heard = announced(specialist);
    const posted = await connector.post(caseId, fromCustomer('I was charged twice'));
    expect(posted).toMatchObject({ duplicate: false, message: { seq: 1, direction: 'in', channel: 'chat' } });
    await reaches(owner, 1);
    expect(owner.conversation.waitingSince).toBe(posted.message.at);

    const reply = await owner.send('Sorry, Dana: checking now.');
    expect(reply).toMatchObject({ seq: 2, direction: 'out', channel: 'chat', delivery: { status: 'pending' } });
    // The sender's conversation has its reply with the answer, before the room hears of it.
    expect(seqs(owner)).toEqual([1, 2]);
    expect(owner.conversation.waitingSince).toBeNull();
    await reaches(specialist, 2);
    expect(specialist.conversation.messages.map((m) => [m.seq, m.direction, m.body])).toEqual([
      [1, 'in', 'I was charged twice'],
      [2, 'out', 'Sorry, Dana: checking now.'],
    ]);
    expect(heard.map((m) => m.seq)).toEqual([1, 2]);

    await connector.report(caseId, 2, 'delivered');
    await waitForSession(specialist, 'conversation', 'the delivery', (s) => s.conversation.messages[1]?.delivery?.status === 'delivered');
    await waitForSession(owner, 'conversation', 'the delivery', (s) => s.conversation.messages[1]?.delivery?.status === 'delivered');
  });

  it('lets the owner give the floor and take it back; refusals reject with their code and change nothing', async () => {
    const { caseId, owner, connector } = await ownedCase();
    await connector.post(caseId, fromCustomer('Where is my parcel?'));
    const shipping = await open(caseId, sid);
    const other = await open(caseId, sam);
    await reaches(shipping, 1);
    expect(shipping.maySpeak).toBe(false);
    expect(await refusalOf(shipping.send('It left today'))).toBe('not_your_floor');
    expect(await refusalOf(other.giveFloor('sid'))).toBe('not_owner');
    expect(await refusalOf(owner.giveFloor('nobody-here'))).toBe('not_in_room');
    expect(await refusalOf(shipping.composing(true))).toBe('not_your_floor');
    expect(owner.conversation.floor.holder).toBeNull();

    const given = await owner.giveFloor('sid');
    expect(given).toMatchObject({ holder: { userId: 'sid', department: 'Shipping' }, givenBy: 'ann' });
    await waitForSession(shipping, 'conversation', 'the floor', (s) => s.maySpeak);
    const sent = await shipping.send('Your parcel left today');
    expect(sent.author).toEqual({ userId: 'sid', name: 'Sid', role: 'specialist', department: 'Shipping' });
    expect(await refusalOf(other.send('Hello'))).toBe('not_your_floor');

    await owner.takeFloor();
    await waitForSession(shipping, 'conversation', 'the floor to end', (s) => !s.maySpeak);
    expect(await refusalOf(shipping.send('One more thing'))).toBe('not_your_floor');
    await reaches(owner, 2);
    expect(owner.conversation.lastSeq).toBe(2);
  });

  it('corrects and redacts through the session, and shows the amended thread', async () => {
    const { caseId, owner, connector } = await ownedCase();
    const specialist = await open(caseId, sam);
    await connector.post(caseId, fromCustomer('My card is 4111 1111 1111 1111'));
    await reaches(owner, 1);
    const reply = await owner.send('We refund 6.90 EUR');
    expect(await refusalOf(specialist.correct(reply.seq, 'We refund 0 EUR'))).toBe('forbidden');
    expect(await refusalOf(specialist.redact(1, 'card number'))).toBe('forbidden');
    expect(await refusalOf(owner.correct(99, 'x'))).toBe('unknown_message');
    expect(await refusalOf(owner.send('   '))).toBe('invalid_payload');
    expect(owner.conversation.lastSeq).toBe(2);

    expect(await owner.correct(reply.seq, 'We refund 9.60 EUR')).toMatchObject({ seq: 3, kind: 'correction', replaces: 2 });
    expect(await owner.redact(1, 'card number')).toMatchObject({ seq: 4, kind: 'redaction', replaces: 1 });
    await reaches(specialist, 4);
    for (const session of [owner, specialist])
      expect(session.conversation.messages.map((m) => [m.seq, m.kind, m.body, m.redacted])).toEqual([
        [1, 'message', '', true],
        [2, 'message', 'We refund 9.60 EUR', false],
        [3, 'correction', 'We refund 9.60 EUR', false],
        [4, 'redaction', 'card number', false],
      ]);
  });

  it('shows who is writing a reply to the others, renews the mark while it holds, and ends it on send', async () => {
    const { caseId, owner, connector } = await ownedCase();
    await connector.post(caseId, fromCustomer('Any news?'));
    const shipping = await open(caseId, sid);
    await owner.giveFloor('sid');
    await waitForSession(shipping, 'conversation', 'the floor', (s) => s.maySpeak);

    const marks: string[] = [];
    shipping.on('conversation', (_conversation, change) => {
      if (change.kind === 'composing' && change.composing.person.userId === 'ann' && change.composing.until)
        marks.push(change.composing.until);
    });
    await owner.composing(true);
    await owner.composing(true); // said again while it holds: nothing more is sent
    await waitForSession(shipping, 'conversation', "Ann's mark", (s) => s.conversation.composing.some((c) => c.person.userId === 'ann'));
    // Renewed before it lapses (the hub's window is 2 s here): a later mark follows the first.
    await waitFor(
      'the mark to be renewed',
      (check) => shipping.on('conversation', check),
      () => marks.length >= 2 || undefined,
    );
    expect(marks[1]! > marks[0]!).toBe(true);

    const refused = await shipping.send('Shipped today').catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'reply_in_progress', details: { composing: [{ userId: 'ann' }] } });
    expect(shipping.conversation.lastSeq).toBe(1);
    await owner.send('It is on its way');
    await waitForSession(shipping, 'conversation', 'the mark to end', (s) => s.conversation.composing.length === 0);
    // With the mark gone, the other voice sends without confirming.
    expect(await shipping.send('Shipped today')).toMatchObject({ seq: 3 });
    await owner.composing(true);
    await waitForSession(shipping, 'conversation', "Ann's mark again", (s) => s.conversation.composing.length === 1);
    expect(await shipping.send('Tracking number follows', { confirm: true })).toMatchObject({ seq: 4 });
    await owner.composing(false);
    await waitForSession(shipping, 'conversation', 'the mark to end', (s) => s.conversation.composing.length === 0);
  });

  it('catches a rejoining session up without gap or duplicate', async () => {
    const { caseId, owner, connector } = await ownedCase();
    await connector.post(caseId, fromCustomer('Hello'));
    const client = connectClient(hub.url, await mintToken(sam));
    const away = client.openCase(caseId);
    await away.synced;
    await reaches(away, 1);
    const heard = announced(away);

    client.disconnect();
    await waitForSession(away, 'status', 'the session to go offline', (s) => s.status === 'offline');
    // More than a join brings (its newest 50): the rest comes from history.
    for (let i = 0; i < 130; i++) await connector.post(caseId, fromCustomer(`line ${i}`));
    await owner.send('Thanks for all the details');
    client.connect();
    await reaches(away, 132);
    const expected = Array.from({ length: 132 }, (_, i) => i + 1);
    expect(seqs(away)).toEqual(expected);
    expect(heard.map((m) => m.seq)).toEqual(expected.slice(1));
    expect(away.conversation.waitingSince).toBeNull();

    // Live again: the next message arrives once.
    await connector.post(caseId, fromCustomer('One more'));
    await reaches(away, 133);
    expect(heard.map((m) => m.seq)).toEqual([...expected.slice(1), 133]);
    expect(away.conversation.waitingSince).not.toBeNull();
  });

  it('pages back through earlier messages with history', async () => {
    const { caseId, owner, connector } = await ownedCase();
    for (let i = 0; i < 105; i++) await connector.post(caseId, fromCustomer(`line ${i}`));
    const late = await open(caseId, sam);
    expect(late.conversation.messages[0]?.seq).toBe(56);
    const page = await late.history({ before: 56, limit: 3 });
    expect(page.map((m) => m.seq)).toEqual([53, 54, 55]);
    expect(late.conversation.messages.slice(0, 3).map((m) => m.seq)).toEqual([53, 54, 55]);
    expect(late.conversation.messages).toHaveLength(53);
    expect(await refusalOf(owner.history({ before: 0 }))).toBe('invalid_payload');
  });
});

describe('a channel connector through ChannelBot', () => {
  it('posts idempotently, delivers the replies on its channels and reports them to the room', async () => {
    const { caseId, owner, connector } = await ownedCase();
    const replies: Reply[] = [];
    const subscription = connector.onReply((reply) => {
      replies.push(reply);
    });
    await subscription.ready;
    const post = fromCustomer('Is my refund on its way?');
    const first = await connector.post(caseId, post);
    expect(await connector.post(caseId, post)).toEqual({ duplicate: true, message: first.message });
    await reaches(owner, 1);

    const reply = await owner.send('Yes, today.');
    await waitForSession(owner, 'conversation', 'the reply delivered', (s) => s.conversation.messages[1]?.delivery?.status === 'delivered');
    expect(replies).toMatchObject([{ caseId, seq: reply.seq, kind: 'message', body: 'Yes, today.', author: { userId: 'ann' } }]);

    // A corrected reply is delivered again, as its correction.
    const correction = await owner.correct(reply.seq, 'Yes, it left today.');
    await waitForSession(
      owner,
      'conversation',
      'the correction delivered',
      (s) => s.conversation.messages[2]?.delivery?.status === 'delivered',
    );
    expect(replies.at(-1)).toMatchObject({ seq: correction.seq, kind: 'correction', replaces: reply.seq, body: 'Yes, it left today.' });
    expect(owner.conversation.lastSeq).toBe(3);
  });

  it('reports a reply failed, with the reason, when the handler throws', async () => {
    const { caseId, owner, connector } = await ownedCase();
    const subscription = connector.onReply(() => {
      throw new Error('mailbox full');
    });
    await subscription.ready;
    await connector.post(caseId, fromCustomer('Hello?'));
    await reaches(owner, 1);
    const reply = await owner.send('Hello Dana');
    const failed = await waitFor(
      'the reply reported failed',
      (check) => owner.on('conversation', check),
      () => owner.conversation.messages.find((m) => m.seq === reply.seq && m.delivery?.status === 'failed'),
    );
    expect(failed.delivery).toMatchObject({ status: 'failed', reason: 'mailbox full' });
  });

  it('leaves replies on channels it does not serve to their own connector', async () => {
    const { caseId, owner, connector: chat } = await ownedCase();
    const sms = await connectChannelBot(hub.url, { ...chatConnector, userId: 'sms-connector', name: 'SMS gateway', channels: ['sms'] });
    const chatReplies: Reply[] = [];
    const smsReplies: Reply[] = [];
    await chat.onReply((reply) => void chatReplies.push(reply)).ready;
    await sms.onReply((reply) => void smsReplies.push(reply)).ready;
    expect(await refusalOf(sms.post(caseId, fromCustomer('not my channel')))).toBe('not_your_channel');
    await chat.post(caseId, fromCustomer('Hi, on chat'));
    await reaches(owner, 1);
    const onChat = await owner.send('Hi Dana');
    // The customer moves to SMS; the next reply goes there, to the SMS connector alone.
    await sms.post(caseId, { ...fromCustomer('Now by text'), channel: 'sms' });
    await reaches(owner, 3);
    const onSms = await owner.send('Got your text');
    await waitForSession(owner, 'conversation', 'both replies delivered', (s) =>
      [onChat.seq, onSms.seq].every((seq) => s.conversation.messages.find((m) => m.seq === seq)?.delivery?.status === 'delivered'),
    );
    // Each connector handles the feed in order: by the SMS reply, the chat one had gone past it.
    expect(smsReplies.map((r) => [r.seq, r.channel])).toEqual([[onSms.seq, 'sms']]);
    expect(chatReplies.map((r) => [r.seq, r.channel])).toEqual([[onChat.seq, 'chat']]);
  });
});

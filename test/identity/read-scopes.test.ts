/**
 * One rule for what a token may see, on every read path. A bot narrowed to some event types
 * (`events` claim) reads only what those types tell: the event log filtered to them, and of a
 * case's state only the parts they describe. A person of another team reads nothing of the case.
 */
import type { Identity } from '@caseroom/shared';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaseAs } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { ann, intakeBot, otto, sue } from '../helpers/people.js';
import { connected, rawSocket } from '../helpers/sockets.js';
import { refusedUpgrade } from '../helpers/yjs.js';
import { nextEvent } from '../helpers/wait.js';

/** The intake bot on a token narrowed as a CRM sync's would be: it may see only that cases were created. */
const crm: Identity = { ...intakeBot, eventTypes: ['case.created'] };

let hub: TestHub;
let caseId: string;
let approvalId: string;

beforeAll(async () => {
  hub = await startTestHub();
  caseId = await hub.createCase();
  const { session } = await openCaseAs(hub.url, caseId, ann);
  await session.claim();
  session.steps.add({ text: 'Refund the duplicate charge' });
  await session.flushed();
  approvalId = (await session.requestApproval({ kind: 'refund', summary: 'Refund 49.00', amount: 49, currency: 'EUR' })).id;
});
afterAll(() => hub.stop());

const get = async (path: string, who: Identity) => api(hub.url, path, { token: await mintToken(who) });

describe('HTTP reads', () => {
  it('give a narrowed bot only what its event types describe', async () => {
    const list = await get('/api/cases', crm);
    expect(list.status).toBe(200);
    expect(list.body.cases.map((c: { id: string }) => c.id)).toContain(caseId);
    expect(list.body).not.toHaveProperty('owners');

    const read = await get(`/api/cases/${caseId}`, crm);
    expect(read.status).toBe(200);
    expect(read.body.case.id).toBe(caseId);
    expect(Object.keys(read.body).sort()).toEqual(['case', 'ok']);

    const events = await get(`/api/cases/${caseId}/events`, crm);
    expect(events.status).toBe(200);
    expect(new Set(events.body.events.map((e: { type: string }) => e.type))).toEqual(new Set(['case.created']));

    for (const path of [`/api/cases/${caseId}/approvals`, `/api/approvals/${approvalId}`, '/api/reviews'])
      expect(await get(path, crm), path).toMatchObject({ status: 403, body: { ok: false, error: { code: 'out_of_scope' } } });
    expect((await get('/api/webhooks', crm)).status).toBe(403);
  });

  it('give a person of another team nothing of the case', async () => {
    const list = await get('/api/cases?team=billing', otto);
    expect(list.status === 403 || !list.body.cases.some((c: { id: string }) => c.id === caseId)).toBe(true);
    for (const path of [
      `/api/cases/${caseId}`,
      `/api/cases/${caseId}/approvals`,
      `/api/cases/${caseId}/events`,
      `/api/approvals/${approvalId}`,
    ]) {
      const answer = await get(path, otto);
      expect([403, 404], path).toContain(answer.status);
      expect(JSON.stringify(answer.body), path).not.toContain('Refund');
    }
    expect((await get('/api/reviews', otto)).status).toBe(403);
  });

  it('give an unnarrowed token of the team everything', async () => {
    const read = await get(`/api/cases/${caseId}`, ann);
    expect(Object.keys(read.body).sort()).toEqual(['case', 'document', 'history', 'ok', 'ownership']);
    const events = await get(`/api/cases/${caseId}/events`, ann);
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['owner.claimed', 'approval.requested']),
    );
  });
});

describe('the live case room, subscriptions and webhooks', () => {
  async function socketOf(who: Identity): Promise<Socket> {
    return connected(rawSocket(hub.url, await mintToken(who)));
  }

  it('refuse a narrowed bot the room, the approvals feed and event types outside its token', async () => {
    const socket = await socketOf(crm);
    expect(await socket.emitWithAck('case:join', { caseId })).toMatchObject({ ok: false, error: { code: 'out_of_scope' } });
    expect(await socket.emitWithAck('approval:pending', {})).toMatchObject({ ok: false, error: { code: 'out_of_scope' } });
    expect(await socket.emitWithAck('events:subscribe', { types: ['owner.claimed'] })).toMatchObject({
      ok: false,
      error: { code: 'out_of_scope' },
    });
    expect(await refusedUpgrade(hub.url, `/yjs/${caseId}?token=${await mintToken(crm)}`)).toMatchObject({
      status: 403,
      body: { error: { code: 'out_of_scope' } },
    });
  });

  it('refuse a person of another team the room, the subscription and the y-websocket upgrade', async () => {
    const socket = await socketOf(otto);
    expect(await socket.emitWithAck('case:join', { caseId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await socket.emitWithAck('events:subscribe', { cases: [caseId] })).toMatchObject({ ok: false, error: { code: 'out_of_scope' } });
    expect((await refusedUpgrade(hub.url, `/yjs/${caseId}?token=${await mintToken(otto)}`)).status).toBe(403);
  });

  it('leave a bot in the room out of announcements its token does not cover', async () => {
    const notesBot: Identity = { ...crm, userId: 'notes-bot', eventTypes: ['notes.changed', 'case.status_changed'] };
    const socket = await socketOf(notesBot);
    const joined = await socket.emitWithAck('case:join', { caseId });
    // The case is owned by Ann and has a pending approval: none of it is the bot's to see.
    expect(joined).toMatchObject({ ok: true, approvals: [], roster: [], ownership: { owner: null, epoch: 0 } });
    const heard: string[] = [];
    for (const event of ['owner', 'approval', 'roster', 'case:updated']) socket.on(event, () => heard.push(event));
    const { session } = await openCaseAs(hub.url, caseId, sue);
    const caseUpdated = nextEvent('case:updated at the bot', (listener) => {
      socket.on('case:updated', listener);
      return () => socket.off('case:updated', listener);
    });
    await session.reassign('ann');
    await session.requestApproval({ kind: 'refund', summary: 'Refund again', amount: 5, currency: 'EUR' });
    await session.resolve();
    // The case update comes after the others: by then they would have arrived too.
    await caseUpdated;
    expect(heard).toEqual(['case:updated']);
  });

  it('refuse a webhook whose types a narrowed supervisor token does not cover', async () => {
    const narrowed: Identity = { ...sue, userId: 'sue-narrowed', eventTypes: ['case.created'] };
    const token = await mintToken(narrowed);
    const refused = await api(hub.url, '/api/webhooks', { token, body: { url: 'https://crm.example.com/hook', types: ['owner.claimed'] } });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'out_of_scope' } } });
    const allowed = await api(hub.url, '/api/webhooks', { token, body: { url: 'https://crm.example.com/hook' } });
    expect(allowed.status).toBe(201);
    expect(allowed.body.webhook.types).toEqual(['case.created']);
  });
});

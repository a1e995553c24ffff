import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseSession } from '@caseroom/client';
import type { Identity, RosterUpdate } from '@caseroom/shared';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import { waitForSession } from '../helpers/session.js';
import { amy, ann, mallory, sam } from '../helpers/people.js';

let hub: TestHub;
const graceMs = 300;

beforeAll(async () => {
  hub = await startTestHub({ CASEROOM_PRESENCE_GRACE_MS: String(graceMs) });
});
afterAll(() => hub.stop());

const open = async (caseId: string, who: Identity): Promise<CaseSession> => (await openCaseAs(hub.url, caseId, who)).session;

const memberOf = (session: CaseSession, userId: string) => session.roster.find((m) => m.userId === userId);

describe('the roster', () => {
  it('lists the people in the room, and a joiner gets the full roster at once', async () => {
    const caseId = await hub.createCase();
    await open(caseId, ann);
    const samSession = await open(caseId, sam);
    expect(samSession.roster.map((m) => m.userId).sort()).toEqual(['ann', 'sam']);
    expect(memberOf(samSession, 'ann')).toMatchObject({ name: 'Ann', role: 'agent', status: 'active', connections: 1 });
    expect(Date.parse(memberOf(samSession, 'ann')!.since)).not.toBeNaN();
  });

  it('shows a person with three tabs as one entry with three connections', async () => {
    const caseId = await hub.createCase();
    const watcher = await open(caseId, sam);
    await Promise.all([open(caseId, ann), open(caseId, ann), open(caseId, ann)]);
    await waitForSession(watcher, 'roster', 'three tabs of ann', (s) => memberOf(s, 'ann')?.connections === 3);
    expect(watcher.roster.filter((m) => m.userId === 'ann')).toHaveLength(1);
  });

  it('does not flicker on a reload within the grace period, and drops a person after it', async () => {
    const caseId = await hub.createCase();
    const watcher = await open(caseId, sam);
    const changes: RosterUpdate['change'][] = [];
    watcher.on('roster', (_members, change) => change && changes.push(change));
    const annClient = connectClient(hub.url, await mintToken(ann));
    await annClient.openCase(caseId).synced;
    await waitForSession(watcher, 'roster', 'ann to join', (s) => memberOf(s, 'ann') !== undefined);

    // A reload: the old tab goes, a new one comes before the grace period ends.
    annClient.disconnect();
    await waitForSession(watcher, 'roster', 'ann at zero connections', (s) => memberOf(s, 'ann')?.connections === 0);
    await open(caseId, ann);
    await waitForSession(watcher, 'roster', 'ann back', (s) => memberOf(s, 'ann')?.connections === 1);
    expect(changes.filter((c) => c.userId === 'ann').map((c) => c.kind)).toEqual(['joined', 'updated', 'updated']);

    // Gone for good: after the grace period amy leaves the roster.
    const leaving = connectClient(hub.url, await mintToken(amy));
    await leaving.openCase(caseId).synced;
    await waitForSession(watcher, 'roster', 'amy to join', (s) => memberOf(s, 'amy') !== undefined);
    await leaving.close();
    await waitForSession(watcher, 'roster', 'amy to leave', (s) => memberOf(s, 'amy') === undefined);
    expect(changes.filter((c) => c.userId === 'amy').map((c) => c.kind)).toEqual(['joined', 'updated', 'left']);
  });

  it('broadcasts status changes and keeps them across a reconnect', async () => {
    const caseId = await hub.createCase();
    const watcher = await open(caseId, sam);
    const annClient = connectClient(hub.url, await mintToken(ann));
    const annSession = annClient.openCase(caseId);
    await annSession.synced;
    await annSession.setStatus('away');
    await waitForSession(watcher, 'roster', 'ann away', (s) => memberOf(s, 'ann')?.status === 'away');
    await annSession.setStatus('idle');
    await waitForSession(watcher, 'roster', 'ann idle', (s) => memberOf(s, 'ann')?.status === 'idle');
    await expect(annClient.socket.emitWithAck('presence:status', { caseId, status: 'asleep' } as never)).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', field: 'status' },
    });
    expect(memberOf(watcher, 'ann')?.status).toBe('idle');
  });
});

describe('awareness', () => {
  it('strips identity, role and ownership claims and stamps the real name on the cursor label', async () => {
    const caseId = await hub.createCase();
    const watcher = await open(caseId, sam);
    const forger = await open(caseId, ann);
    forger.awareness.setLocalState({
      cursor: { anchor: 3, head: 5 },
      user: { name: 'The Supervisor', color: '#f80', role: 'supervisor', userId: 'sue' },
      role: 'supervisor',
      owner: true,
      ownership: { owner: { userId: 'ann' }, epoch: 99 },
      typing: true,
    });
    const clientId = forger.doc.clientID;
    const state = await waitFor(
      'the forger’s awareness on the watcher',
      (check) => {
        watcher.awareness.on('change', check);
        return () => watcher.awareness.off('change', check);
      },
      () => watcher.awareness.getStates().get(clientId),
    );
    expect(state).toEqual({ cursor: { anchor: 3, head: 5 }, user: { name: 'Ann', color: '#f80', id: 'ann' }, typing: true });
  });

  it('lets a cursor colour through only as a CSS hex colour', async () => {
    const caseId = await hub.createCase();
    const watcher = await open(caseId, sam);
    const painter = await open(caseId, ann);
    painter.awareness.setLocalState({
      cursor: { anchor: 1, head: 1 },
      user: { name: 'Ann', color: 'red; position: fixed; inset: 0', colorLight: '#175cd333', shade: 'dark' },
    });
    const clientId = painter.doc.clientID;
    const state = await waitFor(
      'the painter’s awareness on the watcher',
      (check) => {
        watcher.awareness.on('change', check);
        return () => watcher.awareness.off('change', check);
      },
      () => watcher.awareness.getStates().get(clientId),
    );
    expect(state).toEqual({ cursor: { anchor: 1, head: 1 }, user: { name: 'Ann', colorLight: '#175cd333', shade: 'dark', id: 'ann' } });
  });

  it('ignores awareness sent in the name of another connection’s client id', async () => {
    const caseId = await hub.createCase();
    const watcher = await open(caseId, sam);
    const honest = await open(caseId, ann);
    honest.awareness.setLocalStateField('cursor', { anchor: 1 });
    const honestId = honest.doc.clientID;
    await waitFor(
      'the honest cursor',
      (check) => {
        watcher.awareness.on('change', check);
        return () => watcher.awareness.off('change', check);
      },
      () => watcher.awareness.getStates().get(honestId)?.cursor !== undefined || undefined,
    );

    const { encodeAwarenessUpdate } = await import('@caseroom/shared');
    const impostor = connectClient(hub.url, await mintToken(mallory));
    await impostor.openCase(caseId).synced;
    const forged = encodeAwarenessUpdate([{ clientId: honestId, clock: 999, state: { cursor: { anchor: 42 } } }]);
    const ack = await impostor.socket.emitWithAck('doc:awareness', caseId, forged);
    expect(ack).toEqual({ ok: true });
    // A later, genuine change proves the forged one was processed and dropped.
    honest.awareness.setLocalStateField('cursor', { anchor: 2 });
    await waitFor(
      'the honest cursor to move',
      (check) => {
        watcher.awareness.on('change', check);
        return () => watcher.awareness.off('change', check);
      },
      () => (watcher.awareness.getStates().get(honestId)?.cursor as { anchor?: number } | undefined)?.anchor === 2 || undefined,
    );
    expect(watcher.awareness.getStates().get(honestId)).toEqual({ cursor: { anchor: 2 } });
  });
});

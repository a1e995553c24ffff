import { caseIdPattern, type CaseRecord } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, testStore, type TestHub } from '../helpers/hub.js';
import { agentOf, ann, otto, sue, supervisorOf } from '../helpers/people.js';

let hub: TestHub;
let agent: string; // Ann, agent of billing
let supervisor: string; // Sue, a supervisor (of ops: supervisors act on every team's cases)

beforeAll(async () => {
  hub = await startTestHub();
  agent = await mintToken(ann);
  supervisor = await mintToken(sue);
});
afterAll(() => hub.stop());

let counter = 0;
const uniqueId = (prefix: string): string => `${prefix}-${++counter}-${Date.now()}`;

describe('POST /api/cases', () => {
  it('creates an open case for the caller’s team with a generated id', async () => {
    const res = await api(hub.url, '/api/cases', {
      token: agent,
      body: { subject: 'Charged twice', customer: { name: 'Kim', channel: 'email' } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ok: true,
      case: { subject: 'Charged twice', team: 'billing', status: 'open', createdBy: 'ann', customer: { name: 'Kim', channel: 'email' } },
    });
    const record = res.body.case as CaseRecord;
    expect(record.id).toMatch(caseIdPattern);
    expect(Number.isNaN(Date.parse(record.createdAt))).toBe(false);

    const again = await api(hub.url, '/api/cases', { token: agent, body: { subject: 'Another one' } });
    expect(again.body.case.id).not.toBe(record.id);
    expect(again.body.case.customer).toBeNull();
  });

  it('keeps the id the caller chose and refuses it a second time with case_exists', async () => {
    const id = uniqueId('chosen');
    const first = await api(hub.url, '/api/cases', { token: agent, body: { id, subject: 'First' } });
    expect(first.status).toBe(201);
    expect(first.body.case.id).toBe(id);

    const second = await api(hub.url, '/api/cases', { token: agent, body: { id, subject: 'Second' } });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ ok: false, error: { code: 'case_exists' } });
    const stored = await api(hub.url, `/api/cases/${id}`, { token: agent });
    expect(stored.body.case.subject).toBe('First');
  });

  it.each([
    ['a missing subject', { customer: { name: 'Kim', channel: 'email' } }, 'subject'],
    ['a blank subject', { subject: '   ' }, 'subject'],
    ['an id that breaks the pattern', { id: '-starts-with-a-dash', subject: 'x' }, 'id'],
    ['an id with a slash', { id: 'a/b', subject: 'x' }, 'id'],
    ['an unknown extra field', { subject: 'x', priority: 'high' }, 'priority'],
    ['an unknown field inside customer', { subject: 'x', customer: { name: 'Kim', channel: 'chat', vip: true } }, 'customer.vip'],
    ['a customer without a channel', { subject: 'x', customer: { name: 'Kim' } }, 'customer.channel'],
  ])('refuses %s with invalid_payload naming the field', async (_what, body, field) => {
    const res = await api(hub.url, '/api/cases', { token: agent, body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'invalid_payload', field } });
  });

  it('refuses a body that is not JSON with invalid_payload', async () => {
    const res = await api(hub.url, '/api/cases', { token: agent, rawBody: '{"subject": "unterminated' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('refuses a JSON body over the size limit with payload_too_large', async () => {
    const res = await api(hub.url, '/api/cases', { token: agent, body: { subject: 'x', padding: 'p'.repeat(100 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
  });

  it('lets an agent create cases only for their own team, and a supervisor for any', async () => {
    const refused = await api(hub.url, '/api/cases', { token: agent, body: { subject: 'Lost parcel', team: 'shipping' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const allowed = await api(hub.url, '/api/cases', { token: supervisor, body: { subject: 'Lost parcel', team: 'shipping' } });
    expect(allowed.status).toBe(201);
    expect(allowed.body.case).toMatchObject({ team: 'shipping', createdBy: 'sue' });
  });
});

describe('GET /api/cases/:id', () => {
  it('shows a case to its team and to supervisors, and refuses other teams', async () => {
    const id = await hub.createCase({ id: uniqueId('shipping'), team: 'shipping', subject: 'Parcel stuck' });
    const shippingAgent = await mintToken(otto);
    const supervisorElsewhere = await mintToken(supervisorOf('tech'));

    const own = await api(hub.url, `/api/cases/${id}`, { token: shippingAgent });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ ok: true, case: { id, team: 'shipping', subject: 'Parcel stuck' } });

    const other = await api(hub.url, `/api/cases/${id}`, { token: agent });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(other.body.case).toBeUndefined();

    const bySupervisor = await api(hub.url, `/api/cases/${id}`, { token: supervisorElsewhere });
    expect(bySupervisor.status).toBe(200);
    expect(bySupervisor.body.case.id).toBe(id);
  });

  it('answers unknown_case for an id nobody created', async () => {
    const res = await api(hub.url, `/api/cases/${uniqueId('nobody')}`, { token: agent });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'unknown_case' } });
  });
});

describe('GET /api/cases', () => {
  /** Follows nextCursor from the first page to the last and returns every id seen, in order. */
  async function walk(query: string, token: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const res = await api(hub.url, `/api/cases?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
      expect(res.status).toBe(200);
      ids.push(...(res.body.cases as CaseRecord[]).map((c) => c.id));
      cursor = res.body.nextCursor;
      if (cursor === null) return ids;
    }
    throw new Error('paging never ended');
  }

  it('walks every case of a team exactly once, newest first, page by page', async () => {
    const team = uniqueId('paging');
    const created: string[] = [];
    // Many cases share a creation millisecond, so the order must also break ties.
    for (let i = 0; i < 11; i++) created.push(await hub.createCase({ id: uniqueId('p'), team }));
    const member = await mintToken(agentOf(team));

    const ids = await walk(`team=${team}&limit=3`, member);
    expect(ids).toHaveLength(created.length);
    expect(new Set(ids)).toEqual(new Set(created));

    const firstPage = await api(hub.url, `/api/cases?limit=3`, { token: member });
    expect(firstPage.body.cases).toHaveLength(3);
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));
    expect((firstPage.body.cases as CaseRecord[]).every((c) => c.team === team)).toBe(true);
    expect(await walk(`limit=200`, member)).toEqual(ids);
  });

  it('filters by status', async () => {
    const team = uniqueId('status');
    const open = [await hub.createCase({ id: uniqueId('o'), team }), await hub.createCase({ id: uniqueId('o'), team })];
    const resolvedId = await hub.createCase({ id: uniqueId('r'), team });
    const session = connectClient(hub.url, await mintToken(supervisorOf(team))).openCase(resolvedId);
    await session.synced;
    expect((await session.resolve()).status).toBe('resolved');

    expect(new Set(await walk(`team=${team}&status=open&limit=1`, supervisor))).toEqual(new Set(open));
    expect(await walk(`team=${team}&status=resolved`, supervisor)).toEqual([resolvedId]);
    expect(await walk(`team=${team}`, supervisor)).toHaveLength(3);
  });

  it('names each listed case’s current owner, or null', async () => {
    const team = uniqueId('owners');
    const [claimed, waiting] = [await hub.createCase({ id: uniqueId('c'), team }), await hub.createCase({ id: uniqueId('w'), team })];
    const owner = agentOf(team);
    const { client, session } = await openCaseAs(hub.url, claimed, owner);
    try {
      await session.claim();
      const res = await api(hub.url, `/api/cases?team=${team}`, { token: supervisor });
      expect(res.status).toBe(200);
      expect(res.body.owners).toEqual({ [claimed]: expect.objectContaining({ userId: owner.userId, name: owner.name }), [waiting]: null });
    } finally {
      await client.close();
    }
  });

  it('refuses an agent listing another team, and lets a supervisor list it', async () => {
    const team = uniqueId('elsewhere');
    const id = await hub.createCase({ id: uniqueId('e'), team });
    const refused = await api(hub.url, `/api/cases?team=${team}`, { token: agent });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await walk(`team=${team}`, supervisor)).toEqual([id]);
  });

  it.each([
    ['a cursor that is not one of ours', 'cursor=not-a-cursor', 'cursor'],
    ['a well-encoded cursor of the wrong shape', `cursor=${Buffer.from('["only-one"]').toString('base64url')}`, 'cursor'],
    ['a limit of zero', 'limit=0', 'limit'],
    ['an unknown status', 'status=pending', 'status'],
  ])('refuses %s with invalid_payload', async (_what, query, field) => {
    const res = await api(hub.url, `/api/cases?${query}`, { token: agent });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'invalid_payload', field } });
  });
});

describe('the rest of the HTTP surface', () => {
  it('answers an unknown route with not_found', async () => {
    const res = await api(hub.url, '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('is healthy, and ready with its store', async () => {
    const health = await api(hub.url, '/healthz');
    expect(health).toEqual({ status: 200, body: { ok: true } });
    const ready = await api(hub.url, '/readyz');
    expect(ready).toEqual({ status: 200, body: { ok: true, store: testStore } });
  });

  it('hands out a working token through the development login', async () => {
    const login = await api(hub.url, '/api/dev/login', { body: { name: 'Dee Dev', role: 'agent', team: 'tech' } });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ ok: true, token: expect.any(String), identity: { name: 'Dee Dev', role: 'agent', team: 'tech' } });

    const created = await api(hub.url, '/api/cases', { token: login.body.token, body: { subject: 'Cannot log in' } });
    expect(created.status).toBe(201);
    expect(created.body.case).toMatchObject({ team: 'tech', createdBy: login.body.identity.userId });
    const listed = await api(hub.url, '/api/cases', { token: login.body.token });
    expect((listed.body.cases as CaseRecord[]).map((c) => c.id)).toContain(created.body.case.id);
  });

  it('tells the bearer of a token who they are', async () => {
    const me = await api(hub.url, '/api/me', { token: agent });
    expect(me).toMatchObject({ status: 200, body: { ok: true, identity: { userId: 'ann', role: 'agent', team: 'billing' } } });
    expect((await api(hub.url, '/api/me')).body).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('refuses a development login with an unknown role', async () => {
    const res = await api(hub.url, '/api/dev/login', { body: { name: 'Eve', role: 'admin', team: 'tech' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'invalid_payload', field: 'role' } });
  });

  it('has no development login when CASEROOM_DEV_LOGIN=false', async () => {
    const locked = await startTestHub({ CASEROOM_DEV_LOGIN: 'false' });
    try {
      for (const token of [undefined, agent]) {
        const res = await api(locked.url, '/api/dev/login', {
          ...(token ? { token } : {}),
          body: { name: 'Eve', role: 'supervisor', team: 'tech' },
        });
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ ok: false, error: { code: 'dev_login_disabled' } });
        expect(res.body.token).toBeUndefined();
      }
    } finally {
      await locked.stop();
    }
  });
});

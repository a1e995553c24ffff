/**
 * GET /api/people: the team's directory, from everyone who has signed in — through the
 * development login or by connecting with a token — so that pages show people by name.
 */
import type { TeamMember } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { ann, intakeBot, sue } from '../helpers/people.js';
import { pollUntil } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ CASEROOM_DEV_LOGIN: 'true' });
});
afterAll(() => hub.stop());

async function devLogin(body: Record<string, unknown>): Promise<string> {
  const res = await api(hub.url, '/api/dev/login', { body });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

async function directory(token: string, team?: string): Promise<{ status: number; people: TeamMember[]; code?: string }> {
  const res = await api(hub.url, `/api/people${team ? `?team=${encodeURIComponent(team)}` : ''}`, { token });
  return { status: res.status, people: res.body.people, code: res.body.error?.code };
}

describe('GET /api/people', () => {
  it('lists everyone of the caller’s team who signed in, by name, with role and department', async () => {
    const zoe = await devLogin({ name: 'Zoe', role: 'agent', team: 'people-a' });
    await devLogin({ name: 'Bob', role: 'specialist', team: 'people-a', department: 'Shipping' });
    await devLogin({ name: 'Sam', role: 'supervisor', team: 'people-a' });
    await devLogin({ name: 'Chat', role: 'bot', team: 'people-a', channels: ['chat'] });
    await devLogin({ name: 'Otto', role: 'agent', team: 'people-b' });

    const { status, people } = await directory(zoe);
    expect(status).toBe(200);
    expect(people).toEqual([
      { userId: 'bob@people-a', name: 'Bob', role: 'specialist', team: 'people-a', department: 'Shipping' },
      { userId: 'chat@people-a', name: 'Chat', role: 'bot', team: 'people-a' },
      { userId: 'sam@people-a', name: 'Sam', role: 'supervisor', team: 'people-a' },
      { userId: 'zoe@people-a', name: 'Zoe', role: 'agent', team: 'people-a' },
    ]);
  });

  it('remembers a person who connects with a token from the identity provider', async () => {
    const kai = { ...ann, userId: 'kai@people-c', name: 'Kai', team: 'people-c' };
    const client = await connectAs(hub.url, kai);
    const token = await mintToken(kai);
    const people = await pollUntil('Kai in the directory', async () => {
      const listed = (await directory(token)).people;
      return listed.length > 0 && listed;
    });
    expect(people).toEqual([{ userId: 'kai@people-c', name: 'Kai', role: 'agent', team: 'people-c' }]);
    await client.close();
  });

  it('shows a person only their own team, and a supervisor any team', async () => {
    const uma = await devLogin({ name: 'Uma', role: 'agent', team: 'people-d' });
    await devLogin({ name: 'Vic', role: 'agent', team: 'people-e' });
    expect(await directory(uma, 'people-e')).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await directory(uma, 'people-d')).people.map((p) => p.name)).toEqual(['Uma']);
    const supervisor = await directory(await mintToken(sue), 'people-e');
    expect(supervisor.status).toBe(200);
    expect(supervisor.people.map((p) => p.name)).toEqual(['Vic']);
  });

  it('needs the people scope of a bot narrowed by an events claim, and a token', async () => {
    const narrowed = await mintToken({ ...intakeBot, eventTypes: ['case.created'] });
    expect(await directory(narrowed)).toMatchObject({ status: 403, code: 'out_of_scope' });
    const withPeople = await mintToken({ ...intakeBot, eventTypes: ['member.joined'] });
    expect((await directory(withPeople)).status).toBe(200);
    const anonymous = await api(hub.url, '/api/people');
    expect(anonymous.status).toBe(401);
  });

  it('refuses a malformed team', async () => {
    const res = await api(hub.url, `/api/people?team=${'x'.repeat(101)}`, { token: await mintToken(sue) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_payload', field: 'team' });
  });
});

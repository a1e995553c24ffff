/**
 * examples/two-agents.mjs as a newcomer runs it: its own process against a running hub found
 * through PORT (or CASEROOM_URL), with the user ids the development login really mints; and, with
 * no hub there, a sentence saying how to point it elsewhere instead of a stack trace.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { supervisorOf } from '../helpers/people.js';

const repoRoot = resolve(import.meta.dirname, '../..');

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ CASEROOM_DEV_LOGIN: 'true' });
});
afterAll(() => hub.stop());

/** The test's environment without what would name a hub: each test says where its hub is. */
function hubUnnamed(): NodeJS.ProcessEnv {
  const { CASEROOM_URL: _url, PORT: _port, ...rest } = process.env;
  return rest;
}

/** Runs the example to its end, from source as the tests run the workspaces; resolves with what it printed. */
function runExample(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=caseroom-source', '--import', 'tsx', 'examples/two-agents.mjs'], {
    cwd: repoRoot,
    env: { ...hubUnnamed(), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  return new Promise((done) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      done({ code, stdout, stderr });
    }),
  );
}

describe('the two agents example', () => {
  it('finds the hub through PORT and has Ann and Bob co-edit a case under the ids the development login mints', async () => {
    const { code, stdout, stderr } = await runExample({ PORT: new URL(hub.url).port });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const caseId = /^case (\S+):/m.exec(stdout)?.[1];
    expect(caseId).toBeDefined();
    expect(stdout).toContain(`Open it in the console: http://localhost:${new URL(hub.url).port}/#/case/${caseId}`);

    // What the hub stored: the step is Bob's and the fact Ann's, by their real user ids.
    const token = await mintToken(supervisorOf('billing'));
    const events = (await api(hub.url, `/api/cases/${caseId}/events?limit=100`, { token })).body.events as Array<{
      type: string;
      actor: { userId: string } | null;
      data: Record<string, unknown>;
    }>;
    expect(events.find((e) => e.type === 'step.added')?.data).toMatchObject({
      text: 'Refund the duplicate charge',
      assignee: 'bob@billing',
    });
    expect(events.find((e) => e.type === 'step.completed')?.actor?.userId).toBe('bob@billing');
    expect(events.find((e) => e.type === 'fact.recorded')?.data).toMatchObject({
      question: 'order number',
      answer: 'A-1001',
      by: 'ann@billing',
    });
    const directory = (await api(hub.url, '/api/people?team=billing', { token })).body.people as Array<{ userId: string; name: string }>;
    expect(directory).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: 'ann@billing', name: 'Ann' }),
        expect.objectContaining({ userId: 'bob@billing', name: 'Bob' }),
      ]),
    );
  });

  it('also takes the hub’s address from CASEROOM_URL', async () => {
    const { code, stdout } = await runExample({ CASEROOM_URL: hub.url });
    expect(code).toBe(0);
    expect(stdout).toContain(`Open it in the console: ${hub.url}/#/case/`);
  });

  it('says how to point it at a hub when none answers, without a stack trace', async () => {
    // A port nothing listens on: a hub's own, once it is closed.
    const gone = await startTestHub();
    const port = new URL(gone.url).port;
    await gone.stop();
    const { code, stdout, stderr } = await runExample({ PORT: port });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`No hub answers at http://localhost:${port}`);
    expect(stderr).toContain('npm start');
    expect(stderr).toContain('CASEROOM_URL');
    expect(stderr).not.toMatch(/ECONNREFUSED|\n\s+at /);
  });
});

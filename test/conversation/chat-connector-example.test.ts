/**
 * examples/chat-connector.mjs as a newcomer runs it: its own process against a running hub. What
 * is typed on its stdin reaches the case as the customer's chat messages; the team's replies are
 * printed with their author's label and reported delivered to the room.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { CaseSession } from '@caseroom/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCaseAs } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { ann, sid } from '../helpers/people.js';
import { waitForSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

const repoRoot = resolve(import.meta.dirname, '../..');

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ CASEROOM_DEV_LOGIN: 'true' });
});
afterAll(() => hub.stop());

/** The example's process, with every line it printed so far. */
interface Connector {
  child: ChildProcessWithoutNullStreams;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Resolves with the first printed line that matches. */
  prints(pattern: RegExp): Promise<RegExpExecArray>;
}

const running: Connector[] = [];
afterEach(() => {
  for (const { child } of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function runExample(env: Record<string, string>): Connector {
  // From source, as the tests run the workspaces (`npm start` builds what the example imports).
  const child = spawn(process.execPath, ['--conditions=caseroom-source', '--import', 'tsx', 'examples/chat-connector.mjs'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const printed = new Set<() => void>();
  for (const [stream, lines] of [
    [child.stdout, stdout],
    [child.stderr, stderr],
  ] as const)
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const check of printed) check();
    });
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  const connector: Connector = {
    child,
    stdout,
    stderr,
    exited,
    prints: (pattern) =>
      waitFor(
        `the connector to print ${pattern}`,
        (check) => {
          printed.add(check);
          return () => printed.delete(check);
        },
        () => stdout.map((line) => pattern.exec(line)).find((match) => match !== null),
        20_000,
      ),
  };
  running.push(connector);
  return connector;
}

const delivered = (session: CaseSession, seq: number) =>
  waitForSession(
    session,
    'conversation',
    `message ${seq} delivered`,
    (s) => s.conversation.messages.find((m) => m.seq === seq)?.delivery?.status === 'delivered',
  );

describe('the chat connector example', () => {
  it('brings typed lines in as chat messages and prints the replies, reported delivered', async () => {
    const connector = runExample({ CASEROOM_URL: hub.url });
    const [, caseId] = await connector.prints(/^Case (\S+) is open/);

    connector.child.stdin.write('Hi, my parcel has not arrived\n');
    await connector.prints(/^\(message 1 is in the case\)/);
    const { session: owner } = await openCaseAs(hub.url, caseId!, ann);
    expect(owner.conversation.messages).toMatchObject([
      { seq: 1, direction: 'in', channel: 'chat', body: 'Hi, my parcel has not arrived', customer: { name: 'Dana Customer' } },
    ]);
    expect(owner.case).toMatchObject({ customer: { name: 'Dana Customer', channel: 'chat' } });

    await owner.claim();
    const reply = await owner.send('Sorry to hear that, Dana: let me check.');
    await connector.prints(/^Ann: Sorry to hear that, Dana: let me check\.$/);
    await delivered(owner, reply.seq);

    // Shipping answers too, given the floor: the customer reads who and which department.
    const { session: shipping } = await openCaseAs(hub.url, caseId!, sid);
    await owner.giveFloor('sid');
    await waitForSession(shipping, 'conversation', 'the floor', (s) => s.maySpeak);
    const fromShipping = await shipping.send('It left our warehouse this morning.');
    await connector.prints(/^Sid · Shipping: It left our warehouse this morning\.$/);
    await delivered(owner, fromShipping.seq);

    connector.child.stdin.end();
    expect(await connector.exited).toBe(0);
    expect(connector.stderr).toEqual([]);
  });

  it('says how to point it at a hub when none answers', async () => {
    // A port nothing listens on: the hub's own, once it is closed.
    const gone = await startTestHub();
    const url = gone.url;
    await gone.stop();
    const connector = runExample({ CASEROOM_URL: url });
    expect(await connector.exited).toBe(1);
    expect(connector.stderr.join('\n')).toContain(`No hub answers at ${url}`);
    expect(connector.stderr.join('\n')).toContain('npm start');
    expect(connector.stderr.join('\n')).toContain('CASEROOM_URL');
  });
});

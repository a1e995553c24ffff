/**
 * The console tells the signed-in person, wherever they are in it, when a step given to them falls
 * due without being done, and leaves other people's overdue steps alone.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaseAs } from '../helpers/clients.js';
import { launchChromium, openConsole, type Person } from '../helpers/browser.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { ann, bob, sam } from '../helpers/people.js';

const consoleBuilt = existsSync(resolve(import.meta.dirname, '../../console/dist/index.html'));

describe('overdue steps in the console', () => {
  let hub: TestHub;
  let browser: Browser;
  let person: Person | undefined;

  beforeAll(async () => {
    if (!consoleBuilt) throw new Error('console/dist is missing: `npm test` builds it first (npm run build)');
    hub = await startTestHub();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await person?.context.close();
    await browser?.close();
    await hub?.stop();
  });

  it('shows the assignee a notice linking to the case, on the case list, and none for a step of someone else', async () => {
    const caseId = await hub.createCase({ subject: 'Parcel never arrived' });
    // Sam is on the case list, not in the case: the host application hands over his token.
    person = await openConsole(browser, `${hub.url}/#token=${encodeURIComponent(await mintToken(sam))}`);
    await person.page.getByTestId('case-list').waitFor();

    const { session } = await openCaseAs(hub.url, caseId, ann);
    // Bob's falls due first: by the time Sam's notice shows, Bob's step was announced too.
    session.steps.add({ text: 'Ask the courier', assignee: bob.userId, due: new Date(Date.now() + 1000).toISOString() });
    session.steps.add({ text: 'Reship the parcel', assignee: sam.userId, due: new Date(Date.now() + 1500).toISOString() });
    await session.flushed();

    const notice = person.page.getByTestId('info-notice').filter({ hasText: 'Overdue' });
    await notice.waitFor();
    expect(await notice.count()).toBe(1);
    expect(await notice.textContent()).toContain('Reship the parcel');
    // The case is named by its subject, not its id.
    expect(await notice.textContent()).toContain('on “Parcel never arrived”');
    expect(await notice.textContent()).not.toContain(caseId);
    expect(await notice.locator('a').getAttribute('href')).toBe(`#/case/${caseId}`);
  });
});

/**
 * People in the agent console, in a real headless Chromium: everyone is shown by name — step
 * assignees, fact authors, the event feed's actors — also once they left and after the hub
 * restarted; a step's assignee is picked by name from the team; and each person is offered only
 * the ownership actions that can succeed for them, the hub's message still shown on a refusal.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openConsole, signIn, type Person } from '../helpers/browser.js';
import { caseLive, chosenLabel, devLogin, optionLabels, textBesidePickers, textOf } from '../helpers/consolePages.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';

const consoleBuilt = existsSync(resolve(import.meta.dirname, '../../console/dist/index.html'));

/** A short presence grace: who closes the page has left the room a moment later. */
const env = { CASEROOM_DEV_LOGIN: 'true', CASEROOM_PRESENCE_GRACE_MS: '100', CASEROOM_NOTES_DEBOUNCE_MS: '200' };

describe('people in the agent console', () => {
  let hub: TestHub;
  let browser: Browser;
  const consoles: Person[] = [];

  beforeAll(async () => {
    if (!consoleBuilt) throw new Error('console/dist is missing: `npm test` builds it first (npm run build)');
    hub = await startTestHub(env);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const person of consoles) await person.context.close();
    await browser?.close();
    await hub?.stop();
  });

  async function openAs(caseId: string, who: Parameters<typeof signIn>[1]): Promise<Person> {
    const person = await openConsole(browser, `${hub.url}/#/case/${caseId}`);
    consoles.push(person);
    await signIn(person.page, who);
    await caseLive(person.page);
    return person;
  }

  it('names assignees, fact authors and actors from the team’s directory, after they left and after a hub restart', async () => {
    const team = 'names';
    const caseId = await hub.createCase({ subject: 'Refund for a double charge', team });
    // Rex signed in once and never opened the case; the team's bot is nobody to give a step to.
    await devLogin(hub.url, { name: 'Rex', role: 'specialist', team });
    await devLogin(hub.url, { name: 'Intake', role: 'bot', team });
    const ann = await openAs(caseId, { ...people.ann, team });
    const bob = await openAs(caseId, { ...people.bob, team });

    // Ann gives a new step to Bob, picked by name from the team's people.
    await ann.page.getByTestId('new-step-text').fill('Refund the second charge');
    const picker = ann.page.getByTestId('new-step-assignee');
    await picker.locator('option', { hasText: 'Rex' }).waitFor({ state: 'attached' });
    expect(await optionLabels(picker)).toEqual(['unassigned', 'Ann (you)', 'Bob', 'Rex']);
    await picker.selectOption({ label: 'Bob' });
    await ann.page.getByTestId('new-step-submit').click();

    // Each of them sees the step's assignee once: in its picker, by name.
    const stepOf = (person: Person) => person.page.getByTestId('step').filter({ hasText: 'Refund the second charge' });
    await stepOf(bob).waitFor();
    expect(await chosenLabel(stepOf(bob).getByTestId('step-assignee'))).toBe('Bob (you)');
    expect(await chosenLabel(stepOf(ann).getByTestId('step-assignee'))).toBe('Bob');
    expect(await textBesidePickers(stepOf(ann))).not.toContain('Bob');
    expect(await stepOf(ann).locator('select, input:not([type="checkbox"])').count()).toBe(1);

    // Bob records what the customer said, and goes; Ann still reads his name everywhere.
    await bob.page.getByTestId('fact-question').fill('Card ending');
    await bob.page.getByTestId('fact-answer').fill('4242');
    await bob.page.getByTestId('new-fact-submit').click();
    const factBy = ann.page.getByTestId('fact').filter({ hasText: '4242' }).getByTestId('fact-by');
    await factBy.waitFor();
    await bob.context.close();
    consoles.splice(consoles.indexOf(bob), 1);
    await ann.page.locator('[data-testid="roster-member"][data-user-id="bob@names"]').waitFor({ state: 'detached' });
    expect(await textOf(factBy)).toBe('Bob');
    expect(await chosenLabel(stepOf(ann).getByTestId('step-assignee'))).toBe('Bob');

    // The hub restarts on its port and data; Ann's page comes back with nobody else in the room.
    const port = new URL(hub.url).port;
    await hub.stop({ keepData: true });
    hub = await startTestHub({ ...env, PORT: port }, hub.dataDir);
    await ann.page.reload();
    await caseLive(ann.page);
    await stepOf(ann).waitFor();
    expect(await chosenLabel(stepOf(ann).getByTestId('step-assignee'))).toBe('Bob');
    expect(await textOf(ann.page.getByTestId('fact').filter({ hasText: '4242' }).getByTestId('fact-by'))).toBe('Bob');
    const feed = ann.page.getByTestId('event-feed');
    const left = feed.locator('[data-testid="event"][data-type="member.left"]', { hasText: 'Bob' });
    await left.waitFor();
    expect(await textOf(left.getByTestId('event-text'))).toBe('Bob left');
    expect(await textOf(feed.locator('[data-testid="event"][data-type="step.added"]'))).toContain('Refund the second charge · for Bob');
    expect(await textOf(feed.locator('[data-testid="event"][data-type="fact.recorded"]').getByTestId('event-text'))).toBe(
      'Bob recorded a fact',
    );
    // No raw ids anywhere in the case: not Bob's, not Ann's.
    expect(await ann.page.getByTestId('case-view').innerText()).not.toMatch(/@names/);
  });

  it('offers only what can succeed: no claim for a specialist or a bot, a hand-off list of people who may own the case', async () => {
    const team = 'roles';
    const caseId = await hub.createCase({ subject: 'Late fee after cancelling', team });
    // Ada (an agent) and Sid (a specialist) have signed in but never open the case.
    await devLogin(hub.url, { name: 'Ada', role: 'agent', team });
    await devLogin(hub.url, { name: 'Sid', role: 'specialist', team });
    const ann = await openAs(caseId, { ...people.ann, team });
    const amy = await openAs(caseId, { ...people.amy, team });
    const sam = await openAs(caseId, { ...people.sam, team });
    // The team's bot, handed a token by its host application, opens the case in the console too.
    const bot = await openConsole(browser, `${hub.url}/#token=${encodeURIComponent(await mintToken({ ...people.qaBot, team }))}`);
    consoles.push(bot);
    await bot.page.getByTestId('case-list').waitFor();
    await bot.page.goto(`${hub.url}/#/case/${caseId}`);
    await caseLive(bot.page);

    // Unowned: the agents may claim it; the specialist and the bot are not offered what would be refused.
    expect(await ann.page.getByTestId('claim').isVisible()).toBe(true);
    expect(await amy.page.getByTestId('claim').isVisible()).toBe(true);
    expect(await sam.page.getByTestId('claim').isHidden()).toBe(true);
    expect(await bot.page.getByTestId('claim').isHidden()).toBe(true);
    expect(await bot.page.getByTestId('approval-form').count()).toBe(0);

    // Once Ann owns it, nobody else is offered a claim that could only fail.
    await ann.page.getByTestId('claim').click();
    await amy.page.getByTestId('owner').filter({ hasText: 'Ann' }).waitFor();
    expect(await amy.page.getByTestId('claim').isHidden()).toBe(true);
    expect(await ann.page.getByTestId('claim').isHidden()).toBe(true);
    for (const other of [amy, sam, bot]) {
      expect(await other.page.getByTestId('offer-handoff').isHidden()).toBe(true);
      expect(await other.page.getByTestId('resolve-case').isHidden()).toBe(true);
    }

    // Ann's hand-off list holds only people who may own the case: agents, in the room or not.
    const handoffTo = ann.page.getByTestId('handoff-to');
    await handoffTo.locator('option', { hasText: 'Ada' }).waitFor({ state: 'attached' });
    expect((await optionLabels(handoffTo)).slice(1)).toEqual(['Ada (agent)', 'Amy (agent)']);

    // Offered the case, only Amy is asked to accept it.
    await handoffTo.selectOption({ label: 'Amy (agent)' });
    await ann.page.getByTestId('offer-handoff').click();
    await amy.page.getByTestId('accept-handoff').waitFor();
    await sam.page.getByTestId('handoff-offer').filter({ hasText: 'Handoff offered to Amy' }).waitFor();
    expect(await sam.page.getByTestId('accept-handoff').isHidden()).toBe(true);

    // What the hub still refuses is shown with its message: here a currency that is not a code.
    await sam.page.getByTestId('approval-summary').fill('Waive the late fee');
    await sam.page.getByTestId('approval-amount').fill('15');
    await sam.page.getByTestId('approval-currency').fill('EU');
    await sam.page.getByTestId('approval-request').click();
    const refusal = sam.page.getByTestId('error-notice');
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-code')).toBe('invalid_amount');
    expect(await textOf(refusal)).toContain('ISO 4217');
    expect(await textOf(refusal)).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});

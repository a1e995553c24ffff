/**
 * The agent console without a mouse, in a real headless Chromium: an agent signs in, opens a case
 * from the list, claims it, answers the customer, adds and ticks a step given to a colleague,
 * records a fact, approves a colleague's request from the header's popover and hands the case
 * off — every control reached with Tab and used with Enter, Space or typing.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { connectChannelBot } from '../helpers/bots.js';
import { consoleStage, openConsole, signIn } from '../helpers/browser.js';
import { caseLive, chosenLabel, focusedTestId, tabTo, textOf } from '../helpers/consolePages.js';
import * as people from '../helpers/people.js';

/** Tabs to a control and presses a key on it. */
async function press(page: Page, testId: string, key: 'Enter' | 'Space', within?: string): Promise<void> {
  await tabTo(page, testId, within);
  await page.keyboard.press(key);
}

/** Tabs to a field and types into it (after selecting what it held). */
async function typeInto(page: Page, testId: string, text: string): Promise<void> {
  await tabTo(page, testId);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

describe('the agent console with the keyboard only', () => {
  const stage = consoleStage();

  it('takes an agent through claiming, replying, steps, facts, approving and handing off', async () => {
    const team = 'keys';
    const caseId = await stage.hub.createCase({ subject: 'Refund never arrived', team });
    const connector = await connectChannelBot(stage.hub.url, { ...people.chatConnector, team });
    await connector.onReply(() => undefined).ready;
    await connector.post(caseId, { channel: 'chat', body: 'Where is my refund?', externalId: `${caseId}-1`, customer: { name: 'Kim' } });

    // Amy, with a mouse, is in the case; Ann has only a keyboard.
    const amy = await openConsole(stage.browser, `${stage.hub.url}/#/case/${caseId}`);
    stage.consoles.push(amy);
    await signIn(amy.page, { ...people.amy, team });
    await caseLive(amy.page);
    const ann = await openConsole(stage.browser, stage.hub.url);
    stage.consoles.push(ann);
    const page = ann.page;

    // Signing in: the name field has the focus; Tab on to the team, Enter signs in.
    await page.getByTestId('login-form').waitFor();
    expect(await focusedTestId(page)).toBe('login-name');
    await page.keyboard.type('Ann');
    await typeInto(page, 'login-team', team);
    await page.keyboard.press('Enter');
    await page.getByTestId('who').waitFor();

    // The case, from the team's list.
    await press(page, 'case-link', 'Enter', `[data-testid="case-row"][data-case-id="${caseId}"]`);
    await caseLive(page);

    // Claim it.
    await press(page, 'claim', 'Enter');
    await page.getByTestId('owner').filter({ hasText: 'Ann (you)' }).waitFor();

    // Answer the customer.
    await page.locator('[data-testid="message"][data-seq="1"]').waitFor();
    await typeInto(page, 'composer-body', 'Hello Kim, I am on it.');
    await press(page, 'composer-send', 'Enter');
    await page.locator('[data-testid="message"][data-seq="2"]', { hasText: 'Hello Kim, I am on it.' }).waitFor();

    // A next step for Amy, picked by typing her name, then ticked off with Space.
    await typeInto(page, 'new-step-text', 'Check the bank transfer');
    await tabTo(page, 'new-step-assignee');
    await page.keyboard.type('Amy');
    expect(await chosenLabel(page.getByTestId('new-step-assignee'))).toBe('Amy');
    await press(page, 'new-step-submit', 'Enter');
    const step = page.getByTestId('step').filter({ hasText: 'Check the bank transfer' });
    await step.waitFor();
    expect(await chosenLabel(step.getByTestId('step-assignee'))).toBe('Amy');
    await press(page, 'step-done', 'Space', '[data-testid="step"]');
    await page.locator('[data-testid="step"].done', { hasText: 'Check the bank transfer' }).waitFor();

    // A fact: question, Tab, answer, Enter.
    await typeInto(page, 'fact-question', 'Transfer reference');
    await page.keyboard.press('Tab');
    await page.keyboard.type('TR-77');
    await page.keyboard.press('Enter');
    await page.getByTestId('fact').filter({ hasText: 'TR-77' }).waitFor();

    // Amy asks for approval; Ann opens the popover from the header and approves with a comment.
    await amy.page.getByTestId('approval-summary').fill('Refund the transfer fee');
    await amy.page.getByTestId('approval-amount').fill('3.5');
    await amy.page.getByTestId('approval-request').click();
    await page.locator('[data-testid="approvals-count"]', { hasText: '1' }).waitFor();
    await press(page, 'approvals-badge', 'Enter');
    await page.getByTestId('team-approvals').waitFor();
    expect(await focusedTestId(page)).toBe('approval-comment');
    await page.keyboard.type('Fee was ours');
    await press(page, 'approval-approve', 'Enter', '[data-testid="team-approvals"]');
    await page.getByTestId('team-approvals').waitFor({ state: 'hidden' });
    expect(await focusedTestId(page)).toBe('approvals-badge');
    await amy.page.locator('[data-testid="approval"][data-status="approved"]').waitFor();

    // Hand the case to Amy, chosen by typing her name; she accepts, from her keyboard too.
    await tabTo(page, 'handoff-to');
    await page.keyboard.type('Amy');
    expect(await chosenLabel(page.getByTestId('handoff-to'))).toBe('Amy (agent)');
    await press(page, 'offer-handoff', 'Enter');
    await press(amy.page, 'accept-handoff', 'Enter');
    await page.getByTestId('owner').filter({ hasText: 'Amy' }).waitFor();
    expect(await textOf(page.getByTestId('owner'))).not.toContain('(you)');
  });
});

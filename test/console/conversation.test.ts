/**
 * The conversation pane of the agent console in a real headless Chromium: a customer's chat
 * message, brought in by a channel connector, appears in the case; the owner replies from the
 * composer and sees the connector's delivery report; a specialist without the floor is shown why
 * instead of a composer, and given the floor writes under their department; a second reply while
 * someone writes asks to confirm; the case list sorts by how long the customer has waited.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChannelBot, Reply } from '@caseroom/client';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectChannelBot } from '../helpers/bots.js';
import { openCaseAs } from '../helpers/clients.js';
import { launchChromium, openConsole, signIn, type Person } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';

const consoleBuilt = existsSync(resolve(import.meta.dirname, '../../console/dist/index.html'));

async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

const message = (page: Page, seq: number): Locator => page.locator(`[data-testid="message"][data-seq="${seq}"]`);

/** Types a reply into the composer, key by key, and sends it. */
async function reply(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-body').click();
  await page.keyboard.type(text);
  await page.getByTestId('composer-send').click();
}

describe('the conversation in the agent console', () => {
  let hub: TestHub;
  let browser: Browser;
  let connector: ChannelBot;
  const consoles: Person[] = [];
  const replies: Reply[] = [];

  beforeAll(async () => {
    if (!consoleBuilt) throw new Error('console/dist is missing: `npm test` builds it first (npm run build)');
    hub = await startTestHub({ CASEROOM_DEV_LOGIN: 'true', CASEROOM_COMPOSING_MS: '60000' });
    browser = await launchChromium();
    connector = await connectChannelBot(hub.url);
    // The chat delivers every reply, except to a customer who closed the chat.
    await connector.onReply((r) => {
      replies.push(r);
      if (r.body.includes('closed')) throw new Error('the customer closed the chat');
    }).ready;
  });

  afterAll(async () => {
    for (const person of consoles) await person.context.close();
    await browser?.close();
    await connector?.close();
    await hub?.stop();
  });

  it('shows the customer, lets the owner reply and the floor speak, and tells the rest why they cannot', async () => {
    const caseId = await hub.createCase({ subject: 'Parcel is late' });
    const agent = await openConsole(browser, `${hub.url}/#/case/${caseId}`);
    const specialist = await openConsole(browser, `${hub.url}/#/case/${caseId}`);
    consoles.push(agent, specialist);
    await signIn(agent.page, people.ann);
    await signIn(specialist.page, people.sid);
    for (const person of [agent, specialist])
      await person.page.locator('[data-testid="case-session-status"][data-status="synced"]').waitFor();

    // Nobody owns the case: nobody is offered a composer, and the pane says how to answer.
    expect(await textOf(agent.page.getByTestId('composer-closed'))).toContain('Claim the case');
    expect(await agent.page.getByTestId('composer').isHidden()).toBe(true);
    await agent.page.getByTestId('claim').click();
    await agent.page.getByTestId('composer').waitFor();

    // The customer writes in the chat; the message appears in the agent's pane.
    await connector.post(caseId, {
      channel: 'chat',
      body: 'My parcel has not arrived, order A-1001',
      externalId: `console-${caseId}-1`,
      customer: { name: 'Dana Customer' },
    });
    const inbound = message(agent.page, 1);
    await inbound.waitFor();
    expect(await inbound.getAttribute('data-direction')).toBe('in');
    expect(await textOf(inbound.getByTestId('message-channel'))).toBe('chat');
    expect(await textOf(inbound.getByTestId('message-author'))).toBe('Dana Customer');
    await agent.page.getByTestId('conversation-waiting').waitFor();

    // What is already known sits beside the composer.
    await agent.page.getByTestId('fact-question').fill('order number');
    await agent.page.getByTestId('fact-answer').fill('A-1001');
    await agent.page.getByTestId('new-fact-submit').click();
    await agent.page.getByTestId('known-fact').filter({ hasText: 'A-1001' }).waitFor();

    // The specialist reads the thread, but has no composer: only the owner's voice reaches the customer.
    await message(specialist.page, 1).waitFor();
    expect(await specialist.page.getByTestId('composer').isHidden()).toBe(true);
    expect(await textOf(specialist.page.getByTestId('composer-closed'))).toContain('Only Ann');
    expect(await specialist.page.getByTestId('floor-give').isHidden()).toBe(true);

    // The owner replies; the connector delivers it and the pane shows the report.
    await reply(agent.page, 'Sorry, Dana: I am checking with shipping.');
    const answered = message(agent.page, 2);
    await answered.locator('[data-testid="delivery"][data-status="delivered"]').waitFor();
    expect(await textOf(answered.getByTestId('message-author'))).toBe('Ann');
    expect(await agent.page.getByTestId('conversation-waiting').isHidden()).toBe(true);
    expect(replies.at(-1)).toMatchObject({ caseId, seq: 2, body: 'Sorry, Dana: I am checking with shipping.' });
    await message(specialist.page, 2).locator('[data-testid="delivery"][data-status="delivered"]').waitFor();

    // The owner gives shipping the floor; the specialist writes, and the owner sees it.
    await agent.page.locator('[data-testid="floor-to"] option', { hasText: 'Sid' }).waitFor({ state: 'attached' });
    await agent.page.getByTestId('floor-to').selectOption({ label: 'Sid' });
    await agent.page.getByTestId('floor-give').click();
    await specialist.page.getByTestId('composer').waitFor();
    expect(await textOf(specialist.page.getByTestId('floor'))).toContain('Sid · Shipping has the floor too');
    await specialist.page.getByTestId('composer-body').click();
    await specialist.page.keyboard.type('Your parcel left our warehouse');
    await agent.page.getByTestId('composing').filter({ hasText: 'Sid · Shipping is writing a reply…' }).waitFor();
    await agent.screenshot('8-conversation-owner');

    // A second reply while Sid writes asks first; confirmed, it goes (and this one the chat cannot deliver).
    await reply(agent.page, 'Looks like the chat was closed');
    const confirm = agent.page.getByTestId('composer-confirm-box');
    await confirm.waitFor();
    expect(await textOf(confirm)).toContain('Sid · Shipping is writing a reply too');
    expect(await message(agent.page, 3).count()).toBe(0);
    await agent.page.getByTestId('composer-confirm').click();
    const failed = message(agent.page, 3).locator('[data-testid="delivery"][data-status="failed"]');
    await failed.waitFor();
    expect(await textOf(failed)).toContain('the customer closed the chat');

    await specialist.page.getByTestId('composer-send').click();
    const fromShipping = message(agent.page, 4);
    await fromShipping.locator('[data-testid="delivery"][data-status="delivered"]').waitFor();
    expect(await textOf(fromShipping.getByTestId('message-author'))).toBe('Sid · Shipping');
    await agent.page.getByTestId('composing').waitFor({ state: 'hidden' });
    await specialist.screenshot('9-conversation-floor');

    // Taken back, the floor is the owner's alone: the specialist's composer closes again.
    await agent.page.getByTestId('floor-take').click();
    await specialist.page.getByTestId('composer-closed').waitFor();
    expect(await specialist.page.getByTestId('composer').isHidden()).toBe(true);

    // The customer writes again; the case list, sorted by waiting, shows for how long.
    await connector.post(caseId, { channel: 'chat', body: 'Any news?', externalId: `console-${caseId}-2` });
    await message(specialist.page, 5).waitFor();
    await specialist.page.getByTestId('back-to-cases').click();
    await specialist.page.getByTestId('case-sort').selectOption('waiting');
    const row = specialist.page.locator(`[data-testid="case-row"][data-case-id="${caseId}"]`);
    await row.getByTestId('case-waiting').waitFor();
    expect(await textOf(row.getByTestId('case-waiting'))).toMatch(/^waiting for /);
    await specialist.screenshot('10-cases-waiting');
  });

  it('links a fact to the customer message it came from', async () => {
    const caseId = await hub.createCase({ subject: 'Wrong address' });
    // Bots of the helpers close after each test: this one is the test's own.
    const chat = await connectChannelBot(hub.url);
    await chat.post(caseId, { channel: 'chat', body: 'Please ship to 1 Main St', externalId: `console-${caseId}-1` });
    const { session } = await openCaseAs(hub.url, caseId, people.sam);
    session.facts.record('delivery address', '1 Main St', { cites: 1 });
    await session.flushed();
    const agent = await openConsole(browser, `${hub.url}/#/case/${caseId}`);
    consoles.push(agent);
    await signIn(agent.page, people.ann);
    const cite = agent.page.locator('[data-testid="fact-cite"][data-seq="1"]').first();
    await cite.waitFor();
    expect(await textOf(cite)).toBe('from message 1');
    await session.close();
  });
});

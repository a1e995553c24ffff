/**
 * Every view of the agent console in a real headless Chromium, as a product page: no serious or
 * critical accessibility finding (axe-core), nothing overflowing sideways from 360 px wide up (the
 * header included), a visible focus on every control a keyboard reaches, and a favicon. The run
 * keeps a screenshot of every view at 1366 and 390 px in test-artifacts/console/, and the two the
 * README shows (a case with two people in its notes, and its conversation).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousAccessibilityFindings } from '../helpers/axe.js';
import { connectChannelBot } from '../helpers/bots.js';
import { launchChromium, openConsole, screenshotDir, signIn, type Person } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { notesContain, notesInput, remoteCaret, typeAtEndOfNotes } from '../helpers/notesEditor.js';
import * as people from '../helpers/people.js';

const consoleBuilt = existsSync(resolve(import.meta.dirname, '../../console/dist/index.html'));

const wide = { width: 1366, height: 900 };
const phone = { width: 390, height: 844 };
const narrowest = { width: 360, height: 740 };

/**
 * What sticks out sideways at the page's current width: the page itself (with the innermost
 * elements that stick out, to say what to fix), or anything in the header.
 */
function sidewaysOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const name = (el: Element): string =>
      el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`;
    const sticksOut = (el: Element): boolean => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && (box.left < 0 || box.right > width + 0.5);
    };
    const found: string[] = [];
    const pageWidth = document.documentElement.scrollWidth;
    if (pageWidth > width) {
      const culprits = Array.from(document.body.querySelectorAll('*')).filter(
        (el) => sticksOut(el) && !Array.from(el.children).some(sticksOut),
      );
      found.push(`the page is ${pageWidth} px wide in a ${width} px window: ${culprits.slice(0, 5).map(name).join(', ')}`);
    }
    for (const item of Array.from(document.querySelectorAll('header.top *')))
      if (sticksOut(item)) found.push(`the header's ${name(item)} is cut off`);
    return found;
  });
}

/**
 * Checks the view `person` has open, at 1366 px and at 390 and 360 px wide: axe finds nothing
 * serious, nothing overflows; and keeps its screenshots as `view-<name>-1366/390.png`.
 */
async function checkView(person: Person, name: string): Promise<void> {
  const { page } = person;
  // Soft: one run reports what every view has to fix.
  expect.soft(await seriousAccessibilityFindings(page), `axe, ${name} at 1366 px`).toEqual([]);
  expect.soft(await sidewaysOverflow(page), `${name} at 1366 px`).toEqual([]);
  await person.screenshot(`view-${name}-1366`);
  await page.setViewportSize(phone);
  expect.soft(await sidewaysOverflow(page), `${name} at 390 px`).toEqual([]);
  expect.soft(await seriousAccessibilityFindings(page), `axe, ${name} at 390 px`).toEqual([]);
  await person.screenshot(`view-${name}-390`);
  await page.setViewportSize(narrowest);
  expect.soft(await sidewaysOverflow(page), `${name} at 360 px`).toEqual([]);
  await page.setViewportSize(wide);
}

/** Whether the element focused in `page` shows that it has focus, or null when it does; else what it is. */
function focusWithoutIndicator(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const focused = document.activeElement as HTMLElement | null;
    if (!focused || focused === document.body) return null;
    // CodeMirror draws the focus ring around the whole editor, not its editable content.
    const ringed = (focused.closest('.cm-editor') as HTMLElement | null) ?? focused;
    const style = getComputedStyle(ringed);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    if (outlined || style.boxShadow !== 'none') return null;
    return focused.getAttribute('data-testid') ?? `${focused.tagName.toLowerCase()} ${focused.textContent?.trim().slice(0, 30) ?? ''}`;
  });
}

/**
 * Tabs from the top of `page` through every control until the focus comes round again, and
 * names those that showed no sign of having it.
 */
async function tabThrough(page: Page, run: string): Promise<{ reached: number; unmarked: string[] }> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  let reached = 0;
  const unmarked: string[] = [];
  for (let step = 0; step < 150; step++) {
    await page.keyboard.press('Tab');
    const visited = await page.evaluate((run) => {
      const focused = document.activeElement as HTMLElement | null;
      if (!focused || focused === document.body) return 'nothing';
      if (focused.dataset.tabbedIn === run) return 'again';
      focused.dataset.tabbedIn = run;
      return 'new';
    }, run);
    if (visited === 'again') break;
    if (visited === 'nothing') continue;
    reached++;
    // CodeMirror marks itself focused a moment after its content takes the focus.
    if (await page.evaluate(() => Boolean(document.activeElement?.closest('.cm-editor'))))
      await page.locator('.cm-editor.cm-focused').waitFor();
    const missing = await focusWithoutIndicator(page);
    if (missing) unmarked.push(missing);
  }
  return { reached, unmarked };
}

describe('every view of the agent console', () => {
  let hub: TestHub;
  let browser: Browser;
  const consoles: Person[] = [];
  const notFound: string[] = [];

  /** Opens the console for a new person, noting every request the hub answers with 404. */
  async function open(url: string): Promise<Person> {
    const person = await openConsole(browser, url);
    consoles.push(person);
    person.page.on('response', (response) => {
      if (response.status() === 404) notFound.push(response.url());
    });
    return person;
  }

  beforeAll(async () => {
    if (!consoleBuilt) throw new Error('console/dist is missing: `npm test` builds it first (npm run build)');
    hub = await startTestHub({ CASEROOM_DEV_LOGIN: 'true', CASEROOM_NOTES_DEBOUNCE_MS: '200' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const person of consoles) await person.context.close();
    await browser?.close();
    await hub?.stop();
  });

  it('passes axe with nothing serious, fits from 360 px wide up, and keeps screenshots of every view', async () => {
    const connector = await connectChannelBot(hub.url);
    await connector.onReply(() => undefined).ready;

    // Signing in.
    const ann = await open(hub.url);
    await ann.page.getByTestId('login-form').waitFor();
    await checkView(ann, 'sign-in');

    // Ann opens a case for a customer who writes in the chat, and claims it.
    await signIn(ann.page, people.ann);
    await ann.page.getByTestId('case-list').waitFor();
    await ann.page.getByTestId('new-case-subject').fill('Charged twice for March');
    await ann.page.getByTestId('new-case-customer').fill('Dana Customer');
    await ann.page.getByTestId('new-case-channel').selectOption('chat');
    await ann.page.getByTestId('new-case-id').fill('views-case');
    await ann.page.getByTestId('new-case-submit').click();
    await ann.page.locator('[data-testid="case-session-status"][data-status="synced"]').waitFor();
    await ann.page.getByTestId('claim').click();
    await ann.page.getByTestId('owner-badge').waitFor();

    // The conversation: the customer writes, Ann replies, what the customer said is on record.
    await connector.post('views-case', {
      channel: 'chat',
      body: 'Hello, my card was charged twice for the March invoice INV-2291. Could you refund one of them?',
      externalId: 'views-case-1',
      customer: { name: 'Dana Customer' },
    });
    await ann.page.locator('[data-testid="message"][data-seq="1"]').waitFor();
    await ann.page.getByTestId('fact-question').fill('Invoice');
    await ann.page.getByTestId('fact-answer').fill('INV-2291');
    await ann.page.getByTestId('new-fact-submit').click();
    await ann.page
      .getByTestId('composer-body')
      .fill('Sorry about that, Dana. I see both charges and I am asking billing to refund the second one.');
    await ann.page.getByTestId('composer-send').click();
    await ann.page.locator('[data-testid="message"][data-seq="2"] [data-testid="delivery"][data-status="delivered"]').waitFor();
    await connector.post('views-case', {
      channel: 'chat',
      body: 'Thank you! Will the money go back to the same card?',
      externalId: 'views-case-2',
      customer: { name: 'Dana Customer' },
    });
    await ann.page.locator('[data-testid="message"][data-seq="3"]').waitFor();

    // Sam, a billing specialist, joins and asks a peer for the refund; Ann's badge counts the request.
    const sam = await open(`${hub.url}/#/case/views-case`);
    await signIn(sam.page, people.sam);
    await sam.page.getByTestId('approval-summary').fill('Refund the duplicate March charge');
    await sam.page.getByTestId('approval-amount').fill('42.50');
    await sam.page.getByTestId('approval-request').click();
    await ann.page.locator('[data-testid="approval"][data-status="pending"]').waitFor();
    await ann.page.locator('[data-testid="approvals-count"]', { hasText: '1' }).waitFor();

    await ann.page.getByTestId('new-step-text').fill('Refund the duplicate charge');
    await ann.page.getByTestId('new-step-submit').click();

    // Both write in the notes and see each other's caret.
    await notesInput(sam.page).waitFor();
    await typeAtEndOfNotes(ann.page, 'Two charges of 42.50 EUR on 3 March, same invoice.');
    await notesContain(sam.page, 'same invoice.');
    await typeAtEndOfNotes(sam.page, '\nStatement checked: the second charge is a duplicate. Refund to the original card.');
    await notesContain(ann.page, 'original card.');
    await remoteCaret(ann.page, 'Sam').waitFor();
    await remoteCaret(sam.page, 'Ann').waitFor();

    // The two screenshots the README shows, once the passing notices are gone.
    await ann.page.waitForFunction(() => document.querySelector('#notices > *') === null);
    await ann.page.setViewportSize({ width: 1366, height: 940 });
    await ann.page.evaluate(() => window.scrollTo(0, 0));
    await ann.page.screenshot({ path: join(screenshotDir, 'readme-case-view.png') });
    await ann.page.getByTestId('conversation').screenshot({ path: join(screenshotDir, 'readme-conversation.png') });
    await ann.page.setViewportSize(wide);
    await checkView(ann, 'case-view');
    await checkView(sam, 'case-view-specialist');

    await ann.page.getByTestId('approvals-badge').click();
    await ann.page.getByTestId('team-approval').waitFor();
    await checkView(ann, 'approvals-popover');
    await ann.page.getByTestId('team-approval').getByTestId('approval-approve').click();
    await sam.page.locator('[data-testid="approval"][data-status="approved"]').waitFor();
    await ann.page.getByTestId('team-approval').waitFor({ state: 'detached' });
    if (await ann.page.getByTestId('team-approvals').isVisible()) await ann.page.getByTestId('approvals-badge').click();
    await ann.page.getByTestId('team-approvals').waitFor({ state: 'hidden' });

    // The case list, with the case resolved: a settled row must stay readable too.
    await ann.page.getByTestId('resolve-case').click();
    await ann.page.locator('[data-testid="case-status"]', { hasText: 'resolved' }).waitFor();
    await ann.page.getByTestId('back-to-cases').click();
    await ann.page.locator('[data-testid="case-row"][data-case-id="views-case"].resolved').waitFor();
    await checkView(ann, 'case-list');

    // The review queue of billing's supervisor, with Ann's decision in it.
    const sue = await open(hub.url);
    await signIn(sue.page, people.supervisorOf('billing'));
    await sue.page.getByTestId('nav-reviews').click();
    await sue.page.locator('[data-testid="review-queue"] [data-testid="review"]').waitFor();
    await checkView(sue, 'reviews');

    // No request of any of these pages went unanswered, the favicon included.
    expect(notFound).toEqual([]);
  }, 120_000);

  it('shows where the focus is on every control a keyboard reaches, on every view', async () => {
    const ann = await open(hub.url);
    await ann.page.getByTestId('login-form').waitFor();
    const signInPage = await tabThrough(ann.page, 'sign-in');
    expect(signInPage.reached).toBeGreaterThanOrEqual(6);
    expect(signInPage.unmarked).toEqual([]);

    await signIn(ann.page, people.ann);
    await ann.page.getByTestId('case-list').waitFor();
    const list = await tabThrough(ann.page, 'case-list');
    expect(list.reached).toBeGreaterThanOrEqual(10);
    expect(list.unmarked).toEqual([]);

    const caseId = await hub.createCase({ subject: 'Focus everywhere' });
    await ann.page.goto(`${hub.url}/#/case/${caseId}`);
    await notesInput(ann.page).waitFor();
    await ann.page.getByTestId('claim').click();
    await ann.page.getByTestId('composer').waitFor();
    const oneCase = await tabThrough(ann.page, 'case');
    expect(oneCase.reached).toBeGreaterThan(20);
    expect(oneCase.unmarked).toEqual([]);
  });

  it('ships a favicon and links it', async () => {
    const icon = await fetch(`${hub.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\//);
    const person = await open(hub.url);
    await person.page.getByTestId('login-form').waitFor();
    const linked = await person.page.locator('link[rel~="icon"]').evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).href));
    expect(linked.length).toBeGreaterThan(0);
    for (const href of linked) expect((await fetch(href)).status).toBe(200);
  });
});

/**
 * The agent console's finish, in a real headless Chromium: the approvals popover closes once it has
 * done its job (a decision, a click elsewhere, Escape, another view); cases are named by subject
 * in approvals, reviews and notices; money reads one way everywhere ("6.90 EUR"); the event feed
 * shows a quick leave-and-return once and reads the hub's own doing as such.
 */
import { describe, expect, it } from 'vitest';
import { openCaseAs } from '../helpers/clients.js';
import { consoleStage, openConsole, signIn, type Person } from '../helpers/browser.js';
import { caseLive, feedShows, focusedTestId, logHolds, textOf } from '../helpers/consolePages.js';
import * as people from '../helpers/people.js';

describe('the agent console’s finish', () => {
  const stage = consoleStage({ CASEROOM_PRESENCE_GRACE_MS: '100' });

  async function openAs(url: string, who: Parameters<typeof signIn>[1]): Promise<Person> {
    const person = await openConsole(stage.browser, url);
    stage.consoles.push(person);
    await signIn(person.page, who);
    return person;
  }

  it('closes the approvals popover on a decision, a click elsewhere, Escape and another view; names cases by subject; writes money one way', async () => {
    const team = 'polish';
    const subject = 'Charged twice for a cable';
    const caseId = await stage.hub.createCase({ subject, team });
    const caseUrl = `${stage.hub.url}/#/case/${caseId}`;
    const ann = await openAs(caseUrl, { ...people.ann, team });
    const amy = await openAs(caseUrl, { ...people.amy, team });
    await caseLive(ann.page);
    await caseLive(amy.page);
    expect(await ann.page.getByTestId('new-step-text').getAttribute('placeholder')).toMatch(/\?$/);

    // Amy asks twice; Ann is told, with the case named by its subject.
    for (const [summary, amount] of [
      ['Refund the second cable', '6.9'],
      ['Refund the shipping', '12'],
    ] as const) {
      await amy.page.getByTestId('approval-summary').fill(summary);
      await amy.page.getByTestId('approval-amount').fill(amount);
      await amy.page.getByTestId('approval-request').click();
      await amy.page.getByTestId('approval').filter({ hasText: summary }).waitFor();
    }
    const told = ann.page.getByTestId('info-notice').filter({ hasText: 'Refund the second cable' });
    await told.waitFor();
    expect(await textOf(told)).toContain(`Amy asks for approval on “${subject}”`);
    await ann.page.locator('[data-testid="approvals-count"]', { hasText: '2' }).waitFor();

    const badge = ann.page.getByTestId('approvals-badge');
    const popover = ann.page.getByTestId('team-approvals');
    const first = popover.getByTestId('team-approval').filter({ hasText: 'Refund the second cable' });

    // Open, the popover names the case by its subject and the amount as everywhere else.
    await badge.click();
    await popover.waitFor();
    expect(await textOf(first.getByTestId('team-approval-case'))).toBe(subject);
    expect(await textOf(first)).toContain('refund 6.90 EUR — Refund the second cable');
    // A click elsewhere closes it.
    await ann.page.getByTestId('case-subject').click();
    await popover.waitFor({ state: 'hidden' });
    expect(await badge.getAttribute('aria-expanded')).toBe('false');

    // Escape closes it, and the keyboard is back on the badge.
    await badge.click();
    await popover.waitFor();
    await ann.page.keyboard.press('Escape');
    await popover.waitFor({ state: 'hidden' });
    expect(await focusedTestId(ann.page)).toBe('approvals-badge');

    // Moving to another view closes it: here from the case list, through the popover's own link.
    await ann.page.getByTestId('back-to-cases').click();
    await ann.page.getByTestId('case-list').waitFor();
    await badge.click();
    await popover.waitFor();
    await first.getByTestId('team-approval-case').focus();
    await ann.page.keyboard.press('Enter');
    await caseLive(ann.page);
    await popover.waitFor({ state: 'hidden' });

    // A decision closes it.
    await badge.click();
    await first.getByTestId('approval-approve').click();
    await popover.waitFor({ state: 'hidden' });
    await ann.page.locator('[data-testid="approvals-count"]', { hasText: '1' }).waitFor();

    // One money format in the case's approvals and in its event feed.
    const approved = amy.page.locator('[data-testid="approval"][data-status="approved"]');
    await approved.waitFor();
    expect(await textOf(approved)).toContain('6.90 EUR');
    const requested = amy.page.locator('[data-testid="event"][data-type="approval.requested"]', { hasText: 'second cable' });
    await requested.waitFor();
    expect(await textOf(requested)).toContain('refund · 6.90 EUR · Refund the second cable');
    expect(await textOf(amy.page.getByTestId('event-feed'))).not.toMatch(/\b6\.9\b/);

    // The supervisor's review queue names the case by its subject too.
    const sue = await openAs(`${stage.hub.url}/#/reviews`, people.supervisorOf(team));
    const review = sue.page.getByTestId('review').filter({ hasText: 'Refund the second cable' });
    await review.getByTestId('review-case').filter({ hasText: subject }).waitFor();
    expect(await textOf(review)).toContain('6.90 EUR');
  });

  it('shows a person who leaves and comes straight back once, and the hub’s own doing as the hub’s', async () => {
    const team = 'feed';
    const caseId = await stage.hub.createCase({ subject: 'Parcel stuck in customs', team });
    const caseUrl = `${stage.hub.url}/#/case/${caseId}`;
    const ann = await openAs(caseUrl, { ...people.ann, team });
    const bob = await openAs(caseUrl, { ...people.bob, team });
    await caseLive(ann.page);
    await caseLive(bob.page);
    const joins = (events: { type: string; actor: { userId: string } | null }[]) =>
      events.filter((e) => e.type === 'member.joined' && e.actor?.userId === 'bob@feed').length;

    // Bob looks at the case list for a moment and comes back: the log has him leave and join again.
    await bob.page.getByTestId('back-to-cases').click();
    await logHolds(stage.hub.url, caseId, team, 'Bob to leave', (events) => events.some((e) => e.type === 'member.left'));
    await bob.page.goBack();
    await caseLive(bob.page);
    // A step falls due undone: the hub records it by itself.
    const { session: helper } = await openCaseAs(stage.hub.url, caseId, { ...people.qaBot, team });
    helper.steps.add({ text: 'Call the customs office', due: new Date(Date.now() + 500).toISOString() });
    const log = await logHolds(
      stage.hub.url,
      caseId,
      team,
      'Bob back and the step overdue',
      (events) => joins(events) === 2 && events.some((e) => e.type === 'step.overdue'),
    );

    const feed = await feedShows(ann.page, log.at(-1)!.seq);
    const bobs = (type: string) => feed.locator(`[data-testid="event"][data-type="${type}"]`, { hasText: 'Bob' });
    expect(await bobs('member.joined').count()).toBe(1);
    expect(await bobs('member.left').count()).toBe(0);
    expect(await textOf(feed.locator('[data-testid="event"][data-type="step.overdue"]').getByTestId('event-text'))).toBe('A step fell due');
    expect(await textOf(feed)).not.toContain('caseroom');

    // Gone for good, Bob's leaving is news.
    await bob.context.close();
    stage.consoles.splice(stage.consoles.indexOf(bob), 1);
    const after = await logHolds(stage.hub.url, caseId, team, 'Bob to leave for good', (events) =>
      events.some((e) => e.type === 'member.left' && e.seq > log.at(-1)!.seq),
    );
    await feedShows(ann.page, after.at(-1)!.seq);
    expect(await textOf(bobs('member.left').getByTestId('event-text'))).toBe('Bob left');
    expect(await bobs('member.joined').count()).toBe(1);
  });
});

/**
 * The agent console in a real headless Chromium: two people in two browser contexts work one case
 * through the page the hub serves at `/`, as an agent and a specialist would.
 */
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleStage, openConsole, signIn } from '../helpers/browser.js';
import { mintToken, startTestHub } from '../helpers/hub.js';
import { notesContain, typeAtEndOfNotes } from '../helpers/notesEditor.js';
import * as people from '../helpers/people.js';

async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

describe('agent console', () => {
  const stage = consoleStage({ CASEROOM_NOTES_DEBOUNCE_MS: '200' });

  it('lets an agent own a case that a specialist co-edits, with a peer approval on the record', async () => {
    const agent = await openConsole(stage.browser, stage.hub.url);
    const specialist = await openConsole(stage.browser, stage.hub.url);
    stage.consoles.push(agent, specialist);

    // The agent signs in and opens a new case from the case list.
    await agent.page.getByTestId('login-form').waitFor();
    await agent.screenshot('1-sign-in');
    await signIn(agent.page, people.ann);
    await agent.page.getByTestId('case-list').waitFor();
    await agent.page.getByTestId('new-case-subject').fill('Charged twice for March');
    await agent.page.getByTestId('new-case-customer').fill('Kim Customer');
    await agent.page.getByTestId('new-case-id').fill('console-case-1');
    await agent.page.getByTestId('new-case-submit').click();
    await agent.page.locator('[data-testid="case-session-status"][data-status="synced"]').waitFor();
    expect(await textOf(agent.page.getByTestId('case-subject'))).toBe('Charged twice for March');

    // The first to respond owns it.
    await agent.page.getByTestId('claim').click();
    await agent.page.locator('[data-testid="roster-member"][data-user-id] [data-testid="owner-badge"]').waitFor();
    expect(await textOf(agent.page.getByTestId('owner'))).toContain('Ann (you)');

    // The specialist finds the case in the team's list, owned, and joins it.
    await signIn(specialist.page, people.sam);
    const row = specialist.page.locator('[data-testid="case-row"][data-case-id="console-case-1"]');
    await row.waitFor();
    expect(await textOf(row)).toContain('Ann');
    await specialist.screenshot('2-case-list');
    await row.getByTestId('case-link').click();
    await specialist.page.locator('[data-testid="case-session-status"][data-status="synced"]').waitFor();
    await agent.page.locator('[data-testid="roster-member"]', { hasText: 'Sam' }).waitFor();

    // Both type into the notes and each sees the other's words.
    await typeAtEndOfNotes(agent.page, 'Customer was charged twice on 3 March.');
    await notesContain(specialist.page, 'charged twice on 3 March.');
    await typeAtEndOfNotes(specialist.page, ' Bank statement checked: duplicate confirmed.');
    const agentSees = await notesContain(agent.page, 'duplicate confirmed.');
    const specialistSees = await notesContain(specialist.page, 'duplicate confirmed.');
    expect(agentSees).toBe('Customer was charged twice on 3 March. Bank statement checked: duplicate confirmed.');
    expect(specialistSees).toBe(agentSees);
    await specialist.page.getByTestId('presence-chip').filter({ hasText: 'Ann' }).waitFor();

    // A specialist is never offered the case: no claim, and the owner stays visible.
    expect(await specialist.page.getByTestId('claim').isHidden()).toBe(true);
    expect(await textOf(specialist.page.getByTestId('owner'))).toContain('Ann');
    expect(await specialist.page.getByTestId('owner-badge').count()).toBe(1);

    // The specialist asks a peer; the agent's badge counts the request and the agent approves it.
    await specialist.page.getByTestId('approval-summary').fill('Refund the duplicate charge');
    await specialist.page.getByTestId('approval-amount').fill('42.50');
    await specialist.page.getByTestId('approval-request').click();
    await specialist.page.locator('[data-testid="approval"][data-status="pending"]').waitFor();
    await agent.page.locator('[data-testid="approvals-count"]', { hasText: '1' }).waitFor();
    await agent.screenshot('3-case-view-owner');
    await agent.page.getByTestId('approvals-badge').click();
    const request = agent.page.getByTestId('team-approval');
    await request.waitFor();
    expect(await textOf(request)).toContain('Refund the duplicate charge');
    await agent.screenshot('4-team-approvals');
    await request.getByTestId('approval-comment').fill('Duplicate is on the statement');
    await request.getByTestId('approval-approve').click();

    // Both see the decision, and the case's event feed records it.
    await specialist.page.locator('[data-testid="approval"][data-status="approved"]').waitFor();
    await agent.page.locator('[data-testid="approvals-count"]', { hasText: '0' }).waitFor();
    const approved = specialist.page.locator('[data-testid="event-feed"] [data-testid="event"][data-type="approval.approved"]');
    await approved.waitFor();
    expect(await textOf(approved)).toContain('Ann');
    for (const type of ['owner.claimed', 'approval.requested', 'member.joined'])
      expect(await specialist.page.locator(`[data-testid="event"][data-type="${type}"]`).count()).toBeGreaterThan(0);
    await specialist.screenshot('5-case-view-specialist');
  });

  it('keeps edits made offline and merges them on reconnect, and warns before a fact is asked twice', async () => {
    const caseId = await stage.hub.createCase({ subject: 'Parcel never arrived' });
    const agent = await openConsole(stage.browser, `${stage.hub.url}/#/case/${caseId}`);
    const specialist = await openConsole(stage.browser, `${stage.hub.url}/#/case/${caseId}`);
    stage.consoles.push(agent, specialist);
    await signIn(agent.page, people.amy);
    await signIn(specialist.page, people.bob);
    for (const person of [agent, specialist])
      await person.page.locator('[data-testid="case-session-status"][data-status="synced"]').waitFor();

    // The agent records what the customer said; the specialist sees who recorded it.
    await agent.page.getByTestId('fact-question').fill('Tracking number');
    await agent.page.getByTestId('fact-answer').fill('TRK-991');
    await agent.page.getByTestId('new-fact-submit').click();
    const fact = specialist.page.getByTestId('fact').filter({ hasText: 'TRK-991' });
    await fact.waitFor();
    expect(await textOf(fact)).toContain('Amy');

    // Before asking again, the specialist is told the answer is already known.
    await specialist.page.getByTestId('fact-question').fill('tracking number');
    const hint = specialist.page.getByTestId('fact-hint');
    await hint.waitFor();
    expect(await textOf(hint)).toContain('TRK-991');

    // The agent goes offline and keeps typing; the specialist adds a next step meanwhile.
    await agent.page.getByTestId('connection-toggle').click();
    await agent.page.locator('[data-testid="case-session-status"][data-status="offline"]').waitFor();
    await typeAtEndOfNotes(agent.page, 'Customer waited two weeks.');
    await specialist.page.getByTestId('new-step-text').fill('Open a carrier claim');
    await specialist.page.getByTestId('new-step-submit').click();
    await specialist.page.getByTestId('step').filter({ hasText: 'Open a carrier claim' }).waitFor();
    expect(await agent.page.getByTestId('step').count()).toBe(0);
    await agent.screenshot('6-offline');

    // Back online: each side has the other's work.
    await agent.page.getByTestId('connection-toggle').click();
    await agent.page.getByTestId('step').filter({ hasText: 'Open a carrier claim' }).waitFor();
    expect(await notesContain(specialist.page, 'Customer waited two weeks.')).toBe('Customer waited two weeks.');
  });

  it('lets a supervisor reassign a case and review the decision a peer made', async () => {
    const caseId = await stage.hub.createCase({ subject: 'Fee charged after cancelling' });
    const [ann, amy, sue] = await Promise.all([0, 1, 2].map(() => openConsole(stage.browser, `${stage.hub.url}/#/case/${caseId}`)));
    stage.consoles.push(ann!, amy!, sue!);
    await signIn(ann!.page, people.ann);
    await signIn(amy!.page, people.amy);
    // Sue as billing's supervisor: the console's review queue shows a supervisor's own team.
    await signIn(sue!.page, people.supervisorOf('billing'));
    for (const person of [ann!, amy!, sue!])
      await person.page.locator('[data-testid="case-session-status"][data-status="synced"]').waitFor();

    // Ann owns the case; only she is offered the handoff, and only Sue the reassign button.
    await ann!.page.getByTestId('claim').click();
    await amy!.page.getByTestId('owner').filter({ hasText: 'Ann' }).waitFor();
    expect(await ann!.page.getByTestId('claim').isHidden()).toBe(true);
    expect(await amy!.page.getByTestId('offer-handoff').isHidden()).toBe(true);
    expect(await ann!.page.getByTestId('reassign').isHidden()).toBe(true);

    // Sue moves the case to Amy; everyone sees the new owner.
    await sue!.page.locator('[data-testid="handoff-to"] option', { hasText: 'Amy' }).waitFor({ state: 'attached' });
    await sue!.page.getByTestId('handoff-to').selectOption({ label: 'Amy (agent)' });
    await sue!.page.getByTestId('reassign').click();
    await ann!.page.getByTestId('owner').filter({ hasText: 'Amy' }).waitFor();
    await amy!.page.getByTestId('owner').filter({ hasText: 'Amy (you)' }).waitFor();

    // Amy asks, Ann approves from the case itself.
    await amy!.page.getByTestId('approval-kind').fill('fee_waiver');
    await amy!.page.getByTestId('approval-summary').fill('Waive the late-cancellation fee');
    await amy!.page.getByTestId('approval-request').click();
    const pending = ann!.page.locator('[data-testid="approval"][data-status="pending"]');
    await pending.getByTestId('approval-approve').click();
    await amy!.page.locator('[data-testid="approval"][data-status="approved"]').waitFor();

    // Sue finds the decision in the review queue and upholds it; it moves to the reviewed list.
    await sue!.page.getByTestId('nav-reviews').click();
    const queued = sue!.page.locator('[data-testid="review-queue"] [data-testid="review"]', { hasText: 'Waive the late-cancellation fee' });
    await queued.waitFor();
    expect(await textOf(queued)).toContain('Ann approved');
    await sue!.screenshot('7-review-queue');
    await queued.getByTestId('review-note').fill('Fee was charged after the cancellation window');
    await queued.getByTestId('review-uphold').click();
    const reviewed = sue!.page.locator('[data-testid="reviewed"] [data-testid="review"]', { hasText: 'Waive the late-cancellation fee' });
    await reviewed.getByTestId('review-verdict').waitFor();
    expect(await textOf(reviewed.getByTestId('review-verdict'))).toContain('Sue upheld');
    expect(await queued.count()).toBe(0);
  });

  it('signs in with a token from the host application when the development login is off', async () => {
    const production = await startTestHub({ CASEROOM_DEV_LOGIN: 'false' });
    try {
      const person = await openConsole(stage.browser, production.url);
      stage.consoles.push(person);
      // The development login is refused with the hub's message.
      await person.page.getByTestId('login-name').fill(people.ann.name);
      await person.page.getByTestId('login-submit').click();
      await person.page.getByTestId('error-notice').waitFor();
      expect(await person.page.getByTestId('error-notice').getAttribute('data-code')).toBe('dev_login_disabled');
      expect(await person.page.getByTestId('who').count()).toBe(0);

      // A host application hands a token over in the fragment; it does not stay in the address bar.
      const token = await mintToken(people.ann);
      const handedOver = await openConsole(stage.browser, `${production.url}/#token=${encodeURIComponent(token)}`);
      stage.consoles.push(handedOver);
      await handedOver.page.getByTestId('who').filter({ hasText: 'Ann' }).waitFor();
      expect(handedOver.page.url()).not.toContain(token);
      await handedOver.page.getByTestId('case-list').waitFor();
    } finally {
      await production.stop();
    }
  });
});

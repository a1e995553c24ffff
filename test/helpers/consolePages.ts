/**
 * Reading and driving the console's pages in the browser tests: waits on what a person sees, and
 * the keyboard as the only input (Tab to reach a control, Enter or Space to use it).
 */
import type { CaseEvent } from '@caseroom/shared';
import type { Locator, Page } from 'playwright-core';
import { mintToken } from './hub.js';
import { supervisorOf } from './people.js';
import { pollUntil } from './wait.js';

/** Resolves once the page's case view is live (joined and in sync). */
export async function caseLive(page: Page): Promise<void> {
  await page.locator('[data-testid="case-session-status"][data-status="synced"]').waitFor();
}

export async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

/** The label of the option a <select> shows. */
export function chosenLabel(select: Locator): Promise<string | undefined> {
  return select.evaluate((element: HTMLSelectElement) => element.selectedOptions[0]?.textContent ?? undefined);
}

/** The labels of a <select>'s options. */
export function optionLabels(select: Locator): Promise<string[]> {
  return select.locator('option').allTextContents();
}

/** What an element reads, leaving out the options of the pickers inside it (a <select> shows only one). */
export function textBesidePickers(locator: Locator): Promise<string> {
  return locator.evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('select').forEach((select) => select.remove());
    return copy.textContent ?? '';
  });
}

/** Signs a person in through the development login, as the console's sign-in page would: they are in the team's directory from then on. */
export async function devLogin(url: string, who: { name: string; role: string; team: string }): Promise<string> {
  const res = await fetch(`${url}/api/dev/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  const body = (await res.json()) as { ok: boolean; identity: { userId: string } };
  if (!body.ok) throw new Error(`dev login refused: ${JSON.stringify(body)}`);
  return body.identity.userId;
}

/** Waits until the case's event log (read as the team's supervisor) holds an event `accept` takes; returns the log. */
export async function logHolds(
  url: string,
  caseId: string,
  team: string,
  what: string,
  accept: (events: CaseEvent[]) => boolean,
): Promise<CaseEvent[]> {
  const token = await mintToken(supervisorOf(team));
  return pollUntil(what, async () => {
    const res = await fetch(`${url}/api/cases/${encodeURIComponent(caseId)}/events?limit=500`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { events } = (await res.json()) as { events: CaseEvent[] };
    return accept(events) && events;
  });
}

/** Refreshes the page's event feed and waits until it has shown the log up to `seq`. */
export async function feedShows(page: Page, seq: number): Promise<Locator> {
  await page.getByTestId('events-refresh').click();
  await page.waitForFunction(
    (last) => Number(document.querySelector<HTMLElement>('[data-testid="event-feed"]')?.dataset.lastSeq) >= last,
    seq,
  );
  return page.getByTestId('event-feed');
}

/** The data-testid of the element that has the keyboard focus. */
export function focusedTestId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid);
}

/**
 * Presses Tab until the control with `testId` (inside `within`, when given) has the focus, as a
 * person without a mouse reaches it; fails if it is not reachable. An editor that keeps Tab for
 * indenting is left the way such editors document: Escape, then Tab.
 */
export async function tabTo(page: Page, testId: string, within?: string, maxPresses = 200): Promise<void> {
  for (let presses = 0; presses < maxPresses; presses++) {
    const reached = await page.evaluate(
      ([id, scope]) => {
        const active = document.activeElement as HTMLElement | null;
        return active?.dataset.testid === id && (scope === null || active.closest(scope) !== null);
      },
      [testId, within ?? null] as const,
    );
    if (reached) return;
    if (await page.evaluate(() => (document.activeElement as HTMLElement | null)?.isContentEditable ?? false))
      await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
  }
  throw new Error(`${testId} cannot be reached with Tab`);
}

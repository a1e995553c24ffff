/**
 * The notes editor of the agent console in a real headless Chromium: CodeMirror bound to the
 * notes' Y.Text, two people typing in it at once. Each sees the other's caret labelled with their
 * name in their colour, what both type converges, undo takes back only your own edits, and a
 * keyboard user gets into the notes and out of them again.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleStage, openConsole, signIn, type Person } from '../helpers/browser.js';
import { notesContain, notesInput, notesNoLongerContain, notesText, remoteCaret, typeAtEndOfNotes } from '../helpers/notesEditor.js';
import * as people from '../helpers/people.js';

/** y-codemirror.next's colour for a person who announced none. */
const defaultCaretColour = 'rgb(48, 188, 237)';

/** Whether the element focused in `page` is inside the notes editor. */
const focusInNotes = (page: Page): Promise<boolean> => page.evaluate(() => Boolean(document.activeElement?.closest('.cm-editor')));

/** Whether the element focused in `page` comes after the notes editor in the page. */
const followsTheEditor = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    const editor = document.querySelector('.cm-editor');
    const focused = document.activeElement;
    return Boolean(editor && focused && editor.compareDocumentPosition(focused) & Node.DOCUMENT_POSITION_FOLLOWING);
  });

// Two browser contexts per test on a shared machine: opening them alone can take seconds.
describe('the notes editor', { timeout: 60_000 }, () => {
  const stage = consoleStage();

  /** Ann (agent) and Sam (specialist) in the case room of a new case, its notes editor ready. */
  async function annAndSamInANewCase(subject: string): Promise<[Person, Person]> {
    const caseId = await stage.hub.createCase({ subject });
    const ann = await openConsole(stage.browser, `${stage.hub.url}/#/case/${caseId}`);
    const sam = await openConsole(stage.browser, `${stage.hub.url}/#/case/${caseId}`);
    stage.consoles.push(ann, sam);
    await signIn(ann.page, people.ann);
    await signIn(sam.page, people.sam);
    for (const person of [ann, sam]) {
      await person.page.locator('[data-testid="case-session-status"][data-status="synced"]').waitFor();
      await notesInput(person.page).waitFor();
    }
    return [ann, sam];
  }

  it("shows each person the other's caret, labelled with their name in their colour, and converges what both type", async () => {
    const [ann, sam] = await annAndSamInANewCase('Charged twice in April');

    await typeAtEndOfNotes(ann.page, 'Customer was charged twice.');
    await notesContain(sam.page, 'Customer was charged twice.');
    const annAsSamSees = remoteCaret(sam.page, 'Ann');
    await annAsSamSees.waitFor();
    // The name is shown, not only on hover, and nobody sees a caret of their own among the others'.
    expect(await annAsSamSees.locator('.cm-ySelectionInfo').isVisible()).toBe(true);
    expect(await remoteCaret(sam.page, 'Sam').count()).toBe(0);

    await typeAtEndOfNotes(sam.page, ' Refund approved.');
    await notesContain(ann.page, 'Refund approved.');
    const samAsAnnSees = remoteCaret(ann.page, 'Sam');
    await samAsAnnSees.waitFor();
    expect(await remoteCaret(ann.page, 'Ann').count()).toBe(0);

    // Each person has a colour of their own, the one they announced.
    const annColour = await annAsSamSees.evaluate((caret) => getComputedStyle(caret).borderLeftColor);
    const samColour = await samAsAnnSees.evaluate((caret) => getComputedStyle(caret).borderLeftColor);
    expect(annColour).not.toBe(samColour);
    expect([annColour, samColour]).not.toContain(defaultCaretColour);
    // The presence line under the editor names the other, on the line they edit.
    await ann.page.getByTestId('presence-chip').filter({ hasText: 'Sam · editing line 1' }).waitFor();

    // Both type at once, at either end: both texts arrive on both sides, in the same order.
    await notesInput(ann.page).click();
    await ann.page.keyboard.press('Control+Home');
    await Promise.all([ann.page.keyboard.type('Ann: '), sam.page.keyboard.type(' Sam done.')]);
    const both = 'Ann: Customer was charged twice. Refund approved. Sam done.';
    expect(await notesContain(ann.page, both)).toBe(both);
    expect(await notesContain(sam.page, both)).toBe(both);
  });

  it("undoes your own edits and never the other person's", async () => {
    const [ann, sam] = await annAndSamInANewCase('Refund went to an old card');

    await typeAtEndOfNotes(ann.page, 'Ann was here.');
    await notesContain(sam.page, 'Ann was here.');
    await typeAtEndOfNotes(sam.page, ' Sam was here.');
    await notesContain(ann.page, 'Sam was here.');

    // Ann undoes as much as she can: her words go, on both sides; Sam's stay.
    await notesInput(ann.page).click();
    for (let i = 0; i < 5; i++) await ann.page.keyboard.press('Control+z');
    expect(await notesNoLongerContain(ann.page, 'Ann was here.')).toBe(' Sam was here.');
    expect(await notesNoLongerContain(sam.page, 'Ann was here.')).toBe(' Sam was here.');

    // And redo brings her words back.
    await ann.page.keyboard.press('Control+Shift+Z');
    expect(await notesContain(sam.page, 'Ann was here.')).toBe('Ann was here. Sam was here.');
  });

  it('lets a keyboard user reach the notes with Tab and leave them with Escape then Tab', async () => {
    const [ann] = await annAndSamInANewCase('Card declined twice');
    const page = ann.page;

    // From the link back to the cases, Tab reaches the notes, as any other control.
    await page.getByTestId('back-to-cases').focus();
    let tabs = 0;
    while (!(await focusInNotes(page)) && tabs < 80) {
      await page.keyboard.press('Tab');
      tabs++;
    }
    expect(await focusInNotes(page)).toBe(true);
    // Focus is visible on the editor (CodeMirror marks itself focused a moment after its content).
    const ring = await page.locator('.cm-editor.cm-focused').evaluate((editor) => getComputedStyle(editor).outline);
    expect(ring).toMatch(/solid 2px|2px solid/);
    await page.keyboard.type('Typed without a mouse.');
    await notesContain(page, 'Typed without a mouse.');

    // Escape, then Tab: focus moves on to the next control, and nothing was typed into the notes.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    expect(await focusInNotes(page)).toBe(false);
    expect(await followsTheEditor(page)).toBe(true);
    expect(await notesText(page)).toBe('Typed without a mouse.');

    // Shift+Tab comes back, and Tab alone also leaves: the editor is no trap.
    await page.keyboard.press('Shift+Tab');
    expect(await focusInNotes(page)).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focusInNotes(page)).toBe(false);
    expect(await followsTheEditor(page)).toBe(true);
    expect(await notesText(page)).toBe('Typed without a mouse.');
  });
});

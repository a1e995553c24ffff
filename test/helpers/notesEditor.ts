/**
 * The console's notes editor (CodeMirror bound to the notes' Y.Text) as a person uses it: read
 * what it shows, type into it, and find the carets of the others in it.
 */
import type { Locator, Page } from 'playwright-core';

/** The editable area of the notes, once the editor is mounted. */
export function notesInput(page: Page): Locator {
  return page.getByTestId('notes-input');
}

/**
 * Runs in the page: the text the notes editor shows, line by line, without the others' caret
 * labels (they sit inside the lines as widgets and are not part of the text).
 */
function readNotesInPage(): string {
  return Array.from(document.querySelectorAll('[data-testid="notes-input"] .cm-line'))
    .map((line) => {
      const copy = line.cloneNode(true) as HTMLElement;
      copy.querySelectorAll('.cm-ySelectionCaret, .cm-widgetBuffer').forEach((widget) => widget.remove());
      return copy.textContent ?? '';
    })
    .join('\n');
}

/** The text the notes editor of `page` shows. */
export async function notesText(page: Page): Promise<string> {
  await notesInput(page).waitFor();
  return page.evaluate(readNotesInPage);
}

/** Waits until the notes editor of `page` shows `text`, and returns all it shows. */
export async function notesContain(page: Page, text: string): Promise<string> {
  await notesInput(page).waitFor();
  await page.waitForFunction(`(${readNotesInPage.toString()})().includes(${JSON.stringify(text)})`);
  return notesText(page);
}

/** Waits until the notes editor of `page` no longer shows `text`, and returns all it shows. */
export async function notesNoLongerContain(page: Page, text: string): Promise<string> {
  await notesInput(page).waitFor();
  await page.waitForFunction(`!(${readNotesInPage.toString()})().includes(${JSON.stringify(text)})`);
  return notesText(page);
}

/** Types at the end of the notes, key by key, as a person would. */
export async function typeAtEndOfNotes(page: Page, text: string): Promise<void> {
  const input = notesInput(page);
  await input.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

/** The caret of another person in the notes editor of `page`, labelled with their name. */
export function remoteCaret(page: Page, name: string): Locator {
  return page.locator('[data-testid="notes-input"] .cm-ySelectionCaret', {
    has: page.locator('.cm-ySelectionInfo', { hasText: name }),
  });
}

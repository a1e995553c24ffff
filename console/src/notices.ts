/**
 * Feedback for refused actions: the hub's message (and its stable code), never a stack trace.
 */
import { CaseroomError } from '@caseroom/client';
import { h } from './dom.js';

/** What a person should read about a failure. Unknown failures say so without detail. */
export function describeError(err: unknown): string {
  if (err instanceof CaseroomError) return err.message;
  return 'Something went wrong; please try again.';
}

function region(): HTMLElement {
  return document.getElementById('notices') ?? document.body;
}

function show(kind: 'error' | 'info', text: string, options: { code?: string; href?: string; stayMs?: number } = {}): void {
  const { code, href, stayMs = kind === 'error' ? 10_000 : 4000 } = options;
  const notice = h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': `${kind}-notice`, 'data-code': code },
    href ? h('a', { href }, text) : h('span', {}, text),
    h('button', { class: 'link', 'aria-label': 'Dismiss', onclick: () => notice.remove() }, '×'),
  );
  region().appendChild(notice);
  setTimeout(() => notice.remove(), stayMs);
}

export function showError(err: unknown): void {
  show('error', describeError(err), err instanceof CaseroomError ? { code: err.code } : {});
}

/** A passing notice; with `href`, its text links there, and it stays until dismissed or `stayMs`. */
export function showInfo(text: string, options: { href?: string; stayMs?: number } = {}): void {
  show('info', text, options);
}

/** Runs an action from a button or form, reporting any refusal; resolves to false when refused. */
export async function attempt(action: () => Promise<unknown> | unknown): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (err) {
    showError(err);
    return false;
  }
}

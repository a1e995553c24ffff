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

function show(kind: 'error' | 'info', text: string, code?: string): void {
  const notice = h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': `${kind}-notice`, 'data-code': code },
    h('span', {}, text),
    h('button', { class: 'link', 'aria-label': 'Dismiss', onclick: () => notice.remove() }, '×'),
  );
  region().appendChild(notice);
  setTimeout(() => notice.remove(), kind === 'error' ? 10_000 : 4000);
}

export function showError(err: unknown): void {
  show('error', describeError(err), err instanceof CaseroomError ? err.code : undefined);
}

export function showInfo(text: string): void {
  show('info', text);
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

/**
 * The case notes: a textarea bound to the document's Y.Text. Local input becomes the smallest
 * delete + insert that turns the old text into the new; remote changes are applied to the
 * textarea with the caret moved along, so two people can type in the same notes at once.
 * Presence (who is in the notes, on which line) travels through awareness.
 */
import type { CaseSession } from '@caseroom/client';
import * as Y from 'yjs';
import type { Identity } from './api.js';
import { h, replace } from './dom.js';

/** Marks our own transactions so the observer does not echo them back into the textarea. */
const localEdit = Symbol('console-notes');

/** Applies `next` to `text` as one minimal edit (common prefix and suffix kept). */
export function applyDiff(text: Y.Text, next: string): void {
  const prev = text.toString();
  if (prev === next) return;
  let start = 0;
  const shortest = Math.min(prev.length, next.length);
  while (start < shortest && prev.charCodeAt(start) === next.charCodeAt(start)) start++;
  let end = 0;
  while (end < shortest - start && prev.charCodeAt(prev.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++;
  text.doc!.transact(() => {
    if (prev.length - start - end > 0) text.delete(start, prev.length - start - end);
    if (next.length - start - end > 0) text.insert(start, next.slice(start, next.length - end));
  }, localEdit);
}

/** Where a caret ends up after a remote change described by a Yjs delta. */
function moveThrough(delta: Y.YTextEvent['delta'], position: number): number {
  let index = 0;
  let moved = position;
  for (const op of delta) {
    if (op.retain !== undefined) index += op.retain;
    else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1;
      if (index < position) moved += length;
      index += length;
    } else if (op.delete !== undefined) {
      if (index < position) moved -= Math.min(op.delete, position - index);
    }
  }
  return moved;
}

interface CursorState {
  anchor: unknown;
  head: unknown;
}

export function notesPanel(session: CaseSession, me: Identity): { element: HTMLElement; dispose: () => void } {
  const text = session.notes;
  // The hub stamps `user` with the signed-in id and name; announcing it makes us visible to others.
  session.awareness.setLocalStateField('user', { name: me.name });
  const area = h('textarea', {
    class: 'notes',
    rows: 12,
    spellcheck: true,
    'aria-label': 'Case notes',
    placeholder: 'What happened, what the customer wants, what we promised…',
    'data-testid': 'notes',
  });
  area.value = text.toString();
  const presence = h('div', { class: 'presence', 'aria-live': 'polite', 'data-testid': 'notes-presence' });

  const publishCursor = (): void => {
    if (document.activeElement !== area) {
      session.awareness.setLocalStateField('cursor', null);
      return;
    }
    const cursor: CursorState = {
      anchor: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, area.selectionStart)),
      head: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, area.selectionEnd)),
    };
    session.awareness.setLocalStateField('cursor', cursor);
  };

  area.addEventListener('input', () => {
    applyDiff(text, area.value);
    publishCursor();
  });
  for (const event of ['focus', 'blur', 'keyup', 'mouseup', 'select']) area.addEventListener(event, publishCursor);

  const onRemote = (event: Y.YTextEvent, transaction: Y.Transaction): void => {
    if (transaction.origin === localEdit) return;
    const focused = document.activeElement === area;
    const [start, end] = [moveThrough(event.delta, area.selectionStart), moveThrough(event.delta, area.selectionEnd)];
    area.value = text.toString();
    if (focused) area.setSelectionRange(start, end);
    renderPresence();
  };
  text.observe(onRemote);

  /** Line of a remote caret, or null when that person is not in the notes. */
  const lineOf = (cursor: CursorState | null | undefined): number | null => {
    if (!cursor?.head) return null;
    const absolute = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), session.doc);
    if (!absolute) return null;
    return text.toString().slice(0, absolute.index).split('\n').length;
  };

  const renderPresence = (): void => {
    const others = [...session.awareness.getStates().entries()].filter(([clientId]) => clientId !== session.doc.clientID);
    const chips = others.map(([, state]) => {
      const user = state.user as { name?: string } | undefined;
      const line = lineOf(state.cursor as CursorState | null | undefined);
      return h(
        'span',
        { class: line === null ? 'chip' : 'chip editing', 'data-testid': 'presence-chip' },
        user?.name ?? 'someone',
        line === null ? ' · viewing' : ` · editing line ${line}`,
      );
    });
    replace(presence, chips.length ? 'Here: ' : 'Nobody else is in the notes.', ...chips);
  };
  session.awareness.on('change', renderPresence);
  renderPresence();

  const element = h('section', { class: 'card' }, h('h2', {}, 'Notes'), area, presence);
  return {
    element,
    dispose: () => {
      text.unobserve(onRemote);
      session.awareness.off('change', renderPresence);
    },
  };
}

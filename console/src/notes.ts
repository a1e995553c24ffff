/**
 * The case notes: a CodeMirror editor bound to the document's Y.Text (notesEditor.ts, loaded when
 * a case is opened), with the others' carets labelled by name in their colour, and a line below
 * saying who is in the notes and on which line. Presence travels through awareness: the hub
 * stamps `user` with the signed-in id and name; the colour is ours to choose.
 */
import type { CaseSession } from '@caseroom/client';
import * as Y from 'yjs';
import type { Identity } from './api.js';
import { h, replace } from './dom.js';
import { showError } from './notices.js';

/** Caret colours, each dark enough for a white name label (contrast of at least 4.5:1). */
const caretColours = ['#175cd3', '#c4320a', '#067647', '#6941c6', '#c11574', '#0e7090', '#93370d', '#3e4784'];

/** The colour of a person's caret: the same in every tab and for everyone, picked by user id. */
function caretColour(userId: string): { color: string; colorLight: string } {
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) >>> 0;
  const color = caretColours[hash % caretColours.length]!;
  // y-codemirror.next shades a remote selection with `colorLight`: the colour at 20% opacity.
  return { color, colorLight: `${color}33` };
}

interface CursorState {
  anchor: unknown;
  head: unknown;
}

interface PresenceUser {
  name?: string;
  color?: string;
}

export function notesPanel(session: CaseSession, me: Identity): { element: HTMLElement; dispose: () => void } {
  const text = session.notes;
  session.awareness.setLocalStateField('user', { name: me.name, ...caretColour(me.userId) });

  const host = h(
    'div',
    { class: 'notes-editor', 'data-testid': 'notes', 'aria-busy': 'true' },
    h('p', { class: 'muted' }, 'Opening the notes…'),
  );
  // Not a live region: it changes with every keystroke of the others, too often to be announced.
  const presence = h('div', { class: 'presence', 'data-testid': 'notes-presence' });

  let disposed = false;
  // The editor arrives on demand; a view left before it arrived never mounts it.
  const editor = import('./notesEditor.js').then(
    ({ mountNotesEditor }) => {
      if (disposed) return null;
      replace(host);
      host.removeAttribute('aria-busy');
      return mountNotesEditor(host, text, session.awareness, {
        label: 'Case notes',
        placeholder: 'What happened, what the customer wants, what we promised…',
      });
    },
    (err: unknown) => {
      replace(host, h('p', { class: 'hint' }, 'The notes editor could not be loaded; reload the page to try again.'));
      showError(err);
      return null;
    },
  );

  /** Line of a remote caret, or null when that person is not in the notes. */
  const lineOf = (cursor: CursorState | null | undefined): number | null => {
    if (!cursor?.head) return null;
    const absolute = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), session.doc);
    if (!absolute || absolute.type !== text) return null;
    return text.toString().slice(0, absolute.index).split('\n').length;
  };

  const renderPresence = (): void => {
    const others = [...session.awareness.getStates().entries()].filter(([clientId]) => clientId !== session.doc.clientID);
    const chips = others.map(([, state]) => {
      const user = state.user as PresenceUser | undefined;
      const line = lineOf(state.cursor as CursorState | null | undefined);
      return h(
        'span',
        { class: line === null ? 'chip' : 'chip editing', 'data-testid': 'presence-chip' },
        h('span', { class: 'swatch', style: user?.color ? `background: ${user.color}` : null, 'aria-hidden': 'true' }),
        user?.name ?? 'someone',
        line === null ? ' · viewing' : ` · editing line ${line}`,
      );
    });
    replace(presence, chips.length ? 'Here: ' : 'Nobody else is in the notes.', ...chips);
  };
  session.awareness.on('change', renderPresence);
  // A remote edit can move someone's caret to another line without a change of awareness.
  text.observe(renderPresence);
  renderPresence();

  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'notes-heading' },
    h('h2', { id: 'notes-heading' }, 'Notes'),
    host,
    presence,
  );
  return {
    element,
    dispose: () => {
      disposed = true;
      void editor.then((mounted) => mounted?.destroy());
      text.unobserve(renderPresence);
      session.awareness.off('change', renderPresence);
    },
  };
}

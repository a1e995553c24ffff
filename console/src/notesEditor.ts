/**
 * The notes editor: CodeMirror 6 bound to the notes' Y.Text by y-codemirror.next, so that every
 * keystroke is a Yjs edit, the others' carets and selections show with their names and colours,
 * and undo takes back only this person's edits (a Y.UndoManager that tracks the binding's origin
 * alone; what arrives from the hub has another origin). Loaded on demand: the page's first load
 * stays light, and only the case view needs an editor.
 *
 * Tab is left to the browser, so the editor never traps keyboard focus: Tab (or Escape, then Tab)
 * moves on to the next control, as from a text field.
 */
import type { CaseSession } from '@caseroom/client';
import { standardKeymap } from '@codemirror/commands';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import * as Y from 'yjs';

export interface NotesEditorOptions {
  /** the accessible name of the editor */
  label: string;
  placeholder: string;
}

const theme = EditorView.theme({
  '&': {
    minHeight: '160px',
    border: '1px solid var(--line)',
    borderRadius: '6px',
    background: '#fff',
    fontSize: '14px',
  },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '2px' },
  '.cm-scroller': { fontFamily: 'inherit', lineHeight: '1.5', minHeight: '160px', maxHeight: '480px' },
  // Room above the first line for a caret's name label.
  '.cm-content': { padding: '16px 10px 10px', caretColor: 'var(--ink)' },
  '.cm-placeholder': { color: 'var(--muted)' },
  // Names stay on: who is typing where is the point of a shared editor.
  '.cm-ySelectionInfo': {
    opacity: '1',
    fontFamily: 'inherit',
    fontSize: '11px',
    fontWeight: '600',
    top: '-1.45em',
    padding: '0 4px',
    borderRadius: '3px 3px 3px 0',
  },
  '.cm-ySelectionCaretDot': { display: 'none' },
});

/**
 * Mounts the editor on `parent`; `destroy()` unbinds it from the document. The awareness must
 * already carry `user: { name, color, colorLight }` for the others to label this caret.
 */
export function mountNotesEditor(
  parent: HTMLElement,
  text: Y.Text,
  awareness: CaseSession['awareness'],
  options: NotesEditorOptions,
): { view: EditorView; destroy: () => void } {
  // Tracks no origin of its own: yCollab adds the binding's, so remote edits are never undone here.
  const undoManager = new Y.UndoManager(text, { trackedOrigins: new Set() });
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text.toString(),
      extensions: [
        keymap.of([...yUndoManagerKeymap, ...standardKeymap]),
        yCollab(text, awareness, { undoManager }),
        EditorView.lineWrapping,
        placeholder(options.placeholder),
        EditorView.contentAttributes.of({ 'aria-label': options.label, 'aria-multiline': 'true', 'data-testid': 'notes-input' }),
        // A person who leaves the notes is no longer editing a line of them.
        EditorView.domEventHandlers({
          blur: () => {
            awareness.setLocalStateField('cursor', null);
            return false;
          },
        }),
        theme,
      ],
    }),
  });
  return {
    view,
    destroy: () => {
      view.destroy();
      // yCollab leaves the undo manager to its creator; it listens to the document until destroyed.
      undoManager.destroy();
    },
  };
}

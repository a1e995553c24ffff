/** The keystrokes the bench's clients type, made once on a writer's replica, for the scripts that measure an edit's way in without a network. */
import * as Y from 'yjs';

/** `count` edits as the bench's writers make them: three characters into the notes and a value in the application map, each one update. */
export function keystrokes(count: number): Uint8Array[] {
  const writer = new Y.Doc();
  const updates: Uint8Array[] = [];
  writer.on('update', (update: Uint8Array) => updates.push(update));
  const notes = writer.getText('notes');
  const app = writer.getMap<number>('app');
  for (let i = 0; i < count; i++) {
    writer.transact(() => {
      notes.insert(notes.length, String.fromCharCode(97 + (i % 26)).repeat(3));
      app.set(`w:${i}`, i);
    });
  }
  return updates;
}

/**
 * `node --import tsx bench/src/schemaCheck.ts [edits]`: what the case document schema check adds
 * to each incoming edit, measured where the hub pays it: applying the edit to a trial replica, with
 * and without the check listening, in one process, rounds interleaved. Two shapes of edit: the
 * fan-out benchmark's (three characters of notes and a send time in the `app` map), and a step
 * being added (the check then reads the step and every other step's id).
 */
import { CaseDocument, transactionProblems } from '@caseroom/shared';
import * as Y from 'yjs';

const edits = Number(process.argv[2] ?? 20_000);

/** The updates a writer produces, made on its own replica of a case with some history. */
function updatesOf(shape: 'typing' | 'steps', count: number): { base: Uint8Array; updates: Uint8Array[] } {
  const writer = new CaseDocument(new Y.Doc(), { author: 'ann' });
  writer.notes.insert(0, 'x'.repeat(2_000));
  for (let i = 0; i < 20; i++) writer.steps.add({ text: `step ${i}` });
  const base = Y.encodeStateAsUpdate(writer.doc);
  const updates: Uint8Array[] = [];
  writer.doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < count; i++) {
    if (shape === 'typing')
      writer.transact(() => {
        writer.notes.insert(writer.notes.length, 'abc');
        writer.app.set(`ann:${i}`, i);
      });
    else writer.steps.add({ text: `step ${i}` });
  }
  return { base, updates };
}

/** CPU microseconds per update applied to a fresh replica of `base`, with the check or without. */
function measure(base: Uint8Array, updates: Uint8Array[], checked: boolean): number {
  const trial = new Y.Doc();
  Y.applyUpdate(trial, base);
  let problems = 0;
  const check = (transaction: Y.Transaction): void => {
    problems += transactionProblems(transaction, 'ann').length;
  };
  if (checked) trial.on('afterTransaction', check);
  const started = process.cpuUsage();
  for (const update of updates) Y.applyUpdate(trial, update);
  const used = process.cpuUsage(started);
  if (problems > 0) throw new Error('the writer made edits the schema refuses');
  return (used.user + used.system) / updates.length;
}

// Adding steps is measured on fewer edits: each one makes the case longer by a step to compare ids with.
for (const [shape, count] of [
  ['typing', edits],
  ['steps', Math.min(edits, 2_000)],
] as const) {
  const { base, updates } = updatesOf(shape, count);
  console.log(`${shape}: ${count} edits`);
  for (let round = 1; round <= 3; round++) {
    const without = measure(base, updates, false);
    const withCheck = measure(base, updates, true);
    console.log(
      `  round ${round}: ${without.toFixed(2)} µs per edit without the check, ${withCheck.toFixed(2)} µs with it (+${(withCheck - without).toFixed(2)})`,
    );
  }
}

/**
 * Turns edits of a live case document into case events for bots: step.added, step.completed,
 * step.removed and fact.recorded as they happen, and notes.changed debounced (typing produces an
 * update per keystroke; bots want "the notes changed, roughly like this"). It also keeps the steps'
 * deadlines (OverdueSteps): set when a step with a `due` is added or undone, moved when its `due`
 * changes, cleared when it is done or removed. Only edits made through this node's connections
 * count, so in a cluster each edit becomes an event, and a deadline change, exactly once.
 */
import { factsKey, itemsAddedBy, notesKey, StepList, stepsKey, type Fact, type Identity, type Step } from '@caseroom/shared';
import * as Y from 'yjs';
import type { CaseRoom } from '../rooms/CaseRoom.js';
import type { CaseRooms } from '../rooms/CaseRooms.js';
import { connectionOf } from '../rooms/Origin.js';
import type { EventLog } from './EventLog.js';
import type { OverdueSteps } from './OverdueSteps.js';

const excerptLength = 120;

interface NotesSummary {
  inserted: number;
  deleted: number;
  excerpt: string;
  editors: Map<string, Identity>;
  timer: NodeJS.Timeout;
}

function editorOf(transaction: Y.Transaction): Identity | null {
  return connectionOf(transaction.origin)?.identity ?? null;
}

/** What the watcher remembers of a step: enough to tell what an edit changed. */
type KnownStep = Pick<Step, 'done' | 'due'>;

/** The steps known before the watcher's first look at them. */
const noSteps: ReadonlyMap<string, KnownStep> = new Map();

/** The deadline a step has: its `due` while it is not done. */
const deadlineOf = (step: KnownStep): string | null => (step.done ? null : step.due);

class DocumentWatcher {
  private known: ReadonlyMap<string, KnownStep> = noSteps;
  private notes: NotesSummary | null = null;
  private detach: () => void;

  constructor(
    private readonly room: CaseRoom,
    private readonly events: EventLog,
    private readonly overdue: OverdueSteps,
    private readonly notesDebounceMs: number,
  ) {
    const doc = room.doc;
    // Observing notes, steps and facts makes all three types exist (about 1.5 KiB a room), and an
    // idle case's document may have none of them. Only edits made through this node's connections
    // become events, so watching starts when the first of those begins, before it changes anything.
    const start = room.guard('events', (transaction: Y.Transaction): void => {
      if (!editorOf(transaction)) return;
      doc.off('beforeTransaction', start);
      this.watch(doc);
    });
    doc.on('beforeTransaction', start);
    this.detach = () => doc.off('beforeTransaction', start);
  }

  private watch(doc: Y.Doc): void {
    const steps = new StepList(doc);
    this.known = stepState(steps.list());
    const text = doc.getText(notesKey);
    const array = doc.getArray(stepsKey);
    const facts = doc.getMap<Fact>(factsKey);
    // Observers run inside Yjs's transaction cleanup: one that throws must not reach Yjs.
    const { room } = this;
    const onNotes = room.guard('events', (event: Y.YTextEvent, transaction: Y.Transaction) => this.notesChanged(event, transaction));
    const onSteps = room.guard('events', (_events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) =>
      this.stepsChanged(steps, transaction),
    );
    const onFacts = room.guard('events', (event: Y.YMapEvent<Fact>, transaction: Y.Transaction) =>
      this.factsChanged(event, facts, transaction),
    );
    text.observe(onNotes);
    array.observeDeep(onSteps);
    facts.observe(onFacts);
    this.detach = () => {
      text.unobserve(onNotes);
      array.unobserveDeep(onSteps);
      facts.unobserve(onFacts);
    };
  }

  /** Records any pending notes summary now and stops watching (the room is unloading). */
  close(): void {
    this.detach();
    this.flushNotes();
  }

  private stepsChanged(steps: StepList, transaction: Y.Transaction): void {
    const before = this.known;
    const now = steps.list();
    this.known = stepState(now);
    const editor = editorOf(transaction);
    if (!editor) return;
    const { caseId } = this.room;
    for (const step of now) {
      const was = before.get(step.id);
      if (!was) this.record('step.added', editor, { stepId: step.id, text: step.text, assignee: step.assignee, due: step.due });
      else if (step.done && !was.done) this.record('step.completed', editor, { stepId: step.id, text: step.text });
      const deadline = deadlineOf(step);
      if (deadline !== (was ? deadlineOf(was) : null)) this.overdue.keep(caseId, step.id, deadline);
    }
    for (const [id, was] of before) {
      if (this.known.has(id)) continue;
      this.record('step.removed', editor, { stepId: id });
      if (deadlineOf(was) !== null) this.overdue.keep(caseId, id, null);
    }
  }

  private factsChanged(event: Y.YMapEvent<Fact>, facts: Y.Map<Fact>, transaction: Y.Transaction): void {
    const editor = editorOf(transaction);
    if (!editor) return;
    for (const [question, change] of event.changes.keys) {
      const fact = facts.get(question);
      // Putting back the value a question had (an undo of a refused edit) records nothing new.
      if (change.action === 'delete' || !fact || sameFact(change.oldValue as Fact | undefined, fact)) continue;
      const cites = fact.cites === undefined ? {} : { cites: fact.cites };
      this.record('fact.recorded', editor, { question, answer: fact.answer, by: fact.by, at: fact.at, ...cites });
    }
  }

  private notesChanged(event: Y.YTextEvent, transaction: Y.Transaction): void {
    const editor = editorOf(transaction);
    if (!editor) return;
    const summary = this.notes ?? { inserted: 0, deleted: 0, excerpt: '', editors: new Map(), timer: setTimeout(() => undefined, 0) };
    // Counted from the transaction's own structs: `event.delta` walks the notes from the start,
    // which made every keystroke cost more as a case's notes grew.
    for (const text of insertedText(event.target, transaction)) {
      summary.inserted += text.length;
      if (summary.excerpt.length < excerptLength) summary.excerpt = (summary.excerpt + text).slice(0, excerptLength);
    }
    summary.deleted += deletedLength(event.target, transaction);
    summary.editors.set(editor.userId, editor);
    // Debounce: the event goes out once the notes have been quiet for a moment.
    clearTimeout(summary.timer);
    summary.timer = setTimeout(() => this.flushNotes(), this.notesDebounceMs);
    summary.timer.unref();
    this.notes = summary;
  }

  private flushNotes(): void {
    const summary = this.notes;
    if (!summary) return;
    this.notes = null;
    clearTimeout(summary.timer);
    const editors = [...summary.editors.values()];
    this.events.recordQuietly(this.room.caseId, 'notes.changed', editors.at(-1) ?? null, {
      inserted: summary.inserted,
      deleted: summary.deleted,
      excerpt: summary.excerpt,
      // Everyone whose edits the burst holds, by name: the actor is only the last of them.
      editors: editors.map(({ userId, name, role }) => ({ userId, name, role })),
      length: this.room.doc.getText(notesKey).length,
    });
  }

  private record(
    type: 'step.added' | 'step.completed' | 'step.removed' | 'fact.recorded',
    editor: Identity,
    data: Record<string, unknown>,
  ): void {
    this.events.recordQuietly(this.room.caseId, type, editor, data);
  }
}

/**
 * Watches each case document loaded on this node from when its room builds the document (a room
 * that is only read never builds it) until the room unloads, when pending notes are recorded.
 */
export function watchDocuments(rooms: CaseRooms, events: EventLog, overdue: OverdueSteps, notesDebounceMs: number): void {
  const watchers = new Map<string, DocumentWatcher>();
  rooms.on('loaded', (caseId) => {
    const room = rooms.get(caseId);
    room?.whenBuilt(() => {
      if (rooms.get(caseId) === room) watchers.set(caseId, new DocumentWatcher(room, events, overdue, notesDebounceMs));
    });
  });
  rooms.on('unloading', (room) => {
    watchers.get(room.caseId)?.close();
    watchers.delete(room.caseId);
  });
}

function sameFact(a: Fact | undefined, b: Fact): boolean {
  return a !== undefined && a.answer === b.answer && a.by === b.by && a.at === b.at && a.cites === b.cites;
}

function stepState(steps: readonly Step[]): Map<string, KnownStep> {
  return new Map(steps.map((step) => [step.id, { done: step.done, due: step.due }]));
}

/** The strings this transaction inserted into `text` (and did not delete again), in store order. */
function insertedText(text: Y.Text, transaction: Y.Transaction): string[] {
  const inserted: string[] = [];
  for (const item of itemsAddedBy(transaction))
    if (item.parent === text && !item.deleted && item.content instanceof Y.ContentString) inserted.push(item.content.str);
  return inserted;
}

/** How many characters of `text` that existed before this transaction it deleted. */
function deletedLength(text: Y.Text, transaction: Y.Transaction): number {
  let deleted = 0;
  Y.iterateDeletedStructs(transaction, transaction.deleteSet, (struct) => {
    if (
      struct instanceof Y.Item &&
      struct.parent === text &&
      struct.countable &&
      struct.id.clock < (transaction.beforeState.get(struct.id.client) ?? 0)
    )
      deleted += struct.length;
  });
  return deleted;
}

/**
 * The case document: one Y.Doc per case, shared by everyone in the case room.
 *
 *   notes  Y.Text                               free-form team notes
 *   steps  Y.Array<Y.Map>  {id, text, assignee, due, done}   next steps
 *   facts  Y.Map<question, {answer, by, at}>    what the customer already told us
 *
 * Apps use `CaseDocument` and never touch the raw layout, so the layout can evolve in one place.
 */
import * as Y from 'yjs';

export const notesKey = 'notes';
export const stepsKey = 'steps';
export const factsKey = 'facts';

export interface Step {
  id: string;
  text: string;
  assignee: string | null;
  /** ISO date or date-time, or null. */
  due: string | null;
  done: boolean;
}

export interface NewStep {
  text: string;
  assignee?: string | null;
  due?: string | null;
}

export interface Fact {
  answer: string;
  /** user id of whoever recorded it */
  by: string;
  /** ISO date-time */
  at: string;
}

type StepField = Step[keyof Step];

function newId(): string {
  return globalThis.crypto.randomUUID();
}

function readStep(map: Y.Map<StepField>): Step {
  return {
    id: String(map.get('id') ?? ''),
    text: String(map.get('text') ?? ''),
    assignee: (map.get('assignee') as string | null | undefined) ?? null,
    due: (map.get('due') as string | null | undefined) ?? null,
    done: map.get('done') === true,
  };
}

/** The next steps of a case, in order. */
export class StepList {
  readonly array: Y.Array<Y.Map<StepField>>;

  constructor(doc: Y.Doc) {
    this.array = doc.getArray<Y.Map<StepField>>(stepsKey);
  }

  list(): Step[] {
    return this.array.toArray().map(readStep);
  }

  get(id: string): Step | undefined {
    const map = this.find(id);
    return map ? readStep(map) : undefined;
  }

  /** Appends a step and returns its id. */
  add(step: NewStep): string {
    const id = newId();
    const map = new Y.Map<StepField>();
    map.set('id', id);
    map.set('text', step.text);
    map.set('assignee', step.assignee ?? null);
    map.set('due', step.due ?? null);
    map.set('done', false);
    this.array.push([map]);
    return id;
  }

  /** Marks a step done (or not done). Returns false when no step has that id. */
  complete(id: string, done = true): boolean {
    return this.change(id, { done });
  }

  /** Changes text, assignee or due date of a step. Returns false when no step has that id. */
  change(id: string, fields: Partial<Omit<Step, 'id'>>): boolean {
    const map = this.find(id);
    if (!map) return false;
    const apply = (): void => {
      for (const [key, value] of Object.entries(fields)) map.set(key, value as StepField);
    };
    if (map.doc) map.doc.transact(apply);
    else apply();
    return true;
  }

  /** Removes a step. Returns false when no step has that id. */
  remove(id: string): boolean {
    const index = this.array.toArray().findIndex((map) => map.get('id') === id);
    if (index < 0) return false;
    this.array.delete(index, 1);
    return true;
  }

  private find(id: string): Y.Map<StepField> | undefined {
    return this.array.toArray().find((map) => map.get('id') === id);
  }
}

/** What the customer already told us, keyed by question, so nobody asks twice. */
export class FactBook {
  readonly map: Y.Map<Fact>;

  constructor(doc: Y.Doc) {
    this.map = doc.getMap<Fact>(factsKey);
  }

  /** Records (or corrects) the answer to a question. */
  record(question: string, answer: string, by: string, at: Date = new Date()): Fact {
    const fact: Fact = { answer, by, at: at.toISOString() };
    this.map.set(question, fact);
    return fact;
  }

  get(question: string): Fact | undefined {
    return this.map.get(question);
  }

  has(question: string): boolean {
    return this.map.has(question);
  }

  forget(question: string): void {
    this.map.delete(question);
  }

  /** Every fact, keyed by question. */
  toJSON(): Record<string, Fact> {
    return Object.fromEntries(this.map.entries());
  }
}

/** Typed access to a case's Y.Doc. */
export class CaseDocument {
  readonly doc: Y.Doc;
  readonly notes: Y.Text;
  readonly steps: StepList;
  readonly facts: FactBook;

  constructor(doc: Y.Doc) {
    this.doc = doc;
    this.notes = doc.getText(notesKey);
    this.steps = new StepList(doc);
    this.facts = new FactBook(doc);
  }

  /** Runs several changes as one update (one message on the wire, one entry in the log). */
  transact(change: () => void, origin?: unknown): void {
    this.doc.transact(change, origin);
  }

  /** A plain snapshot of the whole document. */
  toJSON(): { notes: string; steps: Step[]; facts: Record<string, Fact> } {
    return { notes: this.notes.toString(), steps: this.steps.list(), facts: this.facts.toJSON() };
  }
}

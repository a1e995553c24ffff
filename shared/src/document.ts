/**
 * The case document: one Y.Doc per case, shared by everyone in the case room.
 *
 *   notes  Y.Text                               free-form team notes
 *   steps  Y.Array<Y.Map>  {id, text, assignee, due, done}   next steps
 *   facts  Y.Map<question, {answer, by, at, cites?}>  what the customer already told us
 *
 * Apps use `CaseDocument` and never touch the raw layout, so the layout can evolve in one place.
 * Its helpers check what they write against the schema (documentSchema.ts) and throw
 * `invalid_payload` instead of producing an edit the hub would refuse.
 */
import * as Y from 'yjs';
import type { z } from 'zod';
import { CaseroomError } from './errors.js';
import { appKey, factSchema, factsKey, notesKey, questionSchema, stepFields, stepsKey, type Fact, type Step } from './documentSchema.js';

export { appKey, factsKey, notesKey, stepsKey, type Fact, type Step } from './documentSchema.js';

export interface NewStep {
  text: string;
  assignee?: string | null;
  due?: string | null;
}

type StepField = Step[keyof Step];

const dayMs = 24 * 60 * 60 * 1000;

/**
 * When a step's `due` falls due, in ms since the epoch: a date-time at that moment, a date alone
 * (`2026-12-03`) at the end of that day, UTC, which is midnight at the start of the next one. NaN
 * for text that is neither (the schema lets no such `due` in).
 */
export function dueTime(due: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(due) ? Date.parse(`${due}T00:00:00.000Z`) + dayMs : Date.parse(due);
}

/** How a fact is recorded besides its answer. */
export interface FactOptions {
  /** when it was learnt (now by default) */
  at?: Date;
  /** the `seq` of the customer's message in the case's conversation it came from */
  cites?: number;
}

/** Throws `invalid_payload` naming `field` when `value` does not fit `schema`. */
function checked<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new CaseroomError('invalid_payload', `${field}: ${result.error.issues[0]?.message ?? 'not valid'}`, { field });
}

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

  /** The steps, in order; an entry that is not a step (a document stored before the schema) is left out. */
  list(): Step[] {
    return this.array
      .toArray()
      .filter((entry) => entry instanceof Y.Map)
      .map(readStep);
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
    map.set('text', checked(stepFields.text, step.text, 'text'));
    map.set('assignee', checked(stepFields.assignee, step.assignee ?? null, 'assignee'));
    map.set('due', checked(stepFields.due, step.due ?? null, 'due'));
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
    for (const [key, value] of Object.entries(fields)) {
      if (!(key in stepFields) || key === 'id')
        throw new CaseroomError('invalid_payload', `A step has no field ${key} to change`, { field: key });
      checked(stepFields[key as keyof typeof stepFields] as z.ZodType<unknown>, value, key);
    }
    const apply = (): void => {
      for (const [key, value] of Object.entries(fields)) map.set(key, value as StepField);
    };
    if (map.doc) map.doc.transact(apply);
    else apply();
    return true;
  }

  /** Removes a step. Returns false when no step has that id. */
  remove(id: string): boolean {
    const index = this.array.toArray().findIndex((map) => map instanceof Y.Map && map.get('id') === id);
    if (index < 0) return false;
    this.array.delete(index, 1);
    return true;
  }

  private find(id: string): Y.Map<StepField> | undefined {
    return this.array.toArray().find((map) => map instanceof Y.Map && map.get('id') === id);
  }
}

/** What the customer already told us, keyed by question, so nobody asks twice. */
export class FactBook {
  readonly map: Y.Map<Fact>;
  private readonly author: (() => string | null) | undefined;

  /** `author` names who records facts through this book (the hub refuses facts in anyone else's name). */
  constructor(doc: Y.Doc, author?: () => string | null) {
    this.map = doc.getMap<Fact>(factsKey);
    this.author = author;
  }

  /**
   * Records (or corrects) the answer to a question, in the author's name, citing the customer's
   * message it came from if given (`{ cites: seq }`). Throws `invalid_payload` for a question,
   * answer or citation the schema refuses, and when the book has no author yet.
   */
  record(question: string, answer: string, options: FactOptions | Date = {}): Fact {
    const { at = new Date(), cites } = options instanceof Date ? { at: options } : options;
    const by = this.author?.() ?? null;
    if (by === null)
      throw new CaseroomError('invalid_payload', 'Facts are recorded in your name, which is known once the case is open', { field: 'by' });
    if (cites !== undefined) checked(factSchema.shape.cites, cites, 'cites');
    const fact = checked(factSchema, { answer, by, at: at.toISOString(), ...(cites === undefined ? {} : { cites }) }, 'answer');
    this.map.set(checked(questionSchema, question, 'question'), fact);
    return fact;
  }

  /** The fact recorded for a question; undefined also for an entry that is not a fact (a document stored before the schema). */
  get(question: string): Fact | undefined {
    const value = this.map.get(question);
    return factSchema.safeParse(value).success ? value : undefined;
  }

  has(question: string): boolean {
    return this.get(question) !== undefined;
  }

  forget(question: string): void {
    this.map.delete(question);
  }

  /** Every fact, keyed by question (entries that are not facts left out). */
  toJSON(): Record<string, Fact> {
    return Object.fromEntries([...this.map.entries()].filter(([, value]) => factSchema.safeParse(value).success));
  }
}

/** Typed access to a case's Y.Doc. */
export class CaseDocument {
  readonly doc: Y.Doc;
  readonly notes: Y.Text;
  readonly steps: StepList;
  readonly facts: FactBook;
  /** The application's own fields: any content; the hub stores and relays it and looks no further. */
  readonly app: Y.Map<unknown>;

  /** `author` (a user id, or a function that gives it once known) is who records facts. */
  constructor(doc: Y.Doc, options: { author?: string | (() => string | null) } = {}) {
    const { author } = options;
    this.doc = doc;
    this.notes = doc.getText(notesKey);
    this.steps = new StepList(doc);
    this.facts = new FactBook(doc, typeof author === 'string' ? () => author : author);
    this.app = doc.getMap(appKey);
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

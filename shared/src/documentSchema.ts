/**
 * What a case document may hold. A CRDT merges any well-formed update, so the hub is the only place
 * that can say what a *case* is: it applies each incoming update to a trial replica and checks what
 * the update touched against this schema (`transactionProblems`) before anyone else sees it.
 * `documentProblems` checks a whole document (stored before the schema existed, or for a report).
 *
 *   notes  Y.Text: text and formatting marks (no embedded values, no attributes)
 *   steps  Y.Array of Y.Map {id, text, assignee, due, done}, ids unique in the case
 *   facts  Y.Map question -> {answer, by, at, cites?}, `by` being whoever recorded it
 *   app    Y.Map of the application's own fields: the hub does not look inside
 *
 * No other top-level type may hold anything. Pure: runs in the hub, the SDK and the browser.
 */
import * as Y from 'yjs';
import { z } from 'zod';

export const notesKey = 'notes';
export const stepsKey = 'steps';
export const factsKey = 'facts';
/** An application's own fields (a custom form, a bot's bookkeeping): any content, bounded only by the document size limit. */
export const appKey = 'app';
export const documentKeys: readonly string[] = [notesKey, stepsKey, factsKey, appKey];

const isoDateTime = z.iso.datetime({ offset: true });
const personId = z.string().min(1).max(200);

/** Each field of a step, checked on its own so that a refusal can name the field. */
export const stepFields = {
  id: z.string().min(1).max(64),
  text: z.string().max(2_000),
  assignee: personId.nullable(),
  /** ISO date or date-time; a date falls due at the end of that day, UTC (`dueTime` in document.ts) */
  due: z.union([z.iso.date(), isoDateTime]).nullable(),
  done: z.boolean(),
};
export const stepSchema = z.strictObject(stepFields);
export type Step = z.infer<typeof stepSchema>;
type StepField = keyof typeof stepFields;
const stepFieldNames = Object.keys(stepFields) as StepField[];

export const questionSchema = z.string().min(1).max(200);
export const factSchema = z.strictObject({
  answer: z.string().max(2_000),
  /** user id of whoever recorded it: the hub refuses a fact recorded in someone else's name */
  by: personId,
  at: isoDateTime,
  /**
   * The `seq` of the customer's message (the case's conversation) the answer came from. The hub
   * checks its shape only: documents are checked synchronously, the conversation is in the store.
   */
  cites: z.number().int().positive().optional(),
});
export type Fact = z.infer<typeof factSchema>;

// The checks walk Yjs's item lists (`_start`, `_map`, `_item`): typed, but not documented API.
// Should a Yjs release rename them, every check would pass in silence: fail loudly at load instead.
const probe = new Y.Doc().getArray('probe');
if (!('_start' in probe) || !('_map' in probe) || !('_item' in probe))
  throw new Error('caseroom: this Yjs version lays out its types differently; the case document schema cannot be checked');

// Any Yjs type: `AbstractType<unknown>` does not accept the concrete types (their event handlers differ).
type AnyType = Y.AbstractType<any>;

/** A refusal names at most this many problems (and the check stops looking there). */
export const maxProblems = 20;

/** One way a document breaks the schema: where (`steps[3].done`) and what is wrong. */
export interface DocumentProblem {
  path: string;
  message: string;
  /** set when the problem is a fact recorded in someone else's name */
  forged?: true;
}

/** Every problem of a whole document. */
export function documentProblems(doc: Y.Doc): DocumentProblem[] {
  return [...offendingEntries(doc)].map(({ problem }) => problem);
}

/**
 * Removes every entry that breaks the schema, in one transaction (whose update is an ordinary edit
 * to send through the hub), and returns what was wrong. A step with a bad field goes as a whole;
 * of two steps with the same id, the later one goes.
 */
export function repairDocument(doc: Y.Doc): DocumentProblem[] {
  const found = [...offendingEntries(doc)];
  if (found.length > 0)
    doc.transact((transaction) => {
      for (const { items } of found) for (const item of items) if (!item.deleted) item.delete(transaction);
    });
  return found.map(({ problem }) => problem);
}

/** A problem of a whole document, with the items whose removal mends it. */
interface OffendingEntry {
  problem: DocumentProblem;
  items: Y.Item[];
}

function* offendingEntries(doc: Y.Doc): Generator<OffendingEntry> {
  for (const [key, type] of doc.share) {
    if (documentKeys.includes(key)) continue;
    const items = liveItems(type);
    if (items.length > 0) yield { problem: foreignRoot(key), items };
  }
  const { notes, steps, facts, app } = typesOf(doc);
  for (let item = app._start; item; item = item.right) if (!item.deleted) yield { problem: appListEntry(), items: [item] };
  for (let item = notes._start; item; item = item.right) {
    const problems: DocumentProblem[] = [];
    if (!item.deleted) checkNotesItem(item, problems);
    for (const problem of problems) yield { problem, items: [item] };
  }
  for (const [key, item] of notes._map) if (!item.deleted) yield { problem: notesAttribute(key), items: [item] };
  for (const [key, item] of steps._map) if (!item.deleted) yield { problem: listEntryKey(stepsKey, key), items: [item] };
  let index = 0;
  const seen = new Set<string>();
  for (let item = steps._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue;
    for (const entry of item.content.getContent()) {
      const problems: DocumentProblem[] = [];
      const position = index;
      checkStep(entry, () => `steps[${position}]`, problems, {
        // In document order: only the later of two steps with the same id is at fault.
        idTaken: (id) => seen.has(id) || (seen.add(id), false),
      });
      for (const problem of problems) yield { problem, items: [item] };
      index++;
    }
  }
  for (let item = facts._start; item; item = item.right) if (!item.deleted) yield { problem: factsListEntry(), items: [item] };
  for (const [question, item] of facts._map) {
    if (item.deleted) continue;
    const problems: DocumentProblem[] = [];
    checkFact(question, lastValue(item), problems);
    for (const problem of problems) yield { problem, items: [item] };
  }
}

/** The live items of a type, in its list and its map. */
function liveItems(type: AnyType): Y.Item[] {
  const items: Y.Item[] = [];
  for (let item = type._start; item; item = item.right) if (!item.deleted) items.push(item);
  for (const item of type._map.values()) if (!item.deleted) items.push(item);
  return items;
}

/**
 * The problems that one applied transaction brought in, looking only at what it touched (typing
 * in the notes costs a look at the new characters, not at the document). `author` is the sender:
 * a fact it adds must be recorded in its own name.
 */
export function transactionProblems(transaction: Y.Transaction, author: string): DocumentProblem[] {
  const doc = transaction.doc;
  const { notes, steps, facts, app } = typesOf(doc);
  const problems: DocumentProblem[] = [];
  // One hostile message can carry thousands of entries: a refusal names the first few, and the
  // step ids are counted once, not compared step by step.
  const full = (): boolean => problems.length >= maxProblems;
  let idCounts: Map<string, number> | null = null;
  const idTaken = (id: string): boolean => ((idCounts ??= countStepIds(steps)).get(id) ?? 0) > 1;
  /** each step the transaction touched, with the fields it touched (null: a new step, checked whole) */
  const touchedSteps = new Map<Y.Map<unknown>, Set<string> | null>();
  const touchField = (step: Y.Map<unknown>, field: string): void => {
    const fields = touchedSteps.get(step);
    if (fields === undefined) touchedSteps.set(step, new Set([field]));
    else fields?.add(field);
  };
  const touchedRoots = new Set<string>();
  const stepOf = (type: AnyType): Y.Map<unknown> | null => (type instanceof Y.Map && type._item?.parent === steps ? type : null);

  for (const item of itemsAddedBy(transaction)) {
    if (full()) return problems;
    if (item.deleted) continue;
    const parent = item.parent as AnyType;
    if (parent === notes) {
      if (item.parentSub !== null) problems.push(notesAttribute(item.parentSub));
      else checkNotesItem(item, problems);
    } else if (parent === steps) {
      if (item.parentSub !== null) problems.push(listEntryKey(stepsKey, item.parentSub));
      else if (item.content instanceof Y.ContentType && item.content.type instanceof Y.Map) touchedSteps.set(item.content.type, null);
      else problems.push({ path: `steps[${indexOf(steps, item)}]`, message: 'A step must be a map of id, text, assignee, due and done' });
    } else if (parent === facts) {
      if (item.parentSub === null) problems.push(factsListEntry());
      else checkNewFact(item, author, transaction, problems);
    } else if (stepOf(parent) && item.parentSub !== null) {
      touchField(parent as Y.Map<unknown>, item.parentSub);
    } else if (parent === app) {
      if (item.parentSub === null) problems.push(appListEntry());
    } else {
      // Inside the application's map anything goes; elsewhere it is a root that is not ours, or a
      // value nested where the schema has none.
      const root = rootKeyOf(parent);
      if (root !== appKey) touchedRoots.add(root);
    }
  }
  // Removing a field can leave a step incomplete.
  Y.iterateDeletedStructs(transaction, transaction.deleteSet, (struct) => {
    if (struct instanceof Y.Item && struct.parentSub !== null) {
      const step = stepOf(struct.parent as AnyType);
      if (step && !step._item?.deleted) touchField(step, struct.parentSub);
    }
  });
  for (const [step, fields] of touchedSteps) {
    if (full()) return problems;
    if (step._item?.deleted) continue;
    checkStep(step, () => `steps[${indexOf(steps, step._item!)}]`, problems, { fields, idTaken });
  }
  for (const key of touchedRoots) {
    if (!documentKeys.includes(key)) problems.push(foreignRoot(key));
    else problems.push({ path: key, message: `Only plain values may be stored inside ${key}` });
  }
  return problems;
}

/** The types of a case document, created where absent. */
function typesOf(doc: Y.Doc): { notes: Y.Text; steps: Y.Array<unknown>; facts: Y.Map<unknown>; app: Y.Map<unknown> } {
  return { notes: doc.getText(notesKey), steps: doc.getArray(stepsKey), facts: doc.getMap(factsKey), app: doc.getMap(appKey) };
}

/** Every item a transaction added (struct by struct: a run typed at once may be one item), in store order. */
export function* itemsAddedBy(transaction: Y.Transaction): Generator<Y.Item> {
  for (const [client, after] of transaction.afterState) {
    const before = transaction.beforeState.get(client) ?? 0;
    if (after <= before) continue;
    const structs = transaction.doc.store.clients.get(client);
    if (!structs) continue;
    for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
      const struct = structs[i]!;
      if (struct instanceof Y.Item) yield struct;
    }
  }
}

function checkNotesItem(item: Y.Item, problems: DocumentProblem[]): void {
  if (!(item.content instanceof Y.ContentString) && !(item.content instanceof Y.ContentFormat))
    problems.push({ path: notesKey, message: 'The notes are plain text: embedded values are not allowed' });
}

/**
 * Checks one step: the `fields` an edit touched (null: all of them), so that an edit to one field of
 * a step stored broken is not refused for the others. `idTaken` says whether another step has the
 * same id; `path` is worked out only for a step at fault (it walks the list).
 */
function checkStep(
  entry: unknown,
  path: () => string,
  problems: DocumentProblem[],
  options: { fields?: ReadonlySet<string> | null; idTaken: (id: string) => boolean },
): void {
  let base: string | null = null;
  const at = (suffix = ''): string => (base ??= path()) + suffix;
  if (!(entry instanceof Y.Map)) {
    problems.push({ path: at(), message: 'A step must be a map of id, text, assignee, due and done' });
    return;
  }
  const fields = options.fields ?? null;
  const names = fields ?? new Set<string>([...stepFieldNames, ...entry.keys()]);
  for (const name of names) {
    if (!Object.hasOwn(stepFields, name)) {
      if (entry.has(name)) problems.push({ path: at(`.${name}`), message: 'A step has no such field' });
      continue;
    }
    const field = name as StepField;
    if (!entry.has(field)) {
      problems.push({ path: at(`.${field}`), message: 'This field of the step is missing' });
      continue;
    }
    const result = stepFields[field].safeParse(entry.get(field));
    if (!result.success) problems.push({ path: at(`.${field}`), message: firstIssue(result.error) });
  }
  const id = entry.get('id');
  if (typeof id !== 'string' || (fields && !fields.has('id'))) return;
  if (options.idTaken(id)) problems.push({ path: at('.id'), message: 'Another step of the case has this id' });
}

/** How many live steps have each id, in one walk of the list. */
function countStepIds(steps: Y.Array<unknown>): Map<string, number> {
  const counts = new Map<string, number>();
  for (let item = steps._start; item; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentType) || !(item.content.type instanceof Y.Map)) continue;
    const id = item.content.type.get('id');
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function checkFact(question: string, value: unknown, problems: DocumentProblem[]): void {
  const path = `facts[${JSON.stringify(question)}]`;
  const asked = questionSchema.safeParse(question);
  if (!asked.success) problems.push({ path, message: `The question: ${firstIssue(asked.error)}` });
  const fact = factSchema.safeParse(value);
  if (!fact.success) {
    const issue = fact.error.issues[0]!;
    problems.push({ path: issue.path.length > 0 ? `${path}.${issue.path.join('.')}` : path, message: issue.message });
  }
}

function checkNewFact(item: Y.Item, author: string, transaction: Y.Transaction, problems: DocumentProblem[]): void {
  const question = item.parentSub!;
  const value = lastValue(item);
  const before = problems.length;
  checkFact(question, value, problems);
  if (problems.length > before) return;
  const fact = value as Fact;
  if (fact.by !== author && !restoresPrevious(item, fact, transaction))
    problems.push({ path: `facts[${JSON.stringify(question)}].by`, message: 'A fact can only be recorded in your own name', forged: true });
}

/**
 * Whether a new value of a question puts back exactly what the question held before this
 * transaction (an undo of someone's change, as the SDK makes when the hub refused it): that credits
 * nobody with anything new, whoever's name it carries. Not covered: a client bringing back another
 * person's fact that the hub relayed but crashed before storing; it is refused as forged.
 */
function restoresPrevious(item: Y.Item, fact: Fact, transaction: Y.Transaction): boolean {
  for (let left = item.left; left; left = left.left) {
    if (left.id.clock >= (transaction.beforeState.get(left.id.client) ?? 0)) continue;
    // The value before: the newest older entry, if it was live then (live now, or deleted by this transaction).
    if (left.deleted && !Y.isDeleted(transaction.deleteSet, left.id)) return false;
    const previous = lastValue(left) as Partial<Fact> | undefined;
    return previous?.answer === fact.answer && previous.by === fact.by && previous.at === fact.at && previous.cites === fact.cites;
  }
  return false;
}

/** The value an item holds (a map entry's item holds one). */
function lastValue(item: Y.Item): unknown {
  const content = item.content.getContent();
  return content[content.length - 1];
}

function rootKeyOf(type: AnyType): string {
  let root = type;
  while (root._item) root = root._item.parent as AnyType;
  return Y.findRootTypeKey(root);
}

/** Position of a live item among the live entries of a list (for messages). */
function indexOf(list: Y.Array<unknown>, target: Y.Item): number {
  let index = 0;
  for (let item = list._start; item && item !== target; item = item.right) if (!item.deleted && item.countable) index += item.length;
  return index;
}

function foreignRoot(key: string): DocumentProblem {
  return { path: key, message: `"${key}" is not part of the case document (notes, steps, facts, app)` };
}

function appListEntry(): DocumentProblem {
  return { path: appKey, message: "The application's fields are a map: it has no list entries" };
}

function notesAttribute(key: string): DocumentProblem {
  return { path: `${notesKey}.${key}`, message: 'The notes are plain text: attributes are not allowed' };
}

function listEntryKey(list: string, key: string): DocumentProblem {
  return { path: `${list}.${key}`, message: `${list} is a list: it has no named entries` };
}

function factsListEntry(): DocumentProblem {
  return { path: factsKey, message: 'The facts are a map from question to answer: it has no list entries' };
}

function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'Not valid';
}

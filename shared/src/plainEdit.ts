/**
 * A plain edit: text typed into or cut from the notes, or values set in the application's own map,
 * building only on what the document already holds. Almost every keystroke is one. Such an update
 * cannot break the case document's schema (the notes take text and formatting marks; the hub does
 * not look inside `app`), cannot name anyone, and cannot leave Yjs waiting for missing history, so
 * the hub may apply it without first trying it on a replica (see server/src/rooms/UpdateGate.ts).
 *
 * The test is conservative: anything it cannot prove plain by looking the update's references up
 * in the document (a step, a fact, a deletion of anything else, a reference to a later struct of
 * the same update, garbage-collected ground, an unusual kind of content) is "not plain" and takes
 * the trial. Saying "plain" wrongly would let one update past the schema check, so
 * test/document/plain-edit.test.ts compares this verdict with the trial's on generated edits.
 */
import * as Y from 'yjs';
import { appKey, notesKey } from './documentSchema.js';

/** An update as `Y.decodeUpdate` returns it. */
export interface DecodedUpdate {
  structs: Array<Y.Item | Y.GC | Y.Skip>;
  ds: { clients: Map<number, Array<{ clock: number; len: number }>> };
}

/** Where a type sits in the case document, as far as the schema cares. */
type Place = 'notes' | 'appRoot' | 'inApp';

/** What a struct of this update adds to: its place and its key in a map (null in a list). */
interface Parent {
  place: Place;
  parentSub: string | null;
}

/** A struct of this update seen so far: what it adds to, and the place of the type it creates, if any. */
interface LocalStruct {
  clock: number;
  length: number;
  parent: Parent;
  creates: Place | null;
}

export function isPlainEdit(doc: Y.Doc, update: DecodedUpdate): boolean {
  const store = doc.store;
  if (store.pendingStructs !== null || store.pendingDs !== null) return false;
  // A room's document built from stored bytes has its roots untyped until someone reads them.
  const notes = doc.share.get(notesKey) ?? null;
  const app = doc.share.get(appKey) ?? null;
  if (!rootMayBe(notes, Y.Text) || !rootMayBe(app, Y.Map)) return false;

  const placeOfType = (type: unknown): Place | null => {
    if (type === null) return null;
    if (type === notes) return 'notes';
    if (type === app) return 'appRoot';
    let item = (type as Y.AbstractType<unknown> | null)?._item ?? null;
    // A nested type: inside the application's map or nowhere we vouch for.
    while (item) {
      const parent = item.parent as Y.AbstractType<unknown>;
      if (parent === app) return 'inApp';
      item = parent._item;
    }
    return null;
  };

  const local = new Map<number, LocalStruct[]>();
  const next = new Map<number, number>();
  const stateOf = (client: number): number => next.get(client) ?? Y.getState(store, client);
  const inDocument = (id: Y.ID): boolean => id.clock < Y.getState(store, id.client);

  /** The struct `id` points into: this update's (seen earlier) or the document's. */
  const lookUp = (id: Y.ID): { parent: Parent; creates: Place | null } | null => {
    if (inDocument(id)) {
      const struct = Y.getItem(store, id);
      if (!(struct instanceof Y.Item)) return null;
      const place = placeOfType(struct.parent);
      if (place === null) return null;
      const creates = struct.content instanceof Y.ContentType ? placeOfType(struct.content.type) : null;
      return { parent: { place, parentSub: struct.parentSub }, creates };
    }
    const seen = local.get(id.client);
    const found = seen?.find((s) => id.clock >= s.clock && id.clock < s.clock + s.length);
    return found ? { parent: found.parent, creates: found.creates } : null;
  };

  const parentOf = (item: Y.Item): Parent | null => {
    const explicit = item.parent as unknown;
    if (explicit !== null) {
      if (item.origin !== null || item.rightOrigin !== null) return null;
      if (typeof explicit === 'string') {
        const place = explicit === notesKey ? 'notes' : explicit === appKey ? 'appRoot' : null;
        return place && { place, parentSub: item.parentSub };
      }
      // The id of the item that made the parent type.
      const maker = lookUp(explicit as Y.ID);
      return maker?.creates ? { place: maker.creates, parentSub: item.parentSub } : null;
    }
    // No parent written: Yjs takes its neighbour's, so both neighbours must agree on it.
    const left = item.origin && lookUp(item.origin);
    const right = item.rightOrigin && lookUp(item.rightOrigin);
    if (item.origin && !left) return null;
    if (item.rightOrigin && !right) return null;
    const parent = (left ?? right)?.parent ?? null;
    if (left && right && (left.parent.place !== right.parent.place || left.parent.parentSub !== right.parent.parentSub)) return null;
    return parent;
  };

  for (const struct of update.structs) {
    if (!(struct instanceof Y.Item)) return false;
    const { client, clock } = struct.id;
    // Exactly where the sender's history ends: no overlap to slice, no gap to wait on.
    if (clock !== stateOf(client)) return false;
    const parent = parentOf(struct);
    if (!parent || !plainContent(struct.content, parent)) return false;
    const creates = struct.content instanceof Y.ContentType ? 'inApp' : null;
    let seen = local.get(client);
    if (!seen) local.set(client, (seen = []));
    seen.push({ clock, length: struct.length, parent, creates });
    next.set(client, clock + struct.length);
  }

  for (const [client, ranges] of update.ds.clients) {
    const structs = store.clients.get(client);
    for (const { clock, len } of ranges) {
      if (len <= 0 || !structs || clock + len > Y.getState(store, client)) return false;
      for (let index = Y.findIndexSS(structs, clock); index < structs.length; index++) {
        const struct = structs[index]!;
        if (struct.id.clock >= clock + len) break;
        // Deleting what is already gone changes nothing; anything else must be notes or the app's.
        if (struct instanceof Y.Item && placeOfType(struct.parent) === null) return false;
      }
    }
  }
  return true;
}

/** A root not made yet, made untyped (from stored bytes), or made as the schema says. */
function rootMayBe(root: Y.AbstractType<Y.YEvent<any>> | null, kind: typeof Y.Text | typeof Y.Map): boolean {
  return root === null || root instanceof kind || root.constructor === Y.AbstractType;
}

/** Text and formatting marks in the notes' list; in the application's map, anything but a subdocument or a map entry out of place. */
function plainContent(content: Y.Item['content'], { place, parentSub }: Parent): boolean {
  if (place === 'notes') return parentSub === null && (content instanceof Y.ContentString || content instanceof Y.ContentFormat);
  if (place === 'appRoot' && parentSub === null) return false;
  if (content instanceof Y.ContentType)
    return content.type instanceof Y.Map || content.type instanceof Y.Array || content.type instanceof Y.Text;
  return (
    content instanceof Y.ContentAny ||
    content instanceof Y.ContentString ||
    content instanceof Y.ContentBinary ||
    content instanceof Y.ContentDeleted ||
    content instanceof Y.ContentJSON
  );
}

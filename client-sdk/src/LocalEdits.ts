/**
 * The local edits of a case not yet known to be stored by the hub, one undo-stack item each,
 * oldest first, so that the ones it refuses for good (they break the case document) can be taken
 * back. The session machine counts them by the same rule (`isLocalEdit`); this holds the Yjs side.
 */
import * as Y from 'yjs';

/** Tracks a transaction whatever its origin: which ones count is `isLocalEdit`'s to say. */
class EveryOrigin extends Set<unknown> {
  override has(): boolean {
    return true;
  }
}

/**
 * Whether `transaction` is a local edit, one item of the stack: what the hub sent is not ours to
 * take back, and a transaction that changed nothing sends nothing.
 */
export function isLocalEdit(transaction: Y.Transaction): boolean {
  if (!transaction.local) return false;
  if (transaction.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of transaction.afterState) if (clock !== (transaction.beforeState.get(client) ?? 0)) return true;
  return false;
}

export class LocalEdits {
  private readonly undoManager: Y.UndoManager;
  private undoing = false;

  constructor(private readonly doc: Y.Doc) {
    this.undoManager = new Y.UndoManager(doc, { captureTimeout: 0, trackedOrigins: new EveryOrigin(), captureTransaction: isLocalEdit });
  }

  /** True while edits are being taken back: the updates that do it belong to the take-back, not to the outbox. */
  get takingBack(): boolean {
    return this.undoing;
  }

  /**
   * Undoes every edit but the oldest `keep` (the ones the hub stored) and returns the updates
   * that did it. The undone edits are gone for good: nothing is left to redo.
   */
  takeBack(keep: number): Uint8Array[] {
    const { undoStack } = this.undoManager;
    const stored = undoStack.splice(0, keep);
    const undone: Uint8Array[] = [];
    const collect = (update: Uint8Array): void => void undone.push(update);
    this.doc.on('update', collect);
    this.undoing = true;
    try {
      while (undoStack.length > 0) this.undoManager.undo();
    } finally {
      this.undoing = false;
      this.doc.off('update', collect);
      undoStack.unshift(...stored);
      this.undoManager.clear(false, true);
    }
    return undone;
  }

  /** Everything is stored: nothing is left to take back, and Yjs may collect what the stack kept. */
  forget(): void {
    this.undoManager.clear();
  }

  destroy(): void {
    this.undoManager.destroy();
  }
}

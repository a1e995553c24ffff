/**
 * The door every update from a connection passes before it reaches a case room's document. It is
 * tried first on a trial replica: Yjs can throw halfway through integrating an update that decodes
 * cleanly, leaving a document partly changed, and an update can break the case document's schema
 * or record a fact in someone else's name; all of that must be found here, never in the room's
 * document, which is stored and relayed. A refusal throws with its code and leaves the trial
 * replica as the document is; the room's document is never touched.
 *
 * A plain edit (text in the notes, values in the application's map, on history the room has: see
 * shared/src/plainEdit.ts) can break none of that, so it skips the trial: the room applies it once
 * instead of twice. The trial replica then falls behind by what the room applied, and catches up
 * in one merged update the next time an edit needs it.
 */
import { CaseroomError, decodeValidUpdate, isPlainEdit, transactionProblems, type DocumentProblem } from '@caseroom/shared';
import * as Y from 'yjs';
import type { Log } from '../logger.js';
import type { Origin } from './Origin.js';
import type { RoomConnection } from './RoomConnection.js';

export interface UpdateGateOptions {
  /** largest encoded size of the document; updates that would grow it past this are refused */
  maxDocumentBytes?: number;
  /** false only to measure the schema check's cost: incoming edits are then not checked against it */
  checkDocuments?: boolean;
}

/** The room a gate keeps: its logger is made on first use, so the gate asks for it only when it writes. */
interface GatedRoom {
  readonly log: Log;
}

/** Past this many updates behind, the trial replica is dropped and, when next needed, copied afresh. */
const maxBehind = 500;

export class UpdateGate {
  /** made on the first update tried, not with the gate: see `newTrial` */
  private trial: Y.Doc | null = null;
  /** what the room's document applied that the trial replica has not, in order */
  private behind: Uint8Array[] = [];
  /** whether the update being admitted was applied to the trial replica (false: a plain edit) */
  private tried = false;
  /** while an update from a connection is tried: who sent it, and what the check found */
  private checking: { author: string; problems: DocumentProblem[] } | null = null;
  /**
   * An upper estimate of the document's encoded size: the exact size when last measured plus every
   * update since. Measuring means encoding the whole document, so it happens only when the
   * estimate passes the limit.
   */
  private sizeEstimate = 0;

  constructor(
    private readonly doc: Y.Doc,
    private readonly options: UpdateGateOptions,
    private readonly room: GatedRoom,
  ) {}

  /**
   * Tries an update from a connection. Throws `malformed_message` when it does not decode or Yjs
   * cannot apply it, `missing_history` when it builds on changes the room lacks,
   * `invalid_document` / `forged_author` when it breaks the schema, and `document_too_large`.
   */
  admit(update: Uint8Array, from: RoomConnection): void {
    const decoded = decodeValidUpdate(update);
    this.tried = !this.admitsPlain(update) || !isPlainEdit(this.doc, decoded);
    if (!this.tried) return;
    this.tryOnTrial(update, from);
    this.checkSize(update, from);
  }

  /** Follows an update the room's document applied, so the trial replica stays a copy of it. */
  applied(update: Uint8Array, origin: Origin | null): void {
    this.sizeEstimate += update.byteLength;
    if (!this.trial) return;
    // An update from a connection reached the trial replica first, unless it was a plain edit.
    if (origin?.kind === 'connection' && this.tried) return;
    if (this.behind.push(update) > maxBehind) this.dropTrial();
  }

  destroy(): void {
    this.dropTrial();
  }

  /**
   * A plain edit skips the trial unless it might grow the document past its limit (only the trial
   * measures that) or the schema check is off (the trial then runs alone, to measure what the check costs).
   */
  private admitsPlain(update: Uint8Array): boolean {
    const limit = this.options.maxDocumentBytes;
    return this.options.checkDocuments !== false && (limit === undefined || this.sizeEstimate + update.byteLength <= limit);
  }

  /**
   * Applies an update to the trial replica and checks what it touched against the case document's
   * schema. A refused update leaves the trial replica rebuilt from the untouched document.
   */
  private tryOnTrial(update: Uint8Array, from: RoomConnection): void {
    // Built on the first edit that needs it, not on load: a room that is only read or typed in never pays for a second copy.
    const trial = this.currentTrial();
    const problems: DocumentProblem[] = [];
    this.checking = this.options.checkDocuments === false ? null : { author: from.identity.userId, problems };
    try {
      Y.applyUpdate(trial, update);
    } catch {
      this.resetTrial();
      throw new CaseroomError('malformed_message', 'The document update could not be applied');
    } finally {
      this.checking = null;
    }
    // Structs that wait for others the hub does not have (a refused change, or one still to come)
    // never enter the room: Yjs keeps them for the whole document, so whatever arrived next from
    // anyone would complete them and be checked as that sender's, and the room would refuse every
    // other edit while they wait. A /yjs provider that sent a keystroke before its sync step 2 is
    // closed and sends both in order when it reconnects.
    if (trial.store.pendingStructs !== null || trial.store.pendingDs !== null) {
      this.resetTrial();
      throw new CaseroomError('missing_history');
    }
    if (problems.length > 0) this.refuse(problems, from);
  }

  private refuse(problems: DocumentProblem[], from: RoomConnection): never {
    this.resetTrial();
    const forged = problems.some((problem) => problem.forged);
    const paths = problems.map((problem) => problem.path);
    this.room.log.info(
      { userId: from.identity.userId, connectionId: from.id, transport: from.transport, paths },
      forged ? "refused a fact recorded in someone else's name" : 'refused an edit that breaks the case document',
    );
    const first = problems[0]!;
    throw new CaseroomError(forged ? 'forged_author' : 'invalid_document', `${first.path || 'document'}: ${first.message}`, {
      details: { path: first.path, problems: problems.map(({ path, message }) => ({ path, message })) },
    });
  }

  /**
   * Refuses an update (already applied to the trial replica) that grows the document past its
   * limit. Deleting content shrinks the encoded document, so a full case can still be tidied up.
   */
  private checkSize(update: Uint8Array, from: RoomConnection): void {
    const limit = this.options.maxDocumentBytes;
    if (limit === undefined || this.sizeEstimate + update.byteLength <= limit || !this.trial) return;
    const size = Y.encodeStateAsUpdate(this.trial).byteLength;
    if (size <= limit) {
      // `applied` adds this update back on.
      this.sizeEstimate = size - update.byteLength;
      return;
    }
    this.resetTrial();
    this.room.log.warn(
      { size, limit, userId: from.identity.userId, connectionId: from.id, transport: from.transport },
      'refused an update that would grow the case document past its limit',
    );
    throw new CaseroomError('document_too_large', `The case document may not grow past ${limit} bytes (this edit would make it ${size})`);
  }

  /** The trial replica, caught up with the room's document. */
  private currentTrial(): Y.Doc {
    if (!this.trial) return (this.trial = this.newTrial());
    if (this.behind.length > 0) {
      const behind = this.behind;
      this.behind = [];
      Y.applyUpdate(this.trial, behind.length === 1 ? behind[0]! : Y.mergeUpdates(behind));
    }
    return this.trial;
  }

  private resetTrial(): void {
    this.dropTrial();
    this.trial = this.newTrial();
  }

  private dropTrial(): void {
    this.trial?.destroy();
    this.trial = null;
    this.behind = [];
  }

  /**
   * A trial replica of the document, with the schema check listening to it for good: it checks
   * while a transaction ends, before Yjs collects what it deleted (telling an undo from a forgery
   * needs the values it replaced), and only an update from a connection (`checking`). A checker
   * that fails refuses the edit. Copying the document measures it: the size estimate starts exact.
   */
  private newTrial(): Y.Doc {
    const state = Y.encodeStateAsUpdate(this.doc);
    this.sizeEstimate = state.byteLength;
    const trial = new Y.Doc({ gc: true });
    Y.applyUpdate(trial, state);
    trial.on('afterTransaction', (transaction: Y.Transaction) => {
      const checking = this.checking;
      if (!checking) return;
      try {
        checking.problems.push(...transactionProblems(transaction, checking.author));
      } catch (err) {
        this.room.log.error({ err }, 'checking an update against the case document schema failed');
        checking.problems.push({ path: '', message: 'The edit could not be checked' });
      }
    });
    return trial;
  }
}

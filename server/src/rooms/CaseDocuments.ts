/**
 * Case documents as the HTTP API sees them: whether a case's document fits the schema, and the
 * repair of one that does not. Edits are checked at the door, so only a document stored before the
 * hub checked them can need a repair; it still loads and serves meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { CaseroomError, type DocumentProblem, type Identity } from '@caseroom/shared';
import type { CaseRooms } from './CaseRooms.js';

export interface DocumentReport {
  valid: boolean;
  problems: DocumentProblem[];
}

/** Where a repair is written down: the case event log, which stands above the rooms it watches. */
export interface RepairRecord {
  record(caseId: string, type: 'document.repaired', by: Identity, data: { removed: DocumentProblem[] }): Promise<void>;
}

export class CaseDocuments {
  constructor(
    private readonly rooms: CaseRooms,
    private readonly repairs: RepairRecord,
  ) {}

  /** What in a case's document breaks the schema (the caller has checked the case may be seen). */
  async report(caseId: string): Promise<DocumentReport> {
    const problems = await this.rooms.use(caseId, (room) => room.problems());
    return { valid: problems.length === 0, problems };
  }

  /**
   * Supervisors: removes every entry that breaks the schema, as one ordinary edit in their name
   * that reaches everyone in the room, and records `document.repaired`. Resolves with what was
   * removed (nothing, for a valid document).
   */
  async repair(caseId: string, by: Identity): Promise<DocumentProblem[]> {
    if (by.role !== 'supervisor') throw new CaseroomError('supervisor_only', 'Only a supervisor can repair a case document');
    const removed = await this.rooms.use(caseId, (room) => room.repair({ id: `http:${randomUUID()}`, transport: 'http', identity: by }));
    if (removed.length > 0) await this.repairs.record(caseId, 'document.repaired', by, { removed });
    return removed;
  }
}

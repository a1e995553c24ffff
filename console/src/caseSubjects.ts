/**
 * Cases by subject wherever the console names one outside its own view (team approvals, reviews,
 * notices): people know a case by what it is about, not by its id. A subject is read once per case
 * (GET /api/cases/:id) and remembered; the case list and the case view tell what they already know.
 */
import type { CaseRecord } from '@caseroom/client';
import type { HubApi } from './api.js';
import { h } from './dom.js';

export class CaseSubjects {
  private readonly subjects = new Map<string, string>();
  private readonly reading = new Map<string, Promise<string | null>>();

  constructor(private readonly api: HubApi) {}

  remember(record: Pick<CaseRecord, 'id' | 'subject'>): void {
    this.subjects.set(record.id, record.subject);
  }

  /** The case's subject, read from the hub the first time; null when the case cannot be read. */
  subjectOf(caseId: string): Promise<string | null> {
    const known = this.subjects.get(caseId);
    if (known !== undefined) return Promise.resolve(known);
    let reading = this.reading.get(caseId);
    if (!reading) {
      reading = this.api.caseRecord(caseId).then(
        (record) => {
          this.remember(record);
          return record.subject;
        },
        () => {
          // Not readable now (gone offline, or no longer ours): ask again next time.
          this.reading.delete(caseId);
          return null;
        },
      );
      this.reading.set(caseId, reading);
    }
    return reading;
  }

  /** A link to the case, named by its subject (filled in when it arrives). */
  link(caseId: string, attrs: Record<string, string> = {}): HTMLAnchorElement {
    const known = this.subjects.get(caseId);
    const link = h('a', { href: `#/case/${encodeURIComponent(caseId)}`, 'data-case-id': caseId, ...attrs }, known ?? 'a case');
    if (known === undefined)
      void this.subjectOf(caseId).then((subject) => {
        if (subject !== null) link.textContent = subject;
      });
    return link;
  }
}

/**
 * Tells the signed-in person, wherever they are in the console, when a step given to them falls
 * due without being done. The hub announces it once to the team's feed (and the case room); the
 * notice links to the case and stays a while, since it asks for something to be done.
 */
import type { CaseClient } from '@caseroom/client';
import type { Identity } from './api.js';
import type { CaseSubjects } from './caseSubjects.js';
import { showInfo } from './notices.js';

const stayMs = 60_000;

/** Shows a notice for each of `me`'s steps that falls due; returns a function that stops. */
export function noticeOverdueSteps(client: CaseClient, me: Identity, subjects: CaseSubjects): () => void {
  return client.on('stepOverdue', (step) => {
    if (step.assignee !== me.userId) return;
    void subjects.subjectOf(step.caseId).then((subject) =>
      showInfo(`Overdue: “${step.text}” (${subject === null ? 'a case of yours' : `on “${subject}”`}) was due ${step.due}`, {
        href: `#/case/${encodeURIComponent(step.caseId)}`,
        stayMs,
      }),
    );
  });
}

/** Waiting on SDK sessions: resolve when an event brings the session into the wanted state. */
import type { CaseSession } from '@caseroom/client';
import { waitFor } from './wait.js';

type SessionEvent = 'roster' | 'owner' | 'case' | 'status' | 'conversation';

/** Resolves when `condition(session)` holds, rechecked on every `event` the session emits. */
export function waitForSession(
  session: CaseSession,
  event: SessionEvent,
  what: string,
  condition: (s: CaseSession) => boolean,
): Promise<true> {
  return waitFor(
    what,
    (check) => session.on(event, check),
    () => condition(session) || undefined,
  );
}

/** Resolves with the code a refused SDK request rejects with. */
export async function refusalOf(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  throw new Error('expected the request to be refused');
}

/**
 * Writes everything a store holds about its cases in the portable form (portableFormat.ts): the
 * people directory and revocations, then each case with its document, ownership and history,
 * approvals, conversation and floor, then the event log in order, then webhooks, then the count.
 * Reads go through the store interfaces page by page, so a large store streams in little memory.
 *
 * An export of a serving hub is not one moment: a case changed meanwhile may carry events newer
 * than its document. For a copy of one moment, export a restored backup, or a stopped hub.
 */
import { CaseroomError } from '@caseroom/shared';
import * as Y from 'yjs';
import type { CaseStore } from '../CaseStore.js';
import { exportFormat, exportVersion, noCounts, type ExportCounts, type ExportHeader, type ExportRecord } from './portableFormat.js';

const page = 200;

/** Where the lines go: resolves when the line is accepted (waits for a full pipe to drain). */
export type LineSink = (line: string) => Promise<void>;

export async function exportCases(store: CaseStore, write: LineSink, now = new Date()): Promise<ExportCounts> {
  const counts = noCounts();
  const emit = async (record: Exclude<ExportRecord, { type: 'end' }>): Promise<void> => {
    counts[record.type]++;
    await write(JSON.stringify(record));
  };
  const header: ExportHeader = { format: exportFormat, version: exportVersion, exportedAt: now.toISOString(), store: store.kind };
  await write(JSON.stringify(header));
  // Where the event log starts, taken before any case is read: the `trimmed` records of the cases
  // say what was gone by then, and a retention pass that removes more before the events are read
  // refuses their read from here (cursor_expired), so the export fails instead of leaving a gap.
  const firstEvents = await store.events.oldest();

  for (const identity of await store.people.everyone()) await emit({ type: 'person', identity });
  for (const [userId, at] of await store.people.revocations()) await emit({ type: 'revocation', userId, at });

  const teams = new Map<string, string>();
  for (let cursor: string | undefined, more = true; more;) {
    const cases = await store.cases.list({ limit: page, cursor });
    for (const record of cases.items) {
      teams.set(record.id, record.team);
      await emit({ type: 'case', record });
      await exportCase(store, record.id, emit);
    }
    cursor = cases.nextCursor ?? undefined;
    more = cases.nextCursor !== null;
  }

  for (let after = firstEvents, more = true; more;) {
    const events = await store.events.read({ after, limit: page }).catch((err: unknown) => {
      if (err instanceof CaseroomError && err.code === 'cursor_expired')
        throw new Error(
          'the retention pass removed events while they were exported: export again (or a stopped hub, or a restored backup)',
        );
      throw err;
    });
    for (const { id: _storeSpecific, ...event } of events) {
      // Events of a case that is not exported (none should be) would have no team to go under.
      if (event.caseId.startsWith('team:') || teams.has(event.caseId)) await emit({ type: 'event', event });
    }
    after = events.at(-1)?.id ?? after;
    more = events.length === page;
  }

  for (const webhook of await store.webhooks.list()) await emit({ type: 'webhook', webhook });
  await write(JSON.stringify({ type: 'end', counts } satisfies ExportRecord));
  return counts;
}

async function exportCase(store: CaseStore, caseId: string, emit: (record: Exclude<ExportRecord, { type: 'end' }>) => Promise<void>) {
  const stored = await store.documents.load(caseId);
  const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates;
  if (parts.length > 0) {
    await emit({ type: 'document', caseId, state: Buffer.from(Y.mergeUpdates(parts)).toString('base64') });
  }

  const ownership = await store.ownership.get(caseId);
  const history = await store.ownership.history(caseId);
  if (ownership.epoch > 0 || history.length > 0) await emit({ type: 'ownership', caseId, ownership, history });

  for (let cursor: string | undefined, more = true; more;) {
    const approvals = await store.approvals.list({ caseId, limit: page, cursor });
    for (const approval of approvals.items) await emit({ type: 'approval', approval });
    cursor = approvals.nextCursor ?? undefined;
    more = approvals.nextCursor !== null;
  }

  for (let after = 0, more = true; more;) {
    const messages = await store.conversation.list(caseId, { after, limit: page });
    for (const message of messages) await emit({ type: 'message', message });
    after = messages.at(-1)?.seq ?? after;
    more = messages.length === page;
  }

  const floor = await store.conversation.floor(caseId);
  if (floor) await emit({ type: 'floor', caseId, floor });

  const through = await trimmedThrough(store, caseId);
  if (through > 0) await emit({ type: 'trimmed', caseId, through });
}

/** How many of the case's first events retention removed: reading from its start says so, refused with the oldest seq kept. */
async function trimmedThrough(store: CaseStore, caseId: string): Promise<number> {
  try {
    await store.events.forCase(caseId, 0, 1);
    return 0;
  } catch (err) {
    const oldest = err instanceof CaseroomError && err.code === 'cursor_expired' ? err.details?.oldest : undefined;
    if (typeof oldest !== 'number') throw err;
    return oldest;
  }
}

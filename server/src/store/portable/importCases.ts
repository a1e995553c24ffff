/**
 * Reads a portable export (portableFormat.ts) into a store, through the store interfaces. The
 * stream is read twice: first every line is checked (format and version, each line's schema, the
 * order of records, the count on the last line) and the target is asked whether any case,
 * approval or webhook of the stream is already there; only when all of that passes is the stream
 * read again and written. So a bad stream, or one that would overwrite, changes nothing.
 *
 * Nothing written here stores events of its own: the stream's events are appended as they were,
 * each case's with the seq it had (the case is new in the target, so its numbering starts again
 * at 1, or after what the source's retention trimmed, and the check after each write confirms
 * it); a team feed's continue the target's feed.
 */
import { documentProblems, dueTime, StepList, teamFeedId, type CaseRecord } from '@caseroom/shared';
import * as Y from 'yjs';
import { idempotencyKey, type CaseStore, type NewCaseEvent } from '../CaseStore.js';
import {
  anyHeaderSchema,
  exportFormat,
  exportVersion,
  exportRecordSchema,
  headerSchema,
  noCounts,
  recordTypes,
  type ExportCounts,
  type ExportedEvent,
  type ExportRecord,
} from './portableFormat.js';

/** Why a stream was not imported; nothing was written. */
export class ImportRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportRefused';
  }
}

/** The lines of the stream, from the start, each time it is called. */
export type LineSource = () => AsyncIterable<string>;

const eventBatch = 200;
const teamFeedPrefix = teamFeedId('');

/**
 * Imports the stream; `checked`, what `checkImport` answered for it, spares reading it a third
 * time (a tool checks the stream before it opens the store, which creates an embedded database).
 */
export async function importCases(store: CaseStore, source: LineSource, checked?: ImportPlan): Promise<ExportCounts> {
  const plan = checked ?? (await checkImport(source));
  await checkTarget(store, plan);
  return writeStream(store, source);
}

/** What the checking read learnt: the ids the target must not hold yet. */
export interface ImportPlan {
  cases: Map<string, string>;
  approvals: Set<string>;
  webhooks: Set<string>;
}

/** Every record of the stream, checked, with its line number; the header and blank lines left out. */
async function* records(source: LineSource): AsyncGenerator<{ record: ExportRecord; line: number }> {
  let line = 0;
  for await (const text of source()) {
    line++;
    if (line === 1) {
      checkHeader(text);
      continue;
    }
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ImportRefused(`line ${line} is not JSON`);
    }
    const parsed = exportRecordSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');
      throw new ImportRefused(`line ${line} is not a valid record: ${issues}`);
    }
    yield { record: parsed.data, line };
  }
  if (line === 0) throw new ImportRefused('the stream is empty: there is no header');
}

function checkHeader(text: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ImportRefused(`line 1 is not JSON: this is not a ${exportFormat} stream`);
  }
  const loose = anyHeaderSchema.safeParse(json);
  if (!loose.success || loose.data.format !== exportFormat)
    throw new ImportRefused(`line 1 is not a ${exportFormat} header (format: ${JSON.stringify(loose.data?.format ?? null)})`);
  if (loose.data.version !== exportVersion)
    throw new ImportRefused(
      `the stream is ${exportFormat} version ${JSON.stringify(loose.data.version)}; this caseroom reads version ${exportVersion}`,
    );
  const header = headerSchema.safeParse(json);
  if (!header.success)
    throw new ImportRefused(
      `line 1 is not a valid header: ${header.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
}

/** The case a per-case record names, and the team a case event goes under. */
function caseOf(record: ExportRecord): string | null {
  switch (record.type) {
    case 'document':
    case 'ownership':
    case 'floor':
    case 'trimmed':
      return record.caseId;
    case 'approval':
      return record.approval.caseId;
    case 'message':
      return record.message.caseId;
    default:
      return null;
  }
}

/** Reads the whole stream and checks it, writing nothing; refused with `ImportRefused`. */
export async function checkImport(source: LineSource): Promise<ImportPlan> {
  const plan: ImportPlan = { cases: new Map(), approvals: new Set(), webhooks: new Set() };
  const counts = noCounts();
  const lastMessage = new Map<string, number>();
  const lastEvent = new Map<string, number>();
  /** per case, how many of its first events the source had trimmed */
  const trimmed = new Map<string, number>();
  let current: string | null = null;
  let ended = false;
  for await (const { record, line } of records(source)) {
    if (ended) throw new ImportRefused(`line ${line} follows the last line (the "end" record)`);
    const at = `line ${line}`;
    if (record.type === 'end') {
      const differ = recordTypes.filter((type) => (record.counts[type] ?? 0) !== counts[type]);
      if (differ.length > 0)
        throw new ImportRefused(
          `the stream's count does not match its records (${differ.map((t) => `${t}: ${record.counts[t] ?? 0} counted, ${counts[t]} read`).join(', ')})`,
        );
      ended = true;
      continue;
    }
    counts[record.type]++;
    const caseId = caseOf(record);
    if (caseId !== null && caseId !== current) throw new ImportRefused(`${at}: a ${record.type} of case ${caseId} is not under its case`);
    switch (record.type) {
      case 'case':
        if (plan.cases.has(record.record.id)) throw new ImportRefused(`${at}: case ${record.record.id} comes twice`);
        plan.cases.set(record.record.id, record.record.team);
        current = record.record.id;
        break;
      case 'ownership': {
        let epoch = 0;
        for (const line of record.history) {
          if (line.epoch <= epoch) throw new ImportRefused(`${at}: the ownership history of case ${caseId} is not in epoch order`);
          epoch = line.epoch;
        }
        if (epoch > record.ownership.epoch) throw new ImportRefused(`${at}: case ${caseId}'s history goes past its ownership's epoch`);
        break;
      }
      case 'document': {
        const problem = documentProblem(record.state);
        if (problem) throw new ImportRefused(`${at}: the document of case ${caseId} ${problem}`);
        break;
      }
      case 'approval':
        if (plan.approvals.has(record.approval.id)) throw new ImportRefused(`${at}: approval ${record.approval.id} comes twice`);
        plan.approvals.add(record.approval.id);
        break;
      case 'message': {
        const expected = (lastMessage.get(caseId!) ?? 0) + 1;
        if (record.message.seq !== expected)
          throw new ImportRefused(`${at}: message ${record.message.seq} of case ${caseId} where ${expected} was expected`);
        lastMessage.set(caseId!, expected);
        break;
      }
      case 'event': {
        current = null;
        const { caseId: stream, seq } = record.event;
        const last = lastEvent.get(stream) ?? 0;
        if (stream.startsWith(teamFeedPrefix)) {
          if (seq <= last) throw new ImportRefused(`${at}: event ${seq} of ${stream} is out of order`);
        } else if (!plan.cases.has(stream)) {
          throw new ImportRefused(`${at}: an event of case ${stream}, which the stream does not hold`);
        } else if (seq !== (last || (trimmed.get(stream) ?? 0)) + 1) {
          // Events missing that no `trimmed` record accounts for: importing would shift the numbers of the rest.
          throw new ImportRefused(
            `${at}: event ${seq} of case ${stream} where ${(last || (trimmed.get(stream) ?? 0)) + 1} was expected (events missing)`,
          );
        }
        lastEvent.set(stream, seq);
        break;
      }
      case 'trimmed':
        if (trimmed.has(record.caseId)) throw new ImportRefused(`${at}: case ${record.caseId}'s trimmed events are said twice`);
        trimmed.set(record.caseId, record.through);
        break;
      case 'webhook':
        current = null;
        if (plan.webhooks.has(record.webhook.id)) throw new ImportRefused(`${at}: webhook ${record.webhook.id} comes twice`);
        plan.webhooks.add(record.webhook.id);
        break;
      case 'person':
      case 'revocation':
        current = null;
        break;
      default:
        break;
    }
  }
  if (!ended) throw new ImportRefused('the stream ends before its "end" record: it was cut short');
  return plan;
}

/** Refuses, listing a few, when the target already holds any case, approval or webhook of the stream. */
async function checkTarget(store: CaseStore, plan: ImportPlan): Promise<void> {
  const taken = async (ids: Iterable<string>, get: (id: string) => Promise<unknown>): Promise<string[]> => {
    const found: string[] = [];
    for (const id of ids) if ((await get(id)) !== null) found.push(id);
    return found;
  };
  const problems: string[] = [];
  const name = (what: string, ids: string[]): string =>
    `${ids.length} ${what} already there (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`;
  const cases = await taken(plan.cases.keys(), (id) => store.cases.get(id));
  if (cases.length > 0) problems.push(name('case(s)', cases));
  const approvals = await taken(plan.approvals, (id) => store.approvals.get(id));
  if (approvals.length > 0) problems.push(name('approval(s)', approvals));
  const webhooks = await taken(plan.webhooks, (id) => store.webhooks.get(id));
  if (webhooks.length > 0) problems.push(name('webhook(s)', webhooks));
  if (problems.length > 0) throw new ImportRefused(`the target store is not empty of this stream: ${problems.join('; ')}`);
}

async function writeStream(store: CaseStore, source: LineSource): Promise<ExportCounts> {
  const counts = noCounts();
  const teams = new Map<string, string>();
  let open: CaseRecord | null = null;
  let events: ExportedEvent[] = [];
  /** A case's waiting time as exported: its conversation, replayed, may have moved it. */
  const closeCase = async (): Promise<void> => {
    if (open) await store.cases.restoreWaiting(open.id, open.waitingSince);
    open = null;
  };
  const flushEvents = async (): Promise<void> => {
    if (events.length > 0) await appendEvents(store, events, teams);
    events = [];
  };
  for await (const { record } of records(source)) {
    if (record.type === 'end') break;
    counts[record.type]++;
    if (record.type === 'case' || caseOf(record) === null) await closeCase();
    if (record.type !== 'event') await flushEvents();
    switch (record.type) {
      case 'person':
        await store.people.remember(record.identity, new Date().toISOString());
        break;
      case 'revocation':
        await store.people.revoke(record.userId, record.at, []);
        break;
      case 'case':
        await store.cases.create(record.record, []);
        teams.set(record.record.id, record.record.team);
        open = record.record;
        break;
      case 'document':
        await importDocument(store, record.caseId, Buffer.from(record.state, 'base64'));
        break;
      case 'ownership':
        await importOwnership(store, record);
        break;
      case 'approval':
        await store.approvals.create(record.approval, []);
        break;
      case 'message': {
        const { seq, ...message } = record.message;
        const stored = await store.conversation.append(message, teams.get(message.caseId)!, [], { key: idempotencyKey(message) });
        if (stored?.message.seq !== seq || stored.duplicate)
          throw new Error(`message ${seq} of case ${message.caseId} was stored as ${stored?.message.seq ?? 'nothing'}`);
        break;
      }
      case 'floor':
        await store.conversation.setFloor(record.caseId, record.floor, []);
        break;
      case 'trimmed':
        await store.events.numberAfter(record.caseId, record.through);
        break;
      case 'event':
        events.push(record.event);
        if (events.length >= eventBatch) await flushEvents();
        break;
      case 'webhook':
        // Its cursor starts after the events just imported: receivers are not sent the past again.
        await store.webhooks.create(record.webhook);
        break;
    }
  }
  await closeCase();
  await flushEvents();
  return counts;
}

/** Why an exported document may not be imported (it is not a Yjs update, or not a case document), or null. */
function documentProblem(base64: string): string | null {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, Buffer.from(base64, 'base64'));
    if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) return 'misses part of its history';
    const problems = documentProblems(doc);
    return problems.length === 0 ? null : `breaks the case document (${problems[0]!.path || 'document'}: ${problems[0]!.message})`;
  } catch {
    return 'is not a Yjs update';
  } finally {
    doc.destroy();
  }
}

/**
 * The document as one update, and the deadlines of its steps still to come (the hub keeps them as
 * steps change). A deadline already past may have fired in the source, and firing it here would
 * tell everyone again that the step is overdue: it is left out.
 */
async function importDocument(store: CaseStore, caseId: string, state: Uint8Array): Promise<void> {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    await store.documents.append(caseId, state);
    const now = Date.now();
    for (const step of new StepList(doc).list()) {
      const dueAt = step.due === null || step.done ? NaN : dueTime(step.due);
      if (!Number.isNaN(dueAt) && dueAt > now) await store.deadlines.set(caseId, step.id, dueAt);
    }
  } finally {
    doc.destroy();
  }
}

/**
 * Replays the history through the store's compare-and-set, one line per epoch (each line is stored
 * with the change it records), then sets the ownership as exported.
 */
async function importOwnership(store: CaseStore, record: Extract<ExportRecord, { type: 'ownership' }>): Promise<void> {
  const { caseId, ownership } = record;
  let epoch = 0;
  for (const line of record.history) {
    if (!(await store.ownership.save(caseId, epoch, { ...ownership, epoch: line.epoch }, line, [])))
      throw new Error(`the ownership of case ${caseId} changed during the import`);
    epoch = line.epoch;
  }
  if (epoch !== ownership.epoch && !(await store.ownership.save(caseId, epoch, ownership, null, [])))
    throw new Error(`the ownership of case ${caseId} changed during the import`);
}

async function appendEvents(store: CaseStore, batch: readonly ExportedEvent[], teams: ReadonlyMap<string, string>): Promise<void> {
  const events = batch.map(({ seq: _numberedByTheStore, ...event }): NewCaseEvent => ({
    ...event,
    team: event.caseId.startsWith(teamFeedPrefix) ? event.caseId.slice(teamFeedPrefix.length) : teams.get(event.caseId)!,
  }));
  const stored = await store.events.append(events);
  stored.forEach((event, i) => {
    if (!batch[i]!.caseId.startsWith(teamFeedPrefix) && event.seq !== batch[i]!.seq)
      throw new Error(`event ${batch[i]!.seq} of case ${event.caseId} was stored as ${event.seq}`);
  });
}

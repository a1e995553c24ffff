/**
 * The case document stays a case document whatever its editors do. Three clients — Ann and Sam on
 * the SDK over Socket.IO, a bot on an unmodified y-websocket provider — run random sequences of
 * valid and schema-breaking edits, with hub restarts in between. Afterwards the stored document
 * satisfies the schema, every edit the hub acknowledged is in it, and every replica is identical.
 *
 * A few runs under `npm test`; `npm run fuzz` (FUZZ_RUNS) runs many more.
 */
import type { CaseSession } from '@caseroom/client';
import { CaseDocument, documentProblems } from '@caseroom/shared';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { connectClient } from '../helpers/clients.js';
import { fuzzRuns, fuzzSeed, fuzzTimeout } from '../helpers/fuzz.js';
import { mintToken, startTestHub, tempDataDir, type TestHub } from '../helpers/hub.js';
import { ann, qaBot, sam } from '../helpers/people.js';
import { storedDocument } from '../helpers/store.js';
import { nextEvent, waitForDoc } from '../helpers/wait.js';
import { connectProvider, providerSynced } from '../helpers/yjs.js';

const runs = fuzzRuns(6);
const at = '2026-03-04T05:06:07.000Z';

type Editor = 0 | 1 | 2;
type Edit = { kind: 'note' | 'step' | 'fact' | 'complete'; by: Editor };
type BrokenKind = 'broken-step' | 'bad-done' | 'forged-fact' | 'foreign-root' | 'embed';
type Breakage = { kind: BrokenKind; by: Editor };
type Operation = Edit | Breakage | { kind: 'restart' };

const isEdit = (op: Edit | Breakage): op is Edit => ['note', 'step', 'fact', 'complete'].includes(op.kind);

const editor = fc.constantFrom<Editor>(0, 1, 2);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('note', 'step', 'fact', 'complete'), by: editor }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constantFrom('broken-step', 'bad-done', 'forged-fact', 'foreign-root', 'embed'), by: editor }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

/** Makes a schema-breaking edit on a raw Y.Doc. */
function breakDocument(kind: BrokenKind, doc: Y.Doc, n: number): void {
  switch (kind) {
    case 'broken-step':
      doc.getArray('steps').push([`not a step ${n}`]);
      break;
    case 'bad-done': {
      const step = doc.getArray('steps').get(0);
      if (step instanceof Y.Map) step.set('done', 'yes');
      else doc.getArray('steps').push([n]);
      break;
    }
    case 'forged-fact':
      doc.getMap('facts').set(`forged ${n}`, { answer: 'approved', by: 'sue', at });
      break;
    case 'foreign-root':
      doc.getMap('extra').set(`key ${n}`, n);
      break;
    case 'embed':
      doc.getText('notes').insertEmbed(0, { image: `${n}.png` });
      break;
  }
}

/** A replica's content, with the facts in question order (a map iterates in the order it learnt its keys). */
function contentOf(doc: Y.Doc): unknown {
  const { notes, steps, facts } = new CaseDocument(doc).toJSON();
  return { notes, steps, facts: Object.fromEntries(Object.entries(facts).sort(([a], [b]) => a.localeCompare(b))) };
}

describe('the case document under random valid and schema-breaking edits', () => {
  const hubs: TestHub[] = [];
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.stop()));
  });

  it(
    'stays valid, keeps every acknowledged edit, and every replica converges, across restarts',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(operation, { minLength: 4, maxLength: 14 }), async (operations) => {
          const dataDir = tempDataDir();
          let hub = await startTestHub({}, dataDir);
          hubs.push(hub);
          const caseId = await hub.createCase();
          const clients = [connectClient(hub.url, await mintToken(ann)), connectClient(hub.url, await mintToken(sam))];
          const sessions: CaseSession[] = clients.map((client) => client.openCase(caseId));
          await Promise.all(sessions.map((session) => session.synced));
          const botToken = await mintToken(qaBot);
          let provider: WebsocketProvider = connectProvider(hub.url, caseId, botToken);
          await providerSynced(provider);
          /** what the hub acknowledged: note markers, step texts, fact questions */
          const acknowledged = { notes: [] as string[], steps: [] as string[], facts: [] as string[] };

          for (const [n, op] of operations.entries()) {
            if (op.kind === 'restart') {
              await hub.stop({ keepData: true });
              hubs.splice(hubs.indexOf(hub), 1);
              hub = await startTestHub({ PORT: String(hub.port) }, dataDir);
              hubs.push(hub);
              continue;
            }
            const onProvider = op.by === 2;
            const doc = onProvider ? provider.doc : sessions[op.by]!.doc;
            const author = onProvider ? qaBot.userId : [ann, sam][op.by]!.userId;
            const kase = new CaseDocument(doc, { author });
            if (isEdit(op)) {
              if (op.kind === 'note') kase.notes.insert(kase.notes.length, ` [note ${n}]`);
              if (op.kind === 'step') kase.steps.add({ text: `step ${n}` });
              if (op.kind === 'fact') kase.facts.record(`question ${n}`, `answer ${n}`);
              if (op.kind === 'complete') {
                const open = kase.steps.list().find((step) => !step.done);
                if (open) kase.steps.complete(open.id);
              }
              if (onProvider) continue;
              // Acknowledged once flushed: from then on it must survive everything.
              await sessions[op.by]!.flushed();
              if (op.kind === 'note') acknowledged.notes.push(` [note ${n}]`);
              if (op.kind === 'step') acknowledged.steps.push(`step ${n}`);
              if (op.kind === 'fact') acknowledged.facts.push(`question ${n}`);
              continue;
            }
            if (onProvider) {
              // A stock provider cannot be told to drop its change: it is closed for good, and the bot starts afresh.
              const closed = nextEvent<{ code: number }>('the provider to be closed', (listener) => {
                provider.on('closed', listener);
                return () => provider.off('closed', listener);
              });
              breakDocument(op.kind, doc, n);
              expect([4403, 4422]).toContain((await closed).code);
              provider = connectProvider(hub.url, caseId, botToken);
              await providerSynced(provider);
              continue;
            }
            const session = sessions[op.by]!;
            const refused = nextEvent<{ code: string }>('the refusal', (listener) => session.on('error', listener));
            breakDocument(op.kind, doc, n);
            // Refused, unless the change lost to one the breaker had not seen yet (a concurrent
            // `done` on the same step that wins Yjs' tie-break): that breaks nothing, and the hub
            // rightly stores it. Either way the room's document is valid once it answers.
            const answer = await Promise.race([refused, session.flushed().then(() => null)]);
            if (answer) expect(['invalid_document', 'forged_author']).toContain(answer.code);
            else refused.catch(() => undefined);
            await session.flushed();
            expect(documentProblems(hub.rooms.get(caseId)!.doc)).toEqual([]);
          }

          // Everyone converges on one document, which is what the store holds.
          const docs = [...sessions.map((session) => session.doc), provider.doc];
          await Promise.all(sessions.map((session) => session.flushed()));
          await waitForDoc(docs, 'every replica to converge', () => {
            const first = JSON.stringify(contentOf(docs[0]!));
            return docs.every((doc) => JSON.stringify(contentOf(doc)) === first);
          });
          // Converged means the room applied every edit; this waits for their writes.
          await hub.rooms.get(caseId)?.flushed();
          const stored = await storedDocument(dataDir, caseId);
          expect(documentProblems(stored)).toEqual([]);
          expect(contentOf(stored)).toEqual(contentOf(docs[0]!));
          const { notes, steps, facts } = new CaseDocument(stored).toJSON();
          for (const marker of acknowledged.notes) expect(notes).toContain(marker);
          expect(steps.map((step) => step.text)).toEqual(expect.arrayContaining(acknowledged.steps));
          expect(Object.keys(facts)).toEqual(expect.arrayContaining(acknowledged.facts));
          for (const doc of docs) expect(documentProblems(doc)).toEqual([]);

          await Promise.all(clients.map((client) => client.close()));
          provider.destroy();
          hubs.splice(hubs.indexOf(hub), 1);
          await hub.stop();
        }),
        { numRuns: runs, ...fuzzSeed },
      );
    },
    fuzzTimeout(runs * 100),
  );
});

// Two people co-edit one case through the SDK. Start the hub first (`npm start`), then:
//   node examples/two-agents.mjs [hub URL]
// It talks to the URL given, else CASEROOM_URL, else http://localhost:$PORT (3000 unless PORT says otherwise).
import { CaseClient } from '@caseroom/client';
import { call as callHub, hubUrl } from './hub.mjs';

const url = hubUrl(process.argv[2]);

const call = (path, body, token) => callHub(url, path, body, token);

// The development login makes up each person's user id from name and team: Ann of billing is `ann@billing`.
const ann = await call('/api/dev/login', { name: 'Ann', role: 'agent', team: 'billing' });
const bob = await call('/api/dev/login', { name: 'Bob', role: 'specialist', team: 'billing' });

// Ann opens a case for the customer on the line.
const { case: record } = await call(
  '/api/cases',
  { subject: 'Charged twice for order A-1001', customer: { name: 'Kim', channel: 'phone' } },
  ann.token,
);
const caseId = record.id;

const annClient = new CaseClient({ url, token: ann.token });
const bobClient = new CaseClient({ url, token: bob.token });
const annCase = annClient.openCase(caseId);
const bobCase = bobClient.openCase(caseId);
await Promise.all([annCase.synced, bobCase.synced]);

annCase.notes.insert(0, 'Customer sees two charges of 49.00 on 12 Nov. ');
annCase.facts.record('order number', 'A-1001'); // recorded in Ann's name, ann@billing
const step = annCase.steps.add({ text: 'Refund the duplicate charge', assignee: bob.identity.userId });

// Bob sees Ann's edits as they arrive; nobody asks the customer for the order number again.
await new Promise((resolve) => {
  const check = () => bobCase.facts.has('order number') && bobCase.steps.get(step) && resolve();
  bobCase.doc.on('update', check);
  check();
});
bobCase.steps.complete(step);
bobCase.notes.insert(bobCase.notes.length, 'Refund issued by billing.');
await bobCase.flushed(); // stored by the hub

console.log(`case ${caseId}:`, JSON.stringify(bobCase.document.toJSON(), null, 2));
console.log(`Open it in the console: ${url}/#/case/${encodeURIComponent(caseId)}`);
await Promise.all([annClient.close(), bobClient.close()]);

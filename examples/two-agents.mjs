// Two people co-edit one case through the SDK. Start the hub first (`npm start`), then:
//   node examples/two-agents.mjs [http://localhost:3000]
import { CaseClient } from '@caseroom/client';

const url = process.argv[2] ?? 'http://localhost:3000';

async function login(name, role, team) {
  const res = await fetch(`${url}/api/dev/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, role, team }),
  });
  const body = await res.json();
  if (!body.ok) throw new Error(`${body.error.code}: ${body.error.message}`);
  return body.token;
}

const annToken = await login('Ann', 'agent', 'billing');
const bobToken = await login('Bob', 'specialist', 'billing');

// Ann opens a case for the customer on the line.
const created = await fetch(`${url}/api/cases`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${annToken}` },
  body: JSON.stringify({ subject: 'Charged twice for order A-1001', customer: { name: 'Kim', channel: 'phone' } }),
}).then((res) => res.json());
const caseId = created.case.id;

const ann = new CaseClient({ url, token: annToken }).openCase(caseId);
const bob = new CaseClient({ url, token: bobToken }).openCase(caseId);
await Promise.all([ann.synced, bob.synced]);

ann.notes.insert(0, 'Customer sees two charges of 49.00 on 12 Nov. ');
ann.facts.record('order number', 'A-1001', 'ann');
const step = ann.steps.add({ text: 'Refund the duplicate charge', assignee: 'bob' });

// Bob sees Ann's edits as they arrive; nobody asks the customer for the order number again.
await new Promise((resolve) => {
  const check = () => bob.facts.has('order number') && bob.steps.get(step) && resolve();
  bob.doc.on('update', check);
  check();
});
bob.steps.complete(step);
bob.notes.insert(bob.notes.length, 'Refund issued by billing.');
await bob.flushed(); // stored by the hub

console.log(`case ${caseId}:`, JSON.stringify(bob.document.toJSON(), null, 2));
process.exit(0);

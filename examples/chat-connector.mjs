// A chat connector: each line you type is a customer's chat message; the replies the team sends
// are printed as the customer would read them. Start the hub first (`npm start`), then:
//   node examples/chat-connector.mjs
// It talks to CASEROOM_URL, or http://localhost:$PORT (3000 unless PORT says otherwise). Open the
// console there, sign in as an agent of team billing, open the case it prints, claim it and reply.
import { createInterface } from 'node:readline';
import { ChannelBot, speakerLabel } from '@caseroom/client';
import { call as callHub, hubUrl } from './hub.mjs';

const url = hubUrl();
const customer = { name: 'Dana Customer', address: 'dana@example.com' };

const call = (path, body, token) => callHub(url, path, body, token);

// A bot of team billing whose token carries the chat channel: it may bring chat messages in and deliver replies.
const { token } = await call('/api/dev/login', { name: 'Chat connector', role: 'bot', team: 'billing', channels: ['chat'] });
const { case: record } = await call(
  '/api/cases',
  { subject: `Chat with ${customer.name}`, customer: { name: customer.name, channel: 'chat' } },
  token,
);
const caseId = record.id;

const bot = new ChannelBot({ url, token, channels: ['chat'] });
bot.on('error', (err) => console.error(`hub: ${err.code}: ${err.message}`));

// Resolving reports the reply delivered to the room; throwing would report it failed, with the reason.
const replies = bot.onReply(
  (reply) => {
    const label = speakerLabel(reply.author);
    console.log(reply.kind === 'correction' ? `${label} (corrects message ${reply.replaces}): ${reply.body}` : `${label}: ${reply.body}`);
  },
  { cases: [caseId] },
);
await replies.ready;

console.log(`Case ${caseId} is open: ${url}/#/case/${encodeURIComponent(caseId)}`);
console.log(`Type what ${customer.name} writes in the chat (Ctrl-D to stop). The team's replies appear here.`);

let lineNumber = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const body = line.trim();
  if (!body) continue;
  // The chat's own id of the message: posting it again (a retry) stores nothing new.
  const externalId = `${caseId}:${++lineNumber}`;
  try {
    const { message } = await bot.post(caseId, { channel: 'chat', body, externalId, customer });
    console.log(`(message ${message.seq} is in the case)`);
  } catch (err) {
    console.error(`could not post: ${err.code ?? ''} ${err.message}`);
  }
}

await bot.close();

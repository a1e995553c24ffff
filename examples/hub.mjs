// What the examples share: where the hub is, and one way to call its HTTP API that says plainly
// what went wrong (no hub answering, a refusal) instead of printing a stack trace.

/** The hub's address: the one given, else CASEROOM_URL, else http://localhost:$PORT (3000 unless PORT says otherwise). */
export function hubUrl(given) {
  return given || process.env.CASEROOM_URL || `http://localhost:${process.env.PORT || 3000}`;
}

/** POSTs `body` to the hub at `url` as JSON; exits with a plain message when no hub answers or it refuses. */
export async function call(url, path, body, token) {
  let res;
  try {
    res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch {
    console.error(`No hub answers at ${url}. Start one with \`npm start\` in another terminal,`);
    console.error('or point this example at yours with CASEROOM_URL=http://host:port (or PORT=...).');
    process.exit(1);
  }
  const answer = await res.json();
  if (!answer.ok) {
    console.error(`The hub refused ${path}: ${answer.error.code}: ${answer.error.message}`);
    process.exit(1);
  }
  return answer;
}

/**
 * Rooms of people on a caseroom hub, as a contact centre has them: in each room the owner types
 * and the others receive, some people leave and come back, and bots follow their team's feed.
 * A load process holds whole rooms, so a room's typist and receivers share one clock, and whole
 * teams, so a team's bots count the events of rooms held here.
 *
 * Receipts are counted the way fan-out counts them (one per edit per other person), but people
 * come and go: an edit is due to those in the room when it is sent. A person counts from the
 * moment their join is synced until the moment they decide to leave; they close the case once
 * every edit due to them has arrived (or after a few seconds), so edits already on their way are
 * not counted as lost.
 */
import { BotClient, CaseClient, CaseroomError, type CaseSession } from '@caseroom/client';
import { mintToken, type Role } from '../tokens.js';
import { notesOf, now, sleep, withTimeout } from './clients.js';
import type { HarnessWord, PeopleResult, PeopleTask, RoomShape } from './tasks.js';

/** The longest a person who decided to leave waits for the edits due to them before closing the case. */
const leaveWithinMs = 10_000;
/** Clients opening at once in one load process. */
const openConcurrency = 50;

interface Person {
  room: Room;
  index: number;
  userId: string;
  client: CaseClient;
  session: CaseSession;
  /** in the room: edits sent now are due to this person */
  present: boolean;
  /** receipts count for edits sent from `since` until `until` */
  since: number;
  until: number;
  /** edits due to this person and receipts counted, over every time they were in the room */
  due: number;
  got: number;
  /** left and not back yet */
  away: boolean;
}

interface Room {
  caseId: string;
  people: Person[];
}

/** Everything a load process counts between the harness's `record` and `stop`. */
class Tally {
  recording = false;
  /** send times of the window's edits: [from, until) */
  from = Infinity;
  until = Infinity;
  sent = 0;
  expected = 0;
  received = 0;
  receivedInWindow = 0;
  /** updates from the hub that carried edits, between `record` and `stop` */
  updatesInWindow = 0;
  samples: number[] = [];
  botEvents: Record<string, number> = {};
  rejoins = 0;
  errors: Record<string, number> = {};

  error(err: unknown): void {
    this.note(err instanceof CaseroomError ? err.code : err instanceof Error ? err.message.slice(0, 80) : String(err));
  }

  note(what: string): void {
    this.errors[what] = (this.errors[what] ?? 0) + 1;
  }
}

/** How the task and the harness keep step: the harness times the window over every load process. */
export interface HarnessSignals {
  /** everyone is in: the harness may measure the server, then say go */
  ready(): void;
  /** resolves when the harness says `word` */
  until(word: HarnessWord): Promise<void>;
  /** typing stopped (after `stop`) */
  typed(): void;
}

export async function runPeople(task: PeopleTask, harness: HarnessSignals): Promise<PeopleResult> {
  const tally = new Tally();
  let clientCount = 0;
  const connect = async (userId: string, role: Role, team: string, department?: string): Promise<CaseClient> => {
    const token = await mintToken(task.endpoint.secret!, userId, role, team, department);
    const options = { url: task.endpoint.httpUrl, token, transports: ['websocket' as const], autoConnect: false };
    const client = role === 'bot' ? new BotClient(options) : new CaseClient(options);
    const address = task.localAddresses?.[clientCount++ % task.localAddresses.length];
    // engine.io-client hands `localAddress` to ws in Node (its websocket transport picks it from
    // the manager's options); the harness checks on the nodes where the clients landed.
    if (address) Object.assign(client.socket.io.opts, { localAddress: address });
    client.on('error', (err) => tally.error(err));
    // A connection that drops or cannot connect retries by itself; say that it happened, and why.
    client.socket.on('disconnect', (reason) => reason !== 'io client disconnect' && tally.note(`disconnected: ${reason}`));
    client.socket.on('connect_error', (err) => tally.note(`could not connect: ${err.message}`));
    client.connect();
    return client;
  };

  const rooms: Room[] = task.rooms.map(({ caseId }) => ({ caseId, people: [] }));
  await inParallel(task.rooms.length, openConcurrency, async (r) => {
    const { caseId, team } = task.rooms[r]!;
    const room = rooms[r]!;
    for (const [index, role] of task.shape.roles.entries()) {
      const userId = `${role}-${caseId}-${index}`;
      const department = role === 'specialist' ? task.shape.specialistDepartment : undefined;
      const client = await connect(userId, role, team, department);
      const person: Person = {
        room,
        index,
        userId,
        client,
        session: null!,
        present: false,
        since: 0,
        until: Infinity,
        due: 0,
        got: 0,
        away: false,
      };
      room.people.push(person);
      await join(person, tally);
      if (index === 0 && task.shape.claim) await person.session.claim();
    }
  });

  const teams = [...new Set(task.rooms.map((room) => room.team))];
  const bots: BotClient[] = [];
  for (const team of teams) {
    for (let b = 0; b < task.botsPerTeam; b++) {
      const bot = (await connect(`bot-${team}-${b}`, 'bot', team)) as BotClient;
      bots.push(bot);
      const subscription = bot.subscribe({ cases: 'team' }, (event) => {
        if (tally.recording) tally.botEvents[event.type] = (tally.botEvents[event.type] ?? 0) + 1;
      });
      subscription.on('error', (err) => tally.error(err));
      await withTimeout(subscription.ready, 30_000, `bot ${b} of ${team} was not subscribed`);
    }
  }

  const [go, record, stop] = (['go', 'record', 'stop'] as const).map((word) => harness.until(word));
  harness.ready();
  await go;
  const churn = task.churn ? startChurn(rooms, task.churn, tally) : null;
  const typing = startTyping(rooms, task.shape, tally);
  await record;
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  tally.from = now();
  tally.recording = true;
  await stop;
  typing.stop();
  tally.recording = false;
  tally.until = now();
  const cpu = process.cpuUsage(cpuAtStart);
  const seconds = (performance.now() - started) / 1000;
  harness.typed();
  await churn?.stop();
  await drain(tally, 3_000);

  await Promise.all([...rooms.flatMap((room) => room.people.map((person) => person.client.close())), ...bots.map((bot) => bot.close())]);
  return {
    sent: tally.sent,
    expected: tally.expected,
    received: tally.received,
    receivedInWindow: tally.receivedInWindow,
    updatesInWindow: tally.updatesInWindow,
    samples: tally.samples,
    botEvents: tally.botEvents,
    rejoins: tally.rejoins,
    errors: tally.errors,
    loadCpuSeconds: (cpu.user + cpu.system) / 1e6,
    seconds,
  };
}

/** Opens the person's room (again) and counts them present once synced. */
async function join(person: Person, tally: Tally): Promise<void> {
  // Nothing the join brings counts: only edits sent once the person is in.
  person.since = Infinity;
  const session = person.client.openCase(person.room.caseId);
  person.session = session;
  session.on('error', (err) => tally.error(err));
  const marks = session.doc.getMap<number>('app');
  marks.observe((event, transaction) => {
    if (transaction.local) return;
    const at = now();
    // One remote transaction is one update from the hub, however many edits it merged.
    if (tally.recording) tally.updatesInWindow++;
    for (const key of event.keysChanged) {
      const sentAt = marks.get(key);
      if (sentAt === undefined || sentAt < person.since || sentAt >= person.until) continue;
      person.got++;
      if (tally.recording) tally.receivedInWindow++;
      if (sentAt < tally.from || sentAt >= tally.until) continue;
      tally.samples.push(at - sentAt);
      tally.received++;
    }
  });
  await withTimeout(session.synced, 60_000, 'a join did not sync within 60 s');
  person.since = now();
  person.until = Infinity;
  person.present = true;
}

/** Leaves: edits sent from now on are not due; the case closes once those due have arrived. */
async function leave(person: Person): Promise<void> {
  person.present = false;
  person.until = now();
  person.away = true;
  const deadline = performance.now() + leaveWithinMs;
  while (person.got < person.due && performance.now() < deadline) await sleep(20);
  await person.session.close();
}

/**
 * Every second, a share of the people who may churn (those present) leave; each comes back
 * `awaySeconds` after leaving. Longer than the hub's presence grace (5 s by default), so the
 * room and the bots see them go and come back.
 */
function startChurn(rooms: Room[], churn: NonNullable<PeopleTask['churn']>, tally: Tally): { stop(): Promise<void> } {
  const movable = rooms.flatMap((room) => room.people.filter((person) => churn.indexes.includes(person.index)));
  const pending = new Set<Promise<void>>();
  let owed = 0;
  const round = (): void => {
    owed += churn.sharePerSecond * movable.length;
    const here = movable.filter((person) => !person.away);
    for (; owed >= 1 && here.length > 0; owed--) {
      const person = here.splice(Math.floor(Math.random() * here.length), 1)[0]!;
      const left = performance.now();
      const trip = leave(person)
        .then(() => sleep(churn.awaySeconds * 1000 - (performance.now() - left)))
        .then(() => join(person, tally))
        .then(() => {
          person.away = false;
          if (tally.recording) tally.rejoins++;
        })
        .catch((err: unknown) => tally.error(err))
        .finally(() => pending.delete(trip));
      pending.add(trip);
    }
  };
  const timer = setInterval(round, 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

/**
 * Has the first `shape.writers` people of every room type until stopped: `ratePerWriter` edits a
 * second, steadily or in bursts. Writers start at evenly spread phases (over one edit's interval,
 * or one burst's cycle), so they do not all type in the same tick. Late ticks catch up.
 */
function startTyping(rooms: Room[], shape: RoomShape, tally: Tally): { stop(): void } {
  const writers = rooms.flatMap((room) => room.people.slice(0, shape.writers));
  const interval = 1 / shape.ratePerWriter;
  const cycle = shape.burst ? shape.burst.edits * interval + shape.burst.pauseSeconds : interval;
  /** edits due by `t` seconds after a writer's phase */
  const dueBy = (t: number): number => {
    if (t < 0) return 0;
    if (!shape.burst) return Math.floor(t / interval) + 1;
    const cycles = Math.floor(t / cycle);
    return cycles * shape.burst.edits + Math.min(shape.burst.edits, Math.floor((t - cycles * cycle) / interval) + 1);
  };
  const phases = writers.map((_, i) => (i / writers.length) * cycle);
  const sent = writers.map(() => 0);
  let sequence = 0;
  const started = performance.now();
  let timer: NodeJS.Timeout;
  const tick = (): void => {
    const elapsed = (performance.now() - started) / 1000;
    writers.forEach((writer, i) => {
      for (const due = dueBy(elapsed - phases[i]!); sent[i]! < due; sent[i]!++) type(writer, ++sequence, tally);
    });
    timer = setTimeout(tick, 1);
  };
  tick();
  return { stop: () => clearTimeout(timer) };
}

/** One edit: three characters of notes and, in the same transaction, its send time under a key of its own. */
function type(writer: Person, sequence: number, tally: Tally): void {
  const doc = writer.session.doc;
  doc.transact(() => {
    const notes = notesOf(doc);
    notes.insert(notes.length, String.fromCharCode(97 + (sequence % 26)).repeat(3));
    doc.getMap<number>('app').set(`${writer.index}:${sequence}`, now());
  });
  if (tally.recording) tally.sent++;
  for (const other of writer.room.people) {
    if (other === writer || !other.present) continue;
    other.due++;
    if (tally.recording) tally.expected++;
  }
}

/** Waits until every due receipt came, or `ms` pass without one. */
async function drain(tally: Tally, ms: number): Promise<void> {
  let last = -1;
  let quietSince = performance.now();
  while (tally.received < tally.expected) {
    if (tally.received !== last) {
      last = tally.received;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > ms) return;
    await sleep(20);
  }
}

/** Runs `body(0 … count-1)`, `concurrency` at a time. */
async function inParallel(count: number, concurrency: number, body: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await body(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** People who signed in, and revocations of their tokens, in the embedded store. */
import type { Identity } from '@caseroom/shared';
import type Database from 'better-sqlite3';
import type { NewCaseEvent } from '../EventStore.js';
import { byName, type PeopleStore } from '../PeopleStore.js';
import type { SqliteEvents } from './SqliteEvents.js';

const schema = `
CREATE TABLE IF NOT EXISTS people (
  user_id TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS people_by_team ON people (json_extract(identity, '$.team'));
CREATE TABLE IF NOT EXISTS revocations (
  user_id TEXT PRIMARY KEY,
  revoked_at INTEGER NOT NULL
);
`;

export class SqlitePeople implements PeopleStore {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly events: SqliteEvents,
  ) {
    db.exec(schema);
    this.statements = {
      remember: db.prepare(
        'INSERT INTO people (user_id, identity, seen_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET identity = excluded.identity, seen_at = excluded.seen_at',
      ),
      get: db.prepare<[string], { identity: string }>('SELECT identity FROM people WHERE user_id = ?'),
      list: db.prepare<[string], { identity: string }>("SELECT identity FROM people WHERE json_extract(identity, '$.team') = ?"),
      everyone: db.prepare<[], { identity: string }>('SELECT identity FROM people'),
      revoke: db.prepare(
        'INSERT INTO revocations (user_id, revoked_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET revoked_at = max(revoked_at, excluded.revoked_at)',
      ),
      revocations: db.prepare<[], { user_id: string; revoked_at: number }>('SELECT user_id, revoked_at FROM revocations'),
    };
  }

  async remember(who: Identity, at: string): Promise<void> {
    this.statements.remember.run(who.userId, JSON.stringify(who), at);
  }

  async get(userId: string): Promise<Identity | null> {
    const row = this.statements.get.get(userId);
    return row ? (JSON.parse(row.identity) as Identity) : null;
  }

  async list(team: string): Promise<Identity[]> {
    return this.statements.list
      .all(team)
      .map((row) => JSON.parse(row.identity) as Identity)
      .sort(byName);
  }

  async everyone(): Promise<Identity[]> {
    return this.statements.everyone
      .all()
      .map((row) => JSON.parse(row.identity) as Identity)
      .sort(byName);
  }

  async revoke(userId: string, at: number, events: readonly NewCaseEvent[]): Promise<void> {
    this.events.write(events, () => this.statements.revoke.run(userId, at));
  }

  async revocations(): Promise<Map<string, number>> {
    return new Map(this.statements.revocations.all().map((row) => [row.user_id, row.revoked_at]));
  }
}

/**
 * Hocuspocus as a team would run it: @hocuspocus/server with the Database extension, storing each
 * document's state in a SQLite file (better-sqlite3, WAL) under DATA_DIR. Listens on PORT.
 */
import { join } from 'node:path';
import { Database } from '@hocuspocus/extension-database';
import { Server } from '@hocuspocus/server';
import Sqlite from 'better-sqlite3';

const db = new Sqlite(join(process.env.DATA_DIR ?? '.', 'hocuspocus.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, data BLOB NOT NULL)');
const read = db.prepare<[string], { data: Buffer }>('SELECT data FROM documents WHERE name = ?');
const write = db.prepare('INSERT INTO documents (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data');

const server = new Server({
  port: Number(process.env.PORT),
  address: '127.0.0.1',
  quiet: true,
  // Stores what is pending and exits on SIGTERM.
  stopOnSignals: true,
  extensions: [
    new Database({
      fetch: async ({ documentName }) => {
        const row = read.get(documentName);
        return row ? new Uint8Array(row.data) : null;
      },
      store: async ({ documentName, state }) => {
        write.run(documentName, state);
      },
    }),
  ],
});
await server.listen();

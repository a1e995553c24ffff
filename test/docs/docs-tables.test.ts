/**
 * The pages of docs/ that restate the code agree with it: the configuration page lists exactly the
 * variables config.ts reads, with their defaults, the error page's table is the catalogue of
 * shared/src/errors.ts, and the wire page's tables are the event table of shared/src/events.ts
 * (`npm run docs` writes those again).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { envSchema } from '@caseroom/server';
import { clientEvents, errorCatalog, serverEvents } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import { clientEventTable, errorTable, serverEventTable, tableIn, type GeneratedTable } from '../../scripts/docsTables.js';

const repoRoot = resolve(import.meta.dirname, '../..');

/** The cells of each row of the first Markdown table in `text` (header and rule left out). */
function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trimStart().startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.trimStart().startsWith('|')) break;
    rows.push(
      line
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

describe('docs/configuration.md', () => {
  const rows = tableRows(readFileSync(resolve(repoRoot, 'docs/configuration.md'), 'utf8'));

  it('lists exactly the variables the hub reads', () => {
    expect(rows.map(([name]) => unquote(name!)).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it('gives the default the hub uses wherever it names a literal one', () => {
    const defaults = envSchema.parse({}) as Record<string, unknown>;
    let compared = 0;
    for (const [name, documented] of rows) {
      const literal = /^`([^`]*)`$/.exec(documented!)?.[1];
      const actual = defaults[unquote(name!)];
      if (literal === undefined || actual === undefined || typeof actual === 'object') continue;
      expect(literal, unquote(name!)).toBe(String(actual));
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });
});

describe('docs/errors.md', () => {
  it('holds the error catalogue, code by code, as shared/src/errors.ts has it', () => {
    const table = tableIn(readFileSync(errorTable.page, 'utf8'), errorTable.begin);
    expect(table, 'run npm run docs').not.toBeNull();
    const documented = tableRows(table!).map(([code, status, message]) => [unquote(code!), Number(status), message!.replace(/\\\|/g, '|')]);
    expect(documented).toEqual(Object.entries(errorCatalog).map(([code, { status, message }]) => [code, status, message]));
  });
});

describe('docs/wire.md', () => {
  /** The rows of a generated table as its page holds them. */
  const rowsOnPage = (table: GeneratedTable): string[][] | null => {
    const text = tableIn(readFileSync(table.page, 'utf8'), table.begin);
    return text === null ? null : tableRows(text);
  };

  it('holds every client request of the event table, as the table describes it', () => {
    const rows = rowsOnPage(clientEventTable);
    expect(rows, 'run npm run docs').not.toBeNull();
    expect(rows!.map(([event]) => unquote(event!))).toEqual(Object.keys(clientEvents));
    expect(rows).toEqual(clientEventTable.rows());
  });

  it('holds every event the hub sends, as the table describes it', () => {
    const rows = rowsOnPage(serverEventTable);
    expect(rows, 'run npm run docs').not.toBeNull();
    expect(rows!.map(([event]) => unquote(event!))).toEqual(Object.keys(serverEvents));
    expect(rows).toEqual(serverEventTable.rows());
  });
});

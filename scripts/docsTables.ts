/**
 * Tables in docs/ that are made from the code, so they cannot drift: the error catalogue from
 * shared/src/errors.ts, and the events of the wire from the event table of shared/src/events.ts.
 * `npm run docs` writes them; test/docs/docs-tables.test.ts fails when a page and the code disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bytesSchema, clientEvents, errorCatalog, serverEvents } from '@caseroom/shared';
import type { z } from 'zod';

const repoRoot = resolve(import.meta.dirname, '..');
const end = '<!-- end of generated table -->';

/** A table of a page: where it goes, the marker it starts after, and its header and rows (cells as Markdown). */
export interface GeneratedTable {
  page: string;
  begin: string;
  header: string[];
  rows(): string[][];
}

const code = (text: string): string => `\`${text}\``;
const escapeCells = (cells: string[]): string[] => cells.map((cell) => cell.replace(/\|/g, '\\|'));

/** The error catalogue: code, HTTP status, default message. */
export const errorTable: GeneratedTable = {
  page: resolve(repoRoot, 'docs/errors.md'),
  begin: '<!-- generated from shared/src/errors.ts: npm run docs -->',
  header: ['code', 'HTTP status', 'message'],
  rows: () => Object.entries(errorCatalog).map(([name, { status, message }]) => escapeCells([code(name), String(status), message])),
};

/** What clients send: each request's arguments and acknowledgement, from the event table. */
export const clientEventTable: GeneratedTable = {
  page: resolve(repoRoot, 'docs/wire.md'),
  begin: '<!-- generated from clientEvents in shared/src/events.ts: npm run docs -->',
  header: ['client → hub', 'arguments', 'acknowledgement', 'what it does'],
  rows: () =>
    Object.entries(clientEvents).map(([event, spec]) => {
      const answer = outline(spec.answer);
      return escapeCells([
        code(event),
        code(argumentsOf(spec.request, 'positional' in spec ? spec.positional : undefined)),
        code(answer === '{ }' ? '{ ok }' : answer.replace(/^\{ /, '{ ok, ')),
        spec.doc,
      ]);
    }),
};

/** What the hub sends, from the event table. */
export const serverEventTable: GeneratedTable = {
  page: resolve(repoRoot, 'docs/wire.md'),
  begin: '<!-- generated from serverEvents in shared/src/events.ts: npm run docs -->',
  header: ['hub → client', 'arguments', 'what it is'],
  rows: () =>
    Object.entries(serverEvents).map(([event, spec]) => {
      const args = argumentsOf(spec.payload, 'positional' in spec ? spec.positional : undefined);
      return escapeCells([code(event), code('acknowledged' in spec ? `${args}, ack` : args), spec.doc]);
    }),
};

export const generatedTables = [errorTable, clientEventTable, serverEventTable];

/** The arguments a payload travels as: the object's outline, or its fields in order. */
function argumentsOf(schema: z.ZodType, positional: readonly string[] | undefined): string {
  if (!positional) return outline(schema);
  const { shape } = schema as z.ZodObject;
  return positional.map((key) => field(key, shape[key] as z.ZodType, 0)).join(', ');
}

/**
 * A schema as a reader wants it in a table cell: objects as their fields (`?` when optional),
 * enums of a few values as their values, binary as `Uint8Array`; an object one level down spelled
 * out while small, a record of many fields (a case, an approval) only named.
 */
function outline(schema: z.ZodType, depth = 0): string {
  const inner = unwrap(schema).schema;
  if (inner === bytesSchema) return 'Uint8Array';
  const def = inner.def as { type: string; entries?: Record<string, string>; values?: unknown[] };
  if (def.type === 'enum' && Object.keys(def.entries!).length <= 3)
    return Object.values(def.entries!)
      .map((v) => `'${v}'`)
      .join(' | ');
  if (def.type === 'literal') return def.values!.map((v) => JSON.stringify(v)).join(' | ');
  if (def.type !== 'object') return '';
  const fields = Object.entries((inner as z.ZodObject).shape).map(([key, value]) => field(key, value as z.ZodType, depth + 1));
  return fields.length === 0 ? '{ }' : `{ ${fields.join(', ')} }`;
}

function field(key: string, schema: z.ZodType, depth: number): string {
  const { schema: inner, optional } = unwrap(schema);
  const name = optional ? `${key}?` : key;
  const isObject = inner.def.type === 'object';
  if (isObject && (depth > 1 || Object.keys((inner as z.ZodObject).shape).length > 6)) return name;
  const shape = outline(inner, depth);
  return shape ? `${name}: ${shape}` : name;
}

/** The schema under optional, nullable, default and pipe wrappers, and whether the value may be left out. */
function unwrap(schema: z.ZodType): { schema: z.ZodType; optional: boolean } {
  let current = schema;
  let optional = false;
  for (;;) {
    const def = current.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.type === 'optional' || def.type === 'default') optional = true;
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe') current = def.in!;
    else return { schema: current, optional };
  }
}

/** A Markdown table (unaligned: prettier aligns it). */
export function markdownTable(table: GeneratedTable): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(table.header), line(table.header.map(() => '---')), ...table.rows().map(line)].join('\n');
}

/** `page` with the generated table after `begin` replaced by `markdown` (appended, with its markers, when absent). */
export function withTable(page: string, begin: string, markdown: string): string {
  const block = `${begin}\n\n${markdown}\n\n${end}`;
  const from = page.indexOf(begin);
  const to = from < 0 ? -1 : page.indexOf(end, from);
  if (from < 0 || to < 0) return `${page.trimEnd()}\n\n${block}\n`;
  return page.slice(0, from) + block + page.slice(to + end.length);
}

/** The generated table after `begin` as the page holds it now (null when it has none). */
export function tableIn(page: string, begin: string): string | null {
  const from = page.indexOf(begin);
  const to = from < 0 ? -1 : page.indexOf(end, from);
  return from < 0 || to < 0 ? null : page.slice(from + begin.length, to).trim();
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  for (const table of generatedTables) {
    writeFileSync(table.page, withTable(readFileSync(table.page, 'utf8'), table.begin, markdownTable(table)));
    console.log(`written: ${table.page} (${table.header[0]})`);
  }
}

/**
 * Tables in docs/ that are made from the code, so they cannot drift: the error catalogue from
 * shared/src/errors.ts. `npm run docs` writes them; test/docs/docs-tables.test.ts fails when a page
 * and the code disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorCatalog } from '@caseroom/shared';

const repoRoot = resolve(import.meta.dirname, '..');
export const errorsPage = resolve(repoRoot, 'docs/errors.md');
const begin = '<!-- generated from shared/src/errors.ts: npm run docs -->';
const end = '<!-- end of generated table -->';

/** The error catalogue as a Markdown table: code, HTTP status, default message. */
export function errorTable(): string {
  const rows = Object.entries(errorCatalog).map(
    ([code, { status, message }]) => `| \`${code}\` | ${status} | ${message.replace(/\|/g, '\\|')} |`,
  );
  return ['| code | HTTP status | message |', '| --- | --- | --- |', ...rows].join('\n');
}

/** `page` with its generated table replaced by `table` (appended, with its markers, when absent). */
export function withTable(page: string, table: string): string {
  const block = `${begin}\n\n${table}\n\n${end}`;
  const from = page.indexOf(begin);
  const to = page.indexOf(end);
  if (from < 0 || to < 0) return `${page.trimEnd()}\n\n## The codes\n\n${block}\n`;
  return page.slice(0, from) + block + page.slice(to + end.length);
}

/** The generated table as the page holds it now (null when it has none). */
export function tableIn(page: string): string | null {
  const from = page.indexOf(begin);
  const to = page.indexOf(end);
  return from < 0 || to < 0 ? null : page.slice(from + begin.length, to).trim();
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(errorsPage, withTable(readFileSync(errorsPage, 'utf8'), errorTable()));
  console.log(`written: ${errorsPage}`);
}

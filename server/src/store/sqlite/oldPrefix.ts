/**
 * The end of a log's old part: of rows read oldest first (numbered in the order they were made,
 * so the old ones are a prefix), the last one made before `cutoff` when every row before it was
 * too. A log trimmed through it loses only what is old, and one number says what is gone.
 */
export function lastOfOldPrefix<Row extends { at: string }>(rows: readonly Row[], cutoff: string): Row | undefined {
  const young = rows.findIndex((row) => row.at >= cutoff);
  return young === -1 ? rows.at(-1) : rows[young - 1];
}

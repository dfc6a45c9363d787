/** Levenshtein distance, ignoring case. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

function isSubsequence(short: string, long: string): boolean {
  let at = 0;
  for (const char of long) if (char === short[at]) at++;
  return at === short.length;
}

/**
 * The name of `names` that `wanted` most likely meant: a typo or a case slip (within a third of its
 * length, at least 2 edits), else an abbreviation (`weight`, `cmd`: its letters in order). Never itself.
 */
export function closestName(wanted: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    if (name === wanted) continue;
    const d = distance(wanted, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(wanted.length / 3))) return best;
  const lower = wanted.toLowerCase();
  return names.find(
    (name) => wanted.length >= 3 && name !== wanted && isSubsequence(lower, name.toLowerCase()),
  );
}

/** ` (did you mean X?)` for an error message, or ''. */
export function didYouMean(wanted: string, names: readonly string[]): string {
  const name = closestName(wanted, names);
  return name ? ` (did you mean ${name}?)` : '';
}

import { InputValidationError } from '../errors';

/** More decimals than this never helps: doubles carry about 17 significant digits. */
const MAX_DECIMALS = 17;

/**
 * The task set `scale` (percent, 0..100) for which ECS computes exactly `tasks` tasks, given the
 * service's `desiredCount`.
 *
 * ECS computes `computedDesiredCount = ceil(desiredCount * scale / 100)` in floating point and always
 * rounds up, so the naive `tasks * 100 / desiredCount` can yield one task too many
 * (3 * 66.66666666666667 / 100 = 2.0000000000000004 -> 3). The valid scales form the interval
 * `(100 * (tasks - 1) / desiredCount, 100 * tasks / desiredCount]`; this returns the value in it with
 * the fewest decimals (the largest such value), e.g. 50 for 1 of 2 tasks and 66 for 2 of 3.
 *
 * The value is accepted only if the count comes out right however ECS evaluates it:
 * `ceil(d * s / 100)`, `ceil(d * (s / 100))`, and with the exact binary value of the double `s`.
 * So a decimal that is only exact on paper (99.9 is stored as 99.900000000000006) is not put on the
 * upper edge of the interval; a slightly smaller one (99.89) is used instead. A decimal a double holds
 * exactly (50, 12.5) is used on the edge.
 *
 * `tasks` 0 gives 0 and `tasks === desiredCount` gives 100. Works for any desiredCount up to 10^15; near
 * 2^53 the interval can be narrower than the spacing of doubles, and then this throws.
 */
export function scalePercentForTasks(desiredCount: number, tasks: number): number {
  if (!Number.isSafeInteger(desiredCount) || desiredCount < 1) {
    throw new InputValidationError(
      'desiredCount',
      `must be an integer >= 1, got ${String(desiredCount)}; pass the service's desiredCount`,
    );
  }
  if (!Number.isSafeInteger(tasks) || tasks < 0 || tasks > desiredCount) {
    throw new InputValidationError(
      'tasks',
      `must be an integer in [0, ${desiredCount}] (0..desiredCount), got ${String(tasks)}; pass the wanted task count`,
    );
  }
  if (tasks === 0) return 0;
  if (tasks === desiredCount) return 100;

  let unit = 1; // 10^decimals
  let fives = 1; // 5^decimals: a k-decimal m / 10^k is a double exactly iff 5^k divides m
  for (let decimals = 0; decimals <= MAX_DECIMALS; decimals++, unit *= 10, fives *= 5) {
    const top = tasks * 100 * unit;
    // Below 2^49 the integers are exact and the interval's margins (>= 1 / (100 * unit) tasks) dwarf a
    // double's error (< tasks * 2^-52), so the float checks suffice off the edges.
    if (top >= 2 ** 49) return bigCandidates(desiredCount, tasks, decimals);
    // Largest k-decimal value <= the top of the interval, then the one below it in case the top is
    // only exact on paper. Integer arithmetic, so no float slip decides which decimals we try.
    let n = Math.floor(top / desiredCount);
    if (n * desiredCount > top) n--;
    for (let m = n; m >= n - 1; m--) {
      // Strictly above the lower edge: at exactly 100 * (tasks - 1) / d, ECS would compute tasks - 1.
      if (m * desiredCount <= top - 100 * unit) continue;
      const candidate = m / unit;
      // On the upper edge, take the decimal only if the double holds it exactly (its denominator
      // reduces to a power of two: 50, 12.5), so no evaluation of ECS's formula can land above `tasks`.
      if (m * desiredCount === top && m % fives !== 0) continue;
      if (floatChecks(desiredCount, tasks, candidate)) return candidate;
    }
  }
  return fallback(desiredCount, tasks);
}

/** The same search in BigInt, for counts too large for the fast path (desiredCount in the billions). */
function bigCandidates(desiredCount: number, tasks: number, fromDecimals: number): number {
  const d = BigInt(desiredCount);
  const t = BigInt(tasks);
  let unit = 10n ** BigInt(fromDecimals);
  for (let decimals = fromDecimals; decimals <= MAX_DECIMALS; decimals++, unit *= 10n) {
    const top = (t * 100n * unit) / d;
    for (const n of [top, top - 1n]) {
      if (n * d <= (t - 1n) * 100n * unit) continue;
      const candidate = Number(n) / Number(unit);
      if (yieldsExactly(desiredCount, tasks, candidate)) return candidate;
    }
  }
  return fallback(desiredCount, tasks);
}

function fallback(desiredCount: number, tasks: number): number {
  // Not reached below desiredCount 10^15 (the interval is far wider than a double's spacing there);
  // kept so the function can never return a wrong value: walk down from the naive value.
  let candidate = (tasks * 100) / desiredCount;
  for (let i = 0; i < 1000 && candidate > 0; i++) {
    if (yieldsExactly(desiredCount, tasks, candidate)) return candidate;
    candidate = nextDown(candidate);
  }
  throw new Error(`scalePercentForTasks: no scale yields ${tasks} of ${desiredCount} tasks`);
}

/** True when every plausible evaluation of ceil(desiredCount * scale / 100) gives `tasks`. */
export function yieldsExactly(desiredCount: number, tasks: number, scale: number): boolean {
  if (!floatChecks(desiredCount, tasks, scale)) return false;
  // Exact value of the double: scale = mantissa * 2^exponent, so d * scale / 100 is in (t-1, t]
  // iff 100 * (t-1) * 2^-exponent < d * mantissa <= 100 * t * 2^-exponent.
  const { mantissa, exponent } = decomposeDouble(scale);
  let lhs = BigInt(desiredCount) * mantissa;
  let upper = 100n * BigInt(tasks);
  let lower = 100n * BigInt(tasks - 1);
  if (exponent < 0) {
    upper <<= BigInt(-exponent);
    lower <<= BigInt(-exponent);
  } else {
    lhs <<= BigInt(exponent);
  }
  return lhs > lower && lhs <= upper;
}

/** ceil(d * s / 100) === tasks in both evaluation orders, with 0 <= s <= 100. */
function floatChecks(desiredCount: number, tasks: number, scale: number): boolean {
  return (
    scale >= 0 &&
    scale <= 100 &&
    Math.ceil((desiredCount * scale) / 100) === tasks &&
    Math.ceil(desiredCount * (scale / 100)) === tasks
  );
}

/** A finite non-negative double as mantissa * 2^exponent, both exact. */
function decomposeDouble(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biasedExponent === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biasedExponent - 1075 };
}

/** The largest double below a positive finite `value`. */
function nextDown(value: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}

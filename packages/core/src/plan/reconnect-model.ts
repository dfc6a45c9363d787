/**
 * The reconnection model behind budget mode and `predictedPeakNewConnectionsPerSecond`.
 *
 * Removing r tasks at time t drops r * connectionsPerTask clients, who reconnect uniformly over
 * [t, t + reconnectSpreadSeconds): a rate of r * connectionsPerTask / reconnectSpreadSeconds for that
 * window. Windows of steps closer together than the spread overlap and their rates add. The window is
 * half-open, so steps exactly one spread apart do not overlap.
 */
export interface ReconnectModel {
  connectionsPerTask: number;
  reconnectSpreadSeconds: number;
}

/** Reconnection rate caused by removing `tasks` tasks at once. */
export function reconnectRate(tasks: number, model: ReconnectModel): number {
  return (tasks * model.connectionsPerTask) / model.reconnectSpreadSeconds;
}

/**
 * How many consecutive steps, `intervalSeconds` apart, have their windows open at the same moment:
 * steps i and j overlap iff (j - i) * interval < spread, so this is the smallest L with
 * L * interval >= spread, capped at `stepCount`.
 */
export function overlappingSteps(intervalSeconds: number, spreadSeconds: number, stepCount: number): number {
  if (stepCount <= 1) return stepCount;
  if (intervalSeconds === 0 || !(spreadSeconds / intervalSeconds < stepCount)) return stepCount;
  let overlap = Math.max(1, Math.ceil(spreadSeconds / intervalSeconds));
  // Settle float slips in the division with the same product the definition uses.
  while (overlap > 1 && (overlap - 1) * intervalSeconds >= spreadSeconds) overlap--;
  while (overlap * intervalSeconds < spreadSeconds) overlap++;
  return Math.min(overlap, stepCount);
}

/** Peak new connections per second for steps removing `removals[i]` tasks at i * intervalSeconds. */
export function predictPeakNewConnectionsPerSecond(
  removals: readonly number[],
  intervalSeconds: number,
  model: ReconnectModel,
): number {
  const overlap = overlappingSteps(intervalSeconds, model.reconnectSpreadSeconds, removals.length);
  // Max sum over `overlap` consecutive steps, by a sliding window (linear in steps).
  let window = 0;
  let best = 0;
  for (let i = 0; i < removals.length; i++) {
    window += removals[i] ?? 0;
    if (i >= overlap) window -= removals[i - overlap] ?? 0;
    if (window > best) best = window;
  }
  return reconnectRate(best, model);
}

/**
 * A scheduled callback. `cancel()` keeps it in the heap but skips it (lazy deletion). A class, not a
 * closure per event: the simulator schedules hundreds of thousands of them.
 */
export class ScheduledEvent {
  cancelled = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: (arg: number) => void,
    readonly arg: number,
    readonly wake: boolean,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * A binary min-heap of callbacks ordered by (time, insertion order). Time is simulated
 * milliseconds since the world started; nothing here reads a real clock.
 */
export class EventQueue {
  private heap: ScheduledEvent[] = [];
  private seq = 0;
  private time = 0;
  /** Events run so far (for benchmarks). */
  processed = 0;

  /** Current simulated time in ms. */
  get now(): number {
    return this.time;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Schedule `fn(arg)` at absolute time `at` (clamped to now). `wake` marks a sleeper's wake-up. */
  schedule(at: number, fn: (arg: number) => void, wake = false, arg = 0): ScheduledEvent {
    const event = new ScheduledEvent(Math.max(at, this.time), this.seq++, fn, arg, wake);
    this.push(event);
    return event;
  }

  /** Run every event due at or before `until`, in order, then set the time to `until`. */
  runUntil(until: number): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > until) break;
      this.runTop();
    }
    if (until > this.time) this.time = until;
  }

  /** Run events in order up to and including the next live wake-up event. Returns false when none is queued. */
  runUntilWake(): boolean {
    for (;;) {
      const top = this.heap[0];
      if (!top) return false;
      const wasWake = top.wake && !top.cancelled;
      this.runTop();
      if (wasWake) return true;
    }
  }

  private runTop(): void {
    const event = this.pop();
    if (!event || event.cancelled) return;
    this.time = event.at;
    this.processed++;
    event.fn(event.arg);
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as ScheduledEvent;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  private pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || !last) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let c = heap[left] as ScheduledEvent;
      if (right < n) {
        const r = heap[right] as ScheduledEvent;
        if (before(r, c)) {
          child = right;
          c = r;
        }
      }
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

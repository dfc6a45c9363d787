/** A scheduled callback. `cancel()` keeps it in the heap but skips it (lazy deletion). */
export interface ScheduledEvent {
  readonly at: number;
  cancel(): void;
  readonly cancelled: boolean;
}

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
  wake: boolean;
}

/**
 * A binary min-heap of callbacks ordered by (time, insertion order). Time is simulated
 * milliseconds since the world started; nothing here reads a real clock.
 */
export class EventQueue {
  private heap: Entry[] = [];
  private seq = 0;
  private time = 0;

  /** Current simulated time in ms. */
  get now(): number {
    return this.time;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Schedule `fn` at absolute time `at` (clamped to now). `wake` marks a sleeper's wake-up. */
  schedule(at: number, fn: () => void, wake = false): ScheduledEvent {
    const entry: Entry = { at: Math.max(at, this.time), seq: this.seq++, fn, cancelled: false, wake };
    this.push(entry);
    return {
      at: entry.at,
      cancel: () => {
        entry.cancelled = true;
      },
      get cancelled() {
        return entry.cancelled;
      },
    };
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
    const entry = this.pop();
    if (!entry || entry.cancelled) return;
    this.time = entry.at;
    entry.fn();
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent] as Entry)) break;
      heap[i] = heap[parent] as Entry;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Entry, heap[left] as Entry) ? right : left;
      if (!before(heap[child] as Entry, last)) break;
      heap[i] = heap[child] as Entry;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

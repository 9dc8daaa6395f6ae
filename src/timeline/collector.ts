/**
 * Two settings of V8's garbage collector for perftriage's processes: no allocation-site pretenuring, and
 * a fixed heap growing factor of 2.
 *
 * No pretenuring. V8 watches where objects are allocated, and when most objects of one allocation site
 * survive a young-generation collection it allocates the next ones from that site directly in the old
 * generation. A sampled file's first rows are kept until its budget is reached (downsample.ts), so the
 * parser's record literal looks long-lived; V8 then allocates every later record in the old generation,
 * where nearly all of them die at once (merged into a bucket). On the bench's top file (10,000 snapshots
 * of 200 tasks) that was ~560 MB promoted and 8.3–8.9 s of CPU against ~150 MB and 5.9–6.4 s without
 * pretenuring (four alternating runs each); `report` on the 1 GiB bundle went from ~26.5 s to ~21–22 s at
 * the same peak memory. The strace parser is unaffected (its records die young either way).
 *
 * Heap growing factor 2 (`--heap-growing-percent=100`). After each full collection V8 lets the old
 * generation grow to its live size times a factor before the next one, and it picks the factor from the
 * heap's maximum: under 256 MiB (the parse workers' 128 MiB limit, pool.ts) at most 1.3, so a worker ran a
 * full collection every time its heap grew by a third, at 20–50 MB of heap: 115 full collections for the
 * 1 GiB bundle against 19 without the limit, each one marking on the second core the other worker needed.
 * A factor of 2 keeps the limit (the heap still cannot pass it) and collects half as often as it grows.
 * `report` on the 1 GiB bundle: 10.4–11.5 s against 12.2–13.6 s (alternating, identical reports), peak
 * 380–430 MB against 350–380 MB; on the 4 GiB bundle 32.0–33.2 s against 36.9 s, peak 394–412 MB
 * against 380 MB. Factors 2.5 and 3 were no faster on the 1 GiB bundle and peaked higher (3: 481 MB on
 * the 4 GiB one). The flag is read by V8 at every collection: setting it while the process runs is
 * safe, which is not true of every GC flag (`--single-threaded-gc` set this way crashed V8 in a
 * collection: docs/bench.md).
 *
 * V8 flags are per process: the CLI sets them before any work (main.ts), and so do the parse workers
 * (parse-worker.ts), which run in the CLI's process anyway. A program that imports perftriage's modules
 * and never starts the pool keeps its own settings.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The old generation grows to (1 + this/100) × its live size between full collections (see above). */
export const HEAP_GROWING_PERCENT = 100;

let tuned = false;

export function tuneCollector(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--no-allocation-site-pretenuring');
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

let fullCollection: (() => void) | null | undefined;

/**
 * A full garbage collection now, between two stages of one run. After the parse the main thread's heap
 * holds every file outcome's garbage (~180 MB of heap for ~125 MB live on the bench's 4 GiB bundle), and
 * V8 lets the model, the rules and the report allocate on top of it before it collects: the process
 * peaked there (480–490 MB) rather than during the parse (~400–430 MB). Collecting after the timeline
 * and after the analysis (~0.1 s each) brought the peak to ~440 MB. V8 only hands out `gc` behind a flag:
 * it is set here and the function taken from a fresh context. Returns false (and does nothing) where that
 * is not possible.
 */
export function collectGarbage(): boolean {
  if (fullCollection === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
      fullCollection = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      fullCollection = null;
    }
  }
  if (fullCollection === null) return false;
  fullCollection();
  return true;
}

/**
 * Below this much used heap a stage boundary is no place for a full collection. The collections above
 * were made for the 4 GiB bundle, whose main thread holds 240–260 MB of heap after the analysis: they
 * keep its peak at ~440 MB instead of ~460 MB. On the 1 GiB bundle the main heap is 165–190 MB at both
 * points, the peak is set during the parse (~410 MB with or without them), and the two collections were
 * ~0.24 s of the report's serial tail for nothing (session 15, docs/bench.md).
 */
export const FULL_COLLECTION_MIN_HEAP_BYTES = 200 * 1024 * 1024;

/** collectGarbage, only when the heap in use is at least `minBytes`: whether it collected. */
export function collectGarbageAbove(minBytes: number = FULL_COLLECTION_MIN_HEAP_BYTES): boolean {
  if (getHeapStatistics().used_heap_size < minBytes) return false;
  return collectGarbage();
}

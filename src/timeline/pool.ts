/**
 * Parse files in worker threads: one file per worker at a time, `jobs` workers. The main thread keeps
 * reading the bundle (folders several files at once, archives front to back) and posts each file's
 * chunks to a free worker; the worker runs the same readFile as the main thread would and posts the
 * outcome back. Bytes in flight per file are bounded (FLIGHT_BYTES): a slow parser slows the reading,
 * it never makes the main thread buffer a file.
 *
 * The outcome does not depend on the pool: the same code parses the same bytes, and the timeline sorts
 * outcomes by path, so `--jobs 1` and `--jobs N` give byte-identical output.
 */
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { BundleEntry } from '../bundle/bundle.js';
import type { FileOutcome, SeriesBudget } from './build.js';
import type { AnyTailOutput } from '../parsers/segments.js';

/**
 * Messages to a worker. `bytes`: a copy of one chunk, transferred. A split strace file (build.ts
 * planSplit) is opened on two workers: `role` 'head' (its first part; it then gets the tail's output,
 * and may ask for the rest of the file) and 'tail' (the second part, `warm` the bytes before the cut).
 */
export type ToWorker =
  | OpenFile
  | { t: 'open'; id: number; entry: BundleEntry; role: 'tail'; variant: string; warm: FileRange; source: FileRange; fast: boolean }
  | { t: 'chunk'; id: number; bytes: Uint8Array }
  | { t: 'end'; id: number }
  | { t: 'tail'; id: number; output: AnyTailOutput | undefined };

/** Bytes [start, end) of a folder bundle's file, read by the worker itself (bundle readRange). */
export interface FileRange {
  path: string;
  start: number;
  end: number;
}

function isFileRange(source: AsyncIterable<Buffer> | FileRange): source is FileRange {
  return typeof (source as FileRange).path === 'string' && !(Symbol.asyncIterator in source);
}

export interface OpenFile {
  t: 'open';
  id: number;
  entry: BundleEntry;
  forced?: string;
  manifestTool?: string;
  manifestCommand?: string;
  summarize: boolean;
  recordBudget: number;
  seriesBudget: SeriesBudget | undefined;
  seriesShare: number;
  noFastStrace?: boolean | undefined;
  /** A split file's head: reads `source` itself, then `rest` when the tail's output cannot be merged. */
  role?: 'head';
  /** The head is read by the fast strace reader (its tail too). */
  fast?: boolean;
  /** The bytes to read from the disk (a folder bundle's file, or a split file's head); else they are posted. */
  source?: FileRange;
  rest?: FileRange;
}

/**
 * Messages from a worker: a chunk taken by the parser, the file's outcome, or why it failed; a tail's
 * output; a head asking for the bytes after the cut (the tail could not be merged).
 */
export type FromWorker =
  | { t: 'ack'; id: number; bytes: number }
  /**
   * The file is read and its outcome ('done') follows: the lane may take its next file now. Posting the
   * outcome serializes it on the worker and receiving it deserializes it on the main thread (50-130 ms
   * for a sampled file's outcome on the bench's bundle): the next file's 'open' then waited for both.
   */
  | { t: 'free'; id: number }
  | { t: 'done'; id: number; outcome: FileOutcome }
  | { t: 'fail'; id: number; message: string; outOfMemory?: boolean }
  | { t: 'tail-done'; id: number; output: AnyTailOutput };

/** How the bytes of one file go to its worker: the bytes posted and not yet taken, and who waits for room. */
interface Feed {
  inFlight: number;
  taken: number;
  resume: (() => void) | undefined;
  stopped: boolean;
  /** The lane was given back (on 'free', or when the file ended without one). */
  released: boolean;
}

/** A split strace file (build.ts planSplit): where its local file is and where it is cut. */
export interface SplitParts {
  variant: string;
  path: string;
  size: number;
  cut: number;
  warmStart: number;
  /** Both parts are read by the fast strace reader (SplitPlan.fast). */
  fast: boolean;
}

/** Old-generation heap of a parse worker by default, MiB (`--worker-heap`; 0: no limit). */
export const WORKER_HEAP_MB = 128;

/**
 * Young generation of a limited parse worker, MiB. Smaller ones promote the sampled files' bucket rows
 * before they die and the old generation then collects far more often: on the bench's 1 GiB bundle
 * `report` took ~30 s with 8 MiB and ~25–28 s with 16, at the same peak (docs/bench.md). 32 MiB was
 * measured in session 8 (18.1 s against 19.0 s, but 449 MB peak on the 4 GiB bundle) and left out to keep
 * a margin under the 500 MB target. Session 15, once the old generation grew by 2× between full
 * collections (collector.ts): 10.26–10.33 s against 10.54–11.46 s (three alternating pairs; 48 MiB made
 * 546 scavenges against 958), peak 425–435 MB against 405–415 MB on 1 GiB and 436–446 MB against
 * 395–412 MB on 4 GiB: still ~50 MB under the target.
 */
export const WORKER_YOUNG_MB = 32;

/**
 * Young generation of the workers of a bundle that is one strace file read as a head and a tail
 * (build.ts planSplit), MiB. Both workers read strace, whose garbage dies young (the bucket rows that
 * made 32 MiB worth it are the sampled files'): on the bench's 1 GiB trace 16 MiB peaked at 265–282 MB
 * against 297–320 MB, at the same speed (6.4–6.5 s against 6.2–6.7 s; session 16, docs/bench.md).
 */
export const SPLIT_WORKER_YOUNG_MB = 16;

/**
 * Heap limits of a parse worker, `heapMb` of old generation and `youngMb` of young (undefined for 0: no
 * limit), applied when a file can be read again should its worker run out of memory (buildTimeline then
 * parses it on the main thread). A parser's state is bounded by design (strace aggregates capped, sampled
 * series merged past SERIES_MAX_ROWS), but without a limit V8 lets a worker's heap grow far past what it
 * holds alive. On the bench's 1 GiB bundle `report` peaked at ~510–550 MB without limits and ~370 MB with
 * 128 MiB, for ~20 % more time: under 256 MiB V8 grows a heap by at most 1.3× between full collections.
 * With the growing factor set to 2 (collector.ts) the two are ~400–420 MB and ~395 MB, ~5 % apart in
 * time (session 15, docs/bench.md).
 */
export function workerHeapLimits(heapMb: number, youngMb = WORKER_YOUNG_MB): ResourceLimits | undefined {
  return heapMb > 0 ? { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: youngMb } : undefined;
}

/** A worker that stopped: `outOfMemory` when it went past its heap limit (the file may be read again). */
export class WorkerStopped extends Error {
  constructor(
    message: string,
    readonly outOfMemory: boolean,
  ) {
    super(message);
  }
}

/** Bytes of one file posted to its worker and not yet taken by the parser. */
const FLIGHT_BYTES = 8 * 1024 * 1024;

export interface PoolFile {
  entry: BundleEntry;
  forced: string | undefined;
  manifestTool: string | undefined;
  manifestCommand: string | undefined;
  summarize: boolean;
  recordBudget: number;
  /** Rows a sampled file keeps before merging; undefined: its parser's default (ParserMeta.seriesMaxRows). */
  seriesBudget: SeriesBudget | undefined;
  /** The file's share of its bundle's series rows (build.ts seriesShare). */
  seriesShare: number;
  /** Read strace with the string reader only (TimelineOptions.noFastStrace). */
  noFastStrace?: boolean | undefined;
}

/** The message that opens a file on a worker. */
function openMessage(id: number, file: PoolFile): OpenFile {
  return { t: 'open', id, entry: file.entry, forced: file.forced, manifestTool: file.manifestTool, manifestCommand: file.manifestCommand, summarize: file.summarize, recordBudget: file.recordBudget, seriesBudget: file.seriesBudget, seriesShare: file.seriesShare, noFastStrace: file.noFastStrace };
}

/** A file's outcome, and how its worker's messages settle it. */
function pendingOutcome(): { outcome: Promise<FileOutcome>; settle: { resolve: (o: FileOutcome) => void; reject: (e: Error) => void } } {
  let settle!: { resolve: (o: FileOutcome) => void; reject: (e: Error) => void };
  const outcome = new Promise<FileOutcome>((resolve, reject) => (settle = { resolve, reject }));
  // A worker can die (out of memory) while its file's chunks are still being posted, before the caller
  // holds the outcome: its rejection must not count as unhandled meanwhile. The caller still gets it.
  outcome.catch(() => {});
  return { outcome, settle };
}

interface Lane {
  worker: Worker;
  /** The file this worker reads now. */
  busy: boolean;
  /**
   * Called on every message of a file, by file id: the file being read, and one that said 'free' and
   * whose outcome is still on its way.
   */
  listeners: Map<number, (m: FromWorker) => void>;
}

export class ParsePool {
  private readonly lanes: Lane[] = [];
  private readonly waiting: ((lane: Lane) => void)[] = [];
  private nextId = 1;
  private retiring = false;

  /** @param limits per-worker heap limits (workerHeapLimits; tests make a worker run out of memory with tiny ones). */
  constructor(
    readonly jobs: number,
    private readonly limits?: ResourceLimits,
  ) {}

  /**
   * Read one file in a worker: resolves once every chunk was handed over (the caller may open the next
   * file), with `outcome`, which resolves once the worker parsed it. A FileRange (a folder bundle's file)
   * is read by the worker itself: copying a file's chunks and posting them cost the main thread a core's
   * fifth, taken from the workers on a 2-core machine.
   */
  async parse(file: PoolFile, chunks: AsyncIterable<Buffer> | FileRange, onBytes?: (bytesSoFar: number) => void): Promise<{ outcome: Promise<FileOutcome> }> {
    const lane = await this.acquire();
    const id = this.nextId++;
    const { outcome, settle } = pendingOutcome();
    const feed = this.attach(lane, id, onBytes, (m) => {
      this.detach(lane, feed, id);
      if (m.t === 'done') settle.resolve(m.outcome);
      else if (m.t === 'fail') settle.reject(new WorkerStopped(m.message, m.outOfMemory === true));
    });
    if (isFileRange(chunks)) {
      lane.worker.postMessage({ ...openMessage(id, file), source: chunks } satisfies ToWorker);
      return { outcome };
    }
    lane.worker.postMessage(openMessage(id, file) satisfies ToWorker);
    await this.pump(lane, id, feed, chunks);
    return { outcome };
  }

  /**
   * Read a strace file split in two on two workers (parsers/segments.ts), each reading its part from the
   * disk itself (the main thread would otherwise spend a core's fifth copying chunks): the tail's output
   * goes to the head, which merges it or reads the tail's bytes itself. Resolves once both started.
   */
  async parseSplit(file: PoolFile, parts: SplitParts, onBytes?: (bytesSoFar: number) => void): Promise<{ outcome: Promise<FileOutcome> }> {
    const { path, size, cut, warmStart, fast } = parts;
    const headId = this.nextId++;
    const tailId = this.nextId++;
    let headTaken = 0;
    let tailTaken = 0;
    const { outcome, settle } = pendingOutcome();
    // The tail starts on the first free lane, the head on the next. A tail never waits for anything,
    // so a head waiting for its tail's output always gets it, however many files are split.
    const tail = await this.acquire();
    let tailOutput: ((head: Lane) => void) | undefined;
    let headLane: Lane | undefined;
    let headOpen = true;
    const tailFeed = this.attach(
      tail,
      tailId,
      (taken) => onBytes?.(Math.min(size, headTaken + (tailTaken = taken))),
      (m) => {
        this.detach(tail, tailFeed, tailId);
        // A tail that failed is no output: the head reads the tail's bytes itself.
        const output = m.t === 'tail-done' ? m.output : undefined;
        tailOutput = (head) => {
          if (headOpen) head.worker.postMessage({ t: 'tail', id: headId, output } satisfies ToWorker);
        };
        if (headLane) tailOutput(headLane);
      },
    );
    tail.worker.postMessage({ t: 'open', id: tailId, entry: file.entry, role: 'tail', variant: parts.variant, warm: { path, start: warmStart, end: cut }, source: { path, start: cut, end: size }, fast } satisfies ToWorker);
    const head = await this.acquire();
    const headFeed = this.attach(
      head,
      headId,
      // Capped: a head that reads the tail's bytes again counts them twice.
      (taken) => onBytes?.(Math.min(size, (headTaken = taken) + tailTaken)),
      (m) => {
        headOpen = false;
        this.detach(head, headFeed, headId);
        if (m.t === 'done') settle.resolve(m.outcome);
        else if (m.t === 'fail') settle.reject(new WorkerStopped(m.message, m.outOfMemory === true));
      },
    );
    head.worker.postMessage({ ...openMessage(headId, file), role: 'head', fast, source: { path, start: 0, end: cut }, rest: { path, start: cut, end: size } } satisfies ToWorker);
    headLane = head;
    tailOutput?.(head);
    return { outcome };
  }

  /** Listen to `lane` for file `id`: acks pace the feed, every other message goes to `onMessage`. */
  private attach(lane: Lane, id: number, onBytes: ((taken: number) => void) | undefined, onMessage: (m: FromWorker) => void): Feed {
    const feed: Feed = { inFlight: 0, taken: 0, resume: undefined, stopped: false, released: false };
    lane.listeners.set(id, (m) => {
      if (m.t === 'free') {
        this.giveBack(lane, feed);
        return;
      }
      if (m.t === 'ack') {
        feed.inFlight -= m.bytes;
        feed.taken += m.bytes;
        onBytes?.(feed.taken);
        if (feed.inFlight <= FLIGHT_BYTES) feed.resume?.();
        return;
      }
      onMessage(m);
    });
    return feed;
  }

  /** The file on `lane` is done (or failed): free the lane, stop feeding it. */
  private detach(lane: Lane, feed: Feed, id: number): void {
    lane.listeners.delete(id);
    feed.stopped = true;
    this.giveBack(lane, feed);
    feed.resume?.();
    if (this.retiring && !lane.busy && lane.listeners.size === 0) this.retire(lane);
  }

  /** The lane's worker may read another file (once per file). */
  private giveBack(lane: Lane, feed: Feed): void {
    if (feed.released) return;
    feed.released = true;
    this.release(lane);
  }

  /** Post `chunks` to the worker, at most FLIGHT_BYTES not yet taken, then the end. */
  private async pump(lane: Lane, id: number, feed: Feed, chunks: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of chunks) {
      if (feed.stopped) break;
      // A copy: the stream's buffer may share memory with others, and transfer detaches it.
      const bytes = new Uint8Array(chunk);
      feed.inFlight += bytes.length;
      lane.worker.postMessage({ t: 'chunk', id, bytes } satisfies ToWorker, [bytes.buffer as ArrayBuffer]);
      while (feed.inFlight > FLIGHT_BYTES && !feed.stopped) await new Promise<void>((r) => (feed.resume = r));
      feed.resume = undefined;
    }
    if (!feed.stopped) lane.worker.postMessage({ t: 'end', id } satisfies ToWorker);
  }

  /** Workers running now (idle ones included). */
  get workers(): number {
    return this.lanes.length;
  }

  /**
   * No more files will come (the bundle's walk is over): stop each worker as soon as it is idle. An idle
   * worker keeps its heap, garbage and all (up to its limit), while the main thread gathers the outcomes.
   */
  retireIdle(): void {
    this.retiring = true;
    // A lane whose last outcome is still on its way is retired once it arrives (detach).
    for (const lane of this.lanes.filter((l) => !l.busy && l.listeners.size === 0)) this.retire(lane);
  }

  private retire(lane: Lane): void {
    const at = this.lanes.indexOf(lane);
    if (at >= 0) this.lanes.splice(at, 1);
    void lane.worker.terminate();
  }

  /** Stop the workers (pending files are lost: call after every outcome settled). */
  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
    this.lanes.length = 0;
  }

  /** Start up to `count` workers now, idle, so that their start-up overlaps the caller's own work. */
  start(count: number): void {
    while (this.lanes.length < Math.min(count, this.jobs)) this.release(this.newLane());
  }

  private async acquire(): Promise<Lane> {
    this.retiring = false;
    const idle = this.lanes.find((l) => !l.busy);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (this.lanes.length < this.jobs) return this.newLane();
    return new Promise<Lane>((resolve) => this.waiting.push(resolve));
  }

  /** A new worker, busy (its caller gives it a file, or releases it). */
  private newLane(): Lane {
    const lane: Lane = { worker: new Worker(new URL('./parse-worker.js', import.meta.url), this.limits ? { resourceLimits: this.limits } : {}), busy: true, listeners: new Map() };
    lane.worker.on('message', (m: FromWorker) => lane.listeners.get(m.id)?.(m));
    // A worker that died (out of memory, a bug) fails its file and is replaced by a new one on demand.
    const lost = (why: string, outOfMemory = false): void => {
      const at = this.lanes.indexOf(lane);
      if (at >= 0) this.lanes.splice(at, 1);
      // Every file it still owed something: the one it read, and one whose outcome was on its way.
      for (const [id, listener] of [...lane.listeners]) listener({ t: 'fail', id, message: `the parse worker stopped: ${why}`, outOfMemory });
    };
    lane.worker.on('error', (err) => lost(err.message, (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'));
    // An exit without an error (killed, out of memory) must fail its file too, or its outcome would
    // never settle. close() terminates idle workers: no listener then, nothing to fail.
    lane.worker.on('exit', (code) => lost(`exit code ${code}`));
    this.lanes.push(lane);
    return lane;
  }

  private release(lane: Lane): void {
    if (!this.lanes.includes(lane)) {
      // Dead: a waiting file gets a new worker instead.
      const next = this.waiting.shift();
      if (next) void this.acquire().then(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(lane);
    else if (this.retiring && lane.listeners.size === 0) this.retire(lane);
    else lane.busy = false;
  }
}

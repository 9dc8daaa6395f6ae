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

/** Messages to a worker. `bytes`: a copy of one chunk, transferred. */
export type ToWorker =
  | { t: 'open'; id: number; entry: BundleEntry; forced?: string; manifestTool?: string; manifestCommand?: string; summarize: boolean; recordBudget: number; seriesBudget: SeriesBudget | undefined; seriesShare: number }
  | { t: 'chunk'; id: number; bytes: Uint8Array }
  | { t: 'end'; id: number };

/** Messages from a worker: a chunk taken by the parser, the file's outcome, or why it failed. */
export type FromWorker = { t: 'ack'; id: number; bytes: number } | { t: 'done'; id: number; outcome: FileOutcome } | { t: 'fail'; id: number; message: string; outOfMemory?: boolean };

/** Old-generation heap of a parse worker by default, MiB (`--worker-heap`; 0: no limit). */
export const WORKER_HEAP_MB = 128;

/**
 * Young generation of a limited parse worker, MiB. Smaller ones promote the sampled files' bucket rows
 * before they die and the old generation then collects far more often: on the bench's 1 GiB bundle
 * `report` took ~30 s with 8 MiB and ~25–28 s with 16, at the same peak (docs/bench.md).
 */
export const WORKER_YOUNG_MB = 16;

/**
 * Heap limits of a parse worker, `heapMb` of old generation and WORKER_YOUNG_MB of young (undefined for 0: no
 * limit), applied when a file can be read again should its worker run out of memory (buildTimeline then
 * parses it on the main thread). A parser's state is bounded by design (strace aggregates capped, sampled
 * series merged past SERIES_MAX_ROWS), but without a limit V8 lets a worker's heap grow far past what it
 * holds alive. On the bench's 1 GiB bundle `report` peaks at ~600 MB without limits and ~420–440 MB with
 * 128 MiB, for ~10 % more time (~45 % before pretenuring was turned off: collector.ts); docs/bench.md.
 */
export function workerHeapLimits(heapMb: number): ResourceLimits | undefined {
  return heapMb > 0 ? { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_MB } : undefined;
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
}

interface Lane {
  worker: Worker;
  /** Id of the file this worker reads now. */
  id: number;
  /** The file this worker reads now. */
  busy: boolean;
  /** Called on every message of the current file. */
  listener: ((m: FromWorker) => void) | undefined;
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
   * Read one file in a worker: resolves `posted` once every chunk was handed over (the caller may open
   * the next file), and `outcome` once the worker parsed it.
   */
  async parse(file: PoolFile, chunks: AsyncIterable<Buffer>, onBytes?: (bytesSoFar: number) => void): Promise<{ outcome: Promise<FileOutcome> }> {
    const lane = await this.acquire();
    const id = this.nextId++;
    lane.id = id;
    let inFlight = 0;
    let taken = 0;
    let resume: (() => void) | undefined;
    let settle!: { resolve: (o: FileOutcome) => void; reject: (e: Error) => void };
    const outcome = new Promise<FileOutcome>((resolve, reject) => (settle = { resolve, reject }));
    lane.listener = (m) => {
      if (m.id !== id) return;
      if (m.t === 'ack') {
        inFlight -= m.bytes;
        taken += m.bytes;
        onBytes?.(taken);
        if (inFlight <= FLIGHT_BYTES) resume?.();
        return;
      }
      lane.listener = undefined;
      this.release(lane);
      resume?.();
      if (m.t === 'done') settle.resolve(m.outcome);
      else settle.reject(new WorkerStopped(m.message, m.outOfMemory === true));
    };
    const post = (m: ToWorker, transfer?: ArrayBuffer[]): void => lane.worker.postMessage(m, transfer);
    post({ t: 'open', id, entry: file.entry, forced: file.forced, manifestTool: file.manifestTool, manifestCommand: file.manifestCommand, summarize: file.summarize, recordBudget: file.recordBudget, seriesBudget: file.seriesBudget, seriesShare: file.seriesShare });
    let failed = false;
    outcome.catch(() => (failed = true));
    for await (const chunk of chunks) {
      if (failed) break;
      // A copy: the stream's buffer may share memory with others, and transfer detaches it.
      const bytes = new Uint8Array(chunk);
      inFlight += bytes.length;
      post({ t: 'chunk', id, bytes }, [bytes.buffer as ArrayBuffer]);
      while (inFlight > FLIGHT_BYTES && !failed && lane.listener !== undefined) await new Promise<void>((r) => (resume = r));
      resume = undefined;
    }
    post({ t: 'end', id });
    return { outcome };
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
    for (const lane of this.lanes.filter((l) => !l.busy)) this.retire(lane);
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

  private async acquire(): Promise<Lane> {
    this.retiring = false;
    const idle = this.lanes.find((l) => !l.busy);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (this.lanes.length < this.jobs) {
      const lane: Lane = { worker: new Worker(new URL('./parse-worker.js', import.meta.url), this.limits ? { resourceLimits: this.limits } : {}), id: 0, busy: true, listener: undefined };
      lane.worker.on('message', (m: FromWorker) => lane.listener?.(m));
      // A worker that died (out of memory, a bug) fails its file and is replaced by a new one on demand.
      const lost = (why: string, outOfMemory = false): void => {
        const at = this.lanes.indexOf(lane);
        if (at >= 0) this.lanes.splice(at, 1);
        lane.listener?.({ t: 'fail', id: lane.id, message: `the parse worker stopped: ${why}`, outOfMemory });
      };
      lane.worker.on('error', (err) => lost(err.message, (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'));
      // An exit without an error (killed, out of memory) must fail its file too, or its outcome would
      // never settle. close() terminates idle workers: no listener then, nothing to fail.
      lane.worker.on('exit', (code) => lost(`exit code ${code}`));
      this.lanes.push(lane);
      return lane;
    }
    return new Promise<Lane>((resolve) => this.waiting.push(resolve));
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
    else if (this.retiring) this.retire(lane);
    else lane.busy = false;
  }
}

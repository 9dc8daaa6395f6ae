/**
 * Counting real bytes while files stream to the visitor, and handing each file over as a Readable.
 * Size headers of an archive are claims; these counters are what was actually read, so a zip bomb or
 * a lying header stops at a cap however it is built.
 */
import { Readable } from 'node:stream';
import type { BundleEntry, EntryVisitor, RangeReader, ReadContext } from './types.js';
import { CAP, CapReached, formatBytes } from './diagnostics.js';

/** Compressed data that inflates to less than this is never cut by the ratio cap (tiny repetitive files compress very well). */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

/** Is `inflated` bytes out of `compressed` bytes in over the ratio cap? */
export function overRatio(inflated: number, compressed: number, ratio: number): boolean {
  return ratio !== Infinity && inflated > RATIO_FLOOR_BYTES && inflated > compressed * ratio;
}

type Cap = 'entry' | 'total' | 'ratio' | 'zip-ratio';

export interface MeterOptions {
  /** For a zip entry: its compressed size, for the per-entry and whole-zip ratio caps. */
  compressedSize?: number;
  /** Report an error of the source (corrupt data, I/O): the stream then ends with what was read. */
  onError(err: unknown): void;
}

/** One walk over a bundle (one `forEach` call): totals and whether a cap stopped it. */
export class ReadMeter {
  /** Set when a cap was reached: read no further file. */
  stopped = false;
  private totalBytes = 0;
  private zipCompressed = 0;
  private zipInflated = 0;

  constructor(private readonly ctx: ReadContext) {}

  /**
   * The chunks of `source`, counted. When a cap is reached the file is cut at the cap, a diagnostic is
   * added, the walk is marked stopped and the generator ends. Errors of the source end it the same way.
   */
  async *metered(entry: BundleEntry, source: AsyncIterable<Buffer>, options: MeterOptions): AsyncGenerator<Buffer> {
    const compressed = options.compressedSize;
    if (compressed !== undefined) this.zipCompressed += compressed;
    let entryBytes = 0;
    try {
      for await (const chunk of source) {
        const { room, cap } = this.tightestCap(entryBytes, compressed);
        const take = Math.min(chunk.length, Math.max(0, room));
        if (take > 0) {
          entryBytes += take;
          this.totalBytes += take;
          if (compressed !== undefined) this.zipInflated += take;
          yield take === chunk.length ? chunk : chunk.subarray(0, take);
        }
        if (take < chunk.length) {
          this.capReached(entry, cap, entryBytes, compressed);
          return;
        }
      }
    } catch (err) {
      if (err instanceof CapReached) {
        this.stopped = true;
        this.ctx.sink.once(err.key, err.diagnostic);
      } else {
        options.onError(err);
      }
    }
  }

  /** How many more bytes this file may deliver, and which cap sets that. */
  private tightestCap(entryBytes: number, compressed: number | undefined): { room: number; cap: Cap } {
    const { maxEntryBytes, maxTotalBytes, maxCompressionRatio } = this.ctx.limits;
    const rooms: [number, Cap][] = [
      [maxEntryBytes - entryBytes, 'entry'],
      [maxTotalBytes - this.totalBytes, 'total'],
    ];
    if (compressed !== undefined) {
      rooms.push([ratioRoom(entryBytes, compressed, maxCompressionRatio), 'ratio']);
      rooms.push([ratioRoom(this.zipInflated, this.zipCompressed, maxCompressionRatio), 'zip-ratio']);
    }
    let [room, cap] = rooms[0]!;
    for (const [r, c] of rooms) if (r < room) [room, cap] = [r, c];
    return { room, cap };
  }

  private capReached(entry: BundleEntry, cap: Cap, entryBytes: number, compressed: number | undefined): void {
    this.stopped = true;
    const { archive, limits } = this.ctx;
    const file = JSON.stringify(entry.path);
    const cut = `${formatBytes(entryBytes)} and nothing after it is read`;
    const ratio = limits.maxCompressionRatio;
    const message =
      cap === 'entry'
        ? `${file} is bigger than the ${formatBytes(limits.maxEntryBytes)} cap for one file; it is cut after ${cut}`
        : cap === 'total'
          ? `the files read add up to the ${formatBytes(limits.maxTotalBytes)} cap; ${file} is cut after ${cut}`
          : cap === 'ratio'
            ? `${file} inflates to more than ${ratio} times its compressed size (${formatBytes(entryBytes)} out of ${formatBytes(compressed ?? 0)}), like a zip bomb; it is cut after ${cut}`
            : `the zip inflates to more than ${ratio} times its compressed size, like a zip bomb; ${file} is cut after ${cut}`;
    this.ctx.sink.once(`cap:${cap}`, {
      severity: 'warning',
      code: CAP,
      message: `${archive}: ${message}`,
      file: entry.path,
    });
  }
}

function ratioRoom(inflated: number, compressed: number, ratio: number): number {
  if (ratio === Infinity) return Infinity; // cap disabled (and 0 * Infinity would be NaN)
  return Math.max(RATIO_FLOOR_BYTES, compressed * ratio) - inflated;
}

/**
 * Give one file to the visitor as a Readable over `chunks` and wait for it. Afterwards the Readable is
 * destroyed and its generator finished, so the reader can move on (or skip what was left unread).
 */
export async function deliver(entry: BundleEntry, chunks: AsyncIterable<Buffer>, visit: EntryVisitor, ranges?: RangeReader): Promise<void> {
  const stream = Readable.from(chunks, { objectMode: false });
  // The generator never throws; an 'error' can only come from the visitor destroying the stream (breaking
  // out of `for await` destroys it with an AbortError). That is the visitor's choice, not a failure.
  stream.on('error', () => {});
  try {
    await visit(entry, stream, ranges);
  } finally {
    if (!stream.closed) {
      const closed = new Promise((resolve) => stream.once('close', resolve));
      stream.destroy();
      await closed;
    }
  }
}

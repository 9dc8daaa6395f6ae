/**
 * `.tar` and `.tar.gz`, read as streams with the `tar` package's Parser; nothing is ever written to disk.
 *
 * Two passes over the archive. Pass 1 (openBundle) lists the entries and keeps the bytes of the one
 * or two entries that can be the root `manifest.json` (at most 1 MiB each). Pass 2 (forEach) streams the
 * listed entries to the visitor in archive order; a `filter` makes the Parser skip the others without
 * handing them over. Entries are matched between passes by their ordinal among the Parser's entries.
 * Memory stays at a few chunks: each entry is pulled through a Readable, and the Parser is written to only
 * when the current entry has drained.
 *
 * Gzip is inflated here with node:zlib (not by the Parser) so the ratio cap counts real bytes and
 * inflation honours backpressure.
 */
import { once } from 'node:events';
import { Parser, type ReadEntry } from 'tar';
import type { BundleEntry, EntryVisitor, ReadContext } from './types.js';
import { Listing, type ListingResult, type RawKind } from './listing.js';
import { CORRUPT, CapReached, errorText } from './diagnostics.js';
import { MANIFEST_MAX_BYTES } from './manifest.js';
import { ReadMeter, deliver } from './meter.js';
import { fileChunks, memberChunks } from './sources.js';

export interface TarListing extends ListingResult<number> {
  manifestBytes?: Buffer | 'too-big';
}

function rawKind(type: string): RawKind {
  switch (type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    case 'CharacterDevice':
      return 'character-device';
    case 'BlockDevice':
      return 'block-device';
    case 'FIFO':
      return 'fifo';
    default:
      return 'unsupported';
  }
}

/** The Parser options both passes share, so both see the same entries in the same order. */
function newParser(filter?: (path: string, entry: object) => boolean): Parser {
  // gzip is inflated before the Parser; brotli/zstd detection would only misread odd data.
  return new Parser({ strict: false, brotli: false, zstd: false, ...(filter ? { filter } : {}) });
}

/**
 * Write chunks into the Parser, waiting for 'drain' when the current entry is full, until the source ends
 * (then end the Parser) or `signal` aborts. Errors of the source are handed to `onError`, then the Parser
 * is ended so a half-written entry ends instead of waiting forever.
 */
async function feed(chunks: AsyncIterable<Buffer>, parser: Parser, signal: AbortSignal, onError: (err: unknown) => void): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (signal.aborted) return;
      if (!parser.write(chunk)) await once(parser, 'drain', { signal });
    }
  } catch (err) {
    if (signal.aborted) return;
    onError(err);
  }
  if (!signal.aborted) parser.end();
}

/** Report an error of the byte stream (cut or corrupt gzip, I/O), once per bundle whichever pass meets it. */
function streamError(ctx: ReadContext, err: unknown, inEntry: string | undefined): void {
  if (err instanceof CapReached) {
    ctx.sink.once(err.key, err.diagnostic);
    return;
  }
  const where = inEntry === undefined ? 'before the first entry' : `inside or after entry ${JSON.stringify(inEntry)}`;
  ctx.sink.once('tar:stream', {
    severity: 'error',
    code: CORRUPT,
    message: `${ctx.archive}: the archive is cut or corrupt ${where} (${errorText(err)}); what came before is kept, nothing after is read`,
    ...(inEntry === undefined ? {} : { file: inEntry }),
  });
}

/** Pass 1: list the entries, keep the manifest candidates' bytes. */
export async function listTar(path: string, gzip: boolean, ctx: ReadContext): Promise<TarListing> {
  const listing = new Listing<number>(ctx, true);
  const manifestCandidates = new Map<number, Buffer | 'too-big'>();
  const parser = newParser();
  const abort = new AbortController();
  let ordinal = 0;
  let current: string | undefined;
  let sawEnd = false;
  let streamFailed = false;
  let warned = false;

  parser.on('entry', (entry: ReadEntry) => {
    const index = ordinal++;
    current = entry.path;
    const kind = rawKind(entry.type);
    if (!listing.stopped && !listing.add({ name: entry.path, kind, size: entry.size, handle: index })) abort.abort();
    if (!listing.stopped && kind === 'file' && listing.maybeManifest(entry.path)) collectSmall(entry, index, manifestCandidates);
    else entry.resume();
  });
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    current = entry.path;
    const what = entry.meta ? `an extended header bigger than the Parser accepts` : `tar entry type ${entry.type}, which perftriage does not read`;
    listing.add({ name: entry.path, kind: 'unsupported', handle: -1, detail: what });
  });
  parser.on('eof', () => {
    sawEnd = true;
  });
  parser.on('warn', (code: string, message: string, data: { entry?: { path?: string } }) => {
    if (streamFailed) return; // the stream error already explains the truncation
    // The Parser calls an archive of nothing but its end marker "unrecognized"; it is just empty.
    if (code === 'TAR_BAD_ARCHIVE' && sawEnd && ordinal === 0) return;
    const name = data.entry?.path ?? current;
    warned = true;
    ctx.sink.add({
      severity: 'error',
      code: CORRUPT,
      message: `${ctx.archive}: ${message}${name === undefined ? '' : ` (at entry ${JSON.stringify(name)})`} [${code}]`,
      ...(name === undefined ? {} : { file: name }),
    });
  });
  parser.on('error', (err: unknown) => streamError(ctx, err, current));

  const done = new Promise<void>((resolve) => {
    parser.once('end', resolve);
    parser.once('error', () => resolve());
  });
  await feed(fileChunks(path, gzip, ctx, 'the archive'), parser, abort.signal, (err) => {
    streamFailed = true;
    streamError(ctx, err, current);
  });
  if (!abort.signal.aborted) await done;
  if (!sawEnd && !streamFailed && !warned && !abort.signal.aborted) {
    ctx.sink.add({
      severity: 'warning',
      code: CORRUPT,
      message: `${ctx.archive}: the archive ends without its end-of-archive marker; it may be cut short${current === undefined ? '' : ` after entry ${JSON.stringify(current)}`}`,
    });
  }
  const result: TarListing = listing.finish();
  if (result.manifest !== undefined) {
    const bytes = manifestCandidates.get(result.manifest);
    if (bytes !== undefined) result.manifestBytes = bytes;
  }
  return result;
}

/** Keep up to MANIFEST_MAX_BYTES of an entry's bytes, or note it is bigger. */
function collectSmall(entry: ReadEntry, index: number, into: Map<number, Buffer | 'too-big'>): void {
  if (entry.size > MANIFEST_MAX_BYTES) {
    into.set(index, 'too-big');
    entry.resume();
    return;
  }
  const parts: Buffer[] = [];
  entry.on('data', (chunk: Buffer) => parts.push(chunk));
  entry.on('end', () => into.set(index, Buffer.concat(parts)));
}

/** A FIFO of entries handed over by the Parser, awaited one at a time. */
class EntryQueue {
  private readonly items: ReadEntry[] = [];
  private waiting: ((entry: ReadEntry | undefined) => void) | undefined;
  private closed = false;

  push(entry: ReadEntry): void {
    if (this.waiting) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake(entry);
    } else this.items.push(entry);
  }

  close(): void {
    this.closed = true;
    if (this.waiting) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake(undefined);
    }
  }

  /** The next entry, or undefined once the Parser is done. */
  next(): Promise<ReadEntry | undefined> {
    const item = this.items.shift();
    if (item) return Promise.resolve(item);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

/** Pass 2: stream the listed entries (`accepted` by ordinal) to the visitor in archive order. */
export async function walkTar(path: string, gzip: boolean, accepted: ReadonlyMap<number, BundleEntry>, ctx: ReadContext, visit: EntryVisitor): Promise<void> {
  if (accepted.size === 0) return;
  const meter = new ReadMeter(ctx);
  const ordinals = new WeakMap<object, number>();
  let ordinal = 0;
  const parser = newParser((_path, entry) => {
    const index = ordinal++;
    ordinals.set(entry, index);
    return accepted.has(index);
  });
  const queue = new EntryQueue();
  parser.on('entry', (entry: ReadEntry) => queue.push(entry));
  parser.on('end', () => queue.close());
  parser.on('error', (err: unknown) => {
    streamError(ctx, err, undefined);
    queue.close();
  });
  parser.on('warn', () => {
    // Pass 1 read the same bytes and reported these.
  });
  const abort = new AbortController();
  let current: string | undefined;
  const feeding = feed(fileChunks(path, gzip, ctx, 'the archive'), parser, abort.signal, (err) => {
    if (err instanceof CapReached) meter.stopped = true;
    streamError(ctx, err, current);
  });
  let delivered = 0;
  try {
    for (let readEntry = await queue.next(); readEntry; readEntry = await queue.next()) {
      const entry = accepted.get(ordinals.get(readEntry) ?? -1);
      if (!entry || meter.stopped) {
        readEntry.resume();
        if (meter.stopped) break;
        continue;
      }
      current = entry.path;
      const chunks = meter.metered(entry, memberChunks(entry, readEntry as AsyncIterable<Buffer>, ctx), {
        onError: (err) => streamError(ctx, err, entry.path),
      });
      await deliver(entry, chunks, visit);
      // Skip what the visitor left unread so the Parser can reach the next entry.
      if (!readEntry.emittedEnd) readEntry.resume();
      delivered++;
      if (meter.stopped || delivered === accepted.size) break;
    }
  } finally {
    abort.abort();
    await feeding;
  }
}

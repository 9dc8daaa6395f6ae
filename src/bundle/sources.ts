/**
 * Byte sources: what kind of data a head of bytes is (magic numbers), gzip inflation under the ratio
 * cap, and stdin (peek its head, spool an archive that needs a second pass or random access).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import { Header } from 'tar';
import { CAP, CapReached, READ_ERROR, errorText, formatBytes } from './diagnostics.js';
import { overRatio } from './meter.js';
import type { BundleEntry, ReadContext } from './types.js';

/** Bytes read from the start of a file or stdin to decide what it is. */
export const HEAD_BYTES = 16 * 1024;
export const TAR_BLOCK = 512;

export type Magic = 'zip' | 'gzip' | 'tar' | 'xz' | 'bzip2' | 'zstd' | '7z' | 'rar' | 'plain';

const SIGNATURES: [Magic, number[]][] = [
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['zip', [0x50, 0x4b, 0x05, 0x06]], // an empty zip is only its end-of-directory record
  ['zip', [0x50, 0x4b, 0x07, 0x08]], // spanned-archive marker written before the first entry
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['rar', [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
];

/** What the first bytes of a file say it is. `name` only breaks the tie for an empty tar (all zero blocks). */
export function sniffMagic(head: Buffer, name: string): Magic {
  for (const [magic, bytes] of SIGNATURES) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return magic;
  }
  // "BZh" then the block size digit: a text file starting with "BZh1".."BZh9" would be a strange capture.
  if (head.length >= 4 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (isTarHeader(head)) return 'tar';
  if (head.length >= 2 * TAR_BLOCK && isAllZero(head.subarray(0, 2 * TAR_BLOCK)) && /\.(?:tar|tgz|tar\.gz)$/i.test(name)) return 'tar';
  return 'plain';
}

/** A first block with a valid checksum and a name: a tar (ustar, GNU or v7) header. */
export function isTarHeader(head: Buffer): boolean {
  if (head.length < TAR_BLOCK) return false;
  try {
    const header = new Header(head.subarray(0, TAR_BLOCK));
    return header.cksumValid && !header.nullBlock && !!header.path;
  } catch {
    return false;
  }
}

function isAllZero(buf: Buffer): boolean {
  for (const byte of buf) if (byte !== 0) return false;
  return true;
}

/** The first inflated bytes of a gzip head (at least one tar block when there is that much), without inflating the rest. */
export async function inflatedHead(compressedHead: Buffer): Promise<Buffer> {
  // SYNC_FLUSH: a head cut mid-stream is normal here, not an error.
  const gunzip = createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const parts: Buffer[] = [];
  let got = 0;
  gunzip.end(compressedHead);
  try {
    for await (const chunk of gunzip) {
      parts.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      if (got >= TAR_BLOCK) break;
    }
  } catch {
    // Corrupt right at the start: whatever came out decides (usually nothing: a plain file).
  } finally {
    gunzip.destroy();
  }
  return Buffer.concat(parts);
}

/**
 * Inflate a gzip stream (several members are fine), stopping with `CapReached` when the real output
 * exceeds the ratio cap against the real input consumed so far. Node's zlib stream honours backpressure
 * inside one input chunk, so memory stays at a few chunks even for a bomb.
 */
export async function* gunzipChunks(compressed: Readable, ctx: ReadContext, what: string): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  compressed.on('error', (err) => gunzip.destroy(err));
  compressed.pipe(gunzip);
  let inflated = 0;
  try {
    for await (const chunk of gunzip) {
      const buf = chunk as Buffer;
      inflated += buf.length;
      if (overRatio(inflated, gunzip.bytesWritten, ctx.limits.maxCompressionRatio)) {
        throw new CapReached('cap:gzip-ratio', {
          severity: 'warning',
          code: CAP,
          message: `${ctx.archive}: ${what} inflates to more than ${ctx.limits.maxCompressionRatio} times its compressed size (${formatBytes(inflated)} out of ${formatBytes(gunzip.bytesWritten)}), like a gzip bomb; reading stopped there`,
        });
      }
      yield buf;
    }
  } finally {
    compressed.unpipe(gunzip);
    compressed.destroy();
    gunzip.destroy();
  }
}

/**
 * The bytes of a file inside a bundle as its parser reads them: a `.gz` file (BundleEntry.compression)
 * inflated under the ratio cap when its first bytes are gzip's magic, as is otherwise (a text file that is
 * only named `.gz`); any other file untouched.
 */
export function memberChunks(entry: BundleEntry, source: AsyncIterable<Buffer>, ctx: ReadContext): AsyncIterable<Buffer> {
  return entry.compression === 'gzip' ? inflateWhenGzip(source, ctx, JSON.stringify(entry.path)) : source;
}

async function* inflateWhenGzip(source: AsyncIterable<Buffer>, ctx: ReadContext, what: string): AsyncGenerator<Buffer> {
  const chunks = source[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  while (head.length < 2 && !ended) {
    const next = await chunks.next();
    if (next.done) ended = true;
    else head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  async function* whole(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      for (let next = ended ? undefined : await chunks.next(); next && !next.done; next = await chunks.next()) yield next.value;
    } finally {
      await chunks.return?.();
    }
  }
  if (sniffMagic(head, '') === 'gzip') yield* gunzipChunks(Readable.from(whole(), { objectMode: false }), ctx, what);
  else yield* whole();
}

/** Read a file's bytes from disk, inflating when it is gzip. */
export function fileChunks(path: string, gzip: boolean, ctx: ReadContext, what: string): AsyncIterable<Buffer> {
  const file = createReadStream(path);
  return gzip ? gunzipChunks(file, ctx, what) : (file as AsyncIterable<Buffer>);
}

/**
 * Read at least `want` bytes from the start of a stream (less if it ends first) and leave the rest in
 * it, paused, for `withHead`.
 */
export function readHead(stream: Readable, want: number): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const done = (ended: boolean): void => {
      cleanup();
      resolve({ head: Buffer.concat(parts), ended });
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (got < want && (chunk = stream.read() as Buffer | null) !== null) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        parts.push(buf);
        got += buf.length;
      }
      if (got >= want) done(false);
    };
    const onEnd = (): void => done(true);
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

/** The head `readHead` took, then the rest of the stream. */
export async function* withHead(head: Buffer, rest: Readable, ended: boolean): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  if (ended) return;
  for await (const chunk of rest) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
}

/** A temporary copy of an archive that came on stdin. Removed after the walk, or at exit at the latest. */
export interface Spool {
  path: string;
  bytes: number;
  /** The copy stopped at the total-bytes cap: the archive is incomplete. */
  cut: boolean;
  remove(): Promise<void>;
}

const liveSpools = new Set<string>();
let exitHookInstalled = false;

function removeSpoolsAtExit(): void {
  for (const dir of liveSpools) rmSync(dir, { recursive: true, force: true });
  liveSpools.clear();
}

/**
 * Copy an archive from stdin to a private temporary file (mode 0600 in a fresh 0700 folder): a tar needs
 * two passes and a zip random access, which a pipe cannot give. This is the archive as received, never
 * an extracted entry; it is capped at `maxTotalBytes`.
 */
export async function spool(chunks: AsyncIterable<Buffer>, ctx: ReadContext): Promise<Spool> {
  const dir = await mkdtemp(join(tmpdir(), 'perftriage-stdin-'));
  liveSpools.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', removeSpoolsAtExit);
  }
  const remove = async (): Promise<void> => {
    liveSpools.delete(dir);
    await rm(dir, { recursive: true, force: true });
  };
  const path = join(dir, 'stdin-archive');
  const handle = await open(path, 'wx', 0o600);
  let bytes = 0;
  let cut = false;
  try {
    for await (const chunk of chunks) {
      const room = ctx.limits.maxTotalBytes - bytes;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      await handle.write(part);
      bytes += part.length;
      if (part.length < chunk.length) {
        cut = true;
        ctx.sink.add({ severity: 'warning', code: CAP, message: `${ctx.archive}: the archive on stdin is bigger than the ${formatBytes(ctx.limits.maxTotalBytes)} cap; only its start is read` });
        break;
      }
    }
  } catch (err) {
    // A pipe that breaks mid-way still leaves a readable start (a tar can be listed up to the break).
    cut = true;
    ctx.sink.add({ severity: 'error', code: READ_ERROR, message: `${ctx.archive}: copying the archive from stdin stopped after ${formatBytes(bytes)}: ${errorText(err)}` });
  } finally {
    await handle.close();
  }
  return { path, bytes, cut, remove };
}

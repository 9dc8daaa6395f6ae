/**
 * Output too big for one string. V8 caps a string near 512 MiB, so `JSON.stringify` of a timeline or a
 * parse result with millions of records fails ("Invalid string length"). These writers produce exactly the
 * bytes `JSON.stringify(doc, null, indent)` (or the NDJSON lines) would, piece by piece, with back-pressure.
 */
import type { Writable } from 'node:stream';
import { openOutputFile, prepareOutput } from './output.js';

const PLACEHOLDER = '\u0000perftriage-stream-placeholder\u0000';
/** Pieces are gathered to about this size before a write. */
const BATCH_CHARS = 1 << 20;

/** The JSON text of `doc`, whose array under `key` is streamed: yields the same text in pieces. */
export function* jsonPieces(doc: Record<string, unknown>, key: string, indent: number): Generator<string> {
  const items = doc[key];
  if (!Array.isArray(items) || items.length === 0) {
    yield `${JSON.stringify(doc, null, indent)}\n`;
    return;
  }
  const frame = jsonFrame(doc, key, indent);
  yield frame.before;
  for (let i = 0; i < items.length; i++) yield frame.item(items[i], i);
  yield frame.after;
}

/**
 * The text around the array under `key` of `JSON.stringify(doc, null, indent)`, and each item's text in
 * it: `before`, then item(x, 0), item(y, 1)…, then `after` give the document's text with at least one
 * item, for items that are not all held (the timeline's records, streamed).
 */
export function jsonFrame(doc: Record<string, unknown>, key: string, indent: number): { before: string; item: (value: unknown, index: number) => string; after: string } {
  const text = JSON.stringify({ ...doc, [key]: [PLACEHOLDER] }, null, indent);
  const marker = JSON.stringify(PLACEHOLDER);
  const at = text.indexOf(marker);
  // The placeholder item sits at depth 2: its line starts after a newline and 2 × indent spaces.
  const pad = ' '.repeat(2 * indent);
  return {
    before: text.slice(0, at),
    item: (value, index) => (index > 0 ? `,\n${pad}` : '') + JSON.stringify(value, null, indent).replace(/\n/g, `\n${pad}`),
    after: `${text.slice(at + marker.length)}\n`,
  };
}

/** NDJSON: one line for the header, one per item. */
export function* ndjsonPieces(header: unknown, items: readonly unknown[]): Generator<string> {
  yield `${JSON.stringify(header)}\n`;
  for (const item of items) yield `${JSON.stringify(item)}\n`;
}

function write(out: Writable, chunk: string): Promise<void> | undefined {
  if (out.write(chunk)) return undefined;
  return new Promise((resolve) => out.once('drain', () => resolve()));
}

/** Write pieces to `-o FILE` or stdout, in batches, waiting when the destination is full. */
export async function writePieces(pieces: Iterable<string>, outFile: string | undefined): Promise<void> {
  prepareOutput();
  let out: Writable = process.stdout;
  if (outFile && outFile !== '-') {
    out = openOutputFile(outFile);
  }
  let batch: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    batch.push(piece);
    size += piece.length;
    if (size >= BATCH_CHARS) {
      await write(out, batch.join(''));
      batch = [];
      size = 0;
    }
  }
  if (size > 0) await write(out, batch.join(''));
  if (out !== process.stdout) {
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
  }
}

/**
 * Pieces written as they are produced (the parse command's records, while the file is still being
 * read): `push` only gathers, `drain` writes what was gathered and waits while the destination is full,
 * so the producer can pace itself on it.
 */
export class PieceWriter {
  private readonly out: Writable;
  private batch: string[] = [];
  private size = 0;
  /** Anything written yet (the caller decides what a run with no output means). */
  started = false;

  constructor(outFile: string | undefined) {
    prepareOutput();
    this.out = process.stdout;
    if (outFile && outFile !== '-') {
      this.out = openOutputFile(outFile);
    }
  }

  push(piece: string): void {
    this.started = true;
    this.batch.push(piece);
    this.size += piece.length;
  }

  /** Write the gathered pieces once they are worth a write (or always, with `force`). */
  async drain(force = false): Promise<void> {
    if (this.size === 0 || (!force && this.size < BATCH_CHARS)) return;
    const text = this.batch.join('');
    this.batch = [];
    this.size = 0;
    await write(this.out, text);
  }

  async end(): Promise<void> {
    await this.drain(true);
    if (this.out === process.stdout) return;
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}

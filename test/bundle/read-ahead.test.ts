/**
 * readAhead (src/bundle/folder.ts): a local file's bytes in chunks, the next read in flight while the
 * consumer works on the current chunk. The bytes must be the file's, in order, whatever the chunk size;
 * a file that shrank stops at its end; a consumer that stops early leaves the handle closable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAhead, readRange } from '../../src/bundle/folder.js';

function withFile<T>(bytes: Buffer, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-readahead-'));
  const path = join(dir, 'data.bin');
  writeFileSync(path, bytes);
  return fn(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** 100,003 bytes that differ from one offset to the next (a chunk out of place would show). */
const DATA = Buffer.from(Array.from({ length: 100_003 }, (_v, k) => (k * 7 + (k >> 8)) & 0xff));

test('readAhead: the bytes of a range in order, in chunks of the size asked (the last one shorter)', () =>
  withFile(DATA, async (path) => {
    const handle = await open(path, 'r');
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of readAhead(handle, 5, DATA.length, 4096)) chunks.push(chunk);
      assert.ok(chunks.slice(0, -1).every((c) => c.length === 4096));
      assert.equal(chunks.length, Math.ceil((DATA.length - 5) / 4096));
      assert.ok(Buffer.concat(chunks).equals(DATA.subarray(5)));
    } finally {
      await handle.close();
    }
  }));

test('readAhead: a file that shrank after it was listed is read to its new end, and an unknown size to EOF', () =>
  withFile(DATA, async (path) => {
    truncateSync(path, 50_000);
    const handle = await open(path, 'r');
    try {
      const shrunk: Buffer[] = [];
      for await (const chunk of readAhead(handle, 0, DATA.length, 16_384)) shrunk.push(chunk);
      assert.ok(Buffer.concat(shrunk).equals(DATA.subarray(0, 50_000)));
      const unbounded: Buffer[] = [];
      for await (const chunk of readAhead(handle, 0, Number.POSITIVE_INFINITY, 16_384)) unbounded.push(chunk);
      assert.ok(Buffer.concat(unbounded).equals(DATA.subarray(0, 50_000)));
    } finally {
      await handle.close();
    }
  }));

test('readAhead: a consumer that stops after the first chunk leaves no read pending and the handle closes', () =>
  withFile(DATA, async (path) => {
    const handle = await open(path, 'r');
    let first: Buffer | undefined;
    for await (const chunk of readAhead(handle, 0, DATA.length, 1024)) {
      first = chunk;
      break;
    }
    await handle.close();
    assert.ok(first?.equals(DATA.subarray(0, 1024)));
    // readRange opens and closes its own handle around the same reader.
    const ranged: Buffer[] = [];
    for await (const chunk of readRange(path, 1000, 3000)) ranged.push(chunk);
    assert.ok(Buffer.concat(ranged).equals(DATA.subarray(1000, 3000)));
  }));

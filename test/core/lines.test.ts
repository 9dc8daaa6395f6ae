import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LineSplitter, MAX_LINE_BYTES, CUT_MARKER, splitLinesOf, type LineFlags } from '../../src/bundle/lines.js';
import { repoRoot } from '../helpers.js';

function splitChunks(chunks: Buffer[]): { text: string; lineNo: number; flags: LineFlags }[] {
  const out: { text: string; lineNo: number; flags: LineFlags }[] = [];
  const s = new LineSplitter((text, lineNo, flags) => out.push({ text, lineNo, flags }));
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

test('lines split the way wc -l counts them, plus a final line without newline', () => {
  assert.deepEqual(splitLinesOf('a\nb\n').map((l) => l.text), ['a', 'b']);
  assert.deepEqual(splitLinesOf('a\nb').map((l) => l.text), ['a', 'b']);
  assert.deepEqual(splitLinesOf('\n\n').map((l) => l.text), ['', '']);
  assert.deepEqual(splitLinesOf('').length, 0);
});

test('a line split across any chunk boundary is the same line', () => {
  const text = Buffer.from('Device  r/s\nsda 1.00\nvda 2.00\n', 'utf8');
  const whole = splitChunks([text]).map((l) => l.text);
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(splitChunks([text.subarray(0, cut), text.subarray(cut)]).map((l) => l.text), whole, `cut at ${cut}`);
  }
  // Byte by byte, including through a multi-byte UTF-8 character.
  const utf = Buffer.from('héllo wörld\n线程\n', 'utf8');
  assert.deepEqual(splitChunks([...utf].map((b) => Buffer.from([b]))).map((l) => l.text), ['héllo wörld', '线程']);
});

test('CRLF is removed and flagged; line numbers stay 1-based', () => {
  const lines = splitLinesOf('a\r\nb\r\nc');
  assert.deepEqual(lines.map((l) => [l.text, l.lineNo, l.flags.crlf]), [['a', 1, true], ['b', 2, true], ['c', 3, false]]);
});

test('bytes that are not UTF-8 are flagged, a real U+FFFD is not', () => {
  const [bad] = splitLinesOf(Buffer.from([0x61, 0xff, 0x62, 0x0a]));
  assert.equal(bad!.text, 'a\uFFFDb');
  assert.equal(bad!.flags.invalidUtf8, true);
  const [real] = splitLinesOf('a\uFFFDb\n');
  assert.equal(real!.flags.invalidUtf8, false);
});

test('NUL bytes are flagged as binary', () => {
  const [line] = splitLinesOf(Buffer.from([0x61, 0x00, 0x62, 0x0a]));
  assert.equal(line!.flags.nul, true);
});

test('a line over the limit keeps its head and tail, says how long it was, and the next line is intact', () => {
  const huge = `write(1, "${'x'.repeat(MAX_LINE_BYTES * 3)}", 3145728) = 3145728`;
  const input = Buffer.from(`${huge}\nnext line\n`);
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += 65536) chunks.push(input.subarray(i, i + 65536));
  const lines = splitChunks(chunks);
  assert.equal(lines.length, 2);
  assert.ok(lines[0]!.text.startsWith('write(1, "xxx'));
  assert.ok(lines[0]!.text.endsWith('", 3145728) = 3145728'));
  assert.ok(lines[0]!.text.includes(CUT_MARKER));
  assert.ok(lines[0]!.text.length < 200 * 1024);
  assert.equal(lines[0]!.flags.cutFromBytes, Buffer.byteLength(huge));
  assert.equal(lines[1]!.text, 'next line');
  // The same line delivered in one chunk is cut the same way.
  const one = splitChunks([input]);
  assert.equal(one[0]!.text, lines[0]!.text);
});

test('the ASCII fast path gives the same lines and flags as UTF-8 decoding, whatever the chunking', () => {
  // ASCII lines (fast path), a CRLF line, a UTF-8 line, a line with a NUL, invalid bytes, a final line
  // without newline: cut into chunks of every size from 1 to 40 bytes, so lines and chunks straddle.
  const content = Buffer.concat([
    Buffer.from('[pid  1] 17:00:00.000001 write(1, "abc", 3) = 3 <0.000010>\nclose(3)                = 0\r\n', 'utf8'),
    Buffer.from('openat(AT_FDCWD</tmp/é>, "ü", O_RDONLY) = 3\n', 'utf8'),
    Buffer.from([0x61, 0x00, 0x62, 0x0a, 0x61, 0xff, 0x62, 0x0a]),
    Buffer.from('exit_group(0) = ?', 'utf8'),
  ]);
  const reference = content
    .toString('utf8')
    .split('\n')
    .map((t) => t.replace(/\r$/, ''));
  for (let size = 1; size <= 40; size++) {
    const chunks: Buffer[] = [];
    for (let o = 0; o < content.length; o += size) chunks.push(content.subarray(o, o + size));
    const lines = splitChunks(chunks);
    assert.deepEqual(lines.map((l) => l.text), reference, `chunks of ${size}`);
    assert.deepEqual(
      lines.map((l) => [l.flags.crlf, l.flags.nul, l.flags.invalidUtf8]),
      [[false, false, false], [true, false, false], [false, false, false], [false, true, false], [false, false, true], [false, false, false]],
      `flags with chunks of ${size}`,
    );
  }
});

test('a splitter that wants some lines gives exactly those, as the full split gives them, whatever the chunking', () => {
  const long = `x${'y'.repeat(MAX_LINE_BYTES + 10)}`;
  const content = Buffer.concat([
    Buffer.from('first\nclose(3)                = 0\r\n', 'utf8'),
    Buffer.from('openat(AT_FDCWD</tmp/é>, "ü", O_RDONLY) = 3\n', 'utf8'),
    Buffer.from([0x61, 0x00, 0x62, 0x0a, 0x61, 0xff, 0x62, 0x0a]),
    Buffer.from(`${long}\nafter the long one\nlast without newline`, 'utf8'),
  ]);
  const full = splitChunks([content]);
  assert.equal(full.length, 8);
  for (const wanted of [[1], [2, 3], [4, 5, 6], [6, 7], [8], [1, 8], []]) {
    for (const size of [7, 4096, 1 << 20, content.length]) {
      const got: { text: string; lineNo: number; flags: LineFlags }[] = [];
      const s = new LineSplitter((text, lineNo, flags) => got.push({ text, lineNo, flags }), (n) => wanted.includes(n));
      for (let o = 0; o < content.length; o += size) s.push(content.subarray(o, o + size));
      s.end();
      assert.deepEqual(got, full.filter((l) => wanted.includes(l.lineNo)), `lines ${wanted.join(',')} in chunks of ${size}`);
      assert.equal(s.linesEmitted, full.length, 'every line is counted');
    }
  }
});

/** `text` in UTF-16 with its byte order mark, as Windows PowerShell's `>` writes it. */
function utf16(text: string, order: 'le' | 'be'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  const body = order === 'le' ? le : Buffer.from(le).swap16();
  return Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), body]);
}

test('a byte order mark: UTF-8 drops it, UTF-16 LE and BE are read as UTF-8; same lines and flags whatever the chunking', () => {
  // CRLF as Windows writes it, a non-ASCII name, a character outside the BMP (a surrogate pair in UTF-16).
  const text = 'top - 14:27:02 up 10:30\r\n  PID USER  COMMAND\r\n12280 root  python /app-é-线程-😀.py\r\nlast line';
  const expected = splitChunks([Buffer.from(text, 'utf8')]);
  const cases: Array<[string, Buffer]> = [
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])],
    ['utf-16le', utf16(text, 'le')],
    ['utf-16be', utf16(text, 'be')],
  ];
  for (const [encoding, bytes] of cases) {
    for (const size of [1, 2, 3, 5, 7, 64, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const out: { text: string; lineNo: number; flags: LineFlags }[] = [];
      const s = new LineSplitter((t, lineNo, flags) => out.push({ text: t, lineNo, flags }));
      for (const c of chunks) s.push(c);
      s.end();
      assert.deepEqual(out, expected, `${encoding} in chunks of ${size}`);
      assert.equal(s.encoding, encoding);
      assert.equal(s.bytesSeen, bytes.length, 'bytes counted as read, before re-encoding');
    }
  }
});

test('bytes that only look like the start of a BOM stay what they are', () => {
  for (const bytes of [[0xef], [0xef, 0xbb], [0xff], [0xfe], [0xef, 0x41, 0x0a], [0xff, 0x41, 0x0a], [0xfe, 0xfe, 0x0a], [0x41, 0xff, 0xfe, 0x0a]]) {
    const buf = Buffer.from(bytes);
    for (const size of [1, buf.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
      const out: string[] = [];
      const s = new LineSplitter((t) => out.push(t));
      for (const c of chunks) s.push(c);
      s.end();
      assert.equal(s.encoding, 'utf-8', `${buf.toString('hex')} in chunks of ${size}`);
      assert.deepEqual(out, splitLinesOf(buf).map((l) => l.text), buf.toString('hex'));
    }
  }
  // FF FE then bytes that are not text a tool printed (the first units are not nearly all ASCII).
  const garbage = Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0x00, 0x01, 0x0a, 0x7f, 0x45, 0x4c, 0x46, ...Buffer.from('\u7f0a\u4c45'.repeat(12), 'utf16le')]);
  for (const size of [1, 7, garbage.length]) {
    const s = new LineSplitter(() => {});
    for (let i = 0; i < garbage.length; i += size) s.push(garbage.subarray(i, i + size));
    s.end();
    assert.equal(s.encoding, 'utf-8', `garbage after FF FE, chunks of ${size}`);
    // Split as bytes: a line per newline byte, and the last line without one.
    assert.equal(s.linesEmitted, garbage.filter((b) => b === 0x0a).length + (garbage.at(-1) === 0x0a ? 0 : 1));
  }
  // A BOM and nothing else is an empty file.
  for (const bom of [[0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff]]) assert.deepEqual(splitChunks([Buffer.from(bom)]), []);
});

test('a real top capture saved with a UTF-8 BOM parses as the original: line 1 keeps its time of day; a note says why', async () => {
  const { readFileSync } = await import('node:fs');
  const { Readable } = await import('node:stream');
  const { readFile } = await import('../../src/timeline/build.js');
  const original = readFileSync(join(repoRoot, 'samples', 'seed-case', 'top.txt'));
  const read = (bytes: Buffer): ReturnType<typeof readFile> => readFile({ path: 'top.txt', size: bytes.length } as Parameters<typeof readFile>[0], Readable.from([bytes]));
  const plain = await read(original);
  const withBom = await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), original]));
  assert.deepEqual(withBom.records, plain.records);
  assert.equal(withBom.records[0]?.source.line, 1);
  assert.equal(withBom.records[0]?.time?.clock, 'time-of-day');
  assert.deepEqual(withBom.diagnostics.filter((d) => d.code === 'text-encoding').map((d) => d.line), [1]);
  assert.equal(plain.diagnostics.filter((d) => d.code === 'text-encoding').length, 0);
});

test('indexLineStarts: byte offsets of lines 1, every + 1, … whatever the chunks (BOM, CRLF, non-ASCII, a line across chunks); resumeAt numbers from there', () => {
  const lines = Array.from({ length: 23 }, (_, i) => (i % 5 === 0 ? `zeile ${i + 1} grün` : i % 7 === 0 ? `line ${i + 1}\r` : `line ${i + 1} ${'x'.repeat(i * 3)}`));
  const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\n')}\n`, 'utf8')]);
  for (const size of [1, 2, 7, 64, file.length]) {
    const s = new LineSplitter(() => {});
    s.indexLineStarts(4);
    for (let at = 0; at < file.length; at += size) s.push(file.subarray(at, at + size));
    s.end();
    // Lines 1, 5, 9, 13, 17, 21: the first after the byte order mark.
    assert.equal(s.lineStarts!.length, 6, `chunks of ${size}`);
    assert.equal(s.lineStarts![0], 3);
    s.lineStarts!.forEach((offset, k) => {
      const got: { text: string; lineNo: number }[] = [];
      const from = new LineSplitter((text, lineNo) => got.push({ text, lineNo }));
      from.resumeAt(k * 4 + 1);
      from.push(file.subarray(offset));
      from.end();
      assert.deepEqual(got[0], { text: lines[k * 4]!.replace(/\r$/, ''), lineNo: k * 4 + 1 }, `chunks of ${size}, start ${k}`);
      assert.equal(got.length, lines.length - k * 4);
    });
  }
  // UTF-16 text has no byte offsets per line once re-encoded: no index.
  const utf16 = new LineSplitter(() => {});
  utf16.indexLineStarts(2);
  utf16.push(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\nb\nc\nd\n', 'utf16le')]));
  utf16.end();
  assert.equal(utf16.lineStarts, undefined);
});

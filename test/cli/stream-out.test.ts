/** Streamed JSON is byte for byte what JSON.stringify writes; a parse bigger than one string still prints. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonPieces, ndjsonPieces } from '../../src/cli/stream-out.js';

const records = [
  { kind: 'a.b', source: { file: 'f', line: 1 }, nested: { list: [1, 2, { x: 'y\nz' }], empty: [], obj: {} }, s: 'quote " and \\ and \u2028' },
  { kind: 'a.c', source: { file: 'f', line: 2 }, arr: [] },
  { kind: 'a.d', source: { file: 'f', line: 3 } },
];

test('jsonPieces equals JSON.stringify for indents 1 and 2, with and without records', () => {
  for (const indent of [1, 2]) {
    for (const recs of [records, [], [records[0]]]) {
      const doc = { file: 'x.txt', tool: 't', records: recs, diagnostics: [{ message: 'm' }], coverage: { lines: 3 } };
      assert.equal([...jsonPieces(doc, 'records', indent)].join(''), `${JSON.stringify(doc, null, indent)}\n`);
    }
  }
});

test('ndjsonPieces: a header line, then one line per item', () => {
  assert.equal([...ndjsonPieces({ h: 1 }, records)].join(''), [{ h: 1 }, ...records].map((r) => JSON.stringify(r)).join('\n') + '\n');
});

test('the pieces never hold the whole document: 2 million records stream without one giant string', () => {
  const many = { file: 'big', records: Array.from({ length: 2_000_000 }, (_, i) => ({ kind: 'x.y', source: { file: 'big', line: i + 1 }, v: i })) };
  let longest = 0;
  let total = 0;
  for (const piece of jsonPieces(many, 'records', 2)) {
    longest = Math.max(longest, piece.length);
    total += piece.length;
  }
  assert.ok(longest < 1000, `longest piece ${longest}`);
  assert.ok(total > 100_000_000, `total ${total}`);
});

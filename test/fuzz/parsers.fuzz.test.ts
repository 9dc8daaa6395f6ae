/**
 * Property-based tests (fast-check) of every parser: arbitrary bytes, real fixture files mangled the ways
 * ticket systems and copy-paste mangle them, garbage appended, a 10 MB line, and the worst inputs for
 * regular expressions. Whatever the input: no exception escapes, `lines = data + skipped + unparsed`
 * holds, and what could be read from the valid part is still read. Seeds are fixed so a failure replays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parsers } from '../../src/parsers/index.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import type { ParserModule } from '../../src/parsers/types.js';
import { fixturesDir } from '../helpers.js';

const SEED = 0x5eed;
/** Records a parser emits only at the end of its input (summaries), which later lines may change. */
const END_OF_INPUT_KINDS = new Set(['strace.aggregate', 'strace.capture']);

function invariant(r: ParseResult, what: string): void {
  const c = r.coverage;
  assert.equal(c.lines, c.data + c.skipped + c.unparsed, `${what}: lines != data + skipped + unparsed`);
}

function safeParse(m: ParserModule, content: string | Buffer, what: string): ParseResult {
  let result: ParseResult | undefined;
  assert.doesNotThrow(() => {
    result = parseText(m, 'fuzz.txt', content);
  }, `${m.meta.tool}: ${what}`);
  invariant(result!, `${m.meta.tool}: ${what}`);
  return result!;
}

/** Up to three of the tool's fixture files, smallest first (the fuzz runs many times over each). */
function samplesOf(tool: string): Buffer[] {
  let dir: string;
  try {
    dir = join(fixturesDir, tool);
    if (!statSync(dir).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(dir)
    .filter((n) => !n.endsWith('.md') && !n.endsWith('.json') && statSync(join(dir, n)).isFile())
    .map((n) => readFileSync(join(dir, n)))
    .filter((b) => b.length > 0 && b.length < 200_000)
    .sort((a, b) => a.length - b.length)
    .slice(0, 3);
}

type Mutation = { op: 'cut'; line: number; at: number } | { op: 'dup'; line: number } | { op: 'swap'; a: number; b: number } | { op: 'crlf' } | { op: 'latin1' } | { op: 'wrap'; width: number } | { op: 'drop'; line: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('cut' as const), line: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant('dup' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.constant({ op: 'crlf' as const }),
  fc.constant({ op: 'latin1' as const }),
  fc.record({ op: fc.constant('wrap' as const), width: fc.integer({ min: 8, max: 120 }) }),
  fc.record({ op: fc.constant('drop' as const), line: fc.nat() }),
);

function mutate(original: Buffer, ms: readonly Mutation[]): Buffer {
  let lines = original.toString('utf8').split('\n');
  let encoding: 'utf8' | 'latin1' = 'utf8';
  for (const m of ms) {
    const n = lines.length;
    switch (m.op) {
      case 'cut': {
        // A line cut mid-way and the rest of the file lost (a truncated upload).
        const i = m.line % n;
        lines = [...lines.slice(0, i), lines[i]!.slice(0, m.at % (lines[i]!.length + 1))];
        break;
      }
      case 'dup':
        lines.splice(m.line % n, 0, lines[m.line % n]!);
        break;
      case 'swap': {
        const a = m.a % n;
        const b = m.b % n;
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        break;
      }
      case 'drop':
        lines.splice(m.line % n, 1);
        break;
      case 'crlf':
        lines = lines.map((l) => `${l}\r`);
        break;
      case 'latin1':
        encoding = 'latin1';
        break;
      case 'wrap':
        // A ticket system that hard-wraps long lines.
        lines = lines.flatMap((l) => (l.length <= m.width ? [l] : l.match(new RegExp(`.{1,${m.width}}`, 'g')) ?? [l]));
        break;
    }
    if (lines.length === 0) lines = [''];
  }
  return Buffer.from(lines.join('\n'), encoding);
}

const tools = [...parsers.keys()].sort();

test('arbitrary bytes: no exception, coverage invariant', () => {
  for (const tool of tools) {
    const m = parsers.get(tool)!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        safeParse(m, Buffer.from(bytes), 'arbitrary bytes');
      }),
      { seed: SEED, numRuns: 40 },
    );
  }
});

test('arbitrary text lines built from the tool\'s own tokens: no exception, coverage invariant', () => {
  for (const tool of tools) {
    const m = parsers.get(tool)!;
    const words = [...new Set(samplesOf(tool).flatMap((b) => b.toString('utf8').split(/\s+/)).filter(Boolean))].slice(0, 400);
    if (words.length === 0) continue;
    const line = fc.array(fc.constantFrom(...words), { maxLength: 14 }).map((ws) => ws.join(' '));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (ls) => {
        safeParse(m, ls.join('\n'), 'token soup');
      }),
      { seed: SEED, numRuns: 40 },
    );
  }
});

test('real files cut, duplicated, swapped, dropped, CRLF\'d, latin-1 re-encoded, re-wrapped: no exception, invariant', () => {
  for (const tool of tools) {
    const m = parsers.get(tool)!;
    for (const sample of samplesOf(tool)) {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
          safeParse(m, mutate(sample, ms), `mutations ${JSON.stringify(ms)}`);
        }),
        { seed: SEED, numRuns: 25 },
      );
    }
  }
});

test('a valid file with garbage appended still yields every record of the valid part', () => {
  const garbage = fc.array(fc.oneof(fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('latin1'))), { minLength: 1, maxLength: 10 });
  for (const tool of tools) {
    const m = parsers.get(tool)!;
    for (const sample of samplesOf(tool)) {
      const base = safeParse(m, sample, 'the fixture');
      const lineCount = sample.toString('utf8').split('\n').length;
      const kept = (r: ParseResult): string[] =>
        r.records.filter((x) => !END_OF_INPUT_KINDS.has(x.kind) && x.source.line < lineCount).map((x) => JSON.stringify({ ...x, time: undefined }));
      const expected = kept(base);
      fc.assert(
        fc.property(garbage, (lines) => {
          const text = sample.toString('utf8');
          const withGarbage = `${text}${text.endsWith('\n') ? '' : '\n'}${lines.join('\n')}\n`;
          const got = kept(safeParse(m, withGarbage, 'garbage appended'));
          for (const rec of expected) assert.ok(got.includes(rec), `${tool}: record lost after garbage: ${rec.slice(0, 200)}`);
        }),
        { seed: SEED, numRuns: 15 },
      );
    }
  }
});

test('a 10 MB line in the middle of a real file: cut with a diagnostic, the rest still parsed', { timeout: 120_000 }, () => {
  const huge = 'x'.repeat(10 * 1024 * 1024);
  for (const tool of tools) {
    const m = parsers.get(tool)!;
    const sample = samplesOf(tool)[0];
    if (!sample) continue;
    const lines = sample.toString('utf8').split('\n');
    const mid = Math.floor(lines.length / 2);
    const content = Buffer.from([...lines.slice(0, mid), huge, ...lines.slice(mid)].join('\n'));
    const r = safeParse(m, content, '10 MB line');
    const base = safeParse(m, sample, 'the fixture');
    assert.equal(r.coverage.lines, base.coverage.lines + 1, `${tool}: every line counted once`);
    assert.ok(r.diagnostics.some((d) => /cut|long|truncat/i.test(`${d.code} ${d.message}`)), `${tool}: the long line is reported: ${r.diagnostics.map((d) => d.code).join(', ')}`);
  }
});

/** Long lines made of what regular expressions choke on: runs of one class, unclosed nestings, quotes, escapes. */
const PATHOLOGICAL = [' ', '0', '1.', 'a', '(', '{', '[', '"', '\\', '"\\', '<', '0x', ', ', '=', ':', '/', '-', '\t', '\u00e9', 'A1 '];

test('worst inputs for the regular expressions: 200 KB lines of repeated tokens finish (no backtracking blow-up)', { timeout: 120_000 }, () => {
  for (const tool of tools) {
    const m = parsers.get(tool)!;
    const sample = samplesOf(tool)[0]?.toString('utf8') ?? '';
    const header = sample.split('\n').slice(0, 4).join('\n');
    for (const token of PATHOLOGICAL) {
      const line = token.repeat(Math.ceil(200_000 / token.length));
      // After the tool's own header, so the parser is in its data state when the line arrives.
      safeParse(m, `${header}\n${line}\n${line}x(\n`, `pathological ${JSON.stringify(token)}`);
    }
  }
});

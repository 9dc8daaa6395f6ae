/**
 * Differential fuzzing of the two strace readers. The fast analysis reader (src/parsers/strace/fast.ts)
 * must give the string reader's analysis on any input: read to its end, or given up and read again. So
 * traces mangled the ways copy-paste, truncation and interleaving mangle them (lines dropped, cut, cut and
 * joined to the next, duplicated, swapped, moved in blocks; a byte inserted or deleted; the file cut
 * short) must come out of both readings byte for byte the same. Seeds are fixed so a failure replays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateStraceTrace } from '../../bench/gen-strace.js';
import { buildTimeline } from '../../src/timeline/build.js';
import { fixturesDir } from '../helpers.js';

type Mutation = 'drop' | 'cut' | 'cutJoin' | 'duplicate' | 'swap' | 'insertByte' | 'deleteByte' | 'moveBlock' | 'truncate';
const MUTATIONS: readonly Mutation[] = ['drop', 'cut', 'cutJoin', 'duplicate', 'swap', 'insertByte', 'deleteByte', 'moveBlock', 'truncate'];
/** Bytes a mangled line gains: the ones strace's grammar turns on. */
const INSERTED = '()<>[]",= {}\\.-0123456789x?';

/** Apply one mutation to `lines` in place; `a` and `b` choose where and what (any natural numbers). */
function mutate(lines: string[], m: Mutation, a: number, b: number): void {
  if (lines.length < 3) return;
  const i = a % lines.length;
  const line = lines[i]!;
  switch (m) {
    case 'drop':
      lines.splice(i, 1);
      break;
    case 'cut':
      lines[i] = line.slice(0, b % (line.length + 1));
      break;
    case 'cutJoin':
      if (i + 1 < lines.length) lines.splice(i, 2, line.slice(0, b % (line.length + 1)) + lines[i + 1]!);
      break;
    case 'duplicate':
      lines.splice(i, 0, line);
      break;
    case 'swap':
      if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1]!, line];
      break;
    case 'insertByte': {
      const at = b % (line.length + 1);
      lines[i] = line.slice(0, at) + INSERTED[(a + b) % INSERTED.length]! + line.slice(at);
      break;
    }
    case 'deleteByte': {
      const at = b % Math.max(1, line.length);
      lines[i] = line.slice(0, at) + line.slice(at + 1);
      break;
    }
    case 'moveBlock': {
      const block = lines.splice(i, 1 + (b % 20));
      lines.splice(b % (lines.length + 1), 0, ...block);
      break;
    }
    case 'truncate':
      lines.length = i + 1;
      lines[i] = line.slice(0, b % (line.length + 1));
      break;
  }
}

test('strace readers, differential: any mangled trace gives the same analysis with the fast reader as with the string reader', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-strace-fuzz-'));
  try {
    // The bench's shape (-f -tt -T -y, several threads, unfinished/resumed pairs) and the real fixtures
    // of the other shapes the fast reader reads (attach, -o, -ff, a pipeline with -f).
    const generated = join(dir, 'generated.txt');
    generateStraceTrace(generated, { bytes: 60_000, seed: 0x5eed });
    const sources = [generated, generated];
    const straceDir = join(fixturesDir, 'strace');
    for (const name of readdirSync(straceDir)) if (name.endsWith('.txt')) sources.push(join(straceDir, name));
    for (const name of readdirSync(join(straceDir, 'ff_o'))) sources.push(join(straceDir, 'ff_o', name));
    const texts = sources.map((s) => readFileSync(s, 'latin1'));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: texts.length - 1 }),
        fc.array(fc.tuple(fc.constantFrom(...MUTATIONS), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        async (source, mutations) => {
          const lines = texts[source]!.split('\n');
          for (const [m, a, b] of mutations) mutate(lines, m, a, b);
          // One folder per case: a reader that gives the file up reads it again from there.
          const bundle = join(dir, `case-${run++}`);
          mkdirSync(bundle);
          // The -ff files keep their name (trace.N): the TID is read from it.
          writeFileSync(join(bundle, source < 2 ? 'trace.txt' : sources[source]!.split('/').pop()!), Buffer.from(lines.join('\n'), 'latin1'));
          const options = { summarize: true, jobs: 1, splitMinBytes: Infinity };
          const slow = JSON.stringify(await buildTimeline(bundle, { ...options, noFastStrace: true }));
          const fast = JSON.stringify(await buildTimeline(bundle, options));
          rmSync(bundle, { recursive: true, force: true });
          assert.equal(fast, slow, `${sources[source]} after ${mutations.map((m) => m.join(':')).join(', ')}`);
        },
      ),
      { seed: 0x5eed, numRuns: 150 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

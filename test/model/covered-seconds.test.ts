/**
 * CoveredSeconds keeps the seconds a process's samples already counted as ranges (src/model/series.ts):
 * it must answer exactly what a Set of every second would, in any insertion order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CoveredSeconds } from '../../src/model/series.js';

/** The reference: one Set entry per second, as the model kept before. */
function addToSet(set: Set<number>, from: number, to: number): number {
  let fresh = 0;
  for (let s = from; s < to; s++) {
    if (set.has(s)) continue;
    set.add(s);
    fresh++;
  }
  return fresh;
}

test('in time order, each sample extends the last range', () => {
  const c = new CoveredSeconds();
  assert.equal(c.add(100, 101), 1);
  assert.equal(c.add(101, 102), 1);
  // A bucket of 8 merged samples overlapping the two seconds above (another file, merged wider).
  assert.equal(c.add(100, 108), 6);
  assert.equal(c.add(100, 108), 0);
  assert.equal(c.size, 8);
});

test('out of order and overlapping ranges give what a Set of every second gives', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 30 })), { maxLength: 60 }), (ranges) => {
      const c = new CoveredSeconds();
      const set = new Set<number>();
      for (const [from, width] of ranges) {
        assert.equal(c.add(from, from + width), addToSet(set, from, from + width));
        assert.equal(c.size, set.size);
      }
    }),
    { numRuns: 300, seed: 42 },
  );
});

/**
 * The downsampler's two fast paths against the plain forms they replaced: series numbered by SeriesIds
 * (vs a key string built per row) and merges compiled per layout (vs a for…in over every field). Both
 * are checked on generated rows, with the awkward values real captures hold (NaN, -0, undefined, a
 * field that is a number in one row and text in the next, fields that appear late).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TimelineRecord } from '../../src/common/types.js';
import type { SeriesSpec } from '../../src/parsers/types.js';
import { SeriesIds } from '../../src/timeline/series-ids.js';
import { Downsampler } from '../../src/timeline/downsample.js';

/** The key string the downsampler used to build for every row. */
function keyString(r: TimelineRecord, spec: SeriesSpec): string {
  let key = r.kind;
  for (const f of spec.key) key += `\u0000${String(r[f] ?? '')}`;
  if (spec.sections) {
    const section = spec.sections.find((f) => r[f] !== undefined);
    if (section !== undefined) key += `\u0000${section}`;
  }
  return key;
}

const keyValue = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(NaN, -0, 0.5, 2 ** 40), fc.constantFrom('a', 'b', 'ab', ''), fc.constant(undefined));
const spec: SeriesSpec = { key: ['pid', 'dev'], sections: ['rd', 'cpu'] };
const row = fc.record({
  kind: fc.constantFrom('t.a', 't.b'),
  pid: fc.integer({ min: 1, max: 4 }),
  dev: keyValue,
  rd: fc.option(fc.integer(), { nil: undefined }),
  cpu: fc.option(fc.integer(), { nil: undefined }),
});

test('SeriesIds gives two rows one id exactly when their key strings are equal, also after a prune', () => {
  fc.assert(
    fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }), (raw, keep) => {
      const rows = raw.map((r, i) => ({ ...r, source: { file: 'x', line: i + 1 } }) as TimelineRecord);
      const ids = new SeriesIds();
      const first = rows.map((r) => ids.idOf(r, spec));
      for (let i = 0; i < rows.length; i++) {
        for (let j = 0; j < i; j++) assert.equal(first[i] === first[j], keyString(rows[i]!, spec) === keyString(rows[j]!, spec));
      }
      // Keep some series: they keep their ids; the others get new ones, never a kept one.
      const live = new Set(first.filter((_, i) => keep[i]));
      ids.prune(live);
      const again = rows.map((r) => ids.idOf(r, spec));
      rows.forEach((_, i) => {
        if (live.has(first[i]!)) assert.equal(again[i], first[i]);
        else assert.ok(!live.has(again[i]!));
      });
      assert.ok(ids.size <= new Set([...again]).size);
    }),
  );
});

test('the compiled key reader numbers series as the generic path does, with and without sections', () => {
  for (const plain of [{ key: ['pid', 'dev', 'rd'] }, spec] as SeriesSpec[]) {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), (raw) => {
        const rows = raw.map((r, i) => ({ ...r, source: { file: 'x', line: i + 1 } }) as TimelineRecord);
        const compiled = new SeriesIds();
        const generic = new SeriesIds(false);
        const a = rows.map((r) => compiled.idOf(r, plain));
        const b = rows.map((r) => generic.idOf(r, plain));
        assert.deepEqual(a, b);
        for (let i = 0; i < rows.length; i++) {
          for (let j = 0; j < i; j++) assert.equal(a[i] === a[j], keyString(rows[i]!, plain) === keyString(rows[j]!, plain));
        }
      }),
    );
  }
});

test('a key printed twice in a sample gets a second id of its own, stable across samples', () => {
  const ids = new SeriesIds();
  const base = ids.idOf({ kind: 'k', source: { file: 'x', line: 1 }, pid: 1 }, { key: ['pid'] });
  const second = ids.duplicate(base, 1);
  assert.notEqual(second, base);
  assert.equal(ids.duplicate(base, 1), second);
  assert.notEqual(ids.duplicate(base, 2), second);
});

const specs: Record<string, SeriesSpec> = {
  'x.task': { key: ['pid'], rateSuffixes: ['_per_s'], sums: ['ticks'], last: ['total'], states: ['state', 'running'], lows: ['free'] },
};
const fieldValue = fc.oneof(fc.double({ noNaN: false, min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 9 }), fc.constantFrom(Infinity, NaN, -0), fc.constantFrom('S', 'D', 'R', 'x'), fc.constant(undefined));
const taskRow = fc.record(
  { pid: fc.integer({ min: 1, max: 3 }), w_per_s: fieldValue, ticks: fieldValue, total: fieldValue, state: fieldValue, running: fieldValue, free: fieldValue, late: fieldValue, note: fieldValue },
  { requiredKeys: ['pid'] },
);

test('compiled merges give the records the field-by-field merge gives', () => {
  fc.assert(
    fc.property(fc.array(fc.array(taskRow, { maxLength: 4 }), { minLength: 1, maxLength: 24 }), fc.integer({ min: 2, max: 12 }), (samples, budget) => {
      const records: TimelineRecord[] = [];
      samples.forEach((rows, sample) => {
        for (const r of rows) records.push({ kind: 'x.task', source: { file: 'x', line: records.length + 1 }, time: { clock: 'ordinal', sample, interval_s: 1 + (sample % 3) }, ...r } as TimelineRecord);
      });
      const run = (compiled: boolean): unknown => {
        const d = new Downsampler(specs, budget, { compiled });
        for (const r of records) d.add(r, r.source.line);
        return JSON.parse(JSON.stringify(d.finish(), (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : Object.is(v, -0) ? '-0' : v)));
      };
      assert.deepEqual(run(true), run(false));
    }),
    { numRuns: 300 },
  );
});

/**
 * valueEntries (src/parsers/sysstat-common.ts) writes the code of the record literals iostat and pidstat
 * compile per header: what it writes must be what field-by-field stores would have given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueEntries } from '../../src/parsers/sysstat-common.js';

test('one entry per known column, in column order; unknown columns skipped', () => {
  assert.deepEqual(valueEntries([{ field: 'reads_per_s' }, undefined, { field: 'util_pct' }], 'iostat'), ['reads_per_s: v[0]', 'util_pct: v[2]']);
});

test('a field named by two columns keeps its first place and its last value, as two stores would', () => {
  const entries = valueEntries([{ field: 'a' }, { field: 'b' }, { field: 'a' }], 'pidstat');
  assert.deepEqual(entries, ['a: v[2]', 'b: v[1]']);
  const viaStores: Record<string, number> = {};
  const v = [1, 2, 3];
  ['a', 'b', 'a'].forEach((f, i) => (viaStores[f] = v[i]!));
  const viaLiteral = new Function('v', `return { ${entries.join(', ')} };`)(v) as Record<string, number>;
  assert.equal(JSON.stringify(viaLiteral), JSON.stringify(viaStores));
});

test('a field that is not an identifier is refused, so no text can reach the generated code', () => {
  assert.throws(() => valueEntries([{ field: 'x: 1 }; process.exit(); ({ y' }], 'iostat'), /iostat: field .* is not an identifier/);
  assert.throws(() => valueEntries([{ field: 'r/s' }], 'pidstat'), /not an identifier/);
});

/**
 * Analysis drops strace's per-call records (`summarize`: the parser's aggregates carry them), so that a
 * multi-GB trace is analysed in bounded memory. The model must not notice: on every real bundle, the
 * model built from the summarized timeline equals the one built from the full timeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildTimeline } from '../../src/timeline/build.js';
import { buildModel } from '../../src/model/build.js';
import { annotateRecords } from '../../src/model/annotate.js';
import { allRules, analyze, resolveConfig } from '../../src/rules/index.js';
import { repoRoot, sharedDir } from '../helpers.js';

const bundles: { name: string; path: string }[] = [
  { name: 'seed-case', path: join(repoRoot, 'samples', 'seed-case') },
  { name: 'tempfile-churn', path: join(repoRoot, 'samples', 'tempfile-churn.tar.gz') },
  { name: 'logging-storm', path: join(repoRoot, 'samples', 'logging-storm.tar.gz') },
  { name: 'popularity (../shared)', path: join(sharedDir, 'captures', 'popularity') },
  { name: 'strace captures (../shared)', path: join(sharedDir, 'captures', 'strace') },
];

for (const b of bundles) {
  test(`summarized timeline gives the same model: ${b.name}`, { skip: existsSync(b.path) ? false : `${b.path} is absent` }, async () => {
    const full = await buildTimeline(b.path);
    const summarized = await buildTimeline(b.path, { summarize: true });
    const calls = (t: typeof full): number => t.records.filter((r) => r.kind === 'strace.call').length;
    // The trace's calls are really gone (the first and the last of each file stay, for its time span)…
    assert.ok(calls(full) > 0, 'the bundle has strace calls');
    assert.ok(calls(summarized) <= 2 * summarized.files.filter((f) => f.tool === 'strace').length);
    // …the file summaries still count every record, and the clock and its notes (which count records by
    // clock) are those of every record…
    assert.deepEqual(summarized.files, full.files);
    assert.deepEqual(summarized.clock, full.clock);
    assert.deepEqual(summarized.diagnostics, full.diagnostics);
    // …and the model is the same, and so are the findings.
    const model = buildModel(full);
    assert.deepEqual(buildModel(summarized), model);
    annotateRecords(full.records, model);
    annotateRecords(summarized.records, model);
    const config = resolveConfig(undefined, allRules);
    assert.deepEqual(analyze(summarized, model, config, allRules).findings, analyze(full, model, config, allRules).findings);
  });
}

test('analysis keeps at most maxRecords records, shared by the files, and says from which line a file is not analysed', async () => {
  const seed = join(repoRoot, 'samples', 'seed-case');
  const full = await buildTimeline(seed, { summarize: true });
  const files = full.files.length + full.skipped.length;
  const limited = await buildTimeline(seed, { summarize: true, maxRecords: 3 * files });
  const truncated = limited.diagnostics.filter((d) => d.code === 'analysis-truncated');
  assert.ok(truncated.length > 0);
  for (const d of truncated) {
    const kept = limited.records.filter((r) => r.source.file === d.file);
    assert.equal(kept.length, 3, d.file);
    const all = full.records.filter((r) => r.source.file === d.file);
    // The warning names the line being read when the share ran out: at or after the first record not
    // kept (a parser may emit a record when the next line shows it complete), and every kept record
    // comes from a line read by then.
    assert.ok(kept.every((r) => r.source.line <= d.line!));
    // (strace keeps its first and last call for the time span only while under its share: not counted here.)
    if (d.file!.startsWith('strace')) continue;
    assert.ok(all[3]!.source.line <= d.line!, `${all[3]!.source.line} <= ${d.line}`);
    assert.match(d.message, new RegExp(`its ${all.length - 3} records from line ${d.line} on are not`));
  }
  // The file summaries still count every record.
  assert.deepEqual(limited.files.map((f) => f.records), full.files.map((f) => f.records));
});

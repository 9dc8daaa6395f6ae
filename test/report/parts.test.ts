/**
 * The report's parts on their own: escaping for each target, human units, the SVG line chart, the
 * evidence excerpts read back from folders and archives, and the report command's --out-dir.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Marked } from 'marked';
import { escapeHtml, evidenceAnchor, mdCell, mdCode, mdText, safeId } from '../../src/report/escape.js';
import { formatBytes, formatPct, formatRate, formatSeconds, clockLabel, joinWordsCapped } from '../../src/report/format.js';
import { niceStep, renderLineChart } from '../../src/report/charts.js';
import { readExcerpts, startFor, wantedRuns, MAX_EXCERPT_CHARS } from '../../src/report/excerpts.js';
import { LineSplitter } from '../../src/bundle/lines.js';
import { EvidenceRegistry } from '../../src/report/evidence.js';
import { proseToHtml, proseToMarkdown, mdFence } from '../../src/report/render.js';
import { reportCommand } from '../../src/cli/report-command.js';
import { validate } from '../../src/timeline/schemas.js';
import { tarArchive } from '../bundle/archives.js';
import { buildReports, seedCase } from './helpers.js';
import { fixture } from '../helpers.js';
import type { ChartView } from '../../src/report/view-model.js';

const gfm = (md: string): string => new Marked({ gfm: true }).parse(md) as string;

test('mdText: Markdown and HTML syntax from the bundle renders as the same literal text', () => {
  const hostile = '<script>alert(1)</script> [x](http://evil.example) ![i](javascript:alert(2)) *b* _i_ `c` | ~~s~~ &amp; # www.evil.example \\';
  const html = gfm(mdText(hostile));
  assert.doesNotMatch(html, /<script|<a |<img|<em>|<strong>|<code>|<del>/);
  // What a reader sees is the original text (entities decoded).
  const seen = html.replace(/<\/?p>/g, '').trim().replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  assert.equal(seen, hostile);
});

test('mdCell keeps a table row one row with the same cells; control and bidi characters become visible', () => {
  const row = `| ${mdCell('a|b\nc')} | ${mdCell('\u001b[31mred\u202e')} | ${mdCell('')} |`;
  const html = gfm(`| x | y | z |\n| --- | --- | --- |\n${row}\n`);
  assert.equal((html.match(/<td>/g) ?? []).length, 3);
  assert.match(html, /<td>a\|b\\x0ac<\/td>/);
  assert.match(html, /<td>\\x1b\[31mred\\u202e<\/td>/);
  assert.match(html, /<td>-<\/td>/);
});

test('mdCode fences any backtick run and keeps markup inert', () => {
  assert.equal(mdCode('a ``b`` c'), '```a ``b`` c```');
  assert.equal(mdCode('`x`'), '`` `x` ``');
  assert.match(gfm(mdCode('<img src=x onerror=alert(1)>')), /<code>&lt;img src=x onerror=alert\(1\)&gt;<\/code>/);
});

test('escapeHtml, safeId and evidence anchors: no markup, no names in ids', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&\`=`), '&lt;a href&#61;&quot;x&quot; onclick&#61;&#39;y&#39;&gt;&amp;&#96;&#61;');
  assert.match(safeId('t', '<script>'), /^t-[0-9a-f]{12}$/);
  assert.match(evidenceAnchor('"><script>.txt', 12), /^ev-[0-9a-f]{10}-12$/);
  assert.equal(evidenceAnchor('a.txt', 3), evidenceAnchor('a.txt', 3));
  assert.notEqual(evidenceAnchor('a.txt', 3), evidenceAnchor('b.txt', 3));
});

test('our prose: marked renders emphasis and code, never raw HTML, links or images', () => {
  const html = proseToHtml('Keep **data** in `memory`. <b onmouseover=x>hi</b> [docs](https://evil.example) ![x](http://evil/x.png) http://evil.example');
  assert.match(html, /<strong>data<\/strong>/);
  assert.match(html, /<code>memory<\/code>/);
  assert.doesNotMatch(html, /<b |<a |<img|href=|src=/);
  assert.match(html, /&lt;b onmouseover&#61;x&gt;/);
  const md = proseToMarkdown('Use `tmpfs`.\n<b>x</b> [l](http://e)');
  assert.equal(md, 'Use `tmpfs`. \\<b\\>x\\</b\\> \\[l\\](http:\\/\\/e)');
});

test('mdFence: a fence longer than any run inside', () => {
  assert.equal(mdFence(['a ~~~ b', '```']), '~~~~text\na ~~~ b\n```\n~~~~');
});

test('human units: binary bytes, rates, percents, seconds, clock labels', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(1337249792), '1.25 GiB');
  assert.equal(formatRate(343773184), '328 MiB/s');
  assert.equal(formatPct(98.4), '98.4%');
  assert.equal(formatSeconds(18.11831), '18.1 s');
  assert.equal(formatSeconds(0.0005), '500 µs');
  assert.equal(formatSeconds(0.0123), '12.3 ms');
  assert.equal(clockLabel(1544798355), '14:39:15');
});

test('niceStep gives 1-2-2.5-5 steps', () => {
  assert.equal(niceStep(98.4, 4), 25);
  assert.equal(niceStep(330, 4), 100);
  assert.equal(niceStep(7, 6), 2);
});

test('renderLineChart: axes with units and times, one path per series, escaped labels, deterministic', () => {
  const spec = {
    id: 'chart-x',
    title: 'Writes <b>',
    unit: 'bytes_per_s' as const,
    xAxis: 'time' as const,
    series: [
      { label: 'PID 1 <script>alert(1)</script>', points: [{ x: 1544798355, y: 300 * 2 ** 20 }, { x: 1544798356, y: 320 * 2 ** 20 }, { x: 1544798357, y: 0 }] },
      { label: 'one point', points: [{ x: 1544798356, y: 10 * 2 ** 20 }] },
    ],
  };
  const svg = renderLineChart(spec);
  assert.equal(svg, renderLineChart(spec));
  assert.match(svg, /^<svg class="chart" viewBox="0 0 760 \d+"/);
  assert.equal((svg.match(/<path class="line s\d"/g) ?? []).length, 2);
  // 300 and 320 MiB/s on a 0–400 MiB/s axis 200 px high, three samples over the 642 px plot.
  assert.match(svg, /<path class="line s0" d="M78 64 L399 54 L720 214"\/>/);
  assert.match(svg, />14:39:15</);
  assert.match(svg, />400 MiB\/s</);
  assert.doesNotMatch(svg, /<script|<b>/);
  assert.match(svg, /PID 1 &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.equal(renderLineChart({ ...spec, series: [] }), '');
});

test('readExcerpts: the cited lines ±2 from a folder and from a tar, long lines cut, uncited files unread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-excerpts-'));
  try {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`);
    lines[29] = 'x'.repeat(MAX_EXCERPT_CHARS + 100);
    writeFileSync(join(dir, 'a.txt'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'b.txt'), 'other\n');
    const got = await readExcerpts(dir, [{ file: 'a.txt', line: 1 }, { file: 'a.txt', line: 30 }, { file: 'missing.txt', line: 3 }]);
    assert.deepEqual([...got.keys()], ['a.txt']);
    assert.deepEqual([...got.get('a.txt')!.keys()].sort((x, y) => x - y), [1, 2, 3, 28, 29, 30, 31, 32]);
    assert.equal(got.get('a.txt')!.get(29)!.text, 'line 29');
    assert.equal(got.get('a.txt')!.get(30)!.cut, true);
    assert.equal(got.get('a.txt')!.get(30)!.text.length, MAX_EXCERPT_CHARS);

    const tarPath = join(dir, 'bundle.tar');
    writeFileSync(tarPath, tarArchive([{ path: 'one.txt', data: Buffer.from('a\nb\nc\nd\ne\nf\n') }, { path: 'two.txt', data: Buffer.from('x\r\ny\r\n') }]));
    const fromTar = await readExcerpts(tarPath, [{ file: 'two.txt', line: 2 }, { file: 'one.txt', line: 6 }]);
    assert.deepEqual([...fromTar.get('one.txt')!.values()].map((l) => l.text), ['d', 'e', 'f']);
    assert.deepEqual([...fromTar.get('two.txt')!.values()].map((l) => l.text), ['x', 'y']);
    // A member cited near its start is left unread past its last wanted line: the next member is still read.
    const long = Array.from({ length: 200_000 }, (_, i) => `row ${i + 1}`).join('\n');
    const earlyPath = join(dir, 'early.tar');
    writeFileSync(earlyPath, tarArchive([{ path: 'big.txt', data: Buffer.from(`${long}\n`) }, { path: 'next.txt', data: Buffer.from('p\nq\nr\n') }]));
    const early = await readExcerpts(earlyPath, [{ file: 'big.txt', line: 2 }, { file: 'next.txt', line: 3 }]);
    assert.deepEqual([...early.get('big.txt')!.values()].map((l) => l.text), ['row 1', 'row 2', 'row 3', 'row 4']);
    assert.deepEqual([...early.get('next.txt')!.values()].map((l) => l.text), ['p', 'q', 'r']);
    assert.equal((await readExcerpts('-', [{ file: 'a.txt', line: 1 }])).size, 0, 'stdin cannot be read twice');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('EvidenceRegistry: anchors only where the raw line was read; blocks merge overlapping windows', () => {
  const ev = new EvidenceRegistry();
  const a = ev.cite({ file: 'f.txt', line: 10 });
  const b = ev.cite({ file: 'f.txt', line: 12 });
  const gone = ev.cite({ file: 'gone.txt', line: 1 });
  assert.deepEqual(ev.wantedRefs(), [{ file: 'f.txt', line: 10 }, { file: 'f.txt', line: 12 }, { file: 'gone.txt', line: 1 }]);
  const kept = new Map([[8, 'h'], [9, 'i'], [10, 'j'], [11, 'k'], [12, 'l'], [13, 'm'], [14, 'n']].map(([n, t]) => [n as number, { line: n as number, text: t as string, cut: false }]));
  const blocks = ev.appendix(new Map([['f.txt', kept]]));
  assert.equal(blocks.length, 1);
  assert.deepEqual([blocks[0]!.from, blocks[0]!.to], [8, 14]);
  assert.deepEqual(blocks[0]!.lines.filter((l) => l.anchor).map((l) => l.line), [10, 12]);
  assert.equal(a.anchor, evidenceAnchor('f.txt', 10));
  assert.equal(b.anchor, evidenceAnchor('f.txt', 12));
  assert.equal(gone.anchor, undefined);
  ev.appendix(undefined);
  assert.equal(a.anchor, undefined, 'no excerpts, no anchors');
});

test('report --out-dir writes report.html, report.md and report.json; the JSON validates', async () => {
  const out = mkdtempSync(join(tmpdir(), 'perftriage-report-'));
  try {
    const code = await reportCommand.run({ paths: [seedCase], 'out-dir': out, format: 'html', tool: undefined });
    assert.equal(code, 0);
    for (const name of ['report.html', 'report.md', 'report.json']) assert.ok(existsSync(join(out, name)), name);
    const doc = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as unknown;
    const v = validate('report', doc);
    assert.ok(v.valid, v.errors.join('; '));
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /^<!DOCTYPE html>/);
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /^# perftriage report: seed-case/);
    await assert.rejects(reportCommand.run({ paths: [seedCase], 'out-dir': out, o: join(out, 'x.html'), format: 'html' }), /--out-dir writes every format/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

/** The seed sample with its opensnoop output replaced (and the manifest entry of opensnoop.txt changed). */
async function seedWithOpens(opensnoop: string, manifestEntry: Record<string, string>): Promise<ChartView | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-opens-'));
  try {
    cpSync(seedCase, dir, { recursive: true });
    writeFileSync(join(dir, 'opensnoop.txt'), opensnoop);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    manifest.files = manifest.files.map((f) => (f.path === 'opensnoop.txt' ? { path: f.path, tool: 'opensnoop', ...manifestEntry } : f));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const { view } = await buildReports(dir);
    return view.charts.find((c) => c.id === 'chart-opens');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const UUID_A = '/tmp/9046db9e-fe25-11e8-b13f-0242ac110002';
const UUID_B = '/tmp/defee970-fe25-11e8-b13f-0242ac110002';

test('opens per second per pattern: one-second buckets from times of day (libbpf opensnoop -T)', async () => {
  const text = ['TIME     PID    COMM              FD ERR PATH', `14:40:35 12280  python             6   0 ${UUID_A}/1.txt`, `14:40:35 12280  python             6   0 ${UUID_A}/2.txt`, `14:40:37 12280  python             6   0 ${UUID_B}/3.txt`, ''].join('\n');
  const chart = await seedWithOpens(text, { command: 'opensnoop -T' });
  assert.ok(chart, 'drawn');
  assert.deepEqual(chart.series.map((s) => [s.label, s.points, s.max]), [['/tmp/{uuid}/{n}.txt', 3, '2/s']]);
  assert.match(chart.svg, />14:40:35</);
  assert.match(chart.note, /One-second buckets of 3 timed open/);
});

test('opens per second per pattern: bcc TIME(s) is seconds since the tool started', async () => {
  const text = ['TIME(s)       PID    COMM               FD ERR PATH', `0.000000000   12280  python              6   0 ${UUID_A}/1.txt`, `0.500000000   12280  python              6   0 ${UUID_A}/2.txt`, `2.100000000   12280  python              6   0 ${UUID_B}/3.txt`, ''].join('\n');
  const chart = await seedWithOpens(text, { command: '/usr/share/bcc/tools/opensnoop -T' });
  assert.ok(chart, 'drawn');
  assert.deepEqual(chart.series.map((s) => [s.points, s.max]), [[3, '2/s']]);
  assert.match(chart.svg, />\+0 s</);
  assert.match(chart.svg, /seconds since the tool started/);
});

test('opens per second per pattern: without times, the average over the manifest run window', async () => {
  const chart = await seedWithOpens(readFileSync(join(seedCase, 'opensnoop.txt'), 'utf8'), { command: 'opensnoop', started_at: '2018-12-14T14:40:30Z', ended_at: '2018-12-14T14:40:33Z' });
  assert.ok(chart, 'drawn');
  assert.deepEqual(chart.series.map((s) => [s.label, s.points, s.mean]), [['/tmp/{uuid}/{n}.txt', 2, '2/s']]);
  assert.match(chart.note, /average rate over its run window \(14:40:30–14:40:33/);
});

test('joinWordsCapped: a long list (the worker threads of a busy process) is cut after max, with the count left', () => {
  assert.equal(joinWordsCapped(['514']), '514');
  assert.equal(joinWordsCapped(['1', '2', '3']), '1, 2 and 3');
  const tids = Array.from({ length: 1234 + 8 }, (_, k) => String(26000 + k));
  assert.equal(joinWordsCapped(tids), '26000, 26001, 26002, 26003, 26004, 26005, 26006, 26007 and 1234 more');
  assert.equal(joinWordsCapped(['a', 'b', 'c', 'd', 'e'], 4), 'a, b, c, d and 1 more');
});

test('PSI chart: each timed snapshot\'s share of the interval before it, from the totals (recorded under load)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-psi-chart-'));
  try {
    cpSync(seedCase, dir, { recursive: true });
    cpSync(fixture('pressure', 'recorded-loop-io-load.txt'), join(dir, 'pressure.txt'));
    const { view } = await buildReports(dir);
    const chart = view.charts.find((c) => c.id === 'chart-pressure');
    assert.ok(chart, 'drawn');
    // In the sources' order, whatever order the lines came in; memory stayed at 0 (not drawn, said so).
    assert.deepEqual(chart.series.map((s) => [s.label, s.points, s.max]), [
      ['I/O, every task (io full)', 11, '86%'],
      ['a CPU, some task (cpu some)', 11, '1.53%'],
      ['I/O, some task (io some)', 11, '89.1%'],
    ]);
    assert.match(chart.note, /From pressure\.txt, 11 interval sample\(s\)\. 1 series at zero throughout \(idle\) not drawn\./);
    assert.match(chart.svg, />02:29:54</);
    const plain = await buildReports(seedCase);
    assert.ok(!plain.view.charts.some((c) => c.id === 'chart-pressure'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readExcerpts with line starts: the same lines read in runs from the noted starts; a wrong index shows it is used', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-excerpt-index-'));
  try {
    const lines = Array.from({ length: 50_000 }, (_, i) => `row ${i + 1} ${'y'.repeat(i % 13)}`);
    const body = Buffer.from(`${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'big.txt'), body);
    const splitter = new LineSplitter(() => {});
    splitter.indexLineStarts(1000);
    splitter.push(body);
    splitter.end();
    const index = new Map([['big.txt', { every: 1000, starts: splitter.lineStarts! }]]);
    const wanted = [3, 20_000, 20_004, 49_999].map((line) => ({ file: 'big.txt', line }));
    const plain = await readExcerpts(dir, wanted);
    const indexed = await readExcerpts(dir, wanted, undefined, undefined, index);
    assert.deepEqual([...indexed.get('big.txt')!.entries()].sort((a, b) => a[0] - b[0]), [...plain.get('big.txt')!.entries()].sort((a, b) => a[0] - b[0]));
    assert.equal(indexed.get('big.txt')!.get(20_004)!.text, lines[20_003]);
    assert.equal(indexed.get('big.txt')!.size, 5 + 9 + 4, 'lines 1-5, 19998-20006, 49997-50000');
    // Starts shifted by one line: the lines read are then the next ones, under the old numbers.
    const shifted = new Map([['big.txt', { every: 1000, starts: splitter.lineStarts!.map((o, k) => (k === 0 ? o : splitter.lineStarts![k]! + lines[k * 1000]!.length + 1)) }]]);
    const wrong = await readExcerpts(dir, wanted, undefined, undefined, shifted);
    assert.equal(wrong.get('big.txt')!.get(20_004)!.text, lines[20_004]);
    assert.deepEqual(wantedRuns([1, 2, 3, 900, 5000, 5001], 1000), [{ first: 1, last: 900 }, { first: 5000, last: 5001 }]);
    assert.deepEqual(startFor(index.get('big.txt'), 20_000), { line: 19_001, offset: splitter.lineStarts![19] });
    assert.equal(startFor(index.get('big.txt'), 999), undefined, 'before the second noted start: from the file start');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The report stage end to end: the seed sample and the real popularity capture (verdict, chain, charts,
 * evidence appendix, JSON schema), determinism, and a bundle full of markup that must stay text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Marked } from 'marked';
import { validate } from '../../src/timeline/schemas.js';
import { precompiledTemplatesUsed, renderHtml, renderMarkdown, setPrecompiledTemplates } from '../../src/report/render.js';
import { sharedDir, skipWithoutShared } from '../helpers.js';
import { PAYLOADS, buildReports, gfmCells, removeDir, seedCase, writeMaliciousBundle, type Reports } from './helpers.js';

const popularity = join(sharedDir, 'captures', 'popularity');

let seedReports: Promise<Reports> | undefined;
const seed = (): Promise<Reports> => (seedReports ??= buildReports(seedCase));

/** Attribute values that point somewhere: href/src/xlink:href/action/formaction, and CSS url(). */
function externalReferences(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\s(href|src|xlink:href|action|formaction|srcset|poster|data)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi)) {
    const value = m[2]!.replace(/^["']|["']$/g, '');
    if (!value.startsWith('#')) out.push(`${m[1]}=${value}`);
  }
  for (const m of html.matchAll(/url\(/gi)) out.push(`url( at ${m.index}`);
  return out;
}

/** Every tag the HTML really has (not escaped text): name and attributes. */
function tags(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9:-]*)([^>]*)>/g)].map((m) => `${m[1]!.toLowerCase()}${m[2]}`);
}

const ALLOWED_TAGS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'h2', 'h3', 'h4', 'p', 'code', 'nav', 'a', 'span', 'main', 'section', 'ol', 'li', 'ul', 'strong', 'article', 'dl', 'dt', 'dd', 'figure', 'figcaption', 'svg', 'g', 'line', 'text', 'rect', 'path', 'circle', 'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'details', 'summary', 'pre', 'footer', 'em', 'br']);

function assertSafeHtml(html: string, where: string): void {
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;">`), `${where}: CSP meta`);
  assert.deepEqual(externalReferences(html), [], `${where}: no reference leaves the page`);
  assert.doesNotMatch(html, /<script/i, `${where}: no script element`);
  for (const t of tags(html)) {
    const name = t.split(/[\s/]/)[0]!;
    assert.ok(ALLOWED_TAGS.has(name), `${where}: unexpected element <${t.slice(0, 80)}>`);
    assert.doesNotMatch(t, /\son[a-z]+\s*=/i, `${where}: event handler attribute in <${t.slice(0, 80)}>`);
    assert.doesNotMatch(t, /javascript:/i, `${where}: javascript: in <${t.slice(0, 80)}>`);
  }
  assert.doesNotMatch(html, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/, `${where}: no raw control or bidi characters`);
  // Every link into the appendix has its target.
  const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  for (const m of html.matchAll(/href="#([^"]+)"/g)) assert.ok(ids.has(m[1]), `${where}: #${m[1]} has no target`);
}

/** Markdown without its code: fenced blocks and code spans (any fence length), where text is literal. */
function outsideCode(md: string): string {
  return md.replace(/^(~{3,}|`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, '');
}

function assertTablesWellFormed(md: string, where: string): void {
  const lines = md.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (!/^\| (---:?|:?---)/.test(lines[i]!)) continue;
    const columns = gfmCells(lines[i - 1]!);
    assert.equal(gfmCells(lines[i]!), columns, `${where}: separator row at line ${i + 1}`);
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) assert.equal(gfmCells(lines[j]!), columns, `${where}: row at line ${j + 1} has a different cell count: ${lines[j]!.slice(0, 120)}`);
  }
}

test('seed sample: the verdict names the saturated device, the process, its thread, the pattern and the mount', async () => {
  const { view, doc, input } = await seed();
  const v = view.verdict;
  assert.equal(v.disk_bottleneck, 'yes');
  assert.equal(v.device, 'sda');
  assert.equal(v.pid, 12280);
  assert.equal(v.command, '/usr/local/bin/python /app.py');
  assert.deepEqual(v.tids, [514]);
  assert.equal(v.pattern, '/tmp/{uuid}/{n}.txt');
  assert.equal(v.mount, '/');
  // Other rules may add findings: the verdict quotes whichever is the most severe.
  for (const word of ['sda', '98.4%', '18.1 s', '12280', '/usr/local/bin/python /app.py', 'thread 514', '/tmp/{uuid}/{n}.txt', input.analysis.findings[0]!.title, '7.07 GiB']) assert.ok(v.text.includes(word), `verdict mentions ${word}: ${v.text}`);
  assert.equal((doc.verdict as { text: string }).text, v.text);
});

test('seed sample: the causal chain goes device ← process ← thread ← pattern ← mount, each join with its evidence', async () => {
  const { view } = await seed();
  assert.deepEqual(view.chain.map((s) => s.role), ['device', 'process', 'thread', 'pattern', 'mount']);
  const [device, process, thread, pattern, mount] = view.chain;
  assert.equal(device!.label, 'sda');
  assert.match(process!.links[0]!.says, /PID 12280 dirtied 1\.25 GiB placed on sda/);
  assert.ok(process!.links[0]!.evidence.some((e) => e.label === 'pidstat-d.txt:4'));
  assert.equal(thread!.links[0]!.relation, 'thread-of');
  assert.deepEqual(thread!.links[0]!.evidence.map((e) => e.label), ['ps-efT.txt:9']);
  assert.deepEqual(pattern!.links.map((l) => [l.relation, l.confidence]), [['basename-of', 'guess'], ['accessed', 'certain']]);
  assert.deepEqual(pattern!.links[0]!.evidence.map((e) => e.label), ['filetop.txt:6', 'filetop.txt:7', 'filetop.txt:8', 'filetop.txt:9']);
  assert.deepEqual(mount!.links.map((l) => l.relation), ['on-mount', 'mounted-from']);
  assert.equal(mount!.detail, '/dev/sda1 on sda, 29% used');
});

test('seed sample: findings by severity with evidence linked to the appendix, which shows the raw lines ±2', async () => {
  const { view, html, input } = await seed();
  // Grouped by severity, most severe first, every finding of the analysis once (other rules add their own).
  const order = { error: 0, warning: 1, note: 2 } as const;
  assert.equal(view.groups[0]!.severity, 'error');
  assert.deepEqual(view.groups.map((g) => order[g.severity]), [...view.groups.map((g) => order[g.severity])].sort());
  assert.equal(view.groups.reduce((n, g) => n + g.findings.length, 0), input.analysis.findings.length);
  const f = view.groups.flatMap((g) => g.findings).find((x) => x.rule === 'disk-saturation')!;
  assert.equal(f.severity, 'error');
  assert.deepEqual(f.evidence.map((e) => e.label), ['iostat-dx.txt:13', 'iostat-dx.txt:17', 'iostat-dx.txt:9']);
  assert.ok(f.evidence.every((e) => e.anchor?.match(/^ev-[0-9a-f]{10}-\d+$/)));
  // The iostat lines 9, 13 and 17 with their context: one block from line 2 to 18 (lines 4 and 5 are cited by the device table).
  const block = view.appendix.find((b) => b.file === 'iostat-dx.txt')!;
  assert.equal(block.from, 2);
  assert.equal(block.to, 18);
  const line13 = block.lines.find((l) => l.line === 13)!;
  assert.match(line13.text, /^sda +0\.00 +71\.00 .* 98\.40$/);
  assert.equal(line13.anchor, f.evidence[0]!.anchor);
  assert.equal(block.lines.find((l) => l.line === 12)!.anchor, undefined);
  assert.ok(html.includes(`<a class="ev" href="#${f.evidence[0]!.anchor}">iostat-dx.txt:13</a>`));
  assert.ok(html.includes(`id="${f.evidence[0]!.anchor}"`));
});

test('seed sample: charts are drawn with data, axes and units; charts without data are skipped with the reason', async () => {
  const { view, html } = await seed();
  const ids = view.charts.map((c) => c.id);
  for (const id of ['chart-cpu', 'chart-util', 'chart-await', 'chart-throughput', 'chart-proc-write']) assert.ok(ids.includes(id), `${id} drawn`);
  const util = view.charts.find((c) => c.id === 'chart-util')!;
  assert.deepEqual(util.series.map((s) => [s.label, s.points, s.max]), [['sda', 3, '98.4%']]);
  assert.match(util.svg, /<path class="line s0" d="M[\d.]+ [\d.]+ L[\d.]+ [\d.]+ L[\d.]+ [\d.]+"/);
  assert.match(util.svg, />100%</);
  const writes = view.charts.find((c) => c.id === 'chart-proc-write')!;
  assert.match(writes.svg, /14:39:15/, 'time labels from pidstat');
  assert.match(writes.svg, /MiB\/s</, 'unit on the y axis');
  assert.ok(view.skippedCharts.some((s) => s.title.startsWith('Opens per second') && /opensnoop -T/.test(s.reason)));
  assert.ok(view.skippedCharts.some((s) => s.title.startsWith('Write rate per thread')));
  assert.equal((html.match(/<svg class="chart"/g) ?? []).length, view.charts.length);
});

test('seed sample: HTML is self-contained and safe; Markdown tables are well-formed; JSON validates', async () => {
  const { html, md, doc } = await seed();
  assertSafeHtml(html, 'seed HTML');
  assert.match(html, /@media \(prefers-color-scheme: dark\)/);
  assert.match(html, /@media print/);
  assertTablesWellFormed(md, 'seed MD');
  assert.match(md, /^## Verdict: sda is the bottleneck, driven by PID 12280$/m);
  assert.match(md, /<details>/);
  const v = validate('report', doc);
  assert.ok(v.valid, v.errors.join('; '));
});

test('the same bundle gives byte-identical HTML, Markdown and JSON, with no date of today', async () => {
  const a = await seed();
  const b = await buildReports(seedCase);
  assert.equal(a.html, b.html);
  assert.equal(a.md, b.md);
  assert.equal(a.json, b.json);
  const today = new Date().toISOString().slice(0, 10);
  for (const text of [a.html, a.md, a.json]) assert.ok(!text.includes(today), `no ${today} in the output`);
});

test('the build\'s precompiled templates render what compiling templates/ renders, on the seed sample and a malicious bundle', async () => {
  const dir = writeMaliciousBundle();
  try {
    for (const path of [seedCase, dir]) {
      const { view } = await buildReports(path);
      setPrecompiledTemplates(true);
      const before = precompiledTemplatesUsed;
      const html = renderHtml(view);
      const md = renderMarkdown(view);
      // Both reports and their partials came precompiled (npm run build made them from this text).
      assert.ok(precompiledTemplatesUsed - before >= 4, `precompiled templates used: ${precompiledTemplatesUsed - before}`);
      setPrecompiledTemplates(false);
      assert.equal(html, renderHtml(view), `${path}: HTML`);
      assert.equal(md, renderMarkdown(view), `${path}: Markdown`);
      setPrecompiledTemplates(true);
    }
  } finally {
    setPrecompiledTemplates(true);
    removeDir(dir);
  }
});

test('popularity: the disk was not the bottleneck; the app, its worker threads and the pattern are named', { skip: skipWithoutShared }, async () => {
  const r = await buildReports(popularity);
  const v = r.view.verdict;
  assert.equal(v.disk_bottleneck, 'no');
  assert.equal(v.device, 'vda');
  assert.equal(v.pid, 26246);
  assert.equal(v.command, '/usr/bin/python3 /srv/app/popularity_app.py');
  for (const tid of [26265, 26415, 26460]) assert.ok(v.tids.includes(tid), `worker ${tid}`);
  assert.ok(!v.tids.includes(26246), 'not the main thread');
  assert.equal(v.pattern, '/tmp/{uuid}/{n}.txt');
  // The balance's figures belong to the model (its tests pin them); the verdict states them.
  assert.match(v.text, /^The disk was not the bottleneck: processes dirtied [\d.]+ [KMG]iB \([\d.]+ [KMG]iB of writes cancelled/);
  assert.match(v.text, /`?vda`? wrote nothing/);
  for (const word of ['26246', '26265', '26415', '26460', '/tmp/{uuid}/{n}.txt', 'page cache absorbed']) {
    assert.ok(v.text.includes(word), `verdict mentions ${word}`);
    assert.ok(r.html.includes(word), `HTML mentions ${word}`);
    assert.ok(r.md.includes(word.replace(/[_*[\]`|<>]/g, (c) => `\\${c}`)), `Markdown mentions ${word}`);
  }
  assert.equal((r.doc.verdict as { disk_bottleneck: string }).disk_bottleneck, 'no');
  const valid = validate('report', r.doc);
  assert.ok(valid.valid, valid.errors.join('; '));
  // The thread chart from pidstat -dt, with the workers.
  const threads = r.view.charts.find((c) => c.id === 'chart-thread-write')!;
  assert.ok(threads.series.some((s) => s.label.startsWith('TID 26415 of 26246')));
  assert.match(threads.svg, /<path class="line s0" d="M/);
  // A command line with a URL in it (the load driver) is text, never a link.
  assert.ok(r.html.includes('http://127.0.0.1:10000/popularity/word'));
  assertSafeHtml(r.html, 'popularity HTML');
  assertTablesWellFormed(r.md, 'popularity MD');
});

test('a malicious bundle: its markup stays text in HTML and Markdown, and no link, script or handler appears', async () => {
  const dir = writeMaliciousBundle();
  try {
    const r = await buildReports(dir);
    assertSafeHtml(r.html, 'malicious HTML');
    // The payloads are there, as escaped text.
    assert.ok(r.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'script payload shown as text');
    assert.ok(r.html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;'), 'img payload shown as text');
    assert.ok(r.html.includes('\\x1b[31mred'), 'terminal escape made visible');
    assert.ok(r.html.includes('\\u202etxt.exe'), 'bidi override made visible');
    // The bundle's markup never reaches the page as markup, wherever it came from.
    for (const p of Object.values(PAYLOADS)) assert.ok(!r.html.includes(p) || !/[<>]/.test(p), `raw ${p} in HTML`);

    // Markdown: outside code (spans and the appendix's fenced blocks, where text is literal) no raw HTML,
    // no link, no URL; no control characters anywhere; rendered by a GFM renderer it makes no element from the bundle.
    const prose = outsideCode(r.md);
    assert.ok(r.md.length - prose.length > 1000, 'the payloads are in code spans and fenced blocks');
    assert.doesNotMatch(prose, /(?<!\\)<(script|img|svg|b>)/i, "no unescaped tag");
    assert.doesNotMatch(prose, /(?<!\\)\](?:\(|\[)/, 'no Markdown link or reference');
    assert.ok(!prose.includes('http://evil'), 'no bare URL that GFM would autolink');
    assert.doesNotMatch(r.md, /[\u001b\u202e]/);
    assertTablesWellFormed(r.md, 'malicious MD');
    const rendered = new Marked({ gfm: true }).parse(r.md) as string;
    assert.doesNotMatch(rendered, /<script|<img|<svg/i);
    for (const t of tags(rendered)) assert.doesNotMatch(t, /\son[a-z]+\s*=|javascript:/i, `rendered Markdown element <${t.slice(0, 80)}>`);
    const anchors = [...rendered.matchAll(/<a [^>]*href="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(anchors, [], 'the rendered Markdown has no links at all');
    // The findings still name the evil command, escaped.
    assert.ok(r.view.verdict.command?.includes(PAYLOADS.script));
    const valid = validate('report', r.doc);
    assert.ok(valid.valid, valid.errors.join('; '));
  } finally {
    removeDir(dir);
  }
});

test('a saturated disk the kernel also logged errors for: the verdict says to check it before reducing its load', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-failing-'));
  try {
    cpSync(seedCase, dir, { recursive: true });
    // The seed case's sda, failing writes as the block layer reports it (docs/parsers/dmesg.md).
    writeFileSync(join(dir, 'dmesg.txt'), '[ 1200.000000] blk_update_request: I/O error, dev sda, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0\n');
    const { view, md } = await buildReports(dir);
    assert.match(md, /^## Verdict: sda looks saturated, but the kernel logged errors for it; PID 12280 drove its load$/m);
    assert.match(view.verdict.text, /The kernel also logged errors for sda \(storage-errors\): .*check its health and path \(smartctl -a \/dev\/sda\) before reducing its load\./);
    assert.ok(view.verdict.evidence.some((e) => e.file === 'dmesg.txt' && e.line === 1), 'the kernel line is cited');
    const plain = await seed();
    assert.doesNotMatch(plain.view.verdict.text, /kernel also logged/);
    assert.equal(plain.view.verdict.headline, 'sda is the bottleneck, driven by PID 12280');
  } finally {
    removeDir(dir);
  }
});

/**
 * Hostile strings in every field that reaches an output — file names (with a newline and a fake workflow
 * command), a command line (HTML, an escape sequence, a bidi override, Handlebars, a Markdown link, a
 * table pipe) — stay inert in every format `check`, `analyze` and `report` write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';
import { runCli } from './run-cli.js';

const HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(1)> \u001b[31mRED\u001b]0;title\u0007 \u202eevil {{constructor.constructor}} [x](javascript:alert(1)) ![i](http://evil/i.png) <!-- c --> | pipe `tick`';

function hostileBundle(dir: string): string {
  const bundle = join(dir, 'bundle');
  mkdirSync(bundle);
  writeFileSync(
    join(bundle, 'ps-ef.txt'),
    `UID          PID    PPID  C STIME TTY          TIME CMD\nroot        4242       1 30 10:00 ?        00:10:00 /usr/bin/python3 ${HOSTILE}\n`,
  );
  // Unrecognized files: capture-quality names them, so their names reach every format with a location.
  writeFileSync(join(bundle, 'evil<img src=x onerror=alert(1)>\u202e%0A::error::pwned,x:y.txt'), 'hello\n');
  writeFileSync(join(bundle, 'nl\n::warning::injected.txt'), 'hi\n');
  return bundle;
}

test('hostile names and commands: inert in text, GitHub, SARIF, JUnit, Code Quality, JSON, Markdown and HTML', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-inject-'));
  try {
    const bundle = hostileBundle(dir);
    const run = (args: string[]): string => {
      const r = runCli(args);
      assert.ok(r.code === 0 || r.code === 1, `${args.join(' ')}: exit ${r.code} ${r.stderr}`);
      assert.ok(!r.stderr.includes('\u001b') && !r.stderr.includes('\u202e'), 'stderr is escaped too');
      return r.stdout;
    };
    // Terminal text: no control character acts, no bundle newline starts a line (a CI runner would read
    // `::error::` at a line start as a command).
    for (const [i, text] of [run(['analyze', bundle]), run(['check', bundle, '--fail-on', 'none']), run(['model', bundle])].entries()) {
      for (const bad of ['\u001b', '\u202e', '\u0000', '\u0007']) assert.ok(!text.includes(bad), `terminal text holds ${JSON.stringify(bad)}`);
      assert.ok(!text.split('\n').some((l) => l.startsWith('::')), 'a line starts with ::');
      if (i < 2) assert.match(text, /nl\\x0a::warning::injected\.txt/);
    }
    // GitHub workflow commands: every line is one command; data cannot open another.
    const github = run(['check', bundle, '--fail-on', 'none', '--format', 'github']);
    const lines = github.split('\n').filter(Boolean);
    const plain = lines.filter((l) => !l.startsWith('::'));
    assert.deepEqual(plain.map((l) => l.startsWith('perftriage check: ')), [true], 'only the status line is not a command');
    for (const line of lines.filter((l) => l.startsWith('::'))) assert.match(line, /^::(error|warning|notice)( [^\n]*)?::/);
    assert.equal(lines.filter((l) => /^::warning::injected/.test(l)).length, 0, 'the file name opened a command');
    // SARIF, Code Quality and JSON parse; displayed messages show bidi controls as escapes.
    const sarif = JSON.parse(run(['check', bundle, '--fail-on', 'none', '--format', 'sarif'])) as { runs: { results: { message: { text: string } }[] }[] };
    for (const r of sarif.runs[0]!.results) assert.ok(!r.message.text.includes('\u202e'), 'SARIF message holds a bidi override');
    const cq = JSON.parse(run(['check', bundle, '--fail-on', 'none', '--format', 'codequality'])) as { description: string }[];
    for (const c of cq) assert.ok(!c.description.includes('\u202e'));
    JSON.parse(run(['check', bundle, '--fail-on', 'none', '--format', 'json']));
    JSON.parse(run(['analyze', bundle, '--format', 'json']));
    // JUnit: well-formed, markup escaped, no character XML 1.0 forbids.
    const junit = run(['check', bundle, '--fail-on', 'none', '--format', 'junit']);
    assert.ok(!/<script|<img/.test(junit));
    assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(junit), 'JUnit holds a character XML 1.0 forbids');
    assert.equal((junit.match(/<testcase\b/g) ?? []).length, (junit.match(/<\/testcase>|<testcase\b[^>]*\/>/g) ?? []).length);
    // The report: no element, handler or link from the bundle.
    const html = run(['report', bundle, '--format', 'html']);
    assert.ok(!html.includes('<script'), 'a script element');
    assert.ok(!/<img\b/.test(html), 'an img element');
    assert.ok(!/\son[a-z]+=/i.test(html.replace(/&[a-z#0-9]+;/gi, '')), 'an event handler attribute');
    assert.ok(!html.includes('javascript:alert'), 'a javascript: URL outside escaped text');
    assert.ok(!html.includes('\u202e') && !html.includes('\u001b'));
    // Markdown as GitHub would render it (marked, GFM): bundle text yields no element and no link.
    const md = run(['report', bundle, '--format', 'md']);
    const rendered = marked.parse(md, { gfm: true, async: false });
    assert.ok(!/<script|<img\b|<iframe/i.test(rendered), 'raw HTML from the bundle in the rendered Markdown');
    assert.ok(!/href="javascript:/i.test(rendered) && !/href="http:\/\/evil/.test(rendered), 'a link from the bundle');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

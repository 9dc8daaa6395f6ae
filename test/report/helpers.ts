/**
 * Helpers for report tests: the whole pipeline on a bundle (as `perftriage report` runs it) and the three
 * renderings; a malicious bundle whose names, commands, paths and strace strings carry markup.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline, type PipelineResult } from '../../src/cli/pipeline.js';
import { allRules, resolveConfig } from '../../src/rules/index.js';
import { buildReportView, buildReportJson, renderHtml, renderMarkdown, renderJson, type ReportView } from '../../src/report/index.js';
import { repoRoot } from '../helpers.js';

export const seedCase = join(repoRoot, 'samples', 'seed-case');

export interface Reports {
  input: PipelineResult;
  view: ReportView;
  html: string;
  md: string;
  json: string;
  doc: Record<string, unknown>;
}

export async function buildReports(path: string): Promise<Reports> {
  const input = await runPipeline(path, {}, resolveConfig(undefined, allRules));
  const view = await buildReportView(input, path);
  return { input, view, html: renderHtml(view), md: renderMarkdown(view), json: renderJson(view, input), doc: buildReportJson(view, input) };
}

/** What a hostile bundle puts in names and text. */
export const PAYLOADS = {
  script: '<script>alert(1)</script>',
  img: '<img src=x onerror=alert(2)>',
  js: 'javascript:alert(3)',
  mdLink: '[x](http://evil.example/steal)',
  svg: '<svg/onload=alert(4)>',
} as const;

const ESC = '\u001b';
const RLO = '\u202e';

/**
 * The seed sample rewritten by an attacker: the app's command line, a pidstat command, opensnoop paths,
 * filetop names, strace strings and file names carry HTML, Markdown links, pipes, backticks, terminal
 * escapes and a bidi override. Returns the folder; the caller removes it.
 */
export function writeMaliciousBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-evil-'));
  cpSync(seedCase, dir, { recursive: true });
  unlinkSync(join(dir, 'manifest.json'));
  const evilCommand = `/usr/local/bin/python /app.py ${PAYLOADS.script} ${PAYLOADS.img} ${PAYLOADS.mdLink} ${PAYLOADS.js} | \`id\` *bold* _x_ ${ESC}[31mred${ESC}[0m ${RLO}txt.exe`;
  const ps = readFileSync(join(dir, 'ps-efT.txt'), 'utf8').replaceAll('/usr/local/bin/python /app.py', evilCommand);
  writeFileSync(join(dir, 'ps-efT.txt'), ps);
  writeFileSync(join(dir, 'pidstat-d.txt'), readFileSync(join(dir, 'pidstat-d.txt'), 'utf8').replaceAll('jbd2/sda1-8', PAYLOADS.svg));
  const opens = readFileSync(join(dir, 'opensnoop.txt'), 'utf8')
    .replace('/tmp/9046db9e-fe25-11e8-b13f-0242ac110002/650.txt', `/tmp/${PAYLOADS.script}/${PAYLOADS.img}.txt`)
    .replace('/tmp/9046db9e-fe25-11e8-b13f-0242ac110002/651.txt', `/tmp/${PAYLOADS.mdLink}|\`x\`/${PAYLOADS.js}.txt`);
  writeFileSync(join(dir, 'opensnoop.txt'), opens);
  writeFileSync(join(dir, 'filetop.txt'), readFileSync(join(dir, 'filetop.txt'), 'utf8').replace('669.txt', '<b>669.txt'));
  const strace = readFileSync(join(dir, 'strace-p.txt'), 'utf8').replace(
    '/usr/local/lib/python3.7/importlib/_bootstrap.py',
    `/srv/${PAYLOADS.script}${PAYLOADS.mdLink}.py`,
  );
  writeFileSync(join(dir, 'strace-p.txt'), strace);
  // A file the sniffer does not know, named with markup: listed among the files not read.
  writeFileSync(join(dir, `${PAYLOADS.img}<script>alert(5).txt`), `hello ${PAYLOADS.script}\n`);
  // iostat under a hostile name: its lines are evidence, so the name is in links, headings and the appendix.
  cpSync(join(dir, 'iostat-dx.txt'), join(dir, `${PAYLOADS.img}[x](http:__evil)|iostat.txt`));
  unlinkSync(join(dir, 'iostat-dx.txt'));
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Count the table cells of a GFM row: pipes that are not backslash-escaped. */
export function gfmCells(row: string): number {
  let pipes = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\') i++;
    else if (row[i] === '|') pipes++;
  }
  return pipes - 1;
}

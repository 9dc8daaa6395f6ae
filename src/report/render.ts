/**
 * View model → HTML and Markdown, with the Handlebars templates in `templates/` (`report.html.hbs`,
 * `report.md.hbs`, shared pieces in `templates/partials/`). One isolated Handlebars environment per
 * format, so the Markdown helpers never leak into the HTML one.
 *
 * Escaping (see escape.ts): the HTML template uses `{{ }}` for every value (Handlebars escapes text and
 * attributes); the only raw insertions are the SVG charts (built and escaped by charts.ts) and `prose`,
 * our rule text rendered by a hardened marked (raw HTML escaped, links and images reduced to their text,
 * so no URL of any kind reaches the page). The Markdown template wraps every value in a helper (`md`,
 * `cell`, `code`, `prose`); a value that forgot its helper still gets Handlebars' HTML escaping, which is
 * safe in Markdown too.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { Marked } from 'marked';
import { packageRoot, templatesDir } from '../common/paths.js';
import { escapeHtml, mdCell, mdCode, mdText, visible } from './escape.js';
import type { ReportView, Segment } from './view-model.js';

type HelperFn = (...args: unknown[]) => unknown;

/** Our Markdown prose (rule recommendations) as HTML that cannot carry markup or URLs from anywhere. */
const hardenedMarked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    link({ tokens }) {
      return this.parser.parseInline(tokens);
    },
    image({ text }) {
      return escapeHtml(text);
    },
  },
});

export function proseToHtml(markdown: string): string {
  return hardenedMarked.parse(markdown) as string;
}

/**
 * Our prose into a Markdown document: its emphasis and code spans stay, but it cannot open HTML, a
 * table cell, a link or an autolink (rule text may quote names from the bundle).
 */
export function proseToMarkdown(markdown: string): string {
  return visible(markdown.replace(/\r?\n/g, ' '))
    .replace(/[<>&|[\]]/g, (ch) => `\\${ch}`)
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}

/** A fenced block for raw lines: tildes, longer than any run of tildes or backticks inside. */
export function mdFence(lines: readonly string[]): string {
  let longest = 2;
  for (const l of lines) for (const run of l.match(/[~`]+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '~'.repeat(longest + 1);
  return `${fence}text\n${lines.join('\n')}\n${fence}`;
}

/**
 * A template's text as it is compiled: a partial without its final newline (an inline partial, evidence in
 * a table cell, must not break the line). scripts/precompile-templates.mjs prepares the texts the same way.
 */
function templateText(name: string): string {
  const text = readFileSync(join(templatesDir(), name), 'utf8');
  return name.startsWith('partials/') ? text.replace(/\r?\n$/, '') : text;
}

type PrecompiledSpecs = Record<string, { hash: string; spec: TemplateSpecification }>;
type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

let precompiled: PrecompiledSpecs | null | undefined;

/** The build's precompiled templates (scripts/precompile-templates.mjs), or null when the build made none. */
function precompiledSpecs(): PrecompiledSpecs | null {
  if (precompiled !== undefined) return precompiled;
  try {
    precompiled = createRequire(import.meta.url)('./templates.precompiled.cjs') as PrecompiledSpecs;
  } catch {
    precompiled = null;
  }
  return precompiled;
}

/** Use precompiled templates when their text is unchanged (tests turn it off to compare with compiling). */
let usePrecompiled = true;

export function setPrecompiledTemplates(use: boolean): void {
  usePrecompiled = use;
  htmlTemplate = undefined;
  mdTemplate = undefined;
}

/** Templates taken precompiled so far (tests: the build's specs are in use). */
export let precompiledTemplatesUsed = 0;

/**
 * Template `name` in environment `hb`: the build's precompiled form when it was made from this very
 * text (compiling both reports' templates took ~0.15–0.2 s of every report run), else compiled now.
 */
function loadTemplate(hb: typeof Handlebars, name: string): HandlebarsTemplateDelegate {
  const text = templateText(name);
  const stored = usePrecompiled ? precompiledSpecs()?.[name] : undefined;
  if (stored && stored.hash === createHash('sha256').update(text).digest('hex')) {
    precompiledTemplatesUsed++;
    return hb.template(stored.spec);
  }
  return hb.compile(text);
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '';
  } catch {
    return '';
  }
}

function registerPartials(hb: typeof Handlebars, suffix: string): void {
  const dir = join(templatesDir(), 'partials');
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(suffix)) continue;
    hb.registerPartial(file.slice(0, -suffix.length), loadTemplate(hb, `partials/${file}`));
  }
}

const commonHelpers: Record<string, HelperFn> = {
  eq: (a, b) => a === b,
  array: (...args) => args.slice(0, -1),
  gt: (a, b) => typeof a === 'number' && typeof b === 'number' && a > b,
  len: (a) => (Array.isArray(a) ? a.length : 0),
  or: (...args) => args.slice(0, -1).some(Boolean),
  upper: (a) => String(a ?? '').toUpperCase(),
};

let htmlTemplate: HandlebarsTemplateDelegate | undefined;
let mdTemplate: HandlebarsTemplateDelegate | undefined;

function htmlEnv(): HandlebarsTemplateDelegate {
  if (htmlTemplate) return htmlTemplate;
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(commonHelpers)) hb.registerHelper(name, fn);
  hb.registerHelper('prose', (text: unknown) => new hb.SafeString(proseToHtml(String(text ?? ''))));
  // Visible escapes for control characters; Handlebars escapes the result.
  hb.registerHelper('vis', (text: unknown) => visible(String(text ?? '')));
  hb.registerHelper('svg', (svg: unknown) => new hb.SafeString(typeof svg === 'string' && svg.startsWith('<svg class="chart"') ? svg : ''));
  registerPartials(hb, '.html.hbs');
  htmlTemplate = loadTemplate(hb, 'report.html.hbs');
  return htmlTemplate;
}

function mdEnv(): HandlebarsTemplateDelegate {
  if (mdTemplate) return mdTemplate;
  const hb = Handlebars.create();
  const safe = (s: string): Handlebars.SafeString => new hb.SafeString(s);
  for (const [name, fn] of Object.entries(commonHelpers)) hb.registerHelper(name, fn);
  hb.registerHelper('md', (text: unknown) => safe(mdText(String(text ?? ''))));
  hb.registerHelper('cell', (text: unknown) => safe(mdCell(String(text ?? ''))));
  hb.registerHelper('code', (text: unknown) => safe(mdCode(String(text ?? ''))));
  hb.registerHelper('prose', (text: unknown) => safe(proseToMarkdown(String(text ?? ''))));
  hb.registerHelper('segments', (segments: unknown) => safe(((segments as Segment[] | undefined) ?? []).map((s) => (s.code ? mdCode(s.text) : mdText(s.text))).join('')));
  hb.registerHelper('fence', (lines: unknown) => safe(mdFence(((lines as { line: number; text: string; cut: boolean; anchor?: string }[] | undefined) ?? []).map((l) => `${l.anchor ? '>' : ' '}${String(l.line).padStart(6)}  ${visible(l.text)}${l.cut ? ' …[cut]' : ''}`))));
  // Table rows: the separator row from the columns' alignment.
  hb.registerHelper('align', (columns: unknown) => safe(((columns as { num?: boolean }[] | undefined) ?? []).map((c) => (c.num ? '---:' : '---')).join(' | ')));
  registerPartials(hb, '.md.hbs');
  mdTemplate = loadTemplate(hb, 'report.md.hbs');
  return mdTemplate;
}

/** What the templates read besides the view: the tool's version (no date: reports are reproducible). */
function context(view: ReportView): Record<string, unknown> {
  return { ...view, version: packageVersion() };
}

export function renderHtml(view: ReportView): string {
  return htmlEnv()(context(view));
}

export function renderMarkdown(view: ReportView): string {
  // Collapse the blank-line runs the template's block helpers leave behind.
  return `${mdEnv()(context(view)).replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/**
 * Escaping for the report's targets. Everything that comes from a bundle (file names, commands, paths,
 * strace strings, device names) is untrusted: it may hold HTML, Markdown links, terminal escapes or bidi
 * overrides. Rules:
 * - control and bidi characters are always shown as visible escapes first (`visible`), so nothing can
 *   reorder or hide what a reader sees;
 * - HTML: Handlebars `{{ }}` escapes text and attribute values; code that writes markup itself (the SVG
 *   charts) uses `escapeHtml`; ids and anchors are hashes (`safeId`), never names;
 * - Markdown: every ASCII punctuation that Markdown or GFM gives a meaning to is backslash-escaped
 *   (`mdText`), table cells are single-line (`mdCell`), and code spans use a fence longer than any
 *   backtick run of their content (`mdCode`).
 */
import { createHash } from 'node:crypto';
import { forTerminal } from '../common/escape.js';

/** Control characters (newlines included) and bidi controls as visible `\xNN` / `\uNNNN`. */
export function visible(text: string): string {
  return forTerminal(text);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' };

/** For markup written by code (SVG): text and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return visible(text).replace(/[&<>"'`=]/g, (ch) => HTML_ESCAPES[ch]!);
}

// Backslash escapes are valid for any ASCII punctuation in CommonMark; these are the ones that can start
// emphasis, links, images, HTML, code, tables, headings, strikethrough or entities anywhere in a line.
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|#!~&]/g;

/**
 * Inline Markdown text: shown literally by any CommonMark/GFM renderer. Inline only: the templates never
 * start a line with bundle text, where `-`, `+` or `1.` would open a list.
 */
export function mdText(text: string): string {
  return (
    visible(text)
      .replace(MARKDOWN_SPECIAL, (ch) => `\\${ch}`)
      // GFM turns bare `http://…` and `www.…` into links: break the scheme and the www. prefix.
      .replace(/:\/\//g, ':\\/\\/')
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`)
  );
}

/** A GFM table cell: one line (newlines are already visible escapes), pipes escaped. Empty → `-`. */
export function mdCell(text: string): string {
  const escaped = mdText(text);
  return escaped === '' ? '-' : escaped;
}

/** A code span holding untrusted text: the fence is one backtick longer than the longest run inside. */
export function mdCode(text: string): string {
  const shown = visible(text);
  let longest = 0;
  for (const run of shown.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = shown.startsWith('`') || shown.endsWith('`') || shown.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/** An id safe in HTML attributes and URL fragments, stable for the same key: `prefix-<12 hex>`. */
export function safeId(prefix: string, key: string): string {
  return `${prefix}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** The appendix anchor of one evidence line: `ev-<hash of the file>-<line>`. */
export function evidenceAnchor(file: string, line: number): string {
  return `ev-${createHash('sha256').update(file).digest('hex').slice(0, 10)}-${line}`;
}

/**
 * The report stage (after rules): one view model from {timeline, model, analysis}, rendered as a
 * self-contained HTML page, a GitHub-flavoured Markdown report, or JSON. See docs/report.md.
 */
import { readExcerpts } from './excerpts.js';
import { lineStartsOf } from '../timeline/build.js';
import { buildViewModel, evidenceWanted, withExcerpts, type ReportInput, type ReportView } from './view-model.js';

export { buildViewModel, evidenceWanted, withExcerpts } from './view-model.js';
export type { ReportInput, ReportView, Verdict } from './view-model.js';
export { renderHtml, renderMarkdown, proseToHtml, proseToMarkdown } from './render.js';
export { buildReportJson, renderJson, REPORT_SCHEMA_ID, REPORT_VERSION } from './json.js';
export { readExcerpts } from './excerpts.js';

/**
 * The view with its appendix: builds the view model, reads the cited lines (± 2) back from the bundle
 * at `bundlePath` (not possible for `-`: the appendix then says so), and attaches them.
 */
export async function buildReportView(input: ReportInput, bundlePath: string, rewrite?: (text: string) => string): Promise<ReportView> {
  const view = buildViewModel(input);
  const excerpts = bundlePath === '-' ? undefined : await readExcerpts(bundlePath, evidenceWanted(view), undefined, rewrite, lineStartsOf(input.timeline));
  return withExcerpts(view, excerpts);
}

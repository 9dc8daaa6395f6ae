/**
 * The HTML report in a real browser (Debian's chromium driven by playwright-core): the sample's page and a
 * malicious bundle's page load without running any script and without any request leaving the page, the
 * charts have drawn paths, and the Content-Security-Policy blocks an inline handler even when one is
 * injected after load. Screenshots go to test/artifacts/ (ignored by git).
 *
 * Skipped, with the reason, when playwright-core is not installed or /usr/bin/chromium is absent
 * (`.ci/run` installs both: `apt-get install -y chromium`, playwright-core as a devDependency).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers.js';
import { buildReports, removeDir, seedCase, writeMaliciousBundle } from './helpers.js';

const CHROMIUM = process.env.PERFTRIAGE_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(repoRoot, 'test', 'artifacts');

/** The little of playwright-core's API this test uses (the package is optional, so its types are too). */
interface Page {
  on(event: 'dialog', fn: (d: { message(): string; dismiss(): Promise<void> }) => void): void;
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  on(event: 'request', fn: (r: { url(): string }) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  goto(url: string, options?: { waitUntil?: string }): Promise<unknown>;
  /** An expression evaluated in the page (a string: this project compiles without the DOM library). */
  evaluate<T>(expression: string): Promise<T>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  emulateMedia(options: { colorScheme?: 'light' | 'dark' }): Promise<void>;
  waitForTimeout(ms: number): Promise<void>;
}
interface Browser {
  newPage(options?: { javaScriptEnabled?: boolean }): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser> };
}

async function loadPlaywright(): Promise<Playwright | string> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is absent (apt-get install -y chromium, or set PERFTRIAGE_CHROMIUM)`;
  // A variable specifier: the package is optional, so the compiler must not require it.
  const specifier = 'playwright-core';
  try {
    return (await import(specifier)) as Playwright;
  } catch {
    return 'playwright-core is not installed (npm install playwright-core)';
  }
}

const loaded = await loadPlaywright();
const skip = typeof loaded === 'string' ? `browser test skipped: ${loaded}` : false;
if (skip) process.stderr.write(`${skip}\n`);

interface PageCheck {
  dialogs: string[];
  requests: string[];
  errors: string[];
  console: string[];
  dom: { scripts: number; images: number; iframes: number; charts: number; drawnPaths: number; verdict: string; handlerRan: boolean };
}

/**
 * Runs in the page: counts what must not be there, the charts' drawn paths (a `d` starting with M and a
 * non-empty box), and injects an inline handler after load that the page's CSP must refuse.
 */
const INSPECT = `(() => {
  const paths = [...document.querySelectorAll('svg.chart path.line')].filter((p) => {
    const box = p.getBBox();
    return (p.getAttribute('d') || '').startsWith('M') && (box.width > 0 || box.height > 0);
  });
  document.body.insertAdjacentHTML('beforeend', '<img src="data:," onload="window.__perftriageHandlerRan = true" onerror="window.__perftriageHandlerRan = true">');
  return {
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img').length - 1,
    iframes: document.querySelectorAll('iframe, object, embed').length,
    charts: document.querySelectorAll('svg.chart').length,
    drawnPaths: paths.length,
    verdict: (document.querySelector('#verdict') || {}).textContent || '',
    handlerRan: window.__perftriageHandlerRan === true,
  };
})()`;

/** Open one HTML file, watch for dialogs, requests and errors, inspect the DOM, take screenshots. */
async function openReport(browser: Browser, file: string, shot: string): Promise<PageCheck> {
  const page = await browser.newPage();
  const check: PageCheck = { dialogs: [], requests: [], errors: [], console: [], dom: { scripts: 0, images: 0, iframes: 0, charts: 0, drawnPaths: 0, verdict: '', handlerRan: false } };
  const own = pathToFileURL(file).href;
  page.on('dialog', (d) => {
    check.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== own) check.requests.push(r.url());
  });
  page.on('pageerror', (e) => check.errors.push(e.message));
  page.on('console', (m) => check.console.push(`${m.type()}: ${m.text()}`));
  await page.goto(own, { waitUntil: 'load' });
  check.dom = await page.evaluate<PageCheck['dom']>(INSPECT);
  await page.waitForTimeout(200);
  check.dom.handlerRan = check.dom.handlerRan || (await page.evaluate<boolean>('window.__perftriageHandlerRan === true'));
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${shot}.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(artifacts, `${shot}-dark.png`), fullPage: false });
  return check;
}

function assertQuiet(check: PageCheck, where: string): void {
  assert.deepEqual(check.dialogs, [], `${where}: no script ran (no dialog)`);
  assert.deepEqual(check.requests, [], `${where}: no request left the page`);
  assert.deepEqual(check.errors, [], `${where}: no page error`);
  assert.equal(check.dom.scripts, 0, `${where}: no script element`);
  assert.equal(check.dom.images, 0, `${where}: no img element from the bundle`);
  assert.equal(check.dom.iframes, 0, `${where}: no frame or object`);
  assert.equal(check.dom.handlerRan, false, `${where}: the CSP refuses inline handlers`);
}

test('the HTML reports of the sample and of a malicious bundle, in chromium', { skip, timeout: 120_000 }, async () => {
  const pw = loaded as Playwright;
  const tmp = mkdtempSync(join(tmpdir(), 'perftriage-browser-'));
  const evil = writeMaliciousBundle();
  const browser = await pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const seedHtml = join(tmp, 'seed.html');
    const evilHtml = join(tmp, 'malicious.html');
    const seedReport = await buildReports(seedCase);
    writeFileSync(seedHtml, seedReport.html);
    writeFileSync(evilHtml, (await buildReports(evil)).html);

    const seed = await openReport(browser, seedHtml, 'report-seed');
    assertQuiet(seed, 'sample');
    assert.equal(seed.dom.charts, seedReport.view.charts.length);
    assert.ok(seed.dom.drawnPaths >= 5, `charts have drawn paths (${seed.dom.drawnPaths})`);
    assert.match(seed.dom.verdict, /sda is the bottleneck/);
    assert.match(seed.dom.verdict, /thread 514/);

    const bad = await openReport(browser, evilHtml, 'report-malicious');
    assertQuiet(bad, 'malicious bundle');
    assert.ok(bad.dom.drawnPaths >= 5, 'charts still drawn');
    assert.match(bad.dom.verdict, /<script>alert\(1\)<\/script>/, 'the payload is shown as text');
  } finally {
    await browser.close();
    removeDir(evil);
    rmSync(tmp, { recursive: true, force: true });
  }
});

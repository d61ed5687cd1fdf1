'use strict';
// Load pages in headless Chromium and report, per page, what a visitor's console would show.
//
//   node check_pages.cjs BASE_URL PAGE...   (PAGE relative to BASE_URL, e.g. "igs/noord/")
//
// Prints JSON: {page: {status, console: [...], errors: [...], csp: [...], thirdParty: [...]}}.
// `csp` lists `securitypolicyviolation` events, `errors` uncaught exceptions, `console` every
// console error (failed loads included), `thirdParty` requests to hosts other than 127.0.0.1,
// which are blocked. Needs playwright-core: SITE_CHECK_NODE_MODULES names the node_modules folder
// that holds it; CHROME_BIN the browser (default: chromium on PATH).
const { launch } = require('./launch.cjs');

const PARALLEL = 4;

async function check(context, base, rel) {
  const entry = { status: 0, console: [], errors: [], csp: [], thirdParty: [] };
  const page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') entry.console.push(message.text()); });
  page.on('pageerror', (error) => entry.errors.push(String(error)));
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
    entry.thirdParty.push(url.href);
    return route.abort('blockedbyclient');
  });
  try {
    const response = await page.goto(base + rel, { waitUntil: 'load', timeout: 30000 });
    entry.status = response ? response.status() : 0;
    try { await page.waitForLoadState('networkidle', { timeout: 3000 }); } catch (e) { /* busy page: go on */ }
    entry.csp = await page.evaluate(() => window.__cspViolations || []);
  } catch (error) {
    entry.errors.push(`could not load: ${error.message}`);
  }
  await page.close();
  return entry;
}

(async () => {
  const [base, ...pages] = process.argv.slice(2);
  const browser = await launch();
  const report = {};
  try {
    const context = await browser.newContext();
    // Runs before any page script, outside the page's CSP (injected through the DevTools protocol).
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    const queue = [...pages];
    const worker = async () => {
      while (queue.length) {
        const rel = queue.shift();
        report[rel] = await check(context, base, rel);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
})().catch((error) => { console.error(error); process.exit(2); });

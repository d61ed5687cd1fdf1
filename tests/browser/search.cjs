'use strict';
// Drive the search page in headless Chromium: for each query, load BASE/zoeken/?q=QUERY, wait for
// the result list and print what a visitor sees as one JSON line per query.
//   node search.cjs BASE_URL QUERY...   (a QUERY with '=' is a whole query string: q=x&soort=IGS)
// The first line lists the requests of the search page opened without a query.
// Needs SITE_CHECK_NODE_MODULES (a node_modules folder with playwright-core), CHROME_BIN optional.
const { launch } = require('./launch.cjs');

async function main() {
  const [base, ...queries] = process.argv.slice(2);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const problems = [];
    const remote = [];
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
    page.on('pageerror', (err) => problems.push(String(err)));
    page.on('request', (req) => { if (new URL(req.url()).hostname !== '127.0.0.1') remote.push(req.url()); });
    // Before anyone searches, the page must not load Pagefind.
    const early = [];
    const watch = (req) => early.push(req.url());
    page.on('request', watch);
    await page.goto(new URL('zoeken/', base).href, { waitUntil: 'load' });
    await page.waitForTimeout(300);
    page.off('request', watch);
    console.log(JSON.stringify({ query: null, requests: early, problems: problems.splice(0) }));
    for (const query of queries) {
      const search = query.includes('=') ? query : `q=${encodeURIComponent(query)}`;
      const url = new URL(`zoeken/?${search}`, base).href;
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForFunction(() => {
        const s = document.getElementById('zoekstatus');
        return s && /resulta|Geen|lukt/.test(s.textContent);
      }, null, { timeout: 15000 });
      const seen = await page.evaluate(() => ({
        status: document.getElementById('zoekstatus').textContent,
        results: [...document.querySelectorAll('.result-list > li')].map((li) => ({
          type: li.querySelector('.result-type')?.textContent || '',
          title: li.querySelector('h3 a').textContent,
          href: li.querySelector('h3 a').getAttribute('href'),
          excerpt: li.querySelector('h3 + p').textContent,
        })),
      }));
      console.log(JSON.stringify({ query, ...seen, problems: problems.splice(0), remote: remote.splice(0) }));
    }
  } finally {
    await browser.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });

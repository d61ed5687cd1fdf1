'use strict';
// Type into the municipality finder like a visitor and report which rows stay visible.
//   node finder.cjs BASE_URL QUERY...
// Prints one JSON line per query: {query, status, visible: [names of visible rows], problems}.
const { launch } = require('./launch.cjs');

(async () => {
  const [base, ...queries] = process.argv.slice(2);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(new URL('gemeenten/', base).href, { waitUntil: 'load' });
    for (const query of queries) {
      await page.fill('#zoek-gemeente', '');
      await page.type('#zoek-gemeente', query);
      const seen = await page.evaluate(() => ({
        status: document.getElementById('zoek-resultaat').textContent,
        visible: [...document.querySelectorAll('[data-terms]')]
          .filter((li) => !li.hidden && li.offsetParent !== null)
          .map((li) => li.querySelector('.finder-name').textContent + ' → ' + li.querySelector('.finder-igs').textContent.trim()),
      }));
      console.log(JSON.stringify({ query, ...seen, problems: problems.splice(0) }));
    }
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

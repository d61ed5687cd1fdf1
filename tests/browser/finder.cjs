'use strict';
// Type into the municipality finder like a visitor and report which rows stay visible (and why).
//   node finder.cjs BASE_URL QUERY...
// Prints one JSON line per query: {query, status, visible: [why each visible row matched], problems}.
// With --from-home it first submits the home page's "Vind jouw IGS" form with the first query.
const { launch } = require('./launch.cjs');

(async () => {
  const [base, ...queries] = process.argv.slice(2);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
    page.on('pageerror', (error) => problems.push(String(error)));
    if (queries[0] === '--from-home') {
      queries.shift();
      await page.goto(base, { waitUntil: 'load' });
      await page.fill('#vind-gemeente', queries[0]);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.press('#vind-gemeente', 'Enter')]);
      await page.waitForSelector('[data-finder][data-ready]', { state: 'attached' });  // the index, fetched on arrival
      const seen = await page.evaluate(() => ({
        url: location.pathname + location.search,
        field: document.getElementById('zoek-gemeente').value,
        visible: [...document.querySelectorAll('tr[id^="g-"]')]
          .filter((row) => !row.hidden && row.offsetParent !== null)
          .map((row) => (row.querySelector('.finder-why') || {}).textContent),
      }));
      console.log(JSON.stringify({ query: queries.shift(), home: true, ...seen, problems: problems.splice(0) }));
    } else {
      await page.goto(new URL('gemeenten/', base).href, { waitUntil: 'load' });
    }
    for (const query of queries) {
      await page.fill('#zoek-gemeente', '');
      await page.waitForSelector('[data-finder][data-ready]', { state: 'attached' });  // fetched on first focus
      await page.type('#zoek-gemeente', query);
      const seen = await page.evaluate(() => ({
        status: document.getElementById('zoek-resultaat').textContent,
        visible: [...document.querySelectorAll('tr[id^="g-"]')]
          .filter((row) => !row.hidden && row.offsetParent !== null)
          .map((row) => (row.querySelector('.finder-why') || {}).textContent),
      }));
      console.log(JSON.stringify({ query, ...seen, problems: problems.splice(0) }));
    }
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

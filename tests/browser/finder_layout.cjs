'use strict';
// The finder's layout: is the search field still in view after scrolling down the list, and do
// the municipality and its IGS sit side by side (wide) or stacked (phone)?
//   node finder_layout.cjs BASE_URL WIDTH HEIGHT
// Prints JSON: {viewport, fieldAfterScroll: {top, bottom}, sideBySide, backToTop, overflowing, problems}.
const { launch, openPage } = require('./launch.cjs');

(async () => {
  const [base, width, height] = process.argv.slice(2);
  const browser = await launch();
  try {
    const { page, problems } = await openPage(browser, width, height);
    await page.goto(new URL('gemeenten/', base).href, { waitUntil: 'load' });
    // Letters off screen are not laid out yet (content-visibility): their estimated height must
    // hold their rows, or rows of two letters overlap (and tap targets with them).
    const overflowing = await page.evaluate(() => [...document.querySelectorAll('.finder-group')]
      .filter((group) => {
        const rows = group.querySelectorAll('tr[id]');
        return rows[rows.length - 1].getBoundingClientRect().bottom > group.getBoundingClientRect().bottom + 0.5;
      })
      .map((group) => group.querySelector('h2').textContent));
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
    await page.waitForTimeout(200);
    const seen = await page.evaluate(() => {
      const field = document.getElementById('zoek-gemeente').getBoundingClientRect();
      const row = document.querySelector('tr[id^="g-"]');
      const name = row.querySelector('th').getBoundingClientRect();
      const igs = row.querySelector('td').getBoundingClientRect();
      const top = document.querySelector('.back-to-top a');
      return {
        viewport: [window.innerWidth, window.innerHeight],
        fieldAfterScroll: { top: field.top, bottom: field.bottom },
        sideBySide: igs.left >= name.right - 1 && Math.abs(igs.top - name.top) < 20,
        backToTop: top ? top.getAttribute('href') : null,
      };
    });
    console.log(JSON.stringify({ ...seen, overflowing, problems }));
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

'use strict';
// Where the home page's "Vind jouw IGS" field and overview map sit in the first screen.
//   node home.cjs BASE_URL WIDTH HEIGHT
// Prints JSON: {viewport, field: {top, bottom}, button, mapLinks: [{href, name}], problems}.
const { launch, openPage } = require('./launch.cjs');

(async () => {
  const [base, width, height] = process.argv.slice(2);
  const browser = await launch();
  try {
    const { page, problems } = await openPage(browser, width, height);
    await page.goto(base, { waitUntil: 'load' });
    const seen = await page.evaluate(() => {
      const field = document.getElementById('vind-gemeente').getBoundingClientRect();
      const button = document.querySelector('.home-finder-form button').getBoundingClientRect();
      return {
        viewport: [window.innerWidth, window.innerHeight],
        field: { top: field.top, bottom: field.bottom },
        button: { bottom: button.bottom },
        mapLinks: [...document.querySelectorAll('.home-map svg a')].map((a) => ({
          href: a.getAttribute('href'), name: a.getAttribute('aria-label'),
        })),
      };
    });
    console.log(JSON.stringify({ ...seen, problems }));
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

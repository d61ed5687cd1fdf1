'use strict';
// Open one file of a served site directly (not embedded in a page) and report whether a script in
// it ran and which Content-Security-Policy violations the browser reported.
//   node open_file.cjs URL
// Prints JSON: {status, ran, violations}. The file's script marks its root element with data-ran.
const { launch } = require('./launch.cjs');

(async () => {
  const [url] = process.argv.slice(2);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const violations = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(300);
    const ran = await page.evaluate(() => document.documentElement.getAttribute('data-ran') === 'ja');
    console.log(JSON.stringify({ status: response ? response.status() : 0, ran, violations }));
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

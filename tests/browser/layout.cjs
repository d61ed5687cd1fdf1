'use strict';
// Layout in Chromium: horizontal overflow per page and width, and the menu without JavaScript.
//   node layout.cjs BASE_URL PAGE...
// Prints one JSON object: {overflow: [{page, width, scrollWidth}], menu: {...}}.
const { launch } = require('./launch.cjs');

const WIDTHS = [320, 375, 768, 1440, 1920];

async function visible(page, selector) {
  return page.$$eval(selector, (nodes) => nodes.filter((n) => n.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })).length);
}

(async () => {
  const [base, ...pages] = process.argv.slice(2);
  const browser = await launch();
  const report = { overflow: [], menu: {} };
  try {
    for (const width of WIDTHS) {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      for (const path of pages) {
        await page.goto(new URL(path, base).href, { waitUntil: 'load' });
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        if (scrollWidth > width) report.overflow.push({ page: path, width, scrollWidth });
      }
      await context.close();
    }
    // The menu on a phone, with JavaScript off: one header line, a button that opens the links.
    const phone = await browser.newContext({ viewport: { width: 375, height: 800 }, javaScriptEnabled: false });
    const page = await phone.newPage();
    await page.goto(new URL('verhalen/', base).href, { waitUntil: 'load' });
    report.menu.phoneHeaderHeight = await page.$eval('.site-header', (n) => n.getBoundingClientRect().height);
    report.menu.phoneRowLinks = await visible(page, '.site-nav a');
    report.menu.phoneLinksClosed = await visible(page, '.menu-nav a');
    await page.click('.menu summary');
    report.menu.phoneLinksOpen = await visible(page, '.menu-nav a');
    report.menu.phoneCurrent = await page.$eval('.menu-nav a[aria-current]', (n) => n.textContent);
    await phone.close();
    const wide = await browser.newContext({ viewport: { width: 1440, height: 900 }, javaScriptEnabled: false });
    const desk = await wide.newPage();
    await desk.goto(new URL('verhalen/', base).href, { waitUntil: 'load' });
    report.menu.wideRowLinks = await visible(desk, '.site-nav a');
    report.menu.wideMenuButtons = await visible(desk, '.menu summary');
    report.menu.wideHeaderHeight = await desk.$eval('.site-header', (n) => n.getBoundingClientRect().height);
    await wide.close();
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})().catch((error) => { console.error(error); process.exit(2); });

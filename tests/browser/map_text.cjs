'use strict';
// Open every IGS area of the map from the keyboard and report what its tooltip and pop-up show.
//   node map_text.cjs BASE_URL
// Prints JSON: {areas: [{label, tooltip, tooltipElements, popup, popupElements}], attribution,
// attributionImages, injected, errors}. `*Elements` counts img/script/iframe/svg/object elements
// inside the tooltip or pop-up (content must never create any); `injected` is true when a handler
// from content ran (the hostile names set window.__injected).
const { launch } = require('./launch.cjs');

(async () => {
  const [base] = process.argv.slice(2);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      return url.hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient');
    });
    await page.goto(new URL('kaart/', base).href, { waitUntil: 'load' });
    await page.waitForSelector('.leaflet-interactive[tabindex="0"]', { state: 'attached', timeout: 20000 });
    const count = await page.locator('.leaflet-interactive[tabindex="0"]').count();
    const areas = [];
    for (let i = 0; i < count; i += 1) {
      const area = page.locator('.leaflet-interactive[tabindex="0"]').nth(i);
      await area.focus();
      await page.waitForSelector('.leaflet-tooltip', { timeout: 5000 });
      const tooltip = await page.evaluate(() => {
        const box = document.querySelector('.leaflet-tooltip');
        return { text: box.textContent, elements: box.querySelectorAll('img, script, iframe, svg, object').length };
      });
      await page.keyboard.press('Enter');
      await page.waitForSelector('.leaflet-popup-content', { timeout: 5000 });
      const popup = await page.evaluate(() => {
        const box = document.querySelector('.leaflet-popup-content');
        return { text: box.querySelector('.map-popup-title').textContent, elements: box.querySelectorAll('img, script, iframe, svg, object').length };
      });
      await page.keyboard.press('Escape');
      areas.push({
        label: await area.getAttribute('aria-label'),
        tooltip: tooltip.text, tooltipElements: tooltip.elements,
        popup: popup.text, popupElements: popup.elements,
      });
    }
    const attribution = await page.evaluate(() => {
      const box = document.querySelector('.leaflet-control-attribution');
      return box ? { text: box.textContent, images: box.querySelectorAll('img').length } : { text: null, images: 0 };
    });
    const injected = await page.evaluate(() => Boolean(window.__injected));
    console.log(JSON.stringify({
      areas, attribution: attribution.text, attributionImages: attribution.images, injected, errors,
    }));
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

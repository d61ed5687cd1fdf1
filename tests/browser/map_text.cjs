'use strict';
// Open the areas of the map (every municipality, or those whose accessible name contains TEXT)
// from the keyboard and report what their tooltip and pop-up show.
//   node map_text.cjs BASE_URL [TEXT]
// Prints JSON: {areas: [{label, tooltip, tooltipElements, popup, popupElements}], labels: [{text,
// elements}], attribution,
// attributionImages, injected, errors}. `*Elements` counts img/script/iframe/svg/object elements
// inside the tooltip or pop-up (content must never create any); `injected` is true when a handler
// from content ran (the hostile names set window.__injected).
const { launch } = require('./launch.cjs');

(async () => {
  const [base, only] = process.argv.slice(2);
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
      if (only && !(await area.getAttribute('aria-label')).includes(only)) continue;
      await area.focus();
      await page.waitForSelector('.leaflet-tooltip.map-tip', { timeout: 5000 });
      const tooltip = await page.evaluate(() => {
        // The newest tooltip: the previous area's may not be gone yet on a busy machine.
        const boxes = document.querySelectorAll('.leaflet-tooltip.map-tip');
        const box = boxes[boxes.length - 1];
        return { text: box.textContent, elements: box.querySelectorAll('img, script, iframe, svg, object').length };
      });
      await page.keyboard.press('Enter');
      await page.waitForSelector('.leaflet-popup-content', { timeout: 5000 });
      const popup = await page.evaluate(() => {
        const box = document.querySelector('.leaflet-popup-content');
        return { text: box.textContent, elements: box.querySelectorAll('img, script, iframe, svg, object').length };
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
    // The IGS labels on the map (number and name) are text too.
    const labels = await page.evaluate(() => [...document.querySelectorAll('.map-label')].map((label) => ({
      text: label.textContent, elements: label.querySelectorAll('img, script, iframe, svg, object, b').length,
    })));
    console.log(JSON.stringify({
      areas, labels, attribution: attribution.text, attributionImages: attribution.images, injected, errors,
    }));
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

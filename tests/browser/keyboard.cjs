'use strict';
// What a keyboard user and a high-contrast user meet, beyond what axe-core checks.
//   node keyboard.cjs BASE_URL map     the map's tooltips and pop-ups with Escape and Tab
// Prints one JSON object.
const { launch } = require('./launch.cjs');

async function mapSteps(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(new URL('kaart/', base).href, { waitUntil: 'load' });
  await page.waitForSelector('path.leaflet-interactive[tabindex="0"]', { state: 'attached', timeout: 20000 });
  // Tooltips and pop-ups fade out before Leaflet removes them: wait, then list what is shown.
  const state = async () => {
    await page.waitForTimeout(400);
    return page.evaluate(() => {
      const shown = (selector) => [...document.querySelectorAll(selector)]
        .filter((node) => getComputedStyle(node).opacity !== '0').map((node) => node.textContent.trim());
      const close = document.querySelector('.leaflet-popup-close-button');
      return {
        focus: document.activeElement.getAttribute('aria-label') || document.activeElement.textContent.trim(),
        tooltips: shown('.leaflet-tooltip.map-tip'),
        popups: shown('.leaflet-popup-content'),
        closeName: close ? close.getAttribute('aria-label') : null,
      };
    });
  };
  const areas = await page.$$eval('path.leaflet-interactive[tabindex="0"]', (nodes) => nodes.slice(0, 3).map((n) => n.getAttribute('aria-label')));
  const steps = { areas };
  await page.locator('path.leaflet-interactive[tabindex="0"]').nth(1).focus();
  steps.focused = await state();
  await page.keyboard.press('Escape');
  steps.focusedEscape = await state();
  await page.keyboard.press('Enter');
  steps.opened = await state();
  await page.keyboard.press('Escape');
  steps.popupEscape = await state();
  // Still open: the next Enter would follow its link to another page.
  if (steps.popupEscape.popups.length) return { ...steps, problems };
  await page.keyboard.press('Enter');
  await page.waitForTimeout(400);
  await page.keyboard.press('Shift+Tab');
  steps.popupShiftTab = await state();
  await page.keyboard.press('Enter');
  await page.waitForTimeout(400);
  await page.keyboard.press('Tab'); // the close button
  await page.keyboard.press('Tab'); // out of the pop-up
  steps.popupTabOut = await state();
  const box = await page.$eval('#map_1', (node) => {
    const r = node.getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2];
  });
  await page.mouse.move(box[0], box[1]);
  steps.hovered = await state();
  await page.keyboard.press('Escape');
  steps.hoveredEscape = await state();
  await context.close();
  return { ...steps, problems };
}

(async () => {
  const [base, mode] = process.argv.slice(2);
  const browser = await launch();
  try {
    let report;
    if (mode === 'map') report = await mapSteps(browser, base);
    else throw new Error(`unknown mode ${mode}`);
    console.log(JSON.stringify(report));
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

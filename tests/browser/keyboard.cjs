'use strict';
// What a keyboard user and a high-contrast user meet, beyond what axe-core checks.
//   node keyboard.cjs BASE_URL map     the map's tooltips and pop-ups with Escape and Tab
//   node keyboard.cjs BASE_URL finder  does the finder's sticky field cover the link Tab reached?
//   node keyboard.cjs BASE_URL forced  buttons and "you are here" links with forced colours
//   node keyboard.cjs BASE_URL skip    where focus is after following each skip link
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
  // The focus ring of one municipality of each colour: [fill, fill-opacity, stroke, stroke-width].
  steps.rings = [];
  const fills = await page.$$eval('path.leaflet-interactive[tabindex="0"]', (nodes) => [...new Set(nodes.map((n) => n.getAttribute('fill')))]);
  for (const fill of fills) {
    await page.locator(`path.leaflet-interactive[tabindex="0"][fill="${fill}"]`).first().focus();
    steps.rings.push(await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return [style.fill, style.fillOpacity, style.stroke, style.strokeWidth];
    }));
  }
  steps.mapBackground = await page.$eval('#map_1', (node) => getComputedStyle(node).backgroundColor);
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

// Tab (or Shift+Tab) COUNT times from START; list the focused elements whose first line box is
// not what the browser finds at its centre (something, the sticky field, lies over it).
async function finderRun(browser, base, width, height, start, key, count) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.goto(new URL('gemeenten/', base).href, { waitUntil: 'load' });
  await page.focus(start);
  const covered = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press(key);
    const seen = await page.evaluate(() => {
      const node = document.activeElement;
      const box = node.getClientRects()[0];
      const hit = box && document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return { text: node.textContent.trim(), top: box ? Math.round(box.top) : null, free: Boolean(hit) && node.contains(hit) };
    });
    if (!seen.free) covered.push(`${seen.text} (top ${seen.top})`);
  }
  await context.close();
  return { width, height, key, covered };
}

async function forced(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, forcedColors: 'active' });
  const page = await context.newPage();
  await page.goto(new URL('verhalen/', base).href, { waitUntil: 'load' });
  const current = await page.$$eval('.site-nav a[aria-current], .filter-nav a[aria-current]', (nodes) => nodes.map((node) => {
    const style = getComputedStyle(node);
    return { text: node.textContent.trim(), line: style.textDecorationLine, thickness: style.textDecorationThickness };
  }));
  await page.goto(base, { waitUntil: 'load' });
  const buttons = await page.$$eval('.button', (nodes) => nodes.map((node) => {
    const style = getComputedStyle(node);
    return { text: node.textContent.trim(), border: `${style.borderTopWidth} ${style.borderTopStyle}` };
  }));
  await context.close();
  return { current, buttons };
}

// Enter on each skip link (with and without JavaScript): the id of the element that has focus.
async function skipLinks(browser, base) {
  const report = {};
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled });
    const page = await context.newPage();
    for (const [path, selector] of [['over/', '.skip-link'], ['kaart/', '.map-skip']]) {
      await page.goto(new URL(path, base).href, { waitUntil: 'load' });
      await page.focus(selector);
      await page.keyboard.press('Enter');
      const key = `${path} ${selector}${javaScriptEnabled ? '' : ' (no JavaScript)'}`;
      report[key] = await page.evaluate(() => document.activeElement.id || document.activeElement.tagName);
    }
    await context.close();
  }
  return report;
}

(async () => {
  const [base, mode] = process.argv.slice(2);
  const browser = await launch();
  try {
    let report;
    if (mode === 'map') report = await mapSteps(browser, base);
    else if (mode === 'finder') {
      report = [
        // 1280 x 1024 at 400 % zoom, and a laptop going back up the list.
        await finderRun(browser, base, 320, 256, '#zoek-gemeente', 'Tab', 40),
        await finderRun(browser, base, 1280, 720, '.back-to-top a', 'Shift+Tab', 40),
      ];
    } else if (mode === 'forced') report = await forced(browser, base);
    else if (mode === 'skip') report = await skipLinks(browser, base);
    else throw new Error(`unknown mode ${mode}`);
    console.log(JSON.stringify(report));
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

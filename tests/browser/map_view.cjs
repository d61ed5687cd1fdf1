'use strict';
// Look at the map like a visitor: its size, its labels, what a municipality says on hover, focus
// and tap, and where a deep link (#<igs-slug>, #g-<nis>) takes you.
//   node map_view.cjs BASE_URL WIDTH HEIGHT HASH...
// Prints one JSON line per hash ('' = no hash): {hash, viewport, map: {width, height}, labels:
// [{text, inside, centre, box}], namesShown, tooltip, skip: {text, width, height, next}, focused, popup, problems}.
const { launch } = require('./launch.cjs');

(async () => {
  const [base, width, height, ...hashes] = process.argv.slice(2);
  const browser = await launch();
  try {
    const context = await browser.newContext({
      viewport: { width: Number(width), height: Number(height) },
      isMobile: Number(width) <= 600,
      hasTouch: Number(width) <= 600,
    });
    for (const hash of hashes) {
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
      await page.goto(new URL('kaart/' + (hash ? '#' + hash : ''), base).href, { waitUntil: 'load' });
      await page.waitForSelector('path.leaflet-interactive[tabindex="0"]', { state: 'attached', timeout: 20000 });
      await page.waitForTimeout(hash ? 1200 : 300); // the zoom animation of a deep link
      const seen = await page.evaluate(() => {
        const map = document.getElementById('map_1').getBoundingClientRect();
        const labels = [...document.querySelectorAll('.map-label')].map((label) => {
          const box = label.getBoundingClientRect();
          const x = box.left + box.width / 2;
          const y = box.top + box.height / 2;
          return {
            text: label.textContent.trim(),
            inside: x > map.left && x < map.right && y > map.top && y < map.bottom,
            centre: [(x - map.left) / map.width, (y - map.top) / map.height],
            box: [box.left, box.top, box.right, box.bottom],
          };
        });
        const tooltip = document.querySelector('.leaflet-tooltip.map-tip');
        return {
          viewport: [window.innerWidth, window.innerHeight],
          map: { width: map.width, height: map.height, top: map.top + window.scrollY },
          labels,
          namesShown: document.getElementById('map_1').classList.contains('map-show-names'),
          tooltip: tooltip ? tooltip.textContent : null,
        };
      });
      // The Tab after the last link above the map reaches the skip link, visible, which leads past
      // every municipality's Tab stop to the legend.
      await page.getByRole('link', { name: 'legende met alle gemeenten' }).focus();
      await page.keyboard.press('Tab');
      const skip = await page.evaluate(() => {
        const box = document.activeElement.getBoundingClientRect();
        return { text: document.activeElement.textContent, width: box.width, height: box.height };
      });
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      skip.next = await page.evaluate(() => document.activeElement.closest('section') === document.querySelector('.legend'));
      // Focus one municipality from the keyboard: its name and IGS, a visible styled outline.
      const area = page.locator('path.leaflet-interactive[tabindex="0"]').first();
      await area.focus();
      const focused = await page.evaluate(() => {
        const path = document.activeElement;
        const style = getComputedStyle(path);
        const tip = document.querySelector('.leaflet-tooltip.map-tip');
        return {
          label: path.getAttribute('aria-label'),
          role: path.getAttribute('role'),
          stroke: style.stroke,
          strokeWidth: style.strokeWidth,
          outline: style.outlineStyle,
          tooltip: tip ? tip.textContent : null,
        };
      });
      await page.keyboard.press('Enter');
      await page.waitForSelector('.leaflet-popup-content', { timeout: 5000 });
      const popup = await page.evaluate(() => {
        const box = document.querySelector('.leaflet-popup').getBoundingClientRect();
        const map = document.getElementById('map_1').getBoundingClientRect();
        return { height: box.height, width: box.width, mapHeight: map.height, mapWidth: map.width,
          text: document.querySelector('.leaflet-popup-content').textContent };
      });
      console.log(JSON.stringify({ hash, ...seen, skip, focused, popup, problems }));
      await page.close();
    }
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(2); });

'use strict';
// Shared by the browser scripts: load playwright-core from the folder named by
// SITE_CHECK_NODE_MODULES and start the browser named by CHROME_BIN (default: chromium on PATH)
// headless, with every host but 127.0.0.1 unresolvable so nothing can leave the machine.
const path = require('path');
const { createRequire } = require('module');

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

function launch() {
  const modules = process.env.SITE_CHECK_NODE_MODULES;
  if (!modules) throw new Error('SITE_CHECK_NODE_MODULES is not set');
  const { chromium } = createRequire(path.join(modules, 'resolve-from-here.js'))('playwright-core');
  return chromium.launch({ executablePath: process.env.CHROME_BIN || 'chromium', headless: true, args: ARGS });
}

// A page at WIDTH x HEIGHT (a touch phone from 600 px down) that collects its script errors in
// `problems`.
async function openPage(browser, width, height) {
  const small = Number(width) <= 600;
  const context = await browser.newContext({
    viewport: { width: Number(width), height: Number(height) }, isMobile: small, hasTouch: small,
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  return { page, problems };
}

module.exports = { launch, openPage };

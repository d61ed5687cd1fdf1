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

module.exports = { launch };

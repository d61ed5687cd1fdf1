'use strict';
// The /admin/ editor (Sveltia CMS) in headless Chromium, used as an editor would, with no network.
//
//   node admin.cjs BASE_URL REPO_DIR [SCREENSHOT_DIR]
//
// The CMS's "Werken met een lokale repository" asks the browser for a folder (File System Access
// API). Here the folder picker is replaced by one that returns a folder in the page's private
// storage (OPFS), filled with REPO_DIR/content and an empty .git/: the CMS reads and writes it
// exactly as it would a folder on the editor's disk. The script then
//   0. opens the token sign-in dialog and closes it;
//   1. opens the first IGS, changes its summary and saves;
//   2. creates a news item: title, type, a date in the date picker, the IGS from the relation,
//      summary, a photo (uploaded) whose alt text is first left empty (saving must be refused)
//      and then filled, and a body text; saves;
// and prints one JSON object: the texts seen, the files the CMS wrote (path -> text, or base64 for
// images), requests to other hosts (blocked), console errors, CSP violations, and axe-core
// violations (WCAG 2.1 A/AA) on the sign-in screen, the IGS list and the IGS form.
// SCREENSHOT_DIR, when given, receives the screenshots used in docs/editors.md.
const fs = require('fs');
const path = require('path');
const { launch } = require('./launch.cjs');

const zlib = require('zlib');

// A real 24x16 PNG (a two-colour picture), as a camera would not make it but a decoder accepts it.
function photo() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const [width, height] = [24, 16];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push(...(y < height / 2 ? [240, 200, 60] : [60, 120, 200]));
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function contentFiles(repo) {
  const files = {};
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(repo, full).split(path.sep).join('/')] = fs.readFileSync(full).toString('base64');
    }
  };
  walk(path.join(repo, 'content'));
  return files;
}

// Runs in the page before the CMS: the folder picker returns an OPFS folder with the repository.
function installPicker(files) {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  window.showDirectoryPicker = async () => {
    const root = await navigator.storage.getDirectory();
    const repo = await root.getDirectoryHandle('repository', { create: true });
    await repo.getDirectoryHandle('.git', { create: true });
    for (const [rel, b64] of Object.entries(files)) {
      const parts = rel.split('/');
      let dir = repo;
      for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
      const handle = await dir.getFileHandle(parts[parts.length - 1], { create: true });
      const writable = await handle.createWritable();
      await writable.write(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
      await writable.close();
    }
    return repo;
  };
}

// Runs in the page: every file under content/ in the OPFS repository, as base64.
async function readRepository() {
  const out = {};
  const walk = async (dir, prefix) => {
    for await (const [name, handle] of dir.entries()) {
      if (handle.kind === 'directory') await walk(handle, `${prefix}${name}/`);
      else {
        const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
        let text = '';
        for (const b of bytes) text += String.fromCharCode(b);
        out[`${prefix}${name}`] = btoa(text);
      }
    }
  };
  const root = await navigator.storage.getDirectory();
  const repo = await root.getDirectoryHandle('repository');
  await walk(await repo.getDirectoryHandle('content'), 'content/');
  return out;
}

// axe-core (from the shared checkers' node_modules) on the current screen: WCAG 2.1 A/AA violations
// as "rule (impact): n elements". page.evaluate is not subject to the page's CSP.
const AXE = path.join(process.env.SITE_CHECK_NODE_MODULES || '', 'axe-core', 'axe.min.js');
async function axe(page) {
  if (!fs.existsSync(AXE)) return null;
  await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  const found = await page.evaluate(async () => (await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  })).violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length}`));
  return found;
}

// The repository as readRepository sees it once the CMS is not halfway through writing a file
// (a file that vanishes or is locked for writing during the walk makes the read fail: read again).
async function repository(page) {
  for (let tries = 0; ; tries++) {
    try {
      return await page.evaluate(readRepository);
    } catch (error) {
      if (tries === 50 || !/NotFoundError|NotReadableError/.test(String(error))) throw error;
      await page.waitForTimeout(100);
    }
  }
}

// Press "Opslaan" and wait until the repository holds what `wrote(before, after)` expects. The
// CMS's "opgeslagen" notice is no proof: the previous save's notice may still be on the screen.
async function save(page, wrote) {
  const previous = await repository(page);
  await page.getByRole('button', { name: 'Opslaan' }).click();
  const deadline = Date.now() + 30000;
  while (!wrote(previous, await repository(page))) {
    if (Date.now() > deadline) {
      const screen = (await page.locator('body').innerText()).replace(/\s+/g, ' ').slice(0, 1500);
      throw new Error(`saving wrote nothing expected in 30 s; the screen said: ${screen}`);
    }
    await page.waitForTimeout(200);
  }
  // Then the CMS's own end of the save (its notice, and the list it may go back to) before going on.
  await page.getByText(/opgeslagen/i).first().waitFor();
  await page.waitForTimeout(500);
}
const changedFile = (before, after) => Object.keys(after).some((rel) => after[rel] !== before[rel]);
const newFileIn = (folder) => (before, after) => Object.keys(after).some((rel) => rel.startsWith(folder) && !(rel in before));

(async () => {
  const [base, repoDir, shots] = process.argv.slice(2);
  const shot = async (page, name) => { if (shots) await page.screenshot({ path: path.join(shots, name) }); };
  const before = contentFiles(repoDir);
  const result = { thirdParty: [], console: [], errors: [], csp: [], texts: {}, fields: {}, files: {}, steps: [], axe: {} };
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'nl-BE' });
    await context.addInitScript(installPicker, before);
    const page = await context.newPage();
    page.setDefaultTimeout(30000); // generous: CI shares two cores
    page.on('console', (m) => { if (m.type() === 'error') result.console.push(m.text()); });
    page.on('pageerror', (e) => result.errors.push(String(e)));
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      result.thirdParty.push(url.href);
      return route.abort('blockedbyclient');
    });

    await page.goto(new URL('admin/', base).href, { waitUntil: 'load' });
    const local = page.getByRole('button', { name: 'Werken met een lokale repository' });
    await local.waitFor();
    result.texts.login = await page.locator('body').innerText();
    result.fontsLoaded = await page.evaluate(async () => {
      await document.fonts.ready;
      return ['Source Sans 3', 'Material Symbols Outlined'].filter((f) => document.fonts.check(`16px "${f}"`));
    });
    await shot(page, 'admin-inloggen.png');
    result.axe.login = await axe(page);
    // Signing in with a token: the dialog asks for it (there is no network here, so it stops there).
    await page.getByRole('button', { name: 'Inloggen met een toegangstoken' }).click();
    const tokenDialog = page.getByRole('alertdialog', { name: 'Inloggen met een toegangstoken' });
    await tokenDialog.waitFor();
    result.texts.tokenDialog = await tokenDialog.innerText();
    await shot(page, 'admin-toegangstoken.png');
    await tokenDialog.getByRole('button', { name: 'Annuleren' }).click();
    await tokenDialog.waitFor({ state: 'hidden' });
    await local.click();

    // 1. An IGS: the form, then a changed summary.
    const firstIgs = page.getByRole('grid', { name: 'Items' }).getByRole('row').first();
    await firstIgs.waitFor();
    result.steps.push('collection list');
    await shot(page, 'admin-igs-lijst.png');
    result.axe.list = await axe(page);
    await firstIgs.click();
    const summary = page.getByRole('textbox', { name: 'Samenvatting', exact: true });
    await summary.waitFor();
    result.fields.igs = await page.getByRole('group', { name: /^Veld / }).evaluateAll((groups) =>
      groups.map((g) => g.getAttribute('aria-label')));
    result.texts.igsForm = await page.locator('body').innerText();
    await shot(page, 'admin-igs-formulier.png');
    result.axe.igsForm = await axe(page);
    await summary.fill('Drie gemeenten werken samen rond cultuur, aangepast in de beheeromgeving.');
    await save(page, changedFile);
    result.steps.push('igs saved');

    // 2. A new article.
    // After saving, the editor may go back to the list by itself: the button can vanish between
    // seeing it and clicking it, so a click that finds nothing is fine.
    const back = page.getByRole('button', { name: 'Bewerken annuleren' });
    if (await back.isVisible()) await back.click({ timeout: 5000 }).catch(() => {});
    await page.getByRole('treeitem', { name: 'Verhalen' }).click();
    await page.getByRole('button', { name: 'Nieuw item aanmaken' }).click();
    const title = page.getByRole('textbox', { name: 'Titel', exact: true });
    const news = page.getByRole('radio', { name: 'Nieuws' });
    const date = page.getByRole('textbox', { name: 'Datum', exact: true });
    const summaryText = page.getByRole('textbox', { name: 'Samenvatting', exact: true });
    const typed = [
      [title, 'Nieuw uit de beheeromgeving: één test'],
      [date, '2026-12-15'],
      [summaryText, 'Een verhaal dat in de browser is geschreven.'],
    ];
    // A field filled while the new form is still being set up can be emptied again (CI once saved
    // an article form whose title was empty): fill the title until it stays, and before saving,
    // fill again whatever of the plain fields was lost.
    const refill = async () => {
      const lost = [];
      for (const [field, text] of typed) {
        if ((await field.inputValue()) !== text) { lost.push(text); await field.fill(text); }
      }
      if (!(await news.isChecked())) { lost.push('Nieuws'); await news.check(); }
      if (lost.length) result.steps.push(`filled again: ${lost.join(' | ')}`);
    };
    await title.waitFor();
    for (let tries = 0; tries < 10; tries++) {
      await title.fill(typed[0][1]);
      await page.waitForTimeout(700);
      if ((await title.inputValue()) === typed[0][1]) break;
    }
    await news.check();
    await date.fill(typed[1][1]);
    // The IGS: checkboxes for a few, a list to choose from for more.
    const igsChoices = page.getByRole('group', { name: 'IGS', exact: true }).getByRole('checkbox');
    if (await igsChoices.count()) await igsChoices.first().check();
    else {
      await page.getByRole('combobox', { name: 'IGS', exact: true }).click();
      await page.getByRole('option').first().click();
      await title.click(); // closes the list
    }
    await summaryText.fill(typed[2][1]);
    const addImage = page.getByRole('checkbox', { name: /Afbeelding.*toevoegen/ });
    const imageField = page.getByRole('group', { name: /^Veld .*Bestand/ });
    // The click sometimes lands while the form still moves (Playwright then sees no change): retry,
    // for as long as the slowest step may take on two busy cores (ten tries were too few under load).
    for (const until = Date.now() + 45000; Date.now() < until && !(await imageField.isVisible()); ) {
      if (!(await addImage.isChecked())) await addImage.click();
      else {  // ticked but folded: unfold it
        const unfold = page.getByRole('group', { name: /^Veld .*Afbeelding/ }).getByRole('button', { name: 'Uitvouwen' });
        if (await unfold.isVisible()) await unfold.click();
      }
      await page.waitForTimeout(500);
    }
    await imageField.waitFor();
    await imageField.locator('input[type=file]').first().setInputFiles({ name: 'Foto van het Plein.png', mimeType: 'image/png', buffer: photo() });
    const dialog = page.getByRole('alertdialog');
    await page.waitForTimeout(800);
    if (await dialog.isVisible()) {
      result.texts.uploadDialog = await dialog.innerText();
    }
    const body = page.getByRole('textbox', { name: 'Tekst', exact: true });
    await body.click();
    await page.keyboard.type('Dit verhaal is in de beheeromgeving geschreven.');
    result.fields.article = await page.getByRole('group', { name: /^Veld / }).evaluateAll((groups) =>
      groups.map((g) => g.getAttribute('aria-label')));
    await title.scrollIntoViewIfNeeded();
    await shot(page, 'admin-verhaal-formulier.png');
    // Saving without the photo's alt text is refused (and for no other reason: refill first).
    await refill();
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.waitForTimeout(500);
    result.texts.missingAlt = await page.locator('body').innerText();
    await shot(page, 'admin-verhaal-alt-ontbreekt.png');
    await page.getByRole('textbox', { name: /Beschrijving/ }).fill('Een leeg plein in de zon.');
    await refill();
    await save(page, (before, after) =>
      newFileIn('content/articles/')(before, after) && newFileIn('content/images/')(before, after));
    result.steps.push('article saved');

    const after = await repository(page);
    for (const [rel, b64] of Object.entries(after)) {
      if (before[rel] === b64) continue;
      result.files[rel] = rel.startsWith('content/images/') ? { base64: b64 } : Buffer.from(b64, 'base64').toString('utf8');
    }
    result.csp = await page.evaluate(() => window.__cspViolations);
  } catch (error) {
    result.errors.push(`script: ${error.message}`);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
})().catch((error) => { console.error(error); process.exit(2); });

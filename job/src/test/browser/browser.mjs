// Shared by the viewer's browser tests: Debian's chromium driven by playwright-core (no browser download).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** The expectations ViewerBrowserIT wrote (read from the atlas with Spark), from VIEWER_EXPECT. */
export function expectations() {
  const file = process.env.VIEWER_EXPECT;
  assert.ok(file, 'VIEWER_EXPECT is not set: ViewerBrowserIT runs these tests');
  return JSON.parse(readFileSync(file, 'utf8'));
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.NEURON_ATLAS_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
}

/**
 * A page at base + hash, rendered. Records page errors, console errors, dialogs and every request, so a test can
 * check that nothing failed and nothing was fetched from outside the site.
 */
export async function open(browser, base, hash) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const seen = { errors: [], requests: [], dialogs: [] };
  page.on('pageerror', (e) => seen.errors.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push('console: ' + m.text()); });
  page.on('dialog', (d) => { seen.dialogs.push(d.message()); d.dismiss(); });
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('requestfailed', (r) => seen.errors.push('request failed: ' + r.url()));
  await page.goto(base + hash);
  await rendered(page, hash);
  return { page, seen, close: () => context.close() };
}

/** Waits until the page shows hash, rendered (data-state ready), and fails on a page that rendered an error. */
export async function rendered(page, hash) {
  const want = hash === '#' ? '' : hash;
  await page.waitForFunction((h) => document.body.dataset.hash === h
    && ['ready', 'error'].includes(document.body.dataset.state), want, { timeout: 15000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  assert.equal(state, 'ready', 'the page rendered an error: ' + await page.textContent('main'));
}

/** Clicks selector and waits for the page of the hash it leads to. */
export async function follow(page, selector, hash) {
  await page.click(selector);
  await rendered(page, hash);
}

/** The text of every cell of a table, row by row. */
export async function cells(page, tableSelector) {
  return page.$$eval(tableSelector + ' tbody tr', (rows) => rows.map((r) => Array.from(r.cells, (c) => c.textContent)));
}

/** data-value of the numbers in a table, row by row (the exact values the page received). */
export async function values(page, tableSelector) {
  return page.$$eval(tableSelector + ' tbody tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('.num'),
    (n) => Number(n.dataset.value))));
}

/** A shown number against the atlas's float32: exactly the value received, shown to within half its last digit. */
export function sameNumber(shown, exact, expected, what) {
  assert.equal(Math.fround(exact), Math.fround(expected), what + ': value received ' + exact + ' vs atlas '
    + expected);
  // 4 decimals, or 4 significant digits in exponent form (core.js formatNumber)
  const tolerance = shown.includes('e') ? Math.abs(expected) * 5e-4 : 0.5e-4;
  assert.ok(Math.abs(Number(shown) - expected) <= tolerance * (1 + 1e-9), what + ': shown ' + shown + ' for '
    + expected);
}

/** Nothing went wrong on the page and every request stayed inside the site. */
export function clean(seen, base) {
  assert.deepEqual(seen.errors, [], 'errors on the page');
  assert.deepEqual(seen.dialogs, [], 'dialogs opened');
  const prefix = base.startsWith('file:') ? base.slice(0, base.lastIndexOf('/') + 1) : new URL(base).origin + '/';
  const outside = seen.requests.filter((u) => !u.startsWith(prefix));
  assert.deepEqual(outside, [], 'requests outside the site');
}

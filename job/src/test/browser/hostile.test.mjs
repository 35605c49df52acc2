// A hostile vocabulary in chromium: tokens that are markup, scripts, quotes, control characters and a
// right-to-left override, in the top tokens, the search, the watched-token profile and the later tables' sections
// (examples, quantile samples, activation histogram, clamp curves, validation). Nothing may run (window.__pwned
// stays unset, no dialog), no element may come from the data, and the text must show, escapes visible.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cells, clean, expectations, follow, launch, open, rendered } from './browser.mjs';

const E = expectations();
const neuronHash = '#/' + E.checkpoint + '/up/' + E.planted.layer + '/' + E.planted.neuron;

// How each hostile token must read on the page (its textContent: quotes are CSS, escapes are text).
const SHOWN = new Map([
  ["<script>window.__pwned='script'</script>", "<script>window.__pwned='script'</script>"],
  ['<img src=x onerror="window.__pwned=\'img\'">', '<img src=x onerror="window.__pwned=\'img\'">'],
  ['"\'quotes\'" & <b>bold</b>', '"\'quotes\'" & <b>bold</b>'],
  ['\u202Eevil\u202C', '\\u202Eevil\\u202C'],
  ['a\u0000b\u0007c\u001b[31m\u007f\u0085', 'a\\x00b\\x07c\\x1B[31m\\x7F\\x85'],
  ["</script><script>window.__pwned='breakout'</script>", "</script><script>window.__pwned='breakout'</script>"],
  [' \u2066iso\u2069\u200B', ' \\u2066iso\\u2069\\u200B'],
  ['__proto__', '__proto__'],
  ["javascript:window.__pwned='href'", "javascript:window.__pwned='href'"],
  ['&lt;b&gt;{{7*7}}${7*7}', '&lt;b&gt;{{7*7}}${7*7}'],
]);

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** Nothing ran, nothing came from the data as an element, no raw bidi control is in the page. */
async function unharmed(page) {
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'window.__pwned was set');
  const made = await page.evaluate(() => Array.from(document.querySelectorAll('main img, main script, main b, main iframe,'
    + ' main [onerror], main [onload], main a[href^="javascript"]'), (e) => e.outerHTML));
  assert.deepEqual(made, [], 'elements made from data');
  const text = await page.evaluate(() => document.body.textContent);
  assert.ok(!/[\u202A-\u202E\u2066-\u2069\u0000\u0007]/.test(text), 'a raw control character reached the page');
}

test('the test knows how every hostile token must show', () => {
  assert.deepEqual([...SHOWN.keys()], E.hostile);
});

for (const [origin, base] of [['file://', 'file://' + E.site + '/index.html'], ['http', E.http]]) {
  test(origin + ': the neuron page shows the hostile top tokens as text', async () => {
    const { page, seen, close } = await open(browser, base, neuronHash);
    const tokens = (await cells(page, '#top-positive')).map((r) => r[1]);
    assert.deepEqual(tokens, E.positive.map((t) => SHOWN.get(t) ?? t));
    const escapes = await page.$$eval('#top-positive .esc', (e) => e.map((x) => x.textContent));
    for (const esc of ['\\u202E', '\\u202C', '\\x00', '\\x07', '\\x1B', '\\x7F', '\\x85', '\\u2066', '\\u200B']) {
      assert.ok(escapes.includes(esc), 'escape ' + esc + ' shown as an escape');
    }
    const profile = await cells(page, '#profile-table');
    assert.equal(profile[0][0], SHOWN.get(E.hostile[0]));
    const elsewhere = await cells(page, '#elsewhere-table');
    assert.deepEqual(elsewhere.map((r) => [r[0], r[1]]), [['hostile-copy', SHOWN.get(E.positive[0]) ?? E.positive[0]]]);
    await follow(page, '#elsewhere-table a', '#/hostile-copy/up/' + E.planted.layer + '/' + E.planted.neuron);
    assert.deepEqual((await cells(page, '#top-positive')).map((r) => r[1]), E.positive.map((t) => SHOWN.get(t) ?? t));
    await unharmed(page);
    clean(seen, base);
    await close();
  });

  test(origin + ': the later tables\' sections show hostile snippets and labels as text', async () => {
    const { page, seen, close } = await open(browser, base, neuronHash);
    // Examples, both signs: one span per token, shaded by value / the largest |value| shown, the value on hover.
    const spans = await page.$$eval('#examples .act', (s) => s.map((x) => ({ text: x.textContent,
      title: x.getAttribute('title'), bg: getComputedStyle(x).backgroundColor })));
    assert.deepEqual(spans.map((s) => s.text), [SHOWN.get(E.hostile[0]), ' dog', SHOWN.get(E.hostile[3]),
      SHOWN.get(E.hostile[4]), '\\n', ' a', ' puppy', ' x', SHOWN.get(E.hostile[2])]);
    assert.deepEqual(spans.map((s) => s.title), ['0.5000', '5.5000', '2.0000', '-3.0000', '0', '0.2500', '4.0000',
      '1.0000', '-4.5000']);
    assert.equal(spans[1].bg, 'rgb(255, 140, 0)', 'the largest value is fully shaded');
    assert.match(spans[3].bg, /^rgba\(40, 120, 255, 0\.54/, 'a negative value shades blue, by |value| / max');
    assert.equal(spans[4].bg, 'rgba(255, 140, 0, 0)', 'a zero is not shaded');
    assert.deepEqual(await page.$$eval('#examples-min .act', (s) => s.map((x) => x.textContent)),
      [' x', SHOWN.get(E.hostile[2])], 'the most negative examples, under their own heading');
    const sources = await page.$$eval('#examples .source', (s) => s.map((x) => x.textContent.trim()));
    assert.deepEqual(sources, [SHOWN.get(E.hostile[1]) + ' doc 0, token 1', 'doc2.jsonl doc 0, token 1',
      'min.jsonl doc 3, token 1']);
    // The activation histogram: a bar per bin with its range and count on hover.
    const bars = await page.$$eval('#activations rect.bar', (r) => r.map((x) => x.textContent));
    assert.deepEqual(bars, ['-1.0000 to 0: 4', '0 to 1.0000: 30', '1.0000 to 2.0000: 9', '2.0000 to 3.0000: 2']);
    assert.match(await page.textContent('#activations'), /Density: 35\.0000 % of positions/);
    // Quantile samples: the band's bounds from the activation quantiles, the sampled tokens as text.
    assert.equal(await page.textContent('#quantiles h3 .plain'), 'q90-99');
    assert.deepEqual(await page.$$eval('#quantiles .act', (s) => s.map((x) => x.textContent)),
      [' y', SHOWN.get(E.hostile[5])]);
    // Clamp curves: a line per curve, hostile targets and prompts in the legend as text.
    assert.equal(await page.locator('#clamp polyline.series').count(), 2);
    assert.deepEqual(await page.$$eval('#clamp .legend .key', (k) => k.map((x) => x.textContent)),
      [' puppy · ' + SHOWN.get(E.hostile[6]) + ' (scope all)', SHOWN.get(E.hostile[0]) + ' · Which pet? (scope all)']);
    // Validation: the target and the detail (which names the matrices) are text; the verdict is derived.
    assert.equal(await page.textContent('#validation .tok'), SHOWN.get(E.hostile[1]));
    assert.equal(await page.textContent('#validation .verdict'), 'confirmed');
    assert.ok((await page.textContent('#validation .detail')).includes(SHOWN.get(E.hostile[5])));
    assert.equal((await cells(page, '#validation-metrics'))[0][0], 'log_odds_swing');
    await unharmed(page);
    clean(seen, base);
    await close();
  });

  test(origin + ': searching a hostile token finds the planted neuron and shows the token as text', async () => {
    const { page, seen, close } = await open(browser, base, '');
    // Typed into the search box, as a user would...
    await page.fill('#search-box', E.hostile[0]);
    await page.press('#search-box', 'Enter');
    await rendered(page, '#/search/' + encodeURIComponent(E.hostile[0]));
    let rows = await cells(page, '#results');
    assert.deepEqual(rows[0].slice(2, 6), ['L' + E.planted.layer + '.up.' + E.planted.neuron, '+',
      String(E.positive.indexOf(E.hostile[0]) + 1), SHOWN.get(E.hostile[0])]);
    await unharmed(page);
    // ...and by URL, for the ones with characters a keyboard does not type.
    for (const token of E.hostile) {
      const hash = '#/search/' + encodeURIComponent(token);
      await page.goto(base + hash);
      await rendered(page, hash);
      rows = await cells(page, '#results');
      // Every listed neuron has the token itself (no other token of this vocabulary is a variant of it); the
      // planted neuron is among them, first only for its strongest tokens (the others share its probability).
      assert.deepEqual([...new Set(rows.map((r) => r[5]))], [SHOWN.get(token)], JSON.stringify(token));
      assert.ok(rows.some((r) => r[2] === 'L' + E.planted.layer + '.up.' + E.planted.neuron), JSON.stringify(token));
      assert.equal(await page.textContent('h1 .tok'), SHOWN.get(token));
      await unharmed(page);
    }
    // The home page lists the watched hostile token as text.
    await page.goto(base + '#/');
    await rendered(page, '#/');
    const listed = (await cells(page, '#checkpoints')).find((r) => r[0] === E.checkpoint);
    assert.equal(listed[12], SHOWN.get(E.hostile[0]) + ' ');
    await unharmed(page);
    clean(seen, base);
    await close();
  });
}

test('a screenshot of the hostile neuron page', { skip: !process.env.SCREENSHOTS && 'SCREENSHOTS not set' },
  async () => {
    const { page, close } = await open(browser, 'file://' + E.site + '/index.html', neuronHash);
    await page.screenshot({ path: process.env.SCREENSHOTS + '/hostile-neuron.png', fullPage: true });
    await close();
  });

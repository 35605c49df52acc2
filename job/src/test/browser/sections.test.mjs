// A validated and examined decoder in chromium: the planted neuron's examples (both signs, each token shaded by
// its activation with the value on hover), its clamp curves and its validation verdict, on its gate, up and down
// pages alike (the activation is one per layer and index).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { clean, expectations, launch, open } from './browser.mjs';

const E = expectations();
const pageOf = (matrix) => '#/' + E.checkpoint + '/' + matrix + '/' + E.planted.layer + '/' + E.planted.neuron;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

for (const [origin, base] of [['file://', 'file://' + E.site + '/index.html'], ['http', E.http]]) {
  for (const matrix of ['gate', 'up', 'down']) {
    test(origin + ' ' + matrix + ': the planted neuron shows its examples, clamp curves and verdict', async () => {
      const { page, seen, close } = await open(browser, base, pageOf(matrix));
      const shown = await page.$$eval('#examples-max li.example', (l) => l.length);
      assert.equal(shown, E.shown_per_sign, 'the first examples of the + sign');
      assert.equal(await page.$$eval('#examples-min li.example', (l) => l.length), E.shown_per_sign);
      // The top example's extreme token: the trigger, fully shaded (the largest |value| shown), its value on hover.
      const peak = await page.$eval('#examples-max li.example .act.peak', (x) => ({ text: x.textContent,
        title: x.getAttribute('title'), value: Number(x.dataset.value), bg: getComputedStyle(x).backgroundColor }));
      assert.equal(peak.text, E.top_token);
      assert.ok(Math.abs(peak.value - E.top_value) <= 5e-5, peak.value + ' vs ' + E.top_value);
      assert.equal(peak.title, E.top_value.toFixed(4));
      assert.equal(peak.bg, 'rgb(255, 140, 0)');
      // Tokens are text nodes: no element inside a shaded token but the escapes' spans.
      const inner = await page.$$eval('#examples .act *', (x) => x.map((e) => e.className));
      assert.ok(inner.every((c) => c === 'esc'), inner.join(','));
      assert.equal(await page.locator('#clamp polyline.series').count(), E.curves);
      assert.ok((await page.$$eval('#clamp .legend .key', (k) => k.map((x) => x.textContent)))
        .every((t) => t.startsWith(' dog · ')));
      assert.equal(await page.textContent('#validation .verdict'), E.verdict);
      assert.equal(await page.textContent('#validation .tok'), ' dog');
      assert.ok(await page.locator('#activations rect.bar').count() > 0, 'the activation histogram');
      clean(seen, base);
      await close();
    });
  }
}

test('a screenshot of the planted neuron\'s sections', { skip: !process.env.SCREENSHOTS && 'SCREENSHOTS not set' },
  async () => {
    const { page, close } = await open(browser, 'file://' + E.site + '/index.html', pageOf('up'));
    await page.screenshot({ path: process.env.SCREENSHOTS + '/neuron-sections.png', fullPage: true });
    await close();
  });

// The viewer of a mixture-of-experts atlas in chromium, from file:// and from a loopback HTTP server: a planted
// expert neuron's page and URL, the shared expert's, search rows naming experts, and previous / next / random
// through each layer's experts. Run by ViewerBrowserIT.aMixtureOfExpertsAtlasInChromium, which maps
// ReportExpertsTest's Qwen2-MoE checkpoint (layer 0 dense, 24 neurons; layer 1: experts 0-2 of 16 neurons and a
// shared expert of 20; " dog" at up_proj neuron 5 of expert 1, " cat" at the shared expert's) and passes
// VIEWER_EXPECT.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cells, clean, expectations, follow, launch, open, rendered, sameNumber, values } from './browser.mjs';

const E = expectations();
const at = (m, l, expert, n) => '#/' + E.checkpoint + '/' + m + '/' + l + (expert ? '/' + expert : '') + '/' + n;
const dogHash = at('up', 1, 'e1', 5);
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function assertTopTokens(page, want) {
  const rows = await cells(page, '#top-positive');
  const numbers = await values(page, '#top-positive');
  assert.equal(rows.length, want.length);
  want.forEach((w, i) => {
    assert.deepEqual(rows[i].slice(0, 3), [String(i + 1), w.token, String(w.token_id)], 'rank ' + (i + 1));
    ['score', 'prob', 'normalized_prob'].forEach((k, j) => sameNumber(rows[i][3 + j].trim(), numbers[i][j], w[k],
      'rank ' + (i + 1) + ' ' + k));
  });
}

for (const [origin, base] of [['file://', 'file://' + E.site + '/index.html'], ['http', E.http]]) {
  test(origin + ': home shows the experts; searching " dog" lists the expert neuron first, named by expert',
    async () => {
      const { page, seen, close } = await open(browser, base, '');
      const rows = await cells(page, '#checkpoints');
      assert.deepEqual(rows.map((r) => [r[0], r[1], r[4]]), [[E.checkpoint, 'qwen2_moe', '24; 3 experts × 16, shared 20']]);
      await page.fill('#search-box', ' dog');
      await page.press('#search-box', 'Enter');
      await rendered(page, '#/search/%20dog');
      const results = await cells(page, '#results');
      const numbers = await values(page, '#results');
      E.search.forEach((want, i) => {
        assert.deepEqual([results[i][2], results[i][3], results[i][5]], [want.neuron_id, want.polarity, want.token],
          'row ' + (i + 1));
        sameNumber(results[i][8], numbers[i][2], want.normalized_prob, 'row ' + (i + 1) + ' normalized_prob');
      });
      await follow(page, '#results tbody tr:first-child a', dogHash);
      assert.equal(await page.textContent('#neuron-id'), 'L1.e1.up.5');
      clean(seen, base);
      await close();
    });

  test(origin + ': the expert neuron\'s page and the shared expert\'s show their own tokens', async () => {
    const { page, seen, close } = await open(browser, base, dogHash);
    assert.equal(await page.textContent('#neuron-id'), 'L1.e1.up.5');
    assert.match(await page.textContent('.crumbs'), /layer 1 › expert 1 › neuron 5/);
    await assertTopTokens(page, E.positive_1);
    assert.deepEqual((await cells(page, '#top-positive')).slice(0, 2).map((r) => r[1]), [' dog', ' puppy']);
    assert.equal(await page.getAttribute('a.matrix-gate', 'href'), at('gate', 1, 'e1', 5));
    assert.equal(await page.getAttribute('#same-down h3 a', 'href'), at('down', 1, 'e1', 5));
    await follow(page, 'a.matrix-down', at('down', 1, 'e1', 5));
    assert.equal(await page.textContent('#neuron-id'), 'L1.e1.down.5');
    const { page: shared, seen: seenShared, close: closeShared } = await open(browser, base,
      at('up', 1, 'shared', 5));
    assert.equal(await shared.textContent('#neuron-id'), 'L1.shared.up.5');
    assert.match(await shared.textContent('.crumbs'), /layer 1 › the shared expert › neuron 5/);
    await assertTopTokens(shared, E.positive_shared);
    assert.equal((await cells(shared, '#top-positive'))[0][1], ' cat');
    clean(seenShared, base);
    await closeShared();
    clean(seen, base);
    await close();
  });

  test(origin + ': previous, next and random walk the layer\'s experts, then the next layer', async () => {
    const { page, seen, close } = await open(browser, base, at('up', 1, 'e2', 15));
    await follow(page, '#next', at('up', 1, 'shared', 0));
    await follow(page, '#prev', at('up', 1, 'e2', 15));
    await page.goto(base + at('up', 1, 'e0', 0));
    await rendered(page, at('up', 1, 'e0', 0));
    assert.equal(await page.getAttribute('#prev', 'href'), at('up', 0, null, 23), 'back to the dense layer 0');
    await follow(page, '#prev', at('up', 0, null, 23));
    assert.equal(await page.textContent('#neuron-id'), 'L0.up.23');
    assert.equal(await page.getAttribute('#next', 'href'), at('up', 1, 'e0', 0));
    await page.goto(base + at('up', 1, 'shared', 19));
    await rendered(page, at('up', 1, 'shared', 19));
    assert.equal(await page.getAttribute('#next', 'href'), at('up', 0, null, 0), 'wraps around');
    // random: uniform over 24 + 3 * 16 + 20 = 92 neurons; 0.5 * 92 = 46 = 24 (layer 0) + 16 (expert 0) + 6.
    await page.evaluate(() => { Math.random = () => 0.5; });
    await follow(page, '#random', at('up', 1, 'e1', 6));
    // What is not in the map says so: no expert 3, no dense MLP in layer 1, no expert in layer 0, past the end.
    for (const [hash, id] of [[at('up', 1, 'e3', 0), 'L1.e3.up.0'], [at('up', 1, null, 5), 'L1.up.5'],
      [at('up', 0, 'e0', 1), 'L0.e0.up.1'], [at('up', 1, 'shared', 20), 'L1.shared.up.20']]) {
      await page.goto(base + hash);
      await rendered(page, hash);
      assert.ok((await page.textContent('main')).includes('No neuron ' + id + ' in the map of'), hash);
    }
    clean(seen, base);
    await close();
  });
}

test('a screenshot of the expert neuron\'s page', { skip: !process.env.SCREENSHOTS && 'SCREENSHOTS not set' },
  async () => {
    const { page, close } = await open(browser, 'file://' + E.site + '/index.html', dogHash);
    await page.screenshot({ path: process.env.SCREENSHOTS + '/neuron-expert.png', fullPage: true });
    await close();
  });

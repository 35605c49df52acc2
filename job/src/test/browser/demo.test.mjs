// The viewer of the demo atlas in chromium, from file:// and from a loopback HTTP server: search, the planted
// neuron's page against the atlas's rows, navigation and URLs. Run by ViewerBrowserIT (mvn verify), which maps the
// demo checkpoints, writes the site, serves it, and passes VIEWER_EXPECT (and SCREENSHOTS: where to save them).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cells, clean, expectations, follow, launch, open, rendered, sameNumber, values } from './browser.mjs';

const E = expectations();
const dogHash = '#/' + E.checkpoint + '/up/' + E.dog.layer + '/' + E.dog.neuron;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const origins = [['file://', 'file://' + E.site + '/index.html'], ['http', E.http]];

for (const [origin, base] of origins) {
  test(origin + ': the home page lists the checkpoints and plots the alignment per layer', async () => {
    const { page, seen, close } = await open(browser, base, '');
    const rows = await cells(page, '#checkpoints');
    assert.deepEqual(rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[12]]),
      [[E.checkpoint, 'llama', '4', '128', '512', '4096', 'BF16', 'gate, up, down', '0-3', '20', ' dog  cat ']]);
    // Three matrices' quantile plots, the share plot and the census plot, a point per layer each.
    assert.equal(await page.locator('svg.plot').count(), 5);
    assert.equal(await page.locator('#alignment-0 svg.share-plot circle.point').count(), 3 * 4);
    const before = await page.locator('#alignment-0 .share-plot polyline').first().getAttribute('points');
    await page.selectOption('#threshold-0', '0');
    const after = await page.locator('#alignment-0 .share-plot polyline').first().getAttribute('points');
    assert.notEqual(after, before, 'a new threshold redraws the share plot');
    clean(seen, base);
    await close();
  });

  test(origin + ': searching " dog" lists the planted up_proj neuron first, as find-token does', async () => {
    const { page, seen, close } = await open(browser, base, '');
    await page.fill('#search-box', ' dog');
    await page.press('#search-box', 'Enter');
    await rendered(page, '#/search/%20dog');
    const variants = await page.$$eval('#variants .tok', (t) => t.map((x) => x.textContent));
    for (const v of [' dog', 'dog', ' Dog', ' DOG']) assert.ok(variants.includes(v), 'variant ' + JSON.stringify(v));
    const rows = await cells(page, '#results');
    const numbers = await values(page, '#results');
    assert.equal(rows.length, 100);
    assert.deepEqual(rows[0].slice(1, 5), [E.checkpoint, 'L' + E.dog.layer + '.up.' + E.dog.neuron, '+', '1']);
    E.search.forEach((want, i) => {
      const r = rows[i];
      assert.deepEqual([r[1], r[2], r[3], r[4], r[5]], [want.checkpoint, want.neuron_id, want.polarity,
        String(want.rank), want.token], 'row ' + (i + 1));
      ['score', 'prob', 'normalized_prob'].forEach((k, j) => sameNumber(r[6 + j], numbers[i][j], want[k],
        'row ' + (i + 1) + ' ' + k));
    });
    await follow(page, '#results tbody tr:first-child a', dogHash);
    clean(seen, base);
    await close();
  });

  test(origin + ': the neuron page shows its top tokens in both polarities with the atlas\'s numbers',
    async () => {
      const { page, seen, close } = await open(browser, base, dogHash);
      assert.equal(await page.textContent('#neuron-id'), 'L' + E.dog.layer + '.up.' + E.dog.neuron);
      for (const [table, want] of [['#top-positive', E.positive], ['#top-negative', E.negative]]) {
        const rows = await cells(page, table);
        const numbers = await values(page, table);
        assert.equal(rows.length, want.length, table);
        want.forEach((w, i) => {
          assert.deepEqual(rows[i].slice(0, 3), [String(i + 1), w.token, String(w.token_id)], table + ' ' + i);
          ['score', 'prob', 'normalized_prob'].forEach((k, j) => sameNumber(rows[i][3 + j].trim(), numbers[i][j],
            w[k], table + ' rank ' + (i + 1) + ' ' + k));
        });
      }
      assert.deepEqual((await cells(page, '#top-positive')).slice(0, 2).map((r) => r[1]), [' dog', ' puppy']);
      const stats = await values(page, '#stats');
      Object.values(E.stats).forEach((v, i) => assert.equal(Math.fround(stats[i][0]), Math.fround(v), 'stat ' + i));
      const profile = await cells(page, '#profile-table');
      assert.deepEqual(profile.map((r) => r[0]).sort(), [' cat', ' dog']);
      assert.equal(profile.find((r) => r[0] === ' dog')[4], '1 of 512');
      assert.equal(await page.locator('#same-gate h3 a').count(), 1);
      assert.equal(await page.locator('#same-down h3 a').count(), 1);
      clean(seen, base);
      await close();
    });

  test(origin + ': previous, next, random, other matrices, the back button and direct URLs', async () => {
    const { page, seen, close } = await open(browser, base, dogHash);
    const at = (m, l, n) => '#/' + E.checkpoint + '/' + m + '/' + l + '/' + n;
    await follow(page, '#next', at('up', 3, 171));
    assert.equal(await page.textContent('#neuron-id'), 'L3.up.171');
    await follow(page, '#prev', at('up', 3, 170));
    await follow(page, '#prev', at('up', 3, 169));
    await page.goBack();
    await rendered(page, at('up', 3, 170));
    await page.goBack();
    await rendered(page, at('up', 3, 171));
    await page.goForward();
    await rendered(page, at('up', 3, 170));
    await follow(page, 'a.matrix-gate', at('gate', 3, 170));
    assert.equal(await page.textContent('#neuron-id'), 'L3.gate.170');
    // random: uniform over the matrix's mapped neurons; with Math.random() = 0.3, neuron 0.3 * 4 * 512 = 614.4.
    await page.evaluate(() => { Math.random = () => 0.3; });
    await follow(page, '#random', at('gate', 1, 102));
    assert.equal(await page.textContent('#neuron-id'), 'L1.gate.102');
    // At the ends, previous and next wrap through the mapped layers.
    await page.goto(base + at('up', 0, 0));
    await rendered(page, at('up', 0, 0));
    assert.equal(await page.getAttribute('#prev', 'href'), at('up', 3, 511));
    await page.goto(base + at('up', 0, 511));
    await rendered(page, at('up', 0, 511));
    assert.equal(await page.getAttribute('#next', 'href'), at('up', 1, 0));
    // A direct URL, fresh: the planted anti-" California" down_proj neuron.
    const { page: direct, seen: seenDirect, close: closeDirect } = await open(browser, base,
      at('down', E.california.layer, E.california.neuron));
    assert.equal((await cells(direct, '#top-negative'))[0][1], ' California');
    clean(seenDirect, base);
    await closeDirect();
    // What is not there says so.
    await page.goto(base + at('up', 3, 512));
    await rendered(page, at('up', 3, 512));
    assert.match(await page.textContent('main'), /No neuron L3\.up\.512 in the map of/);
    await page.goto(base + '#/no/such/page');
    await rendered(page, '#/no/such/page');
    assert.match(await page.textContent('main'), /No such page/);
    await page.goto(base + '#/search/zzqx');
    await rendered(page, '#/search/zzqx');
    assert.match(await page.textContent('main'), /No token of the vocabulary is/);
    clean(seen, base);
    await close();
  });
}

test('screenshots of the home, search and neuron pages', { skip: !process.env.SCREENSHOTS && 'SCREENSHOTS not set' },
  async () => {
    const base = 'file://' + E.site + '/index.html';
    for (const [name, hash, full] of [['home', '', true], ['search', '#/search/%20dog', false],
      ['neuron', dogHash, true]]) {
      const { page, close } = await open(browser, base, hash);
      await page.screenshot({ path: process.env.SCREENSHOTS + '/' + name + '.png', fullPage: full });
      await close();
    }
  });

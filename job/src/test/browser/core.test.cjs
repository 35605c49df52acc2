// Unit tests of the viewer's pure functions (site/assets/core.js), exact expectations: node --test core.test.cjs.
// With NEURON_ATLAS_JAVA_FIXTURE set (SiteScriptsTest does), also checks the functions that mirror Java code
// against the values Java computed: token_norm, the search bucket hash, the data keys.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const C = require('../../main/resources/io/neuronatlas/report/site/assets/core.js');

test('visibleParts shows controls, DEL, NUL, C1, bidi and invisible characters as escapes', () => {
  assert.deepEqual(C.visibleParts(' dog'), [['t', ' dog']]);
  assert.deepEqual(C.visibleParts('a\u0000b'), [['t', 'a'], ['e', '\\x00'], ['t', 'b']]);
  assert.deepEqual(C.visibleParts('\t\n\r\u0007\u001b[31m'),
    [['e', '\\t'], ['e', '\\n'], ['e', '\\r'], ['e', '\\x07'], ['e', '\\x1B'], ['t', '[31m']]);
  assert.deepEqual(C.visibleParts('x\u007fy\u0085z'), [['t', 'x'], ['e', '\\x7F'], ['t', 'y'], ['e', '\\x85'],
    ['t', 'z']]);
  assert.deepEqual(C.visibleParts('\u202Eevil\u202C'), [['e', '\\u202E'], ['t', 'evil'], ['e', '\\u202C']]);
  assert.deepEqual(C.visibleParts('\u2066\u2067\u2068\u2069\u200E\u200F\u061C'),
    ['\\u2066', '\\u2067', '\\u2068', '\\u2069', '\\u200E', '\\u200F', '\\u061C'].map((e) => ['e', e]));
  assert.deepEqual(C.visibleParts('\u200B\uFEFF\u00AD\u2028\u2029'),
    ['\\u200B', '\\uFEFF', '\\xAD', '\\u2028', '\\u2029'].map((e) => ['e', e]));
  assert.deepEqual(C.visibleParts('a\u00A0b\u3000c'), [['t', 'a'], ['e', '\\xA0'], ['t', 'b'], ['e', '\\u3000'],
    ['t', 'c']]);
  assert.deepEqual(C.visibleParts('\uD800x\uDFFF'), [['e', '\\uD800'], ['t', 'x'], ['e', '\\uDFFF']]);
  assert.deepEqual(C.visibleParts('\uFFFE\u{10FFFF}'), [['e', '\\uFFFE'], ['e', '\\u{10FFFF}']]);
  assert.deepEqual(C.visibleParts('\u{E0001}'), [['e', '\\u{E0001}']]); // a tag character (Cf)
});

test('visibleParts leaves markup, quotes, emoji, combining marks and U+FFFD as text', () => {
  const markup = '<script>window.pwned=1</script><img src=x onerror="alert(1)">\'`&lt;';
  assert.deepEqual(C.visibleParts(markup), [['t', markup]]);
  assert.deepEqual(C.visibleParts('😀é\u0301\uFFFD'), [['t', '😀é\u0301\uFFFD']]);
  assert.deepEqual(C.visibleParts(''), []);
});

test('tokenNorm groups case and space variants as token_norm does', () => {
  for (const t of [' dog', 'dog', ' Dog', ' DOG', '\u0120dog', '\u2581Dog', '\tdog\n', '\u00A0DOG\u200B']) {
    assert.equal(C.tokenNorm(t), 'dog', JSON.stringify(t));
  }
  assert.equal(C.tokenNorm(' Straße'), 'strasse');
  assert.equal(C.tokenNorm('\uFB01ne'), 'fine'); // NFKC: the fi ligature
  assert.equal(C.tokenNorm('   '), '');
  assert.equal(C.tokenNorm('dog\u0120'), 'dog\u0121'); // markers are stripped in front only (then case-folded)
});

test('fnv1a is FNV-1a 32 over UTF-8', () => {
  assert.equal(C.fnv1a(''), 0x811c9dc5);
  assert.equal(C.fnv1a('a'), 0xe40c292c);
  assert.equal(C.fnv1a('foobar'), 0xbf9cf968);
  assert.equal(C.fnv1a('é'), C.fnv1a('\u00e9'));
  assert.equal(C.searchBucket('foobar', 7), 0xbf9cf968 % 7);
});

test('routes: home, search, neuron with and without an expert, and what is not a route', () => {
  assert.deepEqual(C.parseRoute(''), { page: 'home' });
  assert.deepEqual(C.parseRoute('#/'), { page: 'home' });
  assert.deepEqual(C.parseRoute('#/search/%20dog'), { page: 'search', query: ' dog' });
  assert.deepEqual(C.parseRoute('#/search/a%2Fb%3C'), { page: 'search', query: 'a/b<' });
  assert.deepEqual(C.parseRoute('#/Llama-3.1-8B/up/25/1442'),
    { page: 'neuron', checkpoint: 'Llama-3.1-8B', matrix: 'up', layer: 25, neuron: 1442, expert: null });
  assert.deepEqual(C.parseRoute('#/Mixtral/gate/3/e7/12'),
    { page: 'neuron', checkpoint: 'Mixtral', matrix: 'gate', layer: 3, neuron: 12, expert: '7' });
  assert.deepEqual(C.parseRoute('#/Qwen1.5-MoE/up/3/e0/160'),
    { page: 'neuron', checkpoint: 'Qwen1.5-MoE', matrix: 'up', layer: 3, neuron: 160, expert: '0' });
  assert.deepEqual(C.parseRoute('#/Qwen1.5-MoE/down/23/shared/5631'),
    { page: 'neuron', checkpoint: 'Qwen1.5-MoE', matrix: 'down', layer: 23, neuron: 5631, expert: 'shared' });
  assert.deepEqual(C.parseRoute('#/Qwen1.5-MoE/down/23/%73hared/1'),
    { page: 'neuron', checkpoint: 'Qwen1.5-MoE', matrix: 'down', layer: 23, neuron: 1, expert: 'shared' });
  for (const bad of ['#/x/mlp/1/2', '#/x/up/01/2', '#/x/up/1/-2', '#/x/up/1/2.5', '#/x/up/1/x7/2', '#/x/up/1',
    '#/search', '#/x/up/1/2/3/4', '#x/up/1/2', '#/%E0%A4%A/up/1/2', '#/x/up/1/1e3', '#/x/up/1/e/2',
    '#/x/up/1/e07/2', '#/x/up/1/eshared/2', '#/x/up/1/Shared/2', '#/x/up/1/e-1/2', '#/x/up/1/5/2',
    '#/x/up/1/shared/e2', '#/x/up/1/e1e3/2', '#/x/up/1/e__proto__/2']) {
    assert.deepEqual(C.parseRoute(bad), { page: 'unknown' }, bad);
  }
  const n = { checkpoint: 'a b/c', matrix: 'down', layer: 2, expert: null, neuron: 9 };
  assert.equal(C.neuronHash(n), '#/a%20b%2Fc/down/2/9');
  assert.deepEqual(C.parseRoute(C.neuronHash(n)), Object.assign({ page: 'neuron' }, n));
  const e = Object.assign({}, n, { expert: '5' });
  assert.equal(C.neuronHash(e), '#/a%20b%2Fc/down/2/e5/9');
  assert.deepEqual(C.parseRoute(C.neuronHash(e)), Object.assign({ page: 'neuron' }, e));
  const shared = Object.assign({}, n, { expert: 'shared' });
  assert.equal(C.neuronHash(shared), '#/a%20b%2Fc/down/2/shared/9');
  assert.deepEqual(C.parseRoute(C.neuronHash(shared)), Object.assign({ page: 'neuron' }, shared));
  assert.equal(C.searchHash(' dog'), '#/search/%20dog');
  // neuron_id's forms (io.neuronatlas.udfs.NeuronId; checked against Java below when the fixture is there)
  assert.equal(C.neuronId(n), 'L2.down.9');
  assert.equal(C.neuronId(e), 'L2.e5.down.9');
  assert.equal(C.neuronId(shared), 'L2.shared.down.9');
  assert.equal(C.neuronShardKey(0, 2, null, 0), 'neurons/c0/L2/0');
  assert.equal(C.neuronShardKey(0, 2, '5', 16), 'neurons/c0/L2/E5/16');
  assert.equal(C.neuronShardKey(0, 2, 'shared', 16), 'neurons/c0/L2/Eshared/16');
});

test('neighbour steps through the layer, then to the next mapped layer, wrapping around', () => {
  const at = (layer, neuron) => ({ checkpoint: 'c', matrix: 'up', layer, expert: null, neuron });
  const layers = C.denseBlocks([0, 2, 5], 10);
  assert.deepEqual(C.neighbour(at(2, 7), 1, layers), at(2, 8));
  assert.deepEqual(C.neighbour(at(2, 9), 1, layers), at(5, 0));
  assert.deepEqual(C.neighbour(at(5, 9), 1, layers), at(0, 0));
  assert.deepEqual(C.neighbour(at(2, 0), -1, layers), at(0, 9));
  assert.deepEqual(C.neighbour(at(0, 0), -1, layers), at(5, 9));
});

/**
 * A Qwen2-MoE checkpoint as atlas.js describes it: layer 0 dense (24 neurons), layers 1 and 3 with experts 0-2 of
 * 16 neurons and a shared expert of 20; layer 2 not mapped; mapped layers listed out of order.
 */
const moe = {
  checkpoint: 'm', shapes: { layers: 4, d_mlp: 24, experts: 3, d_expert: 16, d_shared_expert: 20 },
  parameters: { layers: [3, 0, 1] },
  blocks: [{ layers: [0], experts: [null], widths: [24] },
    { layers: [1, 3], experts: ['0', '1', '2', 'shared'], widths: [16, 16, 16, 20] }],
};

test('blocksOf: mapped layers ascending, in each its experts as the atlas plans them', () => {
  const b = (layer, expert, width) => ({ layer, expert, width });
  assert.deepEqual(C.blocksOf(moe), [b(0, null, 24), b(1, '0', 16), b(1, '1', 16), b(1, '2', 16),
    b(1, 'shared', 20), b(3, '0', 16), b(3, '1', 16), b(3, '2', 16), b(3, 'shared', 20)]);
  const dense = { shapes: { d_mlp: 8 }, parameters: { layers: [2, 1] } };
  assert.deepEqual(C.blocksOf(dense), [b(1, null, 8), b(2, null, 8)]);
  assert.equal(C.blockIndex(C.blocksOf(moe), 3, 'shared'), 8);
  assert.equal(C.blockIndex(C.blocksOf(moe), 0, null), 0);
  assert.equal(C.blockIndex(C.blocksOf(moe), 0, undefined), 0);
  assert.equal(C.blockIndex(C.blocksOf(moe), 1, null), -1, 'layer 1 has no dense MLP');
  assert.equal(C.blockIndex(C.blocksOf(moe), 2, '0'), -1, 'layer 2 is not mapped');
  assert.equal(C.blockIndex(C.blocksOf(moe), 1, '3'), -1, 'there is no expert 3');
});

test('neighbour walks an expert, then the next expert of the layer, the shared one, then the next layer', () => {
  const blocks = C.blocksOf(moe);
  const at = (layer, expert, neuron) => ({ checkpoint: 'm', matrix: 'down', layer, expert, neuron });
  assert.deepEqual(C.neighbour(at(1, '0', 3), 1, blocks), at(1, '0', 4));
  assert.deepEqual(C.neighbour(at(1, '0', 15), 1, blocks), at(1, '1', 0));
  assert.deepEqual(C.neighbour(at(1, '2', 15), 1, blocks), at(1, 'shared', 0));
  assert.deepEqual(C.neighbour(at(1, 'shared', 19), 1, blocks), at(3, '0', 0));
  assert.deepEqual(C.neighbour(at(3, 'shared', 19), 1, blocks), at(0, null, 0));
  assert.deepEqual(C.neighbour(at(0, null, 23), 1, blocks), at(1, '0', 0));
  assert.deepEqual(C.neighbour(at(1, '0', 0), -1, blocks), at(0, null, 23));
  assert.deepEqual(C.neighbour(at(3, '0', 0), -1, blocks), at(1, 'shared', 19));
  assert.deepEqual(C.neighbour(at(1, 'shared', 0), -1, blocks), at(1, '2', 15));
  assert.deepEqual(C.neighbour(at(0, null, 0), -1, blocks), at(3, 'shared', 19));
});

test('randomNeuron is uniform over every expert\'s neurons', () => {
  const blocks = C.blocksOf(moe); // 24 + 2 * (3 * 16 + 20) = 160 neurons
  const draw = (k) => C.randomNeuron('m', 'up', blocks, () => k / 160);
  const at = (layer, expert, neuron) => ({ checkpoint: 'm', matrix: 'up', layer, expert, neuron });
  assert.deepEqual(draw(0), at(0, null, 0));
  assert.deepEqual(draw(23), at(0, null, 23));
  assert.deepEqual(draw(24), at(1, '0', 0));
  assert.deepEqual(draw(24 + 16 * 3 + 19), at(1, 'shared', 19));
  assert.deepEqual(draw(24 + 68 + 16), at(3, '1', 0));
  assert.deepEqual(C.randomNeuron('m', 'up', blocks, () => 0.9999999), at(3, 'shared', 19));
  const seen = new Set();
  for (let k = 0; k < 160; k++) seen.add(C.neuronId(draw(k)));
  assert.equal(seen.size, 160, 'every neuron once');
});

test('randomNeuron covers exactly the mapped neurons', () => {
  const layers = [1, 3];
  assert.deepEqual(C.randomNeuron('c', 'up', C.denseBlocks(layers, 4), () => 0),
    { checkpoint: 'c', matrix: 'up', layer: 1, expert: null, neuron: 0 });
  assert.deepEqual(C.randomNeuron('c', 'up', C.denseBlocks(layers, 4), () => 0.999999),
    { checkpoint: 'c', matrix: 'up', layer: 3, expert: null, neuron: 3 });
  assert.deepEqual(C.randomNeuron('c', 'up', C.denseBlocks(layers, 4), () => 0.5),
    { checkpoint: 'c', matrix: 'up', layer: 3, expert: null, neuron: 0 });
});

test('numbers and layer ranges as the pages show them', () => {
  assert.equal(C.formatNumber(12.121567), '12.1216');
  assert.equal(C.formatNumber(-4.20626), '-4.2063');
  assert.equal(C.formatNumber(0.00047383), '4.738e-4');
  assert.equal(C.formatNumber(0), '0');
  assert.equal(C.formatNumber(1234567), '1.235e+6');
  assert.equal(C.formatNumber('NaN'), 'NaN');
  assert.equal(C.formatRanges([0, 1, 2, 3, 5, 7, 8]), '0-3, 5, 7-8');
  assert.equal(C.formatRanges([4]), '4');
});

test('rankVariants lists the piece before the byte-fallback piece and added token of the same text', () => {
  const variants = [
    { c: 1, token_id: 5, token: 'y', kind: 'piece' },
    { c: 0, token_id: 260, token: 'y', kind: 'added' },
    { c: 0, token_id: 256, token: 'y', kind: 'piece' },
    { c: 0, token_id: 121, token: 'y', kind: 'byte' },
    { c: 0, token_id: 258, token: ' y', kind: 'piece' },
    { c: 0, token_id: 7, token: 'Y' }, // an atlas mapped before the kind column
  ];
  assert.deepEqual(C.rankVariants(variants).map((v) => v.c + ':' + v.token_id), ['0:258', '0:7', '0:256', '0:121',
    '0:260', '1:5']);
  assert.equal(variants[0].token_id, 5, 'the input is left as it was');
  assert.deepEqual(['piece', 'byte', 'added', 'unused', undefined, null].map(C.kindNote),
    ['', 'byte', 'added', 'unused', '', '']);
});

test('the mirrors of Java code give what Java gives', { skip: !process.env.NEURON_ATLAS_JAVA_FIXTURE
  && 'NEURON_ATLAS_JAVA_FIXTURE not set (SiteScriptsTest sets it)' }, () => {
  const fixture = JSON.parse(fs.readFileSync(process.env.NEURON_ATLAS_JAVA_FIXTURE, 'utf8'));
  assert.ok(fixture.norms.length > 10);
  for (const [token, norm] of fixture.norms) assert.equal(C.tokenNorm(token), norm, JSON.stringify(token));
  for (const [norm, shards, bucket] of fixture.buckets) {
    assert.equal(C.searchBucket(norm, shards), bucket, JSON.stringify(norm));
  }
  for (const [ci, layer, expert, first, key] of fixture.neuronKeys) {
    assert.equal(C.neuronShardKey(ci, layer, expert, first), key);
  }
  for (const [bucket, key] of fixture.searchKeys) assert.equal(C.searchShardKey(bucket), key);
  assert.ok(fixture.neuronIds.length >= 4);
  for (const [matrix, layer, expert, neuron, id] of fixture.neuronIds) {
    assert.equal(C.neuronId({ matrix, layer, expert, neuron }), id);
  }
  for (const [ci, key] of fixture.alignmentKeys) assert.equal(C.alignmentKey(ci), key);
  assert.deepEqual(C.KINDS, fixture.kinds, 'TokenKind labels in order');
});

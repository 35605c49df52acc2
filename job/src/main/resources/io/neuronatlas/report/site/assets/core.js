// neuron-atlas viewer: the pure functions of the page (no DOM), shared with the unit tests (node --test).
// Mirrors of Java code are marked: keep them in step.
(function (root) {
  'use strict';

  const MATRICES = ['gate', 'up', 'down'];

  // Characters a token shows as escapes instead of as themselves: C0 and C1 controls, DEL (\p{Cc}), format
  // characters (\p{Cf}: bidi overrides and isolates such as U+202E, zero-width characters, BOM, soft hyphen),
  // line and paragraph separators, spaces other than U+0020, lone surrogates, noncharacters.
  const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Noncharacter_Code_Point}]|(?! )\p{Zs}/u;
  const NAMED = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };

  function hex(cp, width) {
    return cp.toString(16).toUpperCase().padStart(width, '0');
  }

  /** The escape shown for an invisible code point: \t \n \r, \xHH below U+0100, else \uHHHH or \u{HHHHH}. */
  function escapeOf(cp) {
    if (NAMED[cp] !== undefined) return NAMED[cp];
    if (cp < 0x100) return '\\x' + hex(cp, 2);
    if (cp < 0x10000) return '\\u' + hex(cp, 4);
    return '\\u{' + hex(cp, 5) + '}';
  }

  /**
   * A token string as parts to show: [['t', text], ['e', escape], ...]. Text parts are shown as text; escape
   * parts are shown as the escape, styled apart, so that "\n" typed in a token and a newline differ.
   */
  function visibleParts(s) {
    const parts = [];
    let text = '';
    for (let i = 0; i < s.length;) {
      const cp = s.codePointAt(i);
      // A lone surrogate is one code unit; a pair is two.
      const ch = cp > 0xffff ? s.slice(i, i + 2) : s[i];
      i += ch.length;
      if (INVISIBLE.test(ch)) {
        if (text) parts.push(['t', text]);
        text = '';
        parts.push(['e', escapeOf(cp)]);
      } else {
        text += ch;
      }
    }
    if (text) parts.push(['t', text]);
    return parts;
  }

  // Mirror of io.neuronatlas.udfs.TokenText.trim/norm: Character.isWhitespace, isSpaceChar or isISOControl,
  // U+200B, U+FEFF; leading 'Ġ' and '▁' too.
  const BLANK = /^[\p{Zs}\p{Zl}\p{Zp}\p{Cc}\u200B\uFEFF]$/u;

  function trimToken(s) {
    const cps = Array.from(s);
    let start = 0;
    let end = cps.length;
    while (start < end && (BLANK.test(cps[start]) || cps[start] === '\u0120' || cps[start] === '\u2581')) start++;
    while (end > start && BLANK.test(cps[end - 1])) end--;
    return cps.slice(start, end).join('');
  }

  /** The word a token is (find-token's grouping key): trimmed, NFKC, case-folded. */
  function tokenNorm(s) {
    return trimToken(s).normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
  }

  /** Mirror of io.neuronatlas.report.SearchBuckets.fnv1a: FNV-1a 32 of the UTF-8 bytes, unsigned. */
  function fnv1a(s) {
    let hash = 0x811c9dc5;
    for (const b of new TextEncoder().encode(s)) {
      hash ^= b;
      hash = Math.imul(hash, 0x01000193);
    }
    return hash >>> 0;
  }

  // Mirror of io.neuronatlas.checkpoint.tokenizer.TokenKind's order: the model emits a piece; a byte-fallback piece
  // (<0x79>) or an added token that renders the same text rarely. null: an atlas written before the kind column.
  const KINDS = ['piece', 'byte', 'added', 'unused'];

  function kindRank(kind) {
    const i = KINDS.indexOf(kind);
    return i < 0 ? 0 : i;
  }

  /**
   * A word's variants in the order the page lists them: by checkpoint, then, among ids that render the same text,
   * the piece first (what the model emits: TargetResolver's rule), then by id. A new array.
   */
  function rankVariants(variants) {
    return variants.slice().sort((a, b) => a.c - b.c || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0)
      || kindRank(a.kind) - kindRank(b.kind) || a.token_id - b.token_id);
  }

  /** What the page says after a token that is not a plain piece ('byte', 'added', 'unused'); '' for a piece. */
  function kindNote(kind) {
    return kind && kind !== 'piece' ? kind : '';
  }

  function searchBucket(norm, shards) {
    return fnv1a(norm) % shards;
  }

  // Mirrors of io.neuronatlas.report.SiteKeys: the data file data/KEY.js. expert: the atlas's expert column ("5",
  // "shared"), null for a dense MLP.
  function neuronShardKey(checkpointIndex, layer, expert, first) {
    return 'neurons/c' + checkpointIndex + '/L' + layer + (expert == null ? '' : '/E' + expert) + '/' + first;
  }

  function searchShardKey(bucket) {
    return 'search/' + bucket;
  }

  function alignmentKey(checkpointIndex) {
    return 'alignment/c' + checkpointIndex;
  }

  const INDEX = /^(0|[1-9][0-9]{0,8})$/;
  const SHARED = 'shared';
  const ROUTED = /^e(0|[1-9][0-9]{0,8})$/;

  /** A neuron URL's expert segment: e5 for routed expert "5", shared for the shared expert (as neuron_id has them). */
  function expertSegment(expert) {
    return expert === SHARED ? SHARED : 'e' + expert;
  }

  /** The expert a URL segment names ("5", "shared"), or undefined when the segment is not one. */
  function expertOfSegment(segment) {
    if (segment === SHARED) return SHARED;
    return ROUTED.test(segment) ? segment.slice(1) : undefined;
  }

  /**
   * The page a location hash names:
   *   '' '#' '#/'                                 {page: 'home'}
   *   #/search/QUERY                              {page: 'search', query}
   *   #/CHECKPOINT/MATRIX/LAYER/NEURON            {page: 'neuron', checkpoint, matrix, layer, expert: null, neuron}
   *   #/CHECKPOINT/MATRIX/LAYER/eEXPERT/NEURON    routed expert EXPERT of a mixture-of-experts layer: expert 'EXPERT'
   *   #/CHECKPOINT/MATRIX/LAYER/shared/NEURON     its shared expert: expert 'shared'
   * expert is a string, as the atlas's expert column holds it. Segments are URI-encoded; anything else is
   * {page: 'unknown'}.
   */
  function parseRoute(hash) {
    const path = hash.replace(/^#/, '');
    if (path === '' || path === '/') return { page: 'home' };
    if (!path.startsWith('/')) return { page: 'unknown' };
    let parts;
    try {
      parts = path.slice(1).split('/').map(decodeURIComponent);
    } catch (e) {
      return { page: 'unknown' };
    }
    if (parts[0] === 'search' && parts.length === 2) return { page: 'search', query: parts[1] };
    if (parts.length !== 4 && parts.length !== 5) return { page: 'unknown' };
    const [checkpoint, matrix, layer] = parts;
    const neuron = parts[parts.length - 1];
    const expert = parts.length === 5 ? expertOfSegment(parts[3]) : null;
    if (!MATRICES.includes(matrix) || !INDEX.test(layer) || !INDEX.test(neuron)) return { page: 'unknown' };
    if (expert === undefined) return { page: 'unknown' };
    return { page: 'neuron', checkpoint, matrix, layer: Number(layer), neuron: Number(neuron), expert };
  }

  function neuronHash(n) {
    return '#/' + encodeURIComponent(n.checkpoint) + '/' + n.matrix + '/' + n.layer
      + (n.expert == null ? '' : '/' + expertSegment(n.expert)) + '/' + n.neuron;
  }

  function searchHash(query) {
    return '#/search/' + encodeURIComponent(query);
  }

  /**
   * Mirror of io.neuronatlas.udfs.NeuronId: the atlas's name of a neuron, as neuron_id() writes it: L26.up.1442;
   * with an expert L12.e5.up.300, or L12.shared.up.300 for the shared expert.
   */
  function neuronId(n) {
    const expert = n.expert == null ? '' : n.expert === SHARED ? SHARED + '.' : 'e' + n.expert + '.';
    return 'L' + n.layer + '.' + expert + n.matrix + '.' + n.neuron;
  }

  /** A dense model's MLPs: one per mapped layer (ascending), of dMlp neurons. */
  function denseBlocks(layers, dMlp) {
    return layers.map((layer) => ({ layer, expert: null, width: dMlp }));
  }

  /**
   * The MLPs of a checkpoint of atlas.js, in the order navigation walks them: its mapped layers ascending and in
   * each layer its experts as the atlas plans them (routed by index, then the shared one; a dense layer is one
   * MLP, expert null), from the checkpoint's "blocks" (mixtures of experts) or its d_mlp (dense models).
   */
  function blocksOf(c) {
    const layers = c.parameters.layers.slice().sort((a, b) => a - b);
    if (!c.blocks) return denseBlocks(layers, c.shapes.d_mlp);
    const out = [];
    for (const layer of layers) {
      const group = c.blocks.find((g) => g.layers.includes(layer));
      if (group) group.experts.forEach((expert, i) => out.push({ layer, expert, width: group.widths[i] }));
    }
    return out;
  }

  /** The place of a neuron's MLP (layer and expert) in blocks, or -1. */
  function blockIndex(blocks, layer, expert) {
    const e = expert == null ? null : expert;
    return blocks.findIndex((b) => b.layer === layer && b.expert === e);
  }

  /**
   * The neuron step places away (+1 next, -1 previous) in a checkpoint's mapped neurons of one matrix: through its
   * MLP, then on to the next MLP of blocks (the next expert of the layer, then the next mapped layer), wrapping
   * around at the ends.
   */
  function neighbour(n, step, blocks) {
    let at = blockIndex(blocks, n.layer, n.expert);
    let neuron = n.neuron + step;
    if (neuron >= blocks[at].width) {
      at = (at + 1) % blocks.length;
      neuron = 0;
    } else if (neuron < 0) {
      at = (at - 1 + blocks.length) % blocks.length;
      neuron = blocks[at].width - 1;
    }
    return Object.assign({}, n, { layer: blocks[at].layer, expert: blocks[at].expert, neuron });
  }

  /** A neuron drawn uniformly from a matrix's mapped neurons (blocks); random() in [0, 1) as Math.random. */
  function randomNeuron(checkpoint, matrix, blocks, random) {
    const all = blocks.reduce((sum, b) => sum + b.width, 0);
    let pick = Math.min(all - 1, Math.floor(random() * all));
    for (const b of blocks) {
      if (pick < b.width) return { checkpoint, matrix, layer: b.layer, expert: b.expert, neuron: pick };
      pick -= b.width;
    }
    throw new Error('no mapped neurons');
  }

  /** A number as the tables show it: 4 decimals, or 4 significant digits in exponent form when tiny or huge. */
  function formatNumber(x) {
    if (typeof x !== 'number') return String(x);
    if (x === 0) return '0';
    const a = Math.abs(x);
    return a >= 1e-3 && a < 1e6 ? x.toFixed(4) : x.toExponential(3);
  }

  /** Layers as ranges: [0,1,2,3,5] -> "0-3, 5". */
  function formatRanges(values) {
    const out = [];
    for (let i = 0; i < values.length;) {
      let j = i;
      while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
      out.push(j === i ? String(values[i]) : values[i] + '-' + values[j]);
      i = j + 1;
    }
    return out.join(', ');
  }

  const api = {
    MATRICES, visibleParts, escapeOf, trimToken, tokenNorm, fnv1a, searchBucket, neuronShardKey, searchShardKey,
    alignmentKey, parseRoute, neuronHash, searchHash, neuronId, denseBlocks, blocksOf, blockIndex, neighbour,
    randomNeuron, formatNumber, formatRanges, KINDS, rankVariants, kindNote,
  };
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else {
    root.NeuronAtlasCore = api;
  }
})(this);
